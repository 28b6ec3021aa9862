# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Shared vocabulary importing nothing above it: contract, parameters, geometry, hosts, I/O."""
