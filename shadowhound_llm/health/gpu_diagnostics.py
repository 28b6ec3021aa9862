# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Diagnostic tasks, diagnostic_updater style: one task per concern, each testable without ROS.

A task is a function ``(MonitorState) -> DiagStatus``; the node turns statuses into
diagnostic_msgs/DiagnosticStatus (names "gpu_monitor: <Task>", hardware_id always set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..backends.models import find_loaded, GIB, LoadedModel
from ..common.contract import DiagKey, Severity
from .degradation import DegradationDetector, Evidence
from .telemetry import Telemetry

OK, WARN, ERROR, STALE = Severity.OK, Severity.WARN, Severity.ERROR, Severity.STALE
HOT_WARN_C = 85.0
HOT_ERROR_C = 95.0
MEMORY_WARN_RATIO = 0.95


@dataclass
class DiagStatus:
    """One status: its level, a message, key/value strings."""

    task: str
    level: Severity
    message: str
    values: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class MonitorState:
    """Everything the tasks read; the node refreshes it each period."""

    hardware_id: str
    telemetry: Telemetry | None = None
    telemetry_error: str = ''
    ollama_host: str = ''
    ollama_models: list[LoadedModel] | None = None
    ollama_error: str = ''
    ollama_version: str | None = None
    detector: DegradationDetector = field(default_factory=DegradationDetector)
    expected_num_ctx: int | None = None


def _no_telemetry(task: str, state: MonitorState) -> DiagStatus:
    return DiagStatus(task, WARN, state.telemetry_error or 'no GPU telemetry',
                      [('source', 'none')])


def gpu_task(state: MonitorState) -> DiagStatus:
    """GPU load and clock, and throttle reasons where the source gives them."""
    t = state.telemetry
    if t is None:
        return _no_telemetry('GPU', state)
    values = [('source', t.source), ('load [%]', _fmt(t.gpu_load_pct)),
              ('clock [MHz]', _fmt(t.gpu_freq_mhz)), ('max clock [MHz]', _fmt(t.gpu_freq_max_mhz))]
    if t.throttle:
        values.append(('throttle reasons', ', '.join(t.throttle)))
        return DiagStatus('GPU', WARN, f'GPU throttled: {", ".join(t.throttle)}', values)
    if t.gpu_load_pct is None and t.gpu_freq_mhz is None:
        return DiagStatus('GPU', WARN, f'{t.source} gives no GPU load or clock on this board '
                                       f'(older jetson-stats on Thor?): update jetson-stats',
                          values)
    load = f'load {t.gpu_load_pct:.0f}%' if t.gpu_load_pct is not None else 'load n/a'
    clock = (f', clock {t.gpu_freq_mhz:.0f}/{t.gpu_freq_max_mhz:.0f} MHz'
             if t.gpu_freq_mhz is not None and t.gpu_freq_max_mhz else '')
    return DiagStatus('GPU', OK, load + clock, values)


def memory_task(state: MonitorState) -> DiagStatus:
    """RAM (Jetson, unified) or GPU memory (NVML), plus what Ollama holds in VRAM."""
    values = []
    vram = sum(m.size_vram for m in state.ollama_models or [])
    if state.ollama_models is not None:
        values.append((DiagKey.OLLAMA_VRAM_GIB, f'{vram / GIB:.2f}'))
    t = state.telemetry
    if t is None or t.mem_total_mib is None:
        status = _no_telemetry('Memory', state)
        status.values += values
        if state.ollama_models is not None:
            status.message += f'; Ollama holds {vram / GIB:.1f} GiB in VRAM (/api/ps)'
        return status
    ratio = (t.mem_used_mib or 0.0) / t.mem_total_mib
    values = [(DiagKey.MEM_USED_MIB, f'{t.mem_used_mib:.0f}'),
              (DiagKey.MEM_TOTAL_MIB, f'{t.mem_total_mib:.0f}'),
              (DiagKey.GPU_SHARE_MIB, _fmt(t.gpu_mem_used_mib, '.0f'))] + values
    message = f'{t.mem_used_mib / 1024:.1f} of {t.mem_total_mib / 1024:.1f} GiB used ({ratio:.0%})'
    if ratio >= MEMORY_WARN_RATIO:
        return DiagStatus('Memory', WARN, f'memory nearly full: {message} — the next model '
                                          f'load may land on the CPU', values)
    return DiagStatus('Memory', OK, message, values)


def thermal_task(state: MonitorState) -> DiagStatus:
    """Hottest sensor; WARN from 85 degC or a thermal throttle, ERROR from 95 degC."""
    t = state.telemetry
    if t is None:
        return _no_telemetry('Thermal', state)
    values = [(DiagKey.temperature(name), f'{temp:.1f}')
              for name, temp in sorted(t.temps_c.items())]
    hottest = t.max_temp_c
    thermal = [r for r in t.throttle if 'thermal' in r.lower()]
    if hottest is None:
        return DiagStatus('Thermal', OK if not thermal else WARN,
                          'no temperature sensors reported', values)
    name = max(t.temps_c, key=t.temps_c.get)
    if hottest >= HOT_ERROR_C:
        return DiagStatus('Thermal', ERROR, f'{name} at {hottest:.0f} °C: overheating', values)
    if hottest >= HOT_WARN_C or thermal:
        return DiagStatus('Thermal', WARN, f'{name} at {hottest:.0f} °C is hot'
                          + (f'; {", ".join(thermal)}' if thermal else ''), values)
    return DiagStatus('Thermal', OK, f'hottest: {name} {hottest:.0f} °C', values)


def power_task(state: MonitorState) -> DiagStatus:
    """Board power, power mode and jetson_clocks (the settings published figures assume)."""
    t = state.telemetry
    if t is None:
        return _no_telemetry('Power', state)
    values = [('power [W]', _fmt(t.power_w, '.1f')), ('power mode', t.power_mode or 'n/a'),
              ('jetson_clocks', {True: 'on', False: 'off', None: 'n/a'}[t.jetson_clocks])]
    parts = [f'{t.power_w:.1f} W' if t.power_w is not None else 'power n/a']
    if t.power_mode:
        parts.append(f'mode {t.power_mode}')
    if t.jetson_clocks is not None:
        parts.append(f'jetson_clocks {"on" if t.jetson_clocks else "off"}')
    power_capped = [r for r in t.throttle if 'power' in r.lower()]
    if power_capped:
        return DiagStatus('Power', WARN, ', '.join(parts + power_capped), values)
    return DiagStatus('Power', OK, ', '.join(parts), values)


def ollama_models_task(state: MonitorState) -> DiagStatus:
    """Loaded models from /api/ps: size, share in VRAM, context, expiry (works on Thor)."""
    if not state.ollama_host:
        return DiagStatus('Ollama models', OK, 'not watched: ollama_host is empty (the agent '
                                               'uses no Ollama server)', [('host', '')])
    if state.ollama_models is None:
        return DiagStatus('Ollama models', ERROR, f'Ollama unreachable at {state.ollama_host}: '
                                                  f'{state.ollama_error}',
                          [('host', state.ollama_host)])
    values = [('host', state.ollama_host)]
    if not state.ollama_models:
        return DiagStatus('Ollama models', OK, 'no model loaded', values)
    level, parts = OK, []
    # Each model's share of what Ollama holds, and its own decode-speed roofline: the planner
    # and the vision model share one memory (and its bandwidth) on a Jetson.
    total = sum(m.size for m in state.ollama_models) or 1
    for m in state.ollama_models:
        name, cpu = m.label, m.cpu_pct
        values += [(f'{name} size [GiB]', f'{m.size_gib:.2f}'),
                   (f'{name} VRAM [GiB]', f'{m.vram_gib:.2f}'), (f'{name} on CPU [%]', str(cpu)),
                   (f'{name} share of loaded [%]', f'{100 * m.size / total:.0f}'),
                   (f'{name} context', str(m.context_length or 'n/a')),
                   (f'{name} expires', str(m.expires_at or 'n/a'))]
        roof, _ = state.detector.roofline(Evidence(m, state.expected_num_ctx, state.telemetry,
                                                   state.ollama_version))
        if roof is not None:
            values.append((f'{name} roofline tokens/s', f'{roof.gpu_bound_tokens_per_s:.1f}'))
        if cpu > 0:
            level = WARN
            parts.append(f'{name} {cpu}% on CPU (slow decode; drop caches and reload)')
        else:
            parts.append(f'{name} 100% GPU')
    return DiagStatus('Ollama models', level, '; '.join(parts), values)


def throughput_task(state: MonitorState) -> DiagStatus:
    """LLM decode speed against its baseline, with the likely cause of any slowdown."""
    model = state.detector.last_model
    ps_entry = find_loaded(state.ollama_models, model)
    verdict = state.detector.assess(Evidence(ps_entry, state.expected_num_ctx, state.telemetry,
                                             state.ollama_version))
    return DiagStatus('LLM throughput', verdict.level, verdict.message,
                      list(verdict.values.items()))


TASKS: tuple[Callable[[MonitorState], DiagStatus], ...] = (
    gpu_task, memory_task, thermal_task, power_task, throughput_task, ollama_models_task)


def run_all(state: MonitorState) -> list[DiagStatus]:
    """Every task; a task that raises becomes an ERROR status instead of a crash."""
    out = []
    for task in TASKS:
        try:
            out.append(task(state))
        except Exception as exc:
            name = task.__name__.replace('_task', '').replace('_', ' ').title()
            out.append(DiagStatus(name, ERROR, f'diagnostic task failed: {type(exc).__name__}: '
                                               f'{exc}'))
    return out


def _fmt(value: float | None, spec: str = '.0f') -> str:
    return 'n/a' if value is None else format(value, spec)
