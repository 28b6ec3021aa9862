# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The demo keeps to itself: a ROS domain no other node uses, a free dashboard port."""

import os
import socket
import subprocess
import sys

import pytest

from shadowhound_llm.nodes.ros_common import nodes_on_domain
from shadowhound_llm.tools import demo

pytestmark = pytest.mark.ros


def demo_cmd(*args):
    return subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'demo', *args],
                          capture_output=True, text=True, timeout=60)


def test_a_busy_dashboard_port_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = demo_cmd('--no-llm', '--dashboard-port', str(port), '--out', str(tmp_path))
    assert proc.returncode == 2
    assert f'port {port} is in use' in proc.stderr and '--dashboard-port' in proc.stderr
    assert not list(tmp_path.iterdir()), 'nothing ran'


def test_the_fleet_demo_refuses_a_dashboard_port_it_would_ignore():
    proc = demo_cmd('--robots', '2', '--dashboard-port', '9001')
    assert proc.returncode == 2 and 'starts no dashboard' in proc.stderr


@pytest.fixture
def occupied_domain(spare_ros_domains):
    """A sim_robot on a domain of its own, like another stack on the operator's domain."""
    domain = spare_ros_domains[0]
    env = {**os.environ, 'ROS_DOMAIN_ID': str(domain)}
    sim = subprocess.Popen([sys.executable, '-m', 'shadowhound_llm', 'sim_robot'], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield domain
    finally:
        sim.terminate()
        sim.wait(10)


def test_the_demo_skips_a_domain_where_another_stack_runs(occupied_domain, spare_ros_domains,
                                                          monkeypatch, capsys):
    for _ in range(40):  # until the other stack is discoverable
        if nodes_on_domain(occupied_domain, wait_s=0.5) == ['/sim_robot']:
            break
    else:
        pytest.fail('the other stack never showed up')
    free = spare_ros_domains[1]  # no node on it: no other worker of this run uses it
    monkeypatch.setattr(demo.random, 'sample', lambda population, k: [occupied_domain, free])
    assert demo.own_domain() == free
    assert f'ROS domain {occupied_domain} is in use (/sim_robot)' in capsys.readouterr().out
    assert demo.own_domain(avoid=str(occupied_domain)) == free, 'the exported one is skipped'
