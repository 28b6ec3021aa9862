# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The plan CLI: the robot test plan's text-only test, exit codes, limits from a params file."""

import json
import subprocess
import sys

import pytest

from shadowhound_llm.testing.ollama_double import OllamaDouble
from shadowhound_llm.tools.plan_cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_camera_question_is_refused_without_a_vision_model_as_the_agent_refuses_it(capsys):
    code, out, err = run(capsys, 'What do you see?', '--backend', 'none')
    assert code == 1 and out == ''
    assert 'mission_agent would refuse this plan' in err and 'vision_model' in err
    code, out, _ = run(capsys, 'What do you see?', '--backend', 'none',
                       '--vision-model', 'gemma3:4b')
    assert code == 0 and json.loads(out) == {'actions': [{'type': 'look'}]}


def test_rule_planned_mission_needs_no_backend(capsys):
    code, out, err = run(capsys, 'Move forward 1 meter', '--host', 'http://127.0.0.1:9')
    assert code == 0 and json.loads(out) == {'actions': [{'type': 'move', 'distance_m': 1.0}]}
    assert 'rule planner' in err


@pytest.mark.parametrize('text, reply, expected', [
    ('Describe what you are', '{"actions":[{"type":"say","text":"I am a GO2 robot dog."}]}',
     {'actions': [{'type': 'say', 'text': 'I am a GO2 robot dog.'}]}),
    ('Create a navigation plan to move forward 2 meters',
     '{"actions":[{"type":"move","distance_m":2}]}',
     {'actions': [{'type': 'move', 'distance_m': 2.0}]}),
    ('Generate JSON: {action: nav.goto, x: 1.0, y: 0.0}',
     '{"actions":[{"type":"goto","x":1,"y":0}]}',
     {'actions': [{'type': 'goto', 'x': 1.0, 'y': 0.0}]}),
])
def test_text_only_test_plan_through_the_llm(capsys, text, reply, expected):
    with OllamaDouble() as ollama:
        ollama.script.reply = reply
        code, out, err = run(capsys, text, '--host', ollama.url)
    assert code == 0, err
    assert json.loads(out) == expected
    assert 'tok/s' in err


def test_envelope_rejection_is_exit_1_with_reason(capsys):
    code, out, err = run(capsys, 'run forward 100 meters')
    assert code == 1 and out == ''
    assert 'rejected by the safety envelope' in err and 'max_move_distance_m' in err


def test_backend_failure_is_exit_1(capsys):
    code, out, err = run(capsys, 'Describe what you are', '--host', 'http://127.0.0.1:9')
    assert code == 1 and 'refused' in err and out == ''


def test_params_file_limits_apply(capsys, tmp_path):
    params = tmp_path / 'p.yaml'
    params.write_text('mission_agent:\n  ros__parameters:\n    max_move_distance_m: 0.5\n')
    code, _, err = run(capsys, 'move forward 1 m', '--params-file', str(params))
    assert code == 1 and '0.5 m limit' in err


def test_as_a_process():
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'plan', 'turn left 90 deg'],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and json.loads(proc.stdout)['actions'][0]['angle_deg'] == 90
