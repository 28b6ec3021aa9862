# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Stopping a mission whose plan still streams ends its LLM request too, not only the motion.

The agent core and the kinematic GO2 model (``CoreLink``) against the Ollama test double over
real HTTP: the double records how each streamed reply ended (``ended``: whole or cut).
"""

from __future__ import annotations

from core_link import CoreLink
import pytest

from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.testing.ollama_double import OllamaDouble

# Four steps, the first one long: it runs while the rest of the plan still streams.
LONG_PLAN = ('{"actions":[{"type":"move","distance_m":2.0},{"type":"rotate","angle_deg":90},'
             '{"type":"move","distance_m":0.5},{"type":"say","text":"'
             + 'still planning ' * 20 + '"}]}')
LLM_TEXT = 'walk a little and then face left'  # the rule planner does not parse this


@pytest.mark.parametrize('how', ['mission_cancel', 'stop', 'a new mission'])
def test_stopping_a_streamed_mission_hangs_up_on_the_llm(how):
    with OllamaDouble() as ollama:
        ollama.script.reply = LONG_PLAN
        ollama.script.real_time = True
        ollama.script.tokens_per_s = 10.0  # the whole reply would take several seconds
        link = CoreLink(AgentConfig(backend='ollama', ollama_host=ollama.url,
                                    validate_on_startup=False))
        try:
            mission_id = link.send(LLM_TEXT, planner='llm')
            assert link.wait(lambda: any(s.state.value == 'executing'
                                         for s in link.statuses_for(mission_id)), 20.0)
            assert link.wait(lambda: link.pose is not None and link.pose.x > 0.02, 10.0), \
                'the first step never moved the robot'
            assert not ollama.ended, 'the plan was still streaming'
            if how == 'stop':
                link.send_text('stop')
            elif how == 'mission_cancel':
                link.cancel()
            else:  # preempts the running one
                link.send('turn left 10 degrees')
            final = link.wait(lambda: link.terminal_of(mission_id), 5.0)
            assert final is not None and final.state.value == 'cancelled', final
            if how == 'a new mission':
                assert final.message.startswith('preempted by mission'), final.message
            else:
                assert link.wait(lambda: link.cmds and link.cmds[-1].zero, 2.0)
            # the planning job ends with it: the agent hangs up on the LLM's reply
            assert link.wait(lambda: ollama.ended, 3.0), 'the LLM reply was read on'
            assert [e[:2] for e in ollama.ended] == [('/api/chat', False)], 'read to its end'
        finally:
            link.close()
