# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The benchmark executable against the Ollama test double."""

import json

import pytest

from shadowhound_llm.quality import load_corpus
from shadowhound_llm.testing.ollama_double import OllamaDouble
from shadowhound_llm.tools.benchmark import main

EXPECTED = {m.text: m for m in load_corpus()}


def perfect_reply(body):
    """Answer each corpus mission with its expected plan (a perfect model)."""
    text = body['messages'][-1]['content'].removeprefix('Mission: ')
    mission = EXPECTED[text]
    if mission.reject:
        return '{"actions":[{"type":"move","distance_m":100}]}'
    actions = [dict(a, text='hello') if a['type'] == 'say' else a for a in mission.actions]
    return json.dumps({'actions': actions})


def test_perfect_model_scores_100_and_reports_speed(capsys):
    with OllamaDouble() as ollama:
        ollama.script.reply = perfect_reply
        ollama.script.tokens_per_s = 16.0
        code = main(['--host', ollama.url, '--json'])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report['quality'] == 100.0 and report['missions'] == len(EXPECTED)
    assert report['tokens_per_s_median'] == pytest.approx(16.0)


def test_reload_check_catches_the_thor_slowdown(capsys):
    with OllamaDouble() as ollama:
        ollama.script.version = '0.12.3'
        ollama.script.tokens_per_s = 37.0
        ollama.script.after_reload = {'vram_fraction': 0.4, 'tokens_per_s': 5.0}
        code = main(['--host', ollama.url, '--limit', '2', '--reload-check', '--json'])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    reload = report['reload']
    assert reload['degraded'] and reload['ratio'] == pytest.approx(5 / 37, rel=0.01)
    assert '60% on CPU' in reload['cause'] and 'update Ollama' in reload['cause']


def test_unreachable_backend_scores_zero_but_runs(capsys):
    code = main(['--host', 'http://127.0.0.1:9', '--limit', '3'])
    out = capsys.readouterr().out
    assert code == 0 and 'quality 0.0/100' in out and 'cannot reach Ollama' in out
