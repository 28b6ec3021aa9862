# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""demo: the robot test plan (phases 1-4) on the simulated GO2; no robot, no network needed.

Starts the stack through ``up`` (``sim:=true``: ``sim_robot``, ``mission_agent``, the
dashboard, and ``gpu_monitor`` with Ollama) with DDS confined to shared memory on a ROS
domain of its own, and runs ``robot_test`` against it with motion allowed, writing
``report.md``, ``report.json`` and ``trajectory.png`` (and ``up.log``, every node's lines).
The LLM is the best one available: Ollama (if check_backend passes at $OLLAMA_HOST or
localhost), else the embedded tiny model (llama.cpp + Gemma 3 270M, if installed), else
none (rule planner only). Which phases run (without an LLM: 1 and 3), and whether each is
judged, depends on that level (``demo_policies``); the demo prints its choice and writes it
into the report. When a vision model is available
(``--vision-model``, else one pulled on the Ollama server whose capabilities include vision),
it then asks the robot "What do you see?" and prints the answer. Exit status: 0 when no
phase it ran failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from dataclasses import replace
import os
from pathlib import Path
import random
import re
import socket
import subprocess
import sys
import textwrap
import time
from typing import Any

import yaml

from ..backends.vision import validate_vision, VisionClient
from ..common.arg_types import non_negative, positive_int, tcp_port
from ..common.contract import DiagKey, DiagTask
from ..common.hosts import default_ollama_host, parse_host
from ..common.local_dds import apply_local_dds
from ..common.processes import stop_node
from ..evaluation.robot_test_cases import Criteria, PHASE3_MISSIONS, PhasePolicy
from ..nodes.launch_setup import ARGUMENTS
from .demo_backend import choose_backend, find_vision_model, Level
from .fleet import run_fleet_demo


def demo_policies(level: str) -> tuple[dict[int, PhasePolicy], Criteria, list[str]]:
    """What each phase runs with this LLM level, the criteria, and the policy in words."""
    criteria = Criteria()
    motion = PhasePolicy('auto', why="planner auto: the rule planner's fast path answers "
                                     'every listed motion mission (the LLM would plan anything '
                                     'else); judged against odometry')
    if level == 'ollama':
        policies = {1: PhasePolicy('llm', why='judged'),
                    2: PhasePolicy('llm', why='planner llm; judged'), 3: motion,
                    4: PhasePolicy('llm', why='planner llm, with motion; judged')}
        words = ['phase 1 judged', 'phase 2 planner llm, judged', 'phase 3 planner auto, judged',
                 "phase 4 planner llm with motion, judged against the report's criteria"]
    elif level == 'tiny':
        shown = ('shown, not judged: the embedded Gemma 3 270M runs on the CPU as a stand-in; '
                 'its plans are not expected to be right and its speed says nothing about '
                 'phi4:14b on the Thor')
        policies = {1: PhasePolicy('llm', why="the agent's backend validation is judged; the "
                                              'first-reply time is shown, with no limit'),
                    2: PhasePolicy('llm', judged=False, why=f'planner llm; {shown}'),
                    3: motion,
                    4: PhasePolicy('llm', judged=False, dry_run=True,
                                   why=f'planner llm, dry runs (its plans are not trusted to '
                                       f'move even the simulated robot); {shown}')}
        criteria = replace(criteria, mission_timeout_s=90.0, collapse_ratio=0.0,
                           max_first_reply_s=float('inf'))
        words = ['phase 1: backend validation judged, first-reply time shown (no 5 s limit on '
                 'a CPU stand-in)', 'phase 2 planner llm, shown not judged',
                 'phase 3 planner auto (rules), judged',
                 'phase 4 planner llm as dry runs, shown not judged',
                 "mission time limit 90 s (the agent's own LLM timeout is 60 s) and no "
                 'throughput-collapse abort: a 270M model on a shared CPU varies']
    else:
        policies = {1: PhasePolicy('auto', why='judged; no LLM to time'),
                    2: PhasePolicy('auto', skip='not run: its text-only missions need an LLM'),
                    3: motion, 4: PhasePolicy('auto', skip='not run: it times the LLM')}
        words = ['phase 1 judged (no LLM reply to time)',
                 'phase 2 not run (its text-only missions need an LLM)',
                 'phase 3 planner auto (rules), judged', 'phase 4 not run (it times the LLM)']
    return policies, criteria, words


def demo_phases(policies: dict[int, PhasePolicy]) -> tuple[tuple[int, ...], str]:
    """The phases the demo can run with these policies, and the choice in words."""
    phases = tuple(n for n in sorted(policies) if not policies[n].skip)
    left = [f'phase {n} {policies[n].skip}' for n in sorted(policies) if policies[n].skip]
    return phases, (f'runs phases {", ".join(map(str, phases))}'
                    + (f' ({"; ".join(left)})' if left else ' (all four)'))


def main(args: list[str] | None = None) -> int:
    """Run the demo; exit 0 when no judged phase of those it can run failed."""
    parser = argparse.ArgumentParser(prog='demo', description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='out/demo', help='folder for the report, PNG, photos '
                                                         'and logs')
    parser.add_argument('--timeout', type=non_negative, default=0.0,
                        help='seconds each mission may run before robot_test stops the robot '
                             'and aborts (its --mission-timeout; default 30, 90 with the tiny '
                             'model)')
    parser.add_argument('--no-llm', action='store_true', help='rule planner only')
    parser.add_argument('--robots', type=positive_int, default=1,
                        help='N > 1: N simulated GO2s and agents in namespaces robot1..N '
                             'sharing one LLM server, one mission each at once')
    parser.add_argument('--dashboard-port', type=tcp_port, default=None,
                        help='port of the dashboard the demo starts (default 8080; 0: any '
                             'free port)')
    parser.add_argument('--no-dashboard', action='store_true', help='do not start the dashboard')
    parser.add_argument('--vision-model', default=None,
                        help='vision model for a camera question after the test plan (default: '
                             'a vision-capable model pulled on the Ollama server, if any; "" '
                             'for none)')
    parser.add_argument('--vision-host', default='',
                        help='Ollama server of the vision model (default: $OLLAMA_HOST or '
                             'localhost:11434)')
    opts = parser.parse_args(args)
    if opts.robots > 1 and opts.dashboard_port is not None:
        parser.error('--dashboard-port: the demo with --robots N starts no dashboard')
    port = 8080 if opts.dashboard_port is None else opts.dashboard_port
    if opts.robots == 1 and not opts.no_dashboard and port and not port_free(port):
        print(f'demo: port {port} is in use (another dashboard or demo?): give '
              f'--dashboard-port N (0 picks a free one) or --no-dashboard', file=sys.stderr)
        return 2
    out = Path(opts.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    exported = os.environ.get('ROS_DOMAIN_ID', '')
    env = apply_local_dds(own_domain(exported))
    print(f'demo: DDS on shared memory only, ROS_DOMAIN_ID={env["ROS_DOMAIN_ID"]} (a domain '
          f'of its own: no other node on it'
          + (f'; your ROS_DOMAIN_ID={exported} is left alone' if exported else '')
          + f'); logs in {out}', flush=True)
    with ExitStack() as stack:
        if opts.no_llm:
            level = Level('rules', {'backend': 'none'}, 'LLM backend: none (--no-llm)')
        else:
            level = choose_backend(stack, out)
        print(f'demo: {level.note}', flush=True)
        if opts.robots > 1:
            return run_fleet_demo(opts.robots, None, level.params, out, opts.timeout or 60.0,
                                  env=env)
        procs: dict[str, subprocess.Popen] = {}
        stack.callback(lambda: [stop_node(p, timeout=15.0) for p in procs.values()])
        dashboard = not opts.no_dashboard
        port = port or free_port()
        vision = _vision_params(opts)
        if vision:
            print(f'demo: camera questions: {vision["vision_model"]} at '
                  f'{vision["vision_host"]} (one after the test plan)', flush=True)
        procs['up'] = start_up(up_arguments(level, out, dashboard, port, vision), out, env)
        if dashboard:
            url, line = dashboard_url(out / 'up.log', procs['up'])
            print(f'demo: {line}' + (' — open it to watch the test plan' if url else ''),
                  flush=True)

        def restart(level: Level) -> subprocess.Popen:
            return start_up(up_arguments(level, out, dashboard, port, vision), out, env)
        return _run(out, opts.timeout, level, procs, restart, bool(vision))


UP_LOG = 'up.log'
_URL = re.compile(r'dashboard at (http://\S+/)')


def up_arguments(level: Level, out: Path, dashboard: bool, port: int,
                 extra: dict[str, Any] | None = None) -> list[str]:
    """`up`'s NAME:=VALUE arguments for the demo's stack with this LLM level.

    The agent's settings that are launch arguments (the backend and its address) are given
    as such; the others (photo_dir, start-up validation, the level's timeouts) go into a
    params file in ``out``, which replaces config/mission_agent.yaml (the same defaults).
    """
    launch_names = {a.name for a in ARGUMENTS}
    agent = {'photo_dir': str(out / 'photos'), 'validate_on_startup': True, **level.params,
             **(extra or {})}
    params_file = out / 'demo_mission_agent.yaml'
    params_file.write_text(yaml.safe_dump({'mission_agent': {'ros__parameters': {
        k: v for k, v in agent.items() if k not in launch_names}}}), encoding='utf-8')
    args = ['sim:=true', f'params_file:={params_file}', 'aggregator:=false',
            f'gpu_monitor:={"true" if level.name == "ollama" else "false"}',
            f'dashboard:={"true" if dashboard else "false"}']
    args += [f'dashboard_port:={port}'] if dashboard else []
    return args + [f'{k}:={v}' for k, v in agent.items() if k in launch_names]


def start_up(args: list[str], out: Path, env: dict[str, str]) -> subprocess.Popen:
    """`python -m shadowhound_llm up ARGS`, its prefixed output appended to out/up.log."""
    command = [sys.executable, '-m', 'shadowhound_llm', 'up', *args]
    print(f'demo: python -m shadowhound_llm up {" ".join(args)}', flush=True)
    with (out / UP_LOG).open('a', encoding='utf-8') as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def dashboard_url(log: Path, up: subprocess.Popen, timeout_s: float = 30.0
                  ) -> tuple[str | None, str]:
    """The dashboard's URL from up's output, and a line for the operator."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lines = [line for line in _read(log) if line.startswith('[dashboard')]
        found = next((m for m in map(_URL.search, lines) if m), None)
        if found:
            return found.group(1), f'dashboard at {found.group(1)}'
        if up.poll() is not None or any('ERROR' in line for line in lines):
            why = lines[-1] if lines else f'up exited with status {up.returncode}'
            return None, f'dashboard did not start: {why}'
        time.sleep(0.05)
    return None, f'dashboard did not report its address within {timeout_s:g} s; see {log}'


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _read(log: Path) -> list[str]:
    try:
        return log.read_text(encoding='utf-8', errors='replace').splitlines()
    except OSError:
        return []


def _run(out: Path, timeout: float, level: Level, procs: dict[str, subprocess.Popen],
         restart: Any, vision: bool = False) -> int:
    from ..nodes.ros_common import tool_session
    from .robot_test import finish, RobotTest

    said = level.note  # printed once at the start; again at the end only if it changed
    try:
        with tool_session() as ros:
            policies, criteria, words = _policies(level.name, timeout)
            tester = RobotTest(ros.node('demo_robot_test'), criteria=criteria,
                               startup_timeout_s=180.0)
            if not tester.client.wait_ready(60.0):
                print(f'demo: sim_robot or mission_agent did not come up within 60 s; see the '
                      f'logs in {out}', file=sys.stderr)
                return 1
            if level.name != 'rules' and not _backend_validated(tester, procs['up']):
                reason = _last_error(out / UP_LOG)
                print(f'demo: the agent refused the LLM backend ({reason}); going on with the '
                      f'rule planner only', flush=True)
                level = Level('rules', {'backend': 'none'},
                              f"{level.note} — but the agent's validation failed ({reason}): "
                              f'rule planner only')
                policies, tester.criteria, words = _policies('rules', timeout)
                with tester.client.cond:
                    tester.client.diagnostics.clear()  # the failed agent's statuses
                stop_node(procs['up'], timeout=15.0)  # the agent's exit ended it already
                procs['up'] = restart(level)
                tester.client.wait_ready(60.0)
            phases, chosen = demo_phases(policies)
            print(f'demo: {chosen}', flush=True)
            notes = [f'Demo on the simulated GO2: {level.note}',
                     f'Demo policy ({level.name}): ' + '; '.join(words), f'Demo: {chosen}']
            result = tester.run(phases, policies, PHASE3_MISSIONS, allow_motion=True,
                                notes=notes)
            if vision and not result.aborted:
                line = ask_camera(tester.client)
                print(f'demo: {line}', flush=True)
                result.notes.append(f'Camera question: {line}')
        died = level.server.death() if level.server is not None else ''
        if died:
            result.notes.append(f'The embedded model stopped during the demo: {died}')
            print(f'demo: {died}', file=sys.stderr)
        photos = sorted((out / 'photos').glob('*.png')) if (out / 'photos').exists() else []
        if photos:
            result.notes.append(f'Photo (Take a photo): {photos[-1]}')
        if level.note != said:
            print(level.note)
        code = finish(result, out)
        if photos:
            print(f'photo: {photos[-1]}')
        return code
    finally:
        os.environ.pop('ROS_DOMAIN_ID', None)


CAMERA_QUESTION = 'What do you see?'


def ask_camera(client: Any, timeout: float = 120.0) -> str:
    """Ask the robot what it sees (a look through the vision model); one line saying so."""
    final = client.run(CAMERA_QUESTION, timeout).final
    if final is None:
        client.stop()
        return f'"{CAMERA_QUESTION}" got no answer within {timeout:g} s; robot stopped'
    if final.state.value != 'succeeded':
        return (f'"{CAMERA_QUESTION}" -> {final.state.value} ({final.reason}): '
                f'{final.message}')
    facts = final.vision or {}
    size = (f' ({facts.get("width")}x{facts.get("height")} image, '
            f'{facts.get("seconds")} s)' if facts else '')
    return f'"{CAMERA_QUESTION}" -> {final.answer}{size}'


def _vision_params(opts: argparse.Namespace) -> dict[str, Any]:
    """The agent's vision parameters: --vision-model, else a vision model Ollama has."""
    host = parse_host(opts.vision_host) if opts.vision_host else default_ollama_host()
    if opts.vision_model is not None:
        model, why = opts.vision_model.strip(), 'no camera question (--vision-model "")'
    else:
        model, why = find_vision_model(host)
        why = f'no camera question: {why}; --vision-model NAME names one'
    if not model:
        print(f'demo: {why}', flush=True)
        return {}
    client = VisionClient('ollama', host, model, timeout_s=120.0)
    try:  # checked first: the agent would exit on a vision model it cannot use
        report = validate_vision(client)
    finally:
        client.close()
    if not report.ok:
        failure = report.first_failure()
        print(f'demo: no camera question: {model} at {host} is not usable '
              f'({failure.name if failure else "?"}: {failure.message if failure else ""})',
              flush=True)
        return {}
    return {'vision_model': model, 'vision_host': host}


def port_free(port: int, host: str = '127.0.0.1') -> bool:
    """True when a server could listen on host:port now."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# How long each candidate domain is listened to for other nodes: longer than Fast DDS's 3 s
# announcement period, since a node whose first discovery exchange is missed (measured: one
# probe in ten, idle host) is only seen at its next announcement.
PROBE_S = 4.0


def own_domain(avoid: str = '', tries: int = 5) -> int:
    """A ROS domain id (1..100) on which no other node runs, so the demo drives its own.

    Another stack on the operator's exported ROS_DOMAIN_ID would otherwise take the demo's
    missions, and its odometry would mix with the simulator's.
    """
    from ..nodes.ros_common import nodes_on_domain

    apply_local_dds()  # shared memory only, before the first probe
    candidates = [d for d in random.sample(range(1, 101), 100) if str(d) != avoid.strip()]
    for domain in candidates[:tries]:
        others = nodes_on_domain(domain, wait_s=PROBE_S, until_first=True)
        if not others:
            return domain
        print(f'demo: ROS domain {domain} is in use ({", ".join(others[:3])}); trying another',
              flush=True)
    raise SystemExit(f'demo: no free ROS domain found in {tries} tries')


def _policies(level: str, timeout: float) -> tuple[dict[int, PhasePolicy], Criteria, list[str]]:
    """demo_policies, with the --timeout mission limit when one was given."""
    policies, criteria, words = demo_policies(level)
    if timeout > 0:
        criteria = replace(criteria, mission_timeout_s=timeout)
    return policies, criteria, words


def _backend_validated(tester: Any, agent: subprocess.Popen, timeout: float = 180.0) -> bool:
    """Wait for the agent's own backend validation; False when it failed (the agent exits)."""
    def outcome() -> str | None:
        diag = tester.client.latest_diagnostics(DiagTask.AGENT_BACKEND)
        state = diag['values'].get(DiagKey.BACKEND_STATE) if diag else None
        if state == 'ready':
            return 'ready'
        if state == 'failed' or agent.poll() is not None:
            return 'failed'
        return None
    return tester.client.wait(outcome, timeout) == 'ready'


def _last_error(log: Path) -> str:
    """The agent's last error line in up's output (its prefix left out)."""
    lines = [line.split('] ', 1)[-1] for line in _read(log) if line.startswith('[mission_agent')]
    if not lines:
        return f'see {log}'
    bad = [line for line in lines if 'FATAL' in line or 'ERROR' in line or 'not usable' in line]
    line = re.sub(r'^\[(FATAL|ERROR|WARN|INFO)\] \[[\d.]+\] \[[^\]]*\]: ', '',
                  bad[-1] if bad else lines[-1])
    return textwrap.shorten(line, 300, placeholder=' …')


if __name__ == '__main__':
    raise SystemExit(main())
