# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Throughput degradation: is the LLM decoding slower than the hardware allows, and why.

Plain Python. Tokens/s per model come from llm_metrics; they are judged against the
decode-speed roofline (memory bandwidth / model size) from the first call, and against a
baseline (configured, or the median of the first calls); the verdict names the most likely
cause from the evidence at hand (Ollama's /api/ps, GPU telemetry), with the numbers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import statistics

from ..backends.models import LoadedModel, offload_advice
from ..common.contract import DiagKey, Severity
from .roofline import (
    DEFAULT_CPU_BANDWIDTH_GBS,
    DEFAULT_ERROR_FRACTION,
    DEFAULT_WARN_FRACTION,
    judge,
    resolve_bandwidth,
    Roofline,
    roofline_for,
)
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
    """Rolling tokens/s per model against the roofline and a baseline.

    Two signals: the decode-speed roofline (memory bandwidth / model size, see
    ``roofline.py``) judges from the first call, with no baseline; the baseline (configured,
    or the median of the first calls) catches a model that got slower than it was. The
    worse of the two sets the level. Every setting is an attribute named like its
    gpu_monitor parameter, changed live with ``configure``.
    """

    SETTINGS = ('baseline_tokens_per_s', 'baseline_samples', 'warn_ratio', 'error_ratio',
                'memory_bandwidth_gbs', 'cpu_memory_bandwidth_gbs', 'roofline_warn',
                'roofline_error')

    def __init__(self, baseline_tokens_per_s: float = 0.0, baseline_samples: int = 3,
                 warn_ratio: float = 0.7, error_ratio: float = 0.5, window: int = 3,
                 memory_bandwidth_gbs: float = 0.0,
                 cpu_memory_bandwidth_gbs: float = DEFAULT_CPU_BANDWIDTH_GBS,
                 roofline_warn: float = DEFAULT_WARN_FRACTION,
                 roofline_error: float = DEFAULT_ERROR_FRACTION) -> None:
        self.baseline_tokens_per_s = baseline_tokens_per_s
        self.baseline_samples = max(1, baseline_samples)
        self.warn_ratio, self.error_ratio = warn_ratio, error_ratio
        self.memory_bandwidth_gbs = memory_bandwidth_gbs
        self.cpu_memory_bandwidth_gbs = cpu_memory_bandwidth_gbs
        self.roofline_warn, self.roofline_error = roofline_warn, roofline_error
        self.window = window
        self.models: dict[str, _ModelHistory] = {}
        self.last_model: str | None = None

    def configure(self, **settings: float) -> None:
        """Change settings live (names as in SETTINGS); the histories are kept."""
        unknown = set(settings) - set(self.SETTINGS)
        if unknown:
            raise ValueError(f'unknown detector setting(s): {", ".join(sorted(unknown))}')
        for name, value in settings.items():
            setattr(self, name, value)
        self.baseline_samples = max(1, int(self.baseline_samples))

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
        if self.baseline_tokens_per_s > 0:
            return self.baseline_tokens_per_s
        history = self.models.get(model)
        if history is None or len(history.first) < self.baseline_samples:
            return None
        return statistics.median(history.first[:self.baseline_samples])

    def roofline(self, evidence: Evidence) -> tuple[Roofline | None, str]:
        """The roofline for the evidence's model, or (None, why it is unknown)."""
        bandwidth = resolve_bandwidth(self.memory_bandwidth_gbs, evidence.telemetry)
        if bandwidth is None:
            return None, ('memory bandwidth unknown (no known board or NVML figure): set '
                          'memory_bandwidth_gbs')
        roof = roofline_for(evidence.ps_entry, bandwidth, self.cpu_memory_bandwidth_gbs)
        if roof is None:
            return None, 'model size unknown (model not in /api/ps)'
        return roof, ''

    def assess(self, evidence: Evidence | None = None, model: str | None = None) -> Assessment:
        """Judge the latest (or given) model's current speed: roofline, then baseline."""
        model = model or self.last_model
        if model is None:
            return Assessment(OK, 'no LLM calls seen yet on llm_metrics')
        evidence = evidence or Evidence()
        history = self.models[model]
        current = statistics.median(history.recent)
        values = {'model': model, DiagKey.CURRENT_TPS: f'{current:.1f}',
                  'calls': str(history.count)}
        level, head = OK, f'{model}: {current:.1f} tok/s'
        roof, why = self.roofline(evidence)
        if roof is not None:
            level, _ = judge(current, roof, self.roofline_warn, self.roofline_error)
            values.update(roof.values(current))
            head += (f' = {roof.efficiency(current):.0%} of the roofline '
                     f'{roof.gpu_bound_tokens_per_s:.1f} tok/s')
            if roof.cpu_bytes:
                head += f' ({roof.bound_tokens_per_s:.1f} as placed now)'
        else:
            values['roofline'] = why
        base = self.baseline(model)
        if base is None:
            clause = (f'learning baseline ({len(history.first)}/{self.baseline_samples} '
                      f'calls)')
        else:
            ratio = current / base
            values.update({DiagKey.BASELINE_TPS: f'{base:.1f}', 'ratio': f'{ratio:.2f}'})
            if ratio >= self.warn_ratio:
                clause = f'{ratio:.0%} of baseline {base:.1f}'
            else:
                level = max(level, ERROR if ratio < self.error_ratio else WARN)
                clause = f'fell to {current:.1f} tok/s from {base:.1f} ({ratio:.0%} of baseline)'
        message = f'{head}; {clause}'
        if level > OK:
            cause = explain(evidence)
            values['likely cause'] = cause
            message += f': {cause}'
        return Assessment(level, message, model, values)

    @property
    def fixed_baseline(self) -> float:
        """The configured baseline (0 = learned)."""
        return self.baseline_tokens_per_s


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


