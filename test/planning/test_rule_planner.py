# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The rule planner: what it plans without an LLM, and what it must leave to one."""

import pytest

from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.planning.actions import ReturnHome
from shadowhound_llm.planning.rules.planner import is_stop_command, plan_from_rules


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


@pytest.mark.parametrize('text, expected', [
    # rephrasings
    ('Advance by 1 meter in the forward direction', [{'type': 'move', 'distance_m': 1.0}]),
    ('Perform a clockwise rotation of 270 degrees', [{'type': 'rotate', 'angle_deg': -270.0}]),
    ('make a 90-degree turn to the right', [{'type': 'rotate', 'angle_deg': -90.0}]),
    ('do a 180', [{'type': 'rotate', 'angle_deg': 180.0}]),
    # units and number words
    ('move forward 3 feet', [{'type': 'move', 'distance_m': 0.9144}]),
    ('back up 6 inches', [{'type': 'move', 'distance_m': -0.1524}]),
    ('walk forward two and a half meters', [{'type': 'move', 'distance_m': 2.5}]),
    ('turn right forty-five degrees', [{'type': 'rotate', 'angle_deg': -45.0}]),
    ('rotate one hundred and eighty degrees', [{'type': 'rotate', 'angle_deg': 180.0}]),
    ('turn left 1.57 radians', [{'type': 'rotate', 'angle_deg': 89.95}]),
    ('rotate pi/2 radians clockwise', [{'type': 'rotate', 'angle_deg': -90.0}]),
    # turns without an angle
    ('turn left', [{'type': 'rotate', 'angle_deg': 90.0}]),
    ('make a right turn', [{'type': 'rotate', 'angle_deg': -90.0}]),
    # sideways
    ('move 2 meters to the left', [{'type': 'move', 'distance_m': 2.0, 'direction': 'left'}]),
    ('strafe right 50 cm', [{'type': 'move', 'distance_m': 0.5, 'direction': 'right'}]),
    # speeds: explicit, and the speed words at the default fractions of cruise
    ('move forward 1 meter at 0.2 m/s',
     [{'type': 'move', 'distance_m': 1.0, 'speed_mps': 0.2}]),
    ('rotate 180 degrees at 30 degrees per second',
     [{'type': 'rotate', 'angle_deg': 180.0, 'speed_dps': 30.0}]),
    ('slowly walk forward 2 meters', [{'type': 'move', 'distance_m': 2.0, 'speed_mps': 0.15}]),
    ('turn left 90 degrees fast', [{'type': 'rotate', 'angle_deg': 90.0, 'speed_dps': 51.6}]),
    ('go to x=1, y=2 slowly', [{'type': 'goto', 'x': 1.0, 'y': 2.0, 'speed_mps': 0.15}]),
    # timed motion: at the speed given, else at cruise
    ('reverse for 5 seconds', [{'type': 'drive', 'linear_mps': -0.3, 'seconds': 5.0}]),
    ('move forward at 0.5 m/s for 4 seconds',
     [{'type': 'drive', 'linear_mps': 0.5, 'seconds': 4.0}]),
    ('turn left for 3 seconds', [{'type': 'drive', 'angular_dps': 34.4, 'seconds': 3.0}]),
    ('strafe left for 2 seconds', [{'type': 'drive', 'lateral_mps': 0.3, 'seconds': 2.0}]),
    # circles: cruise speed, angular rate v/r, time for the swept angle
    ('walk in a circle of radius 1 meter counter-clockwise',
     [{'type': 'drive', 'linear_mps': 0.3, 'angular_dps': 17.19, 'seconds': 20.94}]),
    # points relative to the robot
    ('go to the point 2 m ahead and 1 m to the left',
     [{'type': 'goto', 'x': 2.0, 'y': 1.0, 'frame': 'robot'}]),
    ('walk to a spot three meters in front of you and one meter to your right',
     [{'type': 'goto', 'x': 3.0, 'y': -1.0, 'frame': 'robot'}]),
])
def test_new_vocabulary_and_wordings(text, expected):
    assert actions(text) == expected


@pytest.mark.parametrize('text, expected', [
    # fillers before quantities and sides said as a direction
    ('turn in a clockwise direction by 120 degrees', [{'type': 'rotate', 'angle_deg': -120.0}]),
    ('rotate left by an angle of 30 degrees', [{'type': 'rotate', 'angle_deg': 30.0}]),
    ('walk straight for a distance of 2 meters', [{'type': 'move', 'distance_m': 2.0}]),
    ('back up for a duration of 3 seconds',
     [{'type': 'drive', 'linear_mps': -0.3, 'seconds': 3.0}]),
    ('go forward a total of 4 meters', [{'type': 'move', 'distance_m': 4.0}]),
    ('move 2 meters to the front', [{'type': 'move', 'distance_m': 2.0}]),
    ('move the robot 3 meters in a straight line', [{'type': 'move', 'distance_m': 3.0}]),
    # speed and duration phrases, split by commas or before the verb
    ('advance at a velocity of 0.4 meters per second for 6 seconds',
     [{'type': 'drive', 'linear_mps': 0.4, 'seconds': 6.0}]),
    ('keep going forward, maintaining a speed of 0.2 m/s, for 5 s',
     [{'type': 'drive', 'linear_mps': 0.2, 'seconds': 5.0}]),
    ('for 6 seconds, walk forward at 0.4 m/s',
     [{'type': 'drive', 'linear_mps': 0.4, 'seconds': 6.0}]),
    ('keep moving forward for 7 seconds', [{'type': 'drive', 'linear_mps': 0.3, 'seconds': 7.0}]),
    ('move backwards 1 meter at a slow pace',
     [{'type': 'move', 'distance_m': -1.0, 'speed_mps': 0.15}]),
    # idioms
    ('take a left', [{'type': 'rotate', 'angle_deg': 90.0}]),
    ('come to a stop', [{'type': 'stop'}]),
    ('do a u-turn', [{'type': 'rotate', 'angle_deg': 180.0}]),
    ('spin yourself left by 45 degrees and drive 1 meter forward',
     [{'type': 'rotate', 'angle_deg': 45.0}, {'type': 'move', 'distance_m': 1.0}]),
    ('make a right turn and then advance 3 meters',
     [{'type': 'rotate', 'angle_deg': -90.0}, {'type': 'move', 'distance_m': 3.0}]),
    ('step back three quarters of a meter', [{'type': 'move', 'distance_m': -0.75}]),
    # a step that borrows the verb before it says its own direction
    ('strafe left 1 m, then right 1 m',
     [{'type': 'move', 'distance_m': 1.0, 'direction': 'left'},
      {'type': 'move', 'distance_m': 1.0, 'direction': 'right'}]),
    ('go to coordinates 3, -4 and take a photo',
     [{'type': 'goto', 'x': 3.0, 'y': -4.0}, {'type': 'photo'}]),
    ('spin around 360 degrees', [{'type': 'rotate', 'angle_deg': 360.0}]),
    ('forward 2 meters, backward 1 m',
     [{'type': 'move', 'distance_m': 2.0}, {'type': 'move', 'distance_m': -1.0}]),
    ('tell the robot to rotate with angular velocity 0.5 rad/s for 3 seconds',
     [{'type': 'drive', 'angular_dps': 28.65, 'seconds': 3.0}]),
])
def test_unseen_combinations_of_known_parts(text, expected):
    assert actions(text) == expected


@pytest.mark.parametrize('text, expected', [
    ('spin 90 degrees', [{'type': 'rotate', 'angle_deg': 90.0}]),
    ('rotate for 3 seconds', [{'type': 'drive', 'angular_dps': 34.4, 'seconds': 3.0}]),
    ('walk in a circle of radius 1 meter',
     [{'type': 'drive', 'linear_mps': 0.3, 'angular_dps': 17.19, 'seconds': 20.94}]),
    ('spin 90 degrees clockwise', [{'type': 'rotate', 'angle_deg': -90.0}]),
])
def test_a_side_the_words_do_not_give_is_counter_clockwise(text, expected):
    assert actions(text) == expected


@pytest.mark.parametrize('text', [
    'rotate clockwise',                 # a side, but no amount
    'keep turning left',                # no end
    'turn left at 30 degrees per second',  # 90 degrees, or turning on and on?
    'move forward 1 m, then 2 m',       # the second step says no direction
    'move forward 2 meters per second',  # a speed, no distance or time
    'take a left at the door',
    'move the robot arm forward 2 meters',
    'go to 2, 3',                       # two numbers, nothing saying they are coordinates
    'move forward 2 m 0.2 m/s and turn left 90 degrees',  # is the turn at 0.2 m/s too?
    'go forward a distance of the hallway',  # a filler of a quantity with no number
    'bring yourself to stop let the robot',
    'turn around 90 degrees',            # around is a half or a full turn
])
def test_refuses_new_near_misses(text):
    assert plan_from_rules(text) is None


def test_speed_words_and_cruise_follow_the_configuration():
    config = AgentConfig(cruise_linear_speed=0.2, cruise_angular_speed=0.5,
                         slow_speed_fraction=0.25)
    slow_mps, slow_dps = config.speed_word('slowly')
    assert plan_from_rules('walk forward 1 m slowly', config).actions[0].speed_mps == slow_mps
    assert plan_from_rules('turn left 90 degrees slowly', config).actions[0].speed_dps == \
        slow_dps
    drive = plan_from_rules('reverse for 5 seconds', config).actions[0]
    assert drive.linear_mps == -0.2 and drive.seconds == 5.0
    # Without a configuration, the defaults.
    assert plan_from_rules('walk forward 1 m slowly').actions[0].speed_mps == \
        AgentConfig().speed_word('slowly')[0]


def test_go_home_fast_needs_a_return_home_speed():
    plan = plan_from_rules('Go home fast')
    if 'speed_mps' in ReturnHome.model_fields:
        assert plan.actions[0].speed_mps == AgentConfig().speed_word('fast')[0]
    else:  # the vocabulary cannot say it yet: the LLM gets it (and must say why)
        assert plan is None


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
    'move backward -1 meter',            # a double negative has no certain reading
    'move forward 2 meters, no wait, 1 meter',
    'turn right and rotate 180 degrees',  # one turn or two?
    'turn around and go back 2 meters',  # backward, or return?
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


def test_salad_of_the_lexicons_phrases_never_crashes_and_mostly_defers():
    """Random strings of the phrasings the lexicon normalises, with numbers and units."""
    import random

    from shadowhound_llm.planning.actions import parse_plan
    from shadowhound_llm.planning.rules.words import LEXICON

    pieces = [*sorted(LEXICON)[::7], *'forward left right 2 0.5 meters degrees s m/s , and '
              'then turn move walk for at stop take a photo x = y ( ) -1'.split()]
    rng = random.Random(21)
    answered = 0
    for _ in range(3000):
        text = ' '.join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        plan = plan_from_rules(text)
        if plan is not None:
            answered += 1
            parse_plan(plan.to_json())
    assert answered < 150


@pytest.mark.parametrize('unit', ['ft', 'foot', 'feet'])
def test_every_spelling_of_feet_is_a_foot(unit):
    assert actions(f'move forward 2 {unit}') == [{'type': 'move', 'distance_m': 0.6096}]


@pytest.mark.parametrize('unit', ['yd', 'yds', 'yard', 'yards'])
def test_every_spelling_of_yards_is_a_yard(unit):
    assert actions(f'move forward 2 {unit}') == [{'type': 'move', 'distance_m': 1.8288}]
