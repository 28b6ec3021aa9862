# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Regression tests (agent core, no ROS) for bugs the reliability suite found."""

from __future__ import annotations

from dataclasses import replace

from core_loop import CoreLoop
import pytest

from shadowhound_llm.common.contract import MissionState
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.mission.agent import MAX_ECHOED_TEXT_CHARS

STREAMED = ('{"actions":[{"type":"rotate","angle_deg":90},{"type":"rotate","angle_deg":-90},'
            '{"type":"say","text":"' + 'x' * 120 + '"}]}')

OLLAMA_SCRIPT = {'reply': STREAMED, 'real_time': True, 'tokens_per_s': 40.0}  # the ollama fixture


@pytest.fixture
def loop(ollama):
    config = replace(AgentConfig(), backend='ollama', ollama_host=ollama.url,
                     validate_on_startup=False)
    with CoreLoop(config) as core_loop:
        yield core_loop


@pytest.mark.parametrize('how', ['stop', 'cancel', 'preempt'])
def test_a_streamed_mission_stopped_while_executing_ends_exactly_once(loop, how):
    mission_id = loop.send('walk about and come back', planner='llm')
    for _ in range(400):
        loop.drain(0.01)
        loop.step()
        if any(s.mission_id == mission_id and s.state == MissionState.EXECUTING
               for s in loop.statuses) and loop.core._jobs:
            break
    assert loop.core._jobs, 'the plan was still streaming while the mission executed'
    if how == 'stop':
        loop.send('stop')
    elif how == 'cancel':
        loop._collect(loop.core.cancel(loop.t))
    else:
        loop.send('turn left 10 degrees')
    loop.settle(3.0)
    terminals = [s for s in loop.statuses if s.mission_id == mission_id and s.terminal]
    assert [s.state for s in terminals] == [MissionState.CANCELLED], terminals
    assert loop.cmds[-1][1].is_zero()


def test_an_over_long_mission_text_is_refused_and_echoed_short():
    with CoreLoop(AgentConfig(backend='none')) as loop:
        final = loop.run('move forward 1 m ' * 60_000)  # ~1 MB
        assert final.state == MissionState.REJECTED and 'max_mission_chars' in final.message
        assert all(len(s.text) <= MAX_ECHOED_TEXT_CHARS + 3 for s in loop.statuses)
        assert '1020000 characters' in final.message
        shorter = loop.run('move forward 1 m ' * 200)  # over the limit, echoed whole
        assert shorter.state == MissionState.REJECTED
        assert shorter.text == 'move forward 1 m ' * 200
