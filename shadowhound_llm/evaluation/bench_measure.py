# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""One model's figures for the benchmark: cold load, GPU share, warm decode, corpus, roofline.

Every figure is a plain number in a JSON-ready dict (results.json holds them as they are).
"""

from __future__ import annotations

from dataclasses import dataclass
import statistics
import sys
import time
from typing import Any, Callable

from ..backends import BackendError, OllamaClient
from ..backends.models import find_loaded
from ..backends.validation import plan_seconds
from ..common.params import AgentConfig
from ..health.degradation import Evidence, explain
from ..health.roofline import Bandwidth, roofline_for
from ..planning.actions import plan_json_schema
from ..planning.prompt import MAX_PLAN_TOKENS, planning_messages
from .quality import (
    accuracy_report,
    CorpusMission,
    MissionScore,
    score_reply,
    with_rules,
)

SPEED_PROMPT = 'Patrol a one-meter square and come back'
DEGRADED_RATIO = 0.7   # --reload-check: decode after a reload below this share = degraded


@dataclass
class Settings:
    """What every model is measured with."""

    missions: list[CorpusMission]
    repeats: int = 3
    bandwidth: Bandwidth | None = None
    cpu_bandwidth_gbs: float = 50.0
    reload_check: bool = False
    # The agent's budget for one plan (llm_timeout_s): a model whose full-size plan would
    # take longer is reported too slow for it.
    mission_budget_s: float = AgentConfig.llm_timeout_s


class Progress:
    """A progress bar on a terminal (tqdm, when stderr is a TTY), else one line per step."""

    def __init__(self, total: int, to_stderr: bool, enabled: bool | None = None) -> None:
        self.stream = sys.stderr if to_stderr else sys.stdout
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # no tqdm: plain lines
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, file=sys.stderr, unit='call', dynamic_ncols=True)

    def step(self, detail: str = '', n: int = 1) -> None:
        """One more call done; ``detail`` is shown on the bar, or printed without one."""
        if self.bar is not None:
            self.bar.set_postfix_str(detail[:40], refresh=False)
            self.bar.update(n)
        elif detail:
            print(detail, file=self.stream, flush=True)

    def log(self, line: str) -> None:
        """A line that stays (a model's summary, a failure)."""
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()


def summary(values: list[float]) -> dict[str, float | int | None]:
    """Median, p10, p90, min, max and count of some samples (None when there are none)."""
    if not values:
        return {'median': None, 'p10': None, 'p90': None, 'min': None, 'max': None, 'n': 0}
    ordered = sorted(values)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
    return {'median': statistics.median(ordered), 'p10': pct(0.1), 'p90': pct(0.9),
            'min': ordered[0], 'max': ordered[-1], 'n': len(ordered)}


def quality_figures(missions: list[CorpusMission], replies: list[str],
                    scores: list[MissionScore]) -> dict[str, Any]:
    """The corpus figures of one model: composite quality, per category, validity rates.

    The one place quality figures are computed: task accuracy with its confidence interval
    (quality.py) is added here with one ``figures.update(...)``; the report shows an
    ``accuracy`` / ``accuracy_ci`` pair when present.
    """
    n = max(1, len(scores))
    accuracy = accuracy_report(missions, replies)
    system = accuracy_report(missions, with_rules(missions, replies))
    figures: dict[str, Any] = {
        'accuracy': accuracy['accuracy'], 'accuracy_ci': list(accuracy['ci95']),
        'right': accuracy['right'],
        'accuracy_by_category': {k: v['accuracy'] for k, v in
                                 sorted(accuracy['by_category'].items())},
        'system_accuracy': system['accuracy'], 'system_accuracy_ci': list(system['ci95']),
        'quality': accuracy['composite'],  # the mean of the same score_reply scores
        'quality_by_category': accuracy['composite_by_category'],
        'json_valid_pct': round(100 * sum(s.json_ok for s in scores) / n, 1),
        'schema_valid_pct': round(100 * sum(s.schema_ok for s in scores) / n, 1)}
    return figures


def run_corpus(client: Any, missions: list[CorpusMission], progress: Progress
               ) -> dict[str, Any]:
    """Plan every mission with the model alone (no rule planner); score and time each."""
    schema = plan_json_schema(AgentConfig.max_actions)
    scores, replies, speeds, latencies, rows = [], [], [], [], []
    for i, mission in enumerate(missions, 1):
        try:
            result = client.chat(planning_messages(mission.text), schema=schema, stream=True,
                                 options={'num_predict': MAX_PLAN_TOKENS})
            reply, m, error = result.text, result.metrics, ''
        except BackendError as exc:
            reply, m, error = '', None, str(exc)
        score = score_reply(mission, reply)
        scores.append(score)
        replies.append(reply)
        if m is not None:
            speeds += [m.tokens_per_s] if m.tokens_per_s else []
            latencies += [m.total_s] if m.total_s is not None else []
        cut_off = bool(m is not None and m.done_reason == 'length')
        rows.append({'text': mission.text, 'category': mission.category, 'score': score.score,
                     'cut_off': cut_off,
                     'thinking_tokens': m.thinking_count if m else None,
                     'json_ok': score.json_ok, 'schema_ok': score.schema_ok,
                     'reply': reply[:2000], 'error': error, 'notes': score.notes[:2],
                     'tokens_per_s': m.tokens_per_s if m else None,
                     'ttft_s': m.ttft_s if m else None, 'latency_s': m.total_s if m else None})
        progress.step(f'[{i}/{len(missions)}] {score.score:5.1f}  {mission.text[:48]:48}  '
                      + (f'{m.tokens_per_s:.1f} tok/s' if m and m.tokens_per_s else error[:60]))
    out = quality_figures(missions, replies, scores)
    out.update({'missions': len(missions), 'tokens_per_s': summary(speeds),
                'cut_off': sum(r['cut_off'] for r in rows),
                'latency_s': summary(latencies), 'latencies_s': latencies, 'rows': rows})
    return out


def warm_decode(client: Any, repeats: int, progress: Progress) -> dict[str, Any]:
    """Decode, prompt speed, time to first token and thinking over ``repeats`` warm calls.

    Thinking tokens and seconds are reported apart: a reasoning model pays them as latency
    before its answer, though they decode at the same speed. ``speed_source`` says whether
    the figures are the server's ('server') or measured here ('wall').
    """
    decode, prompt, ttft, think_n, think_s, sources, plan_s = [], [], [], [], [], set(), []
    for i in range(repeats):
        m = client.chat(planning_messages(SPEED_PROMPT), schema=plan_json_schema(), stream=True,
                        options={'num_predict': MAX_PLAN_TOKENS}).metrics
        if m.tokens_per_s:
            decode.append(m.tokens_per_s)
            sources.add(m.speed_source or 'wall')
        if m.prompt_eval_count and m.prompt_eval_duration_s:
            prompt.append(m.prompt_eval_count / m.prompt_eval_duration_s)
        if m.ttft_s is not None:
            ttft.append(m.ttft_s)
        think_n.append(m.thinking_count or 0)
        think_s.append(m.thinking_duration_s or 0.0)
        full = plan_seconds(m)[1]
        if full is not None:
            plan_s.append(full)
        progress.step(f'  warm decode {i + 1}/{repeats}: '
                      + (f'{m.tokens_per_s:.1f} tok/s' if m.tokens_per_s else 'no figure')
                      + (f', thinking {m.thinking_count} tokens' if m.thinking_count else ''))
    return {'tokens_per_s': summary(decode), 'samples': decode,
            'prompt_tokens_per_s': summary(prompt), 'ttft_s': summary(ttft),
            'thinking_tokens': summary(think_n), 'thinking_s': summary(think_s),
            'full_plan_s': summary(plan_s),
            'speed_source': 'server' if sources == {'server'} else ('wall' if sources else None)}


def cold_load(client: OllamaClient) -> dict[str, Any]:
    """Unload, then load through the API: the server's load time and the wall time.

    The loading request is the first chat (one token), whose reply carries the server's
    ``load_duration``; Ollama's load-only reply has none.
    """
    client.unload()
    start = time.monotonic()
    metrics = client.load(messages=planning_messages(SPEED_PROMPT))
    return {'load_s': metrics.load_duration_s, 'load_wall_s': time.monotonic() - start}


def placement(client: OllamaClient) -> tuple[Any, dict[str, Any]]:
    """The model's /api/ps entry and its size, VRAM share and GPU share."""
    entry = find_loaded(client.ps(), client.model)
    if entry is None:
        return None, {'gpu_pct': None, 'size_bytes': None, 'vram_bytes': None}
    return entry, {'gpu_pct': 100 - entry.cpu_pct, 'size_bytes': entry.size,
                   'vram_bytes': entry.size_vram, 'context_length': entry.context_length}


def measure_model(client: Any, phase: str, settings: Settings, progress: Progress,
                  corpus: bool = True) -> dict[str, Any]:
    """Every figure for one model; a failure is recorded and the run goes on."""
    out: dict[str, Any] = {'model': client.model, 'phase': phase, 'ok': True, 'error': '',
                           'load_s': None, 'load_wall_s': None, 'gpu_pct': None,
                           'roofline': None, 'tokens_per_s_median': None}
    ollama = isinstance(client, OllamaClient)
    try:
        if ollama:
            out.update(cold_load(client))
            progress.step(f'{client.model}: loaded in {_num(out["load_s"], "s")}')
            entry, placed = placement(client)
            out.update(placed)
        out['decode'] = warm_decode(client, settings.repeats, progress)
        median = out['decode']['tokens_per_s']['median']
        out['tokens_per_s_median'] = median
        full = out['decode']['full_plan_s']['median']
        if full is not None and full > settings.mission_budget_s:
            out['too_slow'] = (f'too slow for the mission budget: a {MAX_PLAN_TOKENS}-token '
                               f'plan takes about {full:.0f} s (thinking included), over '
                               f'llm_timeout_s {settings.mission_budget_s:g} s')
        if ollama:
            roof = roofline_for(entry, settings.bandwidth, settings.cpu_bandwidth_gbs)
            out['roofline'] = roof.as_dict(median) if roof is not None else None
            out['placement_note'] = entry.offload_summary() if entry and entry.cpu_pct else ''
        if corpus and settings.missions:
            out['corpus'] = run_corpus(client, settings.missions, progress)
        if settings.reload_check and ollama:
            out['reload'] = reload_check(client, progress.log)
    except BackendError as exc:
        out.update(ok=False, error=str(exc))
    return out


def _warm_speed(client: Any, runs: int = 3) -> float | None:
    speeds = []
    for _ in range(runs):
        m = client.chat(planning_messages(SPEED_PROMPT), schema=plan_json_schema(),
                        options={'num_predict': MAX_PLAN_TOKENS}).metrics
        if m.tokens_per_s:
            speeds.append(m.tokens_per_s)
    return statistics.median(speeds) if speeds else None


def reload_check(client: OllamaClient, log: Callable[[str], None]) -> dict[str, Any]:
    """Warm speed, then unload + reload, then speed again; explain a drop."""
    before = _warm_speed(client)
    log(f'  warm decode before reload: {before:.1f} tok/s' if before else '  no speed figure')
    client.unload()
    client.load()
    entry = find_loaded(client.ps(), client.model)
    after = _warm_speed(client)
    log(f'  warm decode after reload:  {after:.1f} tok/s' if after else '  no speed figure')
    ratio = after / before if before and after else None
    out: dict[str, Any] = {'before_tokens_per_s': before, 'after_tokens_per_s': after,
                           'ratio': ratio, 'degraded': ratio is not None
                           and ratio < DEGRADED_RATIO,
                           'ps': entry.model_dump() if entry else None}
    if out['degraded']:
        out['cause'] = explain(Evidence(entry, client.options['num_ctx'],
                                        ollama_version=client.version()))
    return out


def _num(value: float | None, unit: str, spec: str = '.2f') -> str:
    return f'{value:{spec}} {unit}' if value is not None else 'n/a'


def measure_vision(vision: Any, planner: Any, repeats: int, frame: Any) -> dict[str, Any]:
    """The look action's vision model: load, residency beside the planner, time to answer.

    ``vision``: a VisionClient; ``planner``: the planning model's client (loaded). Ollama:
    the vision model's cold load, whether /api/ps then holds both (else each look evicts
    the planner), and the planner's load time afterwards (the swap cost when they do not
    both fit; ~0 when it stayed). Then ``repeats`` looks at ``frame``: wall-clock time to
    answer, the server's prompt tokens (image included) and decode speed.
    """
    out: dict[str, Any] = {'model': vision.model, 'backend': vision.kind}
    chat = vision.chat
    try:
        if isinstance(chat, OllamaClient):
            out['load_s'] = _load_seconds(chat.load())
            loaded = chat.ps()
            out['resident'] = [m.name for m in loaded]
            out['both_resident'] = bool(planner is not None
                                        and find_loaded(loaded, planner.model)
                                        and find_loaded(loaded, vision.model))
        times, tokens, speeds, answer = [], [], [], None
        for _ in range(max(1, repeats)):
            answer = vision.ask_frame(frame, 'What do you see?')
            times.append(answer.seconds)
            tokens.append(answer.metrics.prompt_eval_count)
            if answer.metrics.tokens_per_s:
                speeds.append(answer.metrics.tokens_per_s)
        out.update({'time_to_answer_s': summary(times), 'prompt_tokens': tokens[-1],
                    'prompt_eval_s': answer.metrics.prompt_eval_duration_s,
                    'tokens_per_s_median': statistics.median(speeds) if speeds else None,
                    'image': {'width': answer.image.width, 'height': answer.image.height,
                              'bytes': len(answer.image.data),
                              'source': [answer.image.source_width,
                                         answer.image.source_height]},
                    'answer': answer.text[:200]})
        if isinstance(planner, OllamaClient):
            out['planner_reload_s'] = _load_seconds(planner.load())
    except BackendError as exc:  # VisionError too: the figures so far, and why they stop
        out['error'] = str(exc)
    return out


def _load_seconds(metrics: Any) -> float | None:
    """A load's time as the server reports it, else the call's wall-clock time."""
    return metrics.load_duration_s if metrics.load_duration_s is not None else metrics.total_s
