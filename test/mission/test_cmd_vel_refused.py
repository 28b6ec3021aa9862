# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The DDS refusing velocity commands (fake time, the go2 bridge model, ground truth).

Fast DDS can refuse a write on a loaded host ("cannot publish data"). The node tells the
core how each period's publish went (``cmd_vel_result``); refusals of a moment are ridden
out, refusals that last while the robot walks fail the mission, and a refused stop is sent
again until one goes out.
"""

import pytest

from shadowhound_llm.common.params import SimConfig
from shadowhound_llm.evaluation.sim_loop import SimLoop, STATIONARY_MPS
from shadowhound_llm.mission.agent import CMD_VEL_REFUSED_S

REFUSAL = 'Failed to publish: cannot publish data'


def until_terminal(loop, mission_id, max_sim_s=60.0):
    end = loop.t + max_sim_s
    while (final := loop.terminal(mission_id)) is None:
        assert loop.t < end, 'the mission did not end'
        loop.step()
    return final


class RefusingLoop(SimLoop):
    """SimLoop whose cmd_vel publish is refused while ``refusing`` is set."""

    def __init__(self, **kwargs):
        self.refusing = False
        self.refused = 0
        super().__init__(**kwargs)

    def _collect(self, out):
        if out is None or not out.cmds:
            super()._collect(out)
            return
        cmds = out.cmds
        if self.refusing:  # none reaches the robot; the core hears why
            self.refused += len(cmds)
            out.cmds = []
        super()._collect(out)
        self._collect(self.core.cmd_vel_result(REFUSAL if self.refusing else None, self.t))


def walking_loop():
    loop = RefusingLoop(sim=SimConfig(bridge_model='go2'), stop_mode='go2')
    loop.settle(0.5)
    mission_id = loop.send('move forward 4 meters')
    for _ in range(int(2.5 / loop.dt)):
        loop.step()
    assert loop.sim.velocity.linear == pytest.approx(0.3, abs=0.01)
    return loop, mission_id


def test_refusals_of_a_moment_do_not_end_the_walk():
    loop, mission_id = walking_loop()
    for _ in range(2):  # two moments: an accepted command between them starts the count anew
        loop.refusing = True
        for _ in range(3):  # 0.15 s at 20 Hz, under CMD_VEL_REFUSED_S
            loop.step()
        loop.refusing = False
        for _ in range(2):
            loop.step()
    final = until_terminal(loop, mission_id)
    assert loop.refused == 6
    assert final.state == 'succeeded', final.message


def test_refusals_that_last_fail_the_walk_and_the_stop_goes_out_once_accepted():
    loop, mission_id = walking_loop()
    loop.refusing = True
    t0 = loop.t
    final = until_terminal(loop, mission_id, max_sim_s=1.0)
    assert final.state == 'failed' and final.reason == 'cmd_vel_refused', final
    assert 'cmd_vel' in final.message and REFUSAL in final.message, final.message
    assert CMD_VEL_REFUSED_S <= loop.t - t0 <= CMD_VEL_REFUSED_S + 2 * loop.dt
    # While refused, the stop is tried again every control period.
    before = loop.refused
    for _ in range(10):
        loop.step()
    assert loop.refused >= before + 10
    # Once accepted, it goes out and the robot comes to rest; then the agent falls silent.
    loop.refusing = False
    accepted = len(loop.cmds)
    loop.settle(2.0)
    assert loop.cmds[accepted:] and all(c.is_zero() or abs(c.linear) < 0.01
                                        for _, c in loop.cmds[accepted:])
    assert abs(loop.sim.velocity.linear) < STATIONARY_MPS
    assert not loop.core.stopping
    # The next mission works.
    assert loop.run('turn left 10 degrees').state == 'succeeded'


def test_a_refusal_with_no_mission_ends_nothing_and_the_stop_is_sent_again():
    loop = RefusingLoop()
    loop.settle(0.5)
    loop.refusing = True
    loop._collect(loop.core.cancel(loop.t))  # a stop, refused
    statuses = len(loop.statuses)
    for _ in range(5):
        loop.step()
    assert loop.refused >= 5 and len(loop.statuses) == statuses
    loop.refusing = False
    loop.step()
    assert loop.cmds and loop.cmds[-1][1].is_zero()
    loop.settle(0.5)
    assert not loop.core.stopping
