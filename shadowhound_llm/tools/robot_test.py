# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""robot_test: the robot test plan (startup, text only, motion, performance) against a live agent.

Usage: ``python -m shadowhound_llm robot_test [--phases 1,2,3,4] [--planner auto|rules|llm]
[--missions FILE] [--allow-motion] [--out DIR] [--ros-args ...]``

Sends structured mission requests to a running ``mission_agent`` through the package's
``MissionClient``, watches ``mission_status``, ``odom``, ``llm_metrics``, ``cmd_vel`` and
``/diagnostics``, and writes ``report.md``, ``report.json`` and ``trajectory.png``. The
phases, aborts and skips are ``evaluation.robot_test_runner.RobotTestRunner`` (plain
Python); this module is the ROS watcher that feeds it and the command line. The
robot is stopped and the run ends at once when a mission runs over its time limit, the LLM's
decode speed collapses, or any ``cmd_vel`` exceeds the agent's speed limits. Exit status: 0
when every chosen phase ran and passed (not-judged phases do not fail the run), 1 when one
failed or the run was aborted, 4 (INCOMPLETE) when none failed but a chosen phase was
skipped (no LLM, no --allow-motion: name only the phases that can run with --phases), 2 for
bad arguments, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
import sys
from typing import Callable

from rclpy.node import Node

from ..common.arg_types import fraction, non_negative, positive
from ..evaluation.robot_test_cases import Criteria, load_missions, PHASE3_MISSIONS, RunResult
from ..evaluation.robot_test_report import write_report
from ..evaluation.robot_test_runner import default_policies, RobotTestRunner
from ..nodes.mission_client import MissionClient
from ..nodes.ros_common import tool_session

__all__ = ['RobotTest', 'default_policies', 'finish', 'main', 'parse_args', 'split_ros_args']


class RobotTest(RobotTestRunner):
    """The runner fed by ROS: a MissionClient on ``node`` watching /diagnostics and cmd_vel.

    Give it the node to add its subscriptions to (and, optionally, a MissionClient already on
    that node, created with ``diagnostics=True``); the node must be spinning on another
    thread.
    """

    def __init__(self, node: Node, client: MissionClient | None = None,
                 criteria: Criteria | None = None, say: Callable[[str], None] | None = None,
                 startup_timeout_s: float = 120.0) -> None:
        client = client or MissionClient(node, diagnostics=True)
        client.watch_cmd_vel()
        namespace = node.get_namespace().strip('/')
        super().__init__(client, criteria, say, startup_timeout_s,
                         diag_prefix=f'{namespace}/' if namespace else '')
        self.node = node


# ---- command line ------------------------------------------------------------------------
def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options (without --ros-args)."""
    c = Criteria()
    parser = argparse.ArgumentParser(prog='robot_test', description=__doc__.splitlines()[0])
    parser.add_argument('--phases', default='1,2,3,4',
                        help='phases to run (default 1,2,3,4); a chosen phase that is skipped '
                             '(no LLM, no --allow-motion) makes the verdict INCOMPLETE, exit 4')
    parser.add_argument('--planner', choices=('auto', 'rules', 'llm'), default='auto',
                        help='auto: rules first, LLM otherwise; llm: every mission through '
                             'the LLM; rules: never the LLM')
    parser.add_argument('--missions', default='', help='YAML file replacing the phase-3 '
                                                       'missions (text + expected displacement)')
    parser.add_argument('--allow-motion', action='store_true',
                        help='let phases 3 and 4 move the robot')
    parser.add_argument('--out', default='out/robot_test', help='folder for report.md, '
                                                                'report.json, trajectory.png')
    parser.add_argument('--json', action='store_true', help='also print report.json')
    g = parser.add_argument_group('criteria and abort limits')
    g.add_argument('--max-first-reply-s', type=positive, default=c.max_first_reply_s,
                   help='phase 1: the first LLM reply within this many seconds (default '
                        '%(default)g)')
    g.add_argument('--max-response-s', type=positive, default=c.max_response_s,
                   help="phase 4: every mission's response within this many seconds "
                        '(default %(default)g)')
    g.add_argument('--min-tokens-per-s', type=non_negative, default=c.min_tokens_per_s,
                   help='phase 4: median decode speed above this, tokens/s (default '
                        '%(default)g)')
    g.add_argument('--max-memory-gb', type=positive, default=c.max_memory_gb,
                   help="phase 4: the LLM's GPU memory below this, GB (default %(default)g)")
    g.add_argument('--stable-ratio', type=fraction, default=c.stable_ratio,
                   help='phase 4: the last tokens/s at least this times the first (default '
                        '%(default)g)')
    g.add_argument('--tolerance', type=fraction, default=c.tolerance_ratio,
                   help='motion tolerance as a fraction of the commanded distance/angle '
                        '(default %(default)g)')
    g.add_argument('--mission-timeout', type=positive, default=c.mission_timeout_s,
                   help='seconds each mission may run before the robot is stopped and the '
                        'run aborted (default %(default)g)')
    g.add_argument('--collapse-ratio', type=fraction, default=c.collapse_ratio,
                   help='abort when tokens/s falls below this fraction of the first')
    g.add_argument('--startup-timeout', type=positive, default=120.0,
                   help='wait this long for the agent and its backend validation (s)')
    opts = parser.parse_args(argv)
    try:
        opts.phase_list = sorted({int(p) for p in opts.phases.split(',') if p.strip()})
    except ValueError:
        parser.error(f'--phases: expected numbers 1-4 separated by commas, got {opts.phases!r}')
    if not opts.phase_list or any(p not in (1, 2, 3, 4) for p in opts.phase_list):
        parser.error(f'--phases: expected numbers 1-4, got {opts.phases!r}')
    opts.criteria = replace(
        c, max_first_reply_s=opts.max_first_reply_s, max_response_s=opts.max_response_s,
        min_tokens_per_s=opts.min_tokens_per_s, max_memory_gb=opts.max_memory_gb,
        stable_ratio=opts.stable_ratio, tolerance_ratio=opts.tolerance,
        mission_timeout_s=opts.mission_timeout, collapse_ratio=opts.collapse_ratio)
    return opts


def split_ros_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """(our options, the --ros-args part passed to rclpy)."""
    if '--ros-args' not in argv:
        return argv, []
    i = argv.index('--ros-args')
    return argv[:i], argv[i:]


def finish(result: RunResult, out: str | Path, as_json: bool = False,
           say: Callable[[str], None] = print) -> int:
    """Write the report, print where it is and the verdict; the exit status."""
    paths = write_report(result, out)
    if as_json:
        print(paths['json'].read_text(encoding='utf-8'))
    say(f'report: {paths["markdown"]} (+ {paths["json"].name}, {paths["trajectory"].name})')
    say(f'robot_test: {result.verdict_line()}')
    return result.exit_status


def main(args: list[str] | None = None) -> int:
    """Entry point: run the chosen phases against whatever agent and robot are running."""
    argv, ros_args = split_ros_args(list(sys.argv[1:] if args is None else args))
    opts = parse_args(argv)
    missions = PHASE3_MISSIONS
    if opts.missions:
        try:
            missions = load_missions(opts.missions)
        except ValueError as exc:
            print(f'robot_test: --missions: {exc}', file=sys.stderr)
            return 2
    # Ctrl-C must leave ROS up long enough to stop the robot: tool_session installs no
    # rclpy signal handlers, and KeyboardInterrupt is handled here.
    with tool_session(['robot_test'] + ros_args) as ros:
        tester = RobotTest(ros.node('robot_test'), criteria=opts.criteria,
                           startup_timeout_s=opts.startup_timeout)
        try:
            result = tester.run(opts.phase_list, default_policies(opts.planner), missions,
                                opts.allow_motion)
        except KeyboardInterrupt:
            tester.abort('interrupted (Ctrl-C)')
            tester.stop_robot()
            return 130
    return finish(result, opts.out, opts.json)


if __name__ == '__main__':
    raise SystemExit(main())
