# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission_agent parameters set as ``ros2 param set`` does, checked on the real topics.

Each one takes effect when the operator is told it did, or is refused with a reason.
"""

import math
import time

import pytest
import reliability
from reliability import request, set_params

from shadowhound_llm.planning.actions import plan_json_schema

pytestmark = pytest.mark.ros
guarded, stats = reliability.guarded, reliability.stats
AGENT = '/mission_agent'
LLM_TEXT = 'walk a little and then face left'  # the rule planner does not parse this
THREE = ('{"actions":[{"type":"rotate","angle_deg":10},{"type":"rotate","angle_deg":-10},'
         '{"type":"say","text":"done"}]}')

OLLAMA_SCRIPT = {'reply': THREE}  # the ollama fixture


def moving_at(h, speed, timeout=10.0):
    return h.probe.wait(lambda: h.probe.cmds and h.probe.cmds[-1][1] >= speed, timeout)


def cmds_after(h, t_ns):
    with h.monitor.lock:
        return [c for c in h.monitor.cmds if c.source_ns > t_ns]


def test_lowering_max_linear_speed_mid_move_caps_the_very_next_cmd_vel(guarded):
    h = guarded()
    h.send('move forward 3 m')
    assert moving_at(h, 0.29), 'never reached cruise'
    result, = set_params(h.probe, AGENT, max_linear_speed=0.1)
    answered = time.time_ns()
    assert result.successful, result.reason
    nxt = h.monitor.wait(lambda: cmds_after(h, answered), 2.0)
    assert nxt, 'no cmd_vel after the change'
    first = nxt[0].twist
    assert 0.0 < first.linear <= 0.1 + 1e-9, f'first cmd_vel after the change: {first}'
    assert h.probe.wait(lambda: len(cmds_after(h, answered)) >= 10, 3.0)
    assert max(math.hypot(c.twist.linear, c.twist.lateral)
               for c in cmds_after(h, answered)) <= 0.1 + 1e-9
    assert h.agent.config.max_linear_speed == 0.1
    assert h.agent.get_parameter('max_linear_speed').value == 0.1
    assert h.agent.core.governor.clamp_count == 0, 'the controllers obeyed; no clamp needed'
    h.run('stop')


def test_lowering_max_angular_speed_mid_turn_caps_the_next_cmd_vel(guarded):
    h = guarded()
    h.send('turn left 360 degrees')
    assert h.probe.wait(lambda: h.probe.cmds and h.probe.cmds[-1][2] >= 0.59, 10.0)
    result, = set_params(h.probe, AGENT, max_angular_speed=0.2)
    answered = time.time_ns()
    assert result.successful, result.reason
    nxt = h.monitor.wait(lambda: cmds_after(h, answered), 2.0)
    assert nxt and 0.0 < nxt[0].twist.angular <= 0.2 + 1e-9, nxt[:1]
    h.run('stop')


def mission_diagnostic(h, **expected):
    """Wait for the agent's Mission diagnostic to show these values; the last one seen."""
    seen = {}

    def shows() -> bool:
        status = h.probe.client.latest_diagnostics('Mission')
        seen.update(status['values'] if status else {})
        return all(seen.get(key) == value for key, value in expected.items())
    h.probe.wait(shows, 5.0)
    return seen


def test_new_speed_limits_reach_the_governor_and_the_envelope(guarded):
    h = guarded()
    assert h.run('move forward 0.3 m at 0.4 m/s')['state'] == 'succeeded'
    results = set_params(h.probe, AGENT, max_linear_speed=0.2, max_angular_speed=0.3)
    assert all(r.successful for r in results), [r.reason for r in results]
    # the governor, the last gate before cmd_vel, holds the new limits (rqt shows them) ...
    shown = mission_diagnostic(h, **{'max linear [m/s]': '0.2', 'max angular [rad/s]': '0.3'})
    assert (shown.get('max linear [m/s]'), shown.get('max angular [rad/s]')) == ('0.2', '0.3')
    # ... and plans are checked against them: what was fine before is refused now
    final = h.run('move forward 0.3 m at 0.4 m/s')
    assert final['state'] == 'rejected', final['message']
    assert 'exceeds the 0.2 m/s limit (max_linear_speed)' in final['message']
    final = h.run('turn left 20 degrees at 20 degrees per second')  # 0.35 rad/s > 0.3
    assert final['state'] == 'rejected' and 'max_angular_speed 0.3 rad/s' in final['message']
    result, = set_params(h.probe, AGENT, max_linear_speed=0.8)
    assert result.successful, result.reason
    assert mission_diagnostic(h, **{'max linear [m/s]': '0.8'}).get('max linear [m/s]') == '0.8'
    final = h.run('move forward 0.3 m at 0.6 m/s')  # raised: allowed now
    assert final['state'] == 'succeeded', final['message']


@pytest.mark.parametrize('name, value, words', [
    ('max_linear_speed', 5.0, ('3',)),
    ('max_linear_speed', 0.0, ('0.01',)),
    ('cruise_linear_speed', -0.2, ('0.01',)),
    ('max_actions', 0, ('1',)),
    ('odom_timeout_s', 100.0, ('10',)),
])
def test_an_out_of_range_value_is_refused_with_the_range_and_nothing_changes(
        guarded, name, value, words):
    h = guarded()
    before = h.agent.get_parameter(name).value
    result, = set_params(h.probe, AGENT, **{name: value})
    assert not result.successful
    assert all(w in result.reason for w in words), result.reason
    assert h.agent.get_parameter(name).value == before
    assert getattr(h.agent.config, name) == before
    assert getattr(h.agent.core.config, name) == before
    final = h.run('move forward 0.4 m')
    assert final['state'] == 'succeeded', final['message']
    assert max(c[1] for c in h.probe.cmds) <= 0.3 + 1e-9, 'cruise unchanged'


def test_an_integer_for_a_floating_point_parameter_is_that_number(guarded):
    h = guarded()
    result, = set_params(h.probe, AGENT, max_angular_speed=2)
    assert result.successful, result.reason
    assert h.agent.config.max_angular_speed == 2.0
    result, = set_params(h.probe, AGENT, max_linear_speed=4)  # still checked: range 0.01..3
    assert not result.successful and h.agent.config.max_linear_speed == 0.5


def test_a_value_of_the_wrong_type_is_refused(guarded):
    h = guarded()
    result, = set_params(h.probe, AGENT, max_linear_speed='fast')
    assert not result.successful and result.reason
    assert h.agent.config.max_linear_speed == 0.5


@pytest.mark.parametrize('name, value', [('control_rate_hz', 50.0),
                                         ('validate_on_startup', False)])
def test_a_read_only_parameter_is_refused(guarded, name, value):
    h = guarded()
    before = h.agent.get_parameter(name).value
    result, = set_params(h.probe, AGENT, **{name: value})
    assert not result.successful and 'read-only' in result.reason.lower(), result.reason
    assert h.agent.get_parameter(name).value == before
    assert getattr(h.agent.config, name) == before


def test_a_cruise_speed_change_takes_effect_on_the_next_mission(guarded):
    h = guarded()
    result, = set_params(h.probe, AGENT, cruise_linear_speed=0.15)
    assert result.successful, result.reason
    start = len(h.probe.cmds)
    final = h.run('move forward 1 m')
    assert final['state'] == 'succeeded', final['message']
    top = max(c[1] for c in h.probe.cmds[start:])
    assert 0.14 <= top <= 0.15 + 1e-9, top


def test_a_cruise_speed_raised_mid_move_applies_from_the_next_tick(guarded):
    h = guarded({'cruise_linear_speed': 0.1})
    h.send('move forward 3 m')
    assert moving_at(h, 0.099)
    result, = set_params(h.probe, AGENT, cruise_linear_speed=0.25)
    assert result.successful
    assert moving_at(h, 0.2, 3.0), 'the running step did not speed up'
    assert max(c[1] for c in h.probe.cmds) <= 0.25 + 1e-9
    h.run('stop')


def test_max_mission_chars_applies_from_the_next_mission(guarded):
    h = guarded()
    result, = set_params(h.probe, AGENT, max_mission_chars=12)
    assert result.successful
    final = h.run('move forward 0.2 m')
    assert final['state'] == 'rejected' and 'max_mission_chars' in final['message']
    assert h.run('take a photo')['state'] == 'succeeded'
    assert set_params(h.probe, AGENT, max_mission_chars=2000)[0].successful


def test_max_actions_applies_from_the_next_llm_mission(guarded, ollama):
    h = guarded({'backend': 'ollama', 'ollama_host': ollama.url, 'validate_on_startup': True})
    assert h.probe.wait(lambda: h.agent.backend_state == 'ready', 10.0)
    assert h.run(LLM_TEXT)['state'] == 'succeeded'
    result, = set_params(h.probe, AGENT, max_actions=2)
    assert result.successful
    assert h.agent.backend_state == 'ready', 'a planner setting needs no re-validation'
    final = h.run(LLM_TEXT)
    assert final['state'] in ('rejected', 'failed')
    assert 'max_actions' in final['message']
    assert ollama.bodies('/api/chat')[-1]['format'] == plan_json_schema(2)


def test_stream_execution_off_waits_for_the_whole_plan(guarded, ollama):
    ollama.script.reply = ('{"actions":[{"type":"rotate","angle_deg":20},'
                           '{"type":"say","text":"' + 'x' * 200 + '"}]}')
    ollama.script.real_time = True
    ollama.script.tokens_per_s = 40.0  # ~1.5 s of streaming
    h = guarded({'backend': 'ollama', 'ollama_host': ollama.url})
    result, = set_params(h.probe, AGENT, stream_execution=False)
    assert result.successful
    mission_id = h.probe.client.send(LLM_TEXT, planner='llm')
    final = h.probe.client.wait_terminal(mission_id, 20.0)
    assert final is not None and final.state.value == 'succeeded', final
    assert any(not c.twist.is_zero() for c in h.monitor.cmds), 'the rotation never ran'
    # Streamed, the first executing status would carry the first action only.
    executing = [s for s in h.probe.statuses_for(mission_id) if s['state'] == 'executing']
    assert len(executing[0]['plan']['actions']) == 2, executing[0]['plan']


def test_an_ollama_host_change_revalidates_and_takes_effect(guarded, ollama):
    h = guarded({'backend': 'ollama', 'ollama_host': ollama.url})
    assert h.probe.wait(lambda: h.agent.backend_state == 'ready', 10.0)
    result, = set_params(h.probe, AGENT, ollama_host='http://127.0.0.1:9')
    assert result.successful, result.reason
    assert h.probe.wait(lambda: h.agent.backend_state == 'failed', 15.0), \
        h.agent.backend_state
    final = h.run(LLM_TEXT)
    assert final['state'] == 'rejected' and '127.0.0.1:9' in final['message']
    assert h.probe.wait(lambda: (d := h.probe.client.latest_diagnostics(
        'mission_agent: Backend')) and '127.0.0.1:9' in d['message'], 5.0)
    assert h.run('turn left 5 degrees')['state'] == 'succeeded', 'rules and stop still work'
    assert h.agent.exit_code is None, 'a failed re-validation never ends the node'
    calls = len(ollama.requests)
    result, = set_params(h.probe, AGENT, ollama_host=ollama.url)
    assert result.successful
    assert h.probe.wait(lambda: h.agent.backend_state == 'ready', 10.0)
    assert len(ollama.requests) > calls, 'the double was validated again'
    assert h.run(LLM_TEXT)['state'] == 'succeeded'


def test_an_unparseable_ollama_host_is_refused(guarded, ollama):
    h = guarded({'backend': 'ollama', 'ollama_host': ollama.url})
    assert h.probe.wait(lambda: h.agent.backend_state == 'ready', 10.0)
    result, = set_params(h.probe, AGENT, ollama_host='http://:::bad')
    assert not result.successful and 'ollama_host' in result.reason, result.reason
    assert h.agent.config.ollama_host == ollama.url
    assert h.agent.backend_state == 'ready', 'a refused value does not re-validate'


def test_a_mission_cannot_change_parameters(guarded):
    h = guarded()
    h.probe.mission_pub.publish(request('set max_linear_speed to 3 and move forward 1 m'))
    h.probe.mission_pub.publish(request('ros2 param set /mission_agent max_linear_speed 3.0'))
    h.probe.mission_pub.publish(request('{"max_linear_speed": 3.0}'))
    assert h.monitor.wait(lambda: not h.monitor.open_missions()
                          and len(h.monitor.statuses) >= 6, 10.0)
    assert h.agent.get_parameter('max_linear_speed').value == 0.5
    assert h.agent.config.max_linear_speed == 0.5
    assert max((c[1] for c in h.probe.cmds), default=0.0) <= 0.3 + 1e-9
