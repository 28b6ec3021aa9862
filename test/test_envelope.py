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
