# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""What docs/DEPLOYMENT.md ships: the start script, the systemd units, the compose file."""

import os
from pathlib import Path
import re
import subprocess
import sys

import pytest
import yaml

from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.nodes.launch_setup import TOKEN_ENV

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / 'deploy'
START = DEPLOY / 'start.sh'


@pytest.fixture
def stub(tmp_path):
    """A launch command that says it ran, with its pid and arguments."""
    path = tmp_path / 'fake-launch'
    path.write_text('#!/bin/sh\necho "launched pid=$$ args=$*"\n', encoding='utf-8')
    path.chmod(0o755)
    return str(path)


def start(host, launch, **settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith('SHADOWHOUND_')}
    env.update({'SHADOWHOUND_SETUP': '', 'SHADOWHOUND_PYTHON': sys.executable,
                'SHADOWHOUND_LAUNCH': launch, 'OLLAMA_HOST': host, **settings})
    proc = subprocess.Popen(['bash', str(START)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err, proc.pid


def test_start_script_is_executable():
    assert os.access(START, os.X_OK)
    assert START.read_text(encoding='utf-8').startswith('#!/usr/bin/env bash')


def test_backend_up_execs_the_launch_with_the_checked_server_and_model(ollama_module, stub):
    host = ollama_module.url.removeprefix('http://')  # 127.0.0.1:PORT, as OLLAMA_HOST is written
    code, out, err, pid = start(host, stub, SHADOWHOUND_LAUNCH_ARGS='sim:=true namespace:=r1')
    assert code == 0, out + err
    assert 'OK    reachable' in out and 'usable' in out
    launched = out.strip().splitlines()[-1]
    assert launched.startswith(f'launched pid={pid} '), 'the launch replaces the script (exec)'
    assert launched.split('args=')[1].split() == [
        'backend:=ollama', 'model:=phi4:14b', f'ollama_host:={host}', 'sim:=true',
        'namespace:=r1']


def test_launch_exit_status_is_the_scripts(ollama_module):
    code, *_ = start(ollama_module.url, 'false')
    assert code == 1
    code, *_ = start(ollama_module.url, 'true')
    assert code == 0


def test_backend_down_refuses_to_start(stub):
    code, out, err, _ = start('127.0.0.1:9', stub)
    assert code == 1
    assert 'FAIL  reachable' in out and 'launched' not in out
    assert 'LLM backend not usable at 127.0.0.1:9' in err and 'not starting' in err
    assert 'SHADOWHOUND_ALLOW_NO_LLM=1' in err


def test_backend_down_may_start_with_rules_only(stub):
    code, out, err, _ = start('127.0.0.1:9', stub, SHADOWHOUND_ALLOW_NO_LLM='1')
    assert code == 0, err
    assert out.strip().splitlines()[-1].split('args=')[1] == 'backend:=none'
    assert 'rule planner only' in err


def test_missing_model_refuses_with_the_pull_line(ollama_module, stub):
    code, out, err, _ = start(ollama_module.url, stub, SHADOWHOUND_MODEL='llama9:404b')
    assert code == 1 and 'ollama pull llama9:404b' in out and 'launched' not in out


def test_bad_settings_exit_2(stub):
    code, out, err, _ = start('ftp://thor', stub)
    assert code == 2 and 'unsupported scheme' in err and 'launched' not in out
    code, out, err, _ = start('127.0.0.1:9', stub, SHADOWHOUND_BACKEND='vllm')
    assert code == 2 and 'use ollama, openai or none' in err
    code, out, err, _ = start('127.0.0.1:9', stub, SHADOWHOUND_BACKEND='openai')
    assert code == 2 and 'needs SHADOWHOUND_OPENAI_BASE_URL' in err


def test_openai_compatible_server_is_checked_then_launched(ollama_module, stub):
    url = f'{ollama_module.url}/v1'  # the double speaks the OpenAI-compatible API too
    code, out, err, _ = start('127.0.0.1:9', stub, SHADOWHOUND_BACKEND='openai',
                              SHADOWHOUND_OPENAI_BASE_URL=url)
    assert code == 0, out + err
    assert f'openai backend at {url}' in out
    assert out.strip().splitlines()[-1].split('args=')[1].split() == [
        'backend:=openai', f'openai_base_url:={url}', 'openai_model:=phi4:14b']


def test_backend_none_skips_the_check(stub):
    code, out, err, _ = start('127.0.0.1:9', stub, SHADOWHOUND_BACKEND='none',
                              SHADOWHOUND_LAUNCH_ARGS='sim:=true')
    assert code == 0 and out.split('args=')[1].split() == ['backend:=none', 'sim:=true']
    assert 'reachable' not in out


def test_env_file_sets_only_what_the_script_and_ros_read():
    script = START.read_text(encoding='utf-8')
    for line in (DEPLOY / 'shadowhound.env').read_text(encoding='utf-8').splitlines():
        line = line.lstrip('#')
        match = re.match(r'^([A-Z_]+)=', line)
        if match:
            name = match.group(1)
            # ROS, the dashboard and Python itself read these three; the script the rest.
            assert name in ('ROS_DOMAIN_ID', TOKEN_ENV, 'PYTHONPATH') or '${' + name in script, \
                name


# ---- systemd ----------------------------------------------------------------------------
def unit_entries(path):
    """The entries of a systemd unit file: {section: [(key, value), ...]} (keys may repeat)."""
    sections, current = {}, None
    for raw in path.read_text(encoding='utf-8').splitlines():
        line = raw.strip()
        if not line or line.startswith(('#', ';')):
            continue
        if line.startswith('['):
            assert line.endswith(']'), raw
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None and '=' in line, f'not a unit file line: {raw!r}'
        key, value = line.split('=', 1)
        current.append((key.strip(), value.strip()))
    return sections


def values(entries, key):
    return [v for k, v in entries if k == key]


def test_service_unit_runs_the_start_script_after_ollama():
    unit = unit_entries(DEPLOY / 'shadowhound@.service')
    assert set(unit) == {'Unit', 'Service', 'Install'}
    service = unit['Service']
    assert values(service, 'ExecStart') == ['/usr/local/bin/shadowhound-start']
    assert values(service, 'Restart') == ['on-failure']
    assert values(service, 'RestartPreventExitStatus') == ['2']
    assert values(service, 'KillSignal') == ['SIGINT']
    assert values(service, 'User') == ['%i']
    assert values(service, 'EnvironmentFile') == ['-/etc/default/shadowhound']
    after = ' '.join(values(unit['Unit'], 'After')).split()
    assert 'ollama.service' in after and 'network-online.target' in after
    assert values(unit['Install'], 'WantedBy') == ['multi-user.target']
    doc = (ROOT / 'docs' / 'DEPLOYMENT.md').read_text(encoding='utf-8')
    assert 'install -m 755 deploy/start.sh /usr/local/bin/shadowhound-start' in doc
    assert 'deploy/shadowhound@.service' in doc and 'deploy/shadowhound.env' in doc


def ollama_settings_from_compose():
    compose = yaml.safe_load((DEPLOY / 'compose.yaml').read_text(encoding='utf-8'))
    return compose, compose['services']['ollama']


def test_compose_runs_ollama_on_the_jetson_gpu():
    compose, ollama = ollama_settings_from_compose()
    assert ollama['image'].startswith('ghcr.io/nvidia-ai-iot/ollama:r38')  # JetPack 7 / Thor
    assert ollama['runtime'] == 'nvidia'
    assert any(str(p).endswith('11434:11434') for p in ollama['ports'])
    mount = ollama['volumes'][0].split(':')
    assert mount[0] in compose['volumes'] and ollama['environment']['OLLAMA_MODELS'].startswith(
        mount[1])
    assert ollama['restart'] == 'unless-stopped' and ollama['healthcheck']['test']
    env = ollama['environment']
    assert env['OLLAMA_KEEP_ALIVE'] == AgentConfig().keep_alive
    assert env['OLLAMA_CONTEXT_LENGTH'] == str(AgentConfig().num_ctx)
    assert env['OLLAMA_MAX_LOADED_MODELS'] == '1' and int(env['OLLAMA_NUM_PARALLEL']) >= 2
    assert all(isinstance(v, str) for v in env.values()), 'quote values: compose wants strings'


def test_native_ollama_override_matches_the_compose_settings():
    unit = unit_entries(DEPLOY / 'ollama-override.conf')
    env = dict(v.strip('"').split('=', 1) for v in values(unit['Service'], 'Environment'))
    _, ollama = ollama_settings_from_compose()
    for key in ('OLLAMA_KEEP_ALIVE', 'OLLAMA_CONTEXT_LENGTH', 'OLLAMA_MAX_LOADED_MODELS',
                'OLLAMA_NUM_PARALLEL', 'OLLAMA_FLASH_ATTENTION'):
        assert env[key] == ollama['environment'][key], key
    assert 'drop_caches' in values(unit['Service'], 'ExecStartPre')[0]
    assert values(unit['Service'], 'ExecStartPre')[0].startswith('+')


def test_jetson_clocks_unit_pins_clocks_before_ollama():
    unit = unit_entries(DEPLOY / 'jetson-clocks.service')
    assert values(unit['Service'], 'Type') == ['oneshot']
    assert values(unit['Service'], 'ExecStart') == ['/usr/bin/jetson_clocks']
    assert 'ollama.service' in ' '.join(values(unit['Unit'], 'Before')).split()
    assert values(unit['Install'], 'WantedBy') == ['multi-user.target']
