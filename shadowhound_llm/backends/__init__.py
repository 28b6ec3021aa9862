# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""LLM backends (plain Python, no ROS): Ollama's native API and OpenAI-compatible servers."""

from __future__ import annotations

from .base import BackendError, ChatBackend, LLMMetrics, LLMResult
from .models import LoadedModel
from .ollama import OllamaClient
from .openai_compat import OpenAICompatClient
from .registry import (
           BACKEND_CHOICES,
           BACKEND_NAMES,
           BACKENDS,
           make_backend,
           spec,
           validate_backend,
)
from .validation import CheckResult, validate_ollama, validate_openai, ValidationReport

__all__ = ['BACKEND_CHOICES', 'BACKEND_NAMES', 'BACKENDS', 'BackendError', 'ChatBackend',
           'CheckResult', 'LLMMetrics', 'LLMResult', 'LoadedModel', 'OllamaClient',
           'OpenAICompatClient', 'ValidationReport', 'make_backend', 'spec', 'validate_backend',
           'validate_ollama', 'validate_openai']
