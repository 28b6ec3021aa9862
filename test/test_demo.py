# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The README's first command: the demo on the simulated GO2, end to end, as a process."""

import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.ros, pytest.mark.slow]


def test_demo_runs_the_test_plan_and_says_which_planner(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'ROS_DOMAIN_ID'}
    env['OLLAMA_HOST'] = 'http://127.0.0.1:9'  # no Ollama here, whatever the machine has
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'demo', '--no-llm',
                           '--out', str(tmp_path)], capture_output=True, text=True,
                          timeout=240, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert 'all test-plan missions passed (5/5)' in out
    assert 'planner for the test plan: rules' in out and 'LLM backend: none' in out
    assert out.count('PASS') == 5
    png = tmp_path / 'trajectory.png'
    assert png.read_bytes()[:4] == b'\x89PNG'
    assert list((tmp_path / 'photos').glob('*.png'))
