# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""One parser for LLM server addresses, accepting what Ollama's own clients accept.

``OLLAMA_HOST`` and the ``ollama_host`` parameter may be written as Ollama's docs and tools
write them: ``192.168.1.20:11434``, ``0.0.0.0``, ``:11434``, ``[::1]:11434``,
``http://host``, ``https://host/ollama``. The rules follow Ollama's ``envconfig.Host``:
the scheme is optional (http); without a scheme the port defaults to 11434, with
``http://`` to 80 and with ``https://`` to 443; ``:port`` alone means this machine; IPv6
addresses go in brackets (a bare IPv6 address is accepted too). Two deliberate
differences: an unspecified address (``0.0.0.0``, ``::``), which a server binds to, is
reached as loopback; and an invalid port is an error here, where Ollama would silently
use the default. Quotes around the whole value (``"1.2.3.4:11434"``, as a service file or
a shell may leave them) are stripped, as Ollama strips them.
"""

from __future__ import annotations

import ipaddress
import os

OLLAMA_PORT = 11434
DEFAULT_OLLAMA_URL = f'http://127.0.0.1:{OLLAMA_PORT}'
_SCHEME_PORTS = {'http': 80, 'https': 443}


class HostError(ValueError):
    """An address that cannot name a server; the message says what is wrong."""


def parse_host(text: str, default_port: int = OLLAMA_PORT) -> str:
    """A normalised base URL (``scheme://host:port[/path]``) for an Ollama-style address."""
    raw = (text or '').strip().strip('"\'').strip()
    if not raw:
        return f'http://127.0.0.1:{default_port}'
    scheme, sep, rest = raw.partition('://')
    if sep:
        scheme = scheme.lower()
        if scheme not in _SCHEME_PORTS:
            raise HostError(f'unsupported scheme {scheme!r} in {raw!r}: use http:// or https://')
        port = _SCHEME_PORTS[scheme]
    else:
        scheme, rest, port = 'http', raw, default_port
    hostport, _, path = rest.partition('/')
    host, port = _split_host_port(hostport, port, raw)
    path = f'/{path.rstrip("/")}' if path.strip('/') else ''
    port_text = '' if port == _SCHEME_PORTS[scheme] else f':{port}'
    return f'{scheme}://{_format_host(host)}{port_text}{path}'


def _split_host_port(hostport: str, default_port: int, raw: str) -> tuple[str, int]:
    if not hostport:
        return '127.0.0.1', default_port
    if hostport.startswith('['):
        end = hostport.find(']')
        if end < 0:
            raise HostError(f'unclosed "[" in {raw!r}: write IPv6 addresses as [::1]:11434')
        host, tail = hostport[1:end], hostport[end + 1:]
        _require_ip(host, raw)
        if not tail:
            return _reachable(host), default_port
        if not tail.startswith(':'):
            raise HostError(f'unexpected {tail!r} after the IPv6 address in {raw!r}')
        return _reachable(host), _port(tail[1:], raw)
    if hostport.count(':') > 1:  # a bare IPv6 address, no port
        _require_ip(hostport, raw)
        return _reachable(hostport), default_port
    host, sep, port_text = hostport.partition(':')
    if not host:
        host = '127.0.0.1'  # ':11434' means this machine
    if any(c.isspace() for c in host) or not host.replace('-', '').replace('.', '').replace(
            '_', '').isalnum():
        raise HostError(f'{host!r} in {raw!r} is not a host name or address')
    return _reachable(host), _port(port_text, raw) if sep else default_port


def _port(text: str, raw: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise HostError(f'invalid port {text!r} in {raw!r}') from None
    if not 0 < port < 65536:
        raise HostError(f'port {port} in {raw!r} is outside 1..65535')
    return port


def _require_ip(text: str, raw: str) -> None:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        raise HostError(f'{text!r} in {raw!r} is not an IPv6 address') from None


def _reachable(host: str) -> str:
    """An unspecified bind address (0.0.0.0, ::) is reached as loopback."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if ip.is_unspecified:
        return '127.0.0.1' if ip.version == 4 else '::1'
    return str(ip)


def _format_host(host: str) -> str:
    return f'[{host}]' if ':' in host else host


# The one default Ollama address: mission_agent's ollama_host default and every CLI's.
DEFAULT_OLLAMA_HOST = f'http://localhost:{OLLAMA_PORT}'


def default_ollama_host(environ: dict[str, str] | None = None) -> str:
    """``$OLLAMA_HOST`` parsed as Ollama does, else DEFAULT_OLLAMA_HOST (localhost:11434)."""
    env = os.environ if environ is None else environ
    raw = env.get('OLLAMA_HOST', '').strip().strip('"\'').strip()
    return parse_host(raw) if raw else DEFAULT_OLLAMA_HOST


def parse_url(text: str) -> str:
    """An OpenAI-compatible base URL: the same rules, default port 80 without a scheme."""
    return parse_host(text, default_port=80)


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (a bind address only this machine reaches)."""
    if host.strip('[]').lower() == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        return False
