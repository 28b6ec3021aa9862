# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The Bridge diagnostic's decisions and go2_states gating (plain Python, fake time)."""

from shadowhound_llm.common.contract import Severity
from shadowhound_llm.common.params import SimConfig
from shadowhound_llm.evaluation.sim_loop import SimLoop
from shadowhound_llm.mission.bridge_check import (
    bridge_task,
    BridgeFacts,
    go2_mode_problem,
    OdomStats,
    STAMPED_TYPE,
    TWIST_TYPE,
)

HEALTHY = {'cmd_vel_subscriber_types': [TWIST_TYPE], 'odom_rate_hz': 10.0,
           'odom_max_gap_s': 0.3}


def test_healthy_bridge_is_ok():
    status = bridge_task(BridgeFacts(**HEALTHY))
    assert status.level == Severity.OK and '10 Hz' in status.message


def test_stamped_mux_is_a_warning_that_names_the_fix():
    status = bridge_task(BridgeFacts(**{**HEALTHY, 'cmd_vel_subscriber_types': [STAMPED_TYPE]}))
    assert status.level == Severity.WARN and 'use_stamped: false' in status.message


def test_nothing_on_cmd_vel_is_an_error_and_a_shared_cmd_vel_a_warning():
    assert bridge_task(BridgeFacts(odom_rate_hz=10.0)).level == Severity.ERROR
    shared = bridge_task(BridgeFacts(**HEALTHY, other_cmd_vel_publishers=['teleop_twist_joy']))
    assert shared.level == Severity.WARN and 'cmd_vel_joy' in shared.message


def test_slow_gappy_late_odometry_is_named():
    facts = BridgeFacts(cmd_vel_subscriber_types=[TWIST_TYPE], odom_rate_hz=4.0,
                        odom_max_gap_s=0.8, odom_delay_s=2.5, odom_timeout_s=0.5)
    status = bridge_task(facts)
    assert status.level == Severity.WARN
    assert '4.0 Hz' in status.message and 'odom_timeout_s' in status.message
    assert '2.5 s late' in status.message


def test_odom_stats_rate_and_gap():
    stats = OdomStats()
    for i in range(20):
        stats.add(i * 0.1 + (0.3 if i >= 10 else 0.0))
    assert abs(stats.rate_hz(2.2) - 19 / 2.2) < 0.01
    assert abs(stats.max_gap_s() - 0.4) < 1e-9


def test_go2_modes_that_walk():
    assert not go2_mode_problem(None) and not go2_mode_problem(1) and not go2_mode_problem(3)
    assert 'lie down' in go2_mode_problem(5) and 'never stands the robot up' in \
        go2_mode_problem(5)


def test_motion_is_refused_while_the_go2_lies_down_and_works_once_it_stands():
    loop = SimLoop(sim=SimConfig(bridge_model='go2'), stop_mode='go2')
    loop._collect(loop.core.go2_state(5, loop.t))
    refused = loop.run('move forward 1 meter')
    assert refused.state == 'rejected' and 'mode 5 (lie down)' in refused.message
    assert refused.reason == 'robot_mode'
    assert all(abs(c.linear) <= 0.005 for _, c in loop.cmds)
    assert loop.run('wait 1 second').state == 'succeeded'  # no motion: not refused
    loop._collect(loop.core.go2_state(1, loop.t))
    assert loop.run('move forward 0.5 meters').state == 'succeeded'


def test_a_go2_that_sits_down_mid_walk_ends_the_mission_and_is_stopped():
    loop = SimLoop(sim=SimConfig(bridge_model='go2'), stop_mode='go2')
    loop._collect(loop.core.go2_state(3, loop.t))
    mission_id = loop.send('move forward 3 meters')
    loop.settle(2.0)
    loop._collect(loop.core.go2_state(7, loop.t))
    final = loop.terminal(mission_id)
    assert final is not None and final.state == 'failed' and 'damping' in final.message
    assert final.reason == 'robot_mode'
    loop.settle(1.5)
    assert loop.sim.velocity.linear == 0.0
