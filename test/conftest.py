# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Test configuration: DDS stays on shared memory, one random ROS domain per session.

The Ollama test double as a fixture: ``ollama`` (one per test) or ``ollama_module`` (one per
module), each scripted by the module's ``OLLAMA_SCRIPT`` (fields of ``Script``; a test may
still change ``ollama.script`` as it runs).
"""

import copy
import os
import random
import tempfile

import pytest

from shadowhound_llm.common.local_dds import apply_local_dds
from shadowhound_llm.testing.ollama_double import OllamaDouble, Script

# Before anything imports rclpy: FASTDDS_BUILTIN_TRANSPORTS=SHM (Fast DDS's shared-memory
# transport only), so no UDP socket is opened at all, and a domain of our own so parallel
# runs do not see each other.
# ROS_AUTOMATIC_DISCOVERY_RANGE must stay unset: LOCALHOST makes rmw_fastrtps add its own
# UDP transport (see shadowhound_llm/common/local_dds.py and test_no_udp_sockets).
apply_local_dds(random.randint(1, 200))
os.environ['RMW_IMPLEMENTATION'] = 'rmw_fastrtps_cpp'  # the SHM setting is Fast DDS's
os.environ.setdefault('ROS_LOG_DIR', tempfile.mkdtemp(prefix='shadowhound-roslog-'))

pytest_plugins = ['ros_harness']


def _ollama_double(request: pytest.FixtureRequest):
    """The fixture factory: a double scripted by the requesting module's OLLAMA_SCRIPT."""
    script = Script(**copy.deepcopy(getattr(request.module, 'OLLAMA_SCRIPT', {})))
    with OllamaDouble(script) as double:
        yield double


@pytest.fixture
def ollama(request):
    """The Ollama test double (a real HTTP server on 127.0.0.1), one per test."""
    yield from _ollama_double(request)


@pytest.fixture(scope='module')
def ollama_module(request):
    """The Ollama test double shared by a module's tests (they set its script per test)."""
    yield from _ollama_double(request)
