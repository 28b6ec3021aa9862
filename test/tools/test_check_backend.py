# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""check_backend as a start script uses it: lines, JSON, exit codes."""

import json
import subprocess
import sys
import time

import pytest

from shadowhound_llm.testing.ollama_double import ModelSpec
from shadowhound_llm.tools.check_backend import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_healthy_backend_prints_one_line_per_check_and_exits_0(ollama, capsys):
    code, out, _ = run(capsys, '--host', ollama.url)
    assert code == 0
    lines = out.strip().splitlines()
    assert [ln.split()[0] for ln in lines[:7]] == ['OK'] * 7
    assert lines[0].split()[1] == 'reachable' and lines[0].endswith('s)')
    assert 'usable' in lines[-1]


def test_json_output(ollama, capsys):
    code, out, _ = run(capsys, '--host', ollama.url, '--json')
    body = json.loads(out)
    assert code == 0 and body['ok'] is True
    assert body['backend'] == 'ollama' and body['host'] == ollama.url
    assert body['model'] == 'phi4:14b'
    assert {tuple(sorted(c)) for c in body['checks']} == {
        ('duration_s', 'level', 'message', 'name')}


def test_missing_model_exit_1_with_pull_line(ollama, capsys):
    ollama.script.models = {'qwen2.5:7b': ModelSpec('qwen2.5:7b')}
    code, out, _ = run(capsys, '--host', ollama.url)
    assert code == 1
    assert 'FAIL  model_present' in out and 'ollama pull phi4:14b' in out
    assert 'qwen2.5:7b' in out


def test_warnings_pass_unless_strict(ollama, capsys):
    ollama.script.models['phi4:14b'].vram_fraction = 0.4
    code, out, _ = run(capsys, '--host', ollama.url)
    assert code == 0 and 'WARN  gpu_residency' in out and '60% of phi4:14b' in out
    ollama.loaded.clear()
    code, out, _ = run(capsys, '--host', ollama.url, '--strict', '--json')
    assert code == 1 and json.loads(out)['ok'] is False


def test_connection_refused_fails_fast(capsys):
    start = time.monotonic()
    code, out, _ = run(capsys, '--host', 'http://127.0.0.1:9')
    assert code == 1 and time.monotonic() - start < 3.0
    assert 'FAIL  reachable' in out and 'http://127.0.0.1:9' in out and 'refused' in out


@pytest.mark.parametrize('args', [['--host', 'not a url'], ['--host', 'ftp://x'],
                                  ['--backend', 'llamafile'], ['--timeout', '-1'],
                                  ['--bogus']])
def test_bad_arguments_exit_2(capsys, args):
    code = None
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    assert capsys.readouterr().err


def test_ollama_host_from_environment(ollama, monkeypatch, capsys):
    monkeypatch.setenv('OLLAMA_HOST', ollama.url.replace('http://', ''))
    code, out, _ = run(capsys, '--json')
    assert code == 0 and json.loads(out)['host'] == ollama.url


def test_as_a_process(ollama):
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'check_backend', '--host',
                           ollama.url, '--model', 'phi4:14b'], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def vision_models(ollama):
    ollama.script.models['gemma3:4b'] = ModelSpec('gemma3:4b', size=3 * 1024 ** 3,
                                                  capabilities=('completion', 'vision'))


def test_the_vision_model_is_checked_with_a_probe_image(ollama, capsys):
    vision_models(ollama)
    code, out, _ = run(capsys, '--host', ollama.url, '--vision-model', 'gemma3:4b')
    assert code == 0, out
    assert 'OK    vision_capable' in out and 'OK    vision_answer' in out
    assert 'answered a 160x120 image' in out
    assert out.strip().splitlines()[-1].startswith('vision model (ollama)')
    assert ollama.images and ollama.images[-1]['model'] == 'gemma3:4b'
    code, out, _ = run(capsys, '--host', ollama.url, '--vision-model', 'gemma3:4b', '--json')
    body = json.loads(out)
    assert code == 0 and body['ok'] and body['vision']['ok']
    assert [c['name'] for c in body['vision']['checks']] == [
        'vision_model_present', 'vision_capable', 'vision_answer']


@pytest.mark.parametrize('model, check, words', [
    ('phi4:14b', 'vision_capable', "'phi4:14b' cannot see images"),
    ('llava:7b', 'vision_model_present', 'ollama pull llava:7b')])
def test_a_vision_model_that_cannot_serve_fails_the_check(ollama, capsys, model, check, words):
    vision_models(ollama)
    code, out, _ = run(capsys, '--host', ollama.url, '--vision-model', model)
    assert code == 1
    assert f'FAIL  {check}' in out and words in out
    assert 'NOT usable' in out.strip().splitlines()[-1]
