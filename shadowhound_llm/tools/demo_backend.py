# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The LLM the demo runs with: Ollama if check_backend passes, else the tiny model, else none.

Shared by ``demo`` and ``demo --robots N`` (``fleet``).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..backends import BackendError, OllamaClient, validate_ollama
from ..common.hosts import default_ollama_host
from ..common.params import AgentConfig
from ..testing import llama_server

PHI4_HINT = ('for phi4:14b planning, install Ollama, run `ollama pull phi4:14b` and run the '
             'demo again (OLLAMA_HOST selects another server)')


@dataclass
class Level:
    """The LLM the demo found: 'ollama', 'tiny' or 'rules', its agent parameters, a sentence."""

    name: str
    params: dict[str, Any]
    note: str
    server: llama_server.LlamaServer | None = None  # the embedded model's, when it runs


def find_vision_model(host: str) -> tuple[str, str]:
    """A pulled model whose /api/show capabilities include vision, or '' and why there is none."""
    client = OllamaClient(host, timeout_s=10.0)
    try:
        tags = client.tags()
        for entry in tags:
            name = str(entry.get('name') or entry.get('model') or '')
            caps = client.show(name).get('capabilities') or [] if name else []
            if 'vision' in caps:
                return name, ''
    except BackendError:
        return '', f'no Ollama server at {host} to ask for a vision model'
    finally:
        client.close()
    return '', (f'none of the {len(tags)} model(s) pulled on the Ollama server at {host} is '
                f'vision-capable (e.g. ollama pull gemma3:4b)')


def choose_backend(stack: ExitStack, out: Path) -> Level:
    """The best LLM backend here, and a sentence saying which and why."""
    host = default_ollama_host()
    client = OllamaClient(host, timeout_s=60.0)
    try:
        report = validate_ollama(client, AgentConfig().min_tokens_per_s)
    finally:
        client.close()
    if report.ok:
        return Level('ollama', {'backend': 'ollama', 'ollama_host': host},
                     f'LLM backend: Ollama {client.model} at {host} (check_backend passed)')
    why_not = report.first_failure().message
    tiny_missing = llama_server.available()
    if not tiny_missing:
        print('demo: starting the embedded tiny model (llama.cpp + Gemma 3 270M)...',
              flush=True)
        try:
            server = stack.enter_context(llama_server.LlamaServer(log_path=out / 'llama.log'))
        except RuntimeError as exc:
            tiny_missing = f'the tiny model did not start: {exc}'
        else:
            return Level('tiny', {'backend': 'openai', 'openai_base_url': server.url,
                                  'openai_model': llama_server.MODEL_ALIAS,
                                  'openai_response_format': 'json_object',
                                  'llm_timeout_s': 60.0},
                         f'LLM backend: embedded tiny model {llama_server.MODEL_ALIAS} via '
                         f'llama.cpp on the CPU (a weak 270M base model; Ollama not usable: '
                         f'{why_not}); {PHI4_HINT}', server)
    return Level('rules', {'backend': 'none'},
                 f'LLM backend: none — rule planner only (Ollama not usable: {why_not}; tiny '
                 f'model: {tiny_missing}); {PHI4_HINT}')
