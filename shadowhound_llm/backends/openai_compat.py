# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""OpenAI-compatible chat completions (OpenAI, llama.cpp's server, vLLM, Ollama's /v1).

The API key is read from $OPENAI_API_KEY only, sent as a header, and scrubbed from every
error message: it never reaches a log or a status.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Callable

import httpx

from .base import BackendError, Deadline, LLMMetrics, LLMResult, rate, StreamedReply, TextCallback
from .http import CONNECT_TIMEOUT_S, error_body, http_error_message, stream_post
from .validation import (
    CheckResult,
    FAIL,
    generation_checks,
    OK,
    Runner,
    SERVER_SPEED_ADVICE,
    ValidationReport,
)

RESPONSE_FORMAT_STYLES = ('json_schema', 'json_object')
# Where servers put a reasoning model's thoughts: llama.cpp and vLLM, Ollama's /v1.
REASONING_FIELDS = ('reasoning_content', 'reasoning')


class _Reply(StreamedReply):
    """A streamed reply plus what the OpenAI side adds.

    That is usage, llama.cpp's timings, the finish reason, and whether [DONE] arrived.
    """

    def __init__(self, deadline: Deadline, on_text: TextCallback | None) -> None:
        super().__init__(deadline, on_text)
        self.usage: dict[str, Any] = {}
        self.timings: dict[str, Any] = {}
        self.finish: str | None = None
        self.finished = False

    def add_message(self, message: dict[str, Any]) -> None:
        """One delta (streamed) or the whole message: reasoning apart from content."""
        thought = next((message[k] for k in REASONING_FIELDS if message.get(k)), '')
        self.add(str(thought or ''), str(message.get('content') or ''))


class OpenAICompatClient:
    """Client for one OpenAI-compatible server."""

    name = 'openai'

    def __init__(self, base_url: str = 'https://api.openai.com/v1', model: str = 'gpt-4o-mini',
                 timeout_s: float = 30.0, temperature: float = 0.0, seed: int | None = 42,
                 response_format_style: str = 'json_schema') -> None:
        self.base_url = base_url.rstrip('/')
        self.model = model
        self.timeout_s = timeout_s
        self.temperature = temperature
        self.seed = seed
        if response_format_style not in RESPONSE_FORMAT_STYLES:
            raise ValueError(f'response_format_style must be one of {RESPONSE_FORMAT_STYLES}')
        self.style = response_format_style
        self._key = os.environ.get('OPENAI_API_KEY', '')
        headers = {'Authorization': f'Bearer {self._key}'} if self._key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers,
                                  timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S))

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, '***') if self._key else text

    def _error(self, exc: Exception) -> BackendError:
        err = http_error_message(exc, self.base_url, 'the OpenAI-compatible server')
        return BackendError(self._scrub(str(err)), err.status_code)

    def _status_error(self, response: httpx.Response) -> BackendError:
        text, code = error_body(response), response.status_code
        if code == 404:
            return self._not_found('/chat/completions', text)
        return BackendError(self._scrub(f'{self.base_url}/chat/completions answered '
                                        f'{code}: {text}'), code)

    def _not_found(self, path: str, text: str) -> BackendError:
        """A 404 told apart: the model is not served, or the URL / path / proxy is wrong."""
        if 'model' in text.lower():
            return BackendError(self._scrub(
                f'model {self.model!r} is not served by {self.base_url} ({text}). Fix: set '
                f'openai_model to a model the server lists (GET {self.base_url}/models), or '
                f'load it on the server'), 404)
        return BackendError(self._scrub(
            f'{self.base_url}{path} does not exist (404: {text[:120] or "not found"}): the '
            f'base URL, its path or a proxy in between is wrong. Fix: set openai_base_url to '
            f"the server's OpenAI-compatible root, usually ending in /v1 "
            f'(e.g. http://192.168.1.20:8000/v1)'), 404)

    def models(self) -> list[str]:
        """Model ids the server lists (GET /models)."""
        try:
            response = self._http.get('/models', timeout=10.0)
        except httpx.HTTPError as exc:
            raise self._error(exc) from None
        if response.status_code == 404:
            raise self._not_found('/models', error_body(response))
        if response.status_code >= 400:
            hint = ' (check $OPENAI_API_KEY)' if response.status_code in (401, 403) else ''
            raise BackendError(self._scrub(f'{self.base_url}/models answered '
                                           f'{response.status_code}: {error_body(response)}'
                                           f'{hint}'), response.status_code)
        return [str(m.get('id')) for m in response.json().get('data') or []]

    @property
    def output_constraint(self) -> str:
        """How a plan's shape is asked for, in words for messages."""
        if self.style == 'json_schema':
            return 'the JSON schema (response_format json_schema)'
        return 'response_format json_object (the schema is enforced where the server honours it)'

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.style == 'json_schema':
            return {'type': 'json_schema',
                    'json_schema': {'name': 'plan', 'schema': schema, 'strict': False}}
        # llama-cpp-python's server enforces this form with a grammar.
        return {'type': 'json_object', 'schema': schema}

    def chat(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None,
             stream: bool = True, on_text: TextCallback | None = None,
             timeout_s: float | None = None, options: dict[str, Any] | None = None,
             cancel: threading.Event | None = None) -> LLMResult:
        """Chat completion, schema-constrained when a schema is given; ``cancel`` aborts it."""
        deadline = Deadline(timeout_s or self.timeout_s, cancel)
        try:
            return self._chat(messages, schema, stream, on_text, deadline, options)
        except BackendError as exc:
            # Some servers refuse json_schema but take json_object + schema: switch once.
            refused = str(exc).lower()
            refused_style = 'json_schema' in refused or 'response_format' in refused
            if (schema is not None and self.style == 'json_schema'
                    and exc.status_code in (400, 422, 500) and refused_style):
                self.style = 'json_object'
                return self._chat(messages, schema, stream, on_text, deadline, options)
            raise

    def _chat(self, messages: list[dict[str, str]], schema: dict[str, Any] | None,
              stream: bool, on_text: TextCallback | None, deadline: Deadline,
              options: dict[str, Any] | None) -> LLMResult:
        body: dict[str, Any] = {'model': self.model, 'messages': messages,
                                'temperature': self.temperature, 'stream': stream}
        if self.seed is not None:
            body['seed'] = self.seed
        if options and options.get('num_predict'):
            body['max_tokens'] = int(options['num_predict'])
        if stream:
            body['stream_options'] = {'include_usage': True}
        if schema is not None:
            body['response_format'] = self._response_format(schema)
        reply = _Reply(deadline, on_text)
        with stream_post(self._http, '/chat/completions', body, deadline, self.base_url,
                         self._status_error, self._error) as response:
            if stream:
                self._read_sse(response, deadline, reply)
            else:
                self._read_whole(response, reply)
        if not reply.finished:
            raise BackendError('the reply stream ended before [DONE] (connection cut); partial '
                               'output discarded')
        reply.finish_text()
        limit = body.get('max_tokens')
        return LLMResult(''.join(reply.answer),
                         self._metrics(reply, deadline.elapsed, stream),
                         reply.finish, ''.join(reply.thinking), limit, 'max_tokens')

    @staticmethod
    def _read_whole(response: httpx.Response, reply: _Reply) -> None:
        response.read()
        data = response.json()
        choice = (data.get('choices') or [{}])[0]
        reply.add_message(choice.get('message') or {})
        reply.usage = data.get('usage') or {}
        reply.timings = data.get('timings') or {}
        reply.finish = choice.get('finish_reason')
        reply.finished = True

    def _read_sse(self, response: httpx.Response, deadline: Deadline, reply: _Reply) -> None:
        for line in response.iter_lines():
            deadline.check('the LLM reply')
            if not line.startswith('data:'):
                continue
            payload = line[5:].strip()
            if payload == '[DONE]':
                reply.finished = True
                break
            event = self._event(payload)
            reply.usage = event.get('usage') or reply.usage
            reply.timings = event.get('timings') or reply.timings
            for choice in event.get('choices') or []:
                reply.add_message(choice.get('delta') or {})
                reply.finish = choice.get('finish_reason') or reply.finish

    def _event(self, payload: str) -> dict[str, Any]:
        try:
            event = json.loads(payload)
        except json.JSONDecodeError:
            raise BackendError(f'server sent a bad SSE event: {payload[:200]!r}') from None
        if isinstance(event, dict) and event.get('error'):
            err = event['error']
            message = err.get('message') if isinstance(err, dict) else err
            raise BackendError(self._scrub(f'server failed mid-reply: {message}'))
        return event

    def _metrics(self, reply: _Reply, total: float, streamed: bool) -> LLMMetrics:
        """Server figures first, the wall clock alone when the server gave none.

        llama.cpp's ``timings`` first, then ``usage`` counts (vLLM, OpenAI, Ollama's /v1)
        over the wall clock.
        """
        usage, timings, ttft = reply.usage, reply.timings, reply.ttft if streamed else None
        details = usage.get('completion_tokens_details') or {}
        thinking_count = details.get('reasoning_tokens') or reply.thinking_pieces or None
        common: dict[str, Any] = {'backend': 'openai', 'model': self.model, 'ok': True,
                                  'ttft_s': ttft, 'total_s': total,
                                  'thinking_count': thinking_count, 'done_reason': reply.finish}
        if timings.get('predicted_per_second'):
            count = timings.get('predicted_n')
            decode_s = (timings.get('predicted_ms') or 0) / 1000 or None
            prompt_s = (timings.get('prompt_ms') or 0) / 1000 or None
            thinking_s = (decode_s * min(1.0, thinking_count / count)
                          if thinking_count and count and decode_s else None)
            return LLMMetrics(**common, tokens_per_s=float(timings['predicted_per_second']),
                              eval_count=count, eval_duration_s=decode_s,
                              prompt_eval_count=timings.get('prompt_n'),
                              prompt_eval_duration_s=prompt_s, thinking_duration_s=thinking_s,
                              speed_source='server')
        pieces = len(reply.answer) + reply.thinking_pieces
        first = reply.first_thought if reply.first_thought is not None else ttft
        # Measured here: decode time is what came after the first piece (N pieces, N - 1
        # gaps); not streamed, only the whole call is known and tokens/s is a lower bound.
        decode_s = (total - first) if streamed and first is not None and total > first \
            else None
        completion = usage.get('completion_tokens')
        if streamed:
            tps = rate(pieces - 1, decode_s) if pieces > 1 else None
        else:
            tps = rate(completion, total)
        thinking_s = ((ttft or total) - reply.first_thought
                      if reply.first_thought is not None else None)
        return LLMMetrics(**common, tokens_per_s=tps,
                          eval_count=completion if completion is not None else pieces or None,
                          eval_duration_s=decode_s,
                          prompt_eval_count=usage.get('prompt_tokens'),
                          prompt_eval_duration_s=first if streamed else None,
                          thinking_duration_s=thinking_s, speed_source='wall')


def validate_openai(client: OpenAICompatClient, min_tokens_per_s: float | None = None,
                    on_check: Callable[[CheckResult], None] | None = None
                    ) -> ValidationReport:
    """Reachable (models listed) -> model listed -> structured output -> speed."""
    runner = Runner(on_check)
    state: dict[str, Any] = {}

    def reachable() -> tuple[str, str]:
        state['models'] = client.models()
        return OK, f'{client.base_url} lists {len(state["models"])} model(s)'

    def listed() -> tuple[str, str]:
        if client.model in state['models'] or not state['models']:
            return OK, f'{client.model} is served'
        return FAIL, (f'model {client.model!r} is not served by {client.base_url} (served: '
                      f'{", ".join(state["models"][:10])}); set openai_model')

    runner.run('reachable', reachable)
    runner.run('model_present', listed)
    generation_checks(runner, client, min_tokens_per_s, speed_advice=SERVER_SPEED_ADVICE)
    return ValidationReport('openai', client.base_url, client.model, runner.checks)
