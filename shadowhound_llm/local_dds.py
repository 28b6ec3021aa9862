# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Keep DDS on this machine: shared-memory transport only, localhost discovery."""

from __future__ import annotations

import os
import random


def local_dds_env(domain_id: int | None = None, base: dict[str, str] | None = None
                  ) -> dict[str, str]:
    """An environment whose ROS 2 processes talk over shared memory only (no UDP at all)."""
    env = dict(os.environ if base is None else base)
    env['FASTDDS_BUILTIN_TRANSPORTS'] = 'SHM'
    env['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    if domain_id is not None or 'ROS_DOMAIN_ID' not in env:
        env['ROS_DOMAIN_ID'] = str(domain_id if domain_id is not None else random.randint(1, 100))
    env.setdefault('RMW_IMPLEMENTATION', 'rmw_fastrtps_cpp')
    return env


def apply_local_dds(domain_id: int | None = None) -> dict[str, str]:
    """Set the shared-memory DDS variables in this process (before rclpy.init)."""
    env = local_dds_env(domain_id)
    for key in ('FASTDDS_BUILTIN_TRANSPORTS', 'ROS_AUTOMATIC_DISCOVERY_RANGE', 'ROS_DOMAIN_ID',
                'RMW_IMPLEMENTATION'):
        os.environ[key] = env[key]
    return env
