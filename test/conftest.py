# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Test configuration: DDS stays on shared memory, one random ROS domain per session."""

import os
import random
import tempfile

# Before anything imports rclpy: shared-memory transport only (no UDP socket is opened),
# localhost discovery, and a domain of our own so parallel runs do not see each other.
os.environ['FASTDDS_BUILTIN_TRANSPORTS'] = 'SHM'
os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
os.environ['ROS_DOMAIN_ID'] = str(random.randint(1, 100))
os.environ['RMW_IMPLEMENTATION'] = 'rmw_fastrtps_cpp'
os.environ.setdefault('ROS_LOG_DIR', tempfile.mkdtemp(prefix='shadowhound-roslog-'))

pytest_plugins = ['ros_harness']
