# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Keep DDS on this machine: Fast DDS's shared-memory transport only, no UDP socket at all.

ROS_AUTOMATIC_DISCOVERY_RANGE is deliberately unset: with it (LOCALHOST), rmw_fastrtps
replaces the transports with its own UDP-localhost + SHM set and opens UDP sockets
(checked with `ss -uanp` on Jazzy), while SHM alone discovers and talks between processes
on one machine with none.
"""

from __future__ import annotations

import os
import random

# Variables that would widen discovery beyond shared memory (or add UDP transports).
WIDENING_VARS = ('ROS_AUTOMATIC_DISCOVERY_RANGE', 'ROS_STATIC_PEERS', 'ROS_LOCALHOST_ONLY')


def local_dds_env(domain_id: int | None = None, base: dict[str, str] | None = None
                  ) -> dict[str, str]:
    """An environment whose ROS 2 processes talk over shared memory only (no UDP at all)."""
    env = dict(os.environ if base is None else base)
    env['FASTDDS_BUILTIN_TRANSPORTS'] = 'SHM'
    for key in WIDENING_VARS:
        env.pop(key, None)
    if domain_id is not None or 'ROS_DOMAIN_ID' not in env:
        env['ROS_DOMAIN_ID'] = str(domain_id if domain_id is not None else random.randint(1, 100))
    env.setdefault('RMW_IMPLEMENTATION', 'rmw_fastrtps_cpp')
    return env


def apply_local_dds(domain_id: int | None = None) -> dict[str, str]:
    """Set the shared-memory DDS variables in this process (before rclpy.init)."""
    env = local_dds_env(domain_id)
    for key in WIDENING_VARS:
        os.environ.pop(key, None)
    os.environ.update(env)
    return env
