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
    drive_pose,
    DriveController,
    GotoController,
    Governor,
    MoveController,
    RotateController,
    target_in_odom,
    Twist2D,
    ZERO,
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


# ---- exact edges of the governor and controllers: each test kills mutants (mutation.sh)
def test_the_governor_passes_a_command_inside_the_limits_unchanged():
    governor = Governor(0.5, 1.0)
    for cmd in (Twist2D(0.5, 1.0), Twist2D(-0.5, -1.0), Twist2D(0.3, 0.2, 0.4), ZERO):
        assert governor.apply(cmd) == cmd
    assert governor.clamp_count == 0


def fast_limits(**kw):
    """Accelerations so high that ramping never limits: commands equal the profile."""
    from shadowhound_llm.motion.control import ControlLimits
    return ControlLimits(linear_accel=1000.0, angular_accel=1000.0, **kw)


def test_control_limits_come_from_every_parameter():
    from dataclasses import replace
    import math

    from shadowhound_llm.common.params import AgentConfig
    from shadowhound_llm.motion.control import ControlLimits
    cfg = replace(AgentConfig(), cruise_linear_speed=0.2, cruise_angular_speed=0.4,
                  max_linear_speed=0.6, max_angular_speed=0.9, linear_accel=0.7,
                  angular_accel=1.1, position_tolerance_m=0.03, yaw_tolerance_deg=5.0)
    assert ControlLimits.from_config(cfg) == ControlLimits(
        cruise_linear=0.2, cruise_angular=0.4, max_linear=0.6, max_angular=0.9,
        linear_accel=0.7, angular_accel=1.1, position_tol=0.03, yaw_tol=math.radians(5.0))
    capped = ControlLimits.from_config(replace(cfg, cruise_angular_speed=2.0))
    assert capped.cruise_angular == 0.9


def test_profile_speed_decelerates_as_sqrt_2ad():
    import math

    from shadowhound_llm.motion.control import profile_speed
    assert profile_speed(0.01, 1.0, 0.5, 0.0) == pytest.approx(math.sqrt(2 * 0.5 * 0.01))
    assert profile_speed(-0.01, 1.0, 0.5, 0.0) == pytest.approx(-math.sqrt(0.01))


def test_ramping_steps_by_acceleration_times_dt_on_every_axis():
    from shadowhound_llm.motion.control import ControlLimits, DriveController
    lim = ControlLimits(linear_accel=0.5, angular_accel=2.0, max_angular=1.0)
    drive = DriveController(lim, 0.3, 0.2, 0.8, seconds=5.0)
    first = drive.update(None, 0.1, now=0.0)
    assert (first.linear, first.angular, first.lateral) == pytest.approx((0.05, 0.2, 0.05))


def test_controllers_start_with_what_is_left():
    import math

    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.motion.control import (
        DriveController,
        FaceController,
        GotoController,
        MoveController,
        RotateController,
    )
    lim = fast_limits()
    assert MoveController(lim, Pose2D(), -1.5).remaining == 1.5
    assert RotateController(lim, Pose2D(), -2.0).remaining == 2.0
    assert GotoController(lim, Pose2D(1.0, 1.0), 4.0, 5.0).remaining == 5.0
    assert DriveController(lim, 0.1, 0.0, 0.0, 3.0).remaining == 3.0
    face = FaceController(lim, Pose2D(0.0, 0.0, 1.0), 1.5)
    assert face.remaining == pytest.approx(0.5) and face.angle == pytest.approx(0.5)
    for c in (MoveController(lim, Pose2D(), 1.0), GotoController(lim, Pose2D(), 1.0, 0.0)):
        assert c.done is False
    assert math.isinf(DriveController.__mro__[1](lim).remaining)


def test_move_steers_back_to_its_heading_and_stops_at_the_tolerance_edge():
    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.motion.control import MoveController
    lim = fast_limits(position_tol=0.05)
    move = MoveController(lim, Pose2D(), 1.0)
    cmd = move.update(Pose2D(0.0, 0.0, 0.1), 0.05)
    assert cmd.linear == pytest.approx(0.3) and cmd.angular == pytest.approx(-0.2)
    edge = MoveController(lim, Pose2D(), 0.4 * lim.position_tol)  # exactly 0.4 tol left
    assert edge.update(Pose2D(), 0.05).is_zero() and edge.done


def test_rotate_stops_at_the_tolerance_edge():
    import math

    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.motion.control import RotateController
    lim = fast_limits(yaw_tol=math.radians(5.0))
    edge = RotateController(lim, Pose2D(), 0.4 * math.radians(5.0))
    assert edge.update(Pose2D(), 0.05).is_zero() and edge.done


def test_goto_commands_in_each_regime():
    import math

    from shadowhound_llm.common.geometry import Pose2D, wrap_angle
    from shadowhound_llm.motion.control import GotoController
    lim = fast_limits(position_tol=0.05)
    # far, roughly on heading: cruise and a steering term
    goto = GotoController(lim, Pose2D(), 2.0, 0.2)
    cmd = goto.update(Pose2D(), 0.05)
    error = math.atan2(0.2, 2.0)
    assert cmd.linear == pytest.approx(0.3) and cmd.angular == pytest.approx(2.0 * error)
    assert goto.remaining == pytest.approx(math.hypot(2.0, 0.2) + 0.5 * error)
    # far and behind: turn in place first (just above 25 deg: turn; at it: drive)
    goto = GotoController(lim, Pose2D(), -1.0, 0.0)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.linear == 0.0 and cmd.angular == pytest.approx(0.6)
    at = math.radians(25.0)
    goto = GotoController(lim, Pose2D(), math.cos(at), math.sin(at))
    goto.turn_in_place_above = wrap_angle(Pose2D().bearing_to(math.cos(at), math.sin(at))
                                          - Pose2D().yaw)  # exactly the error it computes
    assert goto.update(Pose2D(), 0.05).linear > 0.0, 'exactly the threshold: drive, not turn'
    # near (under 3 tolerances): straight in, no steering, remaining is the distance
    goto = GotoController(lim, Pose2D(), 0.1, 0.0)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.angular == 0.0 and cmd.linear == pytest.approx(min(0.3, math.sqrt(200.0)))
    assert goto.remaining == pytest.approx(0.1)
    d = 3.0 * 0.05  # exactly 3 tolerances: not near, so heading error counts as progress
    goto = GotoController(lim, Pose2D(), d, 0.0)
    goto.update(Pose2D(0.0, 0.0, 0.2), 0.05)
    assert goto.remaining == pytest.approx(d + 0.5 * 0.2)
    # passed it, beside it by more than the tolerance: face it
    goto = GotoController(lim, Pose2D(), 0.0, 0.07)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.linear == 0.0 and cmd.angular == pytest.approx(0.6) and not goto.done
    # within the tolerance but not along-track: done, and a zero command
    goto = GotoController(lim, Pose2D(), 0.0, 0.05)
    assert goto.update(Pose2D(), 0.05).is_zero() and goto.done is True
    # exactly 0.4 tolerances away: done, with that distance left
    goto = GotoController(lim, Pose2D(), 0.4 * lim.position_tol, 0.0)
    assert goto.update(Pose2D(), 0.05).is_zero() and goto.done
    assert goto.remaining == 0.4 * lim.position_tol
    # near and off heading: the heading error is not counted as distance left
    goto = GotoController(lim, Pose2D(), 0.1, 0.01)
    goto.update(Pose2D(), 0.05)
    assert goto.remaining == pytest.approx(math.hypot(0.1, 0.01))
    # near, along-track 0.4 tolerances (not less): drive, do not turn
    goto = GotoController(lim, Pose2D(), 0.02, 0.03)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.linear > 0.0 and not goto.done


def test_goto_backs_up_to_a_point_just_passed():
    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.motion.control import GotoController
    goto = GotoController(fast_limits(position_tol=0.05), Pose2D(), -0.1, 0.0)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.linear < 0.0 and cmd.angular == 0.0


def test_drive_ends_exactly_on_time_and_needs_the_clock():
    from shadowhound_llm.motion.control import DriveController
    drive = DriveController(fast_limits(), 0.2, 0.0, 0.0, seconds=1.0)
    assert not drive.update(None, 0.05, now=10.0).is_zero()
    assert drive.update(None, 0.05, now=11.0).is_zero() and drive.done
    assert drive.remaining == 0.0
    with pytest.raises(ValueError, match=r'^DriveController needs the control clock \(now\)$'):
        DriveController(fast_limits(), 0.2, 0.0, 0.0, 1.0).update(None, 0.05)


def test_a_pure_turn_drive_is_not_scaled():
    from shadowhound_llm.motion.control import DriveController
    drive = DriveController(fast_limits(), 0.0, 0.0, 0.5, seconds=1.0)
    assert drive.update(None, 0.05, now=0.0) == Twist2D(0.0, 0.5, 0.0)


def test_the_governor_lets_the_exact_limit_through_and_counts_each_clamp():
    governor = Governor(0.5, 1.0)
    assert governor.apply(Twist2D(0.3, 0.0, 0.4)) == Twist2D(0.3, 0.0, 0.4)  # |v| = 0.5
    assert governor.clamp_count == 0
    governor.apply(Twist2D(0.6, 0.0))
    governor.apply(Twist2D(0.6, 0.0))
    governor.apply(Twist2D(0.0, 2.0))
    assert governor.clamp_count == 3


def _integrated(start, linear, lateral, angular, seconds, steps=20_000):
    """The constant-velocity model integrated step by step (midpoint heading)."""
    x, y, yaw, dt = start.x, start.y, start.yaw, seconds / steps
    for _ in range(steps):
        mid = yaw + angular * dt / 2
        x += (linear * math.cos(mid) - lateral * math.sin(mid)) * dt
        y += (linear * math.sin(mid) + lateral * math.cos(mid)) * dt
        yaw += angular * dt
    return x, y


@pytest.mark.parametrize('linear, lateral, angular, seconds', [
    (0.5, 0.0, 0.25, 2.0),        # an arc
    (0.3, 0.1, 0.0, 4.0),         # a diagonal line
    (0.1, 0.0, 3e-6, 3600.0),     # an hour's gentle arc: 0.6 deg of turn over 360 m
    (0.2, -0.1, -2e-7, 1800.0),   # sideways too, turning right
])
def test_drive_pose_is_where_the_constant_velocity_model_ends(linear, lateral, angular,
                                                                seconds):
    start = Pose2D(1.0, -2.0, 0.7)
    end = drive_pose(start, linear, lateral, angular, seconds)
    assert (end.x, end.y) == pytest.approx(_integrated(start, linear, lateral, angular,
                                                        seconds), abs=1e-3)
    assert end.yaw == pytest.approx(wrap_angle(start.yaw + angular * seconds))
