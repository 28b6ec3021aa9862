# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Command-line tools: check_backend, plan, benchmark, robot_test, demo."""
