# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""What every LLM backend returns: the text and its metrics, or one error type."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
import socket
import threading
import time
from typing import Any, Callable, Iterator, Protocol

from ..common.contract import LLMMetrics

__all__ = ['BackendError', 'ChatBackend', 'Deadline', 'LLMMetrics', 'LLMResult', 'TextCallback',
           'StreamedReply', 'ThinkSplitter', 'rate']

WATCHDOG_PERIOD_S = 0.02
# Called with each new piece of generated text as it streams in.
TextCallback = Callable[[str], None]


class BackendError(RuntimeError):
    """A backend failure, worded for an operator; ``status_code`` when HTTP gave one."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass
class LLMResult:
    """Generated text (the answer only) and how fast it came.

    ``thinking``: a reasoning model's thoughts, kept apart from the answer. ``token_limit``
    and ``limit_param``: the token budget the request had and the request field that set it
    (``num_predict``, ``max_tokens``); ``done_reason`` "length" means the reply hit it.
    """

    text: str
    metrics: LLMMetrics
    done_reason: str | None = None
    thinking: str = ''
    token_limit: int | None = None
    limit_param: str = 'num_predict'

    @property
    def cut_off(self) -> bool:
        """True when the server stopped the reply at its token limit."""
        return self.done_reason == 'length'

    def cut_off_message(self) -> str:
        """What a cut reply means and what to do, naming the limit and its parameter."""
        limit = f'the {self.token_limit}-token limit' if self.token_limit else 'its token limit'
        thought = (f'; {self.metrics.thinking_count} of those tokens went to thinking'
                   if self.metrics.thinking_count else '')
        return (f'the reply was cut at {limit} ({self.limit_param}; the server said '
                f'"length") before the plan was complete{thought}. Give it a larger '
                f'{self.limit_param}, or use a model that answers without long reasoning')


class ChatBackend(Protocol):
    """The one call the planner needs from any backend."""

    name: str
    model: str

    def chat(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None,
             stream: bool = True, on_text: TextCallback | None = None,
             timeout_s: float | None = None, options: dict[str, Any] | None = None,
             cancel: threading.Event | None = None) -> LLMResult:
        """Generate a reply (schema-constrained when a schema is given); ``cancel`` aborts it."""

    def close(self) -> None:
        """Release the HTTP connection pool."""


class Deadline:
    """A wall-clock budget for one request: httpx timeouts are per read, not per request.

    ``watch(response)`` shuts the response's socket down when the budget is spent or the
    ``cancel`` event is set, which wakes a read blocked on a stalled server (closing the socket
    would not) and frees the server from a reply nobody wants.
    """

    def __init__(self, seconds: float, cancel: threading.Event | None = None) -> None:
        self.seconds = seconds
        self.start = time.monotonic()
        self.cancel = cancel
        self.expired = False

    @contextmanager
    def watch(self, response: Any) -> Iterator[None]:
        """Cut the response's connection if it is still open when the budget runs out."""
        sock = (getattr(response, 'extensions', None) or {}).get('network_stream')
        sock = sock.get_extra_info('socket') if sock is not None else None

        done = threading.Event()
        # Held while the watchdog cuts, and by the reader when it finishes: once the reader has
        # finished, the connection may go back to the pool and carry another request, which a
        # late cut must never hit.
        cutting = threading.Lock()

        def watchdog() -> None:
            while not done.wait(WATCHDOG_PERIOD_S):
                if self.elapsed > self.seconds:
                    self.expired = True
                elif not self.cancelled:
                    continue
                with cutting:
                    if sock is not None and not done.is_set():
                        try:
                            sock.shutdown(socket.SHUT_RDWR)
                        except OSError:  # already closed: nothing left to cut
                            pass
                return

        thread = threading.Thread(target=watchdog, daemon=True)
        thread.start()
        try:
            yield
        finally:
            with cutting:
                done.set()

    @property
    def cancelled(self) -> bool:
        """True once the caller no longer wants the reply."""
        return self.cancel is not None and self.cancel.is_set()

    def timeout_error(self, what: str) -> BackendError:
        """The operator-facing error for a spent budget."""
        return BackendError(f'{what} took longer than {self.seconds:g} s (llm_timeout_s); '
                            f'request cancelled')

    @property
    def elapsed(self) -> float:
        """Seconds since the request started."""
        return time.monotonic() - self.start

    def check(self, what: str) -> None:
        """Raise BackendError once the budget is spent."""
        if self.cancelled:
            raise BackendError('request cancelled by the caller')
        if self.expired or self.elapsed > self.seconds:
            raise self.timeout_error(what)


class ThinkSplitter:
    """Separates reasoning written inside the content from the answer, piece by piece.

    Servers without a thinking field send it first, between ``<think>`` and ``</think>``.
    """

    OPEN, CLOSE = '<think>', '</think>'

    def __init__(self) -> None:
        self.state = 'start'   # start -> inside -> after -> answer (or start -> answer)
        self.buffer = ''

    def feed(self, piece: str) -> tuple[str, str]:
        """Add streamed content; return the (thinking, answer) text it completes."""
        self.buffer += piece
        thinking = answer = ''
        if self.state == 'start':
            head = self.buffer.lstrip()
            if head.startswith(self.OPEN):
                self.state, self.buffer = 'inside', head[len(self.OPEN):]
            elif self.OPEN.startswith(head):
                return '', ''          # still undecided (empty or a partial tag)
            else:
                self.state = 'answer'
        if self.state == 'inside':
            end = self.buffer.find(self.CLOSE)
            if end < 0:  # keep what could be the start of a closing tag
                cut = max(0, len(self.buffer) - len(self.CLOSE) + 1)
                thinking, self.buffer = self.buffer[:cut], self.buffer[cut:]
                return thinking, ''
            thinking, self.buffer = self.buffer[:end], self.buffer[end + len(self.CLOSE):]
            self.state = 'after'
        if self.state == 'after':
            self.buffer = self.buffer.lstrip()
            if not self.buffer:
                return thinking, ''
            self.state = 'answer'
        answer, self.buffer = self.buffer, ''
        return thinking, answer

    def flush(self) -> tuple[str, str]:
        """The rest at the end of the reply (thinking cut off before its closing tag)."""
        rest, self.buffer = self.buffer, ''
        return (rest, '') if self.state == 'inside' else ('', rest)


class StreamedReply:
    """A reply as it streams: thinking apart from the answer, from either place it comes.

    Thinking arrives in ``message.thinking`` (servers with ``think``) or inside the content
    between think tags (older servers); only answer text reaches ``on_text`` and the plan.
    """

    def __init__(self, deadline: Deadline, on_text: TextCallback | None) -> None:
        self.deadline = deadline
        self.on_text = on_text
        self.splitter = ThinkSplitter()
        self.answer: list[str] = []
        self.thinking: list[str] = []
        self.thinking_pieces = 0
        self.field_thinking = False
        self.first_thought: float | None = None
        self.ttft: float | None = None   # time to the first answer piece

    def add(self, thinking: str, content: str) -> None:
        """One chunk's thinking field and content."""
        if thinking:
            self.field_thinking = True
        tagged, answer = self.splitter.feed(content) if content else ('', '')
        # A content chunk is a thinking token while the splitter is inside think tags (white
        # space before an answer is not).
        inside = self.splitter.state in ('inside', 'after')
        self._thought(thinking + tagged, bool(thinking or (content and not answer and inside)))
        self._answer(answer)

    def finish_text(self) -> None:
        """The end of the reply: what the splitter still held."""
        tagged, answer = self.splitter.flush()
        self._thought(tagged, False)
        self._answer(answer)

    def _thought(self, text: str, counts: bool) -> None:
        if counts:
            self.thinking_pieces += 1
            if self.first_thought is None:
                self.first_thought = self.deadline.elapsed
        if text:
            self.thinking.append(text)

    def _answer(self, text: str) -> None:
        if not text:
            return
        if self.ttft is None:
            self.ttft = self.deadline.elapsed
        self.answer.append(text)
        if self.on_text is not None:
            self.on_text(text)


def rate(count: int | None, seconds: float | None) -> float | None:
    """Tokens per second, or None when either figure is missing or zero."""
    if not count or not seconds:
        return None
    return count / seconds
