# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""HTTP pieces both clients share: operator-facing errors and the streamed, deadline-bound POST."""

from __future__ import annotations

from contextlib import contextmanager
import json
from typing import Any, Callable, Iterator

import httpx

from .base import BackendError, Deadline

CONNECT_TIMEOUT_S = 2.0


def http_error_message(exc: Exception, url: str, what: str) -> BackendError:
    """Turn an httpx exception into an operator-facing BackendError naming the URL."""
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc) or 'connection failed'
        if 'refused' in reason.lower():
            reason = 'connection refused'
        return BackendError(f'cannot reach {what} at {url}: {reason}. Is the server running '
                            f'and is the URL right?')
    if isinstance(exc, httpx.ConnectTimeout):
        return BackendError(f'cannot reach {what} at {url}: no answer within '
                            f'{CONNECT_TIMEOUT_S:g} s (host down or firewalled?)')
    if isinstance(exc, httpx.ReadTimeout):
        return BackendError(f'{what} at {url} stopped answering (read timeout)')
    if isinstance(exc, httpx.RemoteProtocolError):
        return BackendError(f'{what} at {url} dropped the connection mid-reply '
                            f'(server crashed or restarted?): {exc}')
    return BackendError(f'{what} at {url}: {type(exc).__name__}: {exc}')


def error_body(response: httpx.Response) -> str:
    """The server's error text: Ollama's {"error": "..."} or OpenAI's {"error": {"message"}}."""
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return response.text.strip()[:500] or response.reason_phrase
    err = body.get('error') if isinstance(body, dict) else None
    if isinstance(err, dict):
        return str(err.get('message') or err)
    return str(err or body)[:500]


@contextmanager
def stream_post(http: httpx.Client, path: str, body: dict[str, Any], deadline: Deadline,
                server: str, status_error: Callable[[httpx.Response], BackendError],
                transport_error: Callable[[Exception], BackendError]
                ) -> Iterator[httpx.Response]:
    """POST ``body`` and yield the streaming response, watched by ``deadline``.

    An HTTP error status becomes ``status_error(response)`` (its body already read). A
    transport error becomes: the deadline's own error when the watchdog cut the connection
    (spent budget or cancel), "sent nothing for N s" on a read timeout (``server`` names who),
    else ``transport_error(exc)``.
    """
    try:
        with http.stream('POST', path, json=body, timeout=httpx.Timeout(
                deadline.seconds, connect=CONNECT_TIMEOUT_S)) as response:
            if response.status_code >= 400:
                response.read()
                raise status_error(response)
            with deadline.watch(response):
                yield response
    except httpx.HTTPError as exc:
        deadline.check('the LLM reply')  # a cut made by the watchdog: say why
        if isinstance(exc, httpx.ReadTimeout):
            raise BackendError(f'{server} sent nothing for {deadline.seconds:g} s '
                               f'(llm_timeout_s); request cancelled') from None
        raise transport_error(exc) from None
