# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""What a plan is, without I/O: action models, the prompt, the envelope, the rule planner."""
