# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Servers as they really answer, through check_backend, plan --planner llm and benchmark.

Replies cut at the token limit, Ollama too old for a feature, reasoning models (thinking in
its own field, inside the content on older servers, models that take only levels),
llama.cpp's own timings, load time from the loading chat, 404s that are not a missing model,
a quoted OLLAMA_HOST, and a model too slow for the mission budget. The mission agent meets
the same servers in test_agent_server_cases.py.
"""

import json

import pytest

from shadowhound_llm.backends import OllamaClient, OpenAICompatClient
from shadowhound_llm.planning.actions import plan_json_schema
from shadowhound_llm.testing.ollama_double import DEFAULT_REPLY, ModelSpec, OllamaDouble
from shadowhound_llm.tools import benchmark, check_backend, plan_cli

PHI4, R1, OSS = 'phi4:14b', 'deepseek-r1:7b', 'gpt-oss:20b'
MISSION = 'walk half a meter and then face left'   # the rule planner does not parse this
# ~460 tokens in the double (4 characters each): over the 400-token plan budget, within the
# 1600-token retry. JSON allows the leading white space, so the whole reply is a valid plan.
LONG_REPLY = ' ' * 1800 + DEFAULT_REPLY
ENDLESS_REPLY = ' ' * 7000 + DEFAULT_REPLY     # over the retry's budget too
THOUGHT = 'Okay, the mission asks for one metre forward, which is a single move. ' * 4


def reasoning_models(double, thought=THOUGHT):
    """The prototype's reasoning models: one that takes think false, one that takes levels."""
    double.script.models[R1] = ModelSpec(R1, size=4_700_000_000, family='qwen2',
                                         parameter_size='7.6B', thinking=thought,
                                         load_duration_s=2.5, tokens_per_s=40.0)
    double.script.models[OSS] = ModelSpec(OSS, size=13_800_000_000, family='gptoss',
                                          parameter_size='20.9B', thinking=thought * 4,
                                          think_levels_only=True, load_duration_s=6.0,
                                          tokens_per_s=30.0)


@pytest.fixture
def ollama():
    with OllamaDouble() as double:
        reasoning_models(double)
        yield double


def check(capsys, *args):
    code = check_backend.main(list(args))
    out = capsys.readouterr()
    lines = {ln.split()[1]: ln for ln in out.out.splitlines()
             if ln.split() and ln.split()[0] in ('OK', 'WARN', 'FAIL')}
    return code, lines, out.out


def plan(capsys, *args):
    code = plan_cli.main([MISSION, '--planner', 'llm', *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def budgets(double):
    return [(b.get('options') or {}).get('num_predict') for b in double.bodies('/api/chat')
            if b.get('messages') and b['messages'][0]['role'] == 'system']


# ---- cut-off replies ----------------------------------------------------------------------
def test_check_backend_names_the_cut_and_retries_once_with_a_larger_budget(ollama, capsys):
    ollama.script.reply = LONG_REPLY
    code, lines, _ = check(capsys, '--host', ollama.url)
    assert code == 0
    line = lines['structured_output']
    assert line.startswith('WARN') and '400-token limit (num_predict' in line
    assert 'retry with num_predict 1600 parsed' in line
    assert budgets(ollama)[-2:] == [400, 1600]


def test_check_backend_fails_a_reply_cut_twice(ollama, capsys):
    ollama.script.reply = ENDLESS_REPLY
    code, lines, out = check(capsys, '--host', ollama.url)
    assert code == 1 and lines['structured_output'].startswith('FAIL')
    assert 'cut at the 1600-token limit (num_predict' in out and 'EOF' not in out


def test_plan_cli_retries_a_cut_reply_then_names_a_second_cut(ollama, capsys):
    ollama.script.reply = LONG_REPLY
    code, out, err = plan(capsys, '--host', ollama.url)
    assert code == 0 and json.loads(out) == json.loads(DEFAULT_REPLY)
    assert 'cut at its token limit' in err and budgets(ollama) == [400, 1600]
    ollama.script.reply = ENDLESS_REPLY
    code, out, err = plan(capsys, '--host', ollama.url)
    assert code == 1 and out == ''
    assert '1600-token limit (num_predict; the server said "length")' in err


def test_openai_cut_names_max_tokens(ollama, capsys):
    ollama.script.reply = ENDLESS_REPLY
    code, lines, out = check(capsys, '--backend', 'openai', '--host', f'{ollama.url}/v1',
                             '--model', PHI4)
    assert code == 1 and '(max_tokens; the server said "length")' in lines['structured_output']
    body = ollama.bodies('/v1/chat/completions')[-1]
    assert body['max_tokens'] == 1600
    code, _, err = plan(capsys, '--backend', 'openai', '--host', f'{ollama.url}/v1',
                        '--model', PHI4)
    assert code == 1 and 'max_tokens' in err


# ---- versions -----------------------------------------------------------------------------
def test_ollama_too_old_for_schema_output(ollama, capsys):
    ollama.script.version = '0.4.7'
    code, lines, out = check(capsys, '--host', ollama.url)
    assert code == 1 and lines['reachable'].startswith('FAIL')
    assert 'Ollama 0.4.7 is too old for JSON-schema structured output' in out
    assert 'upgrade to >= 0.5.0' in out and 'unmarshal' not in out
    code, _, err = plan(capsys, '--host', ollama.url)
    assert code == 1 and 'Ollama 0.4.7 is too old for JSON-schema' in err
    assert 'upgrade to >= 0.5.0' in err


def test_server_before_0_10_does_not_report_the_context(ollama, capsys):
    ollama.script.version = '0.9.6'
    code, lines, _ = check(capsys, '--host', ollama.url)
    assert code == 0 and 'Ollama 0.9.6 < 0.10.0' in lines['context']


# ---- reasoning models ---------------------------------------------------------------------
def test_reasoning_model_gets_thinking_off_and_says_so(ollama, capsys):
    code, lines, _ = check(capsys, '--host', ollama.url, '--model', R1)
    assert code == 0 and lines['reasoning'].startswith('OK')
    assert 'thinking turned off' in lines['reasoning']
    assert 'thinking' not in lines['decode_speed']
    assert all(b.get('think') is False for b in ollama.bodies('/api/chat')
               if b.get('messages') and b['messages'][0]['role'] == 'system')
    code, out, _ = plan(capsys, '--host', ollama.url, '--model', R1)
    assert code == 0 and ollama.bodies('/api/chat')[-1]['think'] is False


def test_non_reasoning_model_gets_no_think_field(ollama, capsys):
    code, lines, _ = check(capsys, '--host', ollama.url)
    assert code == 0 and 'does not reason' in lines['reasoning']
    assert all('think' not in b for b in ollama.bodies('/api/chat'))


def test_model_that_takes_only_levels_gets_the_lowest(ollama, capsys):
    code, lines, _ = check(capsys, '--host', ollama.url, '--model', OSS)
    assert code == 0 and lines['reasoning'].startswith('WARN')
    assert 'cannot switch thinking off: lowest level "low"' in lines['reasoning']
    assert ollama.bodies('/api/chat')[-1]['think'] == 'low'
    # Thinking tokens and time reported apart from the answer's decode speed.
    assert 'thinking' in lines['decode_speed'] and ' s before the answer' in lines['decode_speed']
    code, out, err = plan(capsys, '--host', ollama.url, '--model', OSS)
    assert code == 0 and json.loads(out) == json.loads(DEFAULT_REPLY)
    assert 'thinking' in err


def test_thinking_inside_the_content_on_an_old_server_is_cut_out_of_the_plan(ollama, capsys):
    ollama.script.version = '0.8.0'
    code, lines, _ = check(capsys, '--host', ollama.url, '--model', R1)
    assert code == 0 and lines['structured_output'].startswith('OK')
    assert lines['reasoning'].startswith('WARN')
    assert 'Ollama 0.8.0 is too old for switching' in lines['reasoning']
    assert 'upgrade to >= 0.9.0' in lines['reasoning']
    assert 'thinking' in lines['decode_speed']
    assert all('think' not in b for b in ollama.bodies('/api/chat'))
    code, out, err = plan(capsys, '--host', ollama.url, '--model', R1)
    assert code == 0 and json.loads(out) == json.loads(DEFAULT_REPLY)


def test_client_keeps_thinking_apart_from_the_answer(ollama):
    ollama.script.version = '0.8.0'
    client = OllamaClient(ollama.url, R1)
    pieces = []
    result = client.chat([{'role': 'user', 'content': 'Mission: go'}], schema=plan_json_schema(),
                         on_text=pieces.append)
    assert result.text == ''.join(pieces) == DEFAULT_REPLY
    assert result.thinking.strip() == THOUGHT.strip()
    m = result.metrics
    assert m.thinking_count and m.eval_count > m.thinking_count
    assert m.thinking_duration_s == pytest.approx(m.eval_duration_s * m.thinking_count
                                                  / m.eval_count)
    client.close()


def test_model_too_slow_for_the_mission_budget(ollama, capsys):
    ollama.script.version = '0.8.0'          # cannot switch its thinking off
    ollama.script.models[R1].tokens_per_s = 8.0
    code, lines, out = check(capsys, '--host', ollama.url, '--model', R1, '--timeout', '10')
    assert code == 1 and lines['plan_latency'].startswith('FAIL')
    assert 'too slow for the mission budget' in out and 'llm_timeout_s 10 s' in out
    assert 'thinking' in lines['plan_latency']
    code, lines, out = check(capsys, '--host', ollama.url, '--model', R1, '--timeout', '40')
    assert code == 0 and lines['plan_latency'].startswith('WARN')
    assert 'a 400-token plan would take about' in lines['plan_latency']


# ---- server-reported figures --------------------------------------------------------------
def test_llama_cpp_timings_are_the_speed(ollama, capsys):
    ollama.script.v1_timings = True
    ollama.script.tokens_per_s = 52.9
    code, lines, _ = check(capsys, '--backend', 'openai', '--host', f'{ollama.url}/v1',
                           '--model', PHI4)
    assert code == 0 and '52.9 tok/s (server)' in lines['decode_speed']
    assert 'prompt evaluation' in lines['decode_speed']
    client = OpenAICompatClient(f'{ollama.url}/v1', PHI4)
    m = client.chat([{'role': 'user', 'content': 'Mission: go'}]).metrics
    assert m.tokens_per_s == pytest.approx(52.9) and m.speed_source == 'server'
    assert m.eval_duration_s == pytest.approx(m.eval_count / 52.9)
    client.close()


def test_wall_clock_only_when_the_server_gives_nothing_and_labelled(ollama, capsys):
    ollama.script.real_time = True
    ollama.script.tokens_per_s = 200.0
    code, lines, _ = check(capsys, '--backend', 'openai', '--host', f'{ollama.url}/v1',
                           '--model', PHI4)
    assert code == 0 and '(wall clock: the server gave none)' in lines['decode_speed']
    # Token counts were asked for (usage comes only with include_usage); times were not sent.
    assert ollama.bodies('/v1/chat/completions')[-1]['stream_options'] == {'include_usage': True}


def test_load_time_comes_from_the_loading_chat(ollama, capsys):
    code, lines, _ = check(capsys, '--host', ollama.url, '--model', R1)
    assert code == 0 and 'loaded in 2.5 s (server)' in lines['load']
    assert 'wall' not in lines['load']


def test_check_backend_shows_prompt_evaluation_time(ollama, capsys):
    code, lines, _ = check(capsys, '--host', ollama.url)
    assert code == 0 and 'prompt evaluation' in lines['decode_speed']
    assert ' tokens in ' in lines['decode_speed'] and '(server)' in lines['decode_speed']


# ---- 404s and hosts -----------------------------------------------------------------------
def test_wrong_path_is_not_a_missing_model(ollama, capsys):
    code, lines, out = check(capsys, '--host', f'{ollama.url}/ollama')
    assert code == 1 and lines['reachable'].startswith('FAIL')
    assert 'not an Ollama API endpoint' in out and '404 page not found' in out
    assert 'ollama pull' not in out and 'OLLAMA_HOST' in out
    code, _, err = plan(capsys, '--host', f'{ollama.url}/ollama')
    assert code == 1 and 'not an Ollama API endpoint' in err and 'ollama pull' not in err
    code, _, err = plan(capsys, '--backend', 'openai', '--host', f'{ollama.url}/v2',
                        '--model', PHI4)
    assert code == 1 and 'openai_base_url' in err and '/v1' in err


def test_missing_model_is_told_to_pull(ollama, capsys):
    code, _, err = plan(capsys, '--host', ollama.url, '--model', 'qwq:32b')
    assert code == 1 and 'ollama pull qwq:32b' in err
    code, _, err = plan(capsys, '--backend', 'openai', '--host', f'{ollama.url}/v1',
                        '--model', 'qwq:32b')
    assert code == 1 and 'set openai_model' in err


@pytest.mark.parametrize('quote', ['"', "'"])
def test_quoted_ollama_host_is_accepted(ollama, capsys, monkeypatch, quote):
    monkeypatch.setenv('OLLAMA_HOST', f'{quote}{ollama.url.removeprefix("http://")}{quote}')
    code, _, out = check(capsys)
    assert code == 0 and f'at {ollama.url}' in out
    code, out, _ = plan(capsys)
    assert code == 0 and json.loads(out) == json.loads(DEFAULT_REPLY)


# ---- the benchmark ------------------------------------------------------------------------
def test_benchmark_of_the_prototype_models_reports_thinking_and_load(ollama, capsys):
    code = benchmark.main(['--host', ollama.url, '--telemetry', 'none', '--limit', '2',
                           '--repeats', '2', '--models', f'{PHI4},{R1},{OSS}',
                           '--mission-budget', '15'])
    printed = capsys.readouterr().out
    assert code == 0, printed
    rows = {line.split('|')[2].strip(): [c.strip() for c in line.split('|')[1:-1]]
            for line in printed.splitlines() if line.startswith('| ')}
    head = rows['model']
    col = {name: head.index(name) for name in ('load [s]', 'decode [tok/s]', 'thinking [tok]',
                                               'thinking [s]')}
    assert col['thinking [tok]'] == col['decode [tok/s]'] + 1
    assert rows[R1][col['load [s]']] == '2.50' and rows[OSS][col['load [s]']] == '6.00'
    assert rows[R1][col['thinking [tok]']] == '0'                # thinking off
    assert int(rows[OSS][col['thinking [tok]']]) > 0            # only takes levels: low
    assert float(rows[OSS][col['thinking [s]']]) > 0
    assert rows[OSS][col['decode [tok/s]']] == '30.0'
    assert all(r[col['load [s]']] != 'n/a' for name, r in rows.items() if name != 'model')
    # A full-size plan: ~2 s of prompt, then 400 tokens at 40 tok/s (fits 15 s) or, after
    # its thinking, at 30 tok/s (does not).
    slow = [ln for ln in printed.splitlines() if 'too slow for the mission budget' in ln]
    assert any(OSS in ln for ln in slow) and not any(R1 in ln for ln in slow)
