# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The executables as an operator starts them: real processes, real signals."""

import os
import signal
import subprocess
import sys
import time

import pytest
from test_packaging import contract_executables

from shadowhound_llm.common.processes import node_command

pytestmark = pytest.mark.ros


def start(name, **params):
    return subprocess.Popen(node_command(name, params), env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_help_lists_every_contract_executable():
    out = subprocess.run([sys.executable, '-m', 'shadowhound_llm', '--help'],
                         capture_output=True, text=True, check=True).stdout
    for name in contract_executables():
        assert f'  {name} ' in out, name


def test_unknown_executable_is_exit_2():
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'fly'],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown executable 'fly'" in proc.stderr


def test_invalid_parameters_exit_with_the_reason():
    proc = start('mission_agent', max_linear_speed=0.2)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert 'cruise_linear_speed=0.3 m/s exceeds max_linear_speed=0.2 m/s' in out


def test_integers_for_floats_are_taken_and_a_misspelled_parameter_is_named():
    proc = start('sim_robot', max_linear_speed=1, max_linar_speed=0.1)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if 'simulated GO2' in line:
                break
        out = ''.join(lines)
        assert proc.poll() is None, out  # integer 1 for a float parameter did not stop it
        assert "unknown parameter 'max_linar_speed' ignored (did you mean " \
               "'max_linear_speed'?)" in out
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT])
def test_signal_while_moving_publishes_a_zero_twist(make_harness, sig):
    """The agent runs as its own process; the harness provides the robot and the probe."""
    h = make_harness(with_sim=True, wait=False)
    # Use the external agent instead of the in-process one: take it off the executor first,
    # and destroy it only once the executor has spun without it (destroying a node the spin
    # thread still waits on kills that thread: the probe then hears nothing, the old flake).
    h.executor.remove_node(h.agent)
    heard = len(h.probe.client.trajectory)
    assert h.probe.wait(lambda: len(h.probe.client.trajectory) > heard + 3, 10)
    h.agent.destroy_node()
    h.agent = None
    agent = start('mission_agent', backend='none', validate_on_startup=False)
    try:
        # Wait for the agent's own odometry (its Mission diagnostics say how old it is),
        # not for a fixed time: a mission sent before it would wait or fail under load.
        assert h.probe.wait(lambda: (d := h.probe.client.latest_diagnostics(
            'mission_agent: Mission')) and d['values'].get('odom age [s]') not in (None, 'never'),
            30), 'the agent never reported odometry'
        h.send('move forward 3 m')
        assert h.probe.wait(lambda: h.probe.pose and h.probe.pose.x > 0.2, 15)
        assert h.probe.wait(lambda: h.probe.cmds and h.probe.cmds[-1][1] > 0.0, 2)
        signalled = time.monotonic()
        agent.send_signal(sig)
        out, _ = agent.communicate(timeout=10)
        assert agent.returncode == 0, out
    finally:
        if agent.poll() is None:
            agent.kill()
    assert h.stopped(2.0), \
        'the last cmd_vel before exit must be a zero Twist'
    zero = next(t for t, x, w in h.probe.cmds if t >= signalled and (x, w) == (0.0, 0.0))
    assert zero - signalled < 1.0, 'the zero Twist went out at once, before exit'
    assert 'agent shutting down' in out
