# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""OpenAI-compatible chat completions (OpenAI, llama.cpp's server, vLLM, Ollama's /v1).

The API key is read from $OPENAI_API_KEY only, sent as a header, and scrubbed from every
error message: it never reaches a log or a status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import os
import threading
from typing import Any

import httpx

from .base import BackendError, Deadline, LLMMetrics, LLMResult, rate, TextCallback
from .http import CONNECT_TIMEOUT_S, error_body, http_error_message, stream_post

RESPONSE_FORMAT_STYLES = ('json_schema', 'json_object')


@dataclass
class _Reply:
    """What came back: text pieces, usage, time to first token, finish reason, completeness."""

    parts: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    ttft: float | None = None
    finish: str | None = None
    finished: bool = False


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
        return BackendError(self._scrub(f'{self.base_url}/chat/completions answered '
                                        f'{response.status_code}: {error_body(response)}'),
                            response.status_code)

    def models(self) -> list[str]:
        """Model ids the server lists (GET /models)."""
        try:
            response = self._http.get('/models', timeout=10.0)
        except httpx.HTTPError as exc:
            raise self._error(exc) from None
        if response.status_code >= 400:
            hint = ' (check $OPENAI_API_KEY)' if response.status_code in (401, 403) else ''
            raise BackendError(self._scrub(f'{self.base_url}/models answered '
                                           f'{response.status_code}: {error_body(response)}'
                                           f'{hint}'), response.status_code)
        return [str(m.get('id')) for m in response.json().get('data') or []]

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
        with stream_post(self._http, '/chat/completions', body, deadline, self.base_url,
                         self._status_error, self._error) as response:
            reply = (self._read_sse(response, deadline, on_text) if stream
                     else self._read_whole(response, deadline))
        if not reply.finished:
            raise BackendError('the reply stream ended before [DONE] (connection cut); partial '
                               'output discarded')
        usage = reply.usage
        if stream and 'completion_tokens' not in usage:
            # llama.cpp's server sends no usage when streaming: one chunk is about one token.
            usage = {**usage, 'completion_tokens': len(reply.parts)}
        return LLMResult(''.join(reply.parts),
                         self._metrics(usage, reply.ttft, deadline.elapsed, stream),
                         reply.finish)

    @staticmethod
    def _read_whole(response: httpx.Response, deadline: Deadline) -> _Reply:
        response.read()
        data = response.json()
        choice = (data.get('choices') or [{}])[0]
        return _Reply([(choice.get('message') or {}).get('content') or ''],
                      data.get('usage') or {}, deadline.elapsed, choice.get('finish_reason'),
                      True)

    def _read_sse(self, response: httpx.Response, deadline: Deadline,
                  on_text: TextCallback | None) -> _Reply:
        reply = _Reply()
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
            for choice in event.get('choices') or []:
                piece = (choice.get('delta') or {}).get('content') or ''
                if piece:
                    if reply.ttft is None:
                        reply.ttft = deadline.elapsed
                    reply.parts.append(piece)
                    if on_text is not None:
                        on_text(piece)
                reply.finish = choice.get('finish_reason') or reply.finish
        return reply

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

    def _metrics(self, usage: dict[str, Any], ttft: float | None, total: float,
                 streamed: bool) -> LLMMetrics:
        completion = usage.get('completion_tokens')
        # No server-side timings here. Streamed: decode time is what came after the first
        # token. Not streamed: only the whole call is known, so tokens/s is a lower bound.
        decode_s = (total - ttft) if streamed and ttft is not None and total > ttft else None
        tps = rate(completion, decode_s) if streamed else rate(completion, total)
        return LLMMetrics(backend='openai', model=self.model, ok=True, tokens_per_s=tps,
                          eval_count=completion, eval_duration_s=decode_s,
                          prompt_eval_count=usage.get('prompt_tokens'),
                          prompt_eval_duration_s=ttft if streamed else None,
                          ttft_s=ttft if streamed else None, total_s=total)
