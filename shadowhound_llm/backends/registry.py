# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The backend registry: name -> client factory, validator, parameters, flags, launch args.

Everything that differs between backends is read from this table: the ``backend``
parameter's choices and checks, which parameter changes rebuild the clients, the CLIs'
``--backend`` choices and backend flags (check_backend, benchmark, plan), the model and
server parameters a ``--model`` / ``--host`` sets, and the launch arguments that override
the agent's parameters. A new backend is its client module (client and validator) plus one
``register(BackendSpec(...))`` entry here; its settings are AgentConfig fields (a new
setting is a new field in common/params.py).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Callable

from ..common.arg_types import of_param
from ..common.hosts import default_ollama_host, HostError, parse_host, parse_url
from ..common.params import AgentConfig
from .base import ChatBackend
from .ollama import OllamaClient, validate_ollama
from .openai_compat import OpenAICompatClient, RESPONSE_FORMAT_STYLES, validate_openai
from .validation import CheckResult, ValidationReport

NO_BACKEND = 'none'
# The parameters that choose backends (every other backend parameter is a spec's).
CHOOSING_PARAMS = ('backend', 'fallback_backend')


@dataclass(frozen=True)
class CliFlag:
    """A command-line flag that sets one AgentConfig field of a backend."""

    flag: str                                  # '--num-ctx'
    param: str                                 # the AgentConfig field it sets
    help: str
    type: Callable[[str], Any] = str
    choices: tuple[str, ...] | None = None


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
    cli_flags: tuple[CliFlag, ...] = ()            # flags beyond --host / --model
    # Launch arguments overriding the agent's parameters: (parameter, description).
    launch_args: tuple[tuple[str, str], ...] = ()

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


BACKENDS: dict[str, BackendSpec] = {}


def register(backend: BackendSpec) -> BackendSpec:
    """Add (or replace) a backend; every list derived from the registry includes it."""
    BACKENDS[backend.name] = backend
    return backend


def unregister(name: str) -> None:
    """Remove a backend (tests that register one of their own)."""
    BACKENDS.pop(name, None)


register(BackendSpec(
    'ollama', "Ollama's native API (phi4:14b on the Thor)", _ollama, validate_ollama,
    'ollama_host', 'model',
    ('ollama_host', 'model', 'keep_alive', 'num_ctx', 'temperature', 'llm_timeout_s'),
    default_ollama_host, parse_host,
    cli_flags=(CliFlag('--num-ctx', 'num_ctx', 'ollama: context length in tokens',
                       of_param(AgentConfig, 'num_ctx')),
               CliFlag('--keep-alive', 'keep_alive', 'ollama: keep_alive (seconds or a Go '
                       'duration; -1 keeps the model loaded)')),
    launch_args=(('model', 'LLM model for planning; empty: the params file decides '
                           '(phi4:14b)'),
                 ('ollama_host', 'Ollama server as OLLAMA_HOST takes it (192.168.1.20:11434, '
                                 ':11434, http://host); empty: your params_file, else '
                                 '$OLLAMA_HOST, else localhost:11434'))))
register(BackendSpec(
    'openai', 'an OpenAI-compatible server (vLLM, llama.cpp server, OpenAI)', _openai,
    validate_openai, 'openai_base_url', 'openai_model',
    ('openai_base_url', 'openai_model', 'openai_response_format', 'temperature',
     'llm_timeout_s'),
    lambda: 'https://api.openai.com/v1', parse_url,
    cli_flags=(CliFlag('--response-format', 'openai_response_format',
                       'openai: structured output style', choices=RESPONSE_FORMAT_STYLES),),
    launch_args=(('openai_base_url', 'OpenAI-compatible server for backend:=openai (vLLM, '
                                     'llama.cpp server), e.g. http://192.168.1.20:8000/v1; '
                                     'empty: the params file'),
                 ('openai_model', 'model name on that server; empty: the params file '
                                  'decides'))))

# Import-time snapshots, kept for existing callers; the functions below see later entries.
BACKEND_NAMES = tuple(BACKENDS)
BACKEND_CHOICES = BACKEND_NAMES + (NO_BACKEND,)   # the ``backend`` parameter's values


def backend_names() -> tuple[str, ...]:
    """Every registered backend, in registration order."""
    return tuple(BACKENDS)


def backend_choices() -> tuple[str, ...]:
    """The ``backend`` parameter's values: every backend, and 'none' (rule planner only)."""
    return backend_names() + (NO_BACKEND,)


def backend_params() -> frozenset[str]:
    """Parameters that need new backend clients (and a new validation) when they change."""
    out = set(CHOOSING_PARAMS)
    for backend in BACKENDS.values():
        out.update(backend.params)
    return frozenset(out)


# Launch arguments of the look action's vision model, beside the backends' own.
VISION_LAUNCH_ARGS = (('vision_model', 'vision model for camera questions (look), e.g. '
                                       'gemma3:4b; empty: the params file decides (off)'),)


def launch_overrides() -> tuple[str, ...]:
    """mission_agent parameters a launch argument may override."""
    out = list(CHOOSING_PARAMS)
    for backend in BACKENDS.values():
        out += [name for name, _ in backend.launch_args if name not in out]
    return tuple(out) + tuple(name for name, _ in VISION_LAUNCH_ARGS)


def add_cli_flags(parser: argparse.ArgumentParser) -> None:
    """Every backend's own flags (default None: the parameter's default applies)."""
    seen = set()
    for backend in BACKENDS.values():
        for flag in backend.cli_flags:
            if flag.flag in seen:
                continue
            seen.add(flag.flag)
            parser.add_argument(flag.flag, dest=flag.param, type=flag.type,
                                choices=flag.choices, default=None, help=flag.help)


def cli_settings(name: str, opts: argparse.Namespace) -> dict[str, Any]:
    """The AgentConfig fields the given flags set for one backend."""
    return {f.param: getattr(opts, f.param) for f in spec(name).cli_flags
            if getattr(opts, f.param, None) is not None}


def spec(name: str) -> BackendSpec:
    """The registry entry for a backend name; ValueError naming the choices otherwise."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f'unknown backend {name!r}: use one of '
                         f'{", ".join(backend_names())}') from None


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
    choices = backend_choices()
    if config.backend not in choices:
        out.append(f'backend={config.backend!r}: use one of {", ".join(choices)}')
    if config.fallback_backend not in ('',) + choices:
        out.append(f'fallback_backend={config.fallback_backend!r}: use "" or one of '
                   f'{", ".join(choices)}')
    for kind in sorted({config.backend, config.fallback_backend} - {'', NO_BACKEND}):
        if kind in choices:
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
