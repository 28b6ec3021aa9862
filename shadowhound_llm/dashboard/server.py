# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The dashboard's HTTP side: Starlette routes, auth, Server-Sent Events, uvicorn on a thread.

No ROS here: the node hands in a ``DashboardBackend`` (snapshot, send, stop, photos) and
pushes page events through a ``Hub``. Security rules, all enforced here:

- With a token configured, every ``/api/`` request needs ``Authorization: Bearer <token>``
  (reads too: the camera and the robot's position are not for everyone on the Wi-Fi). The
  static page shell needs none; it holds no data. The token is never in a URL, so never in
  a log or a browser history, and uvicorn's access log is off.
- Writes (mission, stop, cancel) must be ``application/json`` POSTs whose ``Origin``, when
  the browser sends one, is this server: a web page on another site cannot make the robot
  move through an operator's browser (no CORS headers are ever sent).
- Bound to a loopback address, only loopback ``Host`` names are served (DNS rebinding).
- Mission text is length-capped and passed on as data in a structured request.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from pathlib import Path
import socket
import threading
import time
from typing import Any, AsyncIterator, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
import uvicorn

from ..common.contract import check_mission_text, MissionTextError, parse_request, RequestError
from ..common.hosts import is_loopback
from .state import PageEvent

STATIC_DIR = Path(__file__).resolve().parent / 'static'
HEARTBEAT_S = 10.0
MAX_BODY_BYTES = 256 * 1024  # far above any mission text; refuses memory-filling posts
QUEUE_SIZE = 512
LOOPBACK_NAMES = ('localhost', '127.0.0.1', '[::1]', '::1')
SECURITY_HEADERS = [
    (b'content-security-policy', b"default-src 'self'; img-src 'self' data: blob:; "
                                 b"connect-src 'self'; script-src 'self'; style-src 'self'; "
                                 b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                                 b"form-action 'self'"),
    (b'x-content-type-options', b'nosniff'),
    (b'referrer-policy', b'no-referrer'),
    (b'x-frame-options', b'DENY'),
    (b'cache-control', b'no-store'),
]


class DashboardBackend(Protocol):
    """What the HTTP side needs from the node."""

    token: str
    max_mission_chars: int

    def snapshot(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-ready data."""

    def send_mission(self, text: str, planner: str, dry_run: bool) -> str:
        """Publish a structured request; returns its mission id."""

    def stop(self) -> str:
        """Send 'stop' and mission_cancel; returns the stop request's id."""

    def cancel(self) -> None:
        """Publish mission_cancel."""

    def agent_count(self) -> int:
        """How many agents listen on mission_command."""

    def photo_path(self, name: str) -> Path | None:
        """The saved photo of that name inside the photo folder, or None."""


# The fields of POST /api/mission's body (a mission request; the dashboard names the id).
MISSION_FORM_FIELDS = ('text', 'planner', 'dry_run')


# ---- auth rules (plain functions, unit-tested without a server) ---------------------------
def token_ok(authorization: str | None, token: str) -> bool:
    """True when no token is configured or the header carries it (constant-time compare)."""
    if not token:
        return True
    if not authorization or not authorization.startswith('Bearer '):
        return False
    return hmac.compare_digest(authorization[7:].strip().encode(), token.encode())


def host_allowed(host_header: str | None, bound_host: str) -> bool:
    """Bound to loopback, only loopback Host names are served (against DNS rebinding)."""
    if not is_loopback(bound_host):
        return True
    if not host_header:
        return False
    name = host_header.rsplit(':', 1)[0] if not host_header.endswith(']') else host_header
    return name.lower() in LOOPBACK_NAMES or name == bound_host


def origin_ok(origin: str | None, host_header: str | None) -> bool:
    """A write from a browser must come from a page served by this server."""
    if origin is None:
        return True  # not a browser (curl, scripts): the token is what protects them
    scheme, _, netloc = origin.partition('://')
    return scheme in ('http', 'https') and bool(host_header) and netloc == host_header


def format_sse(kind: str, data: Any) -> str:
    """One Server-Sent Event (single-line JSON data)."""
    return f'event: {kind}\ndata: {json.dumps(data, separators=(",", ":"))}\n\n'


class Hub:
    """Fans page events out from the ROS thread to every connected page's queue."""

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self._lock = threading.Lock()
        self._queues: dict[asyncio.Queue, asyncio.AbstractEventLoop] = {}
        self.queue_size = queue_size
        self.sent = 0

    def subscribe(self) -> asyncio.Queue:
        """A queue of SSE texts for one page (call on the server's event loop)."""
        queue: asyncio.Queue = asyncio.Queue(self.queue_size)
        with self._lock:
            self._queues[queue] = asyncio.get_running_loop()
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        """Forget a page's queue."""
        with self._lock:
            self._queues.pop(queue, None)

    @property
    def count(self) -> int:
        """Connected pages."""
        with self._lock:
            return len(self._queues)

    def publish(self, event: PageEvent) -> None:
        """Queue an event for every page (thread-safe; serialised once)."""
        with self._lock:
            targets = list(self._queues.items())
        if not targets:
            return
        text = format_sse(event.kind, event.data)
        for queue, loop in targets:
            try:
                loop.call_soon_threadsafe(_offer, queue, text)
            except RuntimeError:  # the loop is closed: the server is going down
                self.unsubscribe(queue)
        self.sent += 1

    def close(self) -> None:
        """End every page's stream."""
        with self._lock:
            targets = list(self._queues.items())
        for queue, loop in targets:
            try:
                loop.call_soon_threadsafe(_offer, queue, None)
            except RuntimeError:
                pass


def _offer(queue: asyncio.Queue, item: str | None) -> None:
    if item is None or queue.full():
        # A page too slow to keep up is cut off; it reconnects and starts from a snapshot.
        while not queue.empty():
            queue.get_nowait()
        item = None
    queue.put_nowait(item)


class _Guard:
    """ASGI middleware: Host check and security headers on every response."""

    def __init__(self, app: ASGIApp, bound_host: str) -> None:
        self.app = app
        self.bound_host = bound_host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        headers = dict(scope['headers'])
        host = headers.get(b'host', b'').decode('latin-1') or None
        if not host_allowed(host, self.bound_host):
            response = Response('unknown Host: use http://127.0.0.1 or http://localhost',
                                status_code=421, media_type='text/plain')
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                message.setdefault('headers', [])
                message['headers'] = list(message['headers']) + SECURITY_HEADERS
            await send(message)
        await self.app(scope, receive, send_with_headers)


async def _capped_body(request: Request) -> bytes | None:
    """The request body, or None once it grows past MAX_BODY_BYTES."""
    declared = request.headers.get('content-length', '')
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({'error': message}, status_code=status, headers=headers or None)


def create_app(backend: DashboardBackend, hub: Hub, bound_host: str,
               static_dir: Path = STATIC_DIR) -> ASGIApp:
    """The dashboard's ASGI application."""

    def unauthorized(request: Request) -> Response | None:
        if token_ok(request.headers.get('authorization'), backend.token):
            return None
        return _error(401, 'this dashboard needs its access token: enter it on the page',
                      **{'WWW-Authenticate': 'Bearer'})

    async def write_guard(request: Request, json_body: bool = True) -> Response | None:
        refused = unauthorized(request)
        if refused is not None:
            return refused
        if not origin_ok(request.headers.get('origin'), request.headers.get('host')):
            return _error(403, 'cross-site request refused')
        if not json_body:  # stop and cancel read no body: any POST that passed the checks
            return None
        if request.headers.get('content-type', '').split(';')[0].strip() != 'application/json':
            return _error(415, 'send JSON (Content-Type: application/json)')
        return None

    async def index(request: Request) -> Response:
        return FileResponse(static_dir / 'index.html', media_type='text/html')

    async def state(request: Request) -> Response:
        return unauthorized(request) or JSONResponse(backend.snapshot())

    async def events(request: Request) -> Response:
        refused = unauthorized(request)
        if refused is not None:
            return refused
        queue = hub.subscribe()  # before the snapshot: nothing falls between the two
        first = format_sse('snapshot', backend.snapshot())

        async def stream() -> AsyncIterator[str]:
            try:
                yield first
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                    except asyncio.TimeoutError:
                        yield ': ping\n\n'
                        continue
                    if item is None:
                        return
                    yield item
            finally:
                hub.unsubscribe(queue)
        return StreamingResponse(stream(), media_type='text/event-stream',
                                 headers={'X-Accel-Buffering': 'no'})

    async def mission(request: Request) -> Response:
        refused = await write_guard(request)
        if refused is not None:
            return refused
        body = await _capped_body(request)
        if body is None:
            return _error(413, f'request body over {MAX_BODY_BYTES} bytes')
        try:
            form = parse_request(body, MISSION_FORM_FIELDS)
            text = form.text.strip()
            check_mission_text(text, backend.max_mission_chars)
        except MissionTextError as exc:
            return _error(413 if exc.too_long else 400, str(exc))
        except RequestError as exc:
            return _error(400, str(exc))
        mission_id = backend.send_mission(text, form.planner, form.dry_run)
        return JSONResponse({'id': mission_id, 'agents': backend.agent_count()})

    async def stop(request: Request) -> Response:
        refused = await write_guard(request, json_body=False)
        if refused is not None:
            return refused
        sent = time.time()
        mission_id = backend.stop()
        return JSONResponse({'id': mission_id, 'sent': sent, 'agents': backend.agent_count()})

    async def cancel(request: Request) -> Response:
        refused = await write_guard(request, json_body=False)
        if refused is not None:
            return refused
        backend.cancel()
        return JSONResponse({'ok': True, 'agents': backend.agent_count()})

    async def photo(request: Request) -> Response:
        refused = unauthorized(request)
        if refused is not None:
            return refused
        path = backend.photo_path(request.path_params['name'])
        if path is None:
            return _error(404, "no such photo in the photo folder on the dashboard's machine")
        return FileResponse(path)

    routes = [
        Route('/', index),
        Route('/api/state', state),
        Route('/api/events', events),
        Route('/api/mission', mission, methods=['POST']),
        Route('/api/stop', stop, methods=['POST']),
        Route('/api/cancel', cancel, methods=['POST']),
        Route('/api/photos/{name}', photo),
        Mount('/static', StaticFiles(directory=static_dir), name='static'),
    ]
    async def not_sent(_request: Request, exc: Exception) -> Response:
        return _error(503, str(exc))  # the DDS refused a request for a second

    return _Guard(Starlette(routes=routes, exception_handlers={ConnectionError: not_sent}),
                  bound_host)


class HttpServer:
    """uvicorn serving an app on its own thread, on a socket bound up front (clear errors)."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout_s: float = 10.0) -> int:
        """Bind, start serving, and return the port; OSError with a readable message."""
        family = socket.AF_INET6 if ':' in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host.strip('[]'), self.port))
        except OSError as exc:
            sock.close()
            raise OSError(f'cannot listen on {self.host}:{self.port}: {exc.strerror or exc}'
                          ) from None
        sock.listen(64)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level='warning', access_log=False,
                                log_config=None, lifespan='off', timeout_graceful_shutdown=1,
                                timeout_keep_alive=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={'sockets': [sock]},
                                        name='dashboard-http', daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f'the HTTP server did not start on {self.host}:{self.port}')
            time.sleep(0.01)
        return self.port

    @property
    def url(self) -> str:
        """Where to point a browser."""
        host = f'[{self.host}]' if ':' in self.host and not self.host.startswith('[') \
            else self.host
        if host in ('0.0.0.0', '[::]'):
            host = socket.gethostname()
        return f'http://{host}:{self.port}/'

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5.0)
