# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Every envelope limit at its boundary, motion-only plans: just under passes, just over fails.

Each violation must name the step and the parameter an operator would change. The speeds,
sideways moves, timed drives and robot-frame gotos of the plan vocabulary are checked in the
odom frame before any motion.
"""

from dataclasses import replace
import math

import pytest

from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.planning.actions import Drive, Move, parse_plan, PlanError, Rotate, Wait
from shadowhound_llm.planning.envelope import (
    check_plan,
    drive_pose,
    EnvelopeCursor,
    EnvelopeViolation,
    Limits,
)

LIMITS = Limits()
MAX_DPS = math.degrees(AgentConfig.max_angular_speed)  # 57.2958 deg/s


def plan(*actions):
    return parse_plan({'actions': list(actions)})


def passes(*actions, start=None, limits=LIMITS):
    check_plan(plan(*actions), limits, start)


def fails(*actions, start=None, limits=LIMITS):
    with pytest.raises(EnvelopeViolation) as info:
        check_plan(plan(*actions), limits, start)
    return str(info.value)


def move(d, **extra):
    return {'type': 'move', 'distance_m': d, **extra}


def drive(seconds, **velocities):
    return {'type': 'drive', 'seconds': seconds, **velocities}


def test_limits_follow_the_agent_parameters():
    limits = Limits.from_config(replace(AgentConfig(), max_linear_speed=0.4,
                                        max_angular_speed=0.5))
    assert (limits.max_linear_speed, limits.max_angular_speed) == (0.4, 0.5)
    passes(move(1, speed_mps=0.4), limits=limits)
    assert 'max_linear_speed' in fails(move(1, speed_mps=0.41), limits=limits)
    assert 'max_angular_speed' in fails({'type': 'rotate', 'angle_deg': 90, 'speed_dps': 29},
                                        limits=limits)


@pytest.mark.parametrize('direction', ['forward', 'backward', 'left', 'right'])
def test_move_distance_boundary_in_every_direction(direction):
    passes(move(4.99, direction=direction))
    msg = fails(move(5.01, direction=direction))
    assert msg.startswith('step 1 (move)') and '5.01 m exceeds the 5.0 m limit' in msg
    assert 'max_move_distance_m' in msg


def test_negative_move_boundary():
    passes(move(-4.99))
    assert 'max_move_distance_m' in fails(move(-5.01))


def test_geofence_boundary_for_a_goto():
    passes({'type': 'goto', 'x': 0.0, 'y': -9.99})
    msg = fails({'type': 'goto', 'x': 0.0, 'y': -10.01})
    assert 'step 1 (goto)' in msg and 'max_goto_radius_m' in msg and '10.0 m from home' in msg


def test_geofence_boundary_for_a_chain_of_sideways_moves():
    passes(move(4.99, direction='left'), move(4.99, direction='left'))
    msg = fails(move(5.0, direction='left'), move(4.99, direction='left'),
                move(0.02, direction='left'))
    assert msg.startswith('step 3 (move)') and 'max_goto_radius_m' in msg


def test_geofence_boundary_for_a_robot_frame_goto_after_a_turn():
    # Facing +y after the turn: 9.99 m ahead is (0, 9.99) in odom.
    passes({'type': 'rotate', 'angle_deg': 90}, {'type': 'goto', 'x': 9.99, 'y': 0,
                                                  'frame': 'robot'})
    msg = fails({'type': 'rotate', 'angle_deg': 90},
                {'type': 'goto', 'x': 10.01, 'y': 0, 'frame': 'robot'})
    assert 'step 2 (goto)' in msg and 'robot frame' in msg and 'max_goto_radius_m' in msg


def test_rotation_boundary():
    passes({'type': 'rotate', 'angle_deg': -719.9})
    msg = fails({'type': 'rotate', 'angle_deg': 720.1})
    assert 'step 1 (rotate)' in msg and 'max_rotate_deg' in msg


def test_action_count_boundary():
    passes(*[{'type': 'rotate', 'angle_deg': 1}] * 20)
    msg = fails(*[{'type': 'rotate', 'angle_deg': 1}] * 21)
    assert 'more than 20 actions' in msg and 'max_actions' in msg


def back_and_forth(distance, n=8, **extra):
    """Return n moves of `distance`, alternating direction: no geofence issue, only time."""
    return [move(distance if i % 2 == 0 else -distance, **extra) for i in range(n)]


def test_mission_duration_boundary_for_a_move_plan():
    # 8 x 4.49 m at cruise 0.3 m/s = 119.7 s; 8 x 4.51 m = 120.3 s (limit 120 s).
    passes(*back_and_forth(4.49))
    msg = fails(*back_and_forth(4.51))
    assert msg.startswith('step 8 (move)') and 'max_mission_duration_s' in msg
    assert 'about 120 s' in msg


def test_mission_duration_counts_rotations():
    # 720 deg at 0.6 rad/s is 20.9 s: five of them (104.7 s) plus 15 s of wait fit; 16 s not.
    turns = [{'type': 'rotate', 'angle_deg': 720}] * 5
    passes(*turns, {'type': 'wait', 'seconds': 15.0})
    assert 'max_mission_duration_s' in fails(*turns, {'type': 'wait', 'seconds': 16.0})


def test_duration_uses_the_step_own_speed():
    limits = replace(LIMITS, max_mission_duration_s=30.0)
    passes(move(2.9, speed_mps=0.1), limits=limits)  # 29 s
    passes(move(3.1), limits=limits)  # 10.3 s at cruise
    assert 'max_mission_duration_s' in fails(move(3.1, speed_mps=0.1), limits=limits)
    passes({'type': 'goto', 'x': 2.9, 'y': 0, 'speed_mps': 0.1}, limits=limits)
    assert 'max_mission_duration_s' in fails({'type': 'goto', 'x': 3.1, 'y': 0,
                                              'speed_mps': 0.1}, limits=limits)
    passes({'type': 'rotate', 'angle_deg': 290, 'speed_dps': 10}, limits=limits)  # 29 s
    assert 'max_mission_duration_s' in fails({'type': 'rotate', 'angle_deg': 310,
                                              'speed_dps': 10}, limits=limits)


@pytest.mark.parametrize('kind, extra', [
    ('move', {'distance_m': 1.0}), ('goto', {'x': 1.0, 'y': 0.5}),
])
def test_linear_speed_boundary(kind, extra):
    passes({'type': kind, **extra, 'speed_mps': 0.5})
    msg = fails({'type': kind, **extra, 'speed_mps': 0.501})
    assert f'step 1 ({kind})' in msg and 'speed_mps 0.501 m/s exceeds the 0.5 m/s limit' in msg
    assert 'max_linear_speed' in msg


def test_angular_speed_boundary():
    passes({'type': 'rotate', 'angle_deg': 90, 'speed_dps': 57.29})
    msg = fails({'type': 'rotate', 'angle_deg': 90, 'speed_dps': 57.3})
    assert 'step 1 (rotate)' in msg and '57.3 deg/s limit' in msg
    assert 'max_angular_speed 1 rad/s' in msg


def test_speeds_too_slow_to_hold_are_refused():
    passes(move(0.1, speed_mps=0.02))
    assert '0.02 m/s the robot can hold' in fails(move(0.1, speed_mps=0.019))
    passes({'type': 'rotate', 'angle_deg': 10, 'speed_dps': 1.0})
    assert 'deg/s the robot can hold' in fails({'type': 'rotate', 'angle_deg': 10,
                                                'speed_dps': 0.9})


def test_drive_planar_speed_boundary():
    passes(drive(2, linear_mps=0.5))
    passes(drive(2, linear_mps=0.4, lateral_mps=-0.3))  # |(0.4, 0.3)| = 0.5
    msg = fails(drive(2, linear_mps=0.4, lateral_mps=-0.31))
    assert 'step 1 (drive)' in msg and 'max_linear_speed' in msg
    assert 'max_linear_speed' in fails(drive(2, lateral_mps=0.51))
    assert 'max_linear_speed' in fails(drive(2, linear_mps=-0.51))


def test_drive_angular_speed_boundary():
    passes(drive(2, angular_dps=-57.29))
    msg = fails(drive(2, angular_dps=-57.31))
    assert 'step 1 (drive)' in msg and 'angular_dps 57.31 deg/s' in msg
    assert 'max_angular_speed' in msg


def test_drive_duration_boundary():
    passes(drive(119.9, linear_mps=0.01))
    msg = fails(drive(120.1, linear_mps=0.01))
    assert 'step 1 (drive)' in msg and 'max_mission_duration_s' in msg
    # Drive time adds to the rest of the plan.
    assert 'max_mission_duration_s' in fails(move(3.0), drive(111, linear_mps=0.01))
    passes(move(3.0), drive(109, linear_mps=0.01))


def test_drive_displacement_and_turn_are_bounded_like_a_move_and_a_rotation():
    passes(drive(9.98, linear_mps=0.5))  # 4.99 m
    msg = fails(drive(10.02, linear_mps=0.5))
    assert 'drive displacement of 5.01 m' in msg and 'max_move_distance_m' in msg
    passes(drive(14.39, angular_dps=50))  # 719.5 deg
    msg = fails(drive(14.41, angular_dps=50))
    assert 'drive turn' in msg and 'max_rotate_deg' in msg


def circle(radius, speed=0.5):
    """A full circle to the left at `speed`: ends where it started."""
    return drive(2 * math.pi * radius / speed, linear_mps=speed,
                 angular_dps=math.degrees(speed / radius))


def test_drive_arc_that_leaves_the_geofence_is_refused_though_it_ends_at_home():
    # A circle of radius r to the left from home reaches 2r from home, halfway round.
    passes(circle(4.95))
    msg = fails(circle(5.05))
    assert 'step 1 (drive)' in msg and 'max_goto_radius_m' in msg
    assert 'path reaches 10.1 m from home' in msg


def test_drive_path_is_checked_from_where_it_starts():
    # The same 1 m arc, started 9 m out: only the path says it leaves the fence.
    arc = drive(math.pi, linear_mps=0.5, angular_dps=-50)
    passes(arc)
    msg = fails(move(4.75), move(4.75), arc)
    assert msg.startswith('step 3 (drive)') and 'path reaches' in msg


@pytest.mark.parametrize('bad', [
    drive(0, linear_mps=0.1), drive(-1, linear_mps=0.1), drive(2),
    drive(math.nan, linear_mps=0.1), drive(2, linear_mps=math.inf),
    drive(2, angular_dps=math.nan), move(1, speed_mps=math.nan), move(1, speed_mps=0),
    move(1, speed_mps=-0.2), {'type': 'rotate', 'angle_deg': 90, 'speed_dps': math.inf},
    {'type': 'goto', 'x': math.nan, 'y': 0}, {'type': 'goto', 'x': 1, 'y': 0, 'frame': 'map'},
    move(-1, direction='left'), {'type': 'wait', 'seconds': -1},
])
def test_malformed_new_fields_never_reach_the_envelope(bad):
    with pytest.raises(PlanError):
        plan(bad)


@pytest.mark.parametrize('action', [
    Drive.model_construct(seconds=-1.0, linear_mps=0.1, lateral_mps=0.0, angular_dps=0.0),
    Drive.model_construct(seconds=0.0, linear_mps=0.1, lateral_mps=0.0, angular_dps=0.0),
    Drive.model_construct(seconds=math.nan, linear_mps=0.1, lateral_mps=0.0, angular_dps=0.0),
    Drive.model_construct(seconds=2.0, linear_mps=math.nan, lateral_mps=0.0, angular_dps=0.0),
    Move.model_construct(distance_m=math.nan, direction='forward', speed_mps=None),
    Move.model_construct(distance_m=1.0, direction='forward', speed_mps=math.inf),
    Rotate.model_construct(angle_deg=90.0, speed_dps=math.nan),
    Wait.model_construct(seconds=-5.0),
])
def test_envelope_itself_refuses_non_finite_and_non_positive_values(action):
    # Defence in depth: an action built without validation must not pass (NaN > limit is
    # False, so NaN would otherwise slip past every limit).
    with pytest.raises(EnvelopeViolation) as info:
        EnvelopeCursor(LIMITS, Pose2D(), Pose2D()).check(action)
    assert 'step 1' in str(info.value)


@pytest.mark.parametrize('direction, end', [
    ('forward', (0.0, 1.0)), ('backward', (0.0, -1.0)), ('left', (-1.0, 0.0)),
    ('right', (1.0, 0.0)),
])
def test_move_direction_is_in_the_body_frame(direction, end):
    cursor = EnvelopeCursor(LIMITS, Pose2D(0, 0, math.pi / 2), Pose2D())
    cursor.check(plan(move(1.0, direction=direction)).actions[0])
    assert (cursor.pose.x, cursor.pose.y) == pytest.approx(end, abs=1e-9)
    assert cursor.pose.yaw == pytest.approx(math.pi / 2)


def test_robot_frame_goto_is_placed_from_the_predicted_pose():
    # After 1 m forward and a left turn, "2 ahead and 1 to the right" is (1 + 1, 2) in odom.
    cursor = EnvelopeCursor(LIMITS, Pose2D(), Pose2D())
    cursor.check_all(plan(move(1.0), {'type': 'rotate', 'angle_deg': 90},
                          {'type': 'goto', 'x': 2, 'y': -1, 'frame': 'robot'}).actions)
    assert (cursor.pose.x, cursor.pose.y) == pytest.approx((2.0, 2.0))


def test_drive_pose_straight_lateral_and_arc():
    assert drive_pose(Pose2D(), 0.0, 0.2, 0.0, 5.0) == pytest.approx(Pose2D(0.0, 1.0, 0.0))
    end = drive_pose(Pose2D(1.0, 0.0, math.pi / 2), 0.25, 0.0, 0.0, 4.0)
    assert (end.x, end.y) == pytest.approx((1.0, 1.0))
    # A quarter circle to the left of radius v/w.
    w = math.radians(45)
    r = 0.5 / w
    end = drive_pose(Pose2D(), 0.5, 0.0, w, 2.0)
    assert (end.x, end.y, end.yaw) == pytest.approx((r, r, math.pi / 2))
    # Lateral while turning: the sideways velocity turns with the body.
    end = drive_pose(Pose2D(), 0.0, 0.5, w, 2.0)
    assert (end.x, end.y) == pytest.approx((-r, r))
