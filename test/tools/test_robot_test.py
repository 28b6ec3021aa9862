# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""robot_test: the report's four phases on the simulated GO2 with the Ollama double planning.

The judging and the report are plain Python (first tests); then the phases against real
nodes in-process (the make_harness fixture), and the command line as a process.
"""

import json
import math
import os
import subprocess
import sys
import threading

import pytest

from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.evaluation.robot_test_cases import (
    CheckRecord,
    Criteria,
    judge_plan,
    judge_pose,
    load_missions,
    MissionRecord,
    MissionSpec,
    PHASE1_MISSION,
    PHASE2_MISSIONS,
    PHASE3_MISSIONS,
    PHASE4_MISSIONS,
    PhasePolicy,
    PhaseResult,
    RunResult,
    spread,
)
from shadowhound_llm.evaluation.robot_test_report import markdown, write_report

# What a good planner answers to every mission of the test plan (the double's reply table).
MOVE_1_THEN_STOP = '{"actions":[{"type":"move","distance_m":1.0},{"type":"stop"}]}'
PLANS = {
    PHASE1_MISSION.text: '{"actions":[{"type":"say","text":"Hello."}]}',
    'Describe what you are': '{"actions":[{"type":"say","text":"I am a GO2 quadruped."}]}',
    'Create a navigation plan to move forward 2 meters':
        '{"actions":[{"type":"move","distance_m":2.0}]}',
    'Generate JSON: {action: nav.goto, x: 1.0, y: 0.0}':
        '{"actions":[{"type":"goto","x":1.0,"y":0.0}]}',
    'Move forward 0.5 meters': '{"actions":[{"type":"move","distance_m":0.5}]}',
    'Rotate 45 degrees to the left': '{"actions":[{"type":"rotate","angle_deg":45}]}',
    'Move forward 1 meter then stop': MOVE_1_THEN_STOP,
    'Navigate to x=2.0, y=1.0': '{"actions":[{"type":"goto","x":2.0,"y":1.0}]}',
    'Move forward 1 meter': '{"actions":[{"type":"move","distance_m":1.0}]}',
    'Rotate 90 degrees to the left': '{"actions":[{"type":"rotate","angle_deg":90}]}',
    'Move to coordinates x=2.0, y=1.0': '{"actions":[{"type":"goto","x":2.0,"y":1.0}]}',
    'Take a photo': '{"actions":[{"type":"photo"}]}',
    'Return to starting position': '{"actions":[{"type":"return_home"}]}',
    'Rotate 90 degrees to the right': '{"actions":[{"type":"rotate","angle_deg":-90}]}',
    'Move backward 0.5 meters': '{"actions":[{"type":"move","distance_m":-0.5}]}',
}
ALL_LLM = {n: PhasePolicy('llm') for n in (1, 2, 3, 4)}

OLLAMA_SCRIPT = {'mission_replies': PLANS, 'tokens_per_s': 30.0}  # the ollama fixture


def test_the_reply_table_covers_every_mission_of_the_plan():
    texts = {PHASE1_MISSION.text} | {m.text for m in PHASE2_MISSIONS + PHASE3_MISSIONS
                                     + PHASE4_MISSIONS}
    assert texts == set(PLANS)


# ---- judging, plain Python -------------------------------------------------------------
def test_expected_pose_comes_from_the_pose_at_the_missions_start():
    start = Pose2D(1.0, 2.0, math.pi / 2)  # somewhere else, facing +y
    spec = MissionSpec(text='Move forward 0.5 meters', forward_m=0.5)
    ok = judge_pose(spec, start, Pose2D(1.0, 2.45, math.pi / 2))
    assert ok.passed and ok.expected == {'x': 1.0, 'y': 2.5, 'yaw_deg': None}
    assert ok.position_error_m == pytest.approx(0.05) and ok.position_limit_m == 0.1
    assert '5.0 cm (≤ 10.0 cm)' in ok.summary()
    # From the odom origin it would have been (0.5, 0): a robot there fails.
    assert not judge_pose(spec, start, Pose2D(1.5, 2.0, math.pi / 2)).passed
    assert not judge_pose(spec, start, Pose2D(1.0, 2.62, math.pi / 2)).passed  # 12 cm off


def test_twenty_percent_of_the_angle_and_of_the_distance_to_a_goto_target():
    rotate = MissionSpec(text='Rotate 45 degrees to the left', turn_deg=45.0)
    start = Pose2D(0.0, 0.0, math.radians(170.0))
    # 170 + 45 wraps to -145; 8 degrees off is inside 9, 10 is not.
    assert judge_pose(rotate, start, Pose2D(0, 0, math.radians(-137.0))).passed
    failed = judge_pose(rotate, start, Pose2D(0, 0, math.radians(-135.0)))
    assert not failed.passed and failed.yaw_error_deg == pytest.approx(10.0)
    goto = MissionSpec(text='Navigate to x=2.0, y=1.0', goto=(2.0, 1.0))
    near = Pose2D(2.0, 0.0, 0.0)  # 1 m from the target: 20 cm allowed
    assert judge_pose(goto, near, Pose2D(2.0, 1.15, 0.0)).passed
    assert not judge_pose(goto, near, Pose2D(2.0, 1.25, 0.0)).passed
    # Never finer than the agent's own tolerance (5 cm, 3 degrees).
    small = judge_pose(MissionSpec(text='inch forward', forward_m=0.05), Pose2D(),
                       Pose2D(0.09, 0.0, 0.0))
    assert small.passed and small.position_limit_m == 0.05


def test_home_and_no_motion_missions():
    home = Pose2D(0.0, 0.0, 0.0)
    back = MissionSpec(text='Return to starting position', home=True)
    start = Pose2D(2.0, 0.0, math.pi)
    assert judge_pose(back, start, Pose2D(0.1, 0.0, 0.05), home).passed
    assert not judge_pose(back, start, Pose2D(0.5, 0.0, 0.0), home).passed
    assert judge_pose(back, start, Pose2D(), None).problem.startswith('home pose unknown')
    photo = MissionSpec(text='Take a photo')
    assert judge_pose(photo, start, start).passed
    assert not judge_pose(photo, start, Pose2D(2.0, 0.08, math.pi)).passed


def test_dry_run_plans_are_judged_by_where_they_would_end():
    start = Pose2D(1.0, 1.0, math.pi / 2)
    move2 = PHASE2_MISSIONS[1]
    assert judge_plan(move2, {'actions': [{'type': 'move', 'distance_m': 2.0}]}, start).passed
    assert judge_plan(move2, {'actions': [{'type': 'goto', 'x': 2.0, 'y': 0.0,
                                           'frame': 'robot'}]}, start).passed
    assert not judge_plan(move2, {'actions': [{'type': 'move', 'distance_m': 1.0}]},
                          start).passed
    goto = PHASE2_MISSIONS[2]
    assert judge_plan(goto, {'actions': [{'type': 'goto', 'x': 1.0, 'y': 0.0}]}, start).passed
    say = PHASE2_MISSIONS[0]
    assert judge_plan(say, {'actions': [{'type': 'say', 'text': 'a robot'}]}, start).passed
    wrong = judge_plan(say, {'actions': [{'type': 'photo'}, {'type': 'return_home'}]}, start)
    assert not wrong.passed and 'expected a say' in wrong.problem
    assert not judge_plan(say, None, start).passed


def test_missions_file(tmp_path):
    path = tmp_path / 'missions.yaml'
    path.write_text('- text: Move forward 2 meters\n  forward_m: 2\n'
                    '- text: Go to the door\n  goto: [3, 0.5]\n- Take a photo\n')
    missions = load_missions(path)
    assert [m.describe() for m in missions] == ['forward 2.00 m', 'goto (3.00, 0.50) odom',
                                                'no motion']
    path.write_text('missions:\n  - text: Spin\n    turn_degrees: 90\n')
    with pytest.raises(ValueError, match=r'missions.yaml: mission 1: turn_degrees: Extra'):
        load_missions(path)


def test_spread_of_a_series():
    s = spread([30.0, 20.0, None, 25.0])
    assert (s.n, s.median, s.min, s.max) == (3, 25.0, 20.0, 30.0)
    assert s.stdev == pytest.approx(5.0)
    assert spread([]).text('s') == 'n/a'


def test_the_text_phase_table_keeps_the_agents_whole_message():
    message = ('this mission needs a language model, and no LLM backend is configured '
               '(backend=none); the rule planner understands explicit commands such as '
               '"move forward 1 meter"')
    rec = MissionRecord(2, 1, 'Describe what you are', 'auto', True, state='rejected',
                        message=message, verdict='fail')
    phase = PhaseResult(2, PhasePolicy(), missions=[rec]).finish()
    report = markdown(RunResult([phase], Criteria(), False))
    assert message in report  # not cut mid-sentence


def test_a_skipped_phase_makes_a_run_incomplete_a_failure_or_an_abort_fails_it(tmp_path):
    passed = PhaseResult(1, PhasePolicy(), checks=[CheckRecord('agent answering', 'pass')])
    skipped = PhaseResult(3, PhasePolicy(), 'skipped', 'skipped: run with --allow-motion')
    shown = PhaseResult(2, PhasePolicy('llm', judged=False, why='a weak model'),
                        checks=[CheckRecord('plan', 'info')])
    ran = RunResult([passed.finish(), shown.finish()], Criteria(), False)
    assert shown.status == 'informational' and ran.passed and ran.exit_status == 0
    assert ran.verdict_line() == 'PASSED (1 passed, 1 informational)'
    run = RunResult([passed, shown, skipped], Criteria(), False)
    assert not run.passed and not run.failed and run.exit_status == 4
    assert run.verdict_line() == ('INCOMPLETE: phase 3 (motion) skipped '
                                  '(1 passed, 1 informational, 1 skipped); '
                                  '--phases 1,2 runs only what can run here')
    assert run.as_dict()['outcome'] == 'incomplete' and not run.as_dict()['passed']
    failed = PhaseResult(4, PhasePolicy(), checks=[CheckRecord('decode speed', 'fail')])
    assert not RunResult([passed, failed.finish()], Criteria(), False).passed
    aborted = RunResult([passed], Criteria(), False, aborted='mission over 30 s')
    assert not aborted.passed and aborted.verdict_line().startswith('ABORTED')
    paths = write_report(aborted, tmp_path)
    assert paths['trajectory'].read_bytes()[:4] == b'\x89PNG'
    assert json.loads(paths['json'].read_text())['aborted'] == 'mission over 30 s'
    assert '**Run aborted, robot stopped:** mission over 30 s' in markdown(aborted)


# ---- the phases on the simulated GO2 ----------------------------------------------------


def llm_harness(make_harness, ollama, **agent):
    return make_harness({'backend': 'ollama', 'ollama_host': ollama.url,
                         'validate_on_startup': True, **agent})


def make_tester(h, lines=None, **criteria):
    from shadowhound_llm.tools.robot_test import RobotTest
    say = (lines.append if lines is not None else (lambda line: None))
    return RobotTest(h.probe, h.probe.client, Criteria(**criteria), say, startup_timeout_s=30)


def add_gpu_monitor(h, ollama):
    from rclpy.parameter import Parameter

    from shadowhound_llm.nodes.gpu_monitor import GpuMonitor
    monitor = GpuMonitor(parameter_overrides=[
        Parameter('ollama_host', value=ollama.url), Parameter('telemetry', value='none'),
        Parameter('period_s', value=0.5)])
    h.executor.add_node(monitor)
    return monitor


@pytest.mark.ros
@pytest.mark.slow
def test_all_four_phases_pass_with_the_llm_planning_every_mission(make_harness, ollama,
                                                                  tmp_path):
    h = llm_harness(make_harness, ollama)
    monitor = add_gpu_monitor(h, ollama)
    lines = []
    try:
        result = make_tester(h, lines).run((1, 2, 3, 4), ALL_LLM, allow_motion=True)
    finally:
        h.executor.remove_node(monitor)
        monitor.destroy_node()
    statuses = {p.number: p.status for p in result.phases}
    assert result.passed, (result.verdict_line(), [(p.number, p.summary())
                                                   for p in result.phases])
    assert statuses == {1: 'passed', 2: 'passed', 3: 'passed', 4: 'passed'}
    missions = [m for p in result.phases for m in p.missions]
    assert len(missions) == 3 + 9 + 5
    assert {m.planner for m in missions} == {'ollama'}  # every one planned by the LLM...
    asked = {json.dumps(b['messages'][-1]['content']) for b in ollama.bodies('/api/chat')
             if b.get('messages')}
    for text in PLANS:  # ...and the double was asked each mission, the rules none
        assert json.dumps(f'Mission: {text}') in asked
    phase3 = result.phases[2]
    for m in phase3.missions:
        assert m.judgement.passed, (m.text, m.judgement)
        assert (m.judgement.position_error_m or 0.0) < 0.05, (m.text, m.judgement)
    p4 = result.phases[3]
    checks = {c.name: c for c in p4.checks}
    assert p4.figures['tokens_per_s']['median'] == pytest.approx(30.0, rel=0.01)
    assert p4.figures['response measured to'] == 'first executing status'
    assert checks['LLM memory'].verdict == 'pass'  # 9 GiB of phi4 in VRAM per /api/ps
    assert checks['LLM memory'].value == '9.66 GB'
    assert checks['stable'].verdict == 'pass'
    assert not any('ABORT' in line for line in lines)
    assert any('"Describe what you are" (llm, dry run) -> succeeded via ollama' in line
               for line in lines)
    paths = write_report(result, tmp_path)
    report = paths['markdown'].read_text()
    assert report.startswith('# Robot test report\n\n**PASSED (4 passed)**')
    assert '| 3 | Move forward 1 meter then stop | ollama | succeeded | forward 1.00 m |' \
        in report
    body = json.loads(paths['json'].read_text())
    assert body['passed'] and len(body['phases'][2]['missions']) == 9
    assert body['trajectory'] and paths['trajectory'].stat().st_size > 10_000


@pytest.mark.ros
@pytest.mark.slow
def test_a_mission_over_its_time_limit_stops_the_robot_and_ends_the_run(make_harness,
                                                                        ollama, tmp_path):
    # The runner streams the first action (the robot walks), then hangs for 20 s.
    first_action_tokens = len('{"actions":[{"type":"move","distance_m":1.0},{"t') // 4
    ollama.script.mission_stalls = {'Move forward 1 meter then stop':
                                    (first_action_tokens, 20.0)}
    h = llm_harness(make_harness, ollama)
    lines = []
    missions = [MissionSpec(text='Move forward 1 meter then stop', forward_m=1.0),
                MissionSpec(text='Take a photo')]
    result = make_tester(h, lines, mission_timeout_s=2.5).run((3, 4), ALL_LLM, missions,
                                                         allow_motion=True)
    assert not result.passed
    assert result.aborted.startswith('mission "Move forward 1 meter then stop" still running '
                                     'after 2.5 s')
    assert 'robot stopped' in result.aborted and 'last cmd_vel a zero Twist' in result.aborted
    p3, p4 = result.phases
    assert p3.status == 'aborted' and p4.status == 'not run'
    assert [m.state for m in p3.missions] == ['aborted', 'not sent']
    assert h.stopped(2.0)
    at_abort = h.settle()
    assert 0.2 < at_abort.x < 0.9  # it was walking, and did not finish the metre
    assert h.still_after(0.6).distance_to(at_abort.x, at_abort.y) < 0.005  # and it stays put
    from shadowhound_llm.tools.robot_test import finish
    assert finish(result, tmp_path, say=lines.append) == 1
    assert '**Run aborted, robot stopped:** mission "Move forward 1 meter then stop" still ' \
           'running after 2.5 s' in (tmp_path / 'report.md').read_text()
    assert lines[-1].startswith('robot_test: ABORTED: mission')


@pytest.mark.ros
@pytest.mark.slow
def test_throughput_collapse_aborts_the_run(make_harness, ollama):
    ollama.script.mission_tokens_per_s = {'Rotate 90 degrees to the left': 12.0}
    h = llm_harness(make_harness, ollama)
    result = make_tester(h).run((1, 4), ALL_LLM, allow_motion=False)
    assert result.aborted.startswith('throughput collapse: 12.0 tok/s is below 0.5 x the '
                                     "first mission's 30.0 tok/s")
    p1, p4 = result.phases
    assert p1.status == 'passed' and p4.status == 'aborted'
    assert [m.state for m in p4.missions] == ['succeeded'] * 3 + ['not sent'] * 2
    assert not result.passed


@pytest.mark.ros
@pytest.mark.slow
def test_a_double_below_15_tokens_per_s_fails_phase_4_with_the_figures(make_harness, ollama):
    ollama.script.tokens_per_s = 12.0
    h = llm_harness(make_harness, ollama)
    result = make_tester(h).run((4,), ALL_LLM, allow_motion=False)
    (p4,) = result.phases
    checks = {c.name: c for c in p4.checks}
    assert not result.aborted and not result.passed and p4.status == 'failed'
    assert checks['decode speed'].verdict == 'fail'
    assert checks['decode speed'].value == 'median 12.0 tok/s'
    assert checks['missions succeeded'].verdict == 'pass'
    assert checks['LLM memory'].verdict == 'skipped'  # no gpu_monitor running
    assert p4.figures['response measured to'] == 'terminal status (dry runs)'
    assert 'failed: decode speed' in p4.summary()


@pytest.mark.ros
@pytest.mark.slow
def test_a_cmd_vel_over_the_envelope_aborts_and_stops(make_harness):
    from geometry_msgs.msg import Twist
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    h = make_harness()  # rule planner only
    rogue = h.probe.create_publisher(Twist, 'cmd_vel', QoSProfile(
        depth=10, reliability=ReliabilityPolicy.RELIABLE))

    def teleop_gone_wrong():
        if h.probe.wait(lambda: h.probe.pose and h.probe.pose.x > 0.2, 20):
            fast = Twist()
            fast.linear.x = 1.2
            rogue.publish(fast)
    thread = threading.Thread(target=teleop_gone_wrong)
    thread.start()
    missions = [MissionSpec(text='Move forward 2 meters', forward_m=2.0)]
    result = make_tester(h).run((3,), {3: PhasePolicy('auto')}, missions, allow_motion=True)
    thread.join()
    assert result.aborted.startswith('cmd_vel over the envelope: 1.20 m/s planar')
    assert "the agent's limits are 0.5 m/s and 1 rad/s" in result.aborted
    assert h.stopped(2.0)
    assert h.settle().x < 1.9


@pytest.mark.ros
def test_a_mission_the_dds_refuses_to_send_aborts_the_run_and_says_so(make_harness,
                                                                      monkeypatch):
    from ros_harness import Refusals
    h = make_harness()  # rule planner only
    Refusals(monkeypatch, h.probe.mission_pub)  # every write, as on a loaded host
    lines = []
    missions = [MissionSpec(text='Move forward 1 meter', forward_m=1.0),
                MissionSpec(text='Take a photo')]
    result = make_tester(h, lines).run((3,), {3: PhasePolicy('auto')}, missions,
                                       allow_motion=True)
    assert result.aborted.startswith(
        'mission "Move forward 1 meter" could not be sent: /mission_command: the DDS refused '
        'the message for 1 s: Failed to publish: cannot publish data'), result.aborted
    # "stop" goes on the same topic: the operator is told to use the remote.
    assert result.aborted.endswith('stop the robot with the remote'), result.aborted
    (p3,) = result.phases
    assert p3.status == 'aborted'
    assert [m.state for m in p3.missions] == ['not sent', 'not sent']
    assert not result.passed


@pytest.mark.ros
@pytest.mark.slow
def test_command_line_as_an_operator_runs_it(make_harness, ollama, tmp_path):
    h = llm_harness(make_harness, ollama)
    assert h.probe.wait(lambda: h.agent.backend_state == 'ready', 20)
    cmd = [sys.executable, '-m', 'shadowhound_llm', 'robot_test', '--phases', '1,2,3',
           '--planner', 'llm', '--out', str(tmp_path / 'ok'), '--ros-args', '--log-level',
           'warn']
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env=os.environ.copy())
    out = proc.stdout + proc.stderr
    assert proc.returncode == 4, out  # phase 3 was chosen and did not run: INCOMPLETE
    assert '[phase 2 1/3] "Describe what you are" (llm, dry run) -> succeeded via ollama' in out
    assert 'phase 3 (motion): SKIPPED — skipped: the robot would move; run with ' \
           '--allow-motion' in out
    assert 'robot_test: INCOMPLETE: phase 3 (motion) skipped (2 passed, 1 skipped); ' \
           '--phases 1,2 runs only what can run here' in out
    body = json.loads((tmp_path / 'ok' / 'report.json').read_text())
    assert [p['status'] for p in body['phases']] == ['passed', 'passed', 'skipped']
    assert body['outcome'] == 'incomplete' and not body['passed']
    # Naming only the phases that can run: PASSED, exit 0
    proc = subprocess.run(cmd[:-3] + ['--phases', '1,2', '--out', str(tmp_path / 'two')],
                          capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'robot_test: PASSED (2 passed)' in proc.stdout + proc.stderr
    assert body['phases'][0]['checks'][1]['name'] == 'backend validation'
    assert h.probe.pose.distance_to(0.0, 0.0) < 0.01  # nothing moved
    # The same run with a first-reply limit nobody meets: exit 1, and the report says why.
    proc = subprocess.run(cmd[:-3] + ['--phases', '1', '--max-first-reply-s', '0.0001',
                                      '--out', str(tmp_path / 'bad')],
                          capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = (tmp_path / 'bad' / 'report.md').read_text()
    assert '**FAILED: phase 1 (startup)' in report
    assert '| first LLM reply |' in report and '| < 0.0001 s | FAIL |' in report


def test_command_line_refuses_bad_arguments(tmp_path):
    bad = tmp_path / 'm.yaml'
    bad.write_text('- text: x\n  forward: 1\n')
    for args, words in ((['--missions', str(bad)], 'mission 1: forward: Extra inputs'),
                        (['--phases', '1,5'], '--phases: expected numbers 1-4')):
        proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'robot_test', *args],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and words in proc.stderr, proc.stderr


@pytest.mark.ros
@pytest.mark.slow
def test_ctrl_c_stops_the_robot(make_harness, tmp_path):
    import signal
    h = make_harness()  # rule planner only
    missions = tmp_path / 'missions.yaml'
    missions.write_text('- text: Move forward 2 meters\n  forward_m: 2.0\n')
    proc = subprocess.Popen([sys.executable, '-m', 'shadowhound_llm', 'robot_test', '--phases',
                             '3', '--allow-motion', '--missions', str(missions), '--out',
                             str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=os.environ.copy())
    try:
        assert h.probe.wait(lambda: h.probe.pose and h.probe.pose.x > 0.2, 60)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out
    assert 'ABORT: interrupted (Ctrl-C); robot stopped' in out
    assert h.stopped(2.0)
    assert h.settle().x < 1.5  # the 2 m mission did not finish
