# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The robot test report: Markdown for a person, JSON with every number, the trajectory PNG.

Plain Python: reads a ``robot_test_cases.RunResult`` and writes files; no ROS.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .robot_test_cases import CheckRecord, MissionRecord, PhaseResult, RunResult

__all__ = ['check_line', 'markdown', 'plot_trajectory', 'write_report']

VERDICT_WORDS = {'pass': 'PASS', 'fail': 'FAIL', 'skipped': 'SKIPPED', 'info': 'shown'}


def check_line(check: CheckRecord, phase: int = 1) -> str:
    """'[phase 1] backend validation: SKIPPED (none) — the agent runs without an LLM ...'."""
    line = f'[phase {phase}] {check.name}: {VERDICT_WORDS[check.verdict]}'
    if check.value:
        line += f' ({check.value})'
    return line + (f' — {check.detail}' if check.detail else '')


def write_report(result: RunResult, out: str | Path) -> dict[str, Path]:
    """Write report.md, report.json and trajectory.png into ``out``; returns their paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {'markdown': folder / 'report.md', 'json': folder / 'report.json',
             'trajectory': folder / 'trajectory.png'}
    result.files = {k: str(v) for k, v in paths.items()}
    plot_trajectory(result, paths['trajectory'])
    paths['json'].write_text(json.dumps(result.as_dict(), indent=2, default=str) + '\n',
                             encoding='utf-8')
    paths['markdown'].write_text(markdown(result, paths['trajectory'].name), encoding='utf-8')
    return paths


def markdown(result: RunResult, png_name: str = 'trajectory.png') -> str:
    """The report a person reads."""
    lines = ['# Robot test report', '']
    lines.append(f'**{result.verdict_line()}**')
    lines.append('')
    backend = result.backend
    lines += [f'- Started {result.started} on {result.host}, {result.duration_s:.0f} s',
              f'- LLM backend (mission_agent: Backend): {backend.get("message", "n/a")} '
              f'(state {backend.get("state", "n/a")})',
              f'- Motion: {"allowed" if result.allow_motion else "not allowed (--allow-motion)"}'
              + (f'; agent limits {result.limits.get("max_linear", "?")} m/s, '
                 f'{result.limits.get("max_angular", "?")} rad/s (cmd_vel watched against them)'
                 if result.limits else '; agent limits unknown (no mission_agent: Mission '
                                       'diagnostics): cmd_vel not watched')]
    for note in result.notes:
        lines.append(f'- {note}')
    if result.aborted:
        lines += ['', f'> **Run aborted, robot stopped:** {result.aborted}']
    lines += ['', '| phase | planner | result | summary |', '|---|---|---|---|']
    for p in result.phases:
        lines.append(f'| {p.number} {p.title} | {p.policy.planner} | {p.status} | '
                     f'{_cell(p.summary())} |')
    for p in result.phases:
        lines += ['', f'## Phase {p.number}: {p.title} — {p.status}', '']
        lines += _phase_header(p)
        if p.checks:
            lines += ['| check | value | limit | result | detail |', '|---|---|---|---|---|']
            lines += [f'| {c.name} | {_cell(c.value)} | {_cell(c.limit)} | '
                      f'{VERDICT_WORDS[c.verdict]} | {_cell(c.detail)} |' for c in p.checks]
            lines.append('')
        if p.missions:
            lines += _mission_table(p)
        if any(not isinstance(v, dict) or 'median' in v for v in p.figures.values()):
            lines += _figures(p)
    c = result.criteria
    first = (f'first LLM reply < {c.max_first_reply_s:g} s' if math.isfinite(c.max_first_reply_s)
             else 'first LLM reply shown, no limit')
    collapse = (f'tokens/s below {c.collapse_ratio:g} × the first' if c.collapse_ratio > 0
                else 'no throughput-collapse abort')
    lines += ['', '## Criteria', '',
              f'Motion within ±{c.tolerance_ratio:.0%} of the commanded distance (goto: of the '
              f'distance to the target) and angle, never finer than 5 cm / 3°, from the pose '
              f"at each mission's start; {first}; "
              f'phase 4: every response < {c.max_response_s:g} s, median decode > '
              f'{c.min_tokens_per_s:g} tok/s, LLM memory < {c.max_memory_gb:g} GB, last '
              f'tokens/s ≥ {c.stable_ratio:g} × first. Aborts: a mission over '
              f'{c.mission_timeout_s:g} s, {collapse}, '
              f"any cmd_vel over the agent's limits.", '',
              f'![trajectory]({png_name})', '']
    return '\n'.join(lines)


def _phase_header(p: PhaseResult) -> list[str]:
    lines = []
    if p.reason and p.status in ('skipped', 'aborted', 'not run', 'informational'):
        lines.append(f'{p.reason}')
    if p.policy.why and p.policy.why != p.reason:
        lines.append(f'Policy: {p.policy.why}')
    return lines + [''] if lines else []


def _mission_table(p: PhaseResult) -> list[str]:
    motion = p.number == 3
    if motion:
        head = ('| # | mission | served by | state | expected | end pose (x, y, yaw) | '
                'error (limit) | s | result |')
    else:
        head = '| # | mission | served by | state | plan | response s | tok/s | result |'
    lines = [head, '|' + '|'.join('---' for _ in range(head.count('|') - 1)) + '|']
    for m in p.missions:
        if motion:
            err = m.judgement.summary() if m.judgement else '-'
            lines.append(f'| {m.index} | {_cell(m.text)} | {m.planner or "-"} | {m.state} | '
                         f'{_cell(m.expected)} | {_pose(m)} | {_cell(err)} | '
                         f'{_num(m.seconds, 1)} | {VERDICT_WORDS[m.verdict]} |')
        else:
            lines.append(f'| {m.index} | {_cell(m.text)} | {m.planner or "-"} | {m.state} | '
                         f'{_cell(_plan(m))} | {_num(m.response_s, 2)} | '
                         f'{_num(m.tokens_per_s, 1)} | {VERDICT_WORDS[m.verdict]} |')
    notes = [m for m in p.missions if m.why and m.why != p.reason]
    if notes:
        lines.append('')
        lines += [f'- {m.index}: {m.why}' for m in notes]
    return lines + ['']


def _figures(p: PhaseResult) -> list[str]:
    lines = ['| figure | value |', '|---|---|']
    for key, value in p.figures.items():
        if isinstance(value, dict) and 'median' not in value:
            continue  # a whole record (report.json has it)
        if isinstance(value, dict):
            unit = 'tok/s' if 'tokens' in key else 's'
            value = ('n/a' if not value.get('n') else
                     f'median {value["median"]:.2f} {unit} (min {value["min"]:.2f}, max '
                     f'{value["max"]:.2f}, stdev {value["stdev"]:.2f}, n={value["n"]})')
        lines.append(f'| {key} | {_cell(str(value))} |')
    return lines + ['']


def _plan(m: MissionRecord) -> str:
    """The plan (report.json has it whole when long), else the agent's whole message."""
    if m.plan:
        text = json.dumps(m.plan, separators=(',', ':'))
        return text if len(text) <= 90 else text[:87] + '...'
    return m.message


def _pose(m: MissionRecord) -> str:
    if m.end is None:
        return '-'
    return f'({m.end.x:.2f}, {m.end.y:.2f}, {math.degrees(m.end.yaw):.0f}°)'


def _num(value: float | None, digits: int) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def _cell(text: Any) -> str:
    return str(text).replace('|', '\\|').replace('\n', ' ')


def plot_trajectory(result: RunResult, path: str | Path) -> None:
    """The odometry trajectory, each motion mission's end (numbered) and expected position."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 6))
    if result.trajectory:
        _, xs, ys = zip(*result.trajectory, strict=True)
        ax.plot(xs, ys, '-', color='tab:blue', lw=1.5, label='odom trajectory')
        ax.plot(xs[0], ys[0], 'o', color='tab:green', label='start')
    labelled: set[str] = set()
    names: dict[tuple[float, float], list[str]] = {}
    for p in result.phases:
        for m in p.missions:
            if m.end is None or m.dry_run:
                continue
            ok = m.verdict != 'fail'
            label = 'mission end (pass)' if ok else 'mission end (FAIL)'
            ax.plot(m.end.x, m.end.y, '^', color='tab:green' if ok else 'tab:red',
                    label=None if label in labelled else label)
            labelled.add(label)
            names.setdefault((round(m.end.x, 1), round(m.end.y, 1)), []).append(
                f'{p.number}.{m.index}')
            expected = m.judgement.expected if m.judgement else {}
            if expected.get('x') is not None:
                ax.plot(expected['x'], expected['y'], 'x', color='tab:gray',
                        label=None if 'expected' in labelled else 'expected position')
                labelled.add('expected')
    for (x, y), tags in names.items():
        ax.annotate(', '.join(tags), (x, y), textcoords='offset points', xytext=(5, 5),
                    fontsize=8)
    ax.set_xlabel('x [m] (odom)')
    ax.set_ylabel('y [m] (odom)')
    ax.set_title(f'Robot test: {result.verdict_line()[:60]}', fontsize=10)
    ax.axis('equal')
    ax.grid(True, alpha=0.3)
    if labelled or result.trajectory:
        ax.legend(loc='best', fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
