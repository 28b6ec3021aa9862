# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Test support shipped with the package: the Ollama test double (needs starlette, uvicorn)."""
