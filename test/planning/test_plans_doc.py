# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""docs/PLANS.md: every plan the operator guide shows is valid, compact and inside the envelope."""

import json
from pathlib import Path
import re

from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.planning.actions import parse_plan
from shadowhound_llm.planning.envelope import check_plan, Limits

DOC = Path(__file__).resolve().parents[2] / 'docs' / 'PLANS.md'


def doc_actions():
    """The action objects in the 'What a mission becomes' table."""
    text = DOC.read_text(encoding='utf-8').split('## What a mission becomes', 1)[1]
    return re.findall(r'`(\{"type":.*?\})`', text)


def test_every_example_plan_in_the_guide_is_valid_compact_and_safe():
    actions = doc_actions()
    assert len(actions) >= 12
    for raw in actions:
        plan = parse_plan({'actions': [json.loads(raw)]})
        check_plan(plan, Limits())
        assert json.loads(plan.to_json())['actions'][0].keys() == json.loads(raw).keys(), raw


def test_speed_words_in_the_guide_are_the_parameter_defaults():
    text = DOC.read_text(encoding='utf-8')
    (slow_mps, slow_dps), (fast_mps, fast_dps) = (AgentConfig().speed_word(w)
                                                  for w in ('slowly', 'fast'))
    assert f'{slow_mps:g} m/s / {slow_dps:g} deg/s and {fast_mps:g} m/s /\n{fast_dps:g} deg/s' \
        in text
