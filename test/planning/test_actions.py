# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The plan's models: what the operator reads (summaries), errors, the schema's bounds."""

import pytest


def test_action_summaries_read_exactly():
    from shadowhound_llm.planning.actions import action_summary, parse_plan
    cases = [
        ({'type': 'move', 'distance_m': 1.0}, 'move +1.00 m'),
        ({'type': 'move', 'distance_m': 1.0, 'speed_mps': 0.2}, 'move +1.00 m at 0.2 m/s'),
        ({'type': 'move', 'distance_m': 0.5, 'direction': 'left'}, 'move 0.50 m left'),
        ({'type': 'rotate', 'angle_deg': -90}, 'rotate -90.0 deg'),
        ({'type': 'rotate', 'angle_deg': 45, 'speed_dps': 20}, 'rotate +45.0 deg at 20 deg/s'),
        ({'type': 'drive', 'linear_mps': 0.2, 'angular_dps': 10, 'seconds': 3},
         'drive +0.2 m/s, +10 deg/s for 3 s'),
        ({'type': 'drive', 'lateral_mps': 0.2, 'seconds': 2}, 'drive 0.2 m/s left for 2 s'),
        ({'type': 'drive', 'linear_mps': 0.1, 'lateral_mps': -0.2, 'seconds': 1},
         'drive +0.1 m/s, 0.2 m/s right for 1 s'),
        ({'type': 'drive', 'lateral_mps': 0.5, 'seconds': 1}, 'drive 0.5 m/s left for 1 s'),
        ({'type': 'goto', 'x': 1, 'y': 2}, 'goto (1.00, 2.00)'),
        ({'type': 'goto', 'x': 1, 'y': 2, 'frame': 'robot', 'speed_mps': 0.3},
         'goto (1.00, 2.00) (robot frame) at 0.3 m/s'),
        ({'type': 'wait', 'seconds': 2}, 'wait 2.0 s'),
        ({'type': 'say', 'text': 'hi "you"'}, 'say "hi \\"you\\""'),
        ({'type': 'return_home'}, 'return home'),
        ({'type': 'photo'}, 'photo'),
    ]
    for raw, text in cases:
        assert action_summary(parse_plan({'actions': [raw]}).actions[0]) == text, raw


def test_a_lateral_drive_of_exactly_zero_point_something_reads_right():
    from shadowhound_llm.planning.actions import action_summary, parse_plan
    drive = parse_plan({'actions': [{'type': 'drive', 'lateral_mps': 0.9, 'seconds': 1}]})
    assert action_summary(drive.actions[0]).endswith('left for 1 s')


def test_plan_errors_name_the_first_three_problems_and_count_the_rest():
    from shadowhound_llm.planning.actions import parse_plan, PlanError, validate_action
    with pytest.raises(PlanError) as info:
        parse_plan({'actions': [{'type': 'move'}, {'type': 'rotate'}, {'type': 'wait'},
                                {'type': 'goto'}]})
    assert str(info.value) == (
        'invalid plan: actions.0.move.distance_m: Field required; actions.1.rotate.angle_deg: '
        'Field required; actions.2.wait.seconds: Field required; and 2 more')
    with pytest.raises(PlanError) as info:
        parse_plan({'actions': [{'type': 'move'}, {'type': 'rotate'}, {'type': 'wait'},
                                {'type': 'say'}]})
    assert str(info.value).endswith('; and 1 more')
    with pytest.raises(PlanError) as info:
        parse_plan('[]')
    assert str(info.value).startswith('invalid plan: plan: ')
    with pytest.raises(PlanError) as info:
        parse_plan({'actions': [{'type': 'move'}, {'type': 'rotate'}, {'type': 'wait'}]})
    assert not str(info.value).endswith('more')
    with pytest.raises(PlanError) as info:
        validate_action({'type': 'fly'})
    assert str(info.value).startswith("invalid plan: plan: Input tag 'fly'")


def test_the_schema_bounds_the_number_of_actions():
    from shadowhound_llm.planning.actions import plan_json_schema
    assert plan_json_schema()['properties']['actions']['maxItems'] == 20
    assert plan_json_schema(3)['properties']['actions']['maxItems'] == 3
    assert 'maxItems' not in plan_json_schema(None)['properties']['actions']
