# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission_agent on the simulated GO2 against servers as they really answer.

The same cases as test_server_cases.py (check_backend, plan, benchmark), met by the agent:
reasoning models, replies cut at the token limit, Ollama too old, a wrong URL path,
llama.cpp's timings and a quoted host.
"""

import pytest

from shadowhound_llm.testing.ollama_double import ModelSpec, OllamaDouble

pytestmark = pytest.mark.ros

TWO_STEP = '{"actions":[{"type":"move","distance_m":0.5},{"type":"rotate","angle_deg":90}]}'
MISSION = 'walk half a meter and then face left'  # the rule planner does not parse this
R1, OSS = 'deepseek-r1:7b', 'gpt-oss:20b'
THOUGHT = 'Okay, half a metre forward, then a quarter turn to the left. ' * 4


@pytest.fixture
def ollama():
    with OllamaDouble() as double:
        double.script.reply = TWO_STEP
        double.script.models[R1] = ModelSpec(R1, family='qwen2', thinking=THOUGHT)
        double.script.models[OSS] = ModelSpec(OSS, family='gptoss', thinking=THOUGHT * 4,
                                              think_levels_only=True)
        yield double


def params(ollama, **extra):
    return {'backend': 'ollama', 'ollama_host': ollama.url, 'validate_on_startup': True,
            **extra}


def backend_state(h, state, timeout=10.0):
    assert h.probe.wait(lambda: h.agent.backend_state == state, timeout), \
        (h.agent.backend_state, h.agent.core.backend_error)


def planning_bodies(double):
    return [b for b in double.bodies('/api/chat')
            if b.get('messages') and b['messages'][-1]['content'].endswith(MISSION)]


def test_reasoning_model_plans_with_thinking_off(make_harness, ollama):
    h = make_harness(params(ollama, model=R1))
    backend_state(h, 'ready')
    final = h.run(MISSION)
    assert final['state'] == 'succeeded', final['message']
    assert [b['think'] for b in planning_bodies(ollama)] == [False]


def test_level_only_model_plans_at_the_lowest_level_and_reports_its_thinking(make_harness,
                                                                              ollama):
    h = make_harness(params(ollama, model=OSS))
    backend_state(h, 'ready')   # validation learned that it takes only levels
    final = h.run(MISSION)
    assert final['state'] == 'succeeded', final['message']
    assert [b['think'] for b in planning_bodies(ollama)] == ['low']
    mission_metrics = [m for _, m in h.probe.metrics if m.get('mission_id')
                       == final['mission_id']]
    assert mission_metrics and mission_metrics[-1]['thinking_count'] > 0
    assert mission_metrics[-1]['thinking_duration_s'] > 0
    assert mission_metrics[-1]['speed_source'] == 'server'


def test_thinking_inside_the_content_is_not_part_of_the_plan(make_harness, ollama):
    ollama.script.version = '0.8.0'
    h = make_harness(params(ollama, model=R1, validate_on_startup=False))
    final = h.run(MISSION)
    assert final['state'] == 'succeeded', final['message']
    assert 'think' not in planning_bodies(ollama)[0]


def test_cut_reply_is_retried_once_with_a_larger_budget(make_harness, ollama):
    ollama.script.reply = ' ' * 1800 + TWO_STEP
    h = make_harness(params(ollama, validate_on_startup=False))
    final = h.run(MISSION)
    assert final['state'] == 'succeeded', final['message']
    assert [b['options']['num_predict'] for b in planning_bodies(ollama)] == [400, 1600]


def test_reply_cut_twice_fails_naming_the_limit_with_the_robot_stopped(make_harness, ollama):
    ollama.script.reply = ' ' * 7000 + TWO_STEP
    h = make_harness(params(ollama, validate_on_startup=False))
    final = h.run(MISSION)
    assert final['state'] == 'failed'
    assert '1600-token limit (num_predict' in final['message'] and 'EOF' not in final['message']
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'


def test_too_old_ollama_fails_validation_with_the_version_advice(make_harness, ollama):
    ollama.script.version = '0.4.7'
    h = make_harness(params(ollama))
    backend_state(h, 'failed')
    error = h.agent.core.backend_error
    assert 'Ollama 0.4.7 is too old for JSON-schema' in error and '>= 0.5.0' in error
    final = h.run(MISSION)
    assert final['state'] == 'rejected' and 'upgrade to >= 0.5.0' in final['message']


def test_too_old_ollama_without_validation_fails_the_mission_with_the_advice(make_harness,
                                                                             ollama):
    ollama.script.version = '0.4.7'
    h = make_harness(params(ollama, validate_on_startup=False))
    final = h.run(MISSION)
    assert final['state'] == 'failed' and 'upgrade to >= 0.5.0' in final['message']
    assert 'unmarshal' in final['message']  # the server's own words follow the advice


def test_wrong_url_path_is_not_a_missing_model(make_harness, ollama):
    h = make_harness(params(ollama, ollama_host=f'{ollama.url}/ollama'))
    backend_state(h, 'failed')
    error = h.agent.core.backend_error
    assert 'not an Ollama API endpoint' in error and 'ollama pull' not in error


def test_llama_cpp_timings_reach_llm_metrics(make_harness, ollama):
    ollama.script.v1_timings = True
    ollama.script.tokens_per_s = 52.9
    h = make_harness({'backend': 'openai', 'openai_base_url': f'{ollama.url}/v1',
                      'openai_model': 'phi4:14b', 'validate_on_startup': False})
    final = h.run(MISSION)
    assert final['state'] == 'succeeded', final['message']
    m = [m for _, m in h.probe.metrics if m.get('mission_id') == final['mission_id']][-1]
    assert m['tokens_per_s'] == pytest.approx(52.9) and m['speed_source'] == 'server'


def test_quoted_host_parameter_works(make_harness, ollama):
    h = make_harness(params(ollama, ollama_host=f'"{ollama.url.removeprefix("http://")}"'))
    backend_state(h, 'ready')
    assert h.run(MISSION)['state'] == 'succeeded'
