# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""benchmark: every model's speed and plan quality, between a baseline and a final check.

The robot report's procedure: the first model is measured first (the baseline), then every
model in turn (cold load through the API, GPU share from /api/ps, warm decode, prompt speed,
time to first token, the mission corpus: latency, JSON and schema validity, quality; the
decode-speed roofline and the efficiency against it), then the first model again (the
final check). A final decode speed more than --max-degradation below the baseline means the
machine changed under the run (the Thor's slowdown after reloads, heat, clocks): the
figures are not to be trusted, and the run exits 1 with FINAL VERIFICATION FAILED.

Usage: benchmark --models A,B,... [--backend ollama|openai] [--host URL] [--repeats N]
                 [--out DIR] [--max-degradation 0.3] [--limit N] [--corpus FILE]
                 [--reload-check] [--json] [--memory-bandwidth-gbs GB/s]
                 [--vision-model NAME [--vision-max-side PX]]
       benchmark --model NAME ...   (one model: baseline, then the final check)
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import datetime, timezone
import json
import socket
import sys
import time
from typing import Any

from ..backends import backend_names, BackendError, make_backend, OllamaClient, spec
from ..backends.models import find_loaded, same_model
from ..backends.registry import add_cli_flags, cli_settings, config_for_backend
from ..backends.vision import make_vision_client
from ..common.arg_types import (
    non_negative,
    non_negative_int,
    number,
    of_param,
    positive,
    positive_int,
)
from ..common.geometry import Pose2D
from ..common.hosts import HostError
from ..common.params import AgentConfig
from ..evaluation.bench_measure import measure_model, measure_vision, Progress, Settings
from ..evaluation.bench_report import floors_text, table, write_outputs
from ..evaluation.quality import floors, load_corpus, rule_coverage
from ..health.degradation import Evidence, explain
from ..health.roofline import DEFAULT_CPU_BANDWIDTH_GBS, resolve_bandwidth
from ..health.telemetry import choose_source, Telemetry, TelemetryUnavailable
from ..motion.sim_model import synthetic_frame

FAILED = 'FINAL VERIFICATION FAILED'


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog='benchmark', description=__doc__.splitlines()[0])
    parser.add_argument('--backend', choices=backend_names(), default='ollama',
                        help='the server kind: ollama (default) or openai (an '
                             'OpenAI-compatible server, e.g. llama.cpp)')
    parser.add_argument('--host', default=None,
                        help='server address (default: $OLLAMA_HOST, else '
                             'http://localhost:11434)')
    parser.add_argument('--models', default=None,
                        help='comma-separated models; the first is the baseline and final '
                             f'(default: {AgentConfig.model} on ollama, '
                             f'{AgentConfig.openai_model} on openai)')
    parser.add_argument('--model', default=None, help='one model (same as --models NAME)')
    parser.add_argument('--repeats', type=positive_int, default=3,
                        help='warm decode calls per model, 1 or more (default %(default)s)')
    parser.add_argument('--max-degradation', type=number(0.0, 1.0, high_open=True),
                        default=0.3, help='largest allowed drop of the final decode speed, '
                                          '0 to <1 (default 0.3 = 30%%)')
    parser.add_argument('--out', default=None,
                        help='write results.json, results.md and PNG plots here')
    parser.add_argument('--corpus', default=None, help='mission corpus YAML (default: built-in)')
    parser.add_argument('--limit', type=non_negative_int, default=0,
                        help='only the first N missions (default 0: all)')
    parser.add_argument('--timeout', type=positive, default=120.0,
                        help='seconds allowed for each LLM call (default 120)')
    parser.add_argument('--mission-budget', type=positive, default=AgentConfig.llm_timeout_s,
                        help="the agent's llm_timeout_s: a model whose full-size plan takes "
                             'longer is reported too slow for it (default %(default)g s)')
    parser.add_argument('--reload-check', action='store_true',
                        help='ollama: per model, unload, reload and compare decode speed')
    add_cli_flags(parser)  # each backend's own (--num-ctx, --keep-alive, --response-format)
    parser.add_argument('--telemetry', choices=('auto', 'jtop', 'nvml', 'none'), default='auto',
                        help='GPU telemetry for the board, bandwidth and clocks')
    parser.add_argument('--memory-bandwidth-gbs', type=non_negative, default=0.0,
                        help='device memory bandwidth for the roofline; 0 = board table/NVML')
    parser.add_argument('--cpu-memory-bandwidth-gbs', type=positive,
                        default=DEFAULT_CPU_BANDWIDTH_GBS,
                        help='bandwidth for the share of a model on the CPU (GB/s)')
    parser.add_argument('--json', action='store_true', help='print the results as one JSON '
                        'object on stdout')
    parser.add_argument('--vision-model', default='',
                        help="also measure the look action's vision model beside the first "
                             'model: load, both resident or a swap, time to answer, image '
                             'tokens')
    parser.add_argument('--vision-max-side', type=of_param(AgentConfig, 'vision_max_side_px'),
                        default=AgentConfig.vision_max_side_px,
                        help='longest image side sent, px (default %(default)s)')
    return parser


def _models(opts: argparse.Namespace) -> list[str]:
    if opts.models is not None and opts.model is not None:
        raise ValueError('give --models or --model, not both')
    given = opts.models if opts.models is not None else opts.model
    names = [m.strip() for m in (given or '').split(',') if m.strip()]
    if given is not None and not names:
        raise ValueError(f'{"--models" if opts.models is not None else "--model"} names no '
                         'model (leave it out for the default)')
    if not names:
        names = [spec(opts.backend).model_of(AgentConfig())]
    return names


def _read(source: Any) -> tuple[Telemetry | None, str]:
    try:
        return source.read(), ''
    except TelemetryUnavailable as exc:
        return None, str(exc)
    except Exception as exc:  # a telemetry bug must not end a benchmark
        return None, f'telemetry failed: {type(exc).__name__}: {exc}'


def _clocks(t: Telemetry | None, why: str) -> str:
    if t is None:
        return f'n/a ({why.split(" (")[0]})' if why else 'n/a'
    parts = []
    if t.gpu_freq_mhz is not None:
        parts.append(f'GPU {t.gpu_freq_mhz:.0f}/{t.gpu_freq_max_mhz or 0:.0f} MHz')
    if t.power_mode:
        parts.append(f'power mode {t.power_mode}')
    if t.jetson_clocks is not None:
        parts.append(f'jetson_clocks {"on" if t.jetson_clocks else "off"}')
    if t.max_temp_c is not None:
        parts.append(f'hottest {t.max_temp_c:.0f} °C')
    if t.throttle:
        parts.append('throttle: ' + ', '.join(t.throttle))
    return '; '.join(parts) or f'{t.source} gives no clock figures'


def verify(baseline: dict[str, Any], final: dict[str, Any], max_degradation: float,
           start: tuple[Telemetry | None, str], end: tuple[Telemetry | None, str],
           cause: str) -> dict[str, Any]:
    """Compare the final check with the baseline: the verdict, the figures and the evidence."""
    base, last = baseline.get('tokens_per_s_median'), final.get('tokens_per_s_median')
    evidence = {'GPU share at the baseline': _pct(baseline.get('gpu_pct')),
                'GPU share at the final check': _pct(final.get('gpu_pct')),
                'clocks at the start': _clocks(*start), 'clocks at the final check': _clocks(*end)}
    out: dict[str, Any] = {'ok': False, 'baseline_tokens_per_s': base,
                           'final_tokens_per_s': last, 'change': None,
                           'max_degradation': max_degradation, 'evidence': evidence}
    model = baseline['model']
    if base is None:
        out['message'] = (f'{FAILED}: no baseline decode speed for {model} '
                          f'({baseline.get("error") or "no figure"}); no figure can be trusted')
        return out
    if last is None:
        out['message'] = (f'{FAILED}: the final check of {model} gave no decode speed '
                          f'({final.get("error") or "no figure"})')
        return out
    change = last / base - 1.0
    out['change'] = round(change, 4)
    if -change > max_degradation:
        evidence['likely cause'] = cause
        out['message'] = (f'{FAILED}: {model} decodes at {last:.1f} tok/s at the final check '
                          f'against {base:.1f} tok/s at the baseline ({change:+.0%}, allowed '
                          f'-{max_degradation:.0%}): the machine slowed during the run, so the '
                          f'figures between are not trustworthy')
        return out
    out['ok'] = True
    out['message'] = (f'final verification passed: {model} {last:.1f} tok/s at the final check '
                      f'against {base:.1f} at the baseline ({change:+.0%}, allowed '
                      f'-{max_degradation:.0%})')
    return out


def _pct(value: int | None) -> str:
    return f'{value}% (/api/ps)' if value is not None else 'n/a'


def _server_facts(client: Any) -> dict[str, Any]:
    """Ollama's version and the pulled models' digests (best effort: the run goes on)."""
    if not isinstance(client, OllamaClient):
        return {'ollama_version': None, 'tags': []}
    facts: dict[str, Any] = {'ollama_version': None, 'tags': []}
    try:
        facts['ollama_version'] = client.version()
        facts['tags'] = client.tags()
    except BackendError as exc:
        facts['error'] = str(exc)
    return facts


def run(opts: argparse.Namespace, models: list[str], host: str, log_to_stderr: bool
        ) -> dict[str, Any]:
    """The whole procedure; the results document (every number)."""
    missions = load_corpus(opts.corpus)
    if opts.limit:
        missions = missions[:opts.limit]

    def client_for(model: str) -> Any:
        config, _ = config_for_backend(opts.backend, opts.host, model,
                                       llm_timeout_s=opts.timeout,
                                       **cli_settings(opts.backend, opts))
        return make_backend(opts.backend, config)

    source = choose_source(opts.telemetry)
    start = _read(source)
    bandwidth = resolve_bandwidth(opts.memory_bandwidth_gbs, start[0])
    settings = Settings(missions, opts.repeats, bandwidth, opts.cpu_memory_bandwidth_gbs,
                        opts.reload_check, opts.mission_budget)
    per_model = 1 + settings.repeats + len(missions)
    progress = Progress(per_model * len(models) + 1 + settings.repeats, log_to_stderr)
    first = client_for(models[0])
    facts = _server_facts(first)
    first.close()
    runs = []
    try:
        for i, model in enumerate(models):
            client = client_for(model)
            try:
                result = measure_model(client, 'baseline' if i == 0 else 'model', settings,
                                       progress)
                _unload(client)
            finally:
                client.close()
            runs.append(result)
            progress.log(_line(result))
        client = client_for(models[0])
        try:
            final = measure_model(client, 'final', settings, progress, corpus=False)
            end = _read(source)
            cause = _cause(client, end[0], facts.get('ollama_version'))
        finally:
            client.close()
        runs.append(final)
        progress.log(_line(final))
        vision = _vision(opts, models[0], client_for) if opts.vision_model else None
        if vision is not None:
            progress.log(vision_line(vision))
    finally:
        progress.close()
        try:
            source.close()
        except Exception:  # a broken source must not hide the results
            pass
    digests = {m: next((t.get('digest') for t in facts['tags']
                        if same_model(t.get('name') or t.get('model'), m)), None)
               for m in models}
    return {
        'tool': 'benchmark', 'date': datetime.now(timezone.utc).isoformat(timespec='seconds'),
        'backend': opts.backend, 'host': host, 'machine': socket.gethostname(),
        'ollama_version': facts['ollama_version'], 'digests': digests,
        'parameters': {'models': models, 'repeats': settings.repeats,
                       'max_degradation': opts.max_degradation, 'limit': opts.limit,
                       'corpus': opts.corpus or 'built-in', 'timeout_s': opts.timeout,
                       'mission_budget_s': opts.mission_budget,
                       'reload_check': opts.reload_check, 'telemetry': opts.telemetry,
                       'memory_bandwidth_gbs': opts.memory_bandwidth_gbs,
                       'cpu_memory_bandwidth_gbs': opts.cpu_memory_bandwidth_gbs,
                       'response_format': opts.openai_response_format
                       or AgentConfig.openai_response_format,
                       **cli_settings(opts.backend, opts)},
        'hardware': {'hardware_id': start[0].hardware_id if start[0] else None,
                     'telemetry': start[0].source if start[0] else None,
                     'telemetry_error': start[1],
                     'bandwidth_gbs': bandwidth.gbs if bandwidth else None,
                     'bandwidth_source': bandwidth.source if bandwidth else None},
        'missions': len(missions), 'runs': runs,
        # What a planner must beat to show skill, and what the rules answer without an LLM.
        'floors': floors(missions), 'rule_coverage': rule_coverage(missions),
        'verification': verify(runs[0], final, opts.max_degradation, start, end, cause),
        **({'vision': vision} if vision is not None else {})}


def _vision(opts: argparse.Namespace, planner_model: str, client_for: Any) -> dict[str, Any]:
    """The vision model measured with the planner loaded (the agent's situation)."""
    config, _ = config_for_backend(opts.backend, opts.host, planner_model,
                                   llm_timeout_s=opts.timeout,
                                   **cli_settings(opts.backend, opts))
    vision = make_vision_client(config.replaced(
        vision_model=opts.vision_model, vision_backend=opts.backend,
        vision_timeout_s=opts.timeout, vision_max_side_px=opts.vision_max_side))
    planner = client_for(planner_model)
    frame = replace(synthetic_frame(Pose2D(0.7, 0.0, 0.6), 640, 480),
                    received=time.monotonic())
    try:
        return measure_vision(vision, planner, opts.repeats, frame)
    finally:
        vision.close()
        planner.close()


def vision_line(v: dict[str, Any]) -> str:
    """One line for the vision model's figures."""
    if v.get('error') and not v.get('time_to_answer_s'):
        return f'vision   {v["model"]}: FAILED — {v["error"]}'
    answer = v['time_to_answer_s']['median']
    image = v['image']
    parts = [f'vision   {v["model"]}: answers in {answer:.2f} s (median)',
             f'{image["width"]}x{image["height"]} image, {image["bytes"]} bytes',
             f'{v["prompt_tokens"]} prompt tokens']
    if v.get('load_s') is not None:
        parts.append(f'load {v["load_s"]:.2f} s')
    if 'both_resident' in v:
        parts.append('both resident beside the planner' if v['both_resident'] else
                     f'the planner was evicted: reloading it took '
                     f'{v.get("planner_reload_s") or 0:.2f} s')
    return ', '.join(parts)


def _unload(client: Any) -> None:
    """Free the model's memory before the next one loads (each model measured alone)."""
    if isinstance(client, OllamaClient):
        try:
            client.unload()
        except BackendError:  # it failed to load: nothing to free
            pass


def _cause(client: Any, telemetry: Telemetry | None, version: str | None) -> str:
    entry = None
    if isinstance(client, OllamaClient):
        try:
            entry = find_loaded(client.ps(), client.model)
        except BackendError:
            pass
    num_ctx = getattr(client, 'options', {}).get('num_ctx')
    return explain(Evidence(entry, num_ctx, telemetry, version))


def _line(r: dict[str, Any]) -> str:
    if r.get('tokens_per_s_median') is None:
        return f'{r["phase"]:8} {r["model"]}: FAILED — {r["error"]}'
    roof = r.get('roofline') or {}
    bound = (f' of {roof["bound_tokens_per_s"]:.1f} bound ({roof["efficiency"]:.0%})'
             if roof.get('efficiency') is not None else '')
    quality = r.get('corpus', {}).get('quality')
    return (f'{r["phase"]:8} {r["model"]}: {r["tokens_per_s_median"]:.1f} tok/s{bound}'
            + (f', GPU {r["gpu_pct"]}%' if r.get('gpu_pct') is not None else '')
            + (f', quality {quality:.1f}/100' if quality is not None else '')
            + (f' — {r["too_slow"]}' if r.get('too_slow') else '')
            + (f' — {r["error"]}' if r.get('error') else ''))


def main(args: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 verified, 1 final verification failed or degraded, 2 usage."""
    opts = build_parser().parse_args(args)
    try:
        models = _models(opts)
        _, host = config_for_backend(opts.backend, opts.host, models[0])
    except (HostError, ValueError) as exc:
        print(f'benchmark: error: {exc}', file=sys.stderr)
        return 2
    results = run(opts, models, host, log_to_stderr=opts.json)
    paths = write_outputs(results, opts.out) if opts.out else []
    verdict = results['verification']
    degraded = [r['model'] for r in results['runs'] if (r.get('reload') or {}).get('degraded')]
    if opts.json:
        print(json.dumps(results, default=str))
    else:
        print(f'\n{opts.backend} at {host}'
              + (f' (Ollama {results["ollama_version"]})' if results['ollama_version'] else '')
              + f', {results["missions"]} corpus missions\n')
        print(table(results))
        print('\n' + floors_text(results))
        for r in results['runs']:
            if r.get('reload'):
                rc = r['reload']
                print(f'reload check {r["model"]}: {"DEGRADED" if rc["degraded"] else "ok"} '
                      f'(ratio {rc["ratio"]:.2f})' + (f' — {rc["cause"]}' if rc.get('cause')
                                                     else ''))
        if paths:
            print('\nwrote ' + ', '.join(str(p) for p in paths))
    stream = sys.stdout if verdict['ok'] and not opts.json else sys.stderr
    print('\n' + verdict['message'], file=stream)
    if not verdict['ok']:
        for key, value in verdict['evidence'].items():
            print(f'  {key}: {value}', file=stream)
    return 1 if not verdict['ok'] or degraded else 0


if __name__ == '__main__':
    raise SystemExit(main())
