# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""DDS stays off the network: our ROS processes open no UDP socket at all."""

import os
from pathlib import Path
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.ros


def udp_sockets(pid):
    """UDP/UDP6 sockets held by a process, from /proc (no ss/netstat needed)."""
    inodes = set()
    for fd in Path(f'/proc/{pid}/fd').iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith('socket:['):
            inodes.add(target[8:-1])
    found = []
    for table in ('/proc/net/udp', '/proc/net/udp6'):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                found.append(fields[1])  # local address:port (hex)
    return found


@pytest.mark.skipif(not Path('/proc/net/udp').exists(), reason='needs Linux /proc')
def test_this_test_process_opens_no_udp_socket(make_harness):
    make_harness()  # real nodes, talking over DDS in this process
    assert udp_sockets(os.getpid()) == []


@pytest.mark.skipif(not Path('/proc/net/udp').exists(), reason='needs Linux /proc')
def test_node_processes_open_no_udp_socket_and_still_talk(make_harness):
    h = make_harness(with_sim=False, wait=False)
    sim = subprocess.Popen([sys.executable, '-m', 'shadowhound_llm', 'sim_robot'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert h.probe.wait(lambda: h.probe.pose is not None, 20.0), \
            'odom from the sim_robot process must arrive over shared memory'
        time.sleep(0.5)  # the check itself: a socket opened after start-up counts too
        assert udp_sockets(sim.pid) == []
    finally:
        sim.terminate()
        sim.wait(timeout=10)


def test_a_second_test_process_gets_ros_domains_no_one_else_holds(tmp_path):
    """Two suites at once on one machine (or two workers) never share a ROS domain."""
    import conftest
    mine = conftest.WORKER_DOMAINS
    assert int(os.environ['ROS_DOMAIN_ID']) == mine[0]
    script = ('import sys; sys.path.insert(0, "test"); import conftest; '
              'print(" ".join(map(str, conftest.WORKER_DOMAINS)), flush=True); sys.stdin.read()')
    others = [subprocess.Popen([sys.executable, '-c', script], stdout=subprocess.PIPE,
                               stdin=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2]) for _ in range(3)]
    try:
        # each holds its block until it exits: read them while all three still run
        blocks = []
        for proc in others:
            blocks.append({int(d) for d in proc.stdout.readline().split()})
        assert all(len(b) == conftest.DOMAINS_PER_WORKER for b in blocks), blocks
        claimed = [set(mine), *blocks]
        assert len(set().union(*claimed)) == sum(len(b) for b in claimed), claimed
    finally:
        for proc in others:
            proc.stdin.close()
            proc.wait(30)
