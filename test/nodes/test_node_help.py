# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""--help on a node prints how to start it and every parameter, and starts nothing."""

from dataclasses import fields
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
