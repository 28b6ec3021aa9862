# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Test configuration: DDS stays on shared memory, one random ROS domain per session."""

import os
import random
import tempfile

from shadowhound_llm.common.local_dds import apply_local_dds

# Before anything imports rclpy: FASTDDS_BUILTIN_TRANSPORTS=SHM (Fast DDS's shared-memory
# transport only), so no UDP socket is opened at all, and a domain of our own so parallel
# runs do not see each other.
# ROS_AUTOMATIC_DISCOVERY_RANGE must stay unset: LOCALHOST makes rmw_fastrtps add its own
# UDP transport (see shadowhound_llm/common/local_dds.py and test_no_udp_sockets).
apply_local_dds(random.randint(1, 200))
os.environ['RMW_IMPLEMENTATION'] = 'rmw_fastrtps_cpp'  # the SHM setting is Fast DDS's
os.environ.setdefault('ROS_LOG_DIR', tempfile.mkdtemp(prefix='shadowhound-roslog-'))

pytest_plugins = ['ros_harness']
