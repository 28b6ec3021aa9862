# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The agent core without ROS: dispatch, preemption, stream reconciliation, backend gating.

Everything here runs in milliseconds: the core is driven by method calls and planner events,
and its outputs (governed commands, statuses, metrics) are checked directly.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from shadowhound_llm.backends.base import BackendError, LLMResult
from shadowhound_llm.backends.validation import CheckResult, ValidationReport
from shadowhound_llm.common.contract import LLMMetrics, MissionState, Reason, Severity
from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.mission.agent import AgentCore, BackendState
from shadowhound_llm.mission.events import (
    ActionPlanned,
    BackendsValidated,
    MetricsReady,
    PlanComplete,
    PlanFailed,
)
from shadowhound_llm.motion.sim_model import SimLimits, UnicycleSim
from shadowhound_llm.planning.actions import Move, parse_plan, plan_json_schema, Rotate

TWO_STEP = '{"actions":[{"type":"move","distance_m":0.5},{"type":"rotate","angle_deg":90}]}'


class ScriptedBackend:
    """An in-process ChatBackend: replies with scripted text, streamed in pieces."""

    name = 'ollama'
    model = 'phi4:14b'

    def __init__(self, reply: str = TWO_STEP, fail: str = '', gate: threading.Event | None = None
                 ) -> None:
        self.reply, self.fail, self.gate = reply, fail, gate
        self.calls = 0
        self.closed = False
        self.schemas: list[Any] = []  # the schema of every call
        self.returned = threading.Event()  # a call has returned or raised

    def chat(self, messages: list[dict[str, str]], schema: Any = None, stream: bool = True,
             on_text: Any = None, timeout_s: Any = None, options: Any = None,
             cancel: threading.Event | None = None) -> LLMResult:
        self.calls += 1
        self.schemas.append(schema)
        try:
            if self.gate is not None:
                while not self.gate.wait(0.01):
                    if cancel is not None and cancel.is_set():
                        raise BackendError('request cancelled by the caller')
            if self.fail:
                raise BackendError(self.fail)
            for i in range(0, len(self.reply), 7):
                if on_text is not None:
                    on_text(self.reply[i:i + 7])
            return LLMResult(self.reply, LLMMetrics(backend=self.name, model=self.model,
                                                    tokens_per_s=20.0, eval_count=30))
        finally:
            self.returned.set()

    def close(self) -> None:
        self.closed = True


class Core:
    """An AgentCore with its notify hooked to an event, and helpers to drive it."""

    def __init__(self, backends: list[Any] | None = None, **params: Any) -> None:
        config = AgentConfig(**{'backend': 'none', 'validate_on_startup': False, **params})
        self.woken = threading.Event()
        self.core = AgentCore(config, backends=backends, notify=self.woken.set, robot='robot1')
        self.core.start()
        self.sim = UnicycleSim(SimLimits())
        self.now = 0.0
        self.statuses: list[Any] = []
        self.cmds: list[Any] = []
        self.metrics: list[Any] = []

    def take(self, out: Any) -> Any:
        if out is not None:
            self.statuses += out.statuses
            self.cmds += out.cmds
            self.metrics += out.metrics
        return out

    def submit(self, data: str) -> Any:
        return self.take(self.core.submit(data, self.now))

    def odom(self, x: float = 0.0, y: float = 0.0, yaw: float = 0.0) -> None:
        self.take(self.core.odom(Pose2D(x, y, yaw), self.now))

    def tick(self, dt: float = 0.05) -> Any:
        self.now += dt
        return self.take(self.core.tick(self.now))

    def drive(self, seconds: float, dt: float = 0.05) -> None:
        """Close the loop with the kinematic GO2 model: commands in, odometry out."""
        for _ in range(int(round(seconds / dt))):
            self.tick(dt)
            if self.cmds:
                self.sim.command(self.cmds[-1], self.now)
            self.sim.step(dt, self.now)
            self.take(self.core.odom(self.sim.pose, self.now))

    def drain_until(self, predicate: Any, timeout: float = 5.0) -> None:
        """Drain worker events until predicate() holds (workers are real threads)."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not predicate():
                assert not deadline.is_set(), 'condition not reached'
                self.woken.wait(0.01)
                self.woken.clear()
                self.take(self.core.drain(self.now))
        finally:
            timer.cancel()

    def states(self, mission_id: str) -> list[str]:
        return [s.state.value for s in self.statuses if s.mission_id == mission_id]

    def final(self, mission_id: str) -> Any:
        return next((s for s in self.statuses if s.mission_id == mission_id and s.terminal),
                    None)

    def close(self) -> None:
        self.core.close()


@pytest.fixture
def make_core():
    made: list[Core] = []

    def factory(*args: Any, **kwargs: Any) -> Core:
        core = Core(*args, **kwargs)
        made.append(core)
        return core

    yield factory
    for core in made:
        core.close()


def request(text: str, **fields: Any) -> str:
    return json.dumps({'text': text, **fields})


# ---- structured requests ------------------------------------------------------------------

def test_request_id_is_echoed_in_every_status(make_core):
    c = make_core()
    c.odom()
    c.submit(request('turn left 10 degrees', id='op-42'))
    c.drive(3.0)
    assert c.states('op-42')[:3] == ['received', 'planning', 'executing']
    assert c.final('op-42').state == MissionState.SUCCEEDED


@pytest.mark.parametrize('data, named', [
    ('{"text": "move forward 1 m", "speed": 2}', "unknown field 'speed'"),
    ('{"text": 5}', "'text'"),
    ('{"id": "x"}', "'text' is required"),
    ('{"text": "move forward 1 m", "dry_run": "yes"}', "'dry_run'"),
    ('{"text": "move forward 1 m", "planner": "gpt"}', "'planner'"),
    ('{"text": "move forward 1 m",', 'not a valid JSON object'),
    ('[1, 2]', 'expected a JSON object or mission text, got JSON an array'),
    ('42', 'got JSON 42 (a number)'),
    (' true ', 'got JSON true (a boolean)'),
    ('null', 'got JSON null'),
])
def test_malformed_requests_are_rejected_naming_the_field(make_core, data, named):
    c = make_core()
    c.odom()
    c.submit(data)
    final = c.statuses[-1]
    assert final.state == MissionState.REJECTED
    if named is not None:
        assert named in final.message, final.message
    assert not any(cmd.linear or cmd.angular for cmd in c.cmds), 'never treated as motion'
    # The next mission still works.
    c.submit('turn left 10 degrees')
    assert c.statuses[-1].state == MissionState.EXECUTING


def test_a_json_string_is_its_mission_text(make_core):
    c = make_core()
    c.odom()
    c.submit('"turn left 10 degrees"')
    assert c.statuses[-1].state == MissionState.EXECUTING
    assert c.statuses[-1].text == 'turn left 10 degrees'


def test_malformed_request_echoes_its_id(make_core):
    c = make_core()
    c.submit('{"text": "hello", "id": "abc", "colour": "red"}')
    assert [s.state.value for s in c.statuses] == ['received', 'rejected']
    assert {s.mission_id for s in c.statuses} == {'abc'}


def test_dry_run_plans_checks_and_never_moves(make_core):
    c = make_core()
    c.odom()
    c.submit(request('move forward 1 meter', id='d1', dry_run=True))
    final = c.final('d1')
    assert final.state == MissionState.SUCCEEDED and final.dry_run is True
    assert final.plan == {'actions': [{'type': 'move', 'distance_m': 1.0}]}
    assert 'not executed' in final.message
    assert not c.core.runner.busy and not c.cmds


def test_dry_run_outside_the_envelope_is_rejected(make_core):
    c = make_core()
    c.odom()
    c.submit(request('move forward 9 meters', id='d2', dry_run=True))
    assert c.final('d2').state == MissionState.REJECTED
    assert 'max_move_distance_m' in c.final('d2').message


def test_dry_run_does_not_preempt_the_running_mission(make_core):
    c = make_core()
    c.odom()
    c.submit(request('move forward 2 meters', id='run'))
    c.tick()
    c.submit(request('turn left 90 degrees', id='dry', dry_run=True))
    assert c.core.runner.mission.mission_id == 'run'
    assert c.final('run') is None and c.final('dry').state == MissionState.SUCCEEDED


def test_planner_rules_never_calls_the_llm(make_core):
    backend = ScriptedBackend()
    c = make_core([backend])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='r', planner='rules'))
    assert c.final('r').state == MissionState.REJECTED
    assert 'planner: rules' in c.final('r').message
    assert backend.calls == 0


def test_planner_llm_sends_even_a_rule_mission_to_the_llm(make_core):
    backend = ScriptedBackend()
    c = make_core([backend])
    c.odom()
    c.submit(request('Move forward 1 meter', id='l', planner='llm'))
    c.drain_until(lambda: c.core.runner.busy or c.final('l'))
    assert backend.calls == 1
    assert c.statuses[-1].planner == 'ollama'


# ---- preemption and halting -----------------------------------------------------------------

def test_a_new_mission_preempts_the_running_one_with_a_zero_twist_first(make_core):
    c = make_core()
    c.odom()
    c.submit(request('move forward 2 meters', id='a'))
    for _ in range(10):
        c.tick()
    assert c.cmds[-1].linear > 0
    out = c.submit(request('turn left 90 degrees', id='b'))
    assert c.final('a').state == MissionState.CANCELLED
    assert 'preempted by mission b' in c.final('a').message
    assert out.cmds[0].is_zero(), 'the old motion stops before the new one starts'
    assert c.states('b')[:3] == ['received', 'planning', 'executing']


def moving(c: Core, mission_id: str) -> bool:
    return c.core.runner.mission is not None and c.core.runner.mission.mission_id == mission_id


@pytest.mark.parametrize('text, reason', [
    ('go to x=100, y=0', Reason.ENVELOPE),          # the rules plan it; the envelope refuses
    ('dance the tango with me', Reason.NO_LLM),     # needs an LLM, and there is none
])
def test_a_rejected_mission_leaves_the_running_one_alone(make_core, text, reason):
    c = make_core()
    c.odom()
    c.submit(request('move forward 2 meters', id='a'))
    c.drive(0.5)
    c.submit(request(text, id='bad'))
    assert c.final('bad').state == MissionState.REJECTED and c.final('bad').reason == reason
    assert c.final('a') is None and moving(c, 'a')
    c.drive(0.5)
    assert c.cmds[-1].linear > 0, 'the running mission still drives'
    c.drive(8.0)
    assert c.final('a').state == MissionState.SUCCEEDED


def test_an_llm_mission_takes_over_when_its_first_action_is_accepted(make_core):
    gate = threading.Event()
    c = make_core([ScriptedBackend(gate=gate)])
    c.odom()
    c.submit(request('move forward 2 meters', id='a'))  # the rules: at once
    c.drive(0.5)
    c.submit(request('walk half a meter and then face left', id='llm'))
    c.drive(0.5)  # the LLM is still planning: the running mission goes on
    assert c.final('a') is None and moving(c, 'a') and c.cmds[-1].linear > 0
    gate.set()
    c.drain_until(lambda: c.final('a') is not None)
    final = c.final('a')
    assert final.state == MissionState.CANCELLED and final.reason == Reason.PREEMPTED
    assert 'preempted by mission llm' in final.message
    assert moving(c, 'llm') and 'executing' in c.states('llm')


def test_an_llm_mission_that_fails_leaves_the_running_one_alone(make_core):
    c = make_core([ScriptedBackend(fail='connection refused')])
    c.odom()
    c.submit(request('move forward 2 meters', id='a'))
    c.drive(0.3)
    c.submit(request('walk half a meter and then face left', id='llm'))
    c.drain_until(lambda: c.final('llm') is not None)
    assert c.final('llm').state == MissionState.FAILED
    assert c.final('a') is None and moving(c, 'a')


def test_stop_words_always_stop_even_while_an_llm_plans(make_core):
    gate = threading.Event()
    c = make_core([ScriptedBackend(gate=gate)])
    c.odom()
    c.submit(request('move forward 2 meters', id='a'))
    c.drive(0.3)
    c.submit(request('walk half a meter and then face left', id='llm'))
    out = c.submit('stop')
    assert c.final('a').state == MissionState.CANCELLED and c.final('llm') is not None
    assert out.cmds[-1].is_zero() and not c.core.busy


def test_stop_ends_planning_and_motion_and_succeeds(make_core):
    gate = threading.Event()
    backend = ScriptedBackend(gate=gate)
    c = make_core([backend])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='p'))
    assert c.core.busy
    out = c.submit('Stop!')
    assert c.final('p').state == MissionState.CANCELLED
    assert out.cmds and out.cmds[-1].is_zero()
    assert c.statuses[-1].state == MissionState.SUCCEEDED
    gate.set()
    c.drain_until(lambda: not c.core._jobs)
    assert not c.core.runner.busy, 'a cancelled plan must not start later'


def test_cancel_while_idle_still_commands_a_stop(make_core):
    c = make_core()
    out = c.core.cancel(0.0)
    assert out.cmds == [out.cmds[0]] and out.cmds[0].is_zero()
    assert [(line.level, line.text) for line in out.logs][0] == (
        'info', 'mission_cancel received: stopping')  # the operator sees it was heard


def test_shutdown_ends_the_mission_with_a_zero_twist(make_core):
    c = make_core()
    c.odom()
    c.submit(request('move forward 2 meters', id='s'))
    c.tick()
    out = c.take(c.core.shutdown())
    assert out.cmds[-1].is_zero()
    assert c.final('s').state == MissionState.CANCELLED


# ---- streamed plans -------------------------------------------------------------------------

def test_streamed_actions_start_the_mission_and_extend_it(make_core):
    backend = ScriptedBackend()
    c = make_core([backend])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='s1'))
    job = c.core._jobs['s1']
    c.take(c.core.handle(ActionPlanned('s1', Move(distance_m=0.5), 'ollama'), c.now))
    assert c.core.runner.mission.mission_id == 's1'
    assert not c.core.runner.mission.plan_closed
    c.take(c.core.handle(ActionPlanned('s1', Rotate(angle_deg=90), 'ollama'), c.now))
    c.take(c.core.handle(PlanComplete('s1', parse_plan(TWO_STEP), 'ollama'), c.now))
    assert len(c.core.runner.mission.actions) == 2 and c.core.runner.mission.plan_closed
    assert 's1' not in c.core._jobs and job is not None


def test_events_for_an_ended_mission_are_ignored(make_core):
    c = make_core([ScriptedBackend(gate=threading.Event())])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='old'))
    c.submit('stop')
    c.take(c.core.handle(ActionPlanned('old', Move(distance_m=3.0), 'ollama'), c.now))
    c.take(c.core.handle(PlanComplete('old', parse_plan(TWO_STEP), 'ollama'), c.now))
    assert not c.core.runner.busy and not any(cmd.linear for cmd in c.cmds)


def test_a_streamed_mission_that_fails_hangs_up_on_the_llm(make_core):
    backend = ScriptedBackend(gate=threading.Event())  # still streaming until hung up on
    c = make_core([backend])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='f'))
    c.take(c.core.handle(ActionPlanned('f', Move(distance_m=0.5), 'ollama'), c.now))
    assert c.core.runner.mission.mission_id == 'f'
    try:
        for _ in range(40):  # no odometry any more: the step fails (odom_timeout_s)
            c.tick()
        assert c.final('f').state == 'failed' and c.final('f').reason == 'odom_lost'
        assert backend.returned.wait(2.0), 'the LLM call went on after its mission failed'
    finally:
        backend.gate.set()


def test_plan_failure_mid_execution_fails_and_stops(make_core):
    c = make_core([ScriptedBackend(gate=threading.Event())])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='f'))
    c.take(c.core.handle(ActionPlanned('f', Move(distance_m=0.5), 'ollama'), c.now))
    c.tick()
    out = c.take(c.core.handle(PlanFailed('f', MissionState.FAILED, 'stream cut',
                                         Reason.PLANNING_FAILED), c.now))
    assert c.final('f').state == MissionState.FAILED and 'robot stopped' in c.final('f').message
    assert c.final('f').reason == 'planning_failed'
    assert out.cmds[-1].is_zero()


def test_plan_failure_before_any_action_is_reported_with_a_stop(make_core):
    c = make_core([ScriptedBackend(fail='connection refused')])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='x'))
    c.drain_until(lambda: c.final('x') is not None)
    assert c.final('x').state == MissionState.FAILED
    assert 'connection refused' in c.final('x').message
    assert c.final('x').planner == 'ollama'  # which LLM was asked
    assert c.cmds[-1].is_zero()
    assert any(m.ok is False for m in c.metrics)


def test_llm_plan_end_to_end_in_the_core(make_core):
    c = make_core([ScriptedBackend()])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='e'))
    c.drain_until(lambda: c.core.runner.busy)
    assert c.statuses[-1].planner == 'ollama'
    assert c.metrics and c.metrics[0].robot == 'robot1' and c.metrics[0].mission_id == 'e'


# ---- backend gating -------------------------------------------------------------------------

def _report(ok: bool) -> ValidationReport:
    level = Severity.OK if ok else Severity.ERROR
    return ValidationReport('ollama', 'http://h', 'phi4:14b',
                            [CheckResult('reachable', level, 'x', 0.0)])


def test_llm_missions_wait_for_validation_but_rules_and_stop_work(make_core):
    c = make_core([ScriptedBackend()], validate_on_startup=True)
    c.core.backend_state = BackendState.VALIDATING
    c.odom()
    c.submit(request('walk half a meter and then face left', id='v'))
    assert c.final('v').state == MissionState.REJECTED
    assert 'validation in progress' in c.final('v').message
    c.submit(request('turn left 10 degrees', id='r'))
    assert c.states('r')[-1] == 'executing'


def test_failed_start_up_validation_ends_the_node(make_core):
    c = make_core([ScriptedBackend()], validate_on_startup=True)
    generation = c.core._validation
    out = c.core.handle(BackendsValidated(generation, [_report(False)]), 0.0)
    assert out.exit_code == 1 and c.core.backend_state == BackendState.FAILED
    assert any(line.level == 'fatal' and 'Exiting' in line.text for line in out.logs)
    assert not any('ready:' in line.text for line in out.logs)


def test_ready_is_said_only_once_validation_passed(make_core):
    c = make_core([ScriptedBackend()], validate_on_startup=True)
    started = c.core.start()
    assert not any('ready:' in line.text for line in started.logs)
    out = c.core.handle(BackendsValidated(c.core._validation, [_report(True)]), 0.0)
    assert [line.text for line in out.logs if line.text.startswith('ready:')]


def test_stale_validation_results_are_ignored(make_core):
    c = make_core([ScriptedBackend()], validate_on_startup=True)
    out = c.core.handle(BackendsValidated(c.core._validation - 1, [_report(False)]), 0.0)
    assert out.exit_code is None


def test_metrics_event_is_published(make_core):
    c = make_core()
    out = c.core.handle(MetricsReady(LLMMetrics(backend='ollama', model='m')), 0.0)
    assert [m.model for m in out.metrics] == ['m']


# ---- odometry ---------------------------------------------------------------------------------

def test_motion_before_first_odometry_waits_for_it(make_core):
    c = make_core(odom_wait_s=2.0)
    c.submit(request('move forward 0.2 m', id='w'))
    assert c.states('w') == ['received', 'planning']
    assert 'waiting up to 2 s' in c.statuses[-1].message
    c.tick(0.5)
    c.odom()
    assert c.states('w')[-1] == 'executing'


def test_of_two_missions_waiting_for_odometry_the_newer_one_runs(make_core):
    c = make_core(odom_wait_s=2.0)
    c.submit(request('move forward 0.2 m', id='w1'))
    c.submit(request('turn left 10 degrees', id='w2'))
    first = c.final('w1')
    assert first is not None and first.state == MissionState.CANCELLED
    assert first.reason == Reason.PREEMPTED and 'preempted by mission w2' in first.message
    c.odom()
    assert c.states('w2')[-1] == 'executing' and c.final('w2') is None


def test_motion_waits_only_odom_wait_s_then_fails_with_the_usual_message(make_core):
    c = make_core(odom_wait_s=0.3)
    c.submit(request('move forward 0.2 m', id='w'))
    for _ in range(10):
        c.tick(0.05)
    final = c.final('w')
    assert final.state == MissionState.FAILED and 'no odometry received' in final.message
    assert c.cmds[-1].is_zero()


def test_stop_never_waits_for_odometry(make_core):
    c = make_core(odom_wait_s=5.0)
    c.submit(request('move forward 0.2 m', id='w'))
    c.submit('stop')
    assert c.final('w').state == MissionState.CANCELLED
    assert c.statuses[-1].state == MissionState.SUCCEEDED


def test_non_motion_missions_do_not_wait_for_odometry(make_core):
    c = make_core(odom_wait_s=5.0)
    c.submit(request('wait 0.1 seconds', id='n'))
    assert c.states('n')[-1] == 'executing'


def test_a_nan_pose_is_not_taken_as_odometry(make_core):
    c = make_core(odom_wait_s=0.0)
    c.core.odom(Pose2D(float('nan'), 0.0, 0.0), 0.0)
    assert not c.core.has_odom


# ---- parameters ---------------------------------------------------------------------------------

def test_lowering_max_speed_caps_the_very_next_command(make_core):
    c = make_core()
    c.odom()
    c.submit(request('move forward 3 meters', id='m'))
    c.drive(2.0)
    assert c.cmds[-1].linear == pytest.approx(0.3)
    clamps = c.core.governor.clamp_count
    c.take(c.core.reconfigure(c.core.config.replaced(max_linear_speed=0.1)))
    c.drive(0.05)
    assert 0 < c.cmds[-1].linear <= 0.1
    c.drive(2.0)
    assert max(cmd.linear for cmd in c.cmds[-40:]) <= 0.1
    assert c.core.governor.clamp_count <= clamps + 1, 'controllers follow the new limit'


def test_new_speed_limits_reach_the_governor_and_the_envelope_at_once(make_core):
    c = make_core()
    c.odom()
    c.take(c.core.reconfigure(c.core.config.replaced(max_linear_speed=0.2,
                                                     max_angular_speed=0.3)))
    mission = dict(next(s for s in c.core.diagnostics(0.0) if s.task == 'Mission').values)
    assert (mission['max linear [m/s]'], mission['max angular [rad/s]']) == ('0.2', '0.3')
    c.submit(request('move forward 0.3 m at 0.4 m/s', id='fast'))
    assert c.final('fast').state == MissionState.REJECTED
    assert 'exceeds the 0.2 m/s limit (max_linear_speed)' in c.final('fast').message
    c.take(c.core.reconfigure(c.core.config.replaced(max_linear_speed=0.8)))
    c.submit(request('move forward 0.3 m at 0.6 m/s', id='raised', dry_run=True))
    assert c.final('raised').state == MissionState.SUCCEEDED, c.final('raised').message


def test_setting_a_parameter_to_its_own_value_changes_nothing_and_says_nothing(make_core):
    c = make_core()
    assert c.core.reconfigure(c.core.config.replaced()).logs == []
    said = [line.text for line in c.core.reconfigure(
        c.core.config.replaced(max_linear_speed=0.3)).logs]
    assert said == ['parameters changed: max_linear_speed']


def test_a_new_max_actions_reaches_the_schema_the_llm_is_given(make_core):
    backend = ScriptedBackend()
    c = make_core([backend])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='a', dry_run=True))
    c.drain_until(lambda: c.final('a') is not None)
    c.take(c.core.reconfigure(c.core.config.replaced(max_actions=2)))
    c.submit(request('walk half a meter and then face left', id='b', dry_run=True))
    c.drain_until(lambda: c.final('b') is not None)
    assert backend.schemas[0] == plan_json_schema(AgentConfig().max_actions)
    assert backend.schemas[1] == plan_json_schema(2)


def test_closing_the_agent_ends_its_planning_and_releases_the_backends(make_core):
    before = set(threading.enumerate())
    backend = ScriptedBackend(gate=threading.Event())  # planning until cancelled
    c = make_core([backend])
    c.odom()
    c.submit(request('walk half a meter and then face left', id='p'))
    assert c.core.busy and backend.calls == 1
    workers = [t for t in set(threading.enumerate()) - before if t.name.startswith('llm')]
    assert workers
    try:
        c.core.close()
        assert backend.returned.wait(2.0), 'the LLM call went on after close'
        assert backend.closed
        for worker in workers:  # the planner threads end with the agent
            worker.join(2.0)
            assert not worker.is_alive(), f'{worker.name} outlived the agent'
    finally:
        backend.gate.set()  # whatever happened, the worker thread ends


def test_backend_change_revalidates_and_a_failure_does_not_end_the_node(make_core):
    c = make_core([ScriptedBackend()], validate_on_startup=True, backend='ollama')
    c.core.handle(BackendsValidated(c.core._validation, [_report(True)]), 0.0)
    assert c.core.backend_state == BackendState.READY
    c.take(c.core.reconfigure(c.core.config.replaced(model='qwen2.5:7b')))
    assert c.core.backend_state == BackendState.VALIDATING
    out = c.core.handle(BackendsValidated(c.core._validation, [_report(False)]), 0.0)
    assert out.exit_code is None and c.core.backend_state == BackendState.FAILED
    c.odom()
    c.submit(request('walk half a meter and then face left', id='z'))
    assert 'not usable' in c.final('z').message


def test_a_model_set_live_is_the_one_validated_and_asked(make_core):
    c = make_core([ScriptedBackend()], validate_on_startup=True, backend='ollama')
    c.core.handle(BackendsValidated(c.core._validation, [_report(True)]), 0.0)
    assert c.core.backend_state == BackendState.READY
    out = c.take(c.core.reconfigure(c.core.config.replaced(model='qwen2.5:7b',
                                                           ollama_host='http://127.0.0.1:9')))
    assert ('backend settings changed (model, ollama_host): re-validating '
            'ollama:qwen2.5:7b') in [line.text for line in out.logs]
    # the new backend is validated for real (nothing listens there) and named in the result
    c.drain_until(lambda: c.core.backend_state != BackendState.VALIDATING)
    assert c.core.backend_state == BackendState.FAILED
    assert '127.0.0.1:9' in c.core.backend_error and 'qwen2.5:7b' in c.core.llm_name


def test_backend_diagnostics_say_whether_the_backend_was_validated(make_core):
    unchecked = make_core([ScriptedBackend()])  # validate_on_startup false
    values = dict(unchecked.core.diagnostics(0.0)[0].values)
    assert values['state'] == 'ready' and values['validated'].startswith('no')
    checked = make_core([ScriptedBackend()], validate_on_startup=True)
    assert dict(checked.core.diagnostics(0.0)[0].values)['validated'] == 'pending'
    checked.core.handle(BackendsValidated(checked.core._validation, [_report(True)]), 0.0)
    assert dict(checked.core.diagnostics(0.0)[0].values)['validated'] == 'yes'


def test_diagnostics_name_backend_and_mission(make_core):
    c = make_core()
    statuses = {s.task: s for s in c.core.diagnostics(0.0)}
    assert statuses['Backend'].level == Severity.OK
    assert statuses['Mission'].level == Severity.WARN  # no odometry yet
    assert ('governor clamps', '0') in statuses['Mission'].values


# ---- exact edges of the agent's exits: each test kills mutants (benchmarks/mutation.sh)
def _core(**params):
    from dataclasses import replace

    from shadowhound_llm.common.params import AgentConfig
    from shadowhound_llm.mission.agent import AgentCore
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

    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.mission.agent import PlanningJob
    from shadowhound_llm.planning.envelope import EnvelopeCursor, Limits
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
