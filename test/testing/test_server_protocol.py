# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The Ollama test double against the documented message shapes (test/data/server_protocol.yaml).

Each test asks the double over real HTTP and compares what it sent with the documented
example: same keys, same kind of value, same literal fields. A double that drifts from the
protocol (metrics on a load reply, context_length before 0.10.0, usage without
include_usage, no role delta, ...) fails here, not silently in the client's tests.
"""

import json
from pathlib import Path

import httpx
import pytest
import yaml

from shadowhound_llm.testing.ollama_double import ModelSpec, OllamaDouble

DOCS = yaml.safe_load((Path(__file__).resolve().parents[1] / 'data' / 'server_protocol.yaml')
                       .read_text())
LITERALS = set(DOCS['literals'])
PHI4 = 'phi4:14b'
R1 = 'deepseek-r1:7b'
SCHEMA = {'type': 'object', 'properties': {'actions': {'type': 'array'}}}
USER = [{'role': 'user', 'content': 'Mission: move forward 1 meter'}]


def shape(value, key=None):
    """Keys and kinds of a message; the value itself for the protocol's literal fields."""
    if key in LITERALS:
        return ('=', value)
    if isinstance(value, dict):
        return {k: shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, (int, float)):
        return 'number'
    if value is None:
        return 'null'
    return 'str'


def assert_like(got, documented):
    assert shape(got) == shape(documented), f'\ngot:        {got}\ndocumented: {documented}'


@pytest.fixture
def ollama():
    with OllamaDouble() as double:
        double.script.models[R1] = ModelSpec(R1, family='qwen2', parameter_size='7.6B',
                                             thinking='Okay, the user wants me to walk one '
                                                      'metre forward, so one move action.')
        yield double


def ndjson(ollama, path, body):
    with httpx.Client(base_url=ollama.url) as http, http.stream('POST', path, json=body) as r:
        assert r.status_code == 200
        return [json.loads(line) for line in r.iter_lines() if line.strip()]


def sse(ollama, body):
    with httpx.Client(base_url=ollama.url) as http, \
            http.stream('POST', '/v1/chat/completions', json={'stream': True, **body}) as r:
        assert r.status_code == 200
        lines = [ln[5:].strip() for ln in r.iter_lines() if ln.startswith('data:')]
    assert lines[-1] == DOCS['openai']['done_line']
    return [json.loads(ln) for ln in lines[:-1]]


# ---- Ollama's native API ----------------------------------------------------------------
def test_version(ollama):
    assert_like(httpx.get(f'{ollama.url}/api/version').json(), DOCS['ollama']['version'])


def test_chat_stream_chunks_and_final_line(ollama):
    lines = ndjson(ollama, '/api/chat', {'model': PHI4, 'messages': USER, 'format': SCHEMA})
    assert_like(lines[0], DOCS['ollama']['chat_chunk'])
    assert_like(lines[-1], DOCS['ollama']['chat_final'])
    assert all(not line['done'] for line in lines[:-1])
    # The chat that loaded the model reports the load; the next one finds it loaded.
    again = ndjson(ollama, '/api/chat', {'model': PHI4, 'messages': USER})[-1]
    assert lines[-1]['load_duration'] == pytest.approx(0.8e9)
    assert again['load_duration'] < 0.01e9


def test_reply_stopped_by_num_predict_says_length(ollama):
    final = ndjson(ollama, '/api/chat', {'model': PHI4, 'messages': USER,
                                         'options': {'num_predict': 3}})[-1]
    assert_like(final, DOCS['ollama']['chat_final_cut'])
    assert final['eval_count'] == 3


def test_thinking_streams_in_its_own_field_first(ollama):
    lines = ndjson(ollama, '/api/chat', {'model': R1, 'messages': USER, 'think': True})
    assert_like(lines[0], DOCS['ollama']['chat_thinking_chunk'])
    thought = ''.join(c['message'].get('thinking', '') for c in lines)
    answer = ''.join(c['message']['content'] for c in lines)
    assert thought.startswith('Okay') and answer.startswith('{"actions"')
    # Counted in eval_count like any generated token.
    assert lines[-1]['eval_count'] == len(lines) - 1


def test_think_false_switches_thinking_off_and_non_thinking_models_refuse_think(ollama):
    lines = ndjson(ollama, '/api/chat', {'model': R1, 'messages': USER, 'think': False})
    assert not any(c['message'].get('thinking') for c in lines)
    r = httpx.post(f'{ollama.url}/api/chat', json={'model': PHI4, 'messages': USER,
                                                     'think': True})
    assert r.status_code == 400 and 'does not support thinking' in r.json()['error']


def test_level_only_model_ignores_booleans_and_thinks_less_at_low(ollama):
    ollama.script.models['gpt-oss:20b'] = ModelSpec('gpt-oss:20b', family='gptoss',
                                                    thinking=' '.join(['step'] * 80),
                                                    think_levels_only=True)

    def thinking(think):
        lines = ndjson(ollama, '/api/chat', {'model': 'gpt-oss:20b', 'messages': USER,
                                             'think': think})
        return ''.join(c['message'].get('thinking', '') for c in lines)

    assert thinking(False) == thinking(True) == thinking('medium') != ''
    assert 0 < len(thinking('low')) < len(thinking('medium')) < len(thinking('high'))


def test_before_0_9_thinking_comes_inside_the_content_between_tags(ollama):
    ollama.script.version = '0.8.0'
    lines = ndjson(ollama, '/api/chat', {'model': R1, 'messages': USER, 'think': False})
    answer = ''.join(c['message']['content'] for c in lines)
    assert answer.startswith('<think>Okay') and '</think>' in answer
    assert not any('thinking' in c['message'] for c in lines)


@pytest.mark.parametrize('path, body, documented', [
    ('/api/chat', {'model': PHI4, 'messages': []}, 'chat_load'),
    ('/api/generate', {'model': PHI4}, 'generate_load'),
    ('/api/generate', {'model': PHI4, 'keep_alive': 0}, 'generate_unload'),
])
def test_load_and_unload_replies_carry_no_metrics(ollama, path, body, documented):
    reply = httpx.post(f'{ollama.url}{path}', json=body).json()
    assert_like(reply, DOCS['ollama'][documented])


@pytest.mark.parametrize('version, documented', [('0.12.6', 'ps_entry'),
                                                 ('0.10.0', 'ps_entry'),
                                                 ('0.9.6', 'ps_entry_before_0_10')])
def test_ps_has_context_length_from_0_10(ollama, version, documented):
    ollama.script.version = version
    httpx.post(f'{ollama.url}/api/generate', json={'model': PHI4})
    (entry,) = httpx.get(f'{ollama.url}/api/ps').json()['models']
    assert_like(entry, DOCS['ollama'][documented])


def test_tags_and_show(ollama):
    (entry, _) = httpx.get(f'{ollama.url}/api/tags').json()['models']
    assert_like(entry, DOCS['ollama']['tags_entry'])
    assert_like(httpx.post(f'{ollama.url}/api/show', json={'model': PHI4}).json(),
                DOCS['ollama']['show'])
    r1 = httpx.post(f'{ollama.url}/api/show', json={'model': R1}).json()
    assert r1['capabilities'] == ['completion', 'thinking']


@pytest.mark.parametrize('version, status', [('0.4.7', 400), ('0.5.0', 200)])
def test_schema_format_needs_0_5(ollama, version, status):
    ollama.script.version = version
    r = httpx.post(f'{ollama.url}/api/chat', json={'model': PHI4, 'messages': USER,
                                                     'format': SCHEMA, 'stream': False})
    assert r.status_code == status
    if status == 400:
        assert r.json() == DOCS['ollama']['schema_format_before_0_5']
    assert httpx.post(f'{ollama.url}/api/chat', json={
        'model': PHI4, 'messages': USER, 'format': 'json', 'stream': False}).status_code == 200


def test_missing_model_and_wrong_path_are_different_404s(ollama):
    r = httpx.post(f'{ollama.url}/api/chat', json={'model': 'qwq:32b', 'messages': USER})
    assert r.status_code == 404
    assert_like(r.json(), DOCS['ollama']['model_missing'])
    for method, path in (('GET', '/ollama/api/version'), ('POST', '/api/chats'),
                         ('GET', '/api/chat')):
        r = httpx.request(method, f'{ollama.url}{path}')
        assert r.status_code == 404 and r.text == DOCS['ollama']['wrong_path'], path


# ---- the OpenAI-compatible side ----------------------------------------------------------
def test_openai_stream_opens_with_a_role_delta_and_sends_usage_only_when_asked(ollama):
    events = sse(ollama, {'model': PHI4, 'messages': USER})
    assert_like(events[0], DOCS['openai']['first_chunk'])
    assert_like(events[1], DOCS['openai']['content_chunk'])
    assert events[-1]['choices'][0]['finish_reason'] == 'stop'
    assert not any('usage' in e for e in events) and not any('timings' in e for e in events)
    events = sse(ollama, {'model': PHI4, 'messages': USER,
                          'stream_options': {'include_usage': True}})
    assert_like(events[-1], DOCS['openai']['usage_chunk'])
    assert events[-1]['usage']['completion_tokens'] == len(events) - 3  # role, finish, usage


def test_openai_llama_cpp_timings_reasoning_and_cut_reply(ollama):
    ollama.script.v1_timings = True
    events = sse(ollama, {'model': PHI4, 'messages': USER})
    assert_like(events[-1], DOCS['openai']['finish_chunk_with_timings'])
    assert events[-1]['timings']['predicted_per_second'] == pytest.approx(20.0)
    events = sse(ollama, {'model': R1, 'messages': USER})
    assert_like(events[1], DOCS['openai']['reasoning_chunk'])
    ollama.script.v1_timings = False
    events = sse(ollama, {'model': PHI4, 'messages': USER, 'max_tokens': 2})
    assert_like(events[-1], DOCS['openai']['finish_chunk_cut'])
    assert len(events) == 4  # role, two tokens, finish
