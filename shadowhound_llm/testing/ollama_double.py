# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""An Ollama test double: a real HTTP server on 127.0.0.1 (Starlette under uvicorn).

It behaves as Ollama's API does (routes, NDJSON streaming, metrics in nanoseconds, error
bodies and status codes, errors after streaming began) and is scripted per test through
plain attributes: which models are pulled, how much of each lands in VRAM, what the model
replies, how fast, and how it fails. Used by the tests and the benchmarks.

It follows the documented protocol where servers differ, selected by ``Script.version``:
before 0.5.0 ``format`` is a string only (a schema object is a 400 from Go's decoder);
before 0.9.0 ``think`` is ignored and a reasoning model's thoughts come inside the content
between think tags, later in ``message.thinking``; before 0.10.0 ``/api/ps`` has no
``context_length``. Load and unload replies carry no metrics (the chat that loads a model
reports ``load_duration``); a reply stopped by ``num_predict`` / ``max_tokens`` ends with
``done_reason``/``finish_reason`` "length"; unknown paths answer ``404 page not found``.
The ``/v1`` side streams a first role-only delta, adds llama.cpp-style ``timings`` when
``Script.v1_timings`` is set, and sends ``usage`` in a stream only when
``stream_options.include_usage`` asks for it.

Images (the look action's vision model): a chat message's ``images`` (native API, base64) or
``image_url`` content parts holding ``data:`` URLs (``/v1``) are decoded and recorded in
``images`` (bytes, format, size) so a test can look at what was sent. A model whose
``capabilities`` lack ``vision`` answers an image as Ollama does (500, "missing data required
for image input"); an image that does not decode, or whose size differs from
``Script.expected_image_size``, is a 400; ``Script.image_error`` refuses every image. The
default answer describes the decoded image (its size, the background colour, where a white
square stands), so a test can tell which frame was sent from the answer too. Each image adds
``ModelSpec.image_tokens`` to the prompt count.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass, field
import io
import json
import threading
import time
from typing import Any, AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
import uvicorn

GIB = 1024 ** 3
RUNNER_DIED = ('model runner has unexpectedly stopped, this may be due to resource limitations '
               'or an internal error, check ollama server logs for details')
DEFAULT_REPLY = '{"actions":[{"type":"move","distance_m":1.0}]}'
# First server versions with a behaviour the double switches on.
SCHEMA_FORMAT_SINCE = (0, 5, 0)
THINK_SINCE = (0, 9, 0)
PS_CONTEXT_SINCE = (0, 10, 0)
# Share of a model's reasoning produced at each thinking level (levels-only models).
LEVEL_SHARE = {'low': 0.25, 'medium': 0.5, 'high': 1.0}
NOT_FOUND = '404 page not found'


@dataclass
class ModelSpec:
    """A pulled model: its size in bytes, and the share of it that will land in VRAM."""

    name: str
    size: int = 9 * GIB
    vram_fraction: float = 1.0
    family: str = 'phi3'
    parameter_size: str = '14.7B'
    context_max: int = 16384
    # Per-model figures for multi-model runs (the benchmark); None = the Script's.
    tokens_per_s: float | None = None
    prompt_tokens_per_s: float | None = None
    load_duration_s: float | None = None
    load_error: str | None = None       # this model fails to load (500 with this message)
    digest: str | None = None           # /api/tags and /api/ps digest
    capabilities: tuple[str, ...] = ('completion',)   # /api/show (+ 'thinking' below)
    # A reasoning model: the thoughts it writes before each answer (None: it does not think).
    thinking: str | None = None
    # Takes only thinking levels (gpt-oss): think true/false is ignored, it thinks at medium.
    think_levels_only: bool = False
    image_tokens: int = 256             # prompt tokens per image (Gemma 3's fixed count)


@dataclass
class Script:
    """How the double behaves; tests change these attributes freely."""

    version: str = '0.12.6'
    models: dict[str, ModelSpec] = field(default_factory=lambda: {
        'phi4:14b': ModelSpec('phi4:14b')})
    # Reply text for chat/generate: a fixed string, a list consumed in order, or a callable
    # taking the request body.
    reply: str | list[str] | Callable[[dict[str, Any]], str] = DEFAULT_REPLY
    tokens_per_s: float = 20.0          # reported decode speed (eval_count / eval_duration)
    prompt_tokens_per_s: float = 400.0
    real_time: bool = False             # really sleep 1/tokens_per_s per token
    load_duration_s: float = 0.8        # reported on the first load
    load_error: str | None = None       # e.g. an out-of-memory message -> 500 on load
    error_after_tokens: int | None = None   # 200 stream that ends with {"error": ...}
    stream_error: str = RUNNER_DIED
    drop_after_tokens: int | None = None    # close the connection mid-stream
    stall_s: float = 0.0                # delay before the first byte of a chat reply
    stall_after_tokens: int | None = None  # ...or after this many tokens (a stuck runner)
    forced_context_length: int | None = None  # /api/ps reports this instead of num_ctx
    status_override: tuple[int, str] | None = None  # every chat answers (status, error)
    refuse_json_schema: bool = False    # /v1 refuses response_format json_schema (llama.cpp)
    # /v1 routes answer 401 unless "Authorization: Bearer <this>"; the error echoes the key
    # received, as some servers do (a client must scrub it from every message).
    require_api_key: str | None = None
    v1_timings: bool = False            # /v1 replies carry llama.cpp's "timings" object
    v1_reasoning_field: str = 'reasoning_content'   # llama.cpp's name; Ollama's is "reasoning"
    # The Thor story: after an unload, the next load lands partly on the CPU and decodes
    # slower, e.g. {'vram_fraction': 0.4, 'tokens_per_s': 5.0}. A model with its own
    # tokens_per_s gets the new speed itself; otherwise the Script's speed changes.
    after_reload: dict[str, float] | None = None
    # Per-mission behaviour, keyed by the mission text of the request (the "Mission: ..."
    # user message; any case and spacing): the reply, the decode speed, and a stall of
    # (after this many tokens, seconds) -- a stuck runner on that mission only. Missions not
    # in a table get the settings above.
    mission_replies: dict[str, str] = field(default_factory=dict)
    mission_tokens_per_s: dict[str, float] = field(default_factory=dict)
    mission_stalls: dict[str, tuple[int, float]] = field(default_factory=dict)
    # Images: the answer to a request with images (a string, or a callable taking the body
    # and the decoded images; None: a description of the image), the (width, height) every
    # image must decode to (None: any), and a refusal of every image (status, message).
    vision_reply: str | Callable[[dict[str, Any], list[dict[str, Any]]], str] | None = None
    expected_image_size: tuple[int, int] | None = None
    image_error: tuple[int, str] | None = None
    # OLLAMA_MAX_LOADED_MODELS: loading one more model evicts the longest loaded (None: no
    # limit); an evicted model's next load reports its load time again.
    max_loaded: int | None = None


def mission_text(body: dict[str, Any]) -> str | None:
    """The mission of a planning request: the last user message that starts 'Mission:'."""
    for message in reversed(body.get('messages') or []):
        content = str(message.get('content', ''))
        if message.get('role') == 'user' and content.startswith('Mission:'):
            return content[len('Mission:'):].strip()
    return None


def _lookup(table: dict[str, Any], mission: str | None) -> Any:
    """The table entry for a mission text, compared without case and extra spaces."""
    if mission is None or not table:
        return None
    key = ' '.join(mission.lower().split())
    for text, value in table.items():
        if ' '.join(text.lower().split()) == key:
            return value
    return None


def _version_tuple(text: str) -> tuple[int, ...]:
    nums = []
    for part in text.split('-')[0].split('.')[:3]:
        if not part.isdigit():
            break
        nums.append(int(part))
    return tuple(nums)


def _tokens(text: str) -> list[str]:
    """Split text into ~token pieces (4 characters) the way a stream would deliver them."""
    return [text[i:i + 4] for i in range(0, len(text), 4)] or ['']


class OllamaDouble:
    """Start with ``with OllamaDouble() as ollama: ollama.url ...``."""

    def __init__(self, script: Script | None = None, port: int = 0) -> None:
        self.script = script or Script()
        self.port = port  # 0: a free port; a fixed one lets a test restart the "same" server
        # time.time_ns() of every connection dropped mid-stream (drop_after_tokens)
        self.drops: list[int] = []
        self.requests: list[tuple[str, dict[str, Any] | None]] = []
        self.loaded: dict[str, dict[str, Any]] = {}
        self.unloaded: set[str] = set()
        # (path, perf_counter at request, perf_counter when the reply was fully sent)
        self.timings: list[tuple[str, float, float]] = []
        # (path, sent whole, time.monotonic() as its last line went out) of every streamed
        # reply once it ended: sent to its last line, or cut short (the client closed the
        # connection, or the script dropped it)
        self.ended: list[tuple[str, bool, float]] = []
        # Every image received: {'path', 'model', 'data' (bytes), 'format', 'width', 'height'}
        self.images: list[dict[str, Any]] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ''
        self.app = Starlette(routes=[
            Route('/api/version', self._version, methods=['GET']),
            Route('/api/tags', self._tags, methods=['GET']),
            Route('/api/ps', self._ps, methods=['GET']),
            Route('/api/show', self._show, methods=['POST']),
            Route('/api/chat', self._chat, methods=['POST']),
            Route('/api/generate', self._generate, methods=['POST']),
            Route('/v1/models', self._v1_models, methods=['GET']),
            Route('/v1/chat/completions', self._v1_chat, methods=['POST']),
        ], exception_handlers={404: self._not_found, 405: self._not_found})

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> OllamaDouble:
        """Serve on 127.0.0.1 on a free port; returns when the server accepts connections."""
        config = uvicorn.Config(self.app, host='127.0.0.1', port=self.port,
                                log_level='critical', lifespan='off')
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10.0
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError('Ollama double did not start')
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f'http://127.0.0.1:{port}'
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5.0)

    def __enter__(self) -> OllamaDouble:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def bodies(self, path: str) -> list[dict[str, Any]]:
        """Request bodies received on one path, in order."""
        return [b for p, b in self.requests if p == path and b is not None]

    # ---- helpers --------------------------------------------------------------------------
    async def _not_found(self, request: Request, exc: Exception) -> Response:
        """Ollama's router answers an unknown path (or method) with a plain-text 404."""
        self.requests.append((request.url.path, None))
        return PlainTextResponse(NOT_FOUND, status_code=404)

    def _older_than(self, version: tuple[int, ...]) -> bool:
        have = _version_tuple(self.script.version)
        return bool(have) and have < version

    def _thinking(self, spec: ModelSpec, think: Any) -> tuple[str, str | None]:
        """(the reasoning this request gets, where it goes: 'field', 'tags' or None)."""
        if not spec.thinking:
            return '', None
        if self._older_than(THINK_SINCE):
            return spec.thinking, 'tags'
        if spec.think_levels_only:
            level = think if think in LEVEL_SHARE else 'medium'
        elif think is False:
            return '', None
        else:
            level = 'high'
        words = spec.thinking.split(' ')
        return ' '.join(words[:max(1, round(len(words) * LEVEL_SHARE[level]))]), 'field'

    @staticmethod
    def _cut(thinking: list[str], answer: list[str], limit: Any
             ) -> tuple[list[str], list[str], str]:
        """Stop at the token limit (thinking counts too): the pieces and the done reason."""
        try:
            limit = int(limit)
        except (TypeError, ValueError):
            limit = -1
        if limit <= 0 or len(thinking) + len(answer) <= limit:
            return thinking, answer, 'stop'
        thinking = thinking[:limit]
        return thinking, answer[:limit - len(thinking)], 'length'

    def _pieces(self, spec: ModelSpec, body: dict[str, Any], think: Any, limit: Any,
                images: list[dict[str, Any]] | None = None
                ) -> tuple[list[tuple[str, str]], str, int]:
        """The reply as (kind, token) pairs, the done reason and the thinking token count.

        ``kind`` is 'thinking' or 'content'.
        """
        thought, where = self._thinking(spec, think)
        answer = self._vision_text(body, images) if images else self._reply_text(body)
        if where == 'tags':
            answer, thought = f'<think>{thought}</think>\n\n{answer}', ''
        thinking = _tokens(thought) if thought else []
        thinking, content, reason = self._cut(thinking, _tokens(answer), limit)
        return ([('thinking', t) for t in thinking] + [('content', t) for t in content],
                reason, len(thinking))

    @staticmethod
    def _error(status: int, message: str) -> JSONResponse:
        return JSONResponse({'error': message}, status_code=status)

    async def _body(self, request: Request) -> dict[str, Any] | JSONResponse:
        raw = await request.body()
        self.requests.append((request.url.path, None))
        if not raw:
            return self._error(400, 'missing request body')
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            return self._error(400, str(exc))
        if not isinstance(body, dict):
            return self._error(400, 'json: cannot unmarshal into Go value of type api.Request')
        self.requests[-1] = (request.url.path, body)
        return body

    def _find(self, name: str) -> ModelSpec | None:
        if ':' not in name:
            name = f'{name}:latest'
        return self.script.models.get(name)

    def _load(self, spec: ModelSpec, body: dict[str, Any]) -> tuple[float, JSONResponse | None]:
        """Load (if needed) and return the reported load duration, or an error response."""
        if self.script.load_error:
            return 0.0, self._error(500, self.script.load_error)
        if spec.load_error:
            return 0.0, self._error(500, spec.load_error)
        num_ctx = int((body.get('options') or {}).get('num_ctx') or 4096)
        keep_alive = body.get('keep_alive', '5m')
        if keep_alive in (0, '0', '0s'):
            if self.loaded.pop(spec.name, None) is not None:
                self.unloaded.add(spec.name)
            return 0.0, None
        first = spec.name not in self.loaded
        limit = self.script.max_loaded
        while first and limit and len(self.loaded) >= limit:
            evicted = next(iter(self.loaded))
            del self.loaded[evicted]
            self.unloaded.add(evicted)
        if first and spec.name in self.unloaded and self.script.after_reload:
            spec.vram_fraction = self.script.after_reload.get('vram_fraction',
                                                              spec.vram_fraction)
            if spec.tokens_per_s is not None:
                spec.tokens_per_s = self.script.after_reload.get('tokens_per_s',
                                                                 spec.tokens_per_s)
            else:
                self.script.tokens_per_s = self.script.after_reload.get(
                    'tokens_per_s', self.script.tokens_per_s)
        self.loaded[spec.name] = {
            'context_length': self.script.forced_context_length or num_ctx,
            'keep_alive': keep_alive}
        load_s = spec.load_duration_s if spec.load_duration_s is not None \
            else self.script.load_duration_s
        return (load_s if first else 0.0005), None

    def _decode_images(self, body: dict[str, Any], path: str, spec: ModelSpec
                       ) -> tuple[list[dict[str, Any]], tuple[int, str] | None]:
        """The request's images, decoded and recorded; or (status, error) as Ollama says it."""
        raw: list[str] = []
        for message in body.get('messages') or []:
            raw += [str(i) for i in message.get('images') or []]
            content = message.get('content')
            if isinstance(content, list):
                for part in content:
                    if isinstance(part, dict) and part.get('type') == 'image_url':
                        url = str((part.get('image_url') or {}).get('url', ''))
                        if not url.startswith('data:') or ';base64,' not in url:
                            return [], (400, 'invalid image input')
                        raw.append(url.split(';base64,', 1)[1])
        if not raw:
            return [], None
        if 'vision' not in spec.capabilities:
            return [], (500, 'Failed to create new sequence: failed to process inputs: this '
                             'model is missing data required for image input')
        if self.script.image_error is not None:
            return [], self.script.image_error
        images = []
        for text in raw:
            try:
                data = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError) as exc:
                return [], (400, f'illegal base64 data: {exc}')
            try:
                from PIL import Image

                with Image.open(io.BytesIO(data)) as image:
                    image.load()
                    entry = {'path': path, 'model': spec.name, 'data': data,
                             'format': image.format, 'width': image.width,
                             'height': image.height, 'rgb': image.convert('RGB')}
            except Exception as exc:  # what Pillow raises for bytes that are no image
                return [], (400, f'failed to process inputs: image: unknown format ({exc})')
            self.images.append({k: v for k, v in entry.items() if k != 'rgb'})
            expected = self.script.expected_image_size
            if expected is not None and (entry['width'], entry['height']) != tuple(expected):
                return [], (400, f'image is {entry["width"]}x{entry["height"]}, expected '
                                 f'{expected[0]}x{expected[1]}')
            images.append(entry)
        return images, None

    def _vision_text(self, body: dict[str, Any], images: list[dict[str, Any]]) -> str:
        reply = self.script.vision_reply
        if callable(reply):
            return reply(body, images)
        if reply is not None:
            return reply
        return ' '.join(describe_image(i['rgb']) for i in images)

    def _reply_text(self, body: dict[str, Any]) -> str:
        table_reply = _lookup(self.script.mission_replies, mission_text(body))
        if table_reply is not None:
            return table_reply
        reply = self.script.reply
        if callable(reply):
            return reply(body)
        if isinstance(reply, list):
            return reply.pop(0) if len(reply) > 1 else reply[0]
        return reply

    def _check_format(self, body: dict[str, Any], field_name: str) -> JSONResponse | None:
        fmt = body.get('format')
        if isinstance(fmt, dict) and self._older_than(SCHEMA_FORMAT_SINCE):
            kind = 'ChatRequest' if field_name == 'message' else 'GenerateRequest'
            return self._error(400, f'json: cannot unmarshal object into Go struct field '
                                    f'{kind}.format of type string')
        if fmt is None or fmt == 'json' or isinstance(fmt, dict):
            return None
        return self._error(400, f'invalid format: "{fmt}"; expected "json" or a valid JSON '
                                f'Schema object')

    # ---- routes ---------------------------------------------------------------------------
    async def _version(self, request: Request) -> Response:
        self.requests.append(('/api/version', None))
        return JSONResponse({'version': self.script.version})

    async def _tags(self, request: Request) -> Response:
        self.requests.append(('/api/tags', None))
        return JSONResponse({'models': [{
            'name': m.name, 'model': m.name, 'modified_at': '2026-11-01T10:00:00Z',
            'size': m.size, 'digest': m.digest or f'sha256:{abs(hash(m.name)):064x}'[:71],
            'details': _details(m)} for m in self.script.models.values()]})

    async def _ps(self, request: Request) -> Response:
        self.requests.append(('/api/ps', None))
        models = []
        for name, state in self.loaded.items():
            spec = self.script.models[name]
            entry = {'name': name, 'model': name, 'size': spec.size,
                     'size_vram': int(spec.size * spec.vram_fraction),
                     'digest': spec.digest or 'sha256:0', 'details': _details(spec),
                     'expires_at': '2318-01-01T00:00:00Z'}
            if not self._older_than(PS_CONTEXT_SINCE):
                entry['context_length'] = state['context_length']
            models.append(entry)
        return JSONResponse({'models': models})

    async def _show(self, request: Request) -> Response:
        body = await self._body(request)
        if isinstance(body, JSONResponse):
            return body
        spec = self._find(str(body.get('model') or body.get('name') or ''))
        if spec is None:
            return self._error(404, f"model '{body.get('model')}' not found")
        capabilities = list(spec.capabilities)
        if spec.thinking and 'thinking' not in capabilities:
            capabilities.append('thinking')
        return JSONResponse({'modelfile': '', 'parameters': '', 'template': '{{ .Prompt }}',
                             'details': _details(spec),
                             'model_info': {f'{spec.family}.context_length': spec.context_max},
                             'capabilities': capabilities})

    async def _generate(self, request: Request) -> Response:
        return await self._complete(request, 'response')

    async def _chat(self, request: Request) -> Response:
        return await self._complete(request, 'message')

    async def _complete(self, request: Request, field_name: str) -> Response:
        body = await self._body(request)
        if isinstance(body, JSONResponse):
            return body
        name = body.get('model')
        if not name:
            return self._error(400, 'model is required')
        spec = self._find(str(name))
        if spec is None:
            return self._error(404, f"model '{name}' not found")
        bad = self._check_format(body, field_name)
        if bad is not None:
            return bad
        think = body.get('think')
        if think not in (None, False) and not spec.thinking \
                and not self._older_than(THINK_SINCE):
            return self._error(400, f'"{spec.name}" does not support thinking')
        if self.script.status_override:
            return self._error(*self.script.status_override)
        images, refused = self._decode_images(body, request.url.path, spec)
        if refused is not None:
            return self._error(*refused)
        load_s, err = self._load(spec, body)
        if err is not None:
            return err
        is_load = (field_name == 'response' and not body.get('prompt')) or (
            field_name == 'message' and not body.get('messages'))
        if is_load:
            unloading = body.get('keep_alive') in (0, '0', '0s')
            reply = {'model': spec.name, 'created_at': _now(), 'done': True,
                     'done_reason': 'unload' if unloading else 'load'}
            if field_name == 'response':
                reply['response'] = ''
            else:
                reply['message'] = {'role': 'assistant', 'content': ''}
            return JSONResponse(reply)  # no metrics: the loading chat reports load_duration
        pieces, done_reason, _ = self._pieces(spec, body, think,
                                              (body.get('options') or {}).get('num_predict'),
                                              images)
        mission = mission_text(body)
        # The mission's own speed, else the model's, else the script's.
        tps = (_lookup(self.script.mission_tokens_per_s, mission) or spec.tokens_per_s
               or self.script.tokens_per_s)
        stall = _lookup(self.script.mission_stalls, mission)
        prompt_tokens = _text_tokens(body) + len(images) * spec.image_tokens
        prompt_tps = spec.prompt_tokens_per_s or self.script.prompt_tokens_per_s
        count = len(pieces)
        final = {
            'model': spec.name, 'created_at': _now(), 'done': True, 'done_reason': done_reason,
            'total_duration': int((load_s + count / tps) * 1e9),
            'load_duration': int(load_s * 1e9), 'prompt_eval_count': prompt_tokens,
            'prompt_eval_duration': int(prompt_tokens / prompt_tps * 1e9),
            'eval_count': count, 'eval_duration': int(count / tps * 1e9)}
        if body.get('stream', True) is False:
            await asyncio.sleep(self.script.stall_s + (stall[1] if stall else 0.0))
            if self.script.real_time:
                await asyncio.sleep(count / tps)
            _put(final, field_name, ''.join(t for k, t in pieces if k == 'content'),
                 ''.join(t for k, t in pieces if k == 'thinking'))
            return JSONResponse(final)
        return StreamingResponse(self._timed(self._stream(pieces, final, field_name, spec.name,
                                                          stall, tps),
                                             request.url.path, time.perf_counter()),
                                 media_type='application/x-ndjson')

    async def _timed(self, body: AsyncIterator[bytes], path: str, start: float
                     ) -> AsyncIterator[bytes]:
        whole, last = False, None
        try:
            async for chunk in body:
                last = time.monotonic()
                yield chunk
            whole = True
            self.timings.append((path, start, time.perf_counter()))
        finally:
            self.ended.append((path, whole, time.monotonic() if last is None else last))

    async def _paced(self, tokens: list[Any], with_error_line: bool = False,
                     stall: tuple[int, float] | None = None, tps: float | None = None
                     ) -> AsyncIterator[tuple[Any, str | None]]:
        """Tokens as the script paces and breaks them: (token, None) or ('', error text).

        ``stall`` (after n tokens, seconds) and ``tps`` are a mission's own settings.
        """
        script = self.script
        tps = tps or script.tokens_per_s
        if script.stall_s and script.stall_after_tokens is None:
            await asyncio.sleep(script.stall_s)
        for i, token in enumerate(tokens):
            if stall is not None and i == stall[0]:
                await asyncio.sleep(stall[1])
            if script.drop_after_tokens is not None and i >= script.drop_after_tokens:
                self.drops.append(time.time_ns())
                raise ConnectionAbortedError('Ollama double drops the connection')
            if i == script.stall_after_tokens:
                await asyncio.sleep(script.stall_s)
            if with_error_line and script.error_after_tokens is not None \
                    and i >= script.error_after_tokens:
                yield '', script.stream_error
                return
            if script.real_time:
                await asyncio.sleep(1.0 / tps)
            yield token, None

    async def _stream(self, pieces: list[tuple[str, str]], final: dict[str, Any],
                      field_name: str, model: str, stall: tuple[int, float] | None = None,
                      tps: float | None = None) -> AsyncIterator[bytes]:
        async for piece, error in self._paced(pieces, True, stall, tps):
            if error is not None:
                yield (json.dumps({'error': error}) + '\n').encode()
                return
            kind, token = piece
            chunk = {'model': model, 'created_at': _now(), 'done': False}
            _put(chunk, field_name, token if kind == 'content' else '',
                 token if kind == 'thinking' else '')
            yield (json.dumps(chunk) + '\n').encode()
        _put(final, field_name, '', '')
        yield (json.dumps(final) + '\n').encode()

    # ---- OpenAI-compatible side (as Ollama serves it under /v1) ---------------------------
    def _v1_unauthorised(self, request: Request) -> Response | None:
        wanted = self.script.require_api_key
        got = request.headers.get('authorization', '')
        if wanted is None or got == f'Bearer {wanted}':
            return None
        key = got.removeprefix('Bearer ')
        return JSONResponse({'error': {'message': f'Incorrect API key provided: {key}',
                                       'type': 'invalid_request_error',
                                       'code': 'invalid_api_key'}}, status_code=401)

    async def _v1_models(self, request: Request) -> Response:
        self.requests.append(('/v1/models', None))
        refused = self._v1_unauthorised(request)
        if refused is not None:
            return refused
        return JSONResponse({'object': 'list', 'data': [
            {'id': name, 'object': 'model', 'owned_by': 'library'}
            for name in self.script.models]})

    async def _v1_chat(self, request: Request) -> Response:
        body = await self._body(request)
        refused = self._v1_unauthorised(request)
        if refused is not None:
            return refused
        if isinstance(body, JSONResponse):
            return JSONResponse({'error': {'message': 'invalid request', 'type':
                                           'invalid_request_error'}}, status_code=400)
        spec = self._find(str(body.get('model') or ''))
        if spec is None:
            return JSONResponse({'error': {'message': f"model \"{body.get('model')}\" not "
                                           f'found, try pulling it first', 'type': 'api_error',
                                           'code': None}}, status_code=404)
        if self.script.status_override:
            status, message = self.script.status_override
            return JSONResponse({'error': {'message': message, 'type': 'api_error'}},
                                status_code=status)
        fmt = (body.get('response_format') or {}).get('type')
        if self.script.refuse_json_schema and fmt == 'json_schema':
            return JSONResponse({'error': {'message': "1 validation error: response_format: Input "
                                           "tag 'json_schema' found using 'type' does not match "
                                           "any of the expected tags: 'text', 'json_object'",
                                           'type': 'internal_server_error'}}, status_code=500)
        images, refused = self._decode_images(body, request.url.path, spec)
        if refused is not None:
            return JSONResponse({'error': {'message': refused[1], 'type': 'invalid_request_error'
                                           if refused[0] < 500 else 'api_error'}},
                                status_code=refused[0])
        pieces, finish, n_thinking = self._pieces(
            spec, body, body.get('reasoning_effort'),
            body.get('max_completion_tokens') or body.get('max_tokens'), images)
        prompt_tokens = _text_tokens(body) + len(images) * spec.image_tokens
        tps = spec.tokens_per_s or self.script.tokens_per_s
        usage: dict[str, Any] = {'prompt_tokens': prompt_tokens,
                                 'completion_tokens': len(pieces),
                                 'total_tokens': prompt_tokens + len(pieces)}
        if n_thinking:
            usage['completion_tokens_details'] = {'reasoning_tokens': n_thinking}
        extra: dict[str, Any] = {}
        if self.script.v1_timings:
            prompt_tps = spec.prompt_tokens_per_s or self.script.prompt_tokens_per_s
            extra['timings'] = _timings(prompt_tokens, prompt_tps, len(pieces), tps)
        if not body.get('stream'):
            if self.script.real_time:
                await asyncio.sleep(len(pieces) / tps)
            message = {'role': 'assistant',
                       'content': ''.join(t for k, t in pieces if k == 'content')}
            if n_thinking:
                message[self.script.v1_reasoning_field] = ''.join(
                    t for k, t in pieces if k == 'thinking')
            return JSONResponse({'id': 'chatcmpl-1', 'object': 'chat.completion', 'choices': [
                {'index': 0, 'message': message, 'finish_reason': finish}], 'usage': usage,
                **extra})
        wants_usage = bool((body.get('stream_options') or {}).get('include_usage'))
        return StreamingResponse(self._sse(pieces, finish, usage if wants_usage else None,
                                           extra, tps),
                                 media_type='text/event-stream')

    async def _sse(self, pieces: list[tuple[str, str]], finish: str,
                   usage: dict[str, Any] | None, extra: dict[str, Any], tps: float
                   ) -> AsyncIterator[bytes]:
        def event(delta: dict[str, Any], reason: str | None = None) -> bytes:
            body = {'id': 'chatcmpl-1', 'object': 'chat.completion.chunk', 'choices': [
                {'index': 0, 'delta': delta, 'finish_reason': reason}]}
            if reason is not None:
                body.update(extra)
            return f'data: {json.dumps(body)}\n\n'.encode()

        yield event({'role': 'assistant', 'content': None})
        async for piece, _ in self._paced(pieces, tps=tps):
            kind, token = piece
            yield event({self.script.v1_reasoning_field: token} if kind == 'thinking'
                        else {'content': token})
        yield event({}, finish)
        if usage is not None:
            yield f'data: {json.dumps({"choices": [], "usage": usage})}\n\n'.encode()
        yield b'data: [DONE]\n\n'


def _text_tokens(body: dict[str, Any]) -> int:
    """About a quarter token per character of the messages' text (images not counted)."""
    chars = 0
    for message in body.get('messages') or []:
        content = message.get('content', '')
        if isinstance(content, list):
            chars += sum(len(str(p.get('text', ''))) for p in content if isinstance(p, dict))
        else:
            chars += len(str(content))
    return chars // 4


def describe_image(image: Any) -> str:
    """What the double 'sees': the size, the background colour, where a white square is.

    The background is the colour at the top-left corner; the square is the run of white
    pixels on the middle row (its centre column), as the sim camera draws it.
    """
    width, height = image.size
    r, g, b = image.getpixel((0, 0))[:3]
    row = [image.getpixel((x, height // 2))[:3] for x in range(width)]
    white = [x for x, px in enumerate(row) if min(px) >= 200]
    square = (f'a white square centred at column {round(sum(white) / len(white))}'
              if white else 'no white square')
    return (f'A {width}x{height} image: background rgb({r}, {g}, {b}), {square}.')


def _details(spec: ModelSpec) -> dict[str, Any]:
    """A model's ``details`` object, as /api/tags, /api/ps and /api/show give it."""
    return {'parent_model': '', 'format': 'gguf', 'family': spec.family,
            'families': [spec.family], 'parameter_size': spec.parameter_size,
            'quantization_level': 'Q4_K_M'}


def _put(reply: dict[str, Any], field_name: str, content: str, thinking: str) -> None:
    """Set a chunk's text: chat puts it in ``message``, generate at the top level.

    The thinking field appears only when there is thinking.
    """
    if field_name == 'message':
        reply['message'] = {'role': 'assistant', 'content': content}
        if thinking:
            reply['message']['thinking'] = thinking
    else:
        reply['response'] = content
        if thinking:
            reply['thinking'] = thinking


def _timings(prompt_n: int, prompt_tps: float, predicted_n: int, tps: float) -> dict[str, Any]:
    """llama.cpp's per-request timings (milliseconds and rates)."""
    prompt_ms = prompt_n / prompt_tps * 1000.0
    predicted_ms = predicted_n / tps * 1000.0
    return {'prompt_n': prompt_n, 'prompt_ms': prompt_ms,
            'prompt_per_token_ms': prompt_ms / prompt_n if prompt_n else 0.0,
            'prompt_per_second': prompt_tps, 'predicted_n': predicted_n,
            'predicted_ms': predicted_ms,
            'predicted_per_token_ms': predicted_ms / predicted_n if predicted_n else 0.0,
            'predicted_per_second': tps}


def _now() -> str:
    return time.strftime('%Y-%m-%dT%H:%M:%S.000000Z', time.gmtime())
