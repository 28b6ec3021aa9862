# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""A stop the GO2 obeys: every end of motion, on the simulated go2 bridge (fake time).

The go2 driver drops zero Twists and the GO2 holds its last command for a second, so these
tests judge the simulator's ground truth: after a stop the robot is at rest within 0.3 s and
has walked at most 0.10 m from 0.3 m/s.
"""

import importlib
import json
import sys

import pytest

from shadowhound_llm.common.params import AgentConfig, SimConfig
from shadowhound_llm.evaluation.sim_loop import SimLoop, STATIONARY_MPS
from shadowhound_llm.motion.control import ZERO
from shadowhound_llm.motion.stop import (
    describe_stop_mode,
    go2_state_type,
    GO2_STOP_TWIST,
    resolve_stop_mode,
    stop_move_fields,
    webrtc_req_type,
)

GO2 = SimConfig(bridge_model='go2')


def walk(loop, seconds=2.5):
    """Start a long walk at cruise speed and step until it is at speed."""
    mission_id = loop.send('move forward 4 meters')
    for _ in range(int(seconds / loop.dt)):
        loop.step()
    assert loop.sim.velocity.linear == pytest.approx(0.3, abs=0.01)
    return mission_id


def rest_after(loop, seconds=2.0):
    """(time to rest, travel) from now, on the simulator's ground truth."""
    t0, start, mark = loop.t, loop.sim.pose, len(loop.trace)
    loop.settle(seconds)
    moving = [t for t, _, v in loop.trace[mark:] if abs(v.linear) > STATIONARY_MPS]
    end = loop.sim.pose
    return (max(moving) - t0 if moving else 0.0), start.distance_to(end.x, end.y)


def test_auto_is_go2_only_where_go2_interfaces_imports():
    assert resolve_stop_mode('auto', True) == 'go2'
    assert resolve_stop_mode('auto', False) == 'zero'
    assert resolve_stop_mode('zero', True) == 'zero'
    assert AgentConfig(stop_mode='brake').problems()


def test_the_bridge_messages_are_found_only_where_go2_interfaces_is_installed(tmp_path,
                                                                            monkeypatch):
    assert webrtc_req_type() is None and go2_state_type() is None  # not installed here
    msg = tmp_path / 'go2_interfaces' / 'msg'
    msg.mkdir(parents=True)
    (msg.parent / '__init__.py').write_text('')
    (msg / '__init__.py').write_text('class WebRtcReq:\n    pass\n\n\n'
                                     'class Go2State:\n    pass\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    try:
        assert webrtc_req_type().__name__ == 'WebRtcReq'
        assert go2_state_type().__name__ == 'Go2State'
        _forget_go2_interfaces()
        (msg / '__init__.py').write_text('')  # an older package without these messages
        importlib.invalidate_caches()
        assert webrtc_req_type() is None and go2_state_type() is None
    finally:
        _forget_go2_interfaces()


def _forget_go2_interfaces():
    for name in [m for m in sys.modules if m.split('.')[0] == 'go2_interfaces']:
        del sys.modules[name]


def test_the_log_says_what_a_stop_sends_and_stop_move_is_the_sport_api_call():
    assert describe_stop_mode('auto', 'zero', False) == \
        'stop_mode auto -> zero: motion ends with a zero Twist on cmd_vel'
    go2 = describe_stop_mode('go2', 'go2', True)
    assert go2.startswith('stop_mode go2: motion ends with a Twist that rounds to zero')
    assert go2.endswith('and StopMove on webrtc_req')
    assert describe_stop_mode('auto', 'go2', False).endswith(
        'go2_interfaces not importable, so no StopMove on webrtc_req')
    fields = stop_move_fields()
    assert (fields['api_id'], fields['topic']) == (1003, 'rt/api/sport/request')


def test_a_zero_twist_alone_lets_the_go2_walk_on():
    """The hazard the go2 stop mode exists for (today's behaviour with stop_mode zero)."""
    loop = SimLoop(sim=GO2, stop_mode='zero')
    walk(loop)
    loop.send('stop')
    rest_s, travel = rest_after(loop)
    assert rest_s > 0.8 and travel > 0.2


@pytest.mark.parametrize('how', ['stop', 'cancel', 'shutdown', 'preempt'])
def test_operator_ends_of_motion_stop_the_go2(how):
    loop = SimLoop(sim=GO2, stop_mode='go2')
    walk(loop)
    if how == 'stop':
        loop.send('stop')
    elif how == 'cancel':
        loop._collect(loop.core.cancel(loop.t))
    elif how == 'shutdown':
        loop._collect(loop.core.shutdown())
    else:
        loop.send('wait 3 seconds')
    assert loop.cmds[-1][1] == ZERO and loop.cmds[-2][1] == GO2_STOP_TWIST
    rest_s, travel = rest_after(loop)
    assert rest_s <= 0.3 and travel <= 0.10


def test_faults_stop_the_go2_odometry_lost_and_mission_timeout():
    loop = SimLoop(sim=GO2, stop_mode='go2')
    walk(loop)
    loop.publish_odom = False  # the bridge's odometry stops
    rest_s, travel = rest_after(loop, 3.0)
    failed = [s for s in loop.statuses if s.state == 'failed']
    assert failed and 'odometry lost' in failed[-1].message
    assert travel <= 0.5 * 0.3 + 0.10  # odom_timeout_s of walking, then the stop
    loop = SimLoop(sim=GO2, stop_mode='go2', max_mission_duration_s=2.0)
    loop.send('move forward 4 meters')
    loop.settle(2.0)
    assert any('max_mission_duration_s' in s.message for s in loop.statuses)
    rest_s, travel = rest_after(loop)
    assert rest_s <= 0.3 and travel <= 0.10


def test_a_finished_mission_leaves_the_go2_at_rest_and_the_stop_is_repeated():
    loop = SimLoop(sim=GO2, stop_mode='go2')
    final = loop.run('move forward 1 meter')
    assert final.state == 'succeeded'
    ended = len(loop.cmds)
    rest_s, _ = rest_after(loop)
    assert rest_s <= 0.3
    assert loop.sim.velocity.linear == 0.0
    tail = [c for _, c in loop.cmds[ended - 2:]]
    assert tail == [GO2_STOP_TWIST, ZERO] * 4  # the stop and three repeats, then quiet


def test_stop_words_stop_the_go2_from_a_request_too():
    loop = SimLoop(sim=GO2, stop_mode='go2')
    walk(loop)
    loop._collect(loop.core.submit(json.dumps({'text': 'Emergency stop!'}), loop.t))
    rest_s, travel = rest_after(loop)
    assert rest_s <= 0.3 and travel <= 0.10


def test_a_mission_sent_right_after_a_stop_is_not_stopped_by_its_repeats():
    loop = SimLoop(sim=GO2, stop_mode='go2')
    walk(loop)
    loop.send('stop')  # the stop is repeated on the next control ticks ...
    mark = len(loop.cmds)
    loop.send('move forward 1 meter')  # ... unless motion is commanded again
    for _ in range(10):
        loop.step()
    sent = [cmd for _, cmd in loop.cmds[mark:]]
    moving = next(i for i, cmd in enumerate(sent) if cmd not in (ZERO, GO2_STOP_TWIST))
    assert all(cmd not in (ZERO, GO2_STOP_TWIST) for cmd in sent[moving:]), sent


@pytest.mark.parametrize('mode, stop_move', [('go2', True), ('zero', False)])
def test_a_go2_stop_also_asks_for_the_sport_apis_stop_move(mode, stop_move):
    loop = SimLoop(sim=GO2, stop_mode=mode)
    walk(loop)
    out = loop.core.submit(json.dumps({'text': 'stop'}), loop.t)
    loop._collect(out)
    assert out.stop_move is stop_move  # the node sends StopMove where go2_interfaces is


def test_a_stop_mode_set_live_applies_to_the_next_stop():
    loop = SimLoop(sim=GO2, stop_mode='zero')
    loop._collect(loop.core.reconfigure(loop.core.config.replaced(stop_mode='go2')))
    walk(loop)
    out = loop.core.submit(json.dumps({'text': 'stop'}), loop.t)
    loop._collect(out)
    assert out.stop_move and [c for _, c in loop.cmds[-2:]] == [GO2_STOP_TWIST, ZERO]
    rest_s, travel = rest_after(loop)
    assert rest_s <= 0.3 and travel <= 0.10
