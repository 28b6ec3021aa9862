# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Control that holds on the go2 bridge: late, slow, gappy odometry (fake time, ground truth).

The test plan's motion missions must end within 5 cm and 3 degrees of the goal with the
odometry 0.3 s or 1.0 s late at 10 Hz; a robot that does not move must still be reported
stalled; and a late message is not a lost one.
"""

import math

import pytest

from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import SimConfig
from shadowhound_llm.evaluation.robot_test_cases import judge_pose, PHASE3_MISSIONS
from shadowhound_llm.evaluation.sim_loop import SimLoop
from shadowhound_llm.motion.control import Twist2D
from shadowhound_llm.motion.pose_estimator import PoseEstimator
from shadowhound_llm.motion.sim_model import SimLimits

MOTION = [m for m in PHASE3_MISSIONS if m.moves]


@pytest.mark.parametrize('latency', [0.3, 1.0])
def test_test_plan_missions_end_on_target_with_late_odometry(latency):
    loop = SimLoop(sim=SimConfig(odom_latency_s=latency), stop_mode='go2')
    loop.settle(0.5)
    for spec in MOTION:
        start = loop.sim.pose
        final = loop.run(spec.text)
        loop.settle(2.0)
        assert final.state == 'succeeded', (spec.text, final.message)
        judged = judge_pose(spec, start, loop.sim.pose, Pose2D())
        assert judged.passed, (spec.text, judged.summary())
        if judged.position_error_m is not None:
            assert judged.position_error_m <= 0.05, (spec.text, judged.summary())
        if judged.yaw_error_deg is not None:
            assert judged.yaw_error_deg <= 3.0, (spec.text, judged.summary())
    measured = loop.core.estimator.measured_latency_s
    assert measured == pytest.approx(latency, abs=0.1)


def test_without_dead_reckoning_the_same_mission_overshoots():
    """What the estimator fixes: steering on the 1 s old pose walks past the goal."""
    loop = SimLoop(sim=SimConfig(odom_latency_s=1.0), stop_mode='go2')
    loop.core.estimator.estimate = lambda now: None  # the raw odometry pose
    loop.run('move forward 1 meter')
    loop.settle(2.0)
    assert loop.sim.pose.x - 1.0 > 0.1


def test_a_real_stall_is_still_detected_with_late_odometry():
    loop = SimLoop(sim=SimConfig(odom_latency_s=1.0), stop_mode='go2')
    loop.sim.limits = SimLimits(max_linear=0.0, max_lateral=0.0, max_angular=0.0)
    final = loop.run('move forward 1 meter', max_sim_s=20.0)
    assert final.state == 'failed' and 'no progress' in final.message
    assert loop.core.estimator.measured_latency_s is None  # no motion: nothing to measure


def test_late_odometry_is_not_lost_odometry():
    """2.5 s late at 5 Hz with 0.2 s gaps: every message is late, none is missing."""
    sim = SimConfig(odom_latency_s=2.5, odom_rate_hz=5.0, odom_gap_s=0.2)
    loop = SimLoop(sim=sim, stop_mode='go2', odom_latency_s=2.5)
    final = loop.run('move forward 1 meter')
    loop.settle(3.0)
    assert final.state == 'succeeded', final.message
    assert abs(loop.sim.pose.x - 1.0) <= 0.05


def test_estimator_dead_reckons_across_the_delay_and_measures_it():
    """A robot at rest for 1 s, then told 0.2 m/s; its odometry is 0.5 s late at 10 Hz."""
    est = PoseEstimator(latency_s=0.0)

    def true_x(t):
        return 0.2 * max(0.0, t - 1.0)

    for i in range(0, 11):
        est.odom(Pose2D(), i * 0.1)
    est.command(Twist2D(0.2, 0.0), 1.0)
    t = 1.0
    for i in range(11, 61):  # until t = 6 s
        t = i * 0.1
        est.odom(Pose2D(true_x(t - 0.5), 0.0, 0.0), t)
    assert est.measured_latency_s == pytest.approx(0.5, abs=0.06)
    assert est.estimate(t).x == pytest.approx(true_x(t), abs=0.03)
    assert math.isclose(est.estimate(t).y, 0.0, abs_tol=1e-9)
    # Without the measurement (a robot at rest), the configured delay is used.
    assert PoseEstimator(latency_s=0.7).latency_s == 0.7


def test_a_robot_slower_than_commanded_is_not_declared_arrived_early():
    """Dead reckoning trusts commands only across the delay: a slow robot still gets there."""
    sim = SimConfig(odom_latency_s=0.3, max_linear_speed=0.15)
    loop = SimLoop(sim=sim, stop_mode='go2')
    final = loop.run('move forward 1 meter')
    loop.settle(2.0)
    assert final.state == 'succeeded', final.message
    assert abs(loop.sim.pose.x - 1.0) <= 0.08
    assert loop.core.estimator.latency_s <= 0.45  # not mistaken for a longer delay


def test_a_much_longer_delay_found_while_walking_fails_safely_naming_it():
    """2.5 s late (firmware report) while the agent assumes 0.3 s.

    The first walk stops with a reason that names the delay; the next mission uses the
    measured delay and ends on target.
    """
    loop = SimLoop(sim=SimConfig(odom_latency_s=2.5, odom_rate_hz=5.0), stop_mode='go2')
    loop.settle(3.0)
    final = loop.run('move forward 1 meter')
    assert final.state == 'failed'
    assert '2.5 s late' in final.message and 'odom_latency_s' in final.message
    assert final.reason == 'odom_delay'
    loop.settle(3.0)
    assert loop.sim.velocity.linear == 0.0
    start = loop.sim.pose
    final = loop.run('move forward 1 meter')
    loop.settle(4.0)
    assert final.state == 'succeeded', final.message
    assert abs(loop.sim.pose.x - start.x - 1.0) <= 0.05
    assert loop.core.estimator.measured_latency_s == pytest.approx(2.5, abs=0.1)


def test_an_odometry_delay_set_live_is_the_one_assumed_from_the_first_step():
    """As the odom_delay message advises: set odom_latency_s on the running agent."""
    loop = SimLoop(sim=SimConfig(odom_latency_s=2.5, odom_rate_hz=5.0), stop_mode='go2')
    loop._collect(loop.core.reconfigure(loop.core.config.replaced(odom_latency_s=2.5)))
    loop.settle(3.0)
    final = loop.run('move forward 1 meter')
    loop.settle(4.0)
    assert final.state == 'succeeded', final.message  # not refused as a surprise delay
    assert abs(loop.sim.pose.x - 1.0) <= 0.05
