# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The rule planner on held-out commands (test/data/rules_heldout.yaml), never tuned on.

Each command is said five ways; an answer must be that command's plan, and most ways must
be answered. Every trap (negation, condition, correction, object, place, missing amount,
question, contradiction) must be left to the LLM.
"""

from pathlib import Path

import pytest
import yaml

from shadowhound_llm.evaluation.quality import judge_reply, mission_from_dict
from shadowhound_llm.planning.actions import parse_plan
from shadowhound_llm.planning.rules.planner import plan_from_rules

DATA = yaml.safe_load((Path(__file__).resolve().parents[1] / 'data' / 'rules_heldout.yaml')
                      .read_text(encoding='utf-8'))
SAID = [(c, text) for c in DATA['commands'] for text in c['say']]


def test_the_set_says_each_command_five_ways_with_valid_plans():
    assert len(SAID) >= 300
    for command in DATA['commands']:
        assert len(set(command['say'])) == 5, command['say']
        for actions in (command['actions'], *(command.get('also') or ())):
            parse_plan({'actions': actions})
    assert len(DATA['traps']) >= 100
    assert {t['family'] for t in DATA['traps']} >= {
        'negation', 'condition', 'correction', 'object', 'place', 'missing', 'question'}


def test_every_answer_is_the_commands_plan_and_most_are_answered():
    wrong, answered = {}, 0
    for command, text in SAID:
        plan = plan_from_rules(text)
        if plan is None:
            continue
        answered += 1
        mission = mission_from_dict({'text': text, 'category': command['family'],
                                     'actions': command['actions'],
                                     'also': command.get('also'),
                                     'match': command.get('match', 'exact')})
        verdict = judge_reply(mission, plan.to_json())
        if not verdict.right:
            wrong[text] = f'{plan.to_json()}: {verdict.reason}'
    assert wrong == {}
    assert answered >= 0.85 * len(SAID), f'{answered}/{len(SAID)} answered'


@pytest.mark.parametrize('trap', DATA['traps'], ids=lambda t: t['text'][:40])
def test_traps_are_left_to_the_llm(trap):
    plan = plan_from_rules(trap['text'])
    assert plan is None, f'{trap["family"]}: answered {plan.to_json()}'
