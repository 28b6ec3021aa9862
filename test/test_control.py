# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Geometry, controllers and the governor, closed-loop on the kinematic model (no ROS)."""

import math

import pytest

from shadowhound_llm.control import (
    ControlLimits,
    GotoController,
    Governor,
    MoveController,
    RotateController,
    Twist2D,
)
from shadowhound_llm.geometry import Pose2D, quaternion_from_yaw, wrap_angle, yaw_from_quaternion
from shadowhound_llm.sim_model import SimLimits, UnicycleSim

LIM = ControlLimits()
DT = 0.05


def drive(controller, sim, seconds=30.0):
    """Close the loop at 20 Hz on the model; return the peak |linear|, |angular| commanded."""
    t, peak_v, peak_w, prev = 0.0, 0.0, 0.0, Twist2D()
    max_dv = 0.0
    while not controller.done and t < seconds:
        cmd = controller.update(sim.pose, DT)
        max_dv = max(max_dv, abs(cmd.linear) - abs(prev.linear))
        prev = cmd
        peak_v, peak_w = max(peak_v, abs(cmd.linear)), max(peak_w, abs(cmd.angular))
        sim.command(cmd, t)
        for _ in range(5):
            t += DT / 5
            sim.step(DT / 5, t)
    for _ in range(50):  # coast to rest
        t += 0.02
        sim.step(0.02, t)
    assert controller.done, 'controller did not finish'
    return peak_v, peak_w, max_dv


@pytest.mark.parametrize('angle, expected', [
    (0.0, 0.0), (math.pi, math.pi), (-math.pi, math.pi), (3 * math.pi, math.pi),
    (math.radians(260), math.radians(-100)), (math.radians(-190), math.radians(170)),
])
def test_wrap_angle_to_half_open_interval(angle, expected):
    assert wrap_angle(angle) == pytest.approx(expected)
    assert -math.pi < wrap_angle(angle) <= math.pi


def test_quaternion_round_trip():
    for yaw in (-3.0, -1.0, 0.0, 0.5, 3.1):
        assert yaw_from_quaternion(*quaternion_from_yaw(yaw)) == pytest.approx(yaw)


def test_move_forward_one_metre_within_tolerance_and_speed_limits():
    sim = UnicycleSim(SimLimits())
    peak_v, _, max_dv = drive(MoveController(LIM, sim.pose, 1.0), sim)
    assert sim.pose.x == pytest.approx(1.0, abs=0.05)
    assert abs(sim.pose.y) < 0.01
    assert peak_v <= LIM.cruise_linear + 1e-9
    assert max_dv <= LIM.linear_accel * DT + 1e-9, 'speed must ramp, not jump'


def test_move_backward_from_rotated_start():
    sim = UnicycleSim(SimLimits(), Pose2D(1.0, 1.0, math.pi / 2))
    drive(MoveController(LIM, sim.pose, -0.5), sim)
    assert sim.pose.x == pytest.approx(1.0, abs=0.02)
    assert sim.pose.y == pytest.approx(0.5, abs=0.05)


def test_rotate_left_across_the_pi_boundary():
    # Turning left 90 deg from yaw 170 deg ends at -100 deg.
    sim = UnicycleSim(SimLimits(), Pose2D(0.0, 0.0, math.radians(170)))
    _, peak_w, _ = drive(RotateController(LIM, sim.pose, math.radians(90)), sim)
    assert math.degrees(sim.pose.yaw) == pytest.approx(-100.0, abs=3.0)
    assert peak_w <= LIM.cruise_angular + 1e-9


def test_full_turn_is_a_full_turn():
    sim = UnicycleSim(SimLimits())
    controller = RotateController(LIM, sim.pose, math.radians(360))
    t = 0.0
    turned_past_half = False
    while not controller.done and t < 30:
        cmd = controller.update(sim.pose, DT)
        sim.command(cmd, t)
        for _ in range(5):
            t += DT / 5
            sim.step(DT / 5, t)
        turned_past_half |= abs(sim.pose.yaw) > 3.0
    assert turned_past_half, 'a 360 deg turn must not finish at once'
    assert abs(math.degrees(sim.pose.yaw)) < 3.0


def test_goto_point_behind_the_robot():
    sim = UnicycleSim(SimLimits(), Pose2D(1.0, 0.0, math.pi / 2))
    drive(GotoController(LIM, sim.pose, -1.0, -1.0), sim)
    assert sim.pose.distance_to(-1.0, -1.0) < 0.05


def test_governor_clamps_and_counts():
    gov = Governor(0.5, 1.0)
    assert gov.apply(Twist2D(0.2, -0.3)) == Twist2D(0.2, -0.3)
    assert gov.clamp_count == 0
    assert gov.apply(Twist2D(3.0, -9.0)) == Twist2D(0.5, -1.0)
    assert gov.apply(Twist2D(math.nan, 0.1)) == Twist2D(0.0, 0.0)
    assert gov.clamp_count == 2


def test_sim_stops_by_itself_when_cmd_vel_goes_quiet():
    sim = UnicycleSim(SimLimits(cmd_timeout_s=0.5))
    t = 0.0
    sim.command(Twist2D(0.5, 0.0), t)
    while t < 0.4:
        t += 0.02
        sim.step(0.02, t)
    assert sim.velocity.linear > 0.3
    while t < 2.0:
        t += 0.02
        sim.step(0.02, t)
    assert sim.velocity.linear == 0.0
    stopped_at = sim.pose.x
    t += 1.0
    sim.step(1.0, t)
    assert sim.pose.x == stopped_at


def test_sim_respects_go2_limits():
    sim = UnicycleSim(SimLimits(max_linear=1.5, linear_accel=1.0))
    sim.command(Twist2D(10.0, 0.0), 0.0)
    sim.step(0.1, 0.1)
    assert sim.velocity.linear == pytest.approx(0.1)
    for i in range(40):
        sim.command(Twist2D(10.0, 0.0), 0.1 * i)
        sim.step(0.1, 0.1 * (i + 1))
    assert sim.velocity.linear == pytest.approx(1.5)
