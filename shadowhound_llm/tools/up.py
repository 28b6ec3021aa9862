# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""up: run what ``mission.launch.py`` runs, without launch_ros.

``python -m shadowhound_llm up [NAME:=VALUE ...]`` takes the launch file's arguments, with
the same defaults, and starts the nodes that ``nodes.launch_setup.plan_launch`` decides,
each as its own process with its parameters in a generated params file. Every output line
is prefixed with the node's name. When ``mission_agent`` exits, the others are stopped and
``up`` exits with the agent's status; Ctrl-C or SIGTERM stops every node (each gets
SIGINT, so the agent sends its last zero Twist; a node still running after
``STOP_TIMEOUT_S`` is killed), and a node whose ``up`` dies is sent SIGTERM by the kernel.

Exit status: the agent's (0 when it ended cleanly, 1 failed validation or a fatal error,
2 invalid parameters; 128+N when killed by signal N); 2 for bad arguments.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Mapping, Sequence, TextIO

from ..nodes.launch_setup import (
    agent_exit,
    launch_arguments,
    LaunchPlan,
    LaunchPlanError,
    NodePlan,
    PACKAGE,
    plan_launch,
    write_params_file,
)

STOP_TIMEOUT_S = 10.0
_PR_SET_PDEATHSIG = 1


def usage() -> str:
    """The --help text: every argument with its default and meaning."""
    arguments = launch_arguments()  # the registry's backends included
    width = max(len(a.name) for a in arguments)
    lines = ['usage: python -m shadowhound_llm up [NAME:=VALUE ...]', '',
             'Runs what `ros2 launch shadowhound_llm mission.launch.py` runs, with the same',
             'arguments and defaults, without launch_ros. Ctrl-C or SIGTERM stops every node;',
             "up exits with mission_agent's status.", '', 'arguments (default):']
    for a in arguments:
        lines.append(f'  {a.name:<{width}}  ({a.default or "empty"}) {a.description}')
    return '\n'.join(lines)


def parse_arguments(argv: Sequence[str]) -> dict[str, str]:
    """``['sim:=true', ...]`` -> ``{'sim': 'true'}``; LaunchPlanError for anything else."""
    args: dict[str, str] = {}
    for item in argv:
        name, sep, value = item.partition(':=')
        if not sep or not name:
            raise LaunchPlanError(f'{item!r}: arguments are NAME:=VALUE, as for ros2 launch '
                                  f'(e.g. sim:=true)')
        args[name] = value
    return args


def package_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The package's config/ folder: the installed share folder, else the source tree's."""
    env = os.environ if environ is None else environ
    for prefix in filter(None, env.get('AMENT_PREFIX_PATH', '').split(os.pathsep)):
        candidate = Path(prefix) / 'share' / PACKAGE / 'config'
        if (candidate / 'mission_agent.yaml').is_file():
            return candidate
    return Path(__file__).resolve().parents[2] / 'config'


def node_executable(node: NodePlan, environ: Mapping[str, str]) -> list[str] | None:
    """The command that starts the node's program, or None when it is not installed."""
    if node.package == PACKAGE:
        return [sys.executable, '-m', PACKAGE, node.executable]
    for prefix in filter(None, environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep)):
        program = Path(prefix) / 'lib' / node.package / node.executable
        if os.access(program, os.X_OK):
            return [str(program)]
    return None


def node_command(node: NodePlan, params_file: str, environ: Mapping[str, str]
                 ) -> list[str] | None:
    """The node's whole command line, as launch_ros would build it."""
    program = node_executable(node, environ)
    if program is None:
        return None
    ros = ['--ros-args', '-r', f'__node:={node.name}']
    if node.namespace:
        ros += ['-r', f'__ns:=/{node.namespace}']
    return program + ros + ['--params-file', params_file, *node.ros_arguments]


def _die_with_parent() -> None:
    """In the child: the kernel sends SIGTERM when ``up`` dies, so no node is orphaned."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class Stack:
    """The running nodes of one plan: start, prefix their output, stop them all."""

    def __init__(self, plan: LaunchPlan, out: TextIO = sys.stdout,
                 environ: Mapping[str, str] | None = None) -> None:
        self.plan = plan
        self.out = out
        self.environ = dict(os.environ if environ is None else environ)
        self.environ.setdefault('PYTHONUNBUFFERED', '1')
        self.procs: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self._readers: list[threading.Thread] = []
        self._width = max((len(n.name) for n in plan.nodes), default=0)

    def say(self, name: str, line: str) -> None:
        """One output line, prefixed with who says it."""
        with self._lock:
            self.out.write(f'[{name:<{self._width}}] {line}\n')
            self.out.flush()

    def start(self, params_dir: str) -> None:
        """Start every node of the plan, in order (the agent first, as the launch does)."""
        for node in self.plan.nodes:
            cmd = node_command(node, write_params_file(node, params_dir), self.environ)
            if cmd is None:
                self.say('up', f'{node.package} {node.executable} is not installed: '
                               f'{node.name} not started')
                continue
            self.procs[node.name] = subprocess.Popen(
                cmd, env={**self.environ, **node.env}, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors='replace',
                preexec_fn=_die_with_parent)
        for name, proc in self.procs.items():
            reader = threading.Thread(target=self._relay, args=(name, proc), daemon=True,
                                      name=f'up-{name}')
            reader.start()
            self._readers.append(reader)

    def _relay(self, name: str, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.say(name, line.rstrip('\n'))

    def required_exit(self) -> tuple[str, int] | None:
        """(name, status) of a required node that has exited, else None."""
        for node in self.plan.nodes:
            proc = self.procs.get(node.name)
            if node.required and proc is not None and proc.poll() is not None:
                return node.name, proc.returncode
        return None

    def optional_exits(self) -> list[tuple[str, int]]:
        """(name, status) of each node the stack goes on without that has exited."""
        return [(node.name, proc.returncode) for node in self.plan.nodes
                if not node.required and (proc := self.procs.get(node.name)) is not None
                and proc.poll() is not None]

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGINT to every node still running (the agent last), then kill what hangs."""
        running = [p for p in reversed(list(self.procs.values())) if p.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for reader in self._readers:
            reader.join(timeout=2.0)


def exit_status(returncode: int | None) -> int:
    """A process status as a shell exit status (128+N for a signal)."""
    if returncode is None:
        return 1
    return 128 - returncode if returncode < 0 else returncode


def main(argv: list[str] | None = None) -> int:
    """Plan, start, supervise; return the agent's status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ('-h', '--help', '-s', '--show-args') for a in argv):
        print(usage())
        return 0
    try:
        plan = plan_launch(parse_arguments(argv), package_config_dir(), os.environ)
    except LaunchPlanError as exc:
        print(f'up: {exc}\n(python -m shadowhound_llm up --help lists the arguments)',
              file=sys.stderr)
        return 2
    stack = Stack(plan)
    for note in plan.notes:
        stack.say('up', note)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with tempfile.TemporaryDirectory(prefix='shadowhound-up-') as params_dir:
            stack.say('up', f'starting {", ".join(plan.names)}')
            stack.start(params_dir)
            ended = None
            told: set[str] = set()
            while not stopping.is_set() and ended is None:
                stopping.wait(0.1)
                ended = stack.required_exit()
                for name, status in stack.optional_exits():
                    if name not in told and ended is None:
                        told.add(name)  # e.g. the dashboard on a busy port: say so, go on
                        stack.say('up', f'{name} exited with status {exit_status(status)}; '
                                        f'the other nodes go on without it')
            if ended is None:
                stack.say('up', 'stopping every node')
                stack.stop()
                ended = stack.required_exit() or ('mission_agent', None)
            else:
                stack.say('up', f'{agent_exit(ended[1]).cause}: stopping the other nodes; '
                                f'exit status {exit_status(ended[1])}')
                stack.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_status(ended[1])


if __name__ == '__main__':
    raise SystemExit(main())
