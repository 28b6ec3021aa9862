# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""How the robot moves: closed-loop controllers, the velocity governor, the GO2's kinematics."""
