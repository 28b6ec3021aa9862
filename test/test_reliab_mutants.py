# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Tests written to kill mutants of the safety path that survived the rest of the suite.

benchmarks/mutation.sh runs mutmut over plan.py, envelope.py, control.py, the executor's
exits and the agent's publish path; each test here names what it pins down.
"""

import pytest

from shadowhound_llm.control import Governor, Twist2D, ZERO


def test_the_governor_passes_a_command_inside_the_limits_unchanged():
    governor = Governor(0.5, 1.0)
    for cmd in (Twist2D(0.5, 1.0), Twist2D(-0.5, -1.0), Twist2D(0.3, 0.2, 0.4), ZERO):
        assert governor.apply(cmd) == cmd
    assert governor.clamp_count == 0


def _core(**params):
    from dataclasses import replace

    from shadowhound_llm.agent import AgentCore
    from shadowhound_llm.params import AgentConfig
    return AgentCore(replace(AgentConfig(), backend='none', **params))


def test_open_loop_dead_reckons_from_the_last_governed_command():
    import json
    core = _core(allow_open_loop=True)
    try:
        t = 10.0
        out = core.submit(json.dumps({'text': 'move forward 0.3 m', 'id': 'ol'}), t)
        for _ in range(400):
            t += 0.05
            out.merge(core.tick(t))
            if any(s.terminal for s in out.statuses):
                break
        final = [s for s in out.statuses if s.terminal][-1]
        assert final.state.value == 'succeeded', final.message
        assert 0.25 < core._dead_reckoned.x < 0.35
        assert out.cmds[-1].is_zero()
    finally:
        core.close()


@pytest.mark.parametrize('how', ['cancel', 'stop'])
def test_a_mission_waiting_for_odometry_is_cancelled_with_the_reason(how):
    import json
    core = _core(odom_wait_s=5.0)
    try:
        out = core.submit(json.dumps({'text': 'move forward 1 m', 'id': 'w1'}), 1.0)
        assert [s.state.value for s in out.statuses] == ['received', 'planning']
        out = core.cancel(1.5) if how == 'cancel' else core.submit('stop', 1.5)
        waiting = [s for s in out.statuses if s.mission_id == 'w1']
        assert [s.state.value for s in waiting] == ['cancelled']
        assert waiting[0].message.endswith('robot stopped') and (
            'mission_cancel' in waiting[0].message or 'stopped by operator' in
            waiting[0].message)
        assert out.cmds and out.cmds[0].is_zero()
    finally:
        core.close()


def test_a_mission_being_planned_is_cancelled_with_the_reason():
    import json

    from shadowhound_llm.agent import PlanningJob
    from shadowhound_llm.envelope import EnvelopeCursor, Limits
    from shadowhound_llm.geometry import Pose2D
    core = _core()
    try:
        job = PlanningJob('p1', 'plan me', EnvelopeCursor(Limits(), Pose2D(), Pose2D()),
                          lambda event: None)
        core._jobs['p1'] = job  # as _dispatch leaves it while the LLM works
        out = core.cancel(2.0)
        planned = [s for s in out.statuses if s.mission_id == 'p1']
        assert [(s.state.value, s.message) for s in planned] == [
            ('cancelled', 'cancelled on mission_cancel; robot stopped')]
        assert job.cancelled.is_set() and not core._jobs
        assert json.loads(planned[0].to_json())['message']
    finally:
        core.close()
