# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""A number out of range on a command line is refused, named, before anything runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shadowhound_llm.tools import benchmark

# (command, bad option and value, words the refusal must carry)
REFUSED = [
    ('benchmark', ['--repeats', '0'], 'argument --repeats: expected an integer ≥ 1'),
    ('benchmark', ['--max-degradation', '-1'],
     'argument --max-degradation: expected a number ≥ 0 and < 1'),
    ('benchmark', ['--max-degradation', '1'], 'argument --max-degradation'),
    ('benchmark', ['--limit', '-2'], 'argument --limit: expected an integer ≥ 0'),
    ('benchmark', ['--timeout', 'nan'], 'argument --timeout: expected a number > 0'),
    ('benchmark', ['--models', ','], '--models names no model'),
    ('benchmark', ['--model', ''], '--model names no model'),
    ('benchmark', ['--vision-max-side', '8'],
     'argument --vision-max-side: expected an integer ≥ 32 and ≤ 4096'),
    ('check_backend', ['--num-ctx', '100'],
     'argument --num-ctx: expected an integer ≥ 512 and ≤ 262144'),
    ('check_backend', ['--timeout', '0'], 'argument --timeout: expected a number > 0'),
    ('check_backend', ['--min-tokens-per-s', '-1'], 'argument --min-tokens-per-s'),
    ('robot_test', ['--tolerance', '0'], 'argument --tolerance: expected a number > 0 and ≤ 1'),
    ('robot_test', ['--collapse-ratio', '2'], 'argument --collapse-ratio'),
    ('robot_test', ['--mission-timeout', 'inf'], 'argument --mission-timeout'),
    ('demo', ['--robots', '0'], 'argument --robots: expected an integer ≥ 1'),
    ('demo', ['--dashboard-port', '70000'], 'argument --dashboard-port'),
    ('plan', ['--timeout', '-3', 'move forward 1 m'], 'argument --timeout: expected a number > 0'),
]


@pytest.mark.parametrize('tool,args,words', REFUSED,
                         ids=[f'{t} {" ".join(a)}' for t, a, _ in REFUSED])
def test_an_out_of_range_value_is_a_usage_error(tool, args, words):
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', tool, *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_the_benchmark_help_names_the_default_model():
    text = benchmark.build_parser().format_help()
    assert 'phi4:14b' in text and 'gpt-4o-mini' in text


def test_values_in_range_are_taken_as_numbers():
    opts = benchmark.build_parser().parse_args(
        ['--repeats', '1', '--max-degradation', '0', '--limit', '0', '--num-ctx', '512'])
    assert (opts.repeats, opts.max_degradation, opts.limit, opts.num_ctx) == (1, 0.0, 0, 512)
    assert benchmark._models(opts) == ['phi4:14b']
