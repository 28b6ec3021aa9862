# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The rule planner is never wrong: over the corpus, plain commands and tricky phrasings.

Deferring (None) is always allowed; an answer must be the expected plan (quality's
tolerances and equivalences), or for an unsafe mission the faithful plan the envelope
refuses. It must also answer at least half of the plain explicit-number commands.
"""

from pathlib import Path
import random

import pytest
import yaml

from shadowhound_llm.evaluation.quality import (
    judge_reply,
    load_corpus,
    mission_from_dict,
    rule_coverage,
)
import shadowhound_llm.planning.actions as plan_models
from shadowhound_llm.planning.actions import parse_plan
from shadowhound_llm.planning.rules.planner import plan_from_rules

DATA = Path(__file__).resolve().parents[1] / 'data'


def entries(name):
    return yaml.safe_load((DATA / name).read_text(encoding='utf-8'))['missions']


def vocabulary_has(needs):
    """Whether the plan models have a field like 'ReturnHome.speed_mps'."""
    model, name = needs.split('.')
    return name in getattr(plan_models, model).model_fields


def wrong_answer(entry):
    """Why the rule planner's answer to a data entry is wrong; '' when right or deferred."""
    plan = plan_from_rules(entry['text'])
    if plan is None:
        return ''
    if entry.get('defer'):
        return f'answered {plan.to_json()} where only deferring is right'
    verdict = judge_reply(mission_from_dict(dict(entry, category='data')), plan.to_json())
    return '' if verdict.right else f'{plan.to_json()}: {verdict.reason}'


def test_never_wrong_on_the_corpus():
    coverage = rule_coverage(load_corpus())
    assert coverage['wrong'] == 0, coverage['wrong_answers']
    # It answers most of the corpus's plain commands (a guard against a silently dead rule).
    assert coverage['answered'] >= 100


@pytest.mark.parametrize('entry', entries('rule_tricky.yaml'), ids=lambda e: e['text'][:40])
def test_never_wrong_on_tricky_phrasings(entry):
    assert wrong_answer(entry) == ''


def test_tricky_list_keeps_its_traps():
    tricky = entries('rule_tricky.yaml')
    texts = {e['text'] for e in tricky}
    for trap in ('Move backward -1 meter', 'Move forward 2 meters, no wait, 1 meter',
                 'Turn left 90 degrees unless there is a wall', "Don't move",
                 'Turn right and rotate 180 degrees'):
        assert trap in texts
    assert sum(bool(e.get('defer')) for e in tricky) >= 60


def test_plain_commands_never_wrong_and_at_least_half_answered():
    plain = entries('rule_plain_commands.yaml')
    wrong = {e['text']: why for e in plain if (why := wrong_answer(e))}
    assert wrong == {}
    answered = [e['text'] for e in plain if plan_from_rules(e['text']) is not None]
    assert len(plain) >= 80
    assert len(answered) >= len(plain) / 2, f'{len(answered)}/{len(plain)} answered'


def test_plain_commands_include_issue_13s_examples():
    texts = {e['text'] for e in entries('rule_plain_commands.yaml')}
    assert {'Advance by 1 meter in the forward direction',
            'Perform a clockwise rotation of 270 degrees', 'Go home fast',
            'Reverse for 5 seconds', 'Move forward at 0.5 m/s for 4 seconds',
            'Move 2 meters to the left', 'Move in a circle of radius 2 m',
            'Turn left'} <= texts


@pytest.mark.parametrize('name', ['rule_plain_commands.yaml', 'rule_tricky.yaml'])
def test_expected_plans_in_the_data_files_are_valid(name):
    for entry in entries(name):
        if entry.get('needs') and not vocabulary_has(entry['needs']):
            continue
        for actions in (entry.get('actions'), *(entry.get('also') or ())):
            if actions:
                parse_plan({'actions': actions})
        assert entry.get('defer') or entry.get('actions'), entry['text']


def test_word_salad_never_crashes_and_mostly_defers():
    """Random strings of the grammar's own words: no exception, rarely an answer."""
    words = ('move go walk turn rotate spin back up reverse strafe left right forward '
             'backward ahead around to the a an one two half quarter and then , . ? ! 1 2 '
             '0.5 -1 x y = : ( ) meters m cm feet degrees radians rad pi / for seconds s at '
             'm/s slowly fast circle radius of point spot behind you your home start take '
             'photo wait stop again sideways in place make do perform rotation arc with '
             'diameter please can').split()
    rng = random.Random(13)
    answered = 0
    for _ in range(3000):
        text = ' '.join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        plan = plan_from_rules(text)
        if plan is not None:
            answered += 1
            parse_plan(plan.to_json())
    assert answered < 100
