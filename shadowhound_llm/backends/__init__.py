# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""LLM backends (plain Python, no ROS): Ollama's native API and OpenAI-compatible servers."""

from __future__ import annotations

from typing import Any, Callable

from .base import BackendError, ChatBackend, LLMMetrics, LLMResult
from .ollama import OllamaClient
from .openai_compat import OpenAICompatClient
from .validation import CheckResult, validate_ollama, validate_openai, ValidationReport

__all__ = ['BackendError', 'ChatBackend', 'CheckResult', 'LLMMetrics', 'LLMResult',
           'OllamaClient', 'OpenAICompatClient', 'ValidationReport', 'make_backend',
           'validate_backend']


def make_backend(kind: str, config: Any) -> ChatBackend:
    """Build the named backend ('ollama' or 'openai') from an AgentConfig-like object."""
    if kind == 'ollama':
        return OllamaClient(config.ollama_host, config.model, config.llm_timeout_s,
                            config.keep_alive, config.num_ctx, config.temperature)
    if kind == 'openai':
        return OpenAICompatClient(config.openai_base_url, config.openai_model,
                                  config.llm_timeout_s, config.temperature,
                                  response_format_style=config.openai_response_format)
    raise ValueError(f'unknown backend {kind!r}: use ollama or openai')


def validate_backend(client: ChatBackend, min_tokens_per_s: float,
                     on_check: Callable[[CheckResult], None] | None = None
                     ) -> ValidationReport:
    """Run the checks that apply to this backend."""
    if isinstance(client, OllamaClient):
        return validate_ollama(client, min_tokens_per_s, on_check)
    return validate_openai(client, min_tokens_per_s, on_check)
