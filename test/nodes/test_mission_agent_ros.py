# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission_agent on the simulated GO2 over real ROS 2 topics (DDS on shared memory)."""

import math
import time

import pytest
from rclpy.parameter import Parameter

pytestmark = pytest.mark.ros


@pytest.mark.slow
def test_test_plan_missions_end_at_the_expected_poses(make_harness):
    h = make_harness()
    final = h.run('Move forward 1 meter')
    assert final['state'] == 'succeeded', final['message']
    assert final['plan'] == {'actions': [{'type': 'move', 'distance_m': 1.0}]}
    pose = h.settle()
    assert pose.distance_to(1.0, 0.0) < 0.05

    assert h.run('Rotate 90 degrees to the left')['state'] == 'succeeded'
    pose = h.settle()
    assert abs(math.degrees(pose.yaw) - 90.0) < 3.0

    assert h.run('Move to coordinates x=2.0, y=1.0')['state'] == 'succeeded'
    assert h.settle().distance_to(2.0, 1.0) < 0.05

    photo = h.run('Take a photo')
    assert photo['state'] == 'succeeded', photo['message']
    assert photo['photo'].endswith('.png') and 'photo saved' in photo['message']

    assert h.run('Return to starting position')['state'] == 'succeeded'
    pose = h.settle()
    assert pose.distance_to(0.0, 0.0) < 0.05
    assert abs(math.degrees(pose.yaw)) < 3.0


def test_statuses_follow_the_contract(make_harness):
    h = make_harness()
    final = h.run('turn right 30 degrees')
    states = [s['state'] for s in h.probe.statuses_for(final['mission_id'])]
    assert states[:3] == ['received', 'planning', 'executing']
    assert states[-1] == 'succeeded'
    assert sum(s in ('succeeded', 'failed', 'cancelled', 'rejected') for s in states) == 1
    for s in h.probe.statuses_for(final['mission_id']):
        assert set(s) >= {'mission_id', 'state', 'text', 'plan', 'step', 'message', 'stamp'}


def test_three_step_sequence(make_harness):
    h = make_harness()
    final = h.run('move forward 0.5 m, then turn left 90 degrees, then move forward 0.5 m')
    assert final['state'] == 'succeeded'
    pose = h.settle()
    assert pose.distance_to(0.5, 0.5) < 0.05
    assert abs(math.degrees(pose.yaw) - 90.0) < 3.0


def test_cmd_vel_streams_while_moving_and_ends_with_zero(make_harness):
    h = make_harness()
    start = time.monotonic()
    h.run('move forward 0.6 m')
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'
    cmds = [c for c in h.probe.cmds if c[0] >= start]
    moving = [c for c in cmds if c[1] != 0.0]
    assert len(moving) > 20
    duration = moving[-1][0] - moving[0][0]
    rate = (len(moving) - 1) / duration
    assert 15.0 < rate < 25.0, f'cmd_vel at {rate:.1f} Hz, expected ~20'
    assert max(c[1] for c in cmds) <= 0.3 + 1e-9
    assert cmds[-1][1:] == (0.0, 0.0)


def test_stop_mid_motion_stops_at_once(make_harness):
    h = make_harness()
    h.send('move forward 3 m')
    assert h.wait_state('move forward 3 m', ('executing',), 5.0)
    assert h.probe.wait(lambda: h.probe.pose.x > 0.3, 10.0)
    sent = time.monotonic()
    stop = h.run('stop')
    assert stop['state'] == 'succeeded'
    first = h.wait_state('move forward 3 m', ('cancelled',), 2.0)
    assert first is not None and 'stopped by operator' in first['message']
    zero = h.probe.wait(lambda: [c for c in h.probe.cmds if c[0] >= sent and c[1:] == (0, 0)],
                        1.0)
    assert zero and zero[0][0] - sent < 0.2
    x_at_stop = h.settle().x
    assert x_at_stop < 1.5
    assert h.still_after(0.5).x == pytest.approx(x_at_stop, abs=0.005), 'robot kept moving'


def test_cancel_topic(make_harness):
    from std_msgs.msg import Empty
    h = make_harness()
    h.send('turn left 360 degrees')
    assert h.wait_state('turn left 360 degrees', ('executing',), 5.0)
    assert h.probe.wait(lambda: h.probe.pose.yaw > 0.1, 5.0), 'the robot never turned'
    h.probe.cancel_pub.publish(Empty())
    final = h.wait_state('turn left 360 degrees', ('cancelled',), 2.0)
    assert final is not None and 'mission_cancel' in final['message']
    yaw = h.settle().yaw
    assert h.still_after(0.5).yaw == pytest.approx(yaw, abs=0.01)
    assert h.run('move forward 0.2 m')['state'] == 'succeeded', 'next mission must work'


def test_a_rejected_mission_leaves_the_running_one_moving(make_harness):
    h = make_harness()
    h.send('move forward 1 m')
    assert h.probe.wait(lambda: h.probe.pose.x > 0.2, 10.0)
    refused = h.run('go to x=100, y=0')
    assert refused['state'] == 'rejected' and 'safety envelope' in refused['message']
    first = h.wait_state('move forward 1 m', ('succeeded', 'cancelled', 'failed'), 20.0)
    assert first is not None and first['state'] == 'succeeded', first
    assert h.settle().x == pytest.approx(1.0, abs=0.1)


def test_new_mission_preempts_the_running_one(make_harness):
    h = make_harness()
    h.send('move forward 3 m')
    assert h.probe.wait(lambda: h.probe.pose.x > 0.2, 10.0)
    final = h.run('turn left 90 degrees')
    assert final['state'] == 'succeeded'
    first = h.wait_state('move forward 3 m', ('cancelled',), 1.0)
    assert first is not None and 'preempted by mission ' + final['mission_id'] in first['message']
    # The cancelled mission's status came before the new one started executing.
    order = [(s['text'], s['state']) for s in h.probe.statuses]
    assert order.index(('move forward 3 m', 'cancelled')) < order.index(
        ('turn left 90 degrees', 'executing'))
    assert abs(math.degrees(h.settle().yaw) - 90.0) < 3.0


def test_odometry_loss_mid_move_fails_stops_and_next_mission_works(make_harness):
    h = make_harness()
    h.send('move forward 3 m')
    assert h.probe.wait(lambda: h.probe.pose.x > 0.3, 10.0)
    h.sim.set_parameters([Parameter('publish_odom', value=False)])
    final = h.wait_state('move forward 3 m', ('failed',), 3.0)
    assert final is not None and 'odometry lost' in final['message']
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'
    # braking from 0.3 m/s at the GO2's deceleration (the simulator's ground truth: no odom)
    assert h.probe.wait(lambda: h.sim.sim.velocity.linear == 0.0, 3.0), 'the robot never stopped'
    x = h.sim.sim.pose.x
    time.sleep(1.0)  # the check itself: nothing may start the robot again meanwhile
    assert h.sim.sim.pose.x == pytest.approx(x, abs=0.005) and h.sim.sim.velocity.linear == 0.0
    last_odom = h.agent.core.odom_received
    h.sim.set_parameters([Parameter('publish_odom', value=True)])
    assert h.probe.wait(lambda: h.agent.core.odom_received != last_odom, 3.0), 'no odometry'
    assert h.run('turn right 45 degrees')['state'] == 'succeeded'


def test_no_odometry_at_all_refuses_to_move(make_harness):
    h = make_harness(with_sim=False)
    final = h.run('move forward 1 m')
    assert final['state'] == 'failed' and 'no odometry' in final['message']
    assert all(c[1:] == (0.0, 0.0) for c in h.probe.cmds)


@pytest.mark.parametrize('text, reason, code', [
    ('', 'empty mission text', 'empty_text'),
    ('   ', 'empty mission text', 'empty_text'),
    ('move forward 1 m ' * 200, 'max_mission_chars', 'text_too_long'),
    ('run forward 100 meters', 'outside the safety envelope', 'envelope'),
    ('go to x=30, y=0', '30.0 m from home; the limit is 10.0 m', 'envelope'),
    ('patrol a square', 'needs a language model', 'no_llm'),
])
def test_bad_missions_are_rejected_and_the_next_one_works(make_harness, text, reason, code):
    h = make_harness()
    final = h.run(text)
    assert final['state'] == 'rejected'
    assert reason in final['message']
    assert final['reason'] == code  # the code travels on mission_status beside the words
    assert h.run('turn left 10 degrees')['state'] == 'succeeded'


def test_mission_duration_limit_fails_and_stops(make_harness):
    # The plan fits the limit at cruise speed, but this robot is slower than planned.
    h = make_harness({'max_mission_duration_s': 5.0}, {'max_linear_speed': 0.1})
    final = h.run('move forward 1 m', timeout=10)
    assert final['state'] == 'failed' and 'max_mission_duration_s' in final['message']
    assert final['reason'] == 'timeout'
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'


def test_bad_parameters_are_refused_with_a_clear_message(ros_context):
    from shadowhound_llm.nodes.mission_agent import MissionAgent
    from shadowhound_llm.nodes.ros_common import ConfigError
    with pytest.raises(ConfigError) as info:
        MissionAgent(parameter_overrides=[Parameter('cruise_linear_speed', value=0.9)])
    assert 'cruise_linear_speed=0.9 m/s exceeds max_linear_speed=0.5 m/s' in str(info.value)
