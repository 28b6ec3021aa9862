# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Decode-speed roofline: what the hardware can give, from memory bandwidth and model size.

Generating one token reads (nearly) every weight once, so decoding is memory-bound:
``tokens/s <= bandwidth / bytes read per token``. Bytes per token are taken as the loaded
model's size in memory (``/api/ps`` ``size``): the weights dominate; the KV cache and
buffers it also counts make the bound slightly low, never too high for a healthy model.

For a model split between GPU and CPU (``size_vram < size``) the two shares are read in
turn: ``time per token = gpu_bytes / gpu_bandwidth + cpu_bytes / cpu_bandwidth``. The CPU
share is read at system-memory speed (``cpu_memory_bandwidth_gbs``). On a Jetson the CPU
and GPU share one LPDDR pool, but llama.cpp's CPU path reaches only a fraction of the
pool's peak (the CPU cluster's own bandwidth and the dequantisation work limit it), so the
same parameter is used there too; its default (50 GB/s) is of the order of dual-channel
DDR5 on a PC and of what an Orin/Thor CPU cluster streams. Decimal units throughout:
GB = 1e9 bytes, as the datasheets write bandwidth.

Plain Python: the gpu_monitor node and the benchmark both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..backends.models import LoadedModel
from ..common.contract import DiagKey, Severity

GB = 1e9
DEFAULT_CPU_BANDWIDTH_GBS = 50.0
# Healthy llama.cpp / Ollama decoding reaches roughly 60-85 % of this bound on a GPU; below
# half something is wrong (clocks, power mode, partial offload, a competing process); below
# a quarter is the several-fold collapse seen on the Thor after reloads (37 -> 5 tok/s).
DEFAULT_WARN_FRACTION = 0.5
DEFAULT_ERROR_FRACTION = 0.25
# Measured faster than the bound by this factor: the bandwidth or the size must be wrong.
ABOVE_BOUND = 1.25

# Peak memory bandwidth of Jetson modules, matched on the board name jtop reports
# (``Telemetry.hardware_id``, e.g. 'NVIDIA Jetson AGX Thor Developer Kit'); first match wins,
# so the more specific patterns come first. Sources (NVIDIA):
# - Jetson AGX Thor (T5000, 128 GB 256-bit LPDDR5X): 273 GB/s — Jetson Thor product page,
#   https://www.nvidia.com/en-us/autonomous-machines/embedded-systems/jetson-thor/ (technical
#   specifications) and the Jetson AGX Thor Developer Kit user guide,
#   https://docs.nvidia.com/jetson/agx-thor-devkit/user-guide/latest/
# - Jetson AGX Orin 32/64 GB (256-bit LPDDR5): 204.8 GB/s; Orin NX 8/16 GB (128-bit):
#   102.4 GB/s; Orin Nano 8 GB (128-bit): 68 GB/s, 4 GB (64-bit): 34 GB/s — Jetson Orin
#   product page, technical specifications table,
#   https://www.nvidia.com/en-us/autonomous-machines/embedded-systems/jetson-orin/ ; Jetson
#   AGX Orin Series Technical Brief v1.2; Jetson Orin NX Series Data Sheet DS-10712-001.
# - Orin Nano "Super" (JetPack 6.1+, MAXN SUPER): 102 GB/s — Jetson Orin Nano Super
#   Developer Kit data sheet (December 2024).
BOARD_BANDWIDTH_GBS: tuple[tuple[tuple[str, ...], str, float], ...] = (
    (('thor',), 'Jetson AGX Thor', 273.0),
    (('orin nano', 'super'), 'Jetson Orin Nano Super', 102.0),
    (('orin nano', '4gb'), 'Jetson Orin Nano 4GB', 34.0),
    (('orin nano',), 'Jetson Orin Nano 8GB', 68.0),
    (('orin nx',), 'Jetson Orin NX', 102.4),
    (('agx orin',), 'Jetson AGX Orin', 204.8),
)


@dataclass(frozen=True)
class Bandwidth:
    """A memory bandwidth (GB/s) and where the figure came from."""

    gbs: float
    source: str


def board_bandwidth(hardware_id: str | None) -> Bandwidth | None:
    """The table's figure for a Jetson board name (jtop's ``board`` model), else None."""
    name = (hardware_id or '').lower()
    for words, label, gbs in BOARD_BANDWIDTH_GBS:
        if all(w in name for w in words):
            return Bandwidth(gbs, f'board table: {label}')
    return None


def nvml_bandwidth_gbs(bus_width_bits: int, max_memory_clock_mhz: float) -> float:
    """Peak bandwidth of a discrete GPU from NVML: bus width x max memory clock x 2 / 8.

    NVML reports the memory clock such that two transfers happen per clock (DDR); e.g. an
    H100 SXM: 5120 bits x 2619 MHz x 2 / 8 = 3352 GB/s; an RTX 4090: 384 x 10501 x 2 / 8 =
    1008 GB/s, both the published figures.
    """
    return bus_width_bits * max_memory_clock_mhz * 1e6 * 2 / 8 / GB


def resolve_bandwidth(configured_gbs: float, telemetry: Any = None) -> Bandwidth | None:
    """The bandwidth to judge against: the parameter, the board table, NVML, or None."""
    if configured_gbs and configured_gbs > 0:
        return Bandwidth(float(configured_gbs), 'parameter memory_bandwidth_gbs')
    if telemetry is None:
        return None
    found = board_bandwidth(getattr(telemetry, 'hardware_id', None))
    if found is not None:
        return found
    derived = getattr(telemetry, 'mem_bandwidth_gbs', None)
    if derived:
        return Bandwidth(float(derived), f'NVML ({telemetry.hardware_id})')
    return None


@dataclass(frozen=True)
class Roofline:
    """The decode-speed bound for one loaded model on one device."""

    bandwidth: Bandwidth
    cpu_bandwidth_gbs: float
    size_bytes: int
    gpu_bytes: int

    @property
    def cpu_bytes(self) -> int:
        """Bytes of the model held on the CPU side."""
        return max(0, self.size_bytes - self.gpu_bytes)

    @property
    def gpu_bound_tokens_per_s(self) -> float:
        """The bound with the whole model on the GPU: what this hardware should give."""
        return self.bandwidth.gbs * GB / self.size_bytes

    @property
    def bound_tokens_per_s(self) -> float:
        """The bound for the model as it is placed now (CPU share at system-memory speed)."""
        seconds = (self.gpu_bytes / (self.bandwidth.gbs * GB)
                   + self.cpu_bytes / (self.cpu_bandwidth_gbs * GB))
        return 1.0 / seconds

    def efficiency(self, tokens_per_s: float) -> float:
        """Measured speed as a fraction of what the hardware should give (all on GPU)."""
        return tokens_per_s / self.gpu_bound_tokens_per_s

    def describe(self) -> str:
        """'30.0 tok/s (9.10 GB at 273 GB/s, board table: Jetson AGX Thor)'."""
        text = (f'{self.gpu_bound_tokens_per_s:.1f} tok/s ({self.size_bytes / GB:.2f} GB at '
                f'{self.bandwidth.gbs:g} GB/s, {self.bandwidth.source})')
        if self.cpu_bytes:
            text += (f'; {self.bound_tokens_per_s:.1f} tok/s as placed now '
                     f'({self.cpu_bytes / GB:.2f} GB on the CPU at '
                     f'{self.cpu_bandwidth_gbs:g} GB/s)')
        return text

    def values(self, tokens_per_s: float | None = None) -> dict[str, str]:
        """Key/value strings for diagnostics and reports."""
        out = {DiagKey.ROOFLINE_TPS: f'{self.gpu_bound_tokens_per_s:.1f}',
               'memory bandwidth [GB/s]': f'{self.bandwidth.gbs:g}',
               'bandwidth source': self.bandwidth.source,
               'model size [GB]': f'{self.size_bytes / GB:.2f}'}
        if self.cpu_bytes:
            out[DiagKey.ROOFLINE_PLACED_TPS] = f'{self.bound_tokens_per_s:.1f}'
        if tokens_per_s is not None:
            out['efficiency [%]'] = f'{100 * self.efficiency(tokens_per_s):.0f}'
        return out

    def as_dict(self, tokens_per_s: float | None = None) -> dict[str, Any]:
        """Numbers for results.json."""
        return {'bound_tokens_per_s': round(self.gpu_bound_tokens_per_s, 2),
                'bound_as_placed_tokens_per_s': round(self.bound_tokens_per_s, 2),
                'bandwidth_gbs': self.bandwidth.gbs, 'bandwidth_source': self.bandwidth.source,
                'cpu_bandwidth_gbs': self.cpu_bandwidth_gbs, 'size_bytes': self.size_bytes,
                'gpu_bytes': self.gpu_bytes,
                'efficiency': (round(self.efficiency(tokens_per_s), 3)
                               if tokens_per_s else None)}


def roofline_for(entry: LoadedModel | None, bandwidth: Bandwidth | None,
                 cpu_bandwidth_gbs: float = DEFAULT_CPU_BANDWIDTH_GBS) -> Roofline | None:
    """The roofline of a loaded model (its /api/ps entry), or None when a figure is missing."""
    if entry is None or bandwidth is None or entry.size <= 0 or bandwidth.gbs <= 0:
        return None
    gpu = min(entry.size_vram, entry.size) if entry.size_vram else 0
    return Roofline(bandwidth, max(cpu_bandwidth_gbs, 1e-3), entry.size, gpu)


def judge(tokens_per_s: float, roofline: Roofline, warn_fraction: float = DEFAULT_WARN_FRACTION,
          error_fraction: float = DEFAULT_ERROR_FRACTION) -> tuple[Severity, str]:
    """Level and sentence for a decode speed against the roofline (no cause named here)."""
    eff = roofline.efficiency(tokens_per_s)
    head = (f'{tokens_per_s:.1f} tok/s = {eff:.0%} of the roofline '
            f'{roofline.gpu_bound_tokens_per_s:.1f} tok/s')
    if eff >= ABOVE_BOUND:
        return Severity.OK, (f'{head}: faster than memory bandwidth allows — check '
                             f'memory_bandwidth_gbs ({roofline.bandwidth.source})')
    if eff < error_fraction:
        return Severity.ERROR, f'{head} (below {error_fraction:.0%})'
    if eff < warn_fraction:
        return Severity.WARN, f'{head} (below {warn_fraction:.0%})'
    return Severity.OK, head
