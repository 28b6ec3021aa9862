# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Camera questions through the real mission_agent node (rclpy) and the Ollama double.

"What do you see?" is planned by the rules as one ``look``; the agent sends the latest frame
of the simulated camera to the vision model and the answer comes back in the terminal
mission_status. The test decodes the image the double received and checks its size (the
longest side brought down to vision_max_side_px) and its content: the sim camera draws the
background colour from the heading and a white square at a column that follows x, so the
image tells which pose it was taken at, and a second question after a turn must carry the
new view.
"""

from __future__ import annotations

import io
import math
import time

from PIL import Image
import pytest

from shadowhound_llm.motion.sim_model import sim_frame_marker_column, sim_frame_shade
from shadowhound_llm.testing.ollama_double import GIB, ModelSpec

pytestmark = pytest.mark.ros

# A vision model and a text-only one (the ollama fixture's script).
OLLAMA_SCRIPT = {'models': {
    'gemma3:4b': ModelSpec('gemma3:4b', size=int(3.3 * GIB), family='gemma3',
                           parameter_size='4.3B', capabilities=('completion', 'vision')),
    'phi4:14b': ModelSpec('phi4:14b')}}
SIM_WIDTH, SIM_HEIGHT = 160, 120  # the sim camera's frame
MAX_SIDE = 96


def agent(ollama, **extra):
    return {'backend': 'none', 'vision_model': 'gemma3:4b', 'ollama_host': ollama.url,
            'vision_max_side_px': MAX_SIDE, 'validate_on_startup': True, **extra}


def check_frame(entry, pose):
    """The image the double received shows the sim camera's view from ``pose``."""
    image = Image.open(io.BytesIO(entry['data'])).convert('RGB')
    assert entry['format'] == 'JPEG'
    assert image.size == (MAX_SIDE, MAX_SIDE * SIM_HEIGHT // SIM_WIDTH)  # 96 x 72
    shade = sim_frame_shade(pose.yaw)
    r, g, b = image.getpixel((2, 2))
    assert abs(r - shade) <= 12 and abs(g - 80) <= 12 and abs(b - (255 - shade)) <= 12, \
        (r, g, b, shade)
    row = [image.getpixel((x, image.height // 2)) for x in range(image.width)]
    white = [x for x, px in enumerate(row) if min(px) >= 200]
    assert white, 'the white square is missing'
    column = sum(white) / len(white) * SIM_WIDTH / image.width
    assert abs(column - sim_frame_marker_column(pose.x, SIM_WIDTH)) <= 4.0


def test_what_do_you_see_answers_from_the_latest_frame(make_harness, ollama):
    h = make_harness(agent(ollama), {'x': 0.6, 'yaw': 1.0, 'camera_rate_hz': 10.0})
    # start-up validation: the model is pulled, vision-capable and answers a probe image
    assert h.probe.wait(lambda: h.agent.core.vision_state.value == 'ready', 10.0)
    assert ollama.images, 'start-up validation sent no image'
    probes = len(ollama.images)

    final = h.run('What do you see?')
    assert final['state'] == 'succeeded', final['message']
    assert final['plan'] == {'actions': [{'type': 'look'}]} and final['planner'] == 'rules'
    sent = ollama.images[probes:]
    assert len(sent) == 1
    pose = h.settle()
    check_frame(sent[0], pose)
    # the answer is the model's words about that image, in the terminal status
    assert final['answer'].startswith(f'A {MAX_SIDE}x72 image: background rgb(')
    assert final['vision']['width'] == MAX_SIDE and final['vision']['bytes'] == len(
        sent[0]['data'])
    assert final['answer'][:40] in final['message']
    # the question went with the image, on the native API
    body = ollama.bodies('/api/chat')[-1]
    assert body['model'] == 'gemma3:4b'
    assert body['messages'][-1]['content'] == 'Describe what is in front of you.'
    # llm_metrics carries the vision call too (gpu_monitor judges each model apart)
    assert h.probe.wait(lambda: any(m['model'] == 'gemma3:4b' and m.get('mission_id') ==
                                    final['mission_id'] for _, m in h.probe.metrics), 5.0)

    # after a turn, the question carries the new view, not a frame from before
    turned = h.run('turn left 90 degrees')
    assert turned['state'] == 'succeeded'
    final = h.run('Is the door open?')
    assert final['state'] == 'succeeded', final['message']
    assert final['plan']['actions'][0]['question'] == 'Is the door open?'
    after = h.settle()
    assert abs(math.degrees(after.yaw - pose.yaw) - 90.0) < 6.0
    check_frame(ollama.images[-1], after)


def test_without_a_vision_model_a_look_is_refused_naming_the_parameter(make_harness, ollama):
    h = make_harness({'vision_model': ''})
    final = h.run('What do you see?')
    assert final['state'] == 'rejected' and final['reason'] == 'no_vision_model'
    assert 'vision_model' in final['message'] and 'answer' not in final
    assert not ollama.bodies('/api/chat')


def test_the_demo_asks_one_camera_question_and_prints_the_answer(make_harness, ollama):
    from shadowhound_llm.tools.demo import ask_camera

    ollama.script.vision_reply = 'A long corridor with an open door at the end.'
    h = make_harness(agent(ollama, validate_on_startup=False))
    line = ask_camera(h.probe.client, timeout=20.0)
    assert line == ('"What do you see?" -> A long corridor with an open door at the end. '
                    f'({MAX_SIDE}x72 image, ' + line.rsplit(', ', 1)[1])
    assert line.endswith(' s)')
    from rclpy.parameter import Parameter

    result = h.agent.set_parameters([Parameter('vision_model', value='')])[0]
    assert result.successful, result.reason
    assert ask_camera(h.probe.client, timeout=20.0).startswith(
        '"What do you see?" -> rejected (no_vision_model): ')


def test_stop_during_a_slow_vision_call_ends_the_look_at_once(make_harness, ollama):
    ollama.script.stall_s = 10.0  # the model takes 10 s to answer
    h = make_harness(agent(ollama, validate_on_startup=False))
    after = len(h.probe.statuses)
    h.send('What do you see?')
    assert h.probe.wait(lambda: ollama.bodies('/api/chat'), 10.0), 'the look never asked'
    sent = time.monotonic()
    h.send('stop')
    final = h.wait_state('What do you see?', ('cancelled',), 3.0, after)
    assert final is not None and final['reason'] == 'operator_stop'
    assert time.monotonic() - sent < 1.0  # not after the 10 s call
    assert h.stopped() and 'answer' not in final
    # the executor is free: the next mission runs at once
    assert h.run('turn left 10 degrees', timeout=10.0)['state'] == 'succeeded'
