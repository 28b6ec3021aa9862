# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""benchmark: planning speed and plan quality on the mission corpus, and a reload check.

The reload check looks for the Thor slowdown: decode speed falling after unload + reload.

Usage: benchmark [--backend ollama|openai] [--host URL] [--model NAME] [--limit N]
                 [--reload-check] [--json]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
import json
import statistics
import sys
import time
from typing import Any

from ..backends import BACKEND_NAMES, BackendError, make_backend, OllamaClient
from ..backends.models import find_loaded
from ..degradation import Evidence, explain
from ..hosts import HostError
from ..params import AgentConfig, config_for_backend
from ..plan import plan_json_schema
from ..prompt import MAX_PLAN_TOKENS, planning_messages
from ..quality import load_corpus, overall, score_reply

SPEED_PROMPT = 'Patrol a one-meter square and come back'
DEGRADED_RATIO = 0.7


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog='benchmark', description=__doc__.splitlines()[0])
    parser.add_argument('--backend', choices=BACKEND_NAMES, default='ollama')
    parser.add_argument('--host', default=None)
    parser.add_argument('--model', default=None)
    parser.add_argument('--corpus', default=None, help='mission corpus YAML (default: built-in)')
    parser.add_argument('--limit', type=int, default=0, help='only the first N missions')
    parser.add_argument('--timeout', type=float, default=120.0, help='seconds per LLM call')
    parser.add_argument('--reload-check', action='store_true',
                        help='ollama: unload, reload and compare decode speed and GPU share')
    parser.add_argument('--response-format', choices=('json_schema', 'json_object'),
                        default='json_schema')
    parser.add_argument('--json', action='store_true', help='print one JSON object')
    return parser


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run_corpus(client: Any, missions: list[Any], log: Any) -> dict[str, Any]:
    """Plan every mission with the model alone (no rule planner); score and time each."""
    schema = plan_json_schema(AgentConfig.max_actions)
    scores, speeds, ttfts, totals, rows = [], [], [], [], []
    for i, mission in enumerate(missions, 1):
        try:
            result = client.chat(planning_messages(mission.text), schema=schema, stream=True,
                                 options={'num_predict': MAX_PLAN_TOKENS})
            reply, m, error = result.text, result.metrics, ''
        except BackendError as exc:
            reply, m, error = '', None, str(exc)
        score = score_reply(mission, reply)
        scores.append(score)
        if m is not None:
            speeds += [m.tokens_per_s] if m.tokens_per_s else []
            ttfts += [m.ttft_s] if m.ttft_s is not None else []
            totals.append(m.total_s or 0.0)
        rows.append({'text': mission.text, 'category': mission.category, 'score': score.score,
                     'reply': reply[:200], 'error': error, 'notes': score.notes[:2],
                     'tokens_per_s': m.tokens_per_s if m else None,
                     'ttft_s': m.ttft_s if m else None})
        log(f'[{i}/{len(missions)}] {score.score:5.1f}  {mission.text[:48]:48}  '
            + (f'{m.tokens_per_s:.1f} tok/s' if m and m.tokens_per_s else error[:60]))
    by_category: dict[str, list[Any]] = defaultdict(list)
    for mission, score in zip(missions, scores, strict=True):
        by_category[mission.category].append(score)
    return {'quality': overall(scores),
            'quality_by_category': {k: overall(v) for k, v in sorted(by_category.items())},
            'missions': len(missions),
            'tokens_per_s_median': _pct(speeds, 0.5), 'tokens_per_s_p10': _pct(speeds, 0.1),
            'ttft_s_median': _pct(ttfts, 0.5), 'plan_s_median': _pct(totals, 0.5),
            'rows': rows}


def _warm_speed(client: Any, runs: int = 3) -> float | None:
    speeds = []
    for _ in range(runs):
        m = client.chat(planning_messages(SPEED_PROMPT), schema=plan_json_schema(),
                        options={'num_predict': MAX_PLAN_TOKENS}).metrics
        if m.tokens_per_s:
            speeds.append(m.tokens_per_s)
    return statistics.median(speeds) if speeds else None


def reload_check(client: OllamaClient, log: Any) -> dict[str, Any]:
    """Warm speed, then unload + reload, then speed again; explain a drop."""
    before = _warm_speed(client)
    log(f'warm decode before reload: {before:.1f} tok/s' if before else 'no speed figure')
    client.unload()
    client.load()
    entry = find_loaded(client.ps(), client.model)
    after = _warm_speed(client)
    log(f'warm decode after reload:  {after:.1f} tok/s' if after else 'no speed figure')
    ratio = after / before if before and after else None
    out: dict[str, Any] = {'before_tokens_per_s': before, 'after_tokens_per_s': after,
                           'ratio': ratio, 'degraded': ratio is not None
                           and ratio < DEGRADED_RATIO,
                           'ps': entry.model_dump() if entry else None}
    if out['degraded']:
        out['cause'] = explain(Evidence(entry, client.options['num_ctx'],
                                        ollama_version=client.version()))
    return out


def _fmt(value: float | None, unit: str) -> str:
    return f'{value:.2f} {unit}' if value is not None else 'n/a'


def main(args: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 when it ran, 1 when the backend failed or degraded."""
    opts = build_parser().parse_args(args)
    try:
        config, host = config_for_backend(opts.backend, opts.host, opts.model,
                                          llm_timeout_s=opts.timeout,
                                          openai_response_format=opts.response_format)
    except HostError as exc:
        print(f'benchmark: error: {exc}', file=sys.stderr)
        return 2
    missions = load_corpus(opts.corpus)
    if opts.limit:
        missions = missions[:opts.limit]

    def log(line: str) -> None:
        print(line, file=sys.stderr if opts.json else sys.stdout, flush=True)

    client = make_backend(opts.backend, config)
    start = time.monotonic()
    try:
        report = run_corpus(client, missions, log)
        if opts.reload_check and isinstance(client, OllamaClient):
            report['reload'] = reload_check(client, log)
    except BackendError as exc:
        print(f'benchmark: {exc}', file=sys.stderr)
        return 1
    finally:
        client.close()
    report.update({'backend': opts.backend, 'host': host, 'model': client.model,
                   'wall_s': round(time.monotonic() - start, 1)})
    if opts.json:
        print(json.dumps(report))
    else:
        print(f'\n{opts.backend} {client.model} at {host}: quality {report["quality"]:.1f}/100 '
              f'over {report["missions"]} missions')
        for category, value in report['quality_by_category'].items():
            print(f'  {category:10} {value:5.1f}')
        print(f'  decode median {_fmt(report["tokens_per_s_median"], "tok/s")}, p10 '
              f'{_fmt(report["tokens_per_s_p10"], "tok/s")}; time to first token median '
              f'{_fmt(report["ttft_s_median"], "s")}; plan median '
              f'{_fmt(report["plan_s_median"], "s")}')
        if 'reload' in report:
            r = report['reload']
            print(f'  reload check: {"DEGRADED" if r["degraded"] else "ok"} '
                  f'(ratio {r["ratio"]:.2f})' + (f' — {r["cause"]}' if r.get('cause') else ''))
    return 1 if report.get('reload', {}).get('degraded') else 0


if __name__ == '__main__':
    raise SystemExit(main())
