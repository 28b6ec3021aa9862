# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The safety envelope and the plan schema: bad or unsafe plans never reach the robot."""

import math

import pytest

from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.planning.actions import parse_plan, PlanError
from shadowhound_llm.planning.envelope import check_plan, EnvelopeViolation, Limits

LIMITS = Limits()


def plan(*actions):
    return parse_plan({'actions': list(actions)})


def violation(p, start=None, home=None):
    with pytest.raises(EnvelopeViolation) as info:
        check_plan(p, LIMITS, start, home)
    return str(info.value)


def test_the_five_test_plan_missions_fit():
    check_plan(plan({'type': 'move', 'distance_m': 1.0}, {'type': 'rotate', 'angle_deg': 90},
                    {'type': 'goto', 'x': 2.0, 'y': 1.0}, {'type': 'photo'},
                    {'type': 'return_home'}), LIMITS)


def test_goto_far_from_home_names_distance_and_limit():
    msg = violation(plan({'type': 'goto', 'x': 30.0, 'y': 0.0}))
    assert 'goto (30.0, 0.0) is 30.0 m from home; the limit is 10.0 m' in msg


def test_radius_is_measured_from_home_not_from_the_robot():
    home = Pose2D(0.0, 0.0)
    # The robot is already 8 m out: a 3 m hop further out leaves the fence.
    msg = violation(plan({'type': 'move', 'distance_m': 3.0}), Pose2D(8.0, 0.0), home)
    assert '11.0 m from home' in msg


def test_chain_of_short_moves_cannot_leave_the_geofence():
    msg = violation(plan(*[{'type': 'move', 'distance_m': 4.0}] * 3))
    assert 'step 3' in msg and 'max_goto_radius_m' in msg


def test_long_move_rejected_with_reason():
    msg = violation(plan({'type': 'move', 'distance_m': -100.0}))
    assert '-100.0 m exceeds the 5.0 m limit' in msg


def test_too_many_actions():
    msg = violation(plan(*[{'type': 'wait', 'seconds': 0.1}] * 21))
    assert 'more than 20 actions' in msg


def test_too_long_in_time():
    msg = violation(plan({'type': 'wait', 'seconds': 500}))
    assert 'max_mission_duration_s' in msg


def test_huge_rotation_rejected():
    assert 'max_rotate_deg' in violation(plan({'type': 'rotate', 'angle_deg': 7200}))


@pytest.mark.parametrize('bad, reason', [
    ('{"actions": []}', 'at least 1'),
    ('{"actions": [{"type": "fly", "altitude_m": 3}]}', 'does not match'),
    ('{"actions": [{"type": "move"}]}', 'distance_m'),
    ('{"actions": [{"type": "move", "distance_m": "far"}]}', 'distance_m'),
    ('{"actions": [{"type": "move", "distance_m": 1, "speed": 9}]}', 'speed'),
    ('{"actions": [{"type": "wait", "seconds": -1}]}', 'seconds'),
    ('{"actions": [{"type": "move", "distance_m": 1e999}]}', 'finite'),
    ('{"actions": [{"type": "move", "distance_m": 1}', 'invalid plan'),
    ('not json', 'invalid plan'),
])
def test_schema_rejects_malformed_plans(bad, reason):
    with pytest.raises(PlanError) as info:
        parse_plan(bad)
    assert reason in str(info.value)


def test_unknown_fields_are_refused():
    # Only the vocabulary's own fields exist (speed_mps is one; 'speed' is not).
    with pytest.raises(PlanError) as info:
        parse_plan({'actions': [{'type': 'move', 'distance_m': 1, 'speed': 5}]})
    assert 'speed' in str(info.value)


def test_test_plan_missions_serialize_to_at_most_80_characters():
    # Every output token costs ~60 ms at 15 tok/s on the robot: plans must stay short.
    from shadowhound_llm.planning.rules.planner import plan_from_rules
    for text in ('Move forward 1 meter', 'Rotate 90 degrees to the left',
                 'Move to coordinates x=2.0, y=1.0', 'Take a photo',
                 'Return to starting position'):
        assert len(plan_from_rules(text).to_json()) <= 80, text


def test_schema_is_compact_json():
    p = plan({'type': 'move', 'distance_m': 1.0})
    assert p.to_json() == '{"actions":[{"type":"move","distance_m":1.0}]}'
    assert math.isclose(parse_plan(p.to_json()).actions[0].distance_m, 1.0)


# ---- exact edges of the envelope: each test kills mutants (benchmarks/mutation.sh)
def _cursor(start=None, **limits):
    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.planning.envelope import EnvelopeCursor, Limits
    return EnvelopeCursor(Limits(**limits), start or Pose2D(), Pose2D())


def _actions(*raw):
    from shadowhound_llm.planning.actions import parse_plan
    return parse_plan({'actions': list(raw)}).actions


def test_drive_pose_is_exact_for_lines_and_arcs():
    import math

    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.planning.envelope import drive_pose
    line = drive_pose(Pose2D(1.0, 2.0, math.pi / 2), 0.2, 0.1, 0.0, 2.0)
    assert (line.x, line.y) == pytest.approx((1.0 - 0.2, 2.0 + 0.4))
    arc = drive_pose(Pose2D(0.0, 0.0, 0.3), 0.5, 0.0, 0.25, 2.0)  # turn of 0.5 rad
    r = 0.5 / 0.25
    assert arc.x == pytest.approx(r * (math.sin(0.8) - math.sin(0.3)))
    assert arc.y == pytest.approx(r * (math.cos(0.3) - math.cos(0.8)))
    assert arc.yaw == pytest.approx(0.8)


@pytest.mark.parametrize('raw, limit', [
    ({'type': 'goto', 'x': 10.0, 'y': 0.0}, {}),                       # on the geofence
    ({'type': 'wait', 'seconds': 120.0}, {}),                          # the whole duration
    ({'type': 'rotate', 'angle_deg': 10, 'speed_dps': 57.29577951308232}, {}),  # max rate
    ({'type': 'drive', 'linear_mps': 0.5, 'seconds': 2.0}, {'max_goto_radius_m': 1.0}),
    ({'type': 'wait', 'seconds': 0.0}, {}),
    ({'type': 'drive', 'linear_mps': 0.1, 'seconds': 0.5}, {}),
])
def test_exactly_at_a_limit_passes(raw, limit):
    _cursor(**limit).check_all(_actions(raw))


def test_non_motion_steps_take_no_time_and_waits_add_up():
    cursor = _cursor()
    cursor.check_all(_actions({'type': 'say', 'text': 'hi'}, {'type': 'photo'}))
    assert cursor.duration_s == 0.0
    cursor.check_all(_actions({'type': 'wait', 'seconds': 2.5}))
    assert cursor.duration_s == 2.5


def test_goto_time_counts_the_distance_and_the_turn():
    import math

    from shadowhound_llm.common.geometry import Pose2D
    cursor = _cursor(Pose2D(0.0, 0.0, 0.5))
    cursor.check(_actions({'type': 'goto', 'x': math.cos(1.0), 'y': math.sin(1.0)})[0])
    assert cursor.duration_s == pytest.approx(1.0 / 0.3 + 0.5 / 0.6)
    assert cursor.pose.yaw == pytest.approx(1.0)
    cursor = _cursor()
    cursor.check(_actions({'type': 'goto', 'x': 2.0, 'y': 0.0, 'speed_mps': 0.5})[0])
    assert cursor.duration_s == pytest.approx(4.0)


def test_a_goto_leaves_the_robot_facing_where_it_drove():
    cursor = _cursor()
    cursor.check_all(_actions({'type': 'goto', 'x': 0.0, 'y': 1.0},
                              {'type': 'goto', 'x': 1.0, 'y': 0.0, 'frame': 'robot'}))
    assert (cursor.pose.x, cursor.pose.y) == pytest.approx((0.0, 2.0))


def test_return_home_is_a_goto_home_with_its_time():
    cursor = _cursor()
    cursor.check_all(_actions({'type': 'move', 'distance_m': 3.0}, {'type': 'return_home'}))
    assert (cursor.pose.x, cursor.pose.y) == pytest.approx((0.0, 0.0))
    assert cursor.duration_s == pytest.approx(3.0 / 0.3 + 3.0 / 0.3 + math_pi() / 0.6)


def math_pi():
    import math
    return math.pi


@pytest.mark.parametrize('raw, message', [
    ({'type': 'move', 'distance_m': 6.0}, 'step 1 (move): move of 6.0 m exceeds the 5.0 m'),
    ({'type': 'rotate', 'angle_deg': 800}, 'step 1 (rotate): rotation of 800.0 deg exceeds'),
    ({'type': 'rotate', 'angle_deg': 9, 'speed_dps': 100}, 'step 1 (rotate): speed_dps 100'),
    ({'type': 'drive', 'linear_mps': 0.1, 'angular_dps': 50, 'seconds': 20},
     'step 1 (drive): drive turn of 1000.0 deg exceeds'),
    ({'type': 'drive', 'linear_mps': 0.5, 'seconds': 11},
     'step 1 (drive): drive displacement of 5.5 m exceeds'),
])
def test_violation_messages_name_the_step_and_what(raw, message):
    from shadowhound_llm.planning.envelope import EnvelopeViolation
    with pytest.raises(EnvelopeViolation) as info:
        _cursor().check_all(_actions(raw))
    assert str(info.value).startswith(message), str(info.value)


def test_the_geofence_sees_the_far_point_of_a_looping_drive():
    import math

    from shadowhound_llm.planning.envelope import EnvelopeViolation
    r = 0.5 / math.radians(360 / 7)
    drive = {'type': 'drive', 'linear_mps': 0.5, 'angular_dps': 360 / 7, 'seconds': 10}
    with pytest.raises(EnvelopeViolation) as info:
        _cursor(max_goto_radius_m=2 * r - 0.002).check_all(_actions(drive))
    assert 'after 3.5 s' in str(info.value), str(info.value)
    _cursor(max_goto_radius_m=2 * r + 0.002).check_all(_actions(drive))


def test_the_geofence_sees_the_first_sample_of_a_drive():
    import math

    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.planning.envelope import EnvelopeViolation
    # heading slightly outward at the fence, turning in: the path peaks at t = 0.05 s
    start = Pose2D(10.0 - 3e-4, 0.0, math.pi / 2 - 0.05)
    drive = {'type': 'drive', 'linear_mps': 0.5, 'angular_dps': math.degrees(1.0),
             'seconds': 0.4}
    with pytest.raises(EnvelopeViolation, match='max_goto_radius_m'):
        _cursor(start).check_all(_actions(drive))


def test_the_geofence_sees_the_middle_of_a_short_arc_that_bulges_out():
    # A 0.4 s arc (0.5 m/s turning 0.5 rad/s: a 1 m radius) symmetric about the x axis: its
    # apex, at its middle, is 20 um outside the 10 m geofence; both its ends are 4 mm inside.
    rho, sweep = 1.0, 0.2
    centre = 10.0 + 2e-5 - rho
    start = Pose2D(centre + rho * math.cos(-sweep / 2), rho * math.sin(-sweep / 2),
                   math.pi / 2 - sweep / 2)
    drive = {'type': 'drive', 'linear_mps': 0.5, 'angular_dps': math.degrees(0.5),
             'seconds': 0.4}
    with pytest.raises(EnvelopeViolation) as info:
        _cursor(start).check_all(_actions(drive))
    assert 'its path reaches 10.0 m from home (at (10.0, 0.0) after 0.2 s)' in str(info.value)
    inside = Pose2D(start.x - 1e-4, start.y, start.yaw)  # the same arc 0.1 mm further in
    _cursor(inside).check_all(_actions(drive))


def test_a_robot_outside_a_shrunken_geofence_may_drive_back_in():
    # the geofence was made smaller while the robot stood at 10.01 m: it is now 1 cm outside
    start = Pose2D(10.01, 0.0, math.pi)  # facing home
    _cursor(start).check_all(_actions({'type': 'drive', 'linear_mps': 0.5, 'seconds': 2.0}))
    _cursor(start).check_all(_actions({'type': 'move', 'distance_m': 1.0}))  # as a move may
    with pytest.raises(EnvelopeViolation, match='max_goto_radius_m'):  # but not further out
        _cursor(start).check_all(_actions({'type': 'drive', 'linear_mps': -0.5,
                                           'seconds': 2.0}))
