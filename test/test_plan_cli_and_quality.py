# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The plan CLI (the robot test plan's text-only test), the mission corpus and the scorer."""

import json
import subprocess
import sys

import pytest

from shadowhound_llm.envelope import Limits
from shadowhound_llm.plan import parse_plan
from shadowhound_llm.quality import load_corpus, overall, score_reply
from shadowhound_llm.rule_planner import plan_from_rules
from shadowhound_llm.testing.ollama_double import OllamaDouble
from shadowhound_llm.tools.plan_cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


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


# ---- corpus and scorer ------------------------------------------------------------------
def test_corpus_has_the_required_coverage():
    corpus = load_corpus()
    assert len(corpus) >= 40
    categories = {m.category for m in corpus}
    assert {'test_plan', 'rephrase', 'units', 'sequence', 'text_only', 'reject'} <= categories
    texts = [m.text for m in corpus]
    for mission in ('Move forward 1 meter', 'Rotate 90 degrees to the left',
                    'Move to coordinates x=2.0, y=1.0', 'Take a photo',
                    'Return to starting position'):
        assert mission in texts


def test_expected_plans_are_valid_and_fit_or_break_the_envelope_as_labelled():
    for m in load_corpus():
        if m.reject:
            continue
        actions = [dict(a, text='x') if a['type'] == 'say' else a for a in m.actions]
        reply = json.dumps({'actions': actions})
        parse_plan(reply)
        assert score_reply(m, reply).score == 100.0, m.text


def test_scores_for_good_partial_and_bad_replies():
    (move,) = [m for m in load_corpus() if m.text == 'Move forward 1 meter']
    assert score_reply(move, '{"actions":[{"type":"move","distance_m":1.02}]}').score == 100
    wrong_value = score_reply(move, '{"actions":[{"type":"move","distance_m":3}]}')
    assert wrong_value.score == 70.0 and wrong_value.matched == 0
    assert score_reply(move, '{"actions":[{"type":"fly"}]}').score == 20.0
    assert score_reply(move, 'sure, moving!').score == 0.0
    # A plan the envelope rejects although it should not: loses the verdict and the match.
    assert score_reply(move, '{"actions":[{"type":"move","distance_m":9}]}').score == 50.0


def test_reject_missions_score_on_the_verdict():
    (run_far,) = [m for m in load_corpus() if m.text == 'Run forward 100 meters']
    assert score_reply(run_far, '{"actions":[{"type":"move","distance_m":100}]}').score == 100
    assert score_reply(run_far, '{"actions":[{"type":"move","distance_m":1}]}').score == 40


def test_rule_planner_baseline_on_the_corpus():
    corpus = load_corpus()
    scores = []
    for m in corpus:
        plan = plan_from_rules(m.text)
        scores.append(score_reply(m, plan.to_json() if plan else '', Limits()))
    # Every mission the rule planner answers, it answers perfectly; the rest need an LLM.
    answered = [s for s in scores if s.json_ok]
    assert len(answered) >= 20 and all(s.score == 100.0 for s in answered)
    assert 40.0 < overall(scores) < 100.0
