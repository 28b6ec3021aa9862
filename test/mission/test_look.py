# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The look action in the agent core, against the Ollama double: answers and each failure.

The core runs on fake time around the kinematic model (``CoreLoop``); the vision calls are
real HTTP requests to the double on the core's vision threads. Each bad input ends the
mission with its own reason code and a message naming the cause; none of them holds up
``stop``.
"""

from __future__ import annotations

from dataclasses import replace
import io
import json
import threading
import time
from urllib.parse import urlparse

from core_loop import CoreLoop
from PIL import Image
import psutil
import pytest

from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.motion.sim_model import sim_frame_shade, synthetic_frame
from shadowhound_llm.planning.actions import Look, parse_plan
from shadowhound_llm.planning.envelope import check_plan, EnvelopeViolation, Limits
from shadowhound_llm.planning.rules.planner import plan_from_rules
from shadowhound_llm.testing.ollama_double import GIB, ModelSpec

OLLAMA_SCRIPT = {'models': {
    'gemma3:4b': ModelSpec('gemma3:4b', size=int(3.3 * GIB), family='gemma3',
                           capabilities=('completion', 'vision')),
    'phi4:14b': ModelSpec('phi4:14b')}}
TURN_AND_LOOK = '{"actions":[{"type":"rotate","angle_deg":90},{"type":"look"}]}'


class CameraLoop(CoreLoop):
    """CoreLoop whose camera shows the sim's view from the pose now.

    ``camera_on`` False stalls it; ``camera_period`` is the time between its frames (fake s).
    """

    camera_on = True
    camera_period = 0.0
    _last_frame = -1e9

    def feed(self) -> None:
        if self.camera and self.camera_on and self.t - self._last_frame >= self.camera_period:
            self._last_frame = self.t
            self.core.frames.put(replace(synthetic_frame(self.sim.pose), received=self.t))
        self._collect(self.core.odom(self.sim.pose, self.t))


def config(ollama, **extra):
    values = {'backend': 'none', 'vision_model': 'gemma3:4b', 'ollama_host': ollama.url,
              'validate_on_startup': False, 'vision_max_side_px': 64, **extra}
    return AgentConfig(**values)


def finish(loop, mission_id, real_s=20.0):
    """Step (a little real time each step: the vision call is a real HTTP request)."""
    deadline = time.monotonic() + real_s
    while time.monotonic() < deadline:
        loop.drain()
        final = loop.terminal(mission_id)
        if final is not None:
            return final
        loop.step()
        time.sleep(0.002)
    raise AssertionError(f'mission {mission_id} did not end: '
                         f'{[s.message for s in loop.statuses][-3:]}')


def stopped(loop):
    return loop.cmds and loop.cmds[-1][1].is_zero()


# ---- answers ----------------------------------------------------------------------------
@pytest.mark.parametrize('yaw', [-1.2, -0.9, -0.6])
def test_a_look_after_a_turn_sends_the_view_after_the_turn(ollama, yaw):
    ollama.script.reply = TURN_AND_LOOK
    cfg = config(ollama, backend='ollama', max_frame_age_s=1.5)
    with CameraLoop(cfg, start=Pose2D(0.0, 0.0, yaw)) as loop:
        loop.camera_period = 1.0  # a slow camera: its latest frame may be from mid-turn
        final = finish(loop, loop.send('turn left, then tell me what is there', 'llm'))
        assert final.state == 'succeeded', final.message
        assert final.answer and final.answer.startswith('A 64x48 image')
        image = Image.open(io.BytesIO(ollama.images[-1]['data'])).convert('RGB')
        assert image.size == (64, 48)
        # the background's red follows the heading: the frame after the turn, not before
        red = image.getpixel((1, 1))[0]
        assert abs(red - sim_frame_shade(loop.sim.pose.yaw)) <= 12
        assert abs(red - sim_frame_shade(yaw)) > 40
        assert final.vision['prompt_tokens'] >= 256  # the image's tokens are counted


def test_the_openai_compatible_server_gets_an_image_content_part(ollama):
    cfg = config(ollama, vision_backend='openai', vision_host=f'{ollama.url}/v1')
    with CameraLoop(cfg) as loop:
        final = finish(loop, loop.send('How many doors can you see?'))
        assert final.state == 'succeeded', final.message
        body = ollama.bodies('/v1/chat/completions')[-1]
        parts = body['messages'][-1]['content']
        assert parts[0] == {'type': 'text', 'text': 'How many doors can you see?'}
        assert parts[1]['image_url']['url'].startswith('data:image/jpeg;base64,')
        assert ollama.images[-1]['path'] == '/v1/chat/completions'


def test_a_dry_run_plans_the_look_and_sends_no_image(ollama):
    with CameraLoop(config(ollama)) as loop:
        final = finish(loop, loop.send('What do you see?', dry_run=True))
        assert final.state == 'succeeded' and final.plan == {'actions': [{'type': 'look'}]}
        assert not ollama.images and final.answer is None


# ---- bad input --------------------------------------------------------------------------
def test_no_vision_model_rejects_the_look_naming_the_parameter(ollama):
    with CameraLoop(config(ollama, vision_model='')) as loop:
        for dry_run in (False, True):
            final = finish(loop, loop.send('What do you see?', dry_run=dry_run))
            assert final.state == 'rejected' and final.reason == 'no_vision_model'
            # how to set it, in the syntax of a node run directly (CoreLoop is one)
            assert '--ros-args -p vision_model:=gemma3:4b' in final.message
    assert not ollama.requests


def test_a_look_streamed_in_without_a_vision_model_fails_the_mission(ollama):
    ollama.script.reply = TURN_AND_LOOK
    with CameraLoop(config(ollama, backend='ollama', vision_model='')) as loop:
        final = finish(loop, loop.send('turn left, then tell me what is there', 'llm'))
        assert final.state == 'failed' and final.reason == 'no_vision_model'
        assert 'vision_model' in final.message and stopped(loop)


def test_no_camera_frame_yet(ollama):
    with CameraLoop(config(ollama, max_frame_age_s=0.5), camera=False) as loop:
        final = finish(loop, loop.send('What do you see?'))
        assert final.state == 'failed' and final.reason == 'no_camera_frame'
        assert "no camera frame received on 'camera/image_raw'" in final.message
    assert not ollama.images


def test_a_stale_frame_is_not_described(ollama):
    with CameraLoop(config(ollama, max_frame_age_s=0.5)) as loop:
        loop.camera_on = False  # the camera stalls: its last frame ages
        loop.settle(2.0)
        final = finish(loop, loop.send('What do you see?'))
        assert final.state == 'failed' and final.reason == 'stale_camera_frame'
        assert 'max_frame_age_s' in final.message and 's old' in final.message
    assert not ollama.images


def test_a_model_that_cannot_see_is_named_and_no_image_is_sent(ollama):
    with CameraLoop(config(ollama, vision_model='phi4:14b')) as loop:
        final = finish(loop, loop.send('What do you see?'))
        assert final.state == 'failed' and final.reason == 'vision_not_capable'
        assert "'phi4:14b' cannot see images" in final.message and 'gemma3' in final.message
    assert not ollama.bodies('/api/chat')


def test_a_server_without_capabilities_says_so_when_the_image_arrives(ollama):
    cfg = config(ollama, vision_model='phi4:14b', vision_backend='openai',
                 vision_host=f'{ollama.url}/v1')
    with CameraLoop(cfg) as loop:
        final = finish(loop, loop.send('What do you see?'))
        assert final.state == 'failed' and final.reason == 'vision_not_capable'
        assert 'missing data required for image input' in final.message


def test_an_image_the_server_refuses(ollama):
    ollama.script.image_error = (413, 'request entity too large')
    with CameraLoop(config(ollama)) as loop:
        final = finish(loop, loop.send('What do you see?'))
        assert final.state == 'failed' and final.reason == 'vision_refused'
        assert 'request entity too large' in final.message and stopped(loop)


def test_the_image_is_downscaled_to_the_size_the_server_expects(ollama):
    ollama.script.expected_image_size = (64, 48)
    with CameraLoop(config(ollama, vision_max_side_px=80)) as loop:
        final = finish(loop, loop.send('What do you see?'))
        assert final.state == 'failed' and final.reason == 'vision_refused'
        assert 'image is 80x60, expected 64x48' in final.message
        loop.core.reconfigure(replace(loop.config, vision_max_side_px=64))
        final = finish(loop, loop.send('What do you see?'))
        assert final.state == 'succeeded', final.message
        assert final.vision['width'] == 64 and final.vision['height'] == 48


def test_a_vision_model_that_does_not_answer_in_time(ollama):
    ollama.script.stall_s = 5.0
    with CameraLoop(config(ollama, vision_timeout_s=0.5)) as loop:
        started = time.monotonic()
        final = finish(loop, loop.send('What do you see?'))
        assert time.monotonic() - started < 4.0
        assert final.state == 'failed' and final.reason == 'vision_failed'
        assert 'vision_timeout_s' in final.message and stopped(loop)


def step_until_asked(loop, ollama):
    """Step until the look's vision request has reached the (stalling) double."""
    deadline = time.monotonic() + 5.0
    while not ollama.bodies('/api/chat') and time.monotonic() < deadline:
        loop.step()
        time.sleep(0.005)
    assert ollama.bodies('/api/chat'), 'the look never asked'


def assert_call_cut(ollama):
    """The double saw its one vision reply cut short within 2 s, not run on to its answer."""
    deadline = time.monotonic() + 2.0
    while not ollama.ended and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [e[:2] for e in ollama.ended] == [('/api/chat', False)], 'the call ran on'


def test_stop_is_not_held_up_by_a_vision_call(ollama):
    ollama.script.stall_s = 5.0
    with CameraLoop(config(ollama)) as loop:
        mission = loop.send('What do you see?')
        step_until_asked(loop, ollama)
        began = time.monotonic()
        loop._collect(loop.core.submit(json.dumps({'text': 'stop'}), loop.t))
        assert time.monotonic() - began < 0.1  # stop answered at once, not after the call
        final = loop.terminal(mission)
        assert final is not None and final.state == 'cancelled'
        assert final.reason == 'operator_stop' and stopped(loop)
        assert not loop.core.runner.busy
        # and the vision call is cut, not left to run on to its answer
        assert_call_cut(ollama)


def test_closing_the_agent_cuts_a_vision_call_in_flight(ollama):
    ollama.script.stall_s = 5.0
    with CameraLoop(config(ollama)) as loop:
        loop.send('What do you see?')
        step_until_asked(loop, ollama)
        loop.core.close()  # the node shutting down
        assert_call_cut(ollama)


def test_closing_the_agent_releases_the_vision_connection_and_threads(ollama):
    port = urlparse(ollama.url).port
    me = psutil.Process()

    def held():  # this process's open connections to the double, and the vision threads
        connections = [c for c in me.net_connections('tcp') if c.raddr and c.raddr.port == port
                       and c.status == 'ESTABLISHED']
        threads = [t for t in threading.enumerate() if t.name.startswith('vision')]
        return connections, threads

    # A validation that fails at the capability check leaves the connection of its last
    # request open (a streamed reply, as a look's, closes its own).
    with CameraLoop(config(ollama, vision_model='phi4:14b', validate_on_startup=True)) as loop:
        assert wait_vision(loop) == 'failed'
        connections, threads = held()
        assert connections and threads  # the keep-alive connection, the worker
        loop.core.close()
        deadline = time.monotonic() + 2.0  # well inside the double's 5 s keep-alive timeout
        while any(held()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert held() == ([], []), 'the vision client or its threads outlived the agent'


# ---- plans ------------------------------------------------------------------------------
@pytest.mark.parametrize('text, question', [
    ('What do you see?', None),
    ('what can you see right now?', None),
    ('Describe what is in front of you', None),
    ('Hey robot, what is in front of you?', None),
    ('Is the door open?', 'Is the door open?'),
    ('Is the door in front of you open?', 'Is the door in front of you open?'),
    ('How many chairs can you see?', 'How many chairs can you see?'),
    ('Describe the room.', 'Describe the room.'),
    ('tell me what is on the table', 'tell me what is on the table'),
])
def test_questions_about_the_view_are_one_look_without_the_llm(text, question):
    plan = plan_from_rules(text)
    assert plan is not None and len(plan.actions) == 1
    look = plan.actions[0]
    assert isinstance(look, Look)
    assert look.question == (question or Look().question)


@pytest.mark.parametrize('text', [
    'turn left and describe the room',      # a motion first: the LLM plans it
    'take a picture and tell me what is on the table',
    'Describe what you are',                # about the robot itself: a say
    'what time is it?',
    'where are you?',
    'is the door open? then go through it',
])
def test_other_texts_are_left_to_the_llm(text):
    assert plan_from_rules(text) is None


def test_the_envelope_bounds_the_looks_of_a_plan():
    assert 1 <= AgentConfig().max_looks_per_mission <= 5
    limits = Limits(max_looks_per_mission=2)
    check_plan(parse_plan({'actions': [{'type': 'look'}] * 2}), limits)
    plan = parse_plan({'actions': [{'type': 'look'}, {'type': 'rotate', 'angle_deg': 90}] * 2
                      + [{'type': 'look'}]})
    with pytest.raises(EnvelopeViolation) as info:
        check_plan(plan, limits)
    assert 'step 5 (look)' in str(info.value) and 'max_looks_per_mission' in str(info.value)


# ---- start-up validation ------------------------------------------------------------------
def wait_vision(loop, timeout=10.0):
    deadline = time.monotonic() + timeout
    while loop.core.vision_state.value == 'validating' and time.monotonic() < deadline:
        loop.drain(0.02)
    return loop.core.vision_state.value


def test_start_up_validation_ends_the_agent_for_a_model_that_cannot_see(ollama):
    with CameraLoop(config(ollama, vision_model='phi4:14b', validate_on_startup=True)) as loop:
        assert wait_vision(loop) == 'failed'
        assert loop.exit_code == 1
        fatal = [line for line in loop.logs if line.startswith('fatal')]
        assert fatal and "'phi4:14b' cannot see images" in fatal[0]
        assert 'vision_model' in fatal[0]


def test_a_vision_model_set_at_run_time_is_validated_without_ending_the_agent(ollama):
    with CameraLoop(config(ollama, vision_model='', validate_on_startup=True)) as loop:
        assert loop.core.vision_state.value == 'none'
        loop._collect(loop.core.reconfigure(replace(loop.config, vision_model='phi4:14b')))
        assert wait_vision(loop) == 'failed' and loop.exit_code is None
        loop._collect(loop.core.reconfigure(replace(loop.config, vision_model='gemma3:4b')))
        assert 'info: vision settings changed: re-validating ollama:gemma3:4b' in loop.logs
        assert wait_vision(loop) == 'ready'
        # each check is logged as the vision model's, once; the planners' none was run
        checks = [line for line in loop.logs if ' check ' in line]
        assert 'error: vision check vision_capable: FAIL' in ' '.join(checks)
        assert sum('vision check vision_answer: OK' in line for line in checks) == 1
        assert not any('backend check' in line for line in checks)
        final = finish(loop, loop.send('What do you see?'))
        assert final.state == 'succeeded' and final.answer
