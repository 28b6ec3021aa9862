# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The Ollama double's image side, as the look tests rely on it: what a real server does.

Capabilities per model in /api/show, images decoded and recorded, a text-only model refusing
an image as Ollama does, the expected size checked, bytes that are no image refused.
"""

import base64
import io

import httpx
from PIL import Image
import pytest

from shadowhound_llm.testing.ollama_double import GIB, ModelSpec, OllamaDouble, Script


def png(width, height, colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new('RGB', (width, height), colour).save(buffer, format='PNG')
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def double():
    script = Script(models={'phi4:14b': ModelSpec('phi4:14b'),
                            'gemma3:4b': ModelSpec('gemma3:4b', size=3 * GIB,
                                                   capabilities=('completion', 'vision'))})
    with OllamaDouble(script) as server:
        yield server


def chat(double, model, images, stream=False):
    return httpx.post(f'{double.url}/api/chat', timeout=10.0, json={
        'model': model, 'stream': stream,
        'messages': [{'role': 'user', 'content': 'What is this?', 'images': images}]})


def test_capabilities_are_per_model(double):
    caps = {name: httpx.post(f'{double.url}/api/show', json={'model': name}).json()[
        'capabilities'] for name in ('phi4:14b', 'gemma3:4b')}
    assert caps == {'phi4:14b': ['completion'], 'gemma3:4b': ['completion', 'vision']}


def test_an_image_is_decoded_recorded_and_described(double):
    reply = chat(double, 'gemma3:4b', [png(40, 30)])
    assert reply.status_code == 200
    body = reply.json()
    assert body['message']['content'] == ('A 40x30 image: background rgb(200, 30, 30), no '
                                          'white square.')
    assert body['prompt_eval_count'] == 256 + len('What is this?') // 4  # the image's tokens
    (seen,) = double.images
    assert (seen['width'], seen['height'], seen['format'], seen['model']) == (
        40, 30, 'PNG', 'gemma3:4b')
    assert Image.open(io.BytesIO(seen['data'])).size == (40, 30)


def test_a_text_only_model_refuses_an_image_as_ollama_does(double):
    reply = chat(double, 'phi4:14b', [png(8, 8)])
    assert reply.status_code == 500
    assert 'missing data required for image input' in reply.json()['error']
    assert not double.images


@pytest.mark.parametrize('data, words', [('not base64!', 'illegal base64 data'),
                                         (base64.b64encode(b'text').decode(), 'unknown format')])
def test_bytes_that_are_no_image_are_a_400(double, data, words):
    reply = chat(double, 'gemma3:4b', [data])
    assert reply.status_code == 400 and words in reply.json()['error']


def test_the_expected_size_is_checked(double):
    double.script.expected_image_size = (64, 48)
    assert chat(double, 'gemma3:4b', [png(64, 48)]).status_code == 200
    reply = chat(double, 'gemma3:4b', [png(80, 60)])
    assert reply.status_code == 400
    assert reply.json()['error'] == 'image is 80x60, expected 64x48'
