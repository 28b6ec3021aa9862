# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Ollama's native API over httpx: chat (streamed NDJSON or not), tags, show, ps, load, unload."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from .base import BackendError, Deadline, LLMMetrics, LLMResult, rate, TextCallback
from .http import CONNECT_TIMEOUT_S, error_body, http_error_message, stream_post
from .models import loaded_models, LoadedModel

NS = 1e-9


class OllamaClient:
    """A small typed client for one Ollama server."""

    name = 'ollama'

    def __init__(self, host: str = 'http://localhost:11434', model: str = 'phi4:14b',
                 timeout_s: float = 30.0, keep_alive: str | float = '-1', num_ctx: int = 4096,
                 temperature: float = 0.0, seed: int | None = 42) -> None:
        self.host = host.rstrip('/')
        self.model = model
        self.timeout_s = timeout_s
        self.keep_alive = parse_keep_alive(keep_alive)
        self.options: dict[str, Any] = {'num_ctx': int(num_ctx), 'temperature': temperature}
        if seed is not None:
            self.options['seed'] = seed
        self._http = httpx.Client(base_url=self.host, timeout=httpx.Timeout(
            timeout_s, connect=CONNECT_TIMEOUT_S))

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    # ---- plain endpoints ------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict[str, Any] | None = None,
                 timeout: float | None = None) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, json=body,
                                          timeout=timeout if timeout else httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        if response.status_code >= 400:
            raise BackendError(f'Ollama {path} answered {response.status_code}: '
                               f'{error_body(response)}', response.status_code)
        try:
            return response.json()
        except ValueError:
            raise BackendError(f'Ollama {path} answered with non-JSON: '
                               f'{response.text[:200]!r}') from None

    def version(self) -> str:
        """Server version, e.g. '0.12.6'."""
        return str(self._request('GET', '/api/version', timeout=5.0).get('version', 'unknown'))

    def tags(self) -> list[dict[str, Any]]:
        """Models pulled on the server."""
        return list(self._request('GET', '/api/tags', timeout=10.0).get('models') or [])

    def show(self, model: str | None = None) -> dict[str, Any]:
        """Model details (template, parameters, model_info, capabilities)."""
        return self._request('POST', '/api/show', {'model': model or self.model}, timeout=10.0)

    def ps(self) -> list[LoadedModel]:
        """Models loaded in memory, with size and size_vram (bytes) and context_length."""
        return loaded_models(list(self._request('GET', '/api/ps', timeout=5.0).get('models')
                                  or []))

    def load(self, model: str | None = None) -> LLMMetrics:
        """Load the model (keep_alive, num_ctx) without generating; metrics give the load time."""
        start = time.monotonic()
        body = {'model': model or self.model, 'keep_alive': self.keep_alive,
                'options': {'num_ctx': self.options['num_ctx']}}
        reply = self._request('POST', '/api/generate', body, timeout=max(self.timeout_s, 300.0))
        load_ns = reply.get('load_duration')
        return LLMMetrics(backend='ollama', model=body['model'],
                          load_duration_s=load_ns * NS if load_ns else None,
                          total_s=time.monotonic() - start)

    def unload(self, model: str | None = None) -> None:
        """Unload the model now (keep_alive 0)."""
        self._request('POST', '/api/generate', {'model': model or self.model, 'keep_alive': 0})

    # ---- chat -----------------------------------------------------------------------------
    def chat(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None,
             stream: bool = True, on_text: TextCallback | None = None,
             timeout_s: float | None = None, options: dict[str, Any] | None = None,
             cancel: threading.Event | None = None) -> LLMResult:
        """Chat completion; with a schema, Ollama constrains the reply to it (``format``).

        Setting ``cancel`` aborts the request at once (the connection is cut).
        """
        body: dict[str, Any] = {'model': self.model, 'messages': messages, 'stream': stream,
                                'keep_alive': self.keep_alive,
                                'options': {**self.options, **(options or {})}}
        if schema is not None:
            body['format'] = schema
        deadline = Deadline(timeout_s or self.timeout_s, cancel)
        parts: list[str] = []
        ttft: float | None = None
        final: dict[str, Any] = {}
        with stream_post(self._http, '/api/chat', body, deadline, f'Ollama at {self.host}',
                         self._status_error, self._transport_error) as response:
            for line in response.iter_lines():
                if not line.strip():
                    continue
                deadline.check('the LLM reply')
                chunk = _parse_line(line)
                piece = (chunk.get('message') or {}).get('content') or ''
                if piece:
                    if ttft is None:
                        ttft = deadline.elapsed
                    parts.append(piece)
                    if on_text is not None:
                        on_text(piece)
                if chunk.get('done'):
                    final = chunk
                    break
        if not final:
            raise BackendError('the reply stream ended before Ollama said it was done '
                               '(connection cut or server stopped); partial output discarded')
        return LLMResult(''.join(parts), self._metrics(final, ttft, deadline.elapsed),
                         final.get('done_reason'))

    def _status_error(self, response: httpx.Response) -> BackendError:
        text, code = error_body(response), response.status_code
        if code == 404:
            return BackendError(f'model {self.model!r} is not available on {self.host} '
                                f'({text}). Fix: ollama pull {self.model}', code)
        if 'memory' in text.lower():
            return BackendError(f'Ollama could not load {self.model!r}: {text}. Free memory '
                                f'(unload other models, smaller num_ctx) or use a smaller '
                                f'quantization', code)
        return BackendError(f'Ollama /api/chat answered {code}: {text}', code)

    def _transport_error(self, exc: Exception) -> BackendError:
        return http_error_message(exc, self.host, 'Ollama')

    def _metrics(self, final: dict[str, Any], ttft: float | None, total: float) -> LLMMetrics:
        def sec(key: str) -> float | None:
            value = final.get(key)
            return value * NS if value else None

        eval_s = sec('eval_duration')
        return LLMMetrics(
            backend='ollama', model=self.model, ok=True,
            tokens_per_s=rate(final.get('eval_count'), eval_s),
            eval_count=final.get('eval_count'), eval_duration_s=eval_s,
            prompt_eval_count=final.get('prompt_eval_count'),
            prompt_eval_duration_s=sec('prompt_eval_duration'),
            load_duration_s=sec('load_duration'), ttft_s=ttft, total_s=total)


def _parse_line(line: str) -> dict[str, Any]:
    try:
        chunk = json.loads(line)
    except json.JSONDecodeError:
        raise BackendError(f'Ollama sent a line that is not JSON: {line[:200]!r}') from None
    if not isinstance(chunk, dict):
        raise BackendError(f'Ollama sent an unexpected line: {line[:200]!r}')
    if 'error' in chunk:
        # An error after streaming began: the status stayed 200, the last line says why.
        raise BackendError(f'Ollama failed mid-reply: {chunk["error"]}')
    return chunk


def parse_keep_alive(value: str | float) -> str | float:
    """keep_alive as Ollama takes it: a number of seconds, or a Go duration string."""
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number
