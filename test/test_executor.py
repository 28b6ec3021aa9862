# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The executor state machine on the kinematic model: every exit path ends in a stop."""

from dataclasses import replace
import math

import pytest

from shadowhound_llm.camera import ImageFrame
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
    out = loop.ex.abort('cancelled', 'operator')
    assert out.cmd == Twist2D(0.0, 0.0)
    assert out.events[0].state == 'cancelled'
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
