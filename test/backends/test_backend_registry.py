# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""A new backend is a client module plus one registry entry.

A toy backend registered here (its client and validator written in this file, as a client
module would hold them) must appear everywhere backends are listed without any other file
changing: the ``backend`` parameter's choices and checks, the parameters that rebuild the
clients, the CLIs' ``--backend`` choices and flags, the benchmark's model parameter, and the
launch arguments that override the agent's parameters.
"""

from pathlib import Path

import pytest

from shadowhound_llm.backends import registry
from shadowhound_llm.backends.base import LLMResult
from shadowhound_llm.backends.registry import BackendSpec, CliFlag
from shadowhound_llm.backends.validation import CheckResult, OK, ValidationReport
from shadowhound_llm.common.contract import LLMMetrics
from shadowhound_llm.common.hosts import parse_url
from shadowhound_llm.common.params import AgentConfig

PLAN = '{"actions":[{"type":"rotate","angle_deg":45}]}'
CONFIG_DIR = Path(__file__).resolve().parents[2] / 'config'


class ToyClient:
    """Answers every mission with the same plan."""

    name = 'toy'

    def __init__(self, config):
        self.model = config.openai_model
        self.host = config.openai_base_url
        self.chats = 0

    def chat(self, messages, schema=None, stream=True, on_text=None, timeout_s=None,
             options=None, cancel=None):
        self.chats += 1
        if on_text is not None:
            on_text(PLAN)
        return LLMResult(PLAN, LLMMetrics(backend='toy', model=self.model, tokens_per_s=99.0,
                                          speed_source='server'), 'stop')

    def close(self):
        pass


def validate_toy(client, min_tokens_per_s=None, on_check=None):
    check = CheckResult('toy_alive', OK, f'toy {client.model} answers', 0.0)
    if on_check is not None:
        on_check(check)
    return ValidationReport('toy', client.host, client.model, [check])


@pytest.fixture
def toy():
    registry.register(BackendSpec(
        'toy', 'a toy backend for the registry test', ToyClient, validate_toy,
        'openai_base_url', 'openai_model',
        ('openai_base_url', 'openai_model', 'max_mission_chars'),
        lambda: 'http://127.0.0.1:9', parse_url,
        cli_flags=(CliFlag('--mission-chars', 'max_mission_chars', 'toy: longest mission',
                           int),),
        launch_args=(('max_mission_chars', 'toy: longest mission text'),)))
    yield
    registry.unregister('toy')


def test_toy_backend_is_a_parameter_choice_and_rebuilds_on_its_parameters(toy):
    assert 'toy' in registry.backend_choices()
    assert registry.backend_problems(AgentConfig(backend='toy')) == []
    assert registry.backend_problems(AgentConfig(backend='openai', fallback_backend='toy')) == []
    assert 'max_mission_chars' in registry.backend_params()
    registry.unregister('toy')
    assert 'max_mission_chars' not in registry.backend_params()
    assert any('backend=' in p for p in registry.backend_problems(AgentConfig(backend='toy')))


def test_toy_backend_in_check_backend(toy, capsys):
    from shadowhound_llm.tools import check_backend
    parser = check_backend.build_parser()
    opts = parser.parse_args(['--backend', 'toy', '--mission-chars', '300'])
    assert registry.cli_settings('toy', opts) == {'max_mission_chars': 300}
    assert registry.cli_settings('ollama', opts) == {}
    code = check_backend.main(['--backend', 'toy', '--host', '127.0.0.1:8099', '--model', 'm1'])
    out = capsys.readouterr().out
    assert code == 0 and 'toy_alive' in out and 'toy m1 answers' in out
    assert 'toy backend at http://127.0.0.1:8099, model m1: usable' in out


def test_toy_backend_in_plan_and_benchmark(toy, capsys):
    from shadowhound_llm.tools import benchmark, plan_cli
    code = plan_cli.main(['spin a little', '--planner', 'llm', '--backend', 'toy',
                          '--host', '127.0.0.1:8099'])
    out = capsys.readouterr()
    assert code == 0 and '"angle_deg":45' in out.out.replace(' ', '')
    assert 'planned by the toy' in out.err
    opts = benchmark.build_parser().parse_args(['--backend', 'toy'])
    assert benchmark._models(opts) == [AgentConfig().openai_model]


def test_toy_backend_in_the_launch(toy):
    from shadowhound_llm.nodes import launch_setup
    from shadowhound_llm.tools import up
    names = [a.name for a in launch_setup.launch_arguments()]
    assert 'toy: longest mission text' in up.usage()
    assert 'max_mission_chars' in names and 'max_mission_chars' in registry.launch_overrides()
    assert 'toy' in next(a.description for a in launch_setup.launch_arguments()
                         if a.name == 'backend')
    plan = launch_setup.plan_launch({'backend': 'toy', 'max_mission_chars': '300'}, CONFIG_DIR,
                                   {}, lambda package: False)
    agent = plan.node('mission_agent')
    assert agent.parameters['backend'] == 'toy' and agent.parameters['max_mission_chars'] == 300
    with pytest.raises(launch_setup.LaunchPlanError, match='max_mission_chars'):
        launch_setup.plan_launch({'max_mission_chars': 'many'}, CONFIG_DIR, {},
                                lambda package: False)
