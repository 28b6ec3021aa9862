# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Every command-line option says what it does, and --timeout says which time it limits."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

TOOLS = ('check_backend', 'benchmark', 'robot_test', 'plan', 'mission', 'demo')


def help_of(tool: str) -> str:
    env = {**os.environ, 'COLUMNS': '100'}
    proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', tool, '--help'],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def options(text: str) -> dict[str, str]:
    """{'--timeout TIMEOUT': 'its help text', ...} from argparse's --help output."""
    found: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r'^  (-\S.*?)(?:\s{2,}(\S.*))?$', line)
        if m:
            current = m.group(1).strip()
            found[current] = m.group(2) or ''
        elif current and line.startswith('    ') and line.strip():
            found[current] = (found[current] + ' ' + line.strip()).strip()
        else:
            current = None
    return found


@pytest.fixture(scope='module')
def helps() -> dict[str, dict[str, str]]:
    return {tool: options(help_of(tool)) for tool in TOOLS}


def test_every_option_has_help_text(helps):
    silent = {tool: [o for o, words in opts.items() if not words]
              for tool, opts in helps.items()}
    assert all(not v for v in silent.values()), silent
    assert any(o.startswith('--num-ctx') for o in helps['check_backend'])


def test_timeout_says_which_time_it_limits(helps):
    def timeout(tool: str) -> str:
        return next(words for o, words in helps[tool].items() if o.startswith('--timeout'))
    for tool in ('plan', 'check_backend', 'benchmark'):
        assert timeout(tool).startswith('seconds allowed for each LLM call'), tool
    assert timeout('mission').startswith("seconds to wait for the mission's result")
    assert timeout('demo').startswith('seconds each mission may run')
    assert 'seconds each mission may run' in helps['robot_test']['--mission-timeout '
                                                                 'MISSION_TIMEOUT']


def test_mission_help_lists_every_exit_status_the_interface_names():
    doc = open(os.path.join(os.path.dirname(__file__), '..', '..', 'docs', 'INTERFACE.md'),
               encoding='utf-8').read()
    row = next(line for line in doc.splitlines() if line.startswith('| `mission` |'))
    documented = set(re.findall(r'(?:^|; )(\d+) ', row.rsplit('|', 2)[1].strip()))
    assert {'0', '1', '2', '3', '130'} <= documented, row
    epilog = ' '.join(help_of('mission').split('exit status:', 1)[1].split())
    listed = set(re.findall(r'(?:^|, )(\d+) ', epilog.strip()))
    assert listed == documented, (listed, documented)
