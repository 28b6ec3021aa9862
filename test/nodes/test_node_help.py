# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""--help on a node prints how to start it and every parameter, and starts nothing."""

from dataclasses import fields
import re
import subprocess
import sys

import pytest

from shadowhound_llm.common.params import AgentConfig, MonitorConfig, SimConfig
from shadowhound_llm.dashboard.config import DashboardConfig

NODES = {'mission_agent': AgentConfig, 'gpu_monitor': MonitorConfig, 'sim_robot': SimConfig,
         'dashboard': DashboardConfig}


@pytest.mark.parametrize('node', list(NODES))
@pytest.mark.parametrize('flag', ['--help', '-h'])
def test_help_lists_every_parameter_with_its_range_and_exits_0(node, flag):
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', node, flag],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f'usage: ros2 run shadowhound_llm {node}')
    for f in fields(NODES[node]):
        assert f'\n  {f.name} (' in out, f.name
        if f.metadata.get('min_value') is not None:
            assert f'{f.metadata["min_value"]:g} .. {f.metadata["max_value"]:g}' in out
    assert '[INFO]' not in out + proc.stderr, 'the node started'


def test_without_help_the_node_starts_and_checks_its_parameters():
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'sim_robot', '--ros-args',
                           '-p', 'rate_hz:=-5.0'], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, 'the node ran and refused the parameter'
    assert 'rate_hz' in proc.stderr


LOG_LINE = r'^\[(INFO|WARN|ERROR|FATAL)\] \[\d+\.\d+\] \[{name}\]: '


def test_a_refused_start_is_logged_in_the_nodes_own_format():
    """One format for every line: a refusal before the node exists looks like its logs."""
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'mission_agent',
                           '--ros-args', '-p', 'backend:=none', '-p', 'max_linar_speed:=0.4',
                           '-p', 'max_linear_speed:=0.1'],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    assert any('max_linar_speed' in ln for ln in lines), lines
    assert any('invalid parameters: cruise_linear_speed' in ln for ln in lines), lines
    for line in lines:
        assert re.match(LOG_LINE.format(name='mission_agent'), line), line


def test_unreadable_ros_args_are_logged_under_the_remapped_name():
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'dashboard', '--ros-args',
                           '-r', '__node:=dash2', '-p', 'host:=::'],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert re.search(LOG_LINE.format(name='dash2') + 'the --ros-args could not be read',
                     proc.stderr, re.M), proc.stderr
