# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Statement-deletion mutants of the safety path: one statement at a time becomes ``pass``.

mutmut changes operators, constants and arguments but never removes a statement, so a
missing stop, a missing cancel or a missing limit update (one line each) goes unseen by it.
This script copies the repository to a temporary folder (the working tree is never
touched), and for each statement of the chosen functions (nested blocks too, docstrings
not) writes the file with that statement replaced by ``pass``, runs the area's tests
(``pytest -x``) and counts the mutant killed (a test failed), survived or timed out. It
prints the score per area and every survivor not listed in
benchmarks/mutation_equivalents.txt, where a deletion is written
``delete:FILE:FUNCTION:STATEMENT  # reason`` (STATEMENT: its first line, stripped).
Exit 1 when an unlisted survivor remains.

Run: python benchmarks/mutation_delete.py [AREA ...] [--sample N] [--seed S] [--list]
                                           [--tests-from REV]
     AREA: stop | governor | envelope | runner | agent (default: all)
     --sample N: N mutants per area drawn at random (seeded: the same N for the same seed
                 and code), instead of all of them
     --tests-from REV: the tests as they were at git revision REV (a score before new tests)
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import dataclass
import importlib
import os
from pathlib import Path
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = Path(__file__).with_name('mutation_equivalents.txt')
PKG = 'shadowhound_llm'

# area -> ([(file, function names; '*' every function and method)], tests)
AREAS: dict[str, tuple[list[tuple[str, tuple[str, ...]]], list[str]]] = {
    'stop': ([('motion/stop.py', ('*',))],
             ['test/mission/test_stop_go2.py', 'test/mission/test_agent_core.py',
              'test/motion/test_bridge_model.py']),
    'governor': ([('motion/control.py', ('Governor.*',))],
                 ['test/motion/test_control.py', 'test/mission/test_agent_core.py']),
    'envelope': ([('planning/envelope.py', ('*',)),
                  ('planning/actions.py', ('Drive.path', 'Drive.predict', '_Action.path'))],
                 ['test/planning/test_envelope.py', 'test/planning/test_envelope_limits.py',
                  'test/mission/test_photo_limits.py', 'test/planning/test_actions.py',
                  'test/mission/test_look.py']),
    'runner': ([('mission/runner.py', (
        'MissionRunner.reconfigure', 'MissionRunner.abort', 'MissionRunner.tick',
        'MissionRunner._advance', 'MissionRunner._finish', '_Step.update', '_Step._motion',
        '_Step._check_jump', '_Step._check_progress', '_Step._photo', '_folder_mb'))],
        ['test/mission/test_runner.py', 'test/mission/test_photo_limits.py',
         'test/mission/test_agent_core.py', 'test/mission/test_look.py']),
    'agent': ([('mission/agent.py', (
        'AgentCore.halt', 'AgentCore.cancel', 'AgentCore.reconfigure', 'AgentCore._take_over',
        'AgentCore._end_job', 'AgentCore._govern', 'AgentCore._emit', 'AgentCore._command',
        'AgentCore.shutdown', 'AgentCore.close', 'AgentCore.snapshot',
        'AgentCore.cmd_vel_result'))],
        ['test/mission/test_agent_core.py', 'test/mission/test_agent_regressions.py',
         'test/mission/test_agent_cancel_planning.py', 'test/mission/test_stop_go2.py',
         'test/mission/test_look.py', 'test/mission/test_late_odometry.py',
         'test/mission/test_cmd_vel_refused.py']),
}


@dataclass
class Mutant:
    """One statement of one function, deleted."""

    path: str          # relative to the package
    function: str      # Class.method or function
    line: int          # first line (1-based)
    end: int
    col: int
    end_col: int
    text: str          # the statement's first line, stripped

    @property
    def key(self) -> str:
        return f'delete:{self.path}:{self.function}:{self.text}'

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        first = lines[self.line - 1]
        if first[:self.col].strip():  # after 'if x:' on the same line: replace in place
            new = first[:self.col] + 'pass' + first[self.end_col:]
            return ''.join(lines[:self.line - 1] + [new] + lines[self.line:])
        kept = ' ' * self.col + 'pass\n'
        blanks = ['\n'] * (self.end - self.line)  # keep the line numbers of what follows
        return ''.join(lines[:self.line - 1] + [kept] + blanks + lines[self.end:])


def _functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            out += [(f'{node.name}.{m.name}', m) for m in node.body
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return out


def _wanted(name: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if pattern == '*' or pattern == name:
            return True
        if pattern.endswith('.*') and name.startswith(pattern[:-1]):
            return True
    return False


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    out = []
    for i, stmt in enumerate(body):
        if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
                and isinstance(stmt.value.value, str):
            continue  # a docstring
        if isinstance(stmt, ast.Pass):
            continue
        out.append(stmt)
        for field in ('body', 'orelse', 'finalbody'):
            out += _statements(getattr(stmt, field, None) or [])
        for handler in getattr(stmt, 'handlers', None) or []:
            out += _statements(handler.body)
        for case in getattr(stmt, 'cases', None) or []:
            out += _statements(case.body)
    return out


def mutants(path: str, patterns: tuple[str, ...]) -> list[Mutant]:
    """Every deletable statement of the chosen functions of one file."""
    source = (ROOT / PKG / path).read_text(encoding='utf-8')
    lines = source.splitlines()
    out = []
    for name, func in _functions(ast.parse(source)):
        if not _wanted(name, patterns):
            continue
        for stmt in _statements(func.body):
            if stmt.lineno != stmt.end_lineno and lines[stmt.lineno - 1][:stmt.col_offset].strip():
                continue  # a multi-line statement after other code on its line: left alone
            out.append(Mutant(path, name, stmt.lineno, stmt.end_lineno, stmt.col_offset,
                              stmt.end_col_offset, lines[stmt.lineno - 1].strip()))
    return out


def equivalents() -> dict[str, str]:
    """Deletion key -> reason, from the equivalents file."""
    out = {}
    for line in EQUIVALENTS.read_text(encoding='utf-8').splitlines():
        if line.startswith('delete:'):
            name, _, reason = line.partition('  # ')
            out[name.strip()] = reason.strip()
    return out


PREWARM = ('pytest', 'pytest_timeout', 'pydantic', 'httpx', 'yaml', 'starlette', 'uvicorn',
           'lark', 'numpy', 'rclpy')


def _prewarm() -> None:
    """Import the heavy third-party modules once: each forked test run starts with them."""
    for name in PREWARM:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    assert PKG not in sys.modules, 'the package must be imported fresh by each run'


def _pytest(work: Path, tests: list[str], timeout: float) -> str:
    """Run the tests in a forked child (the package imported there, from the copy)."""
    args = ['-x', '-q', '-p', 'no:cacheprovider', '-p', 'no:randomly', '--timeout', '60',
            *tests]
    pid = os.fork()
    if pid == 0:  # the child: its own process group, so a timeout ends what it started
        code = 2
        try:
            os.setpgrp()
            os.chdir(work)
            sys.path.insert(0, str(work))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest
            code = int(pytest.main(args))
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return 'timeout'
        time.sleep(0.05)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return 'survived'
    if code == 1:
        return 'killed'
    return f'error {code}'


def _copy(work: Path, tests_from: str | None) -> None:
    ignore = shutil.ignore_patterns('.venv*', '.git', 'mutants', '*.egg-info', '__pycache__',
                                    'out', 'build', 'install', 'log')
    shutil.copytree(ROOT, work, ignore=ignore, dirs_exist_ok=True)
    if tests_from:
        shutil.rmtree(work / 'test')
        archive = subprocess.run(['git', '-C', str(ROOT), 'archive', tests_from, 'test'],
                                 capture_output=True, check=True).stdout
        subprocess.run(['tar', '-x', '-C', str(work)], input=archive, check=True)


def run_area(area: str, work: Path, sample: int | None, rng: random.Random,
             listed: dict[str, str]) -> tuple[dict[str, int], list[Mutant]]:
    targets, tests = AREAS[area]
    tests = [t for t in tests if (work / t).exists()]  # an older revision may lack one
    todo = [m for path, patterns in targets for m in mutants(path, patterns)]
    if sample is not None and sample < len(todo):
        todo = sorted(rng.sample(todo, sample), key=lambda m: (m.path, m.line))
    start = time.monotonic()
    baseline = _pytest(work, tests, 600)
    if baseline != 'survived':
        raise SystemExit(f'{area}: the tests fail without a mutant ({baseline})')
    budget = max(60.0, 3 * (time.monotonic() - start))
    counts = {'killed': 0, 'survived': 0, 'timeout': 0, 'equivalent': 0, 'error': 0}
    survivors = []
    print(f'{area}: {len(todo)} mutants, tests {" ".join(tests)} '
          f'(clean run {time.monotonic() - start:.0f} s)', flush=True)
    for m in todo:
        target = work / PKG / m.path
        original = target.read_text(encoding='utf-8')
        target.write_text(m.apply(original), encoding='utf-8')
        try:
            outcome = _pytest(work, tests, budget)
        finally:
            target.write_text(original, encoding='utf-8')
        if outcome == 'survived' and m.key in listed:
            outcome = 'equivalent'
        counts[outcome.split()[0]] += 1
        if outcome == 'survived':
            survivors.append(m)
        if outcome.startswith('error'):
            print(f'  ERROR {m.path}:{m.line} {m.function}: {outcome}', flush=True)
        print(f'  {outcome:<10} {m.path}:{m.line} {m.function}: {m.text}', flush=True)
    return counts, survivors


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('areas', nargs='*', metavar='AREA', help=' | '.join(AREAS))
    parser.add_argument('--sample', type=int, default=None)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--list', action='store_true', help='list the mutants, run nothing')
    parser.add_argument('--tests-from', metavar='REV', default=None)
    opts = parser.parse_args(argv[1:])
    areas = opts.areas or list(AREAS)
    unknown = [a for a in areas if a not in AREAS]
    if unknown:
        parser.error(f'unknown area {unknown[0]}: {" | ".join(AREAS)}')
    if opts.list:
        for area in areas:
            for path, patterns in AREAS[area][0]:
                for m in mutants(path, patterns):
                    print(f'{area} {m.path}:{m.line} {m.function}: {m.text}')
        return 0
    listed = equivalents()
    work = Path(tempfile.mkdtemp(prefix='shadowhound-delete.'))
    _copy(work, opts.tests_from)
    _prewarm()
    results, left = {}, []
    for area in areas:  # one generator per area: its sample does not depend on the others
        rng = random.Random(f'{opts.seed}:{area}')
        results[area], survivors = run_area(area, work, opts.sample, rng, listed)
        left += survivors
    print('\nstatement deletion' + (f' (sample of {opts.sample} per area, seed {opts.seed})'
                                    if opts.sample else '')
          + (f', tests from {opts.tests_from}' if opts.tests_from else ''))
    for area, c in results.items():
        checked = c['killed'] + c['timeout'] + c['survived'] + c['error']
        caught = c['killed'] + c['timeout']
        score = caught / checked if checked else 0.0
        print(f'{area:<9} killed {c["killed"]}, timeout {c["timeout"]}, survived '
              f'{c["survived"]}, equivalent (listed) {c["equivalent"]}, error {c["error"]}: '
              f'score {caught}/{checked} = {score:.1%}')
    for m in left:
        print(f'  NOT KILLED: {m.key}   ({m.path}:{m.line})')
    shutil.rmtree(work, ignore_errors=True)
    return 1 if left else 0


if __name__ == '__main__':
    raise SystemExit(main(sys.argv))
