# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission_agent with an LLM backend (the Ollama test double) on the simulated GO2."""

import json
import math
import os
import subprocess
import sys
import time

import pytest

from shadowhound_llm.planning.actions import plan_json_schema

pytestmark = pytest.mark.ros

TWO_STEP = '{"actions":[{"type":"move","distance_m":0.5},{"type":"rotate","angle_deg":90}]}'
LLM_TEXT = 'walk half a meter and then face left'  # the rule planner does not parse this

OLLAMA_SCRIPT = {'reply': TWO_STEP}  # the ollama fixture


def agent_params(ollama, **extra):
    return {'backend': 'ollama', 'ollama_host': ollama.url, 'validate_on_startup': True,
            **extra}


def wait_backend_ready(h, timeout=10.0):
    assert h.probe.wait(lambda: h.agent.backend_state == 'ready', timeout), h.agent.backend_state


def test_llm_planned_two_step_mission_ends_at_the_right_pose(make_harness, ollama):
    h = make_harness(agent_params(ollama))
    wait_backend_ready(h)
    final = h.run(LLM_TEXT)
    assert final['state'] == 'succeeded', final['message']
    assert final['plan'] == json.loads(TWO_STEP)
    assert final['planner'].startswith('ollama')
    pose = h.settle()
    assert pose.distance_to(0.5, 0.0) < 0.05
    assert abs(math.degrees(pose.yaw) - 90.0) < 3.0


def test_request_carries_schema_keep_alive_and_num_ctx(make_harness, ollama):
    h = make_harness(agent_params(ollama, num_ctx=8192, keep_alive='-1', temperature=0.0))
    wait_backend_ready(h)
    h.run(LLM_TEXT)
    body = ollama.bodies('/api/chat')[-1]
    assert body['format'] == plan_json_schema(20)
    assert body['keep_alive'] == -1
    assert body['options']['num_ctx'] == 8192 and body['options']['temperature'] == 0.0
    assert body['messages'][-1]['content'].endswith(LLM_TEXT)
    system = body['messages'][0]['content']
    assert all(b['messages'][0]['content'] == system for b in ollama.bodies('/api/chat')), \
        'the system prompt must be byte-identical across calls (prompt cache)'


def test_one_metrics_message_per_llm_call(make_harness, ollama):
    ollama.script.tokens_per_s = 17.0
    h = make_harness(agent_params(ollama, validate_on_startup=False))
    h.run(LLM_TEXT)
    assert h.probe.wait(lambda: h.probe.metrics, 2.0)
    (_, m), = h.probe.metrics
    assert m['ok'] is True and m['backend'] == 'ollama' and m['model'] == 'phi4:14b'
    assert m['tokens_per_s'] == pytest.approx(17.0, rel=1e-3)
    assert {'eval_count', 'eval_duration_s', 'prompt_eval_count', 'prompt_eval_duration_s',
            'load_duration_s', 'ttft_s', 'total_s', 'stamp'} <= set(m)


def test_invalid_reply_gets_one_repair_then_succeeds(make_harness, ollama):
    ollama.script.reply = ['{"actions":[{"type":"dance"}]}', TWO_STEP]
    h = make_harness(agent_params(ollama, validate_on_startup=False, stream_execution=False))
    final = h.run(LLM_TEXT)
    assert final['state'] == 'succeeded', final['message']
    repair = ollama.bodies('/api/chat')[-1]['messages']
    assert repair[-1]['role'] == 'user' and 'rejected' in repair[-1]['content']
    assert repair[-2] == {'role': 'assistant', 'content': '{"actions":[{"type":"dance"}]}'}


def test_invalid_twice_fails_with_the_error_and_robot_stopped(make_harness, ollama):
    ollama.script.reply = 'I cannot do that.'
    h = make_harness(agent_params(ollama, validate_on_startup=False))
    final = h.run(LLM_TEXT)
    assert final['state'] == 'failed'
    assert 'after one repair attempt' in final['message'] and 'invalid plan' in final['message']
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'
    assert len(ollama.bodies('/api/chat')) == 2
    assert h.run('turn left 10 degrees')['state'] == 'succeeded'


def test_unsafe_plan_is_rejected_before_any_motion(make_harness, ollama):
    ollama.script.reply = '{"actions":[{"type":"goto","x":30,"y":0}]}'
    h = make_harness(agent_params(ollama, validate_on_startup=False))
    final = h.run(LLM_TEXT)
    assert final['state'] == 'rejected'
    assert 'goto (30.0, 0.0) is 30.0 m from home; the limit is 10.0 m' in final['message']
    assert all(c[1:] == (0.0, 0.0) for c in h.probe.cmds)


def test_streamed_plan_over_the_limits_midway_stops_and_fails(make_harness, ollama):
    ollama.script.reply = ('{"actions":[{"type":"move","distance_m":0.3},'
                           '{"type":"move","distance_m":40}]}')
    ollama.script.real_time = True
    ollama.script.tokens_per_s = 30.0
    h = make_harness(agent_params(ollama, validate_on_startup=False))
    final = h.run(LLM_TEXT)
    assert final['state'] == 'failed' and 'max_move_distance_m' in final['message']
    assert any(c[1] > 0 for c in h.probe.cmds), 'the first action had started'
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'
    assert h.settle().x < 0.4


def test_streamed_execution_starts_before_the_stream_ends(make_harness, ollama):
    ollama.script.reply = ('{"actions":[{"type":"move","distance_m":0.4},'
                           '{"type":"rotate","angle_deg":45},{"type":"move","distance_m":0.2}]}')
    ollama.script.real_time = True
    ollama.script.tokens_per_s = 15.0  # ~27 tokens: the stream lasts ~1.8 s
    h = make_harness(agent_params(ollama, validate_on_startup=False))
    final = h.run(LLM_TEXT)
    assert final['state'] == 'succeeded', final['message']
    first_motion = next(t for t, lin, ang in h.probe.cmds if lin or ang)
    metrics_at = h.probe.metrics[0][0]  # published when the stream has ended
    assert first_motion < metrics_at - 0.3, 'motion must start while the plan still streams'
    states = [s['message'] for s in h.probe.statuses_for(final['mission_id'])]
    assert any(m.startswith('step 1/1+') for m in states), states


def test_without_streaming_motion_waits_for_the_whole_plan(make_harness, ollama):
    ollama.script.real_time = True
    ollama.script.tokens_per_s = 30.0
    h = make_harness(agent_params(ollama, validate_on_startup=False, stream_execution=False))
    assert h.run(LLM_TEXT)['state'] == 'succeeded'
    first_motion = next(t for t, lin, ang in h.probe.cmds if lin or ang)
    # the double sent the plan's last line before the robot heard its first motion
    [(_, whole, reply_sent)] = ollama.ended
    assert whole and first_motion > reply_sent


def test_fallback_when_the_primary_is_down(make_harness, ollama):
    h = make_harness({'backend': 'ollama', 'ollama_host': 'http://127.0.0.1:9',
                      'fallback_backend': 'openai', 'openai_base_url': f'{ollama.url}/v1',
                      'openai_model': 'phi4:14b', 'validate_on_startup': True})
    wait_backend_ready(h)
    final = h.run(LLM_TEXT)
    assert final['state'] == 'succeeded', final['message']
    assert final['planner'] == 'openai'
    oks = [m['ok'] for _, m in h.probe.metrics]
    assert oks == [False, True], 'one metrics message per call, the failed one included'


def test_all_backends_failing_fails_with_the_reasons(make_harness):
    h = make_harness({'backend': 'ollama', 'ollama_host': 'http://127.0.0.1:9',
                      'validate_on_startup': False})
    final = h.run(LLM_TEXT)
    assert final['state'] == 'failed'
    assert 'http://127.0.0.1:9' in final['message'] and 'refused' in final['message']


def test_llm_timeout_fails_the_mission_with_the_robot_stopped(make_harness, ollama):
    ollama.script.stall_s = 3.0
    h = make_harness(agent_params(ollama, validate_on_startup=False, llm_timeout_s=0.5))
    start = time.monotonic()
    final = h.run(LLM_TEXT, timeout=5)
    assert time.monotonic() - start < 2.0
    assert final['state'] == 'failed' and 'llm_timeout_s' in final['message']
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'


def test_stream_cut_after_first_action_fails_and_stops(make_harness, ollama):
    ollama.script.reply = ('{"actions":[{"type":"move","distance_m":0.5},'
                           '{"type":"rotate","angle_deg":90},{"type":"move","distance_m":1}]}')
    ollama.script.drop_after_tokens = 16
    ollama.script.real_time = True
    ollama.script.tokens_per_s = 20.0
    h = make_harness(agent_params(ollama, validate_on_startup=False))
    final = h.run(LLM_TEXT)
    assert final['state'] == 'failed' and 'robot stopped' in final['message']
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'


def test_stop_and_cancel_work_while_planning(make_harness, ollama):
    from std_msgs.msg import Empty
    ollama.script.stall_s = 5.0
    h = make_harness(agent_params(ollama, validate_on_startup=False))
    # "stop" (a mission of its own) while the LLM plans
    h.send(LLM_TEXT)
    assert h.wait_state(LLM_TEXT, ('planning',), 2.0)
    sent = time.monotonic()
    assert h.run('stop')['state'] == 'succeeded'
    cancelled = h.wait_state(LLM_TEXT, ('cancelled',), 1.0)
    assert cancelled and time.monotonic() - sent < 0.5
    assert 'stopped by operator' in cancelled['message'], cancelled
    # the LLM request is cut short: the planning work stops, not only the mission
    assert h.probe.wait(lambda: ollama.ended, 1.0), 'the LLM went on planning after stop'
    assert [e[:2] for e in ollama.ended] == [('/api/chat', False)]
    # mission_cancel (std_msgs/Empty) while the LLM plans the next one
    after = len(h.probe.statuses)
    h.send(LLM_TEXT)
    planning = h.wait_state(LLM_TEXT, ('planning',), 2.0, after)
    assert planning and planning['mission_id'] != cancelled['mission_id']
    sent = time.monotonic()
    h.probe.cancel_pub.publish(Empty())
    second = h.wait_state(LLM_TEXT, ('cancelled',), 1.0, after)
    assert second and time.monotonic() - sent < 0.5
    assert second['mission_id'] == planning['mission_id'] and 'mission_cancel' in second['message']
    assert h.probe.wait(lambda: len(ollama.ended) == 2, 1.0), 'it went on after mission_cancel'
    assert [e[:2] for e in ollama.ended] == [('/api/chat', False)] * 2
    assert h.run('turn left 10 degrees')['state'] == 'succeeded'
    ends = [s['state'] for s in h.probe.statuses_for(planning['mission_id'])
            if s['state'] in ('succeeded', 'failed', 'cancelled', 'rejected')]
    assert ends == ['cancelled'], 'a cancelled mission ends once'


@pytest.mark.slow
def test_missions_wait_for_validation_but_rules_work(make_harness, ollama):
    ollama.script.stall_s = 2.0  # the structured-output check takes 2 s
    h = make_harness(agent_params(ollama))
    early = h.run(LLM_TEXT)
    assert early['state'] == 'rejected' and 'validation in progress' in early['message']
    assert h.run('turn left 20 degrees')['state'] == 'succeeded'
    wait_backend_ready(h)
    assert h.run(LLM_TEXT, timeout=20)['state'] == 'succeeded'


def test_agent_exits_non_zero_on_an_unusable_backend(ollama):
    ollama.script.models = {}
    proc = subprocess.run(
        [sys.executable, '-m', 'shadowhound_llm', 'mission_agent', '--ros-args', '-p',
         f'ollama_host:={ollama.url}'], capture_output=True, text=True, timeout=30,
        env=os.environ.copy())
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert 'model_present' in out and 'ollama pull phi4:14b' in out and 'Exiting' in out


def test_agent_reports_backend_and_mission_on_diagnostics(make_harness, ollama):
    from diagnostic_msgs.msg import DiagnosticArray

    got = {}
    ollama.script.models['phi4:14b'].vram_fraction = 0.5
    h = make_harness(agent_params(ollama))
    h.probe.create_subscription(
        DiagnosticArray, '/diagnostics',
        lambda msg: got.update({s.name: s for s in msg.status}), 10)
    wait_backend_ready(h)

    def warned():
        backend = got.get('mission_agent: Backend')
        return backend is not None and backend.level == b'\x01' and 'on the CPU' in \
            backend.message

    assert h.probe.wait(warned, 5.0), got
    mission = got['mission_agent: Mission']
    assert mission.level == b'\x00' and mission.hardware_id
    assert ('governor clamps', '0') in [(v.key, v.value) for v in mission.values]


def test_fault_while_the_plan_still_streams_ends_the_mission_for_good(make_harness, ollama):
    from rclpy.parameter import Parameter
    ollama.script.reply = ('{"actions":[{"type":"move","distance_m":1.0},'
                           '{"type":"rotate","angle_deg":30},{"type":"move","distance_m":0.3}]}')
    ollama.script.real_time = True
    ollama.script.tokens_per_s = 6.0  # ~6 s of streaming
    h = make_harness(agent_params(ollama, validate_on_startup=False))
    h.send(LLM_TEXT)
    assert h.probe.wait(lambda: h.probe.pose.x > 0.1, 10.0)
    h.sim.set_parameters([Parameter('publish_odom', value=False)])
    final = h.wait_state(LLM_TEXT, ('failed',), 3.0)
    assert final is not None and 'odometry lost' in final['message']
    # the plan's reply stops streaming: the agent stopped planning a mission that ended
    assert h.probe.wait(lambda: ollama.ended, 10.0), 'the reply never ended'
    assert [e[:2] for e in ollama.ended] == [('/api/chat', False)], \
        'the LLM went on planning an ended mission'
    mine = h.probe.statuses_for(final['mission_id'])
    terminal = [s for s in mine if s['state'] in ('succeeded', 'failed', 'cancelled', 'rejected')]
    assert len(terminal) == 1, [s['message'] for s in terminal]
    assert h.stopped(), f'last cmd_vel {h.probe.cmds[-1:]}'
