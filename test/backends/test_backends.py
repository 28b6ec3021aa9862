# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""LLM clients and validation checks against the Ollama test double (a real HTTP server)."""

import json
import os
import subprocess
import sys
import time

import pytest

from shadowhound_llm.backends import (
    BackendError,
    OllamaClient,
    OpenAICompatClient,
    validate_ollama,
    validate_openai,
)
from shadowhound_llm.backends.registry import backend_problems, ollama_host_problems
from shadowhound_llm.common.params import AgentConfig, MonitorConfig
from shadowhound_llm.planning.actions import plan_json_schema
from shadowhound_llm.testing.ollama_double import GIB, ModelSpec, RUNNER_DIED

MESSAGES = [{'role': 'user', 'content': 'Mission: Move forward 1 meter'}]


def client(double, **kw):
    return OllamaClient(double.url, **kw)


def levels(report):
    return {c.name: c.level.word for c in report.checks}


# ---- Ollama client ----------------------------------------------------------------------
def test_chat_sends_schema_keep_alive_and_options(ollama):
    c = client(ollama, keep_alive='-1', num_ctx=4096, temperature=0.0)
    result = c.chat(MESSAGES, schema=plan_json_schema())
    body = ollama.bodies('/api/chat')[-1]
    assert body['format'] == plan_json_schema()
    assert body['keep_alive'] == -1
    assert body['options']['num_ctx'] == 4096 and body['options']['temperature'] == 0.0
    assert json.loads(result.text) == {'actions': [{'type': 'move', 'distance_m': 1.0}]}


def test_metrics_from_ollama_counts(ollama):
    ollama.script.tokens_per_s = 15.0
    m = client(ollama).chat(MESSAGES).metrics
    assert m.tokens_per_s == pytest.approx(15.0, rel=1e-3)
    assert m.eval_count == 12 and m.eval_duration_s == pytest.approx(12 / 15.0, rel=1e-3)
    assert m.prompt_eval_count > 0 and m.ttft_s is not None and m.total_s >= m.ttft_s
    assert m.load_duration_s == pytest.approx(0.8)


def test_streamed_text_arrives_in_pieces(ollama):
    pieces = []
    client(ollama).chat(MESSAGES, on_text=pieces.append)
    assert len(pieces) == 12 and ''.join(pieces).startswith('{"actions"')


def test_non_streaming_chat(ollama):
    result = client(ollama).chat(MESSAGES, stream=False)
    assert ollama.bodies('/api/chat')[-1]['stream'] is False
    assert result.text.startswith('{"actions"') and result.metrics.eval_count == 12


def test_error_line_after_streaming_began_is_an_error(ollama):
    ollama.script.error_after_tokens = 5
    with pytest.raises(BackendError) as info:
        client(ollama).chat(MESSAGES)
    assert RUNNER_DIED in str(info.value)


def test_stream_cut_midway_is_an_error_not_a_truncated_plan(ollama):
    ollama.script.drop_after_tokens = 4
    pieces = []
    with pytest.raises(BackendError) as info:
        client(ollama).chat(MESSAGES, on_text=pieces.append)
    assert 'dropped the connection' in str(info.value) or 'ended before' in str(info.value)
    assert len(pieces) == 4


def test_request_over_llm_timeout_is_cancelled(ollama):
    ollama.script.real_time = True
    ollama.script.tokens_per_s = 10.0  # 12 tokens = 1.2 s
    start = time.monotonic()
    with pytest.raises(BackendError) as info:
        client(ollama, timeout_s=0.5).chat(MESSAGES)
    assert time.monotonic() - start < 1.0
    assert 'llm_timeout_s' in str(info.value)


def test_stalled_server_times_out(ollama):
    ollama.script.stall_s = 2.0
    start = time.monotonic()
    with pytest.raises(BackendError) as info:
        client(ollama, timeout_s=0.4).chat(MESSAGES)
    assert time.monotonic() - start < 1.5
    assert 'llm_timeout_s' in str(info.value)


def test_stall_mid_stream_is_cut_at_llm_timeout(ollama):
    ollama.script.stall_after_tokens = 3
    ollama.script.stall_s = 5.0
    pieces = []
    start = time.monotonic()
    with pytest.raises(BackendError) as info:
        client(ollama, timeout_s=0.6).chat(MESSAGES, on_text=pieces.append)
    assert 0.55 < time.monotonic() - start < 1.0, 'cancelled at llm_timeout_s, not later'
    assert len(pieces) == 3 and 'llm_timeout_s' in str(info.value)


def test_openai_stall_mid_stream_is_cut_at_llm_timeout(ollama):
    ollama.script.stall_after_tokens = 2
    ollama.script.stall_s = 5.0
    start = time.monotonic()
    with pytest.raises(BackendError) as info:
        OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b', timeout_s=0.6).chat(MESSAGES)
    assert time.monotonic() - start < 1.0 and 'llm_timeout_s' in str(info.value)


@pytest.mark.parametrize('openai', [False, True])
def test_cancel_aborts_a_call_in_flight(ollama, openai):
    import threading
    ollama.script.stall_after_tokens = 2
    ollama.script.stall_s = 5.0
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    c = (OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b', timeout_s=10) if openai
         else client(ollama, timeout_s=10))
    start = time.monotonic()
    with pytest.raises(BackendError) as info:
        c.chat(MESSAGES, cancel=cancel)
    assert time.monotonic() - start < 0.6 and 'cancelled' in str(info.value)


def test_planner_reports_cancellation_not_failure(ollama):
    import threading

    from shadowhound_llm.mission.llm_planner import LLMPlanner, PlanningCancelled
    ollama.script.stall_s = 5.0
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    with pytest.raises(PlanningCancelled):
        LLMPlanner([client(ollama, timeout_s=10)]).plan('patrol', cancel=cancel)


def test_unknown_model_is_404_with_pull_hint(ollama):
    with pytest.raises(BackendError) as info:
        client(ollama, model='llama9').chat(MESSAGES)
    assert info.value.status_code == 404 and 'ollama pull llama9' in str(info.value)


def test_out_of_memory_on_load(ollama):
    ollama.script.load_error = ('llama-server reported out-of-memory during startup: '
                                'cudaMalloc failed')
    with pytest.raises(BackendError) as info:
        client(ollama).chat(MESSAGES)
    assert info.value.status_code == 500 and 'out-of-memory' in str(info.value)


def test_connection_refused_is_fast_and_names_the_url():
    start = time.monotonic()
    with pytest.raises(BackendError) as info:
        OllamaClient('http://127.0.0.1:9').version()
    assert time.monotonic() - start < 3.0
    assert 'http://127.0.0.1:9' in str(info.value) and 'refused' in str(info.value)


def test_double_behaves_like_ollama_on_bad_requests(ollama):
    import httpx
    r = httpx.post(f'{ollama.url}/api/chat', content=b'')
    assert r.status_code == 400 and r.json() == {'error': 'missing request body'}
    r = httpx.post(f'{ollama.url}/api/chat', json={'messages': []})
    assert r.status_code == 400 and r.json()['error'] == 'model is required'
    r = httpx.post(f'{ollama.url}/api/chat', json={'model': 'phi4:14b', 'format': 'yaml',
                                                   'messages': MESSAGES})
    assert r.status_code == 400 and 'invalid format' in r.json()['error']


def test_load_unload_and_ps(ollama):
    c = client(ollama, num_ctx=8192)
    assert c.load().load_duration_s == pytest.approx(0.8)
    (entry,) = c.ps()
    assert entry.context_length == 8192 and entry.size_vram == entry.size and entry.cpu_pct == 0
    c.unload()
    assert c.ps() == []


@pytest.mark.parametrize('value, expected', [('-1', -1), ('5m', '5m'), ('300', 300), (0, 0)])
def test_keep_alive_forms(ollama, value, expected):
    client(ollama, keep_alive=value).chat(MESSAGES)
    assert ollama.bodies('/api/chat')[-1]['keep_alive'] == expected


# ---- validation -------------------------------------------------------------------------
def test_healthy_server_passes_every_check(ollama):
    report = validate_ollama(client(ollama))
    assert report.ok and not report.warnings
    assert [c.name for c in report.checks] == ['reachable', 'model_present', 'load',
                                               'gpu_residency', 'context', 'structured_output',
                                               'reasoning', 'decode_speed', 'plan_latency']


def test_missing_model_lists_what_is_pulled_and_the_pull_line(ollama):
    ollama.script.models = {'llama3.2:3b': ModelSpec('llama3.2:3b')}
    report = validate_ollama(client(ollama))
    fail = report.first_failure()
    assert fail.name == 'model_present'
    assert 'pulled: llama3.2:3b' in fail.message and 'ollama pull phi4:14b' in fail.message
    assert len(report.checks) == 2, 'checks after a failure are skipped'


def test_load_out_of_memory_fails(ollama):
    ollama.script.load_error = 'model requires more system memory (12.1 GiB) than is available'
    fail = validate_ollama(client(ollama)).first_failure()
    assert fail.name == 'load' and 'more system memory' in fail.message


@pytest.mark.parametrize('fraction, version, expect', [
    (0.4, '0.12.3', ['60% of phi4:14b is on the CPU', 'drop_caches', 'update Ollama']),
    (0.0, '0.12.6', ['100% of phi4:14b is on the CPU', 'drop_caches']),
])
def test_partial_cpu_offload_is_a_warning_that_explains(ollama, fraction, version, expect):
    ollama.script.models['phi4:14b'].vram_fraction = fraction
    ollama.script.version = version
    report = validate_ollama(client(ollama))
    assert report.ok
    assert levels(report)['gpu_residency'] == 'warn'
    message = report.checks[3].message
    for text in expect:
        assert text in message


def test_context_mismatch_warns(ollama):
    ollama.script.forced_context_length = 262144
    report = validate_ollama(client(ollama, num_ctx=4096))
    assert levels(report)['context'] == 'warn' and '262144' in report.checks[4].message


def test_unstructured_reply_fails_structured_output(ollama):
    ollama.script.reply = 'Sure! I will move forward.'
    fail = validate_ollama(client(ollama)).first_failure()
    assert fail.name == 'structured_output' and 'valid plan' in fail.message


def test_slow_decode_warns(ollama):
    ollama.script.tokens_per_s = 3.0
    report = validate_ollama(client(ollama), min_tokens_per_s=5.0)
    assert report.ok and levels(report)['decode_speed'] == 'warn'
    message = next(c for c in report.checks if c.name == 'decode_speed').message
    assert '3.0 tok/s' in message and 'ollama ps' in message


def test_slow_decode_on_an_openai_compatible_server_gives_that_servers_advice(ollama):
    # A llama.cpp or vLLM server has no `ollama ps`: the advice names what it has instead.
    ollama.script.tokens_per_s, ollama.script.v1_timings = 3.0, True  # llama.cpp's timings
    report = validate_openai(OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b'),
                             min_tokens_per_s=5.0)
    message = next(c for c in report.checks if c.name == 'decode_speed').message
    assert report.ok and levels(report)['decode_speed'] == 'warn'
    assert '--n-gpu-layers' in message and 'ollama' not in message


def test_unreachable_fails_first_check():
    report = validate_ollama(OllamaClient('http://127.0.0.1:9'))
    assert not report.ok and [c.name for c in report.checks] == ['reachable']


# ---- OpenAI-compatible ------------------------------------------------------------------
def test_openai_compatible_backend_against_ollama_v1(ollama):
    c = OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b')
    pieces = []
    result = c.chat(MESSAGES, schema=plan_json_schema(), on_text=pieces.append)
    assert json.loads(result.text)['actions'][0]['type'] == 'move'
    assert len(pieces) == 12 and result.metrics.eval_count == 12
    body = ollama.bodies('/v1/chat/completions')[-1]
    assert body['response_format']['type'] == 'json_schema'
    assert body['response_format']['json_schema']['schema'] == plan_json_schema()
    report = validate_openai(c)
    assert report.ok, report.as_dict()


def test_openai_stream_cut_is_an_error(ollama):
    ollama.script.drop_after_tokens = 3
    with pytest.raises(BackendError):
        OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b').chat(MESSAGES)


def test_api_key_never_appears_in_errors(ollama, monkeypatch):
    secret = 'sk-test-very-secret-123'
    monkeypatch.setenv('OPENAI_API_KEY', secret)
    ollama.script.status_override = (401, f'invalid api key {secret}')
    c = OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b')
    with pytest.raises(BackendError) as info:
        c.chat(MESSAGES)
    assert secret not in str(info.value) and '***' in str(info.value)
    # A server that echoes the key it received, on every route validation uses.
    ollama.script.status_override = None
    ollama.script.require_api_key = 'sk-the-right-one'
    report = validate_openai(OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b'))
    text = json.dumps(report.as_dict())
    assert not report.ok and '401' in text
    assert 'Incorrect API key provided: ***' in text, 'the server echoed it; we scrubbed it'
    assert secret not in text


def test_check_backend_cli_never_prints_the_key(ollama):
    secret = 'sk-cli-secret-456'
    env = {**os.environ, 'OPENAI_API_KEY': secret}
    ollama.script.require_api_key = 'sk-the-right-one'  # 401 echoing the key received
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'check_backend',
                           '--backend', 'openai', '--host', f'{ollama.url}/v1', '--model',
                           'phi4:14b'], capture_output=True, text=True, env=env, timeout=30)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert '401' in out and 'Incorrect API key provided: ***' in out, out
    assert secret not in out


def test_response_format_falls_back_to_json_object_when_refused(ollama):
    calls = []

    def reply(body):
        calls.append(body['response_format']['type'])
        return '{"actions":[{"type":"photo"}]}'

    ollama.script.reply = reply
    ollama.script.refuse_json_schema = True  # as llama-cpp-python's server does
    c = OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b')
    assert json.loads(c.chat(MESSAGES, schema=plan_json_schema()).text) == {
        'actions': [{'type': 'photo'}]}
    assert calls == ['json_object'] and c.style == 'json_object'
    assert ollama.bodies('/v1/chat/completions')[-1]['response_format']['schema']


@pytest.mark.parametrize('style, words', [
    ('json_schema', 'under the JSON schema (response_format json_schema)'),
    ('json_object', 'under response_format json_object (the schema is enforced where'),
])
def test_a_bad_plan_is_reported_under_the_constraint_actually_asked_for(ollama, style, words):
    ollama.script.reply = '{"actions":[{"type":"fly","height_m":3}]}'
    report = validate_openai(OpenAICompatClient(f'{ollama.url}/v1', 'phi4:14b',
                                                response_format_style=style))
    message = next(c for c in report.checks if c.level.label == 'FAIL').message
    assert not report.ok and words in message
    assert ollama.bodies('/v1/chat/completions')[-1]['response_format']['type'] == style


def test_gib_constant_matches_reports(ollama):
    ollama.script.models['phi4:14b'].size = 10 * GIB
    ollama.script.models['phi4:14b'].vram_fraction = 0.5
    report = validate_ollama(client(ollama))
    assert '5.0 of 10.0 GiB' in report.checks[3].message


def test_the_registry_refuses_unknown_backends_and_unparseable_hosts():
    assert backend_problems(AgentConfig()) == []
    assert backend_problems(AgentConfig(backend='llamafile')) == [
        "backend='llamafile': use one of ollama, openai, none"]
    problems = backend_problems(AgentConfig(fallback_backend='openai',
                                            openai_base_url='ftp://x'))
    assert len(problems) == 1 and problems[0].startswith('openai_base_url: ')
    assert backend_problems(AgentConfig(backend='none', ollama_host='http://:::bad')) == []
    assert ollama_host_problems(MonitorConfig()) == []
    assert ollama_host_problems(MonitorConfig(ollama_host='http://:::bad'))[0].startswith(
        'ollama_host: ')


# ---- reasoning text apart from the answer --------------------------------------------------
@pytest.mark.parametrize('pieces, thinking, answer', [
    (['<think>', 'a plan', '</think>', '\n\n{"a"', ':1}'], 'a plan', '{"a":1}'),
    (['<thi', 'nk>x</th', 'ink>{}'], 'x', '{}'),
    (['  ', ' {"a":1}'], '', '   {"a":1}'),
    (['<think>cut off while thinking'], 'cut off while thinking', ''),
])
def test_think_tags_are_split_from_the_answer_however_the_stream_cuts_them(pieces, thinking,
                                                                            answer):
    from shadowhound_llm.backends.base import ThinkSplitter
    splitter, thought, said = ThinkSplitter(), '', ''
    for piece in pieces:
        t, a = splitter.feed(piece)
        thought, said = thought + t, said + a
    t, a = splitter.flush()
    assert (thought + t, said + a) == (thinking, answer)


def test_white_space_before_an_answer_is_not_counted_as_thinking(ollama):
    ollama.script.reply = ' ' * 40 + '{"actions":[{"type":"stop"}]}'
    m = client(ollama).chat(MESSAGES).metrics
    assert m.thinking_count is None and m.thinking_duration_s is None
