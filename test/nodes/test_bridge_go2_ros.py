# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission_agent against sim_robot's go2 bridge model, over real rclpy and DDS.

sim_robot with ``bridge_model: go2`` drops zero Twists and holds the last command for a
second, publishes pose-only odometry at 10 Hz, 0.3 s late: the agent must still end where
it should and stop when told. Judged on the simulator's ground truth.
"""

import time

import pytest

GO2_SIM = {'bridge_model': 'go2'}


def held_out(truth):
    """The GO2 at rest with no command held any more: where it stays."""
    velocity = truth.velocity
    return not truth.commanded_recently(time.monotonic()) and \
        (velocity.linear, velocity.angular, velocity.lateral) == (0.0, 0.0, 0.0)


def test_stop_during_a_walk_stops_the_go2_within_0_3_s(make_harness):
    h = make_harness({'stop_mode': 'go2'}, GO2_SIM)
    truth = h.sim.sim
    h.send('move forward 3 m')
    assert h.probe.wait(lambda: truth.velocity.linear > 0.29, 10.0)
    x_at_stop, sent = truth.pose.x, time.monotonic()
    assert h.run('stop')['state'] == 'succeeded'
    assert h.probe.wait(lambda: truth.velocity.linear == 0.0, 1.0)
    assert time.monotonic() - sent <= 0.5  # 0.3 s in the model, plus DDS and a loaded host
    time.sleep(1.2)  # past the GO2's command hold: nothing may have restarted it
    assert truth.velocity.linear == 0.0
    assert truth.pose.x - x_at_stop <= 0.10


def test_a_zero_twist_alone_does_not_stop_the_go2(make_harness):
    """Why stop_mode go2 exists: the same stop with stop_mode zero coasts for the hold."""
    h = make_harness({'stop_mode': 'zero'}, GO2_SIM)
    truth = h.sim.sim
    h.send('move forward 3 m')
    assert h.probe.wait(lambda: truth.velocity.linear > 0.29, 10.0)
    x_at_stop = truth.pose.x
    h.run('stop')
    time.sleep(0.5)  # the check itself: half a second later the GO2 still walks
    assert truth.velocity.linear > 0.2
    assert h.probe.wait(lambda: truth.velocity.linear == 0.0, 2.0)
    assert truth.pose.x - x_at_stop > 0.2


@pytest.mark.slow
def test_test_plan_move_and_turn_end_where_asked_on_the_go2_bridge(make_harness):
    h = make_harness({'stop_mode': 'go2'}, GO2_SIM)
    truth = h.sim.sim
    assert h.run('move forward 1 meter')['state'] == 'succeeded'
    assert h.probe.wait(lambda: held_out(truth), 5.0), 'the GO2 never came to rest'
    assert truth.pose.distance_to(1.0, 0.0) <= 0.05
    assert h.run('turn left 90 degrees')['state'] == 'succeeded'
    assert h.probe.wait(lambda: held_out(truth), 5.0), 'the GO2 never came to rest'
    assert abs(truth.pose.yaw - 1.5708) <= 0.0524  # 3 degrees


def test_bridge_diagnostic_names_a_stamped_mux_and_a_shared_cmd_vel(make_harness):
    """A TwistStamped subscriber (Jazzy twist_mux) and the joystick's publisher on cmd_vel."""
    from geometry_msgs.msg import Twist, TwistStamped
    from rclpy.node import Node

    from shadowhound_llm.common.contract import Severity
    from shadowhound_llm.mission.bridge_check import bridge_task

    h = make_harness({'stop_mode': 'go2'}, GO2_SIM)
    ok = h.probe.wait(lambda: (lambda s: s if s.level == Severity.OK else None)(
        bridge_task(h.agent.bridge_facts(time.monotonic()))), 5.0)
    assert ok is not None, bridge_task(h.agent.bridge_facts(time.monotonic())).message
    # Other processes in real life: their own context (a DDS participant takes one type
    # per topic).
    import rclpy
    contexts = [rclpy.Context(), rclpy.Context()]
    for context in contexts:
        rclpy.init(context=context)
    mux = Node('twist_mux', context=contexts[0])
    joy = Node('teleop_twist_joy_node', context=contexts[1])
    try:
        mux.create_subscription(TwistStamped, 'cmd_vel', lambda _msg: None, 10)
        joy.create_publisher(Twist, 'cmd_vel', 10)

        def warned():
            status = bridge_task(h.agent.bridge_facts(time.monotonic()))
            return status if ('use_stamped' in status.message
                              and 'teleop_twist_joy_node' in status.message) else None
        status = h.probe.wait(warned, 5.0)
        assert status is not None and status.level == Severity.WARN
        values = dict(status.values)
        assert 'TwistStamped' in values['cmd_vel subscribers']
        assert float(values['odom rate [Hz]']) < 15.0  # the go2 model's 10 Hz
    finally:
        mux.destroy_node()
        joy.destroy_node()
        for context in contexts:
            rclpy.shutdown(context=context)
