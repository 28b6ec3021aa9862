# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""robot_test's phases, aborts and skips without DDS: the runner on an in-process agent.

The runner works against the MissionLink interface; here the link is ``CoreLink``: the
real agent core and the kinematic GO2 model on a thread, in real time (no ROS, no
processes). The same runner over ROS is covered by test_robot_test.py.
"""

from __future__ import annotations

import threading
from typing import Any

from core_link import CoreLink
import pytest

from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.evaluation.robot_test_cases import (
    Criteria,
    MissionSpec,
    PHASE2_MISSIONS,
    PhasePolicy,
)
from shadowhound_llm.evaluation.robot_test_runner import RobotTestRunner


@pytest.fixture
def link():
    made: list[CoreLink] = []

    def factory(**params: Any) -> CoreLink:
        config = AgentConfig(**{'backend': 'none', 'validate_on_startup': False, **params})
        made.append(CoreLink(config))
        return made[-1]
    yield factory
    for each in made:
        each.close()


def runner(link: CoreLink, lines: list[str] | None = None, **criteria: Any) -> RobotTestRunner:
    say = lines.append if lines is not None else (lambda line: None)
    return RobotTestRunner(link, Criteria(**criteria), say, startup_timeout_s=5.0)


def test_without_an_llm_the_text_phase_skips_by_reason_code_and_judges_the_rest(link):
    agent = link()
    lines: list[str] = []
    result = runner(agent, lines).run((1, 2), {1: PhasePolicy('auto'), 2: PhasePolicy('auto')})
    p1, p2 = result.phases
    checks = {c.name: c.verdict for c in p1.checks}
    assert checks == {'agent answering': 'pass', 'backend validation': 'skipped',
                      'first LLM reply': 'skipped',
                      # the bridge is measured, and moved only with --allow-motion
                      'odometry rate': 'info', 'recommended odom_timeout_s': 'info',
                      'bridge response and stop': 'skipped'}
    assert result.backend['state'] == 'none'
    assert result.limits == {'max_linear': agent.core.config.max_linear_speed,
                             'max_angular': agent.core.config.max_angular_speed}
    assert len(p2.missions) == len(PHASE2_MISSIONS)
    skipped = [m for m in p2.missions if m.verdict == 'skipped']
    assert skipped, 'the rule planner answers every text mission?'
    for m in skipped:  # rejected with the code no_llm: not the agent's fault
        assert (m.state, m.reason) == ('rejected', 'no_llm')
        assert m.why == 'needs the LLM; the agent has none (rule planner only)'
    for m in p2.missions:
        assert m.verdict in ('pass', 'skipped'), (m.text, m.state, m.why)
    # Phase 1 says each check it counts, once, in words
    said = [line for line in lines if line.startswith('[phase 1] ')]
    assert len(said) == len(p1.checks), said
    assert '[phase 1] backend validation: SKIPPED (none) — the agent runs without an LLM ' \
           '(rule planner only)' in said
    assert '[phase 1] first LLM reply: SKIPPED — no usable LLM backend' in said
    assert p1.summary() == 'checks: 1 passed, 2 shown, 3 skipped'
    assert sum(result.backend['message'] in line for line in lines) == 1
    # Nothing failed; a phase that did not run is not a pass
    assert not result.failed
    if p2.status == 'skipped':
        assert not result.passed and result.exit_status == 4
        assert result.verdict_line().startswith(
            'INCOMPLETE: phase 2 (text only (dry run, no motion)) skipped (')
        assert result.verdict_line().endswith('--phases 1 runs only what can run here')
        only = runner(agent).run((1,), {1: PhasePolicy('auto')})
        assert only.passed and only.exit_status == 0 and only.verdict_line() == 'PASSED (1 passed)'
    else:
        assert result.passed and result.exit_status == 0


def test_planner_rules_skips_what_the_rules_cannot_parse(link):
    agent = link()
    result = runner(agent).run((2,), {2: PhasePolicy('rules')})
    (p2,) = result.phases
    skipped = [m for m in p2.missions if m.verdict == 'skipped']
    assert skipped and all(m.reason == 'rules_cannot_parse' for m in skipped)
    assert all(m.why == 'needs the LLM; skipped with planner rules' for m in skipped)


def test_motion_is_judged_against_odometry_and_a_refused_plan_fails(link):
    agent = link()
    missions = [MissionSpec(text='Move forward 0.3 meters', forward_m=0.3),
                MissionSpec(text='Rotate 45 degrees to the left', turn_deg=45.0),
                MissionSpec(text='Move forward 50 meters', forward_m=50.0)]
    lines: list[str] = []
    result = runner(agent, lines).run((3,), {3: PhasePolicy('auto')}, missions,
                                      allow_motion=True)
    (p3,) = result.phases
    forward, turn, far = p3.missions
    assert forward.verdict == 'pass' and forward.judgement.position_error_m < 0.05
    assert forward.end.x == pytest.approx(0.3, abs=0.05)
    assert turn.verdict == 'pass'
    # rejected for another reason than a missing LLM: a failure, not a skip
    assert (far.state, far.reason, far.verdict) == ('rejected', 'envelope', 'fail')
    assert p3.status == 'failed' and not result.aborted
    assert any('"Move forward 0.3 meters" (auto, motion) -> succeeded via rules' in line
               for line in lines)


def test_a_mission_over_its_time_limit_aborts_the_run_and_stops_the_robot(link):
    agent = link()
    missions = [MissionSpec(text='Move forward 2 meters', forward_m=2.0),
                MissionSpec(text='Rotate 45 degrees to the left', turn_deg=45.0)]
    lines: list[str] = []
    result = runner(agent, lines, mission_timeout_s=1.0).run(
        (3, 4), {3: PhasePolicy('auto'), 4: PhasePolicy('llm')}, missions, allow_motion=True)
    assert result.aborted.startswith('mission "Move forward 2 meters" still running after '
                                     '1 s (limit --mission-timeout)')
    assert 'last cmd_vel a zero Twist' in result.aborted
    p3, p4 = result.phases
    assert p3.status == 'aborted' and p4.status == 'not run'
    assert [m.state for m in p3.missions] == ['aborted', 'not sent']
    assert agent.cmds[-1].zero and agent.cancels == 1  # "stop" and mission_cancel
    stopped_at = agent.pose.x
    assert 0.05 < stopped_at < 1.0
    assert any(line.startswith('ABORT: mission "Move forward 2 meters"') for line in lines)


def test_a_cmd_vel_over_the_limits_aborts_the_run(link):
    agent = link()
    tester = runner(agent)

    def rogue() -> None:  # what the watcher would deliver if a teleop sent 1.2 m/s
        if agent.wait(lambda: agent.pose is not None and agent.pose.x > 0.1, 10.0):
            agent.received_cmd(1.2, 0.0, 0.0)
    thread = threading.Thread(target=rogue)
    thread.start()
    missions = [MissionSpec(text='Move forward 1 meter', forward_m=1.0)]
    result = tester.run((3,), {3: PhasePolicy('auto')}, missions, allow_motion=True)
    thread.join()
    assert result.aborted.startswith('cmd_vel over the envelope: 1.20 m/s planar')
    assert f"the agent's limits are {agent.core.config.max_linear_speed:g} m/s" \
        in result.aborted
    assert agent.terminal_of(result.phases[0].missions[0].mission_id).reason == \
        'operator_stop'
    assert agent.pose.x < 0.9


def test_the_text_phase_plans_a_camera_question_as_a_look_without_asking_it(link, ollama):
    from shadowhound_llm.testing.ollama_double import ModelSpec

    ollama.script.models['gemma3:4b'] = ModelSpec('gemma3:4b',
                                                  capabilities=('completion', 'vision'))
    lines: list[str] = []
    agent = link(vision_model='gemma3:4b', ollama_host=ollama.url)
    (p2,) = runner(agent, lines).run((2,), {2: PhasePolicy('auto')}).phases
    look = next(c for c in p2.checks if c.name == 'look dry run')
    assert look.verdict == 'pass', look.detail
    assert 'planned by rules as one look' in look.detail
    assert any(line.startswith('[phase 2] look dry run: PASS') for line in lines)
    assert not ollama.images  # a dry run never sends the frame
    # without a vision model the check is skipped, naming the parameter
    (p2,) = runner(link()).run((2,), {2: PhasePolicy('rules')}).phases
    look = next(c for c in p2.checks if c.name == 'look dry run')
    assert look.verdict == 'skipped' and 'vision_model' in look.detail
