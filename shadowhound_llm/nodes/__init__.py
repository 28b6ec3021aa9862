# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The ROS 2 nodes: thin rclpy skins over the plain-Python core."""
