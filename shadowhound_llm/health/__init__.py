# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""GPU and LLM health: telemetry, roofline, degradation and gpu_monitor's diagnostic tasks."""
