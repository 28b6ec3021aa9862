# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Every plan action is handled by every consumer, through the action's own methods.

A new action is a model in planning/actions.py, its controller in motion/control.py and a
line of the prompt (README, "Architecture"). These tests hold each action type to that list:
it has a sample here, a summary, a prediction the envelope, robot_test and the mission runner
agree on, its controllers when it moves, a canonical form, and a line in the prompt.
"""

from concurrent.futures import Future
import math

import pytest

from shadowhound_llm.backends.vision import VisionAnswer
from shadowhound_llm.common.camera import encode_for_model, ImageFrame
from shadowhound_llm.common.contract import LLMMetrics, MissionStatus
from shadowhound_llm.common.geometry import Pose2D, wrap_angle
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.dashboard.state import DashboardState
from shadowhound_llm.evaluation.quality import action_difference
from shadowhound_llm.evaluation.robot_test_cases import predict_end_pose
from shadowhound_llm.mission.runner import MissionRunner, OdomSample
from shadowhound_llm.motion.control import MotionLimits
from shadowhound_llm.motion.sim_model import SimLimits, UnicycleSim
from shadowhound_llm.planning.actions import ACTION_TYPES, MOTION_TYPES, validate_action
from shadowhound_llm.planning.envelope import EnvelopeCursor, Limits
from shadowhound_llm.planning.prompt import SYSTEM_RULES

# One sample of each action type (a new type needs one: test_every_action_type_has_a_sample).
SAMPLES = {
    'move': [{'type': 'move', 'distance_m': 0.8}, {'type': 'move', 'distance_m': 0.6,
                                                    'direction': 'left', 'speed_mps': 0.2}],
    'rotate': [{'type': 'rotate', 'angle_deg': -120.0}],
    'drive': [{'type': 'drive', 'linear_mps': 0.25, 'angular_dps': 20.0, 'seconds': 3.0}],
    'goto': [{'type': 'goto', 'x': 1.0, 'y': -0.8},
             {'type': 'goto', 'x': 0.9, 'y': 0.5, 'frame': 'robot', 'speed_mps': 0.25}],
    'wait': [{'type': 'wait', 'seconds': 0.3}],
    'stop': [{'type': 'stop'}],
    'photo': [{'type': 'photo'}],
    'return_home': [{'type': 'return_home'}],
    'say': [{'type': 'say', 'text': 'hello'}],
    'look': [{'type': 'look'}, {'type': 'look', 'question': 'Is the door open?'}],
}
START = Pose2D(0.4, -0.3, math.radians(30.0))
HOME = Pose2D(-0.5, 0.2, math.radians(-60.0))


def samples():
    return [pytest.param(raw, id=f'{kind}-{i}') for kind, raws in SAMPLES.items()
            for i, raw in enumerate(raws)]


def type_name(cls):
    return cls.model_fields['type'].default


class Camera:
    def __init__(self):
        self.frame = ImageFrame(4, 4, 'rgb8', 12, bytes(48), received=100.0)

    def latest(self):
        return self.frame


def answer_at_once(frame, question, cancel):
    """A vision model that answers on the spot (the real calls: test_look_ros, test_vision)."""
    future = Future()
    future.set_result(VisionAnswer(f'asked {question!r}', encode_for_model(frame, 64),
                                   LLMMetrics(backend='ollama', model='gemma3:4b'), 0.0))
    return future


class Loop:
    """The mission runner on the kinematic model, at 20 Hz with fake time, odometry fresh."""

    def __init__(self, tmp_path, start):
        config = AgentConfig(photo_dir=str(tmp_path))
        self.ex = MissionRunner(config, camera=Camera(), vision=answer_at_once)
        self.ex.home = HOME
        self.sim = UnicycleSim(SimLimits(), start)
        self.t = 100.0
        self.events = []

    def run(self, action, seconds=60.0):
        self.events += self.ex.start('m1', 'test', [action], self.t).events
        end = self.t + seconds
        while self.t < end and not self.events[-1].terminal:
            out = self.ex.tick(self.t, OdomSample(self.sim.pose, 0.0))
            self.events += out.events
            if out.cmd is not None:
                self.sim.command(out.cmd, self.t)
            for _ in range(5):
                self.t += 0.01
                self.sim.step(0.01, self.t)
        return self.events[-1]


def test_every_action_type_has_a_sample_and_motion_types_are_those_that_move():
    names = {type_name(cls) for cls in ACTION_TYPES}
    assert set(SAMPLES) == names, 'a new action type needs a sample in SAMPLES'
    assert MOTION_TYPES == {type_name(cls) for cls in ACTION_TYPES if cls.moves}
    assert {'move', 'rotate', 'drive', 'goto', 'return_home'} == MOTION_TYPES


@pytest.mark.parametrize('cls', ACTION_TYPES, ids=type_name)
def test_every_action_type_has_a_line_in_the_prompt(cls):
    assert f'{{"type":"{type_name(cls)}"' in SYSTEM_RULES


@pytest.mark.parametrize('raw', samples())
def test_each_summary_is_one_line_naming_the_action(raw):
    action = validate_action(raw)
    text = action.summary()
    assert text and '\n' not in text
    assert text.split()[0] == raw['type'].split('_')[0]


@pytest.mark.parametrize('raw', samples())
def test_the_envelope_and_robot_test_use_the_actions_prediction(raw):
    action = validate_action(raw)
    motion = action.predict(START, HOME, Limits())
    cursor = EnvelopeCursor(Limits(), START, HOME)
    cursor.check(action)
    assert cursor.pose == motion.end
    assert cursor.duration_s == pytest.approx(motion.seconds)
    if raw['type'] != 'stop':  # a stop ends the plan: robot_test predicts nothing after it
        assert predict_end_pose([raw], START, HOME) == motion.end
    if not action.moves:
        assert motion.end == START and action.controllers(START, None, HOME, None) == []
    else:
        assert motion.seconds > 0.0 and motion.end != START


@pytest.mark.parametrize('raw', samples())
def test_executing_an_action_ends_where_it_predicts(raw, tmp_path):
    action = validate_action(raw)
    loop = Loop(tmp_path, START)
    final = loop.run(action)
    assert final.state == 'succeeded', final.message
    predicted = action.predict(START, HOME, MotionLimits()).end
    end = loop.sim.pose
    assert end.distance_to(predicted.x, predicted.y) < 0.1, (end, predicted)
    assert abs(math.degrees(wrap_angle(end.yaw - predicted.yaw))) < 6.0, (end, predicted)
    # the statuses carry each step's summary and, where it leads somewhere, its target
    step = final.steps[0]
    assert step['summary'].startswith(action.summary())
    target = action.target(START, HOME)
    assert (target is not None) == (raw['type'] in ('goto', 'return_home'))  # the map's marks
    if target is None:
        assert 'target' not in step
    else:
        assert (step['target']['x'], step['target']['y']) == pytest.approx(target, abs=1e-3)
        assert target == pytest.approx((predicted.x, predicted.y))


@pytest.mark.parametrize('raw', samples())
def test_the_dashboard_shows_the_agents_summary_and_target(raw, tmp_path):
    loop = Loop(tmp_path, START)
    loop.run(validate_action(raw))
    state = DashboardState()
    for status in loop.events:
        events = state.on_status(MissionStatus.from_json(status.to_json()))
    current = events[0].data['current']
    assert current['summaries'] == [s['summary'] for s in loop.events[-1].steps]
    targets = [{**s['target'], 'step': 0} for s in loop.events[-1].steps if 'target' in s]
    assert [{k: t[k] for k in ('x', 'y', 'step')} for t in current['targets']] == targets


def test_canonical_forms_tell_types_apart_except_the_documented_equivalence():
    kinds = {}
    for raws in SAMPLES.values():
        for raw in raws:
            action = validate_action(raw)
            kind, fields = action.canonical(Limits())
            assert action_difference(action, action) == ''
            kinds.setdefault(kind, set()).add(raw['type'])
    # a robot-frame goto straight ahead is a move (quality.py's docstring)
    ahead = validate_action({'type': 'goto', 'x': 1.0, 'y': 0.0, 'frame': 'robot'})
    assert action_difference(validate_action({'type': 'move', 'distance_m': 1.0}), ahead) == ''
    assert all(len(types) == 1 for types in kinds.values()), kinds


def test_one_set_of_motion_limits_for_envelope_controllers_and_governor():
    from dataclasses import replace

    from shadowhound_llm.mission.agent import AgentCore
    from shadowhound_llm.motion.control import ControlLimits

    config = replace(AgentConfig(), backend='none', cruise_linear_speed=0.3,
                     max_linear_speed=0.2, cruise_angular_speed=0.4, max_angular_speed=1.5)
    motion = MotionLimits.from_config(config)
    envelope, control = Limits.from_config(config), ControlLimits.from_config(config)
    assert isinstance(envelope, MotionLimits)
    # cruise is capped to the max in one place, and every user sees the same numbers
    assert (envelope.cruise_mps, envelope.cruise_rps) == (motion.cruise_mps, motion.cruise_rps)
    assert (control.cruise_linear, control.cruise_angular) == (0.2, 0.4)
    assert (control.max_linear, control.max_angular) == (0.2, 1.5)
    core = AgentCore(config)
    try:
        assert (core.governor.max_linear, core.governor.max_angular) == (0.2, 1.5)
        core.reconfigure(replace(config, max_linear_speed=0.1, max_angular_speed=0.7))
        assert (core.governor.max_linear, core.governor.max_angular) == (0.1, 0.7)
        assert core.limits.cruise_mps == 0.1 == core.runner.limits.cruise_linear
    finally:
        core.close()


# The page's map labels a return_home target 'home' (a label, not a motion rule).
NAMED_FOR_DISPLAY = {'dashboard/state.py': {'return_home'}}


@pytest.mark.parametrize('module', ['planning/envelope.py', 'mission/runner.py',
                                    'evaluation/robot_test_cases.py', 'dashboard/state.py',
                                    'evaluation/quality.py', 'mission/agent.py',
                                    'motion/control.py'])
def test_no_consumer_re_derives_a_motion_action(module):
    """The consumers ask the actions: none of them names a motion type to handle it."""
    import ast
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / 'shadowhound_llm' / module
    named = {node.value for node in ast.walk(ast.parse(path.read_text(encoding='utf-8')))
             if isinstance(node, ast.Constant) and node.value in MOTION_TYPES}
    assert named <= NAMED_FOR_DISPLAY.get(module, set()), \
        f'{module} handles {sorted(named)} itself: ask the action (planning/actions.py) instead'
