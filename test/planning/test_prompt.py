# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The planning prompt: static; its few-shot examples are valid, safe and teach the vocabulary."""

import json

import pytest

from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.planning import prompt
from shadowhound_llm.planning.actions import parse_plan
from shadowhound_llm.planning.envelope import check_plan, Limits


@pytest.mark.parametrize('text, plan_json', prompt.EXAMPLES, ids=[t for t, _ in prompt.EXAMPLES])
def test_every_example_plan_parses_and_fits_the_default_envelope(text, plan_json):
    plan = parse_plan(plan_json)
    check_plan(plan, Limits())
    assert plan.to_json() == plan_json, 'examples are compact: no field holds its default'


def test_examples_teach_each_field_of_the_vocabulary_once_at_least():
    taught = {(a['type'], key, str(value) if key in ('direction', 'frame') else '')
              for _, plan_json in prompt.EXAMPLES
              for a in json.loads(plan_json)['actions'] for key, value in a.items()}
    for needed in [('move', 'direction', 'right'), ('rotate', 'speed_dps', ''),
                   ('goto', 'speed_mps', ''), ('goto', 'frame', 'robot'),
                   ('drive', 'linear_mps', ''), ('drive', 'lateral_mps', ''),
                   ('drive', 'angular_dps', ''), ('drive', 'seconds', ''),
                   ('say', 'text', ''), ('look', 'question', '')]:
        assert needed in taught, needed


def test_speed_words_in_the_prompt_are_the_parameter_defaults():
    slow_mps, slow_dps = AgentConfig().speed_word('slowly')
    fast_mps, fast_dps = AgentConfig().speed_word('fast')
    rules = prompt.SYSTEM_RULES
    assert f'"slowly" = speed_mps {slow_mps:g} or speed_dps\n{slow_dps:g}' in rules
    assert f'"fast" = speed_mps {fast_mps:g} or speed_dps {fast_dps:g}' in rules


def test_system_prompt_is_one_static_string_with_the_mission_last():
    first = prompt.planning_messages('walk 3 feet to your left')
    second = prompt.planning_messages('  something else entirely  ')
    assert first[0] == second[0] and first[0]['content'] is prompt.SYSTEM_PROMPT
    assert second[-1] == {'role': 'user', 'content': 'Mission: something else entirely'}
    assert prompt.SYSTEM_PROMPT.startswith(prompt.SYSTEM_RULES)
    for text, plan_json in prompt.EXAMPLES:
        assert f'Mission: {text}\n{plan_json}\n' in prompt.SYSTEM_PROMPT


def test_prompt_states_the_defaults_operators_rely_on():
    rules = prompt.SYSTEM_RULES
    for phrase in ('with no angle = 90 degrees', '"turn around" = 180', '1 ft = 0.3048 m',
                   '1 in = 0.0254 m', '100 cm = 1 m', '1 rad = 57.3 deg', 'never make up a motion',
                   '"frame":"robot"'):
        assert phrase in rules, phrase
