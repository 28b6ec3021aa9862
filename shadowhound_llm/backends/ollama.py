# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Ollama's native API over httpx: chat (streamed NDJSON or not), tags, show, ps, load, unload."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

import httpx

from ..planning.prompt import planning_messages
from .base import BackendError, Deadline, LLMMetrics, LLMResult, rate, StreamedReply, TextCallback
from .http import CONNECT_TIMEOUT_S, error_body, http_error_message, stream_post
from .models import (
    find_loaded,
    GIB,
    has_feature,
    loaded_models,
    LoadedModel,
    offload_advice,
    same_model,
    too_old,
)
from .validation import (
    CheckResult,
    FAIL,
    generation_checks,
    OK,
    PROBE_MISSION,
    Runner,
    ValidationReport,
    WARN,
)

NS = 1e-9
LOWEST_THINK_LEVEL = 'low'


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
        # Reasoning: what /api/show says the model can do, and the ``think`` value sent
        # (None: not sent; False: thinking off; 'low': a model that only takes levels).
        self.server_version: str | None = None
        self.capabilities: list[str] | None = None
        self.think: bool | str | None = None
        self.think_note = ''

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
        if response.status_code == 404:
            raise self._not_found(path, error_body(response))
        if response.status_code >= 400:
            raise BackendError(f'Ollama {path} answered {response.status_code}: '
                               f'{error_body(response)}', response.status_code)
        try:
            return response.json()
        except ValueError:
            raise BackendError(f'Ollama {path} answered with non-JSON: '
                               f'{response.text[:200]!r}') from None

    def version(self, timeout_s: float = 5.0) -> str:
        """Server version, e.g. '0.12.6'."""
        self.server_version = str(self._request('GET', '/api/version', timeout=timeout_s)
                                  .get('version', 'unknown'))
        return self.server_version

    @property
    def thinks(self) -> bool:
        """True when /api/show lists 'thinking' among the model's capabilities."""
        return 'thinking' in (self.capabilities or [])

    def reasoning_setup(self, timeout_s: float = 10.0) -> str:
        """Ask the server what the model can do and choose ``think``; a sentence saying so.

        A model that thinks gets ``think: false`` (thinking costs the operator latency and
        the plan needs none); if it thinks anyway, it only takes levels and gets the lowest
        (learned from its first reply). Servers before 0.9.0 take no ``think``: the
        reasoning then arrives inside the content and is cut out of the answer.
        """
        if self.server_version is None:
            self.version(min(timeout_s, 5.0))
        show = self.show(timeout_s=timeout_s)
        self.capabilities = [str(c) for c in show.get('capabilities') or []]
        if not self.thinks:
            self.think, self.think_note = None, f'{self.model} does not reason (no thinking)'
        elif not has_feature(self.server_version, 'think'):
            self.think = None
            self.think_note = (f'{self.model} reasons before it answers; '
                               f'{too_old(self.server_version, "think")}. Its thinking is '
                               f'read apart from the answer, but it costs time on each plan')
        elif self.think is None:
            self.think, self.think_note = False, f'{self.model} reasons: thinking turned off'
        return self.think_note

    def _ensure_reasoning(self, deadline: Deadline | None = None) -> None:
        """Ask about the model once, before its first use; within the call's budget."""
        if self.capabilities is None:
            budget = 10.0 if deadline is None else deadline.seconds - deadline.elapsed
            try:
                self.reasoning_setup(max(0.05, min(10.0, budget)))
            except BackendError:  # the chat itself will say what is wrong
                pass

    def tags(self) -> list[dict[str, Any]]:
        """Models pulled on the server."""
        return list(self._request('GET', '/api/tags', timeout=10.0).get('models') or [])

    def show(self, model: str | None = None, timeout_s: float = 10.0) -> dict[str, Any]:
        """Model details (template, parameters, model_info, capabilities)."""
        return self._request('POST', '/api/show', {'model': model or self.model},
                             timeout=timeout_s)

    def ps(self) -> list[LoadedModel]:
        """Models loaded in memory, with size and size_vram (bytes) and context_length."""
        return loaded_models(list(self._request('GET', '/api/ps', timeout=5.0).get('models')
                                  or []))

    def load(self, model: str | None = None,
             messages: list[dict[str, str]] | None = None) -> LLMMetrics:
        """Load the model (keep_alive, num_ctx); metrics give the server's load time.

        Ollama's load-only request answers without metrics, so the load is made by a
        one-token chat, whose reply carries ``load_duration``; given the planning
        ``messages``, it also leaves the system prompt in the server's prompt cache.
        ``speed_source`` says 'server' for that figure, 'wall' when the server gave none
        (``total_s`` only).
        """
        if model is None or model == self.model:
            self._ensure_reasoning()
        start = time.monotonic()
        body: dict[str, Any] = {
            'model': model or self.model, 'keep_alive': self.keep_alive, 'stream': False,
            'messages': messages or [{'role': 'user', 'content': 'Reply OK.'}],
            'options': {'num_ctx': self.options['num_ctx'], 'num_predict': 1}}
        if self.think is not None and (model is None or model == self.model):
            body['think'] = self.think
        reply = self._request('POST', '/api/chat', body, timeout=max(self.timeout_s, 300.0))
        if body.get('think') is False and (reply.get('message') or {}).get('thinking'):
            self._use_levels()  # it thought although told not to: it only takes levels
        load_ns = reply.get('load_duration')
        return LLMMetrics(backend='ollama', model=body['model'],
                          load_duration_s=load_ns * NS if load_ns else None,
                          total_s=time.monotonic() - start,
                          speed_source='server' if load_ns else 'wall')

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
        deadline = Deadline(timeout_s or self.timeout_s, cancel)
        self._ensure_reasoning(deadline)
        return self._chat(messages, schema, stream, on_text, deadline, options)

    def _use_levels(self) -> None:
        self.think = LOWEST_THINK_LEVEL
        self.think_note = (f'{self.model} reasons and cannot switch thinking off: lowest '
                           f'level "{LOWEST_THINK_LEVEL}" used')

    def _chat(self, messages: list[dict[str, str]], schema: dict[str, Any] | None,
              stream: bool, on_text: TextCallback | None, deadline: Deadline,
              options: dict[str, Any] | None) -> LLMResult:
        body: dict[str, Any] = {'model': self.model, 'messages': messages, 'stream': stream,
                                'keep_alive': self.keep_alive,
                                'options': {**self.options, **(options or {})}}
        if schema is not None:
            body['format'] = schema
        if self.think is not None:
            body['think'] = self.think
        reply = StreamedReply(deadline, on_text)
        final: dict[str, Any] = {}
        with stream_post(self._http, '/api/chat', body, deadline, f'Ollama at {self.host}',
                         self._status_error, self._transport_error) as response:
            for line in response.iter_lines():
                if not line.strip():
                    continue
                deadline.check('the LLM reply')
                chunk = _parse_line(line)
                message = chunk.get('message') or {}
                reply.add(str(message.get('thinking') or ''), str(message.get('content') or ''))
                if chunk.get('done'):
                    final = chunk
                    break
        if not final:
            raise BackendError('the reply stream ended before Ollama said it was done '
                               '(connection cut or server stopped); partial output discarded')
        reply.finish_text()
        if self.think is False and reply.field_thinking:
            self._use_levels()  # it thought although told not to: it only takes levels
        limit = body['options'].get('num_predict')
        return LLMResult(''.join(reply.answer), self._metrics(final, reply, deadline.elapsed),
                         final.get('done_reason'), ''.join(reply.thinking),
                         int(limit) if limit and int(limit) > 0 else None, 'num_predict')

    def _not_found(self, path: str, text: str) -> BackendError:
        """A 404 told apart: a missing model (pull it) or a wrong URL, path or proxy."""
        if 'model' in text.lower() and 'not found' in text.lower():
            return BackendError(f'model {self.model!r} is not available on {self.host} '
                                f'(404: {text}). Fix: ollama pull {self.model}', 404)
        return BackendError(f'{self.host}{path} is not an Ollama API endpoint (404: '
                            f'{text[:120] or "not found"}): the URL, its path or a proxy in '
                            f'between is wrong. Fix: set ollama_host / OLLAMA_HOST to the '
                            f'Ollama server itself (e.g. http://192.168.1.20:11434, no path '
                            f'unless a proxy serves Ollama under one)', 404)

    def _status_error(self, response: httpx.Response) -> BackendError:
        text, code = error_body(response), response.status_code
        if code == 404:
            return self._not_found('/api/chat', text)
        if code == 400 and 'format of type string' in text:
            version = self.server_version
            if version is None:
                try:
                    version = self.version()
                except BackendError:
                    version = 'before 0.5.0'
            advice = too_old(version, 'schema') or too_old('0.4.0', 'schema')
            return BackendError(f'{advice} (the server answered: {text})', code)
        if 'memory' in text.lower():
            return BackendError(f'Ollama could not load {self.model!r}: {text}. Free memory '
                                f'(unload other models, smaller num_ctx) or use a smaller '
                                f'quantization', code)
        return BackendError(f'Ollama /api/chat answered {code}: {text}', code)

    def _transport_error(self, exc: Exception) -> BackendError:
        return http_error_message(exc, self.host, 'Ollama')

    def _metrics(self, final: dict[str, Any], reply: StreamedReply, total: float) -> LLMMetrics:
        def sec(key: str) -> float | None:
            value = final.get(key)
            return value * NS if value else None

        eval_s, count = sec('eval_duration'), final.get('eval_count')
        thinking_s = None
        if reply.thinking_pieces:
            # Ollama streams one token per chunk; the thinking share of the server's decode
            # time, else the wall clock from the first thought to the first answer piece.
            if eval_s and count:
                thinking_s = eval_s * min(1.0, reply.thinking_pieces / count)
            elif reply.first_thought is not None:
                thinking_s = (reply.ttft or total) - reply.first_thought
        server = bool(eval_s and count)
        if not server and len(reply.answer) > 1 and reply.ttft is not None and total > reply.ttft:
            eval_s, count = total - reply.ttft, len(reply.answer)  # N pieces, N - 1 gaps
            tps = (count - 1) / eval_s
        else:
            tps = rate(count, eval_s)
        return LLMMetrics(
            backend='ollama', model=self.model, ok=True, tokens_per_s=tps,
            eval_count=count, eval_duration_s=eval_s,
            prompt_eval_count=final.get('prompt_eval_count'),
            prompt_eval_duration_s=sec('prompt_eval_duration'),
            load_duration_s=sec('load_duration'), ttft_s=reply.ttft, total_s=total,
            thinking_count=reply.thinking_pieces or None, thinking_duration_s=thinking_s,
            speed_source='server' if server else 'wall', done_reason=final.get('done_reason'))


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


def pulled_check(client: OllamaClient, model: str, parameter: str = 'model'
                 ) -> tuple[str, str]:
    """OK when ``model`` is pulled on the client's server; FAIL naming what is pulled.

    ``parameter`` names the setting in the failure ('model', 'vision_model').
    """
    names = [n for n in (m.get('name') or m.get('model') for m in client.tags()) if n]
    if any(same_model(n, model) for n in names):
        return OK, f'{"vision model " if parameter == "vision_model" else ""}{model} is pulled'
    pulled = ', '.join(sorted(names)) or 'none'
    return FAIL, (f'{parameter} {model!r} is not pulled on {client.host} (pulled: {pulled}). '
                  f'Fix: ollama pull {model}')


def validate_ollama(client: OllamaClient, min_tokens_per_s: float | None = None,
                    on_check: Callable[[CheckResult], None] | None = None
                    ) -> ValidationReport:
    """Reachable -> model present -> load -> GPU residency -> context -> structured -> speed.

    ``min_tokens_per_s``: the decode-speed floor (the agent's parameter); None reports the
    speed without judging it.
    """
    runner = Runner(on_check)
    state: dict[str, Any] = {}
    model, host = client.model, client.host

    def reachable() -> tuple[str, str]:
        state['version'] = client.version()
        old = too_old(state['version'], 'schema')
        if old:
            return FAIL, f'{old} (at {host}); plans need the JSON schema to be enforced'
        return OK, f'Ollama {state["version"]} at {host}'

    def present() -> tuple[str, str]:
        return pulled_check(client, model)

    def load() -> tuple[str, str]:
        metrics = client.load(messages=planning_messages(PROBE_MISSION))
        secs = metrics.load_duration_s
        took = (f'{secs:.1f} s (server)' if secs is not None
                else f'{metrics.total_s:.1f} s (wall clock: the server reported no load time)')
        return OK, f'{model} loaded in {took}, keep_alive {client.keep_alive}'

    def reasoning() -> tuple[str, str]:
        # After the first plan: the chat asked /api/show and, for a model that thinks
        # although told not to, learned that it only takes levels.
        note = client.think_note or client.reasoning_setup()
        if client.thinks and client.think is not False:
            return WARN, note
        return OK, note

    def residency() -> tuple[str, str]:
        entry = find_loaded(client.ps(), model)
        if entry is None:
            return WARN, f'{model} is not listed by /api/ps after loading (unloaded at once?)'
        state['ps'] = entry
        if entry.cpu_pct == 0:
            return OK, f'100% on GPU ({entry.size_vram / GIB:.1f} GiB in VRAM)'
        return WARN, (f'{entry.offload_summary()}: decode will be several times slower. On a '
                      f'Jetson the usual cause is page cache: '
                      f'{offload_advice(state.get("version"))}; otherwise free GPU memory '
                      f'(other models, smaller num_ctx)')

    def context() -> tuple[str, str]:
        asked = client.options['num_ctx']
        loaded = state['ps'].context_length if state.get('ps') else None
        if loaded is None:
            why = (f'Ollama {state["version"]} < 0.10.0' if not has_feature(
                state.get('version'), 'ps_context') else 'not in /api/ps')
            return OK, (f'num_ctx {asked} requested (the server does not report the loaded '
                        f'context length: {why})')
        if int(loaded) != int(asked):
            return WARN, (f'model loaded with context {loaded}, not the num_ctx {asked} asked '
                          f'for: a larger context costs memory and speed. Unload it '
                          f'(ollama stop {model}) so it reloads with num_ctx {asked}')
        return OK, f'context length {loaded} as requested'

    runner.run('reachable', reachable)
    runner.run('model_present', present)
    runner.run('load', load)
    runner.run('gpu_residency', residency)
    runner.run('context', context)
    generation_checks(runner, client, min_tokens_per_s, (('reasoning', reasoning),))
    return ValidationReport('ollama', host, model, runner.checks)
