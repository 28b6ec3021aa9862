# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The dashboard executable as an operator starts it: refusals, exit codes, what it logs."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time

import httpx
import pytest

from shadowhound_llm.common.processes import node_command
from shadowhound_llm.dashboard.config import TOKEN_ENV
from shadowhound_llm.nodes.launch_setup import LAUNCHED_ENV

pytestmark = pytest.mark.ros

TOKEN = 'operator-secret-5d1c9'


def _run(params: dict, env: dict | None = None, timeout: float = 30.0
         ) -> subprocess.CompletedProcess:
    return subprocess.run(node_command('dashboard', params), capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_a_public_address_without_a_token_is_refused_with_exit_2(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    proc = _run({'host': '0.0.0.0'}, env={TOKEN_ENV: ''})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert 'not a loopback address' in proc.stderr and 'token' in proc.stderr


@pytest.mark.parametrize('launched, hint', [(False, '--ros-args -p port:={}'),
                                             (True, 'dashboard_port:={}')])
def test_a_busy_port_is_a_clear_error_with_exit_1(launched, hint):
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = _run({'port': port}, env={LAUNCHED_ENV: '1' if launched else ''})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert f'cannot listen on 127.0.0.1:{port}' in out
    # The way out in the syntax of how the dashboard was started (by hand, or by up/launch).
    assert f'start with {hint.format(port + 1)}' in out, out


def test_a_numeric_token_that_ros_parses_as_an_integer_is_refused_without_echoing_it():
    proc = _run({'token': '918273645546'})
    assert proc.returncode == 2
    assert '918273645546' not in proc.stdout + proc.stderr


def test_a_short_token_is_refused_in_words_that_are_not_garbled():
    proc = _run({'token': 'a'})
    assert proc.returncode == 2
    assert 'the token is too short: use at least 8 characters' in proc.stderr, proc.stderr


def test_a_value_ros_cannot_parse_is_named_with_how_to_quote_it():
    proc = _run({'host': '::'})
    assert proc.returncode == 2
    assert "Couldn't parse parameter override rule: '-p host:=::'" in proc.stderr
    assert 'needs quotes' in proc.stderr and 'Traceback' not in proc.stderr


@pytest.mark.parametrize('how', ['parameter', 'environment'])
def test_the_token_never_appears_in_the_output(how, tmp_path):
    params = {'port': 0, **({'token': TOKEN} if how == 'parameter' else {})}
    env = {**os.environ, TOKEN_ENV: TOKEN if how == 'environment' else ''}
    log = tmp_path / 'dashboard.log'
    with log.open('w') as out:
        proc = subprocess.Popen(node_command('dashboard', params), stdout=out,
                                stderr=subprocess.STDOUT, env=env)
    try:
        url = None
        deadline = time.monotonic() + 30.0
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            found = re.search(r'dashboard at (http://\S+/)', log.read_text())
            url = found.group(1) if found else None
            time.sleep(0.05)
        assert url, log.read_text()
        assert 'a token is required' in log.read_text()
        with httpx.Client(base_url=url, timeout=5.0) as http:
            assert http.get('/api/state').status_code == 401
            assert http.get('/api/state', headers={'Authorization': f'Bearer {TOKEN}'}
                            ).status_code == 200
            assert http.post('/api/mission', json={'text': 'Move forward 1 meter'},
                             headers={'Authorization': 'Bearer wrong-token-1'}
                             ).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10.0)
    assert proc.returncode == 0, log.read_text()
    assert TOKEN not in log.read_text()


def test_start_dashboard_reports_the_url_or_why_not(tmp_path):
    from shadowhound_llm.common.processes import stop_node
    from shadowhound_llm.dashboard.process import start_dashboard

    proc, url, line = start_dashboard(tmp_path / 'dashboard.log', port=0)
    try:
        assert url and line == f'dashboard at {url}'
        assert httpx.get(url, timeout=5.0).status_code == 200
        port = int(url.rsplit(':', 1)[1].strip('/'))
        second, no_url, why = start_dashboard(tmp_path / 'second.log', port=port)
        assert no_url is None and 'cannot listen' in why and second.returncode == 1
    finally:
        stop_node(proc)
