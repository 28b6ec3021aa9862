# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Measuring the system: plan quality, robot test cases and report, the benchmark's core."""
