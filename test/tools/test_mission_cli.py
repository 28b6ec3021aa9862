# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The mission command as an operator runs it: a real process against real nodes."""

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

from core_link import CoreLink
import pytest

from shadowhound_llm.common.contract import MissionState, MissionStatus
from shadowhound_llm.common.local_dds import local_dds_env
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.tools.mission_cli import (
    _Session,
    exit_code,
    parse_args,
    Printer,
    UsageError,
)


def cli_env():
    return local_dds_env(int(os.environ['ROS_DOMAIN_ID']))


def mission(*args, timeout=60):
    return subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'mission', *args],
                          env=cli_env(), capture_output=True, text=True, timeout=timeout)


def start_mission(*args):
    return subprocess.Popen([sys.executable, '-m', 'shadowhound_llm', 'mission', *args],
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


# ---- plain Python -----------------------------------------------------------------------
@pytest.mark.parametrize('argv,match', [
    ([], 'give the mission text'),
    (['--cancel', 'move'], '--cancel takes no mission text'),
    (['stop', '--dry-run'], '--dry-run needs a mission text'),
    (['move', '--timeout', '0'], 'must be positive'),
    (['move', '--namespace', '1robot'], '--namespace'),
    (['move', '--id', 'x' * 65], '--id'),
    (['move', '--planner', 'gpt'], 'invalid choice'),
])
def test_bad_arguments(argv, match):
    with pytest.raises(UsageError, match=match):
        parse_args(argv)


def test_arguments_and_ros_args():
    opts, ros = parse_args(['Move', 'forward', '1', 'meter', '--namespace', '/robot1/',
                            '--ros-args', '-r', '__node:=x'])
    assert opts.text == 'Move forward 1 meter' and opts.mode == 'mission'
    assert opts.namespace == 'robot1' and ros == ['--ros-args', '-r', '__node:=x']
    assert parse_args(['STOP'])[0].mode == 'stop' and parse_args(['--cancel'])[0].mode == 'cancel'


def test_exit_codes_and_lines():
    assert [exit_code(s) for s in (MissionState.SUCCEEDED, MissionState.FAILED,
                                   MissionState.REJECTED, MissionState.CANCELLED, None)] == [
        0, 1, 1, 1, 3]
    printer = Printer(False, 0.0)
    plan = {'actions': [{'type': 'move', 'distance_m': 1.0}]}
    lines = printer.lines(MissionStatus(mission_id='a', state=MissionState.EXECUTING,
                                        text='t', plan=plan, step=0, message='step 1/1'), 1.5)
    assert lines[0].split() == ['1.50', 's', 'executing', 'step', '1/1']
    assert lines[1].split() == ['plan', '{"actions":[{"type":"move","distance_m":1.0}]}']
    again = printer.lines(MissionStatus(mission_id='a', state=MissionState.SUCCEEDED,
                                        text='t', plan=plan, message='done'), 2.0)
    assert len(again) == 1, 'the same plan is printed once'
    stop = {'actions': [{'type': 'stop'}]}
    ended = printer.lines(MissionStatus(mission_id='b', state=MissionState.SUCCEEDED,
                                        text='stop', plan=stop, message='stopped'), 0.1)
    assert ended[0].split()[0] == 'plan' and ended[-1].split()[2] == 'succeeded', \
        'a plan first seen with the outcome comes before it'


def test_a_long_text_is_echoed_clipped_to_one_readable_line():
    text = 'move forward\n1 meter ' * 5000  # 105 kB, as sent
    printer = Printer(False, 0.0, sent=text)
    echoed = text[:16384]  # the agent echoes only the start of a text over its limit
    (line,) = printer.lines(MissionStatus(mission_id='a', state=MissionState.RECEIVED,
                                          text=echoed), 0.01)
    assert len(line) < 140 and '\n' not in line, line
    assert line.split()[:5] == ['0.01', 's', 'received', '"move', 'forward']
    assert line.endswith('…" (105000 characters)')
    (reason,) = printer.lines(MissionStatus(mission_id='a', state=MissionState.REJECTED,
                                            text=echoed, message='too long\n' * 100), 0.02)
    assert '\n' not in reason and len(reason) < 340 and reason.endswith('…')


class SlowTerminal(io.StringIO):
    """A stdout that blocks on the first line until the mission has ended (a slow pipe)."""

    def __init__(self, link: CoreLink) -> None:
        super().__init__()
        self.link = link

    def write(self, text: str) -> int:
        if not self.getvalue():
            assert self.link.wait(lambda: any(s.terminal for s in self.link.statuses), 5.0)
        return super().write(text)


@pytest.mark.parametrize('as_json', [True, False])
def test_the_terminal_status_is_printed_even_when_it_arrives_while_printing(as_json, capsys):
    link = CoreLink(AgentConfig(backend='none', validate_on_startup=False))
    try:
        opts, _ = parse_args(['move forward 50 m', '--id', 'far'] + (['--json'] if as_json
                                                                        else []))
        session = _Session(opts, link, threading.Event())
        out = SlowTerminal(link)
        session.printer = Printer(as_json, time.monotonic(), out=out, sent=opts.text)
        assert session.run() == 1
    finally:
        link.close()
    lines = out.getvalue().strip().splitlines()
    if as_json:
        assert MissionStatus.from_json(lines[-1]).state == MissionState.REJECTED
    else:
        assert lines[-1].split()[2] == 'rejected'
    assert 'mission far: rejected' in capsys.readouterr()[1 if as_json else 0] + \
        out.getvalue()


class LateAgent(CoreLink):
    """An agent that DDS discovery shows only after a second."""

    def __init__(self, config: AgentConfig) -> None:
        super().__init__(config)
        self.visible_at = time.monotonic() + 1.0

    def agent_count(self) -> int:
        return super().agent_count() if time.monotonic() >= self.visible_at else 0


def test_elapsed_times_start_when_the_agent_is_found():
    link = LateAgent(AgentConfig(backend='none', validate_on_startup=False))
    try:
        opts, _ = parse_args(['move forward 50 m'])
        session = _Session(opts, link, threading.Event())
        out = io.StringIO()
        session.printer = Printer(False, time.monotonic(), out=out, sent=opts.text)
        session.run()
    finally:
        link.close()
    received = out.getvalue().splitlines()[0].split()
    assert received[2] == 'received' and float(received[0]) < 0.5, out.getvalue()


class LateCancelAgent(CoreLink):
    """An agent matched on mission_cancel and mission_status only after a while.

    DDS matches each topic on its own: until then a cancel is lost and statuses are held
    back, then the last ten arrive at once (TRANSIENT_LOCAL).
    """

    def __init__(self, config: AgentConfig, late_s: float) -> None:
        self.matched_at = time.monotonic() + late_s
        self.lost = 0
        self.held = []
        super().__init__(config)

    def matched(self) -> bool:
        if time.monotonic() < self.matched_at:
            return False
        held, self.held = self.held, []
        for status in held[-10:]:
            super().received_status(status)
        return True

    def received_status(self, status) -> None:
        if self.matched():
            super().received_status(status)
        else:
            self.held.append(status)

    def cancel_count(self) -> int:
        return 1 if self.matched() else 0

    def status_sources(self) -> int:
        return 1 if self.matched() else 0

    def _publish_cancel(self) -> None:
        if not self.matched():
            self.lost += 1
            return
        super()._publish_cancel()


def cancel_session(link, *argv):
    opts, _ = parse_args(['--cancel', *argv])
    session = _Session(opts, link, threading.Event())
    session.printer = Printer(False, time.monotonic(), out=io.StringIO())
    return session


def test_cancel_waits_for_the_agent_on_the_cancel_topic_and_names_it(capsys):
    link = LateCancelAgent(AgentConfig(backend='none', validate_on_startup=False), 60.0)
    try:
        assert cancel_session(link, '--connect-timeout', '0.5').run() == 3
    finally:
        link.close()
    err = capsys.readouterr().err
    assert 'no mission_agent is listening on /mission_cancel' in err, err
    assert link.lost == 0, 'nothing was sent to an agent not yet matched'


def test_cancel_ends_the_running_mission_when_its_topics_are_matched_late():
    link = LateCancelAgent(AgentConfig(backend='none', validate_on_startup=False), 0.0)
    try:
        mission_id = link.send('turn left 360 degrees', 'spin')
        assert link.wait(lambda: any(s.state == MissionState.EXECUTING
                                     for s in link.statuses_for(mission_id)), 5)
        with link.cond:                # a new process: it has heard nothing yet
            link.matched_at = time.monotonic() + 1.0
            link.held = list(link.statuses)
            link.statuses.clear()
        session = cancel_session(link)
        assert session.run() == 0
        assert f'cancel sent for mission {mission_id}' in session.printer.out.getvalue()
        assert link.terminal_of(mission_id).state == MissionState.CANCELLED
    finally:
        link.close()


class LossyCancelAgent(CoreLink):
    """Matched, but the first cancel never arrives (DDS had not matched the reader yet)."""

    def __init__(self, config: AgentConfig) -> None:
        super().__init__(config)
        self.lost = 0

    def _publish_cancel(self) -> None:
        if not self.lost:
            self.lost += 1
            return
        super()._publish_cancel()


def test_a_lost_cancel_is_sent_again_until_the_mission_ends():
    link = LossyCancelAgent(AgentConfig(backend='none', validate_on_startup=False))
    try:
        mission_id = link.send('turn left 360 degrees', 'spin')
        assert link.wait(lambda: any(s.state == MissionState.EXECUTING
                                     for s in link.statuses_for(mission_id)), 5)
        session = cancel_session(link)
        assert session.run() == 0, session.printer.out.getvalue()
        assert link.lost == 1 and link.cancels == 1
        assert link.terminal_of(mission_id).state == MissionState.CANCELLED
        assert 'cancelled' in session.printer.out.getvalue()
    finally:
        link.close()


class RefusingAgent(CoreLink):
    """An agent this process cannot reach: the DDS refuses every request and cancel."""

    REFUSAL = '/mission_command: the DDS refused the message for 1 s: cannot publish data'

    def _publish_request(self, data):
        raise ConnectionError(self.REFUSAL)

    def _publish_cancel(self):
        raise ConnectionError(self.REFUSAL)


@pytest.mark.parametrize('argv', [['turn left 10 degrees'], ['stop'], ['--cancel']])
def test_a_request_the_dds_refuses_exits_1_naming_the_topic(argv, capsys):
    link = RefusingAgent(AgentConfig(backend='none', validate_on_startup=False))
    try:
        opts, _ = parse_args(argv)
        session = _Session(opts, link, threading.Event())
        session.printer = Printer(False, time.monotonic(), out=io.StringIO())
        assert session.run() == 1
    finally:
        link.close()
    assert f'mission: {RefusingAgent.REFUSAL}' in capsys.readouterr().err


def test_bad_arguments_exit_2_without_ros():
    proc = mission('--planner', 'gpt', 'move')
    assert proc.returncode == 2 and 'mission: error:' in proc.stderr


# ---- against running nodes --------------------------------------------------------------

@pytest.mark.ros
def test_no_agent_exits_3(ros_context):
    start = time.monotonic()
    proc = mission('move forward 1 m', '--namespace', 'nobody_here', '--connect-timeout', '1.5')
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert 'no mission_agent is listening on /nobody_here/mission_command' in proc.stderr
    assert time.monotonic() - start < 20


@pytest.mark.ros
def test_succeeded_prints_each_status_and_the_plan(make_harness):
    h = make_harness()
    proc = mission('move forward 0.3 m', '--id', 'cli-ok', '--timeout', '30')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    states = [ln.split()[2] for ln in lines if ln.split()[1] == 's']
    assert states[0] == 'received' and states[-1] == 'succeeded' and 'executing' in states
    plan_lines = [ln for ln in lines if ln.split()[0] == 'plan']
    assert len(plan_lines) == 1 and '"distance_m":0.3' in plan_lines[0]
    assert lines[-1].startswith('mission cli-ok: succeeded in')
    assert h.settle().x == pytest.approx(0.3, abs=0.06)


@pytest.mark.ros
def test_json_lines_are_mission_status_objects(make_harness):
    make_harness()
    proc = mission('turn left 30 degrees', '--json', '--id', 'cli-json', '--planner', 'rules')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    statuses = [MissionStatus.from_json(line) for line in proc.stdout.strip().splitlines()]
    assert {s.mission_id for s in statuses} == {'cli-json'}
    assert statuses[-1].state == MissionState.SUCCEEDED and statuses[-1].plan
    assert 'mission cli-json: succeeded' in proc.stderr


@pytest.mark.ros
def test_dry_run_reports_the_plan_and_never_moves(make_harness):
    h = make_harness()
    proc = mission('move forward 2 m', '--dry-run', '--json')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    final = MissionStatus.from_json(proc.stdout.strip().splitlines()[-1])
    assert final.state == MissionState.SUCCEEDED and final.dry_run
    assert final.plan == {'actions': [{'type': 'move', 'distance_m': 2.0}]}
    assert not any(lin or ang for _, lin, ang in h.probe.cmds)
    assert abs(h.settle().x) < 0.01


@pytest.mark.ros
def test_rejected_exits_1_with_the_reason(make_harness):
    make_harness()
    proc = mission('move forward 50 m')
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'rejected' in proc.stdout and 'max_move_distance_m' in proc.stdout


@pytest.mark.ros
def test_llm_planner_without_backend_is_rejected(make_harness):
    make_harness()
    proc = mission('move forward 0.2 m', '--planner', 'llm', '--json')
    assert proc.returncode == 1
    final = json.loads(proc.stdout.strip().splitlines()[-1])
    assert final['state'] in ('rejected', 'failed')


@pytest.mark.ros
def test_ctrl_c_cancels_the_mission_it_sent(make_harness):
    h = make_harness()
    proc = start_mission('move forward 3 m', '--id', 'cli-sigint')
    try:
        assert h.probe.wait(lambda: any(s['mission_id'] == 'cli-sigint' and
                                        s['state'] == 'executing' for s in h.probe.statuses)
                            and h.probe.pose.x > 0.1, 20)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out
    assert 'interrupted: cancelling mission cli-sigint' in out and 'cancelled' in out
    final = h.probe.wait(lambda: next((s for s in h.probe.statuses_for('cli-sigint')
                                       if s['state'] in ('cancelled', 'succeeded',
                                                         'failed')), None), 5)
    assert final['state'] == 'cancelled'
    assert h.stopped(2.0)
    assert h.settle().x < 2.0


@pytest.mark.ros
def test_cancel_and_stop_end_a_running_mission(make_harness):
    h = make_harness()
    for command, expect in ((['--cancel'], 'cancel sent for mission'),
                            (['stop'], 'succeeded')):
        after = len(h.probe.statuses)
        h.send('move forward 3 m')
        assert h.wait_state('move forward 3 m', ('executing',), 15, after)
        proc = mission(*command)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert expect in proc.stdout
        assert h.wait_state('move forward 3 m', ('cancelled',), 5, after), command
        assert h.stopped(2.0)
    proc = mission('--cancel')
    assert proc.returncode == 0 and 'no mission was running' in proc.stdout


@pytest.mark.ros
def test_timeout_cancels_a_mission_still_running(make_harness):
    h = make_harness()
    proc = mission('move forward 3 m', '--timeout', '2', '--id', 'cli-slow')
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'no result within 2 s: cancelling mission cli-slow' in proc.stdout
    assert h.stopped(2.0)


def test_the_answer_of_a_look_is_printed_in_full_with_the_end():
    printer = Printer(False, 0.0)
    plan = {'actions': [{'type': 'look'}]}
    answer = 'A red door, open. ' * 20 + '\nA chair.'
    running = printer.lines(MissionStatus(mission_id='a', state=MissionState.EXECUTING,
                                          text='t', plan=plan, message='step 1/1',
                                          answer='early'), 1.0)
    assert not any('answer' in line.split()[:1] for line in running)
    lines = printer.lines(MissionStatus(mission_id='a', state=MissionState.SUCCEEDED,
                                        text='t', plan=plan, message='look: A red door...',
                                        answer=answer), 2.0)
    assert [line.split(None, 1)[0] for line in lines[1:]] == ['answer', 'answer']
    assert [line.split(None, 1)[1] for line in lines[1:]] == answer.splitlines()
