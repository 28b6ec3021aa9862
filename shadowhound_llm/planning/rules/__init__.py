# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The rule planner: plain commands parsed into plans, never a guess."""
