# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The limits hold on the real cmd_vel topic even when everything upstream misbehaves.

A controller (patched in-process) or a plan (with the envelope switched off) asks for 2 m/s:
no cmd_vel above the limit reaches the robot, and the governor's clamp count in the
``mission_agent: Mission`` diagnostics rises. Also checks the invariant monitor itself: it
must see the violations it exists to catch.
"""

from __future__ import annotations

import math
import threading
import time

from geometry_msgs.msg import Twist
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
import reliability
from reliability import InvariantMonitor
from std_msgs.msg import String

from shadowhound_llm.common.contract import MissionState, MissionStatus
from shadowhound_llm.motion import control
from shadowhound_llm.motion.control import Twist2D
from shadowhound_llm.nodes import conversions as conv
from shadowhound_llm.nodes.ros_common import CMD_VEL_QOS, STATUS_QOS
from shadowhound_llm.planning import envelope
from shadowhound_llm.testing.ollama_double import OllamaDouble

pytestmark = pytest.mark.ros
guarded, stats = reliability.guarded, reliability.stats


def clamps(h):
    diag = h.probe.client.latest_diagnostics('mission_agent: Mission')
    return int(diag['values']['governor clamps']) if diag else None


def planar(c):
    return math.hypot(c.twist.linear, c.twist.lateral)


@pytest.mark.parametrize('wish, limit', [
    (Twist2D(2.0, 0.0, 0.0), 'linear'),
    (Twist2D(1.5, 0.0, 1.5), 'planar'),
    (Twist2D(0.0, 5.0, 0.0), 'angular'),
    (Twist2D(math.nan, 0.0, 0.0), 'nan'),
])
def test_a_controller_asking_too_much_is_clamped_on_the_topic(guarded, monkeypatch, wish,
                                                              limit):
    monkeypatch.setattr(control.MoveController, 'update',
                        lambda self, pose, dt, now=None: wish)
    h = guarded({'max_mission_duration_s': 5.0})
    assert clamps(h) in (None, 0)
    final = h.run('move forward 0.5 m')
    # the patched controller never finishes: the stall detector (or the duration) ends it
    assert final['state'] == 'failed' and 'robot stopped' in final['message']
    cmds = list(h.monitor.cmds)
    assert cmds and max(planar(c) for c in cmds) <= 0.5 + 1e-9
    assert max(abs(c.twist.angular) for c in cmds) <= 1.0 + 1e-9
    if limit == 'nan':
        assert all(c.twist.is_zero() for c in cmds), 'a non-finite command becomes a stop'
    else:
        assert max(planar(c) + abs(c.twist.angular) for c in cmds) > 0.49, 'clamped, not zeroed'
    assert h.agent.core.governor.clamp_count > 10
    assert h.probe.wait(lambda: (clamps(h) or 0) > 10, 3.0), 'diagnostics show the clamps'
    diag = h.probe.client.latest_diagnostics('mission_agent: Mission')
    assert 'clamped by the governor' in diag['message']


def test_a_plan_asking_2_mps_past_a_disabled_envelope_still_obeys_the_limits(
        guarded, monkeypatch):
    monkeypatch.setattr(envelope.EnvelopeCursor, 'check', lambda self, action: None)
    with OllamaDouble() as ollama:
        ollama.script.reply = ('{"actions":[{"type":"drive","linear_mps":2.0,"lateral_mps":1.0,'
                               '"angular_dps":400,"seconds":1.5},'
                               '{"type":"move","distance_m":1.0,"speed_mps":2.0},'
                               '{"type":"rotate","angle_deg":90,"speed_dps":500}]}')
        h = guarded({'backend': 'ollama', 'ollama_host': ollama.url,
                     'validate_on_startup': False})
        final = h.run('speed run please', timeout=60)
        assert final['state'] == 'succeeded', final['message']
    cmds = list(h.monitor.cmds)
    assert max(planar(c) for c in cmds) <= 0.5 + 1e-9
    assert max(planar(c) for c in cmds) >= 0.45, 'the plan did drive fast, within the limit'
    assert max(abs(c.twist.angular) for c in cmds) <= 1.0 + 1e-9


def test_lowered_limits_hold_for_a_plan_checked_under_the_old_ones(guarded):
    h = guarded()
    h.send('move forward 3 m')
    assert h.probe.wait(lambda: h.probe.cmds and h.probe.cmds[-1][1] >= 0.29, 10.0)
    result, = reliability.set_params(h.probe, '/mission_agent', max_linear_speed=0.05)
    assert result.successful
    answered = time.time_ns()
    assert h.probe.wait(lambda: len([c for c in h.monitor.cmds
                                     if c.source_ns > answered]) > 5, 3.0)
    assert max(planar(c) for c in h.monitor.cmds if c.source_ns > answered) <= 0.05 + 1e-9
    h.run('stop')


# ---- the monitor sees what it must -------------------------------------------------------
@pytest.fixture
def bare_monitor(ros_context):
    monitor = InvariantMonitor(0.5, 1.0)
    talker = Node('fake_agent')
    cmd_pub = talker.create_publisher(Twist, 'cmd_vel', CMD_VEL_QOS)
    status_pub = talker.create_publisher(String, 'mission_status', STATUS_QOS)
    command_pub = talker.create_publisher(String, 'mission_command', 10)
    executor = SingleThreadedExecutor()
    executor.add_node(monitor)
    executor.add_node(talker)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    assert monitor.wait(lambda: cmd_pub.get_subscription_count() >= 1
                        and status_pub.get_subscription_count() >= 1
                        and command_pub.get_subscription_count() >= 1, 10.0)

    def status(mission_id, state, message='m'):
        status_pub.publish(conv.status_msg(MissionStatus(
            mission_id=mission_id, state=state, text='t', message=message)))

    yield monitor, cmd_pub, status, command_pub
    executor.shutdown(timeout_sec=2.0)
    thread.join(timeout=5.0)
    monitor.destroy_node()
    talker.destroy_node()


def test_the_monitor_catches_every_kind_of_violation(bare_monitor):
    monitor, cmd_pub, status, command_pub = bare_monitor
    for data in ('a', 'b', 'c'):
        command_pub.publish(String(data=data))
    status('m1', MissionState.RECEIVED)
    status('m1', MissionState.EXECUTING)
    cmd_pub.publish(conv.twist_msg(Twist2D(0.6, 0.0)))          # over max_linear
    cmd_pub.publish(conv.twist_msg(Twist2D(0.4, 0.0, 0.4)))     # planar over
    cmd_pub.publish(conv.twist_msg(Twist2D(0.1, 1.5)))          # over max_angular
    status('m1', MissionState.SUCCEEDED, message='')            # no zero, no message
    status('m1', MissionState.FAILED)                           # a second terminal
    # (judged on source timestamps, so arrival order across topics does not matter)
    cmd_pub.publish(conv.twist_msg(Twist2D(0.1, 0.0)))          # moving with no mission
    status('m2', MissionState.RECEIVED)                         # never ends
    assert monitor.wait(lambda: len(monitor.cmds) == 4 and len(monitor.statuses) == 5, 5.0)
    text = '\n'.join(monitor.violations())
    assert text.count('over the limits') == 3, text
    assert 'm1: 2 terminal statuses' in text
    assert 'without a message' in text
    assert 'without a zero Twist' in text
    assert 'while no mission executed' in text
    assert '3 mission_command message(s) but 2 received' in text
    assert monitor.open_missions() == ['m2']


def test_the_monitor_accepts_a_clean_mission(bare_monitor):
    monitor, cmd_pub, status, command_pub = bare_monitor
    command_pub.publish(String(data='a'))
    status('m1', MissionState.RECEIVED)
    cmd_pub.publish(conv.twist_msg(Twist2D(0.3, 0.5)))
    status('m1', MissionState.EXECUTING)
    cmd_pub.publish(conv.twist_msg(Twist2D(0.5, 1.0)))
    cmd_pub.publish(conv.twist_msg(Twist2D()))
    status('m1', MissionState.SUCCEEDED, message='done')
    assert monitor.wait(lambda: len(monitor.cmds) == 3 and len(monitor.statuses) == 3
                        and len(monitor.commands) == 1, 5.0)
    assert monitor.violations() == []


def test_the_monitor_wants_the_stop_after_the_last_motion_not_at_a_given_delay(bare_monitor):
    # On a loaded host the terminal status goes out a while after the stop (the next
    # executor turn): that is fine. A zero followed by more motion is not a stop.
    monitor, cmd_pub, status, command_pub = bare_monitor
    command_pub.publish(String(data='a'))
    status('late', MissionState.RECEIVED)
    status('late', MissionState.EXECUTING)
    cmd_pub.publish(conv.twist_msg(Twist2D(0.3, 0.0)))
    cmd_pub.publish(conv.twist_msg(Twist2D()))
    time.sleep(0.2)  # the delay itself is what this case is about
    status('late', MissionState.SUCCEEDED, message='done')
    assert monitor.wait(lambda: len(monitor.statuses) == 3 and len(monitor.commands) == 1, 5.0)
    assert monitor.violations() == []
    command_pub.publish(String(data='b'))
    status('moved_on', MissionState.RECEIVED)
    status('moved_on', MissionState.EXECUTING)
    cmd_pub.publish(conv.twist_msg(Twist2D()))
    time.sleep(0.2)  # a zero long before the end, then motion again: not a stop
    cmd_pub.publish(conv.twist_msg(Twist2D(0.3, 0.0)))
    status('moved_on', MissionState.FAILED, message='odometry lost')
    assert monitor.wait(lambda: len(monitor.statuses) == 6 and len(monitor.commands) == 2, 5.0)
    assert monitor.violations() == [
        'mission moved_on ended without a zero Twist after its last motion command and by '
        'its terminal status', 'the last cmd_vel is Twist2D(linear=0.3, angular=0.0, '
        'lateral=0.0), not a zero Twist']


def test_rclpy_gives_the_publication_time_the_monitor_relies_on(bare_monitor):
    monitor, cmd_pub, _, _ = bare_monitor
    before = time.time_ns()
    cmd_pub.publish(conv.twist_msg(Twist2D()))
    assert monitor.wait(lambda: monitor.cmds, 5.0)
    assert before <= monitor.cmds[0].source_ns <= time.time_ns()
    assert rclpy.ok()
