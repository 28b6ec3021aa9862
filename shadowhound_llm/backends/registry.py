# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The backend registry: name -> client factory, validator and the parameters it uses.

Parameter checks, the CLIs' ``--backend`` choices and config building all read this table,
so a new backend is one client module plus one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..common.hosts import default_ollama_host, parse_host, parse_url
from .base import ChatBackend
from .ollama import OllamaClient
from .openai_compat import OpenAICompatClient
from .validation import CheckResult, validate_ollama, validate_openai, ValidationReport

NO_BACKEND = 'none'


@dataclass(frozen=True)
class BackendSpec:
    """How to build, validate and configure one kind of LLM backend."""

    name: str
    description: str
    factory: Callable[[Any], ChatBackend]          # (AgentConfig) -> client
    validator: Callable[..., ValidationReport]     # (client, min_tokens_per_s, on_check)
    host_param: str                                # AgentConfig field holding the server URL
    model_param: str                               # AgentConfig field holding the model name
    params: tuple[str, ...]                        # every AgentConfig field it reads
    default_host: Callable[[], str]
    normalise_host: Callable[[str], str]

    def host_of(self, config: Any) -> str:
        """The server URL this backend uses under ``config``."""
        return getattr(config, self.host_param)

    def model_of(self, config: Any) -> str:
        """The model name this backend uses under ``config``."""
        return getattr(config, self.model_param)


def _ollama(config: Any) -> ChatBackend:
    return OllamaClient(parse_host(config.ollama_host), config.model, config.llm_timeout_s,
                        config.keep_alive, config.num_ctx, config.temperature)


def _openai(config: Any) -> ChatBackend:
    return OpenAICompatClient(parse_url(config.openai_base_url), config.openai_model,
                              config.llm_timeout_s, config.temperature,
                              response_format_style=config.openai_response_format)


BACKENDS: dict[str, BackendSpec] = {
    'ollama': BackendSpec(
        'ollama', "Ollama's native API (phi4:14b on the Thor)", _ollama, validate_ollama,
        'ollama_host', 'model',
        ('ollama_host', 'model', 'keep_alive', 'num_ctx', 'temperature', 'llm_timeout_s'),
        default_ollama_host, parse_host),
    'openai': BackendSpec(
        'openai', 'an OpenAI-compatible server (vLLM, llama.cpp server, OpenAI)', _openai,
        validate_openai, 'openai_base_url', 'openai_model',
        ('openai_base_url', 'openai_model', 'openai_response_format', 'temperature',
         'llm_timeout_s'),
        lambda: 'https://api.openai.com/v1', parse_url),
}

BACKEND_NAMES = tuple(BACKENDS)
BACKEND_CHOICES = BACKEND_NAMES + (NO_BACKEND,)   # the ``backend`` parameter's values


def spec(name: str) -> BackendSpec:
    """The registry entry for a backend name; ValueError naming the choices otherwise."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f'unknown backend {name!r}: use one of {", ".join(BACKEND_NAMES)}') \
            from None


def make_backend(kind: str, config: Any) -> ChatBackend:
    """Build the named backend from an AgentConfig-like object."""
    return spec(kind).factory(config)


def validate_backend(client: ChatBackend, min_tokens_per_s: float,
                     on_check: Callable[[CheckResult], None] | None = None
                     ) -> ValidationReport:
    """Run the checks that apply to this client's backend."""
    return spec(client.name).validator(client, min_tokens_per_s, on_check)
