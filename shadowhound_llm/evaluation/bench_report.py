# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The benchmark's outputs: results.json, results.md and PNG plots (matplotlib, Agg).

Plain functions of the results document the benchmark builds (see tools/benchmark.py);
no measuring here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PLOTS = ('tokens_per_s.png', 'latency.png', 'quality.png')


def _f(value: Any, spec: str = '.1f', suffix: str = '') -> str:
    if value is None:
        return 'n/a'
    return f'{value:{spec}}{suffix}'


def _get(run: dict[str, Any], *path: str) -> Any:
    value: Any = run
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def table(results: dict[str, Any]) -> str:
    """The per-model Markdown table (baseline, every model, final)."""
    runs = results['runs']
    accuracy = any(_get(r, 'corpus', 'accuracy') is not None for r in runs)
    head = ['phase', 'model', 'load [s]', 'GPU [%]', 'decode [tok/s]', 'thinking [tok]',
            'thinking [s]', 'roofline [tok/s]',
            'efficiency', 'prompt [tok/s]', 'TTFT [s]', 'latency p50/p90 [s]', 'JSON [%]',
            'schema [%]', 'quality']
    if accuracy:
        head.append('accuracy [95% CI]')
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in runs:
        if not r['ok'] and r.get('tokens_per_s_median') is None:
            cells = [r['phase'], r['model'], f'FAILED: {r["error"][:80]}'] + [''] * (len(head) - 3)
            lines.append('| ' + ' | '.join(cells) + ' |')
            continue
        eff = _get(r, 'roofline', 'efficiency')
        lat = _get(r, 'corpus', 'latency_s') or {}
        bound = _f(_get(r, 'roofline', 'bound_tokens_per_s'))
        placed = _get(r, 'roofline', 'bound_as_placed_tokens_per_s')
        if placed is not None and _f(placed) != bound:
            bound += f' ({_f(placed)} as placed)'
        decode = _f(r.get('tokens_per_s_median'))
        if _get(r, 'decode', 'speed_source') == 'wall':
            decode += ' (wall)'
        load = _f(r.get('load_s'), '.2f')
        if r.get('load_s') is None and r.get('load_wall_s') is not None:
            load = _f(r.get('load_wall_s'), '.2f') + ' (wall)'
        cells = [r['phase'], r['model'], load, _f(r.get('gpu_pct'), 'd'), decode,
                 _f(_get(r, 'decode', 'thinking_tokens', 'median'), '.0f'),
                 _f(_get(r, 'decode', 'thinking_s', 'median'), '.2f'), bound,
                 _f(eff * 100 if eff is not None else None, '.0f', '%'),
                 _f(_get(r, 'decode', 'prompt_tokens_per_s', 'median'), '.0f'),
                 _f(_get(r, 'decode', 'ttft_s', 'median'), '.3f'),
                 f'{_f(lat.get("median"), ".3f")} / {_f(lat.get("p90"), ".3f")}',
                 _f(_get(r, 'corpus', 'json_valid_pct'), '.0f'),
                 _f(_get(r, 'corpus', 'schema_valid_pct'), '.0f'),
                 _f(_get(r, 'corpus', 'quality'))]
        if accuracy:
            acc, ci = _get(r, 'corpus', 'accuracy'), _get(r, 'corpus', 'accuracy_ci')
            cells.append(f'{_f(acc, ".0%")} [{_f(ci[0], ".0%")}, {_f(ci[1], ".0%")}]'
                         if acc is not None and ci else _f(acc, '.0%'))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def floors_text(results: dict[str, Any]) -> str:
    """The floors beside the models' accuracy, and the rule planner's coverage per category."""
    fl = results.get('floors') or {}
    names = {'always_stop': 'always stop', 'always_photo': 'always photo',
             'rules': 'rule planner alone'}
    lines = ['Task accuracy floors (a planner must beat these to show skill): '
             + ', '.join(f'{names.get(k, k)} {100 * v["accuracy"]:.1f}% '
                         f'(95% CI {100 * v["ci95"][0]:.1f}-{100 * v["ci95"][1]:.1f}%)'
                         for k, v in fl.items())]
    cov = results.get('rule_coverage') or {}
    if cov.get('by_category'):
        lines += ['', 'Rule planner without an LLM, per category (answered right / answered '
                      'wrong / deferred to the LLM):', '',
                  '| category | missions | right | wrong | deferred |', '|---|---|---|---|---|']
        for name, c in sorted(cov['by_category'].items()):
            lines.append(f'| {name} | {c["missions"]} | {c["right"]} | {c["wrong"]} | '
                         f'{c["deferred"]} |')
        lines.append(f'| **all** | {cov["missions"]} | {cov["right"]} | {cov["wrong"]} | '
                     f'{cov["deferred"]} |')
    return '\n'.join(lines)


def markdown(results: dict[str, Any]) -> str:
    """results.md: what ran where, the table, and the final verification's verdict."""
    v = results['verification']
    hw = results.get('hardware') or {}
    lines = [f'# Model benchmark — {results["date"]}', '',
             f'- {results["backend"]} at {results["host"]}'
             + (f', Ollama {results["ollama_version"]}' if results.get('ollama_version') else ''),
             f'- hardware: {hw.get("hardware_id") or "unknown"}; memory bandwidth '
             f'{_f(hw.get("bandwidth_gbs"), "g")} GB/s '
             f'({hw.get("bandwidth_source") or "unknown"})',
             f'- models: {", ".join(results["parameters"]["models"])}; warm decode repeats '
             f'{results["parameters"]["repeats"]}; corpus missions {results["missions"]}',
             '', table(results), '', floors_text(results), '']
    digests = results.get('digests') or {}
    if digests:
        lines += ['Model digests (as `ollama list` shows them): ' + ', '.join(
            f'{k} `{str(d).removeprefix("sha256:")[:12]}`' for k, d in digests.items()), '']
    lines += ['## Final verification', '', v['message'], '']
    for key, value in (v.get('evidence') or {}).items():
        lines.append(f'- {key}: {value}')
    failed = [r for r in results['runs'] if not r['ok']]
    if failed:
        lines += ['', '## Failures', '']
        lines += [f'- {r["phase"]} {r["model"]}: {r["error"]}' for r in failed]
    return '\n'.join(lines).rstrip() + '\n'


def plots(results: dict[str, Any], out: Path) -> list[Path]:
    """tokens_per_s.png, latency.png and quality.png."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    runs = [r for r in results['runs'] if r['phase'] != 'final']
    names = [r['model'] for r in runs]
    x = list(range(len(runs)))
    paths = []

    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(runs) + 2), 4.0))
    ax.bar(x, [r.get('tokens_per_s_median') or 0 for r in runs], color='#4c72b0',
           label='warm decode (median)')
    bounds = [_get(r, 'roofline', 'bound_tokens_per_s') for r in runs]
    if any(b is not None for b in bounds):
        known = [(i, b) for i, b in enumerate(bounds) if b is not None]
        ax.scatter([i for i, _ in known], [b for _, b in known], marker='_', s=900,
                   color='black', label='roofline bound')
    v = results['verification']
    for key, style, color in (('baseline_tokens_per_s', '--', '#2ca02c'),
                              ('final_tokens_per_s', ':', '#d62728')):
        if v.get(key) is not None:
            ax.axhline(v[key], linestyle=style, color=color,
                       label=f'{key.split("_")[0]} ({results["runs"][0]["model"]}) '
                             f'{v[key]:.1f}')
    _mark_failed(ax, runs)
    ax.set_xticks(x, names, rotation=15)
    ax.set_ylabel('tokens/s')
    ax.set_title('Decode speed per model; baseline and final check of the first model')
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths.append(_save(fig, out / PLOTS[0]))

    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(runs) + 2), 4.0))
    data = [_get(r, 'corpus', 'latencies_s') or [] for r in runs]
    ax.boxplot(data, positions=x, tick_labels=names)
    _mark_failed(ax, runs)
    ax.set_ylabel('plan latency per mission [s]')
    ax.set_title('Per-mission latency distribution')
    fig.tight_layout()
    paths.append(_save(fig, out / PLOTS[1]))

    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(runs) + 2), 4.0))
    ax.bar(x, [_get(r, 'corpus', 'quality') or 0 for r in runs], color='#55a868',
           label='composite quality /100')
    acc = [_get(r, 'corpus', 'accuracy') for r in runs]
    if any(a is not None for a in acc):
        acc = [a or 0.0 for a in acc]
        ci = [_get(r, 'corpus', 'accuracy_ci') or (a, a) for r, a in zip(runs, acc, strict=True)]
        pairs = list(zip(acc, ci, strict=True))
        ax.errorbar(x, [100 * a for a in acc],
                    yerr=[[100 * (a - (c[0] or 0)) for a, c in pairs],
                          [100 * ((c[1] or 0) - a) for a, c in pairs]],
                    fmt='o', color='black', label='task accuracy % (95% CI)')
    ax.set_xticks(x, names, rotation=15)
    ax.set_ylim(0, 100)
    _mark_failed(ax, runs)
    ax.set_title('Plan quality on the mission corpus')
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths.append(_save(fig, out / PLOTS[2]))
    return paths


def _mark_failed(ax: Any, runs: list[dict[str, Any]]) -> None:
    for i, r in enumerate(runs):
        if r.get('tokens_per_s_median') is None:
            ax.annotate('failed', (i, 0.05), xycoords=('data', 'axes fraction'),
                        ha='center', color='#d62728')


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_outputs(results: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """results.json, results.md and the plots in ``out_dir`` (created); their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'results.json').write_text(json.dumps(results, indent=2, default=str) + '\n',
                                      encoding='utf-8')
    (out / 'results.md').write_text(markdown(results), encoding='utf-8')
    return [out / 'results.json', out / 'results.md'] + plots(results, out)
