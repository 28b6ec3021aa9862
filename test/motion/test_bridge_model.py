# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The simulator's go2 bridge model: what the driver forwards, the hold, late gappy odometry."""

import pytest

from shadowhound_llm.common.params import SimConfig
from shadowhound_llm.motion.bridge_model import (
    BridgeTiming,
    driver_move,
    Go2BridgeSim,
    make_sim,
)
from shadowhound_llm.motion.control import Twist2D
from shadowhound_llm.motion.sim_model import SimLimits, UnicycleSim
from shadowhound_llm.motion.stop import GO2_STOP_TWIST


def run(sim, seconds, t0=0.0, dt=0.01):
    t = t0
    for _ in range(int(round(seconds / dt))):
        t += dt
        sim.step(dt, t)
    return t


def test_driver_drops_zero_rounds_to_centi_and_a_tiny_twist_is_a_stop():
    assert driver_move(Twist2D()) is None
    assert driver_move(Twist2D(0.123, -0.456, 0.0049)) == Twist2D(0.12, -0.46, 0.0)
    assert driver_move(GO2_STOP_TWIST) == Twist2D(0.0, 0.0, 0.0)
    assert driver_move(Twist2D(float('nan'), 0.0)) is None


def test_default_sim_is_the_go2_bridge_and_ideal_is_still_there():
    assert isinstance(make_sim(SimConfig()), Go2BridgeSim)
    assert isinstance(make_sim(SimConfig(bridge_model='ideal')), UnicycleSim)
    assert SimConfig(bridge_model='go2x').problems()


def test_a_zero_twist_does_not_stop_the_go2_it_walks_on_for_the_hold():
    sim = Go2BridgeSim(SimLimits(), BridgeTiming(command_hold_s=1.0))
    t = 0.0
    for _ in range(100):  # 1 s at 0.3 m/s, commands at 100 Hz
        sim.command(Twist2D(0.3, 0.0), t)
        t = run(sim, 0.01, t)
    x_at_zero = sim.pose.x
    sim.command(Twist2D(), t)  # dropped by the driver
    t = run(sim, 0.9, t)
    assert sim.velocity.linear == pytest.approx(0.3)
    run(sim, 1.0, t)
    assert sim.velocity.linear == 0.0
    assert sim.pose.x - x_at_zero > 0.25


def test_a_twist_that_rounds_to_zero_stops_the_go2_at_once():
    sim = Go2BridgeSim(SimLimits(), BridgeTiming())
    t = 0.0
    for _ in range(100):
        sim.command(Twist2D(0.3, 0.0), t)
        t = run(sim, 0.01, t)
    x = sim.pose.x
    sim.command(GO2_STOP_TWIST, t)
    run(sim, 0.3, t)
    assert sim.velocity.linear == 0.0
    assert sim.pose.x - x < 0.06


def test_odometry_is_late_at_its_rate_pose_only_with_gaps():
    sim = Go2BridgeSim(SimLimits(), BridgeTiming(odom_rate_hz=10.0, odom_latency_s=0.3,
                                                 odom_gap_s=0.2))
    t, arrivals, truth = 0.0, [], {}
    for i in range(2000):  # 20 s
        sim.command(Twist2D(0.5, 0.0), t)
        t += 0.01
        sim.step(0.01, t)
        truth[i + 1] = sim.pose.x
        for pose in sim.poll_odom(t):
            arrivals.append((i + 1, t, pose))
    assert 150 <= len(arrivals) <= 195  # 10 Hz less the gaps
    gaps = [b[1] - a[1] for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert max(gaps) >= 0.25  # a 0.2 s gap on top of the 0.1 s period
    # Each pose received is where the robot was 0.3 s (30 steps) earlier.
    for step, _, pose in arrivals[20:]:
        assert pose.x == pytest.approx(truth[step - 30], abs=0.006)
        assert truth[step] - pose.x == pytest.approx(0.15, abs=0.006)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_odometry_gaps_never_merge_into_a_longer_silence(seed):
    """Gaps of 0.2 s at 10 Hz: never more than 0.3 s between two messages, however long.

    Two gaps back to back made 0.5-0.9 s silences: odometry lost for the agent.
    """
    sim = make_sim(SimConfig(), seed=seed)
    period = 1.0 / SimConfig.odom_rate_hz
    t, last, silences = 0.0, None, []
    for _ in range(100_000):  # 2000 s at the node's 50 Hz
        t += 0.02
        sim.step(0.02, t)
        if sim.poll_odom(t):
            if last is not None:
                silences.append(t - last)
            last = t
    assert max(silences) <= period + SimConfig.odom_gap_s + 0.02 + 1e-9, max(silences)
    assert sum(s > 1.5 * period for s in silences) > 500, 'the gaps are still there'
