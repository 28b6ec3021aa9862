# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The mission runner's state machine on the kinematic model: every exit path ends in a stop."""

from dataclasses import replace
import math

import pytest

from shadowhound_llm.common.camera import ImageFrame
from shadowhound_llm.common.contract import MissionState, Reason
from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.mission.runner import MissionRunner, OdomSample
from shadowhound_llm.motion.control import Twist2D
from shadowhound_llm.motion.sim_model import SimLimits, UnicycleSim
from shadowhound_llm.planning.actions import parse_plan


class Loop:
    """Executor + model, ticked at 20 Hz with fake time."""

    def __init__(self, config=None, camera=None, start=None):
        self.ex = MissionRunner(config or AgentConfig(), camera=camera)
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
    from shadowhound_llm.planning.envelope import drive_pose
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
    from shadowhound_llm.planning.envelope import drive_pose
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


# ---- exact edges of the runner's exits: each test kills mutants (benchmarks/mutation.sh)
def _cursor(start=None, **limits):
    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.planning.envelope import EnvelopeCursor, Limits
    return EnvelopeCursor(Limits(**limits), start or Pose2D(), Pose2D())


def _actions(*raw):
    from shadowhound_llm.planning.actions import parse_plan
    return parse_plan({'actions': list(raw)}).actions


class _Exec:
    """An executor on fake time with a pose the test moves by hand."""

    def __init__(self, **params):
        from dataclasses import replace

        from shadowhound_llm.common.geometry import Pose2D
        from shadowhound_llm.common.params import AgentConfig
        from shadowhound_llm.mission.runner import MissionRunner
        self.ex = MissionRunner(replace(AgentConfig(), **params))
        self.pose, self.t, self.age = Pose2D(), 100.0, 0.0

    def start(self, *raw, closed=True):
        return self.ex.start('m', 'test', list(_actions(*raw)), self.t, plan_closed=closed)

    def tick(self, dt=0.05):
        from shadowhound_llm.mission.runner import OdomSample
        out = self.ex.tick(self.t, OdomSample(self.pose, self.age))
        self.t += dt
        return out


def test_after_an_abort_a_standing_mission_publishes_nothing():
    e = _Exec()
    e.start({'type': 'move', 'distance_m': 1.0})
    assert not e.tick().cmd.is_zero()
    assert e.ex.abort(MissionState.CANCELLED, 'x', Reason.MISSION_CANCEL).cmd.is_zero()
    e.start({'type': 'wait', 'seconds': 5.0})
    outs = [e.tick() for _ in range(3)]
    assert all(o.cmd is None for o in outs), 'standing still needs no stream of zeros'


def test_a_finished_motion_then_a_wait_publishes_one_zero():
    from shadowhound_llm.common.geometry import Pose2D
    e = _Exec()
    e.start({'type': 'move', 'distance_m': 0.1}, {'type': 'wait', 'seconds': 5.0},
            {'type': 'say', 'text': 'x'})
    assert not e.tick().cmd.is_zero()
    e.pose = Pose2D(0.1, 0.0, 0.0)
    out = e.tick()
    assert out.cmd is not None and out.cmd.is_zero()
    assert [s.message for s in out.events] == ['step 2/3: wait 5.0 s']
    out = e.tick()
    assert out.cmd is None and out.events == []


def test_statuses_on_quiet_ticks_are_not_lost_and_mark_an_open_plan():
    e = _Exec()
    e.start({'type': 'say', 'text': 'a'}, closed=False)
    out = e.tick()
    assert out.cmd is None
    assert [s.message for s in out.events] == ['step 1/1+: say "a"']


def test_notes_join_and_the_plan_can_stop_itself():
    e = _Exec()
    e.start({'type': 'say', 'text': 'a'}, {'type': 'say', 'text': 'b'})
    assert e.tick().events[-1].message == 'a; b'
    e = _Exec()
    e.start({'type': 'say', 'text': 'a'}, {'type': 'stop'}, {'type': 'move', 'distance_m': 1})
    final = e.tick().events[-1]
    assert final.message == 'stopped by the plan' and final.state.value == 'succeeded'
    assert e.ex.busy is False


def test_a_wait_ends_exactly_on_time():
    e = _Exec()
    e.start({'type': 'wait', 'seconds': 1.0})
    e.tick(dt=1.0)
    assert e.tick().events[-1].state.value == 'succeeded'


def test_the_duration_limit_is_exceeded_only_past_it():
    e2 = _Exec(max_mission_duration_s=5.0)
    e2.start({'type': 'wait', 'seconds': 10.0})
    e2.t += 5.0
    out = e2.ex.tick(e2.t - 0.0, None)
    assert not any(s.terminal for s in out.events), 'exactly the limit is still allowed'


def test_failures_name_the_step_that_failed():
    e = _Exec()
    e.start({'type': 'say', 'text': 'a'}, {'type': 'move', 'distance_m': 1.0})
    e.age = 1.0
    final = e.tick().events[-1]
    assert final.message.startswith('step 2 (move +1.00 m) failed: odometry lost')


def test_no_odometry_says_what_to_check():
    from shadowhound_llm.common.params import AgentConfig
    from shadowhound_llm.mission.runner import MissionRunner
    ex = MissionRunner(AgentConfig())
    ex.start('m', 't', list(_actions({'type': 'move', 'distance_m': 1})), 0.0)
    final = ex.tick(0.0, None).events[-1]
    assert final.message == (
        "step 1 (move +1.00 m) failed: no odometry received on 'odom' (is the GO2 bridge "
        'running?); refusing to move without feedback (allow_open_loop is false); robot '
        'stopped')


def test_odometry_exactly_as_old_as_the_timeout_is_still_fresh():
    e = _Exec(odom_timeout_s=0.5)
    e.start({'type': 'move', 'distance_m': 1.0})
    e.age = 0.5
    out = e.tick()
    assert not out.cmd.is_zero() and not out.events[-1].terminal


def test_the_first_command_from_rest_is_one_acceleration_step():
    e = _Exec(linear_accel=0.5, control_rate_hz=20.0)
    e.start({'type': 'move', 'distance_m': 1.0})
    assert e.tick().cmd.linear == pytest.approx(0.5 / 20.0)


@pytest.mark.parametrize('moved, fails', [(0.34, False), (0.36, True)])
def test_an_odometry_jump_is_more_than_the_robot_can_move(moved, fails):
    from shadowhound_llm.common.geometry import Pose2D
    e = _Exec(max_linear_speed=0.5)
    e.start({'type': 'move', 'distance_m': 3.0})
    e.tick()
    e.pose = Pose2D(moved, 0.0, 0.0)  # 0.3 m + 2 x 0.5 m/s x 0.05 s = 0.35 m allowed
    final = e.tick().events
    assert bool(final and final[-1].terminal) == fails
    if fails:
        assert 'odometry jumped 0.36 m in 0.05 s' in final[-1].message


@pytest.mark.parametrize('turned, fails, max_rate', [(0.59, False, 1.0), (0.61, True, 1.0),
                                                     (0.6, True, 0.5)])
def test_a_heading_jump_is_more_than_the_robot_can_turn(turned, fails, max_rate):
    from shadowhound_llm.common.geometry import Pose2D
    e = _Exec(max_angular_speed=max_rate)  # allowed: 0.5 rad + 2 x rate x 0.05 s
    e.start({'type': 'rotate', 'angle_deg': 170})
    e.tick()
    e.pose = Pose2D(0.0, 0.0, turned)  # 0.5 rad + 2 x 1 rad/s x 0.05 s = 0.6 rad allowed
    final = e.tick().events
    assert bool(final and final[-1].terminal) == fails
    if fails:
        assert f'heading jumped {math.degrees(turned):.0f} deg in 0.05 s' in final[-1].message


def test_a_stall_is_declared_only_after_the_stall_timeout():
    e = _Exec(stall_timeout_s=1.0)
    e.start({'type': 'move', 'distance_m': 1.0})
    e.tick(dt=1.0)  # no progress since the first tick
    out = e.tick()
    assert not any(s.terminal for s in out.events), 'exactly the timeout: not yet'
    assert e.tick().events[-1].message.endswith('robot stopped')


def test_slowing_through_zero_keeps_to_the_acceleration_step():
    from shadowhound_llm.motion.control import _Controller, ControlLimits
    c = _Controller(ControlLimits(linear_accel=2.0))
    c._last = Twist2D(0.3, 0.0, 0.0)
    assert c._ramped(Twist2D(-0.1, 0.0, 0.0), 0.1).linear == pytest.approx(0.1)


def test_a_drive_out_of_the_geofence_is_reported_as_its_path():
    from shadowhound_llm.planning.envelope import EnvelopeViolation
    with pytest.raises(EnvelopeViolation) as info:
        _cursor(max_goto_radius_m=1.0).check_all(
            _actions({'type': 'drive', 'linear_mps': 0.5, 'seconds': 3.0}))
    assert 'its path reaches 1.5 m from home (at (1.5, 0.0) after 3.0 s)' in str(info.value)


def test_after_a_motion_finished_the_next_standing_mission_publishes_nothing():
    from shadowhound_llm.common.geometry import Pose2D
    e = _Exec()
    e.start({'type': 'move', 'distance_m': 0.1})
    assert not e.tick().cmd.is_zero()
    e.pose = Pose2D(0.1, 0.0, 0.0)
    out = e.tick()
    assert out.cmd.is_zero() and out.events[-1].state.value == 'succeeded'
    e.start({'type': 'wait', 'seconds': 5.0})
    assert e.tick().cmd is None


def test_a_step_that_would_leave_the_geofence_from_the_real_pose_is_refused():
    """A move that would really leave the fence is refused where it starts.

    The envelope predicts a goto facing its point; a goto within the position tolerance does
    not turn, so the move after it goes elsewhere than the plan predicted.
    """
    from shadowhound_llm.planning.envelope import check_plan, Limits

    plan = [{'type': 'goto', 'x': 0.0, 'y': 6.0},
            {'type': 'goto', 'x': 0.0, 'y': 0.03, 'frame': 'robot'},
            {'type': 'move', 'distance_m': 5.0}]
    check_plan(parse_plan({'actions': plan}), Limits())  # fits, as the plan predicts it
    loop = Loop()
    loop.ex.home = Pose2D()
    loop.start(*plan)
    farthest = 0.0
    while not (loop.events and loop.events[-1].terminal):
        loop.tick()
        farthest = max(farthest, math.hypot(loop.sim.pose.x, loop.sim.pose.y))
    final = loop.events[-1]
    assert final.state == MissionState.FAILED and final.step == 2
    assert 'max_goto_radius_m' in final.message and '11.0 m from home' in final.message
    assert final.reason == Reason.ENVELOPE
    assert farthest < AgentConfig().max_goto_radius_m and loop.cmds[-1] == Twist2D()


def test_steps_near_the_geofence_that_stay_inside_it_run():
    loop = Loop()
    loop.ex.home = Pose2D()
    loop.start({'type': 'goto', 'x': 0.0, 'y': 9.5}, {'type': 'move', 'distance_m': 0.4},
               {'type': 'move', 'distance_m': -2.0}, {'type': 'return_home'})
    assert loop.run(120.0).state == MissionState.SUCCEEDED


@pytest.mark.parametrize('action', [{'type': 'say', 'text': 'hello'}, {'type': 'wait',
                                                                      'seconds': 0.1}])
def test_every_mission_end_commands_a_stop_even_when_nothing_moved(action):
    loop = Loop()
    loop.start(action)
    while not (loop.events and loop.events[-1].terminal):
        out = loop.tick()
    assert loop.events[-1].state == 'succeeded'
    assert out.cmd is not None and out.cmd.is_zero(), 'the end of a mission is a stop'


# ---- live parameters reach the running mission -------------------------------------------
def test_a_new_odometry_timeout_applies_to_the_running_step():
    loop = Loop()
    loop.start({'type': 'move', 'distance_m': 2.0})
    for _ in range(20):
        loop.tick()
    loop.ex.reconfigure(replace(AgentConfig(), odom_timeout_s=1.0))
    loop.odom_age = 0.8  # late, but within the new timeout
    for _ in range(10):
        loop.tick()
    assert not any(e.terminal for e in loop.events), loop.events[-1].message
    assert not loop.cmds[-1].is_zero()


def test_the_statuses_of_the_tick_a_step_fails_in_are_kept():
    e = _Exec()
    e.start({'type': 'say', 'text': 'a'}, {'type': 'move', 'distance_m': 1.0})
    e.age = 1.0
    events = e.tick().events
    assert [(ev.state, ev.step) for ev in events] == [
        ('executing', 0), ('executing', 1), ('failed', 1)]
