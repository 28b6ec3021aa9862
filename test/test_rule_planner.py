# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The rule planner: what it plans without an LLM, and what it must leave to one."""

import pytest

from shadowhound_llm.rule_planner import is_stop_command, plan_from_rules


def actions(text):
    plan = plan_from_rules(text)
    assert plan is not None, f'rule planner refused {text!r}'
    return [a.model_dump() for a in plan.actions]


@pytest.mark.parametrize('text, expected', [
    ('Move forward 1 meter', [{'type': 'move', 'distance_m': 1.0}]),
    ('move back 50 cm', [{'type': 'move', 'distance_m': -0.5}]),
    ('Walk forward 2.5 metres.', [{'type': 'move', 'distance_m': 2.5}]),
    ('go backwards 30 centimeters', [{'type': 'move', 'distance_m': -0.3}]),
    ('move 2 m forward', [{'type': 'move', 'distance_m': 2.0}]),
    ('go forward half a meter', [{'type': 'move', 'distance_m': 0.5}]),
    ('Rotate 90 degrees to the left', [{'type': 'rotate', 'angle_deg': 90.0}]),
    ('turn right 45 degrees', [{'type': 'rotate', 'angle_deg': -45.0}]),
    ('rotate 30 deg clockwise', [{'type': 'rotate', 'angle_deg': -30.0}]),
    ('turn left 90°', [{'type': 'rotate', 'angle_deg': 90.0}]),
    ('do a quarter turn to the right', [{'type': 'rotate', 'angle_deg': -90.0}]),
    ('turn a quarter turn left', [{'type': 'rotate', 'angle_deg': 90.0}]),
    ('turn around', [{'type': 'rotate', 'angle_deg': 180.0}]),
    ('Move to coordinates x=2.0, y=1.0', [{'type': 'goto', 'x': 2.0, 'y': 1.0}]),
    ('navigate to x: -1, y: 0.5', [{'type': 'goto', 'x': -1.0, 'y': 0.5}]),
    ('go to (1, -2)', [{'type': 'goto', 'x': 1.0, 'y': -2.0}]),
    ('Take a photo', [{'type': 'photo'}]),
    ('take a picture', [{'type': 'photo'}]),
    ('Return to starting position', [{'type': 'return_home'}]),
    ('return home', [{'type': 'return_home'}]),
    ('go back to the start', [{'type': 'return_home'}]),
    ('wait 3 seconds', [{'type': 'wait', 'seconds': 3.0}]),
    ('pause for 1 minute', [{'type': 'wait', 'seconds': 60.0}]),
])
def test_single_commands(text, expected):
    assert actions(text) == expected


def test_sequences_joined_by_then_and_commas():
    assert actions('walk forward 2 m, then turn right 45 degrees and then take a picture') == [
        {'type': 'move', 'distance_m': 2.0}, {'type': 'rotate', 'angle_deg': -45.0},
        {'type': 'photo'}]
    assert actions('Turn left 90 degrees, move forward 1 m, return home') == [
        {'type': 'rotate', 'angle_deg': 90.0}, {'type': 'move', 'distance_m': 1.0},
        {'type': 'return_home'}]
    # The comma inside the coordinates does not split the goto.
    assert actions('go to x=1, y=2 then take a photo') == [
        {'type': 'goto', 'x': 1.0, 'y': 2.0}, {'type': 'photo'}]


def test_unsafe_but_unambiguous_commands_are_planned_for_the_envelope_to_judge():
    assert actions('run forward 100 meters') == [{'type': 'move', 'distance_m': 100.0}]


@pytest.mark.parametrize('text', [
    'patrol a one-meter square and come back',
    'move forward',                      # no distance: never guessed
    'go to the kitchen',
    'Describe what you are',
    'move forward 1 meter and describe it',
    'Create a navigation plan to move forward 2 meters',
    'turn left 90 degrees if the door is open',
    '',
    '   ',
    'move forward 1 parsec',
])
def test_refuses_what_needs_a_language_model(text):
    assert plan_from_rules(text) is None


@pytest.mark.parametrize('text', ['stop', 'STOP!', ' Stop. ', 'stop now', 'Halt',
                                  'emergency stop', 'Emergency-stop!!', 'stop moving'])
def test_stop_words(text):
    assert is_stop_command(text)


@pytest.mark.parametrize('text', ['stop and turn left', "don't stop", 'bus stop ahead',
                                  'move forward 1 m', ''])
def test_not_stop_words(text):
    assert not is_stop_command(text)
