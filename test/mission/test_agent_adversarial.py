# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Adversarial LLM outputs (test/data/adversarial_outputs.yaml) through both backends.

Each reply is served by the Ollama test double, streamed as NDJSON on /api/chat and as SSE
on the OpenAI-compatible /v1/chat/completions, to the agent core closed around the
kinematic model. Whatever the model says: the mission ends once, with a clear message or a
plan inside the envelope; no command over the limits, no clamp, no step outside the
geofence, no photo beyond the limit, and nothing the reply says is executed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from adversarial import CORPUS, CORPUS_PATH, reply_of
from core_loop import CoreLoop, STATS
import pytest

from shadowhound_llm.common.params import AgentConfig

MISSION = 'do what the operator wants'
# Where a component let an exception through instead of refusing with a reason.
CRASH_WORDS = ('planner error', 'Traceback', 'Error:')


def config_for(path: str, url: str, tmp_path: Path) -> AgentConfig:
    base = replace(AgentConfig(), validate_on_startup=False, photo_dir=str(tmp_path / 'photos'),
                   llm_timeout_s=20.0)
    if path == 'ollama':
        return replace(base, backend='ollama', ollama_host=url)
    return replace(base, backend='openai', openai_base_url=f'{url}/v1',
                   openai_model='phi4:14b')


def check_outcome(entry: dict[str, Any], loop: CoreLoop, final: Any) -> None:
    state, message = final.state.value, final.message
    where = f'{entry["id"]}: {state}: {message[:300]}'
    assert message.strip(), where
    assert not any(w in message for w in CRASH_WORDS), where
    expect = entry['expect']
    if expect == 'succeeded':
        assert state == 'succeeded', where
    elif expect == 'refused':
        assert state in ('failed', 'rejected'), where
    else:
        assert state in ('succeeded', 'failed', 'rejected'), where
    if state != 'succeeded' and entry.get('words'):
        assert any(w in message for w in entry['words']), where
    loop.settle(1.5)
    problems = loop.limit_problems()
    assert not problems, f'{entry["id"]}: {problems}'
    assert loop.sim.velocity.is_zero(), f'{entry["id"]}: the robot is still moving'
    photos = list(Path(loop.config.photo_dir).glob('*.png')) \
        if Path(loop.config.photo_dir).exists() else []
    assert len(photos) <= loop.config.max_photos_per_mission, entry['id']
    terminals = [s for s in loop.statuses if s.mission_id == final.mission_id and s.terminal]
    assert len(terminals) == 1, f'{entry["id"]}: {len(terminals)} terminal statuses'


@pytest.mark.parametrize('path', ['ollama', 'openai'])
@pytest.mark.parametrize('entry', CORPUS, ids=[e['id'] for e in CORPUS])
def test_adversarial_output(entry, path, ollama_module, tmp_path):
    ollama_module.script.reply = reply_of(entry)
    with CoreLoop(config_for(path, ollama_module.url, tmp_path)) as loop:
        final = loop.run(MISSION, planner='llm')
        STATS.outputs_tried += 1
        check_outcome(entry, loop, final)
        # the core is still usable: the next (rule-planned) mission runs
        assert loop.run('turn left 10 degrees').state.value == 'succeeded', entry['id']


def test_the_corpus_covers_what_the_issue_lists():
    categories = {e['category'] for e in CORPUS}
    assert len(CORPUS) >= 200
    assert categories >= {'invalid_json', 'truncated', 'wrong_types', 'non_finite',
                          'out_of_limits', 'unknown_action', 'extra_fields', 'too_many',
                          'deep_nesting', 'valid_until_last', 'injection', 'prose', 'empty',
                          'other_language', 'valid'}
    assert any(e.get('repeat', {}).get('count') == 10000 for e in CORPUS)
    replies = [reply_of(e) for e in CORPUS]
    for needle in ('NaN', 'Infinity', '1e308', '"speed":'):
        assert any(needle in r for r in replies), needle
    assert len({e['id'] for e in CORPUS}) == len(CORPUS)


def test_the_corpus_file_is_what_the_generator_writes(tmp_path, monkeypatch):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'make_adversarial_outputs', CORPUS_PATH.with_name('make_adversarial_outputs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.ENTRIES == CORPUS, 'run python test/data/make_adversarial_outputs.py'


def test_a_say_reply_is_never_executed(ollama_module, tmp_path):
    target = tmp_path / 'pwned'
    ollama_module.script.reply = (
        '{"actions":[{"type":"say","text":"$(touch %s); `touch %s`"}]}' % (target, target))
    with CoreLoop(config_for('ollama', ollama_module.url, tmp_path)) as loop:
        final = loop.run(MISSION, planner='llm')
        assert final.state.value == 'succeeded' and str(target) in final.message
        assert not target.exists()
