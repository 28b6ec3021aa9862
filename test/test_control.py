# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Geometry, controllers and the governor, closed-loop on the kinematic model (no ROS)."""

from dataclasses import replace
import math

import pytest

from shadowhound_llm.common.geometry import (
    Pose2D,
    quaternion_from_yaw,
    wrap_angle,
    yaw_from_quaternion,
)
from shadowhound_llm.motion.control import (
    ControlLimits,
    DriveController,
    GotoController,
    Governor,
    MoveController,
    RotateController,
    target_in_odom,
    Twist2D,
)
from shadowhound_llm.motion.sim_model import SimLimits, UnicycleSim

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


def run_timed(controller, sim, seconds=30.0):
    """Like drive(), but passes the clock (a DriveController needs it); returns the commands."""
    t, cmds = 0.0, []
    while not controller.done and t < seconds:
        cmd = controller.update(sim.pose, DT, t)
        cmds.append(cmd)
        sim.command(cmd, t)
        for _ in range(5):
            t += DT / 5
            sim.step(DT / 5, t)
    for _ in range(50):
        t += 0.02
        sim.step(0.02, t)
    return cmds


@pytest.mark.parametrize('distance, end', [(1.2, (-1.2, 0.0)), (-0.7, (0.7, 0.0))])
def test_sideways_move_walks_along_the_body_y_axis_holding_heading(distance, end):
    # Facing +y: left (+) is -x in odom, right (-) is +x.
    sim = UnicycleSim(SimLimits(), Pose2D(0.0, 0.0, math.pi / 2))
    controller = MoveController(LIM, sim.pose, distance, sideways=True)
    cmds = run_timed(controller, sim)
    assert controller.done
    assert (sim.pose.x, sim.pose.y) == pytest.approx(end, abs=0.05)
    assert math.degrees(sim.pose.yaw) == pytest.approx(90.0, abs=1.0)
    assert all(c.linear == 0.0 for c in cmds), 'a sideways step uses linear.y only'
    assert max(abs(c.lateral) for c in cmds) == pytest.approx(LIM.cruise_linear)
    steps = [abs(b.lateral) - abs(a.lateral) for a, b in zip(cmds, cmds[1:], strict=False)]
    assert max(steps) <= LIM.linear_accel * DT + 1e-9, 'linear.y must ramp, not jump'


def test_step_speed_replaces_cruise_and_is_capped_by_the_max():
    sim = UnicycleSim(SimLimits())
    cmds = run_timed(MoveController(LIM, sim.pose, 1.0, speed_mps=0.12), sim)
    assert sim.pose.x == pytest.approx(1.0, abs=0.05)
    assert max(c.linear for c in cmds) == pytest.approx(0.12)
    # Faster than cruise, within the max.
    sim = UnicycleSim(SimLimits())
    cmds = run_timed(GotoController(LIM, sim.pose, 2.0, 0.0, speed_mps=0.45), sim)
    assert max(c.linear for c in cmds) == pytest.approx(0.45)
    assert sim.pose.distance_to(2.0, 0.0) < 0.05
    # A rotation at its own rate.
    sim = UnicycleSim(SimLimits())
    cmds = run_timed(RotateController(LIM, sim.pose, math.radians(-90), speed_dps=20.0), sim)
    assert max(abs(c.angular) for c in cmds) == pytest.approx(math.radians(20.0))
    assert math.degrees(sim.pose.yaw) == pytest.approx(-90.0, abs=3.0)
    # Lowering the hard limit while the step runs caps its own speed too.
    controller = MoveController(LIM, Pose2D(), 1.0, speed_mps=0.45)
    controller.limits = replace(LIM, max_linear=0.2)
    assert controller.limits.cruise_linear == 0.2
    controller.limits = LIM
    assert controller.limits.cruise_linear == 0.45, 'the step keeps its own speed'


def test_drive_holds_the_velocity_for_its_seconds_then_stops():
    sim = UnicycleSim(SimLimits())
    controller = DriveController(LIM, 0.3, 0.0, 0.0, 3.0)
    cmds = run_timed(controller, sim)
    assert controller.done and cmds[-1].is_zero()
    moving = [c for c in cmds if not c.is_zero()]
    assert len(moving) == pytest.approx(3.0 / DT, abs=1)
    assert max(c.linear for c in moving) == pytest.approx(0.3)
    # Ramp-up lag (v^2/2a_cmd) and coast (v^2/2a_sim) nearly cancel: ~0.9 m.
    assert sim.pose.x == pytest.approx(0.9, abs=0.06)


def test_drive_arc_ends_near_the_predicted_pose():
    from shadowhound_llm.planning.envelope import drive_pose
    sim = UnicycleSim(SimLimits())
    w = math.radians(30.0)
    run_timed(DriveController(LIM, 0.3, 0.1, w, 4.0), sim)
    predicted = drive_pose(Pose2D(), 0.3, 0.1, w, 4.0)
    assert sim.pose.distance_to(predicted.x, predicted.y) < 0.1
    assert abs(math.degrees(wrap_angle(sim.pose.yaw - predicted.yaw))) < 5.0


def test_drive_is_scaled_into_lowered_limits():
    controller = DriveController(replace(LIM, max_linear=0.2, max_angular=0.3), 0.4, 0.3, 1.0,
                                 5.0)
    cmd = Twist2D()
    for i in range(100):
        cmd = controller.update(Pose2D(), DT, i * DT)
    assert math.hypot(cmd.linear, cmd.lateral) == pytest.approx(0.2)
    assert cmd.linear / cmd.lateral == pytest.approx(0.4 / 0.3), 'direction is kept'
    assert cmd.angular == pytest.approx(0.3)


def test_target_in_odom_composes_the_robot_frame():
    pose = Pose2D(1.0, 2.0, math.pi / 2)
    assert target_in_odom(pose, 2.0, -1.0) == pytest.approx((2.0, 4.0))
    assert target_in_odom(Pose2D(), 2.0, -1.0) == pytest.approx((2.0, -1.0))


def test_governor_holds_the_planar_speed():
    gov = Governor(0.5, 1.0)
    out = gov.apply(Twist2D(0.4, 0.0, 0.4))
    assert math.hypot(out.linear, out.lateral) == pytest.approx(0.5)
    assert out.linear == pytest.approx(out.lateral)
    assert gov.clamp_count == 1
    assert gov.apply(Twist2D(0.0, 0.0, math.inf)) == Twist2D()


def test_sim_walks_sideways_in_the_body_frame_with_its_limits():
    sim = UnicycleSim(SimLimits(max_lateral=0.4, linear_accel=1.0), Pose2D(0, 0, math.pi / 2))
    sim.command(Twist2D(0.0, 0.0, 2.0), 0.0)
    sim.step(0.1, 0.1)
    assert sim.velocity.lateral == pytest.approx(0.1), 'ramped at linear_accel'
    t = 0.1
    while t < 3.0:
        sim.command(Twist2D(0.0, 0.0, 2.0), t)
        t += 0.05
        sim.step(0.05, t)
    assert sim.velocity.lateral == pytest.approx(0.4), 'clamped to max_lateral'
    # Facing +y, walking left is -x in odom; no forward drift, no turn.
    assert sim.pose.x < -0.9 and sim.pose.y == pytest.approx(0.0, abs=1e-9)
    assert sim.pose.yaw == pytest.approx(math.pi / 2)


def test_sim_integrates_lateral_motion_while_turning():
    # Sideways at v while turning at w traces a circle of radius v/w, like forward motion.
    sim = UnicycleSim(SimLimits(linear_accel=100.0, angular_accel=100.0, cmd_timeout_s=100))
    sim.command(Twist2D(0.0, math.pi / 4, 0.5), 0.0)
    t = 0.0
    while t < 2.0 - 1e-9:
        t += 0.001
        sim.step(0.001, t)
    r = 0.5 / (math.pi / 4)
    assert (sim.pose.x, sim.pose.y) == pytest.approx((-r, r), abs=0.01)


def test_sim_ignores_a_non_finite_lateral_command():
    sim = UnicycleSim(SimLimits())
    sim.command(Twist2D(0.3, 0.0, math.nan), 0.0)
    sim.step(0.5, 0.5)
    assert sim.velocity == Twist2D()
