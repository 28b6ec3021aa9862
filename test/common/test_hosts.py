# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""OLLAMA_HOST in every form Ollama's own clients accept, end to end through check_backend."""

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from shadowhound_llm.common.hosts import default_ollama_host, HostError, parse_host, parse_url
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.testing.ollama_double import OllamaDouble


@pytest.mark.parametrize('text,url', [
    # no scheme: http, port 11434
    ('192.168.1.20', 'http://192.168.1.20:11434'),
    ('192.168.1.20:11434', 'http://192.168.1.20:11434'),
    ('thor.local:8080', 'http://thor.local:8080'),
    ('localhost', 'http://localhost:11434'),
    # a scheme brings its own default port
    ('http://thor.local', 'http://thor.local'),
    ('https://llm.example.org', 'https://llm.example.org'),
    ('http://thor.local:11434', 'http://thor.local:11434'),
    ('https://llm.example.org:8443/ollama/', 'https://llm.example.org:8443/ollama'),
    ('HTTP://Thor:11434', 'http://Thor:11434'),
    # ":port" alone is this machine
    (':11500', 'http://127.0.0.1:11500'),
    # IPv6 in brackets (and a bare IPv6 address)
    ('[::1]:11434', 'http://[::1]:11434'),
    ('[fe80::1]', 'http://[fe80::1]:11434'),
    ('http://[2001:db8::5]:8000', 'http://[2001:db8::5]:8000'),
    ('2001:db8::5', 'http://[2001:db8::5]:11434'),
    # the address a server binds to is reached as loopback
    ('0.0.0.0', 'http://127.0.0.1:11434'),
    ('0.0.0.0:11434', 'http://127.0.0.1:11434'),
    ('[::]:11434', 'http://[::1]:11434'),
    # empty: the default
    ('', 'http://127.0.0.1:11434'),
    ('  192.168.1.20  ', 'http://192.168.1.20:11434'),
])
def test_each_ollama_host_form(text, url):
    assert parse_host(text) == url
    parts = urlsplit(url)
    assert parts.scheme in ('http', 'https') and parts.hostname


def test_scheme_default_ports_are_the_schemes_own():
    def port_of(url):  # the port an HTTP client connects to (RFC 9110: http 80, https 443)
        parts = urlsplit(url)
        return parts.port or {'http': 80, 'https': 443}[parts.scheme]

    # a scheme without a port: the scheme's own port, left implied
    assert parse_host('http://thor') == 'http://thor' and port_of('http://thor') == 80
    assert parse_host('https://thor') == 'https://thor' and port_of('https://thor') == 443
    # the scheme's own port written out is the same address; any other port is kept
    assert parse_host('http://thor:80') == 'http://thor'
    assert parse_host('https://thor:443') == 'https://thor'
    assert port_of(parse_host('https://thor:11434')) == 11434
    assert port_of(parse_host('https://thor:80')) == 80
    assert port_of(parse_host('http://thor:443')) == 443
    assert port_of(parse_host('http://thor:11434')) == 11434
    # a bare host is Ollama's: http on 11434; an explicit :80 is plain http's own port
    assert parse_host('thor') == 'http://thor:11434'
    assert port_of(parse_host('thor:80')) == 80
    # an OpenAI-compatible server's bare host: http on port 80
    assert parse_url('vllm-box') == 'http://vllm-box' and port_of(parse_url('vllm-box')) == 80
    assert port_of(parse_url('vllm-box:8000')) == 8000


def _port_reached(url):
    """The TCP port an HTTP client connects to for this URL (the scheme's when none is written)."""
    parts = urlsplit(url)
    return parts.port or {'http': 80, 'https': 443}[parts.scheme]


@pytest.mark.parametrize('scheme', ['http', 'https'])
@pytest.mark.parametrize('port', [80, 443, 8080, 8443, 11434])
def test_a_written_port_is_the_port_reached_for_either_scheme(scheme, port):
    assert _port_reached(parse_host(f'{scheme}://thor:{port}')) == port
    assert _port_reached(parse_url(f'{scheme}://vllm-box:{port}/v1')) == port


def test_without_a_port_each_scheme_reaches_its_own_and_no_scheme_reaches_11434():
    assert _port_reached(parse_host('http://thor')) == 80
    assert _port_reached(parse_host('https://thor')) == 443
    assert _port_reached(parse_host('https://thor/ollama')) == 443
    assert _port_reached(parse_host('thor')) == 11434
    assert _port_reached(parse_url('vllm-box')) == 80


@pytest.mark.parametrize('text,match', [
    ('ftp://thor', 'unsupported scheme'),
    ('thor:http', 'invalid port'),
    ('thor:70000', 'outside 1..65535'),
    ('[::1', 'unclosed'),
    ('[not-ip]:1', 'not an IPv6 address'),
    ('not a url', 'not a host name'),
])
def test_malformed_addresses_say_what_is_wrong(text, match):
    with pytest.raises(HostError, match=match):
        parse_host(text)


def test_default_host_reads_ollama_host():
    assert default_ollama_host({'OLLAMA_HOST': '10.1.2.3'}) == 'http://10.1.2.3:11434'
    # one default everywhere: the agent's ollama_host parameter and every CLI agree
    assert default_ollama_host({}) == 'http://localhost:11434' == AgentConfig().ollama_host
    assert default_ollama_host({'OLLAMA_HOST': ''}) == AgentConfig().ollama_host


def _check_backend(*args, env_host=None):
    env = os.environ.copy()
    env.pop('OLLAMA_HOST', None)
    if env_host is not None:
        env['OLLAMA_HOST'] = env_host
    return subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'check_backend', *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_check_backend_accepts_ollama_host_without_scheme():
    with OllamaDouble() as ollama:
        port = urlsplit(ollama.url).port
        proc = _check_backend(env_host=f'127.0.0.1:{port}')
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert f'http://127.0.0.1:{port}' in proc.stdout and 'usable' in proc.stdout
        proc = _check_backend('--host', f':{port}', '--json')
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize('host', ['ftp://thor', 'thor:notaport', '[::1'])
def test_check_backend_malformed_host_exits_2(host):
    proc = _check_backend('--host', host)
    assert proc.returncode == 2
    assert 'check_backend: error:' in proc.stderr and host.split(':')[0] in proc.stderr
