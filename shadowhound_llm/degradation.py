# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Throughput degradation: is the LLM decoding slower than its baseline, and why.

Plain Python. Tokens/s per model come from llm_metrics; the baseline is configured or the
median of the first calls; the verdict names the most likely cause from the evidence at
hand (Ollama's /api/ps, GPU telemetry), with the numbers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import statistics

from .backends.models import LoadedModel, offload_advice
from .contract import Severity
from .telemetry import Telemetry

OK, WARN, ERROR = Severity.OK, Severity.WARN, Severity.ERROR
HOT_C = 85.0
LOW_CLOCK_RATIO = 0.7


@dataclass
class Evidence:
    """What the monitor knows when judging a slowdown."""

    ps_entry: LoadedModel | None = None         # this model's /api/ps entry
    expected_num_ctx: int | None = None
    telemetry: Telemetry | None = None
    ollama_version: str | None = None


@dataclass
class Assessment:
    """The verdict for one model: level, a sentence, and the figures behind it."""

    level: Severity
    message: str
    model: str | None = None
    values: dict[str, str] = field(default_factory=dict)


class _ModelHistory:
    def __init__(self, window: int) -> None:
        self.first: list[float] = []
        self.recent: deque[float] = deque(maxlen=window)
        self.count = 0


class DegradationDetector:
    """Rolling tokens/s per model against a baseline."""

    def __init__(self, baseline_tokens_per_s: float = 0.0, baseline_samples: int = 3,
                 warn_ratio: float = 0.7, error_ratio: float = 0.5, window: int = 3) -> None:
        self.fixed_baseline = baseline_tokens_per_s
        self.baseline_samples = max(1, baseline_samples)
        self.warn_ratio, self.error_ratio = warn_ratio, error_ratio
        self.window = window
        self.models: dict[str, _ModelHistory] = {}
        self.last_model: str | None = None

    def add(self, model: str, tokens_per_s: float | None) -> None:
        """Record one LLM call's decode speed (calls without a figure are ignored)."""
        if tokens_per_s is None or tokens_per_s <= 0:
            return
        history = self.models.setdefault(model, _ModelHistory(self.window))
        if len(history.first) < self.baseline_samples:
            history.first.append(tokens_per_s)
        history.recent.append(tokens_per_s)
        history.count += 1
        self.last_model = model

    def baseline(self, model: str) -> float | None:
        """The configured baseline, or the median of the first calls once there are enough."""
        if self.fixed_baseline > 0:
            return self.fixed_baseline
        history = self.models.get(model)
        if history is None or len(history.first) < self.baseline_samples:
            return None
        return statistics.median(history.first)

    def assess(self, evidence: Evidence | None = None, model: str | None = None) -> Assessment:
        """Judge the latest (or given) model's current speed against its baseline."""
        model = model or self.last_model
        if model is None:
            return Assessment(OK, 'no LLM calls seen yet on llm_metrics')
        history = self.models[model]
        current = statistics.median(history.recent)
        values = {'model': model, 'current tokens/s': f'{current:.1f}',
                  'calls': str(history.count)}
        base = self.baseline(model)
        if base is None:
            return Assessment(OK, f'learning baseline for {model} ({len(history.first)}/'
                                  f'{self.baseline_samples} calls), {current:.1f} tok/s',
                              model, values)
        ratio = current / base
        values.update({'baseline tokens/s': f'{base:.1f}', 'ratio': f'{ratio:.2f}'})
        if ratio >= self.warn_ratio:
            return Assessment(OK, f'{model}: {current:.1f} tok/s ({ratio:.0%} of baseline '
                                  f'{base:.1f})', model, values)
        level = ERROR if ratio < self.error_ratio else WARN
        cause = explain(evidence or Evidence())
        values['likely cause'] = cause
        return Assessment(level, f'{model} decode fell to {current:.1f} tok/s from '
                                 f'{base:.1f} ({ratio:.0%}): {cause}', model, values)


def explain(ev: Evidence) -> str:
    """The most likely cause of a slowdown, from the strongest evidence down."""
    checked = []
    if ev.ps_entry is not None:
        checked.append('GPU offload')
        entry = ev.ps_entry
        if entry.cpu_pct > 0:
            return (f'model {entry.cpu_pct}% on CPU since its last (re)load '
                    f'({entry.vram_gib:.1f} of {entry.size_gib:.1f} GiB in VRAM) — likely page '
                    f'cache after unloads: {offload_advice(ev.ollama_version)}')
    t = ev.telemetry
    if t is not None:
        checked.append('temperature')
        hot = [f'{n} {v:.0f} °C' for n, v in t.temps_c.items() if v >= HOT_C]
        thermal = [r for r in t.throttle if 'thermal' in r.lower()]
        if hot or thermal:
            return (f'thermal limit: {", ".join(hot + thermal)} — the GPU slows down to cool; '
                    f'check airflow and the fan')
        checked.append('GPU clock')
        ratio = t.clock_ratio
        mode_bad = t.power_mode is not None and 'MAXN' not in t.power_mode.upper()
        clocks_off = t.jetson_clocks is False
        if (ratio is not None and ratio < LOW_CLOCK_RATIO) or mode_bad:
            parts = []
            if ratio is not None and ratio < LOW_CLOCK_RATIO:
                parts.append(f'GPU clock {t.gpu_freq_mhz:.0f} of {t.gpu_freq_max_mhz:.0f} MHz '
                             f'({ratio:.0%})')
            if mode_bad:
                parts.append(f'power mode {t.power_mode}, not MAXN')
            if clocks_off:
                parts.append('jetson_clocks off')
            power = [r for r in t.throttle if 'power' in r.lower()]
            parts += power
            return (f'{", ".join(parts)} — set MAXN and lock clocks: sudo nvpmodel -m 0 && '
                    f'sudo jetson_clocks')
        checked.append('power mode')
    if ev.ps_entry is not None and ev.expected_num_ctx:
        checked.append('context length')
        loaded = ev.ps_entry.context_length
        if loaded and int(loaded) > 2 * ev.expected_num_ctx:
            return (f'context {loaded} loaded, far larger than the {ev.expected_num_ctx} asked '
                    f'for — long contexts cost memory and speed; set num_ctx and reload')
    missing = [] if t is not None else ['no GPU telemetry']
    if ev.ps_entry is None:
        missing.append('model not in /api/ps')
    return ('not explained by telemetry (checked: ' + (', '.join(checked) or 'nothing')
            + (f'; missing: {", ".join(missing)}' if missing else '') + ')')


