# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""fleet: N simulated GO2s with their own mission agents, one LLM server, missions at once.

Starts a ``sim_robot`` + ``mission_agent`` pair per robot as processes in the namespaces
``/robot1`` .. ``/robotN`` (DDS on shared memory), sends one mission to every robot at the
same moment and prints a table of how each ended and where each robot stands. All agents
talk to the same LLM server (Ollama, or an OpenAI-compatible server), as a fleet on one
Thor would.

    python -m shadowhound_llm.tools.fleet --robots 2 [--planner llm] [--backend ollama
        --host 192.168.1.20:11434] [--timeout 60] [--out out/fleet]
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from dataclasses import dataclass
import math
from pathlib import Path
import subprocess
import sys
import time
from typing import Any, Callable

from ..common.arg_types import positive
from ..common.contract import PlannerChoice
from ..common.hosts import HostError, parse_host
from ..common.local_dds import apply_local_dds, local_dds_env
from ..common.mission_link import MissionLink, MissionOutcome
from ..common.processes import node_command, stop_node
from .demo_backend import choose_backend

DEFAULT_MISSIONS = ('Move forward 1 meter', 'Turn left 90 degrees', 'Move backward 0.5 meters',
                    'Move right 0.5 meters')
MAX_ROBOTS = 8


def robot_namespace(index: int) -> str:
    """'robot1' for index 1."""
    return f'robot{index}'


def namespaced_command(name: str, namespace: str, params: dict[str, Any] | None = None
                       ) -> list[str]:
    """node_command plus ``-r __ns:=/namespace``: the executable runs in that namespace."""
    cmd = node_command(name, params)
    if '--ros-args' not in cmd:
        cmd.append('--ros-args')
    return cmd + ['-r', f'__ns:=/{namespace.strip("/")}']


def start_namespaced(name: str, namespace: str, params: dict[str, Any] | None,
                     log: Path | None, env: dict[str, str]) -> subprocess.Popen:
    """Start an executable in a namespace, its output in ``log``."""
    out = log.open('w', encoding='utf-8') if log is not None else subprocess.DEVNULL
    return subprocess.Popen(namespaced_command(name, namespace, params), env=env, stdout=out,
                            stderr=subprocess.STDOUT)


def format_table(results: list[MissionOutcome]) -> str:
    """One row per robot: mission, final state, planner, agent seconds, end pose, message."""
    head = f'{"robot":<8} {"mission":<26} {"state":<10} {"planner":<8} {"s":>5}  ' \
           f'{"x":>6} {"y":>6} {"yaw":>6}  message'
    rows = [head, '-' * len(head)]
    for r in results:
        pose = r.pose
        x, y, yaw = (f'{pose.x:6.2f}', f'{pose.y:6.2f}', f'{math.degrees(pose.yaw):5.0f}°') \
            if pose is not None else ('-', '-', '-')
        planner = (r.final.planner or '-') if r.final is not None else '-'
        message = r.final.message if r.final is not None else 'no final status'
        rows.append(f'{r.robot:<8} {r.text[:26]:<26} {r.state:<10} {planner:<8} '
                    f'{r.agent_seconds:5.1f}  {x:>6} {y:>6} {yaw:>6}  {message}')
    return '\n'.join(rows)


def run_fleet_demo(robots: int = 2, missions: list[str] | None = None,
                   agent_params: dict[str, Any] | None = None, out: str | Path = 'out/fleet',
                   timeout: float = 60.0, planner: PlannerChoice = 'auto',
                   env: dict[str, str] | None = None,
                   printer: Callable[[str], None] = print) -> int:
    """Start ``robots`` sim_robot + mission_agent pairs, run one mission on each at once.

    ``agent_params`` are every agent's parameters (e.g. ``{'backend': 'ollama',
    'ollama_host': URL}``: one server for the fleet). The processes get ``env`` (default:
    DDS on shared memory, this process's ROS_DOMAIN_ID); this process must already use
    shared-memory DDS (``apply_local_dds()``, as ``main`` does). Returns 0 when every
    mission succeeded.
    """
    if not 1 <= robots <= MAX_ROBOTS:
        raise ValueError(f'robots={robots}: use 1..{MAX_ROBOTS}')
    missions = list(missions or [DEFAULT_MISSIONS[i % len(DEFAULT_MISSIONS)]
                                 for i in range(robots)])
    if len(missions) != robots:
        raise ValueError(f'{len(missions)} missions for {robots} robots')
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = env or local_dds_env()
    names = [robot_namespace(i + 1) for i in range(robots)]
    params = {'validate_on_startup': False, **(agent_params or {})}
    with ExitStack() as stack:
        procs = []
        stack.callback(lambda: [stop_node(p) for p in procs])
        for ns in names:
            procs.append(start_namespaced('sim_robot', ns, {}, out / f'{ns}_sim_robot.log', env))
            procs.append(start_namespaced(
                'mission_agent', ns, {'photo_dir': str(out / ns / 'photos'), **params},
                out / f'{ns}_mission_agent.log', env))
        printer(f'fleet: {robots} robots ({", ".join(names)}), backend '
                f'{params.get("backend", "ollama")}; logs in {out}')
        return _run_missions(names, missions, planner, timeout, int(env['ROS_DOMAIN_ID']),
                             printer, out)


def _run_missions(names: list[str], missions: list[str], planner: PlannerChoice,
                  timeout: float, domain_id: int, printer: Callable[[str], None],
                  out: Path) -> int:
    from ..nodes.mission_client import MissionClient
    from ..nodes.ros_common import tool_session

    with tool_session(domain_id=domain_id) as ros:
        robots = [_Robot(ns, text, MissionClient(ros.node('fleet_client', f'/{ns}')))
                  for ns, text in zip(names, missions, strict=True)]
        return _send_and_wait(robots, planner, timeout, printer, out)


def _send_and_wait(robots: list[_Robot], planner: PlannerChoice, timeout: float,
                   printer: Callable[[str], None], out: Path) -> int:
    deadline = time.monotonic() + 30.0
    for robot in robots:
        if not robot.client.wait_ready(max(0.1, deadline - time.monotonic())):
            printer(f'fleet: {robot.ns} did not come up within 30 s; see '
                    f'{out}/{robot.ns}_*.log')
            return 1
    time.sleep(0.3)  # the agents' first odometry and the status subscriptions settle
    for robot in robots:  # all at once: the missions run concurrently
        robot.mission_id = robot.client.send(robot.mission, planner=planner)
    deadline = time.monotonic() + timeout
    for robot in robots:
        robot.client.wait_terminal(robot.mission_id, max(0.0, deadline - time.monotonic()))
    time.sleep(0.3)  # the robots come to rest before their poses are read
    results = [robot.result() for robot in robots]
    printer('')
    printer(format_table(results))
    ok = all(r.succeeded for r in results)
    printer(f'\nresult: {sum(r.succeeded for r in results)}/{len(results)} missions '
            f'succeeded' + ('' if ok else ' — SOME FAILED'))
    return 0 if ok else 1


@dataclass
class _Robot:
    """One robot as the fleet client sees it."""

    ns: str
    mission: str
    client: MissionLink
    mission_id: str = ''

    def result(self) -> MissionOutcome:
        """How its mission ended and where it stands."""
        client = self.client
        return MissionOutcome(self.mission_id, self.mission, client.terminal_of(self.mission_id),
                              client.statuses_for(self.mission_id), robot=self.ns,
                              pose=client.pose)


def main(args: list[str] | None = None) -> int:
    """Command line: exit 0 when every robot's mission succeeded, 2 on bad arguments."""
    parser = argparse.ArgumentParser(prog='fleet', description=__doc__.splitlines()[0])
    parser.add_argument('--robots', type=int, default=2, help=f'1..{MAX_ROBOTS} (default 2)')
    parser.add_argument('--mission', action='append', default=None,
                        help='mission text, once per robot (default: a different one each)')
    parser.add_argument('--planner', choices=('auto', 'rules', 'llm'), default='auto')
    parser.add_argument('--backend', choices=('auto', 'ollama', 'none'), default='auto',
                        help='auto: Ollama if check_backend passes (else the embedded tiny '
                             'model, else rules only), as the demo chooses')
    parser.add_argument('--host', default=None, help='Ollama server (OLLAMA_HOST forms)')
    parser.add_argument('--timeout', type=positive, default=60.0, help='seconds for the missions')
    parser.add_argument('--out', default='out/fleet', help='folder for the logs')
    opts = parser.parse_args(args)
    if not 1 <= opts.robots <= MAX_ROBOTS or (opts.mission and len(opts.mission) != opts.robots):
        print(f'fleet: error: --robots 1..{MAX_ROBOTS}, and one --mission per robot',
              file=sys.stderr)
        return 2
    env = apply_local_dds()
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if opts.backend == 'none':
            agent_params: dict[str, Any] = {'backend': 'none'}
        elif opts.backend == 'ollama' or opts.host:
            try:
                host = parse_host(opts.host or env.get('OLLAMA_HOST', ''))
            except HostError as exc:
                print(f'fleet: error: {exc}', file=sys.stderr)
                return 2
            agent_params = {'backend': 'ollama', 'ollama_host': host}
        else:
            agent_params, note = choose_backend(stack, out.resolve())
            print(f'fleet: {note}')
        return run_fleet_demo(opts.robots, opts.mission, agent_params, out, opts.timeout,
                              opts.planner, env)


if __name__ == '__main__':
    raise SystemExit(main())
