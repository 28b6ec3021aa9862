# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""`up`: the launch file's nodes without launch_ros, as real processes with real signals."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest

from shadowhound_llm.nodes.launch_setup import ARGUMENTS

pytestmark = pytest.mark.ros

QUIET = ['dashboard:=false', 'gpu_monitor:=false', 'aggregator:=false']


class Up:
    """`python -m shadowhound_llm up ARGS` with its output collected line by line."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, '-m', 'shadowhound_llm', 'up', *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=os.environ.copy())
        self.lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip('\n'))

    def wait_for(self, text, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return True
            if self.proc.poll() is not None:
                self._reader.join(2)
                return any(text in line for line in self.lines)
            time.sleep(0.05)
        return False

    def children(self):
        return psutil.Process(self.proc.pid).children(recursive=True)

    def finish(self, timeout=30.0):
        code = self.proc.wait(timeout=timeout)
        self._reader.join(5)
        return code

    def output(self):
        return '\n'.join(self.lines)

    def kill(self):
        if self.proc.poll() is None:
            for child in self.children():
                child.kill()
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def up():
    started = []

    def start(*args):
        started.append(Up(*args))
        return started[-1]
    yield start
    for u in started:
        u.kill()


def assert_all_gone(children, timeout=10.0):
    gone, alive = psutil.wait_procs(children, timeout=timeout)
    assert not alive, f'left running: {[p.pid for p in alive]}'


def test_help_lists_every_launch_argument_and_starts_nothing():
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'up', '--help'],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    for argument in ARGUMENTS:
        assert f'  {argument.name} ' in proc.stdout, argument.name
    assert 'starting' not in proc.stdout


@pytest.mark.parametrize('arg, said', [('namspace:=robot1', 'unknown launch argument(s): '
                                                           'namspace'),
                                       ('sim=true', 'arguments are NAME:=VALUE'),
                                       ('log_level:=loud', "log_level:='loud'")])
def test_a_bad_argument_is_named_and_nothing_starts(arg, said):
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'up', arg],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in proc.stderr
    assert 'starting' not in proc.stdout


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT])
def test_a_mission_runs_through_up_and_a_signal_stops_every_node(up, sig):
    stack = up('sim:=true', 'backend:=none', *QUIET)
    assert stack.wait_for('[mission_agent] ') and stack.wait_for('ready:'), stack.output()
    assert stack.wait_for('[sim_robot') and stack.wait_for('simulated GO2'), stack.output()
    mission = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'mission',
                              'Move forward 0.2 meters', '--timeout', '60'],
                             capture_output=True, text=True, timeout=90)
    assert mission.returncode == 0, mission.stdout + mission.stderr
    assert 'succeeded' in mission.stdout
    assert stack.wait_for('succeeded'), 'the agent logged it through up, prefixed'
    assert any(line.startswith('[mission_agent] ') and 'succeeded' in line
               for line in stack.lines), stack.output()
    # One format for every line a node logs: each carries the logger's level, time and name.
    agent_lines = [line for line in stack.lines if line.startswith('[mission_agent] ')]
    for line in agent_lines:
        assert re.match(r'^\[mission_agent\] \[(INFO|WARN|ERROR|FATAL)\] \[\d+\.\d+\] '
                        r'\[mission_agent\]: ', line), line
    children = stack.children()
    assert len(children) >= 2
    stack.proc.send_signal(sig)
    assert stack.finish() == 0, stack.output()
    assert_all_gone(children)


def started_in(namespace):
    """Processes (ours or orphaned) whose command line puts them in that namespace."""
    found = []
    for proc in psutil.process_iter(['cmdline']):
        if f'__ns:=/{namespace}' in (proc.info['cmdline'] or []):
            found.append(proc)
    return found


def test_the_agent_failing_validation_ends_up_with_its_status(up):
    namespace = f'up{os.getpid()}'
    stack = up('sim:=true', 'ollama_host:=127.0.0.1:9', f'namespace:={namespace}', *QUIET)
    assert stack.finish(60) == 1, stack.output()
    out = stack.output()
    assert '[mission_agent] ' in out and 'cannot reach Ollama at http://127.0.0.1:9' in out
    assert out.count('mission_agent exited with status 1') == 1, out
    assert 'exit status 1' in out
    assert 'starting mission_agent, sim_robot' in out
    # The way out is a launch argument (validate_on_startup is none), and the agent never
    # said it was ready before the fatal line.
    assert 'start with backend:=none' in out and 'validate_on_startup:=' not in out, out
    assert 'ready:' not in out and 'validating the LLM backend' in out, out
    assert_all_gone(started_in(namespace), timeout=1.0)


def test_a_dashboard_that_cannot_listen_is_said_to_have_ended_and_the_stack_goes_on(up):
    # The dashboard is not required: the stack goes on, and up says so in its own words.
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        stack = up('sim:=true', 'backend:=none', f'dashboard_port:={port}',
                   'gpu_monitor:=false', 'aggregator:=false')
        assert stack.wait_for('dashboard exited with status 1; the other nodes go on '
                              'without it', 60), stack.output()
        assert [line for line in stack.lines if 'the other nodes go on' in line][0] \
            .startswith('[up '), stack.output()
        assert stack.wait_for('ready:', 30) and stack.proc.poll() is None, stack.output()
        # its own line says how to choose another port, in up's syntax
        assert 'dashboard_port:=' in stack.output() and '-p port:=' not in stack.output()
        stack.proc.send_signal(signal.SIGINT)
        assert stack.finish(30) == 0, stack.output()


def test_nodes_do_not_outlive_a_killed_up(up):
    stack = up('sim:=true', 'backend:=none', *QUIET)
    assert stack.wait_for('ready:') and stack.wait_for('simulated GO2'), stack.output()
    children = stack.children()
    assert len(children) >= 2
    stack.proc.kill()  # no chance to stop anything itself
    stack.proc.wait()
    assert_all_gone(children)


def mission_process(*args):
    return subprocess.Popen([sys.executable, '-m', 'shadowhound_llm', 'mission', *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_mission_cancel_from_a_second_process_ends_a_long_mission_every_time(up):
    """`mission --cancel` ends a 360° turn run by the real agent and simulator, every time.

    Each cancel is a new process (DDS discovery from scratch); the waiting `mission` must
    see its mission cancelled.
    """
    stack = up('sim:=true', 'backend:=none', *QUIET)
    assert stack.wait_for('ready:') and stack.wait_for('simulated GO2'), stack.output()
    for attempt in range(4):
        mission_id = f'turn{attempt}'
        waiting = mission_process('turn left 360 degrees at 0.3 rad/s', '--id', mission_id,
                                  '--planner', 'rules')  # about 21 s
        try:
            # Running, by the agent's own log (the waiting process may hear it later).
            assert stack.wait_for(f'mission {mission_id} executing: step 1/1', 60), \
                stack.output()
            cancel = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'mission',
                                     '--cancel'], capture_output=True, text=True, timeout=60)
            out, _ = waiting.communicate(timeout=60)
        finally:
            if waiting.poll() is None:
                waiting.kill()
        assert cancel.returncode == 0, f'attempt {attempt}: {cancel.stdout}{cancel.stderr}'
        assert f'cancel sent for mission {mission_id}' in cancel.stdout, cancel.stdout
        assert 'cancelled' in cancel.stdout
        assert waiting.returncode == 1, out
        assert f'mission {mission_id}: cancelled' in out, out
