# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Lint as tests, the ROS way: style (ruff, configured like ament_flake8/pep257), copyright."""

from pathlib import Path
import shutil
import subprocess
import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ['shadowhound_llm', 'test', 'benchmarks', 'launch', 'setup.py']


def _python_files():
    for entry in SOURCES:
        path = ROOT / entry
        yield from ([path] if path.is_file() else sorted(path.rglob('*.py')))


def test_ruff_flake8_and_pep257_rules():
    ruff = shutil.which('ruff') or str(Path(sys.executable).parent / 'ruff')
    if not Path(ruff).exists():
        pytest.skip('ruff is not installed')
    proc = subprocess.run([ruff, 'check', '--output-format', 'concise', *SOURCES], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_copyright_and_license_header_in_every_python_file():
    missing = [str(p.relative_to(ROOT)) for p in _python_files()
               if not p.read_text(encoding='utf-8').startswith('# Copyright ')
               or 'SPDX-License-Identifier: Apache-2.0' not in p.read_text(encoding='utf-8')[:200]]
    assert not missing, f'missing copyright header: {missing}'
