# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Test configuration: DDS stays on shared memory, ROS domains of this process's own.

``make test`` runs the suite in parallel worker processes (pytest-xdist); each worker holds a
block of ROS domains no other test process on the machine uses: the first is its ``ROS_DOMAIN_ID``
(its in-process nodes and every process it starts with ``os.environ``), the others are for
tests that need a second domain (``spare_ros_domains``).

A test stays parallel-safe when it:
- listens on port 0 (or a port it bound itself) and reads the port back, never a fixed one;
- writes under ``tmp_path``, never a fixed path;
- talks ROS on this worker's domain (inherit ``os.environ``, or ``local_dds_env()``) and
  takes any other domain from ``spare_ros_domains``, never a number of its own;
- waits for the condition it needs (``Probe.wait``, ``Harness.settle``), not a fixed sleep;
- keeps whatever must not run beside another test in one ``xdist_group``
  (``pytest.mark.xdist_group('name')``: one worker runs the group's tests in turn).

The Ollama test double as a fixture: ``ollama`` (one per test) or ``ollama_module`` (one per
module), each scripted by the module's ``OLLAMA_SCRIPT`` (fields of ``Script``; a test may
still change ``ollama.script`` as it runs).
"""

import contextlib
import copy
import fcntl
import os
from pathlib import Path
import random
import tempfile

import pytest

from shadowhound_llm.common.local_dds import apply_local_dds
from shadowhound_llm.testing.ollama_double import OllamaDouble, Script

# The tests' domains: 101..200, above the demo's own (1..100, tools/demo.own_domain), below
# Fast DDS's limit; DOMAINS_PER_WORKER for each worker process.
TEST_DOMAINS = range(101, 201)
DOMAINS_PER_WORKER = 3
# One lock file per domain, held (flock) for as long as the worker runs: workers of one run,
# and of another run on the same machine (a second checkout, another user), never share one.
DOMAIN_LOCKS = Path(tempfile.gettempdir()) / 'shadowhound-test-ros-domains'
_held_locks: list = []


def _lock(path: Path):
    """The open, exclusively locked file at ``path``; None when someone else holds it."""
    try:
        handle = open(path, 'a')
    except OSError:  # another user's lock file: theirs
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def worker_domains(count: int = DOMAINS_PER_WORKER) -> list[int]:
    """A block of ``count`` ROS domains no other test process on this machine holds."""
    DOMAIN_LOCKS.mkdir(exist_ok=True)
    with contextlib.suppress(OSError):  # shared by every user of the machine
        DOMAIN_LOCKS.chmod(0o1777)
    starts = list(range(TEST_DOMAINS.start, TEST_DOMAINS.stop - count + 1, count))
    random.shuffle(starts)
    for first in starts:
        block = []
        for domain in range(first, first + count):
            handle = _lock(DOMAIN_LOCKS / f'{domain}.lock')
            if handle is None:
                break
            block.append(handle)
        if len(block) == count:
            _held_locks.extend(block)
            return list(range(first, first + count))
        for handle in block:
            handle.close()
    raise pytest.UsageError(f'every block of ROS domains in {TEST_DOMAINS.start}..'
                            f'{TEST_DOMAINS.stop - 1} is held by other test processes '
                            f'(see {DOMAIN_LOCKS}): fewer workers (TEST_WORKERS=N)')


# Before anything imports rclpy: FASTDDS_BUILTIN_TRANSPORTS=SHM (Fast DDS's shared-memory
# transport only), so no UDP socket is opened at all, and a domain of this worker's own so
# parallel workers and parallel runs do not see each other.
# ROS_AUTOMATIC_DISCOVERY_RANGE must stay unset: LOCALHOST makes rmw_fastrtps add its own
# UDP transport (see shadowhound_llm/common/local_dds.py and test_no_udp_sockets).
WORKER_DOMAINS = worker_domains()
apply_local_dds(WORKER_DOMAINS[0])
os.environ['RMW_IMPLEMENTATION'] = 'rmw_fastrtps_cpp'  # the SHM setting is Fast DDS's
os.environ.setdefault('ROS_LOG_DIR', tempfile.mkdtemp(prefix='shadowhound-roslog-'))

pytest_plugins = ['ros_harness']


def _ollama_double(request: pytest.FixtureRequest):
    """The fixture factory: a double scripted by the requesting module's OLLAMA_SCRIPT."""
    script = Script(**copy.deepcopy(getattr(request.module, 'OLLAMA_SCRIPT', {})))
    with OllamaDouble(script) as double:
        yield double


def pytest_collection_modifyitems(config, items):
    """Under parallel workers the ``slow`` tests go first, so none starts last and runs alone.

    A stable sort: the order stays the same in every worker (xdist requires it) and within
    each group.
    """
    if config.pluginmanager.hasplugin('xdist') and config.getoption('numprocesses', None):
        items.sort(key=lambda item: item.get_closest_marker('slow') is None)


@pytest.fixture(scope='session')
def spare_ros_domains() -> list[int]:
    """ROS domains no other test process uses, besides this worker's ROS_DOMAIN_ID."""
    return WORKER_DOMAINS[1:]


@pytest.fixture
def ollama(request):
    """The Ollama test double (a real HTTP server on 127.0.0.1), one per test."""
    yield from _ollama_double(request)


@pytest.fixture(scope='module')
def ollama_module(request):
    """The Ollama test double shared by a module's tests (they set its script per test)."""
    yield from _ollama_double(request)
