# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Property-based tests (hypothesis) of the plan parser, the streamed parser and the envelope.

For any input: either a plan inside the envelope or a clear rejection (PlanError,
EnvelopeViolation) - never another exception, and never motion beyond the limits when a
plan that passed is executed on the kinematic model.
"""

from __future__ import annotations

import json
import math

from hypothesis import assume, given, HealthCheck, settings
from hypothesis import strategies as st
import pytest

from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.mission.llm_planner import StreamingPlanParser
from shadowhound_llm.mission.runner import MissionRunner, OdomSample
from shadowhound_llm.motion.control import Twist2D
from shadowhound_llm.motion.sim_model import SimLimits, UnicycleSim
from shadowhound_llm.planning.actions import (
    Drive,
    Goto,
    Move,
    parse_plan,
    PlanError,
    Rotate,
    validate_action,
    Wait,
)
from shadowhound_llm.planning.envelope import EnvelopeCursor, EnvelopeViolation, Limits

TYPES = ['move', 'rotate', 'drive', 'goto', 'wait', 'stop', 'photo', 'return_home', 'say',
         'fly', '', 'MOVE']
FIELDS = ['distance_m', 'direction', 'speed_mps', 'angle_deg', 'speed_dps', 'linear_mps',
          'lateral_mps', 'angular_dps', 'seconds', 'x', 'y', 'frame', 'text', 'speed']
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-20, max_value=20),
    st.integers(min_value=-10**6, max_value=10**6),
    st.sampled_from([0, 0.0, -0.0, 1e308, -1e308, 5e-324, 5.0, 5.0000001, 0.5, 0.5000001,
                     720, 720.0001, 120, 10.0, 57.29577951308232]))
values = st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=8),
                   st.sampled_from(['forward', 'backward', 'left', 'right', 'odom', 'robot']),
                   st.lists(st.integers(), max_size=2))
# Mostly well-formed actions with hostile values, sometimes a wrong or extra field.
actions = st.builds(
    lambda kind, fields: {'type': kind, **fields},
    st.sampled_from(TYPES),
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=4))
plausible_numbers = st.floats(min_value=-12, max_value=12, allow_nan=False)
plausible = st.one_of(
    st.builds(lambda d, s: {'type': 'move', 'distance_m': d, **({'speed_mps': s} if s else {})},
              plausible_numbers, st.sampled_from([None, 0.1, 0.3, 0.5, 0.6])),
    st.builds(lambda a: {'type': 'rotate', 'angle_deg': a}, st.floats(-800, 800)),
    st.builds(lambda v, w, s: {'type': 'drive', 'linear_mps': v, 'angular_dps': w,
                               'seconds': s},
              st.floats(-0.6, 0.6), st.floats(-70, 70), st.floats(0.05, 20)),
    st.builds(lambda x, y, f: {'type': 'goto', 'x': x, 'y': y, 'frame': f},
              plausible_numbers, plausible_numbers, st.sampled_from(['odom', 'robot'])),
    st.builds(lambda s: {'type': 'wait', 'seconds': s}, st.floats(0, 3)),
    st.just({'type': 'return_home'}), st.just({'type': 'stop'}))
CLEAR = (PlanError, EnvelopeViolation)


def limits():
    return Limits.from_config(AgentConfig())


def envelope_verdict(plan):
    """None when the plan fits the envelope, else the violation's message."""
    try:
        EnvelopeCursor(limits(), Pose2D(), Pose2D()).check_all(plan.actions)
    except EnvelopeViolation as exc:
        return str(exc)
    return None


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_plan_or_a_plan_error(text):
    try:
        parse_plan(text)
    except PlanError as exc:
        assert str(exc).startswith('invalid plan')


@settings(max_examples=400, deadline=None)
@given(st.recursive(st.none() | st.booleans() | numbers | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(['actions', 'type'] + FIELDS), inner,
                                      max_size=3), max_leaves=20))
def test_any_json_value_is_a_plan_or_a_plan_error(value):
    text = json.dumps(value)  # NaN and Infinity included, as a careless server sends them
    for parse in (lambda: parse_plan(text), lambda: validate_action(value)):
        try:
            parse()
        except PlanError:
            pass


@settings(max_examples=500, deadline=None)
@given(st.lists(actions, min_size=1, max_size=6))
def test_hostile_actions_are_refused_clearly_or_fit_the_envelope(raw):
    try:
        plan = parse_plan(json.dumps({'actions': raw}))
    except PlanError:
        return
    for action in plan.actions:
        for name in ('distance_m', 'angle_deg', 'speed_mps', 'seconds', 'x', 'y'):
            value = getattr(action, name, None)
            assert value is None or (math.isfinite(value) and not isinstance(value, bool))
    verdict = envelope_verdict(plan)
    assert verdict is None or '(max_' in verdict or 'below the' in verdict \
        or 'not a finite' in verdict or 'must be positive' in verdict, verdict


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([Move, Rotate, Drive, Goto, Wait]),
       st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, -1.0]))
def test_the_envelope_refuses_values_that_bypassed_the_models(cls, bad):
    fields_ = {Move: {'distance_m': bad}, Rotate: {'angle_deg': bad},
               Drive: {'linear_mps': 0.1, 'seconds': bad}, Goto: {'x': bad, 'y': 0.0},
               Wait: {'seconds': bad}}[cls]
    action = cls.model_construct(**fields_)  # no validation: defence in depth
    must_refuse = bad != -1.0 or cls in (Drive, Wait)  # -1 is a fine distance, angle or x
    try:
        EnvelopeCursor(limits(), Pose2D(), Pose2D()).check(action)
    except EnvelopeViolation as exc:
        assert must_refuse, f'{action!r} refused: {exc}'
        return
    assert not must_refuse, f'{action!r} passed the envelope'


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plausible, min_size=1, max_size=4), st.data())
def test_streamed_prefixes_never_raise_and_never_run_ahead(raw, data):
    text = json.dumps({'actions': raw})
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=12)))
    parser = StreamingPlanParser()
    emitted, last = [], 0
    for cut in cuts + [len(text)]:
        emitted += parser.feed(text[last:cut])
        last = cut
    assert emitted == raw, 'the streamed actions are exactly the plan, in order'


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.lists(st.integers(0, 200), max_size=8))
def test_the_streamed_parser_survives_any_text(text, cuts):
    parser = StreamingPlanParser()
    last = 0
    for cut in sorted(c for c in cuts if c <= len(text)) + [len(text)]:
        out = parser.feed(text[last:cut])
        assert isinstance(out, list)
        last = cut


@pytest.mark.parametrize('depth', [10, 1000, 100000])
def test_deeply_nested_input_is_refused_not_crashed(depth):
    text = '{"actions":' + '[' * depth + ']' * depth + '}'
    with pytest.raises(PlanError):
        parse_plan(text)
    parser = StreamingPlanParser()
    for i in range(0, len(text), 4096):
        parser.feed(text[i:i + 4096])


def _execute(plan, config):
    """Run a plan on the executor + model at 20 Hz; return the commands and max radius."""
    ex = MissionRunner(config)
    sim = UnicycleSim(SimLimits(), Pose2D())
    t, cmds, radius = 100.0, [], 0.0
    ex.tick(t, OdomSample(sim.pose, 0.0))  # home
    ex.start('m', 'prop', list(plan.actions), t)
    for _ in range(int((config.max_mission_duration_s + 5) / 0.05)):
        out = ex.tick(t, OdomSample(sim.pose, 0.0))
        if out.cmd is not None:
            cmds.append(out.cmd)
            sim.command(out.cmd, t)
        for _ in range(5):
            t += 0.01
            sim.step(0.01, t)
        radius = max(radius, math.hypot(sim.pose.x, sim.pose.y))
        if any(e.terminal for e in out.events):
            return cmds, radius, [e for e in out.events if e.terminal][0]
    raise AssertionError('the mission never ended')


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plausible, min_size=1, max_size=3))
def test_a_plan_that_fits_the_envelope_moves_within_the_limits(raw):
    try:
        plan = parse_plan({'actions': raw})
    except PlanError:
        return
    assume(envelope_verdict(plan) is None)
    config = AgentConfig()
    cmds, radius, final = _execute(plan, config)
    for c in cmds:
        assert math.hypot(c.linear, c.lateral) <= config.max_linear_speed + 1e-9, c
        assert abs(c.angular) <= config.max_angular_speed + 1e-9, c
    assert radius <= config.max_goto_radius_m + 0.1
    assert cmds[-1] == Twist2D() or final.state.value != 'succeeded'
