# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Tests written to kill mutants of the safety path that survived the rest of the suite.

benchmarks/mutation.sh runs mutmut over plan.py, envelope.py, control.py, the executor's
exits and the agent's publish path; each test here names what it pins down.
"""

import math

import pytest

from shadowhound_llm.control import Governor, Twist2D, ZERO


def test_the_governor_passes_a_command_inside_the_limits_unchanged():
    governor = Governor(0.5, 1.0)
    for cmd in (Twist2D(0.5, 1.0), Twist2D(-0.5, -1.0), Twist2D(0.3, 0.2, 0.4), ZERO):
        assert governor.apply(cmd) == cmd
    assert governor.clamp_count == 0


def _core(**params):
    from dataclasses import replace

    from shadowhound_llm.agent import AgentCore
    from shadowhound_llm.params import AgentConfig
    return AgentCore(replace(AgentConfig(), backend='none', **params))


def test_open_loop_dead_reckons_from_the_last_governed_command():
    import json
    core = _core(allow_open_loop=True)
    try:
        t = 10.0
        out = core.submit(json.dumps({'text': 'move forward 0.3 m', 'id': 'ol'}), t)
        for _ in range(400):
            t += 0.05
            out.merge(core.tick(t))
            if any(s.terminal for s in out.statuses):
                break
        final = [s for s in out.statuses if s.terminal][-1]
        assert final.state.value == 'succeeded', final.message
        assert 0.25 < core._dead_reckoned.x < 0.35
        assert out.cmds[-1].is_zero()
    finally:
        core.close()


@pytest.mark.parametrize('how', ['cancel', 'stop'])
def test_a_mission_waiting_for_odometry_is_cancelled_with_the_reason(how):
    import json
    core = _core(odom_wait_s=5.0)
    try:
        out = core.submit(json.dumps({'text': 'move forward 1 m', 'id': 'w1'}), 1.0)
        assert [s.state.value for s in out.statuses] == ['received', 'planning']
        out = core.cancel(1.5) if how == 'cancel' else core.submit('stop', 1.5)
        waiting = [s for s in out.statuses if s.mission_id == 'w1']
        assert [s.state.value for s in waiting] == ['cancelled']
        assert waiting[0].message.endswith('robot stopped') and (
            'mission_cancel' in waiting[0].message or 'stopped by operator' in
            waiting[0].message)
        assert out.cmds and out.cmds[0].is_zero()
    finally:
        core.close()


def test_a_mission_being_planned_is_cancelled_with_the_reason():
    import json

    from shadowhound_llm.agent import PlanningJob
    from shadowhound_llm.envelope import EnvelopeCursor, Limits
    from shadowhound_llm.geometry import Pose2D
    core = _core()
    try:
        job = PlanningJob('p1', 'plan me', EnvelopeCursor(Limits(), Pose2D(), Pose2D()),
                          lambda event: None)
        core._jobs['p1'] = job  # as _dispatch leaves it while the LLM works
        out = core.cancel(2.0)
        planned = [s for s in out.statuses if s.mission_id == 'p1']
        assert [(s.state.value, s.message) for s in planned] == [
            ('cancelled', 'cancelled on mission_cancel; robot stopped')]
        assert job.cancelled.is_set() and not core._jobs
        assert json.loads(planned[0].to_json())['message']
    finally:
        core.close()


# ---- plan.py: what the operator reads, what the LLM is told ------------------------------
def test_action_summaries_read_exactly():
    from shadowhound_llm.plan import action_summary, parse_plan
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
    from shadowhound_llm.plan import action_summary, parse_plan
    drive = parse_plan({'actions': [{'type': 'drive', 'lateral_mps': 0.9, 'seconds': 1}]})
    assert action_summary(drive.actions[0]).endswith('left for 1 s')


def test_plan_errors_name_the_first_three_problems_and_count_the_rest():
    from shadowhound_llm.plan import parse_plan, PlanError, validate_action
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
    from shadowhound_llm.plan import plan_json_schema
    assert plan_json_schema()['properties']['actions']['maxItems'] == 20
    assert plan_json_schema(3)['properties']['actions']['maxItems'] == 3
    assert 'maxItems' not in plan_json_schema(None)['properties']['actions']


# ---- control.py --------------------------------------------------------------------------
def fast_limits(**kw):
    """Accelerations so high that ramping never limits: commands equal the profile."""
    from shadowhound_llm.control import ControlLimits
    return ControlLimits(linear_accel=1000.0, angular_accel=1000.0, **kw)


def test_control_limits_come_from_every_parameter():
    from dataclasses import replace
    import math

    from shadowhound_llm.control import ControlLimits
    from shadowhound_llm.params import AgentConfig
    cfg = replace(AgentConfig(), cruise_linear_speed=0.2, cruise_angular_speed=0.4,
                  max_linear_speed=0.6, max_angular_speed=0.9, linear_accel=0.7,
                  angular_accel=1.1, position_tolerance_m=0.03, yaw_tolerance_deg=5.0)
    assert ControlLimits.from_config(cfg) == ControlLimits(
        cruise_linear=0.2, cruise_angular=0.4, max_linear=0.6, max_angular=0.9,
        linear_accel=0.7, angular_accel=1.1, position_tol=0.03, yaw_tol=math.radians(5.0))
    capped = ControlLimits.from_config(replace(cfg, cruise_angular_speed=2.0))
    assert capped.cruise_angular == 0.9


def test_profile_speed_decelerates_as_sqrt_2ad():
    import math

    from shadowhound_llm.control import profile_speed
    assert profile_speed(0.01, 1.0, 0.5, 0.0) == pytest.approx(math.sqrt(2 * 0.5 * 0.01))
    assert profile_speed(-0.01, 1.0, 0.5, 0.0) == pytest.approx(-math.sqrt(0.01))


def test_ramping_steps_by_acceleration_times_dt_on_every_axis():
    from shadowhound_llm.control import ControlLimits, DriveController
    lim = ControlLimits(linear_accel=0.5, angular_accel=2.0, max_angular=1.0)
    drive = DriveController(lim, 0.3, 0.2, 0.8, seconds=5.0)
    first = drive.update(None, 0.1, now=0.0)
    assert (first.linear, first.angular, first.lateral) == pytest.approx((0.05, 0.2, 0.05))


def test_controllers_start_with_what_is_left():
    import math

    from shadowhound_llm.control import (
        DriveController,
        FaceController,
        GotoController,
        MoveController,
        RotateController,
    )
    from shadowhound_llm.geometry import Pose2D
    lim = fast_limits()
    assert MoveController(lim, Pose2D(), -1.5).remaining == 1.5
    assert RotateController(lim, Pose2D(), -2.0).remaining == 2.0
    assert GotoController(lim, Pose2D(1.0, 1.0), 4.0, 5.0).remaining == 5.0
    assert DriveController(lim, 0.1, 0.0, 0.0, 3.0).remaining == 3.0
    face = FaceController(lim, Pose2D(0.0, 0.0, 1.0), 1.5)
    assert face.remaining == pytest.approx(0.5) and face.angle == pytest.approx(0.5)
    for c in (MoveController(lim, Pose2D(), 1.0), GotoController(lim, Pose2D(), 1.0, 0.0)):
        assert c.done is False
    assert math.isinf(DriveController.__mro__[1](lim).remaining)


def test_move_steers_back_to_its_heading_and_stops_at_the_tolerance_edge():
    from shadowhound_llm.control import MoveController
    from shadowhound_llm.geometry import Pose2D
    lim = fast_limits(position_tol=0.05)
    move = MoveController(lim, Pose2D(), 1.0)
    cmd = move.update(Pose2D(0.0, 0.0, 0.1), 0.05)
    assert cmd.linear == pytest.approx(0.3) and cmd.angular == pytest.approx(-0.2)
    edge = MoveController(lim, Pose2D(), 0.4 * lim.position_tol)  # exactly 0.4 tol left
    assert edge.update(Pose2D(), 0.05).is_zero() and edge.done


def test_rotate_stops_at_the_tolerance_edge():
    import math

    from shadowhound_llm.control import RotateController
    from shadowhound_llm.geometry import Pose2D
    lim = fast_limits(yaw_tol=math.radians(5.0))
    edge = RotateController(lim, Pose2D(), 0.4 * math.radians(5.0))
    assert edge.update(Pose2D(), 0.05).is_zero() and edge.done


def test_goto_commands_in_each_regime():
    import math

    from shadowhound_llm.control import GotoController
    from shadowhound_llm.geometry import Pose2D, wrap_angle
    lim = fast_limits(position_tol=0.05)
    # far, roughly on heading: cruise and a steering term
    goto = GotoController(lim, Pose2D(), 2.0, 0.2)
    cmd = goto.update(Pose2D(), 0.05)
    error = math.atan2(0.2, 2.0)
    assert cmd.linear == pytest.approx(0.3) and cmd.angular == pytest.approx(2.0 * error)
    assert goto.remaining == pytest.approx(math.hypot(2.0, 0.2) + 0.5 * error)
    # far and behind: turn in place first (just above 25 deg: turn; at it: drive)
    goto = GotoController(lim, Pose2D(), -1.0, 0.0)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.linear == 0.0 and cmd.angular == pytest.approx(0.6)
    at = math.radians(25.0)
    goto = GotoController(lim, Pose2D(), math.cos(at), math.sin(at))
    goto.turn_in_place_above = wrap_angle(Pose2D().bearing_to(math.cos(at), math.sin(at))
                                          - Pose2D().yaw)  # exactly the error it computes
    assert goto.update(Pose2D(), 0.05).linear > 0.0, 'exactly the threshold: drive, not turn'
    # near (under 3 tolerances): straight in, no steering, remaining is the distance
    goto = GotoController(lim, Pose2D(), 0.1, 0.0)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.angular == 0.0 and cmd.linear == pytest.approx(min(0.3, math.sqrt(200.0)))
    assert goto.remaining == pytest.approx(0.1)
    d = 3.0 * 0.05  # exactly 3 tolerances: not near, so heading error counts as progress
    goto = GotoController(lim, Pose2D(), d, 0.0)
    goto.update(Pose2D(0.0, 0.0, 0.2), 0.05)
    assert goto.remaining == pytest.approx(d + 0.5 * 0.2)
    # passed it, beside it by more than the tolerance: face it
    goto = GotoController(lim, Pose2D(), 0.0, 0.07)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.linear == 0.0 and cmd.angular == pytest.approx(0.6) and not goto.done
    # within the tolerance but not along-track: done, and a zero command
    goto = GotoController(lim, Pose2D(), 0.0, 0.05)
    assert goto.update(Pose2D(), 0.05).is_zero() and goto.done is True
    # exactly 0.4 tolerances away: done, with that distance left
    goto = GotoController(lim, Pose2D(), 0.4 * lim.position_tol, 0.0)
    assert goto.update(Pose2D(), 0.05).is_zero() and goto.done
    assert goto.remaining == 0.4 * lim.position_tol
    # near and off heading: the heading error is not counted as distance left
    goto = GotoController(lim, Pose2D(), 0.1, 0.01)
    goto.update(Pose2D(), 0.05)
    assert goto.remaining == pytest.approx(math.hypot(0.1, 0.01))
    # near, along-track 0.4 tolerances (not less): drive, do not turn
    goto = GotoController(lim, Pose2D(), 0.02, 0.03)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.linear > 0.0 and not goto.done


def test_goto_backs_up_to_a_point_just_passed():
    from shadowhound_llm.control import GotoController
    from shadowhound_llm.geometry import Pose2D
    goto = GotoController(fast_limits(position_tol=0.05), Pose2D(), -0.1, 0.0)
    cmd = goto.update(Pose2D(), 0.05)
    assert cmd.linear < 0.0 and cmd.angular == 0.0


def test_drive_ends_exactly_on_time_and_needs_the_clock():
    from shadowhound_llm.control import DriveController
    drive = DriveController(fast_limits(), 0.2, 0.0, 0.0, seconds=1.0)
    assert not drive.update(None, 0.05, now=10.0).is_zero()
    assert drive.update(None, 0.05, now=11.0).is_zero() and drive.done
    assert drive.remaining == 0.0
    with pytest.raises(ValueError, match=r'^DriveController needs the control clock \(now\)$'):
        DriveController(fast_limits(), 0.2, 0.0, 0.0, 1.0).update(None, 0.05)


def test_a_pure_turn_drive_is_not_scaled():
    from shadowhound_llm.control import DriveController
    drive = DriveController(fast_limits(), 0.0, 0.0, 0.5, seconds=1.0)
    assert drive.update(None, 0.05, now=0.0) == Twist2D(0.0, 0.5, 0.0)


def test_the_governor_lets_the_exact_limit_through_and_counts_each_clamp():
    governor = Governor(0.5, 1.0)
    assert governor.apply(Twist2D(0.3, 0.0, 0.4)) == Twist2D(0.3, 0.0, 0.4)  # |v| = 0.5
    assert governor.clamp_count == 0
    governor.apply(Twist2D(0.6, 0.0))
    governor.apply(Twist2D(0.6, 0.0))
    governor.apply(Twist2D(0.0, 2.0))
    assert governor.clamp_count == 3


# ---- envelope.py -------------------------------------------------------------------------
def _cursor(start=None, **limits):
    from shadowhound_llm.envelope import EnvelopeCursor, Limits
    from shadowhound_llm.geometry import Pose2D
    return EnvelopeCursor(Limits(**limits), start or Pose2D(), Pose2D())


def _actions(*raw):
    from shadowhound_llm.plan import parse_plan
    return parse_plan({'actions': list(raw)}).actions


def test_drive_pose_is_exact_for_lines_and_arcs():
    import math

    from shadowhound_llm.envelope import drive_pose
    from shadowhound_llm.geometry import Pose2D
    line = drive_pose(Pose2D(1.0, 2.0, math.pi / 2), 0.2, 0.1, 0.0, 2.0)
    assert (line.x, line.y) == pytest.approx((1.0 - 0.2, 2.0 + 0.4))
    arc = drive_pose(Pose2D(0.0, 0.0, 0.3), 0.5, 0.0, 0.25, 2.0)  # turn of 0.5 rad
    r = 0.5 / 0.25
    assert arc.x == pytest.approx(r * (math.sin(0.8) - math.sin(0.3)))
    assert arc.y == pytest.approx(r * (math.cos(0.3) - math.cos(0.8)))
    assert arc.yaw == pytest.approx(0.8)


@pytest.mark.parametrize('raw, limit', [
    ({'type': 'goto', 'x': 10.0, 'y': 0.0}, {}),                       # on the geofence
    ({'type': 'wait', 'seconds': 120.0}, {}),                          # the whole duration
    ({'type': 'rotate', 'angle_deg': 10, 'speed_dps': 57.29577951308232}, {}),  # max rate
    ({'type': 'drive', 'linear_mps': 0.5, 'seconds': 2.0}, {'max_goto_radius_m': 1.0}),
    ({'type': 'wait', 'seconds': 0.0}, {}),
    ({'type': 'drive', 'linear_mps': 0.1, 'seconds': 0.5}, {}),
])
def test_exactly_at_a_limit_passes(raw, limit):
    _cursor(**limit).check_all(_actions(raw))


def test_non_motion_steps_take_no_time_and_waits_add_up():
    cursor = _cursor()
    cursor.check_all(_actions({'type': 'say', 'text': 'hi'}, {'type': 'photo'}))
    assert cursor.duration_s == 0.0
    cursor.check_all(_actions({'type': 'wait', 'seconds': 2.5}))
    assert cursor.duration_s == 2.5


def test_goto_time_counts_the_distance_and_the_turn():
    import math

    from shadowhound_llm.geometry import Pose2D
    cursor = _cursor(Pose2D(0.0, 0.0, 0.5))
    cursor.check(_actions({'type': 'goto', 'x': math.cos(1.0), 'y': math.sin(1.0)})[0])
    assert cursor.duration_s == pytest.approx(1.0 / 0.3 + 0.5 / 0.6)
    assert cursor.pose.yaw == pytest.approx(1.0)
    cursor = _cursor()
    cursor.check(_actions({'type': 'goto', 'x': 2.0, 'y': 0.0, 'speed_mps': 0.5})[0])
    assert cursor.duration_s == pytest.approx(4.0)


def test_a_goto_leaves_the_robot_facing_where_it_drove():
    cursor = _cursor()
    cursor.check_all(_actions({'type': 'goto', 'x': 0.0, 'y': 1.0},
                              {'type': 'goto', 'x': 1.0, 'y': 0.0, 'frame': 'robot'}))
    assert (cursor.pose.x, cursor.pose.y) == pytest.approx((0.0, 2.0))


def test_return_home_is_a_goto_home_with_its_time():
    cursor = _cursor()
    cursor.check_all(_actions({'type': 'move', 'distance_m': 3.0}, {'type': 'return_home'}))
    assert (cursor.pose.x, cursor.pose.y) == pytest.approx((0.0, 0.0))
    assert cursor.duration_s == pytest.approx(3.0 / 0.3 + 3.0 / 0.3 + math_pi() / 0.6)


def math_pi():
    import math
    return math.pi


@pytest.mark.parametrize('raw, message', [
    ({'type': 'move', 'distance_m': 6.0}, 'step 1 (move): move of 6.0 m exceeds the 5.0 m'),
    ({'type': 'rotate', 'angle_deg': 800}, 'step 1 (rotate): rotation of 800.0 deg exceeds'),
    ({'type': 'rotate', 'angle_deg': 9, 'speed_dps': 100}, 'step 1 (rotate): speed_dps 100'),
    ({'type': 'drive', 'linear_mps': 0.1, 'angular_dps': 50, 'seconds': 20},
     'step 1 (drive): drive turn of 1000.0 deg exceeds'),
    ({'type': 'drive', 'linear_mps': 0.5, 'seconds': 11},
     'step 1 (drive): drive displacement of 5.5 m exceeds'),
])
def test_violation_messages_name_the_step_and_what(raw, message):
    from shadowhound_llm.envelope import EnvelopeViolation
    with pytest.raises(EnvelopeViolation) as info:
        _cursor().check_all(_actions(raw))
    assert str(info.value).startswith(message), str(info.value)


def test_the_geofence_sees_the_far_point_of_a_looping_drive():
    import math

    from shadowhound_llm.envelope import EnvelopeViolation
    r = 0.5 / math.radians(360 / 7)
    drive = {'type': 'drive', 'linear_mps': 0.5, 'angular_dps': 360 / 7, 'seconds': 10}
    with pytest.raises(EnvelopeViolation) as info:
        _cursor(max_goto_radius_m=2 * r - 0.002).check_all(_actions(drive))
    assert 'after 3.5 s' in str(info.value), str(info.value)
    _cursor(max_goto_radius_m=2 * r + 0.002).check_all(_actions(drive))


def test_the_geofence_sees_the_first_sample_of_a_drive():
    import math

    from shadowhound_llm.envelope import EnvelopeViolation
    from shadowhound_llm.geometry import Pose2D
    # heading slightly outward at the fence, turning in: the path peaks at t = 0.05 s
    start = Pose2D(10.0 - 3e-4, 0.0, math.pi / 2 - 0.05)
    drive = {'type': 'drive', 'linear_mps': 0.5, 'angular_dps': math.degrees(1.0),
             'seconds': 0.4}
    with pytest.raises(EnvelopeViolation, match='max_goto_radius_m'):
        _cursor(start).check_all(_actions(drive))


# ---- executor.py -------------------------------------------------------------------------
class _Exec:
    """An executor on fake time with a pose the test moves by hand."""

    def __init__(self, **params):
        from dataclasses import replace

        from shadowhound_llm.executor import MissionExecutor
        from shadowhound_llm.geometry import Pose2D
        from shadowhound_llm.params import AgentConfig
        self.ex = MissionExecutor(replace(AgentConfig(), **params))
        self.pose, self.t, self.age = Pose2D(), 100.0, 0.0

    def start(self, *raw, closed=True):
        return self.ex.start('m', 'test', list(_actions(*raw)), self.t, plan_closed=closed)

    def tick(self, dt=0.05):
        from shadowhound_llm.executor import OdomSample
        out = self.ex.tick(self.t, OdomSample(self.pose, self.age))
        self.t += dt
        return out


def test_after_an_abort_a_standing_mission_publishes_nothing():
    e = _Exec()
    e.start({'type': 'move', 'distance_m': 1.0})
    assert not e.tick().cmd.is_zero()
    assert e.ex.abort(__import__('shadowhound_llm.contract').contract.MissionState.CANCELLED,
                      'x', 'mission_cancel').cmd.is_zero()
    e.start({'type': 'wait', 'seconds': 5.0})
    outs = [e.tick() for _ in range(3)]
    assert all(o.cmd is None for o in outs), 'standing still needs no stream of zeros'


def test_a_finished_motion_then_a_wait_publishes_one_zero():
    from shadowhound_llm.geometry import Pose2D
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
    from shadowhound_llm.executor import MissionExecutor
    from shadowhound_llm.params import AgentConfig
    ex = MissionExecutor(AgentConfig())
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
    from shadowhound_llm.geometry import Pose2D
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
    from shadowhound_llm.geometry import Pose2D
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
    from shadowhound_llm.control import _Controller, ControlLimits
    c = _Controller(ControlLimits(linear_accel=2.0))
    c._last = Twist2D(0.3, 0.0, 0.0)
    assert c._ramped(Twist2D(-0.1, 0.0, 0.0), 0.1).linear == pytest.approx(0.1)


def test_a_drive_out_of_the_geofence_is_reported_as_its_path():
    from shadowhound_llm.envelope import EnvelopeViolation
    with pytest.raises(EnvelopeViolation) as info:
        _cursor(max_goto_radius_m=1.0).check_all(
            _actions({'type': 'drive', 'linear_mps': 0.5, 'seconds': 3.0}))
    assert 'its path reaches 1.5 m from home (at (1.5, 0.0) after 3.0 s)' in str(info.value)


def test_after_a_motion_finished_the_next_standing_mission_publishes_nothing():
    from shadowhound_llm.geometry import Pose2D
    e = _Exec()
    e.start({'type': 'move', 'distance_m': 0.1})
    assert not e.tick().cmd.is_zero()
    e.pose = Pose2D(0.1, 0.0, 0.0)
    out = e.tick()
    assert out.cmd.is_zero() and out.events[-1].state.value == 'succeeded'
    e.start({'type': 'wait', 'seconds': 5.0})
    assert e.tick().cmd is None
