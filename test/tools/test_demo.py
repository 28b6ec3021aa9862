# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The README's first command: the demo on the simulated GO2, end to end, as a process."""

import json
import os
import subprocess
import sys

import pytest

from shadowhound_llm.testing import llama_server

pytestmark = [pytest.mark.ros, pytest.mark.slow]


def run_demo(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k != 'ROS_DOMAIN_ID'}
    env['OLLAMA_HOST'] = 'http://127.0.0.1:9'  # no Ollama here, whatever the machine has
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'demo', *args,
                           '--dashboard-port', '0', '--out', str(tmp_path)],
                          capture_output=True, text=True, timeout=840, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    report = (tmp_path / 'report.md').read_text()
    body = json.loads((tmp_path / 'report.json').read_text())
    assert (tmp_path / 'trajectory.png').read_bytes()[:4] == b'\x89PNG'
    assert list((tmp_path / 'photos').glob('*.png'))
    return out, report, {p['number']: p for p in body['phases']}


def test_demo_runs_the_four_phases_with_the_rule_planner_and_says_so(tmp_path):
    out, report, phases = run_demo(tmp_path, '--no-llm')
    assert 'demo: LLM backend: none (--no-llm)' in out
    assert ('demo: no camera question: no Ollama server at http://127.0.0.1:9 to ask for a '
            'vision model; --vision-model NAME names one') in out
    assert out.count('LLM backend: none') == 1 and out.count('agent backend:') == 1
    assert 'demo: dashboard at http://127.0.0.1:' in out  # the demo prints the dashboard's URL
    # the stack runs through `up`, as an operator would start it by hand
    assert 'demo: python -m shadowhound_llm up sim:=true ' in out and 'backend:=none' in out
    up_log = (tmp_path / 'up.log').read_text()
    for node in ('mission_agent', 'sim_robot', 'dashboard'):
        assert f'[{node}' in up_log, node
    # it runs the phases it can, says which and why, and its verdict is a pass
    assert 'demo: runs phases 1, 3 (phase 2 not run: its text-only missions need an LLM; ' \
           'phase 4 not run: it times the LLM)' in out
    assert 'robot_test: PASSED (2 passed)' in out
    assert out.count('(auto, motion) -> succeeded via rules') == 9  # which planner, each
    assert sorted(phases) == [1, 3]
    assert phases[1]['status'] == 'passed' and phases[3]['status'] == 'passed'
    assert 'Demo policy (rules): phase 1 judged' in report
    assert 'Demo: runs phases 1, 3 (phase 2 not run' in report
    assert '| 3 motion | auto | passed | 9/9 missions passed |' in report


@pytest.mark.llm
@pytest.mark.xdist_group('llama')  # with test_real_model's: one llama.cpp server at a time
@pytest.mark.timeout(900)
@pytest.mark.skipif(bool(llama_server.available()), reason=llama_server.available() or 'ok')
def test_demo_with_the_embedded_tiny_model_reports_what_it_did_without_judging_it(tmp_path):
    """`make demo` on a machine with no GPU and no Ollama but requirements/llm.txt: exit 0."""
    out, report, phases = run_demo(tmp_path)
    assert 'LLM backend: embedded tiny model gemma3-270m via llama.cpp' in out
    assert phases[1]['status'] == 'passed'  # the agent validated the backend itself
    validation = phases[1]['checks'][1]
    assert validation['name'] == 'backend validation' and validation['verdict'] == 'pass'
    assert validation['detail'].startswith('openai:gemma3-270m')  # ready (maybe with warnings)
    assert phases[2]['status'] == 'informational' and phases[4]['status'] == 'informational'
    assert phases[3]['status'] == 'passed'
    assert all(m['planner'] == 'openai' for m in phases[2]['missions'])  # the LLM answered
    assert all(m['dry_run'] for m in phases[4]['missions'])  # its plans never moved the robot
    assert 'shown, not judged' in report
    # How many of the weak model's plans the envelope accepts varies; the phase is shown.
    assert '| 2 text only (dry run, no motion) | llm | informational | ' in report


def test_the_agents_refusal_is_quoted_from_its_start(tmp_path):
    from shadowhound_llm.tools.demo import _last_error
    reason = ('LLM backend not usable (json_valid: the model did not produce a valid plan under '
              'response_format json_object: 1 validation error for Plan ' + 'x' * 400 + ')')
    log = tmp_path / 'up.log'
    log.write_text('[sim_robot    ] [INFO] [1.5] [sim_robot]: ready\n'
                   '[mission_agent] [INFO] [1.6] [mission_agent]: validating\n'
                   f'[mission_agent] [FATAL] [1764882000.25] [mission_agent]: {reason}\n')
    quoted = _last_error(log)
    assert quoted.startswith('LLM backend not usable (json_valid: the model did not produce')
    assert quoted.endswith(' …') and len(quoted) <= 300
