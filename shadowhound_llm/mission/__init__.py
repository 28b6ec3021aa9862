# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The mission core (no ROS): the agent, its LLM planner, events, diagnostics, the runner."""
