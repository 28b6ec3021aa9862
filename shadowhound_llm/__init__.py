# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""shadowhound_llm: plain-language missions for a Unitree GO2, planned by a local LLM."""

__version__ = '0.1.0'
