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
           'rate']

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
    """Generated text and how fast it came."""

    text: str
    metrics: LLMMetrics
    done_reason: str | None = None


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

        def watchdog() -> None:
            while not done.wait(WATCHDOG_PERIOD_S):
                if self.elapsed > self.seconds:
                    self.expired = True
                elif not self.cancelled:
                    continue
                if sock is not None:
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


def rate(count: int | None, seconds: float | None) -> float | None:
    """Tokens per second, or None when either figure is missing or zero."""
    if not count or not seconds:
        return None
    return count / seconds
