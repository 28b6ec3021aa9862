# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""LLM backends (plain Python, no ROS): Ollama's native API and OpenAI-compatible servers."""

from __future__ import annotations

from .base import BackendError, ChatBackend, LLMMetrics, LLMResult
from .models import LoadedModel
from .ollama import OllamaClient, validate_ollama
from .openai_compat import OpenAICompatClient, validate_openai
from .registry import (
           BACKEND_CHOICES,
           backend_choices,
           BACKEND_NAMES,
           backend_names,
           BACKENDS,
           make_backend,
           spec,
           validate_backend,
)
from .validation import CheckResult, ValidationReport

__all__ = ['BACKEND_CHOICES', 'BACKEND_NAMES', 'BACKENDS', 'BackendError', 'ChatBackend',
           'CheckResult', 'LLMMetrics', 'LLMResult', 'LoadedModel', 'OllamaClient',
           'OpenAICompatClient', 'ValidationReport', 'backend_choices', 'backend_names',
           'make_backend', 'spec', 'validate_backend', 'validate_ollama', 'validate_openai']
