# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission: send one mission to mission_agent and wait for its result (no ros2cli needed).

    python -m shadowhound_llm mission "Move forward 1 meter" [--id ID]
        [--planner auto|rules|llm] [--dry-run] [--timeout S] [--json] [--namespace NS]
    python -m shadowhound_llm mission stop       # stop the robot now (no LLM involved)
    python -m shadowhound_llm mission --cancel   # cancel the running mission

Prints each status of the mission as it arrives (one line each, and the plan once it is
known, and at the end what the vision model answered to a look; with --json one
mission_status JSON object per line). Ctrl-C while waiting cancels the mission it sent
(exit status 1, cancelled). Exit status: 0 succeeded, 1 failed / rejected / cancelled (or
the DDS refused to send it), 2 bad arguments, 3 no mission_agent answered within the
timeout, 130 interrupted before anything was sent (or a second Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from typing import Any, Callable

from pydantic import ValidationError

from ..common.contract import (
    DiagKey,
    DiagTask,
    MissionRequest,
    MissionState,
    MissionStatus,
)
from ..nodes.launch_setup import LaunchPlanError, normalise_namespace

EXIT_SUCCEEDED, EXIT_FAILED, EXIT_USAGE, EXIT_NO_AGENT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DEFAULT_TIMEOUT_S = 180.0      # planning (llm_timeout_s) + max_mission_duration_s, with room
CANCEL_WAIT_S = 5.0            # after a cancel, how long the agent gets to confirm it
CANCEL_RETRY_S = 1.0           # a cancel not confirmed by then is sent again
STOP_WORDS = ('stop',)
MAX_ECHO_CHARS = 80            # the mission text echoed in the `received` line
MAX_LINE_CHARS = 300           # a status message (the agent's words) on one line


class UsageError(Exception):
    """Bad arguments: exit status 2 with the message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too, but we keep the wording
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (see the package CONTRACT)."""
    parser = _Parser(prog='mission', description=__doc__.splitlines()[0],
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     epilog='exit status: 0 succeeded, 1 failed/rejected/cancelled (a Ctrl-C '
                            'while waiting cancels the mission) or not sent, 2 bad arguments, '
                            '3 no agent answered, 130 Ctrl-C before anything was sent or a '
                            'second Ctrl-C')
    parser.add_argument('text', nargs='*', help='the mission text; "stop" stops the robot')
    parser.add_argument('--id', default=None, help='mission id (made up when not given)')
    parser.add_argument('--planner', choices=('auto', 'rules', 'llm'), default='auto',
                        help='auto: the rule planner, else the LLM; rules: never the LLM; '
                             'llm: the LLM for every mission')
    parser.add_argument('--dry-run', action='store_true',
                        help='plan and check the envelope, report the plan, never move')
    parser.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT_S,
                        help=f"seconds to wait for the mission's result, from when the agent "
                             f'is found (default {DEFAULT_TIMEOUT_S:g}); a mission still '
                             f'running then is cancelled')
    parser.add_argument('--connect-timeout', type=float, default=10.0,
                        help='seconds to wait for a mission_agent to appear (default 10)')
    parser.add_argument('--json', action='store_true',
                        help='print each status as one JSON object per line')
    parser.add_argument('--namespace', default='', help="the robot's namespace, e.g. robot1")
    parser.add_argument('--cancel', action='store_true', help='cancel the running mission')
    return parser


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Options and the ROS arguments (everything from --ros-args on). Raises UsageError."""
    if '--ros-args' in argv:
        at = argv.index('--ros-args')
        argv, ros_args = argv[:at], argv[at:]
    else:
        ros_args = []
    opts = build_parser().parse_args(argv)
    opts.text = ' '.join(opts.text).strip()
    opts.mode = 'cancel' if opts.cancel else (
        'stop' if opts.text.lower() in STOP_WORDS else 'mission')
    if opts.cancel and opts.text:
        raise UsageError('--cancel takes no mission text')
    if opts.mode == 'mission' and not opts.text:
        raise UsageError('give the mission text, "stop", or --cancel')
    if opts.dry_run and opts.mode != 'mission':
        raise UsageError('--dry-run needs a mission text')
    if opts.timeout <= 0 or opts.connect_timeout <= 0:
        raise UsageError('--timeout and --connect-timeout must be positive')
    try:
        opts.namespace = normalise_namespace(opts.namespace, '--namespace ')
    except LaunchPlanError as exc:
        raise UsageError(str(exc)) from None
    if opts.mode == 'mission':
        try:
            MissionRequest(text=opts.text, id=opts.id, planner=opts.planner,
                           dry_run=opts.dry_run)
        except ValidationError as exc:
            raise UsageError(f'--id: {exc.errors()[0]["msg"]}') from None
    return opts, ros_args


def exit_code(state: MissionState | None) -> int:
    """0 succeeded, 1 any other terminal state, 3 no terminal state at all."""
    if state is None:
        return EXIT_NO_AGENT
    return EXIT_SUCCEEDED if state == MissionState.SUCCEEDED else EXIT_FAILED


def one_line(text: str, limit: int) -> str:
    """The text on one line (whitespace runs as one space), clipped to limit with '…'."""
    flat = ' '.join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + '…'


class Printer:
    """Writes each status once, one line each (or JSON lines), and the plan when it changes."""

    def __init__(self, as_json: bool, start: float, out: Any = None, sent: str = '') -> None:
        self.as_json = as_json
        self.start = start
        self.out = out or sys.stdout
        self.printed = 0
        self.plan: dict[str, Any] | None = None
        self.sent = sent  # the text sent, for its length when the agent echoes only its start

    def statuses(self, statuses: list[MissionStatus]) -> None:
        """Print the statuses not printed yet (``statuses`` is the whole list so far)."""
        for status in statuses[self.printed:]:
            for line in self.lines(status, time.monotonic() - self.start):
                print(line, file=self.out, flush=True)
        self.printed = max(self.printed, len(statuses))

    def lines(self, status: MissionStatus, elapsed: float) -> list[str]:
        """The lines for one status."""
        if self.as_json:
            return [status.to_json()]
        text = one_line(status.message or status.text, MAX_LINE_CHARS)
        if status.state == MissionState.RECEIVED:
            chars = len(self.sent) if self.sent.startswith(status.text) else len(status.text)
            shown = one_line(status.text, MAX_ECHO_CHARS)
            text = f'"{shown}"' + (f' ({chars} characters)' if shown != status.text else '') \
                + (' (dry run)' if status.dry_run else '')
        out = [f'{elapsed:7.2f} s  {status.state.value:<9}  {text}']
        if status.plan and status.plan != self.plan:
            self.plan = status.plan
            plan = f'{"":9}  {"plan":<9}  {json.dumps(status.plan, separators=(",", ":"))}'
            # A mission that ends in its first status with a plan (a stop): the plan comes
            # before the outcome, as it does for every other mission.
            out.insert(0 if status.terminal else 1, plan)
        if status.answer and status.terminal:  # what the vision model saw, in full
            out += [f'{"":9}  {"answer":<9}  {line}' for line in status.answer.splitlines()]
        return out

    def note(self, text: str) -> None:
        """An operator note: on stdout, or on stderr when stdout carries JSON."""
        print(text, file=sys.stderr if self.as_json else self.out, flush=True)


def main(args: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    argv = list(sys.argv[1:] if args is None else args)
    try:
        opts, ros_args = parse_args(argv)
    except UsageError as exc:
        build_parser().print_usage(sys.stderr)
        print(f'mission: error: {exc}', file=sys.stderr)
        return EXIT_USAGE
    interrupted = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(_signum: int, _frame: Any) -> None:
        if interrupted.is_set():   # the second Ctrl-C: give up waiting
            raise KeyboardInterrupt
        interrupted.set()

    signal.signal(signal.SIGINT, on_sigint)
    try:
        return _run(opts, ros_args, interrupted)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGINT, previous)


def _run(opts: argparse.Namespace, ros_args: list[str], interrupted: threading.Event) -> int:
    from ..nodes.mission_client import MissionClient
    from ..nodes.ros_common import tool_session

    with tool_session(['mission', *ros_args]) as ros:
        node = ros.node(f'mission_cli_{os.getpid()}',
                        f'/{opts.namespace}' if opts.namespace else None)
        # --cancel also watches /diagnostics: the agent's own status there shows it has
        # discovered this process (see _Session._heard_by_agent).
        client = MissionClient(node, diagnostics=opts.mode == 'cancel')
        return _Session(opts, client, interrupted).run()


class _Session:
    """One command's conversation with the agent."""

    def __init__(self, opts: argparse.Namespace, client: Any,
                 interrupted: threading.Event) -> None:
        self.opts = opts
        self.client = client
        self.interrupted = interrupted
        self.start = time.monotonic()  # reset once the agent is found (after discovery)
        self.printer = Printer(opts.json, self.start,
                               sent=opts.text if opts.mode == 'mission' else '')
        self.prefix = f'/{opts.namespace}' if opts.namespace else ''

    def run(self) -> int:
        try:
            return self._follow_request()
        except ConnectionError as exc:  # the DDS refused a request or cancel for a second
            print(f'mission: {exc}', file=sys.stderr)
            return EXIT_FAILED

    def _follow_request(self) -> int:
        if not self._wait(self._found, self.opts.connect_timeout):
            if self.interrupted.is_set():
                self.printer.note('mission: interrupted before anything was sent')
                return EXIT_INTERRUPTED
            print(f'mission: {self._missing()} (waited {self.opts.connect_timeout:g} s): is '
                  f'mission_agent running, with the same ROS_DOMAIN_ID and namespace?',
                  file=sys.stderr)
            return EXIT_NO_AGENT
        # Times (and --timeout) count from here: DDS discovery is not the mission's time.
        self.start = self.printer.start = time.monotonic()
        if self.opts.mode == 'cancel':
            return self._cancel()
        if self.opts.mode == 'stop':
            mission_id = self.client.stop()
        else:
            mission_id = self.client.send(self.opts.text, self.opts.id, self.opts.planner,
                                          self.opts.dry_run)
        return self._follow(mission_id, cancel_on_exit=self.opts.mode == 'mission'
                            and not self.opts.dry_run)

    def _found(self) -> bool:
        """The agent is discovered on every topic this command needs.

        DDS matches each topic on its own: an agent heard on mission_command may not be
        matched on mission_cancel or mission_status yet. A cancel needs both: the cancel
        must reach the agent, and the statuses say which mission was running; and the
        agent must have discovered this process too (``_heard_by_agent``).
        """
        if self.opts.mode == 'cancel':
            return (self.client.cancel_count() > 0 and self.client.status_sources() > 0
                    and self._heard_by_agent())
        return self.client.agent_count() > 0

    def _missing(self) -> str:
        """What discovery did not find, naming the topic."""
        if self.opts.mode == 'cancel' and self.client.cancel_count() == 0:
            topic = self.prefix + '/mission_cancel'
        elif self.opts.mode == 'cancel' and self.client.status_sources() == 0:
            return (f'no mission_status from mission_agent on {self.prefix}/mission_status: '
                    f'cannot tell which mission runs')
        elif self.opts.mode == 'cancel':
            return ("mission_agent's Mission status never reached this process on "
                    '/diagnostics: cannot tell which mission runs')
        else:
            topic = self.prefix + '/mission_command'
        return f'no mission_agent is listening on {topic}'

    def _wait(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """Wait for predicate, or until the timeout or Ctrl-C; returns predicate's value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.client.wait(lambda: predicate() or self.interrupted.is_set(),
                                     max(0.0, min(0.2, deadline - time.monotonic())))
            if self.interrupted.is_set():
                return predicate()
            if value or time.monotonic() >= deadline:
                return predicate()

    def _follow(self, mission_id: str, cancel_on_exit: bool) -> int:
        deadline = self.start + self.opts.timeout
        final = None
        while final is None:
            self._wait(self._news(mission_id, len(self.client.statuses_for(mission_id))),
                       deadline - time.monotonic())
            final = self._print(mission_id)
            if final is not None:
                break
            if self.interrupted.is_set() or time.monotonic() >= deadline:
                why = ('interrupted' if self.interrupted.is_set()
                       else f'no result within {self.opts.timeout:g} s')
                return self._give_up(mission_id, why, cancel_on_exit)
        self._summary(mission_id, final)
        return exit_code(final.state)

    def _print(self, mission_id: str) -> MissionStatus | None:
        """Print what arrived, from one snapshot; the terminal status if it was printed.

        The terminal status is taken from the lines printed, never looked up afterwards: one
        that arrives while printing is printed on the next round, before the summary.
        """
        statuses = self.client.statuses_for(mission_id)
        self.printer.statuses(statuses)
        return next((s for s in statuses if s.terminal), None)

    def _news(self, mission_id: str, seen: int) -> Callable[[], bool]:
        return lambda: (len(self.client.statuses_for(mission_id)) > seen
                        or self.client.terminal_of(mission_id) is not None)

    def _give_up(self, mission_id: str, why: str, cancel: bool) -> int:
        answered = bool(self.client.statuses_for(mission_id))
        if not answered and not cancel:
            print(f'mission: {why}; mission_agent never answered mission {mission_id}',
                  file=sys.stderr)
            return EXIT_NO_AGENT
        if cancel:
            self.printer.note(f'mission: {why}: cancelling mission {mission_id}')
            self._cancel_until_ended(mission_id, CANCEL_WAIT_S)
            final = self._print(mission_id)
            if final is not None:
                self._summary(mission_id, final)
                return exit_code(final.state)
        print(f'mission: {why}; mission {mission_id} has not ended (last state: '
              f'{self._last_state(mission_id)})', file=sys.stderr)
        return EXIT_NO_AGENT if not answered else EXIT_FAILED

    def _cancel(self) -> int:
        self._wait_for_history()
        running = self._running_mission()
        if running is None:
            self.client.cancel()
            self.printer.note('mission: cancel sent; no mission was running')
            return EXIT_SUCCEEDED
        self.printer.note(f'mission: cancel sent for mission {running}')
        final = self._cancel_until_ended(running, min(self.opts.timeout, CANCEL_WAIT_S))
        statuses = self.client.statuses_for(running)
        if statuses:
            self.printer.printed = max(0, len(statuses) - 1)   # the new status only
            self.printer.plan = statuses[-1].plan
            self.printer.statuses(statuses)
        if final is None:
            print(f'mission: mission {running} did not confirm the cancel', file=sys.stderr)
            return EXIT_NO_AGENT
        return EXIT_SUCCEEDED

    def _cancel_until_ended(self, mission_id: str, timeout: float) -> MissionStatus | None:
        """Send mission_cancel until the mission ends (its terminal status), or the timeout.

        A cancel published before DDS has matched the agent's subscription is lost (the
        topic keeps no history), so one not confirmed within ``CANCEL_RETRY_S`` is sent
        again; it goes only while this mission still runs, so it never ends a later one.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self.client.terminal_of(mission_id) is None:
                self.client.cancel()
            final = self.client.wait(lambda: self.client.terminal_of(mission_id),
                                     max(0.0, min(CANCEL_RETRY_S,
                                                  deadline - time.monotonic())))
            if final is not None or time.monotonic() >= deadline:
                return self.client.terminal_of(mission_id)

    def _heard_by_agent(self) -> bool:
        """The agent's ``mission_agent: Mission`` status (/diagnostics, 1 Hz) has arrived.

        It names the mission running and those planning, in the agent's own words; and it
        shows that the agent has discovered this process. That this process hears the
        agent's mission_status publisher does not say that the agent has matched this
        subscriber yet, and until it has, its TRANSIENT_LOCAL statuses do not come: an empty
        history alone does not mean that no mission runs.
        """
        return self._agent_mission() is not None

    def _agent_mission(self) -> dict[str, Any] | None:
        name = f'{self.opts.namespace}/' if self.opts.namespace else ''
        return self.client.latest_diagnostics(name + DiagTask.AGENT_MISSION)

    def _wait_for_history(self, quiet_s: float = 0.3, limit_s: float = 2.0) -> None:
        """mission_status is TRANSIENT_LOCAL: the agent's last statuses arrive in a burst."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline and not self.interrupted.is_set():
            seen = len(self.client.statuses)
            grew = self.client.wait(lambda n=seen: len(self.client.statuses) > n, quiet_s)
            if not grew and (seen or time.monotonic() > deadline - limit_s / 2):
                return

    def _running_mission(self) -> str | None:
        """The mission to cancel, None when none runs or plans.

        The newest running one in the statuses heard, else the one the agent's Mission
        status names as running (or planning).
        """
        with self.client.cond:
            statuses = list(self.client.statuses)
        last: dict[str, MissionStatus] = {}
        for status in statuses:
            last[status.mission_id] = status
        running = [s for s in last.values() if not s.terminal and not s.dry_run]
        if running:
            return running[-1].mission_id
        diag = self._agent_mission()
        values = diag.get('values', {}) if diag else {}
        for key in (DiagKey.RUNNING, DiagKey.PLANNING):
            named = [m for m in str(values.get(key, 'none')).split(', ') if m and m != 'none']
            ended = [m for m in named if self.client.terminal_of(m) is not None]
            if named and len(ended) < len(named):
                return next(m for m in reversed(named) if m not in ended)
        return None

    def _last_state(self, mission_id: str) -> str:
        statuses = self.client.statuses_for(mission_id)
        return statuses[-1].state.value if statuses else 'none'

    def _summary(self, mission_id: str, final: MissionStatus) -> None:
        seconds = time.monotonic() - self.start
        self.printer.note(f'mission {mission_id}: {final.state.value} in {seconds:.1f} s'
                          + (f' ({final.message})' if final.message and
                             final.state != MissionState.SUCCEEDED else ''))


if __name__ == '__main__':
    raise SystemExit(main())
