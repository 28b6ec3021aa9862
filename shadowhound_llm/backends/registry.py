# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The backend registry: name -> client factory, validator and the parameters it uses.

Parameter checks, the CLIs' ``--backend`` choices and config building all read this table,
so a new backend is one client module plus one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..common.hosts import default_ollama_host, HostError, parse_host, parse_url
from ..common.params import AgentConfig
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


def backend_problems(config: Any) -> list[str]:
    """What cannot work in an AgentConfig's backend settings, as sentences.

    Known backend names, and a server URL that parses for each backend in use. The nodes and
    CLIs check these beside ``config.problems()`` (the parameter module knows no backend).
    """
    out = []
    if config.backend not in BACKEND_CHOICES:
        out.append(f'backend={config.backend!r}: use one of {", ".join(BACKEND_CHOICES)}')
    if config.fallback_backend not in ('',) + BACKEND_CHOICES:
        out.append(f'fallback_backend={config.fallback_backend!r}: use "" or one of '
                   f'{", ".join(BACKEND_CHOICES)}')
    for kind in sorted({config.backend, config.fallback_backend} - {'', NO_BACKEND}):
        if kind in BACKEND_CHOICES:
            backend = spec(kind)
            try:
                backend.normalise_host(backend.host_of(config))
            except HostError as exc:
                out.append(f'{backend.host_param}: {exc}')
    return out


def ollama_host_problems(config: Any) -> list[str]:
    """gpu_monitor's check: its ``ollama_host`` parses like ``OLLAMA_HOST``."""
    try:
        spec('ollama').normalise_host(config.ollama_host)
    except HostError as exc:
        return [f'ollama_host: {exc}']
    return []


def config_for_backend(backend: str, host: str | None, model: str | None,
                       **settings: Any) -> tuple[AgentConfig, str]:
    """AgentConfig for one backend chosen on a command line, and the server URL it uses.

    ``host`` is parsed like ``OLLAMA_HOST`` (HostError when it cannot be); ``settings`` are
    further AgentConfig fields (llm_timeout_s, num_ctx, ...).
    """
    backend_spec = spec(backend)
    url = backend_spec.normalise_host(host) if host else backend_spec.default_host()
    values = {'backend': backend, backend_spec.host_param: url, **settings}
    if model:
        values[backend_spec.model_param] = model
    return AgentConfig(**values), url
