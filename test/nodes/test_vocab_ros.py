# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The plan vocabulary on the simulated GO2 over real ROS 2 topics, planned by the LLM double.

Robot-frame gotos, sideways moves and timed drives, each judged by the odometry the
operator sees and by the cmd_vel the robot receives.
"""

import json
import math
import re

import pytest

from shadowhound_llm.common.geometry import wrap_angle
from shadowhound_llm.planning.envelope import drive_pose

pytestmark = pytest.mark.ros


@pytest.fixture
def harness(make_harness, ollama):
    return make_harness({'backend': 'ollama', 'ollama_host': ollama.url,
                         'validate_on_startup': False})


def run_llm(h, ollama, text, plan, timeout=40.0):
    """Send a mission the LLM plans (planner llm), its reply being `plan`; the final status."""
    ollama.script.reply = plan
    outcome = h.probe.client.run(text, timeout, planner='llm')
    assert outcome.final is not None, f'{text!r} did not finish within {timeout} s'
    final = outcome.final.to_dict()
    assert final['state'] == 'succeeded', final['message']
    assert final['plan'] == json.loads(plan), 'the plan executed is the one the LLM gave'
    return final


def at_rest(h):
    """The odometry pose once the last cmd_vel is a zero Twist and the robot has settled."""
    assert h.probe.wait(lambda: h.probe.twists and h.probe.twists[-1][1].is_zero(), 2.0), \
        'no zero Twist after the mission'
    return h.settle()


@pytest.mark.slow
def test_robot_frame_goto_after_driving_elsewhere_ends_where_the_words_say(harness, ollama):
    h = harness
    run_llm(h, ollama, 'wander off a little',
            '{"actions":[{"type":"move","distance_m":0.8},{"type":"rotate","angle_deg":90}]}')
    start = at_rest(h)
    assert start.distance_to(0.8, 0.0) < 0.05 and abs(math.degrees(start.yaw) - 90) < 3
    final = run_llm(h, ollama, 'go to the point one meter ahead and half a meter to the right',
                    '{"actions":[{"type":"goto","x":1.0,"y":-0.5,"frame":"robot"}]}')
    # Facing +y at (0.8, 0): one metre ahead is +y, half a metre to the right is +x.
    expected = (start.x + 0.5, start.y + 1.0)
    pose = at_rest(h)
    assert pose.distance_to(*expected) < 0.06, (pose, expected)
    assert pose.distance_to(1.0, -0.5) > 1.0, 'not the odom-frame point'
    assert final['target'] == pytest.approx({'x': expected[0], 'y': expected[1]}, abs=0.05)
    steps = [s.message for s in h.probe.client.statuses_for(final['mission_id'])]
    shown = [re.search(r'\(robot frame\) -> odom \((\S+), (\S+)\)', m) for m in steps]
    (x, y), = [tuple(map(float, m.groups())) for m in shown if m]
    assert (x, y) == pytest.approx(expected, abs=0.05), 'the step says where it is going'


def test_sideways_move_ends_at_the_right_pose_on_linear_y(harness, ollama):
    h = harness
    start = h.settle()
    first = len(h.probe.twists)
    run_llm(h, ollama, 'step sideways, leftward, seventy centimetres',
            '{"actions":[{"type":"move","distance_m":0.7,"direction":"left"}]}')
    pose = at_rest(h)
    assert pose.distance_to(start.x, start.y + 0.7) < 0.05
    assert abs(math.degrees(wrap_angle(pose.yaw - start.yaw))) < 3
    twists = [t for _, t in h.probe.twists[first:]]
    assert max(t.lateral for t in twists) == pytest.approx(0.3, abs=1e-6), 'cruise on linear.y'
    assert all(t.linear == 0.0 for t in twists), 'no forward motion in a sideways step'


def test_timed_drive_ends_near_its_predicted_pose_then_a_zero_twist(harness, ollama):
    h = harness
    start = h.settle()
    first = len(h.probe.twists)
    final = run_llm(h, ollama, 'arc gently to the left for three seconds',
                    '{"actions":[{"type":"drive","linear_mps":0.25,"angular_dps":20,'
                    '"seconds":3}]}')
    pose = at_rest(h)
    predicted = drive_pose(start, 0.25, 0.0, math.radians(20), 3.0)
    assert pose.distance_to(predicted.x, predicted.y) < 0.1, (pose, predicted)
    assert abs(math.degrees(wrap_angle(pose.yaw - predicted.yaw))) < 5
    stamped = h.probe.twists[first:]
    moving = [t for t, cmd in stamped if not cmd.is_zero()]
    assert moving[-1] - moving[0] == pytest.approx(3.0, abs=0.3), 'held for its seconds'
    assert stamped[-1][1].is_zero() and stamped[-1][0] > moving[-1]
    steps = [s.message for s in h.probe.client.statuses_for(final['mission_id'])]
    assert any('drive +0.25 m/s, +20 deg/s for 3 s' in m for m in steps), steps
