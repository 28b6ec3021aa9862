# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The executor state machine on the kinematic model: every exit path ends in a stop."""

from dataclasses import replace
import math

import pytest

from shadowhound_llm.camera import ImageFrame
from shadowhound_llm.contract import Reason
from shadowhound_llm.control import Twist2D
from shadowhound_llm.executor import MissionExecutor, OdomSample
from shadowhound_llm.geometry import Pose2D
from shadowhound_llm.params import AgentConfig
from shadowhound_llm.plan import parse_plan
from shadowhound_llm.sim_model import SimLimits, UnicycleSim


class Loop:
    """Executor + model, ticked at 20 Hz with fake time."""

    def __init__(self, config=None, camera=None, start=None):
        self.ex = MissionExecutor(config or AgentConfig(), camera=camera)
        self.sim = UnicycleSim(SimLimits(), start)
        self.t = 100.0
        self.events, self.cmds = [], []
        self.odom_age = 0.0
        self.odom = True

    def start(self, *actions, closed=True):
        out = self.ex.start('m1', 'test', parse_plan({'actions': list(actions)}).actions,
                            self.t, plan_closed=closed)
        self.events += out.events

    def tick(self):
        odom = OdomSample(self.sim.pose, self.odom_age) if self.odom else None
        out = self.ex.tick(self.t, odom)
        self.events += out.events
        if out.cmd is not None:
            self.cmds.append(out.cmd)
            self.sim.command(out.cmd, self.t)
        for _ in range(5):
            self.t += 0.01
            self.sim.step(0.01, self.t)
        return out

    def run(self, seconds=60.0):
        end = self.t + seconds
        while self.t < end and not (self.events and self.events[-1].terminal):
            self.tick()
        return self.events[-1]


def test_sequence_ends_succeeded_with_a_final_zero_twist():
    loop = Loop()
    loop.start({'type': 'move', 'distance_m': 0.5}, {'type': 'rotate', 'angle_deg': -90},
               {'type': 'move', 'distance_m': 0.5})
    final = loop.run()
    assert final.state == 'succeeded'
    assert loop.cmds[-1] == Twist2D(0.0, 0.0)
    assert loop.sim.pose.x == pytest.approx(0.5, abs=0.05)
    assert loop.sim.pose.y == pytest.approx(-0.5, abs=0.05)
    steps = [e.step for e in loop.events if e.state == 'executing']
    assert steps[-3:] == [0, 1, 2]


def test_no_odometry_fails_without_moving():
    loop = Loop()
    loop.odom = False
    loop.start({'type': 'move', 'distance_m': 1.0})
    final = loop.run()
    assert final.state == 'failed'
    assert 'no odometry' in final.message and 'allow_open_loop' in final.message
    assert all(c.is_zero() for c in loop.cmds)


def test_stale_odometry_mid_move_fails_and_stops():
    loop = Loop()
    loop.start({'type': 'move', 'distance_m': 2.0})
    for _ in range(20):
        loop.tick()
    assert not loop.cmds[-1].is_zero()
    loop.odom_age = 0.8
    final = loop.run()
    assert final.state == 'failed'
    assert 'odometry lost' in final.message and '0.80 s' in final.message
    assert loop.cmds[-1].is_zero()


def test_mission_duration_limit():
    loop = Loop(replace(AgentConfig(), max_mission_duration_s=2.0))
    loop.start({'type': 'wait', 'seconds': 10})
    final = loop.run()
    assert final.state == 'failed' and 'max_mission_duration_s' in final.message


def test_blocked_robot_fails_with_no_progress():
    loop = Loop(replace(AgentConfig(), stall_timeout_s=1.0))
    loop.sim.limits = SimLimits(max_linear=0.0, max_angular=0.0)  # wheels in the mud
    loop.start({'type': 'move', 'distance_m': 1.0})
    final = loop.run()
    assert final.state == 'failed' and 'no progress' in final.message
    assert loop.cmds[-1].is_zero()


def test_abort_returns_zero_and_cancelled():
    loop = Loop()
    loop.start({'type': 'move', 'distance_m': 2.0})
    for _ in range(10):
        loop.tick()
    out = loop.ex.abort('cancelled', 'operator', Reason.MISSION_CANCEL)
    assert out.cmd == Twist2D(0.0, 0.0)
    assert out.events[0].state == 'cancelled'
    assert out.events[0].reason == 'mission_cancel'
    assert not loop.ex.busy


def test_stop_action_ends_the_plan_early():
    loop = Loop()
    loop.start({'type': 'stop'}, {'type': 'move', 'distance_m': 1.0})
    final = loop.run()
    assert final.state == 'succeeded' and 'stopped by the plan' in final.message
    assert loop.sim.pose.x == 0.0


def test_say_puts_the_text_in_the_status():
    loop = Loop()
    loop.start({'type': 'say', 'text': 'I am a GO2 quadruped.'})
    final = loop.run()
    assert final.state == 'succeeded' and final.message == 'I am a GO2 quadruped.'
    assert all(c.is_zero() for c in loop.cmds), 'say must not move the robot'


def test_photo_without_camera_frame_fails_after_timeout():
    loop = Loop(camera=type('NoCam', (), {'latest': lambda self: None})())
    loop.start({'type': 'photo'})
    final = loop.run()
    assert final.state == 'failed' and 'no camera frame' in final.message


def test_photo_saves_png(tmp_path):
    frame = ImageFrame(4, 2, 'bgr8', 12, bytes(range(24)), 100.0)
    camera = type('Cam', (), {'latest': lambda self: frame})()
    loop = Loop(replace(AgentConfig(), photo_dir=str(tmp_path)), camera=camera)
    loop.start({'type': 'photo'})
    final = loop.run()
    assert final.state == 'succeeded'
    files = list(tmp_path.glob('*.png'))
    assert len(files) == 1 and files[0].read_bytes()[:4] == b'\x89PNG'
    assert final.photo == str(files[0])


def test_return_home_uses_first_odometry_pose():
    loop = Loop(start=Pose2D(0.5, -0.5, math.radians(30)))
    loop.tick()  # first odom: home
    loop.start({'type': 'goto', 'x': 1.5, 'y': 0.5})
    assert loop.run().state == 'succeeded'
    loop.ex.mission = None
    loop.events.clear()
    loop.ex.start('m2', 'home', parse_plan({'actions': [{'type': 'return_home'}]}).actions,
                  loop.t)
    assert loop.run().state == 'succeeded'
    assert loop.sim.pose.distance_to(0.5, -0.5) < 0.05
    assert math.degrees(loop.sim.pose.yaw) == pytest.approx(30, abs=3)


def test_streamed_plan_holds_still_until_more_actions_arrive():
    loop = Loop()
    loop.start({'type': 'move', 'distance_m': 0.3}, closed=False)
    for _ in range(100):
        loop.tick()
    assert loop.ex.busy and not loop.events[-1].terminal
    assert loop.cmds[-1].is_zero()
    loop.ex.add_action(parse_plan({'actions': [{'type': 'rotate', 'angle_deg': 45}]}).actions[0])
    loop.ex.close_plan()
    assert loop.run().state == 'succeeded'
    assert math.degrees(loop.sim.pose.yaw) == pytest.approx(45, abs=3)


def test_sideways_and_backward_moves_end_at_the_right_pose():
    loop = Loop(start=Pose2D(1.0, 1.0, math.radians(90)))
    loop.start({'type': 'move', 'distance_m': 0.8, 'direction': 'right'},
               {'type': 'move', 'distance_m': 0.5, 'direction': 'backward'})
    assert loop.run().state == 'succeeded'
    # Facing +y: right is +x, backward is -y.
    assert (loop.sim.pose.x, loop.sim.pose.y) == pytest.approx((1.8, 0.5), abs=0.05)
    assert math.degrees(loop.sim.pose.yaw) == pytest.approx(90, abs=2)
    assert any(c.lateral < 0 for c in loop.cmds) and loop.cmds[-1] == Twist2D()


def test_step_speeds_are_the_cruise_of_their_step():
    loop = Loop()
    loop.start({'type': 'move', 'distance_m': 1.0, 'speed_mps': 0.15},
               {'type': 'rotate', 'angle_deg': 90, 'speed_dps': 20},
               {'type': 'goto', 'x': 1.0, 'y': 1.5, 'speed_mps': 0.45})
    assert loop.run().state == 'succeeded'
    assert loop.sim.pose.distance_to(1.0, 1.5) < 0.05
    peaks = [max(abs(c.linear) for c in loop.cmds[:40]),
             max(abs(c.angular) for c in loop.cmds if c.linear == 0.0),
             max(abs(c.linear) for c in loop.cmds)]
    assert peaks == pytest.approx([0.15, math.radians(20), 0.45])


def test_drive_for_seconds_ends_near_the_predicted_pose_then_stops():
    from shadowhound_llm.envelope import drive_pose
    loop = Loop(start=Pose2D(0.5, 0.0, math.radians(45)))
    loop.start({'type': 'drive', 'linear_mps': -0.25, 'seconds': 4})
    started = loop.t
    final = loop.run()
    assert final.state == 'succeeded'
    moving = [c for c in loop.cmds if not c.is_zero()]
    assert len(moving) * 0.05 == pytest.approx(4.0, abs=0.06), 'held for its seconds'
    assert loop.t - started == pytest.approx(4.0, abs=0.1)
    assert loop.cmds[-1] == Twist2D()
    for _ in range(20):  # let the robot come to rest
        loop.tick()
    end = drive_pose(Pose2D(0.5, 0.0, math.radians(45)), -0.25, 0.0, 0.0, 4.0)
    assert loop.sim.pose.distance_to(end.x, end.y) < 0.06


def test_drive_arc_and_lateral_drive_end_near_the_prediction():
    from shadowhound_llm.envelope import drive_pose
    loop = Loop()
    loop.start({'type': 'drive', 'linear_mps': 0.3, 'angular_dps': 30, 'seconds': 6},
               {'type': 'drive', 'lateral_mps': -0.2, 'seconds': 3})
    assert loop.run().state == 'succeeded'
    for _ in range(20):
        loop.tick()
    messages = [e.message for e in loop.events]
    assert 'step 2/2: drive 0.2 m/s right for 3 s' in messages
    mid = drive_pose(Pose2D(), 0.3, 0.0, math.radians(30), 6.0)
    end = drive_pose(mid, 0.0, -0.2, 0.0, 3.0)
    assert loop.sim.pose.distance_to(end.x, end.y) < 0.12
    assert math.degrees(loop.sim.pose.yaw) == pytest.approx(180, abs=5) or \
        math.degrees(loop.sim.pose.yaw) == pytest.approx(-180, abs=5)


def test_drive_is_not_a_stall_even_when_the_robot_cannot_move():
    # A timed drive ends by the clock; a blocked robot does not fail it as "no progress".
    loop = Loop(replace(AgentConfig(), stall_timeout_s=1.0))
    loop.sim.limits = SimLimits(max_linear=0.0, max_lateral=0.0, max_angular=0.0)
    loop.start({'type': 'drive', 'linear_mps': 0.2, 'seconds': 2.5})
    final = loop.run()
    assert final.state == 'succeeded' and loop.cmds[-1] == Twist2D()


def test_drive_fails_on_stale_odometry_and_stops():
    loop = Loop()
    loop.start({'type': 'drive', 'linear_mps': 0.3, 'angular_dps': 20, 'seconds': 10})
    for _ in range(20):
        loop.tick()
    assert not loop.cmds[-1].is_zero()
    loop.odom_age = 0.9
    final = loop.run()
    assert final.state == 'failed' and 'odometry lost' in final.message
    assert 'drive' in final.message and loop.cmds[-1] == Twist2D()


def test_drive_without_odometry_never_moves():
    loop = Loop()
    loop.odom = False
    loop.start({'type': 'drive', 'lateral_mps': 0.2, 'seconds': 2})
    final = loop.run()
    assert final.state == 'failed' and 'no odometry' in final.message
    assert all(c.is_zero() for c in loop.cmds)


def test_robot_frame_goto_is_placed_from_the_pose_where_the_step_starts():
    loop = Loop()
    loop.start({'type': 'move', 'distance_m': 0.6}, {'type': 'rotate', 'angle_deg': 90},
               {'type': 'goto', 'x': 1.0, 'y': -0.5, 'frame': 'robot'})
    final = loop.run()
    assert final.state == 'succeeded'
    # After 0.6 m and a left turn: 1 m ahead is +y, 0.5 m right is +x.
    assert loop.sim.pose.distance_to(1.1, 1.0) < 0.06
    assert final.target == pytest.approx({'x': 1.1, 'y': 1.0}, abs=0.05)
    step = [e.message for e in loop.events if 'goto' in e.message][0]
    assert 'step 3/3: goto (1.00, -0.50) (robot frame) -> odom (1.1' in step


def test_odom_frame_goto_target_is_recorded_as_given():
    loop = Loop(start=Pose2D(1.0, 1.0, 2.0))
    loop.start({'type': 'goto', 'x': -0.5, 'y': 0.5})
    final = loop.run()
    assert final.state == 'succeeded' and final.target == {'x': -0.5, 'y': 0.5}
    assert loop.sim.pose.distance_to(-0.5, 0.5) < 0.05


def test_lowering_the_limit_mid_step_caps_a_faster_step_speed():
    loop = Loop()
    loop.start({'type': 'move', 'distance_m': 2.0, 'speed_mps': 0.45})
    for _ in range(40):
        loop.tick()
    assert loop.cmds[-1].linear == pytest.approx(0.45)
    loop.ex.reconfigure(replace(AgentConfig(), max_linear_speed=0.2, cruise_linear_speed=0.2))
    loop.tick()
    assert loop.cmds[-1].linear <= 0.2 + 1e-9
