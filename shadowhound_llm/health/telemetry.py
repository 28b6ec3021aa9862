# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""GPU telemetry adapters: jtop (Jetson), NVML (desktop/datacenter GPUs), or none.

Each adapter returns one ``Telemetry`` snapshot in SI-ish units (MHz, MiB, W, degC) or raises
``TelemetryUnavailable`` with a message that says how to fix it. Nothing here may crash the
node: jtop's exceptions, Thor's quirks and NVML errors all become TelemetryUnavailable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import socket
from typing import Any, Callable

from .roofline import nvml_bandwidth_gbs

JTOP_FIX = ('install jetson-stats and its service: sudo pip3 install -U jetson-stats '
            '(Ubuntu 24.04: add --break-system-packages), then sudo systemctl restart '
            'jtop.service, or reboot')
NVML_FIX = 'install the NVIDIA driver and nvidia-ml-py (pip install nvidia-ml-py)'
NO_TELEMETRY_FIX = (f'for GPU telemetry on a Jetson: {JTOP_FIX}; on other NVIDIA GPUs: '
                    f'{NVML_FIX}')

# NVML clock-event (throttle) reason bits worth naming.
THROTTLE_REASONS = {0x4: 'SW power cap', 0x8: 'HW slowdown', 0x20: 'SW thermal slowdown',
                    0x40: 'HW thermal slowdown', 0x80: 'HW power brake'}
KHZ_THRESHOLD = 20000.0  # a GPU clock above 20000 "MHz" is really kHz (sysfs path)


class TelemetryUnavailable(RuntimeError):
    """No telemetry from this source; the message says why and how to fix it."""


@dataclass
class Telemetry:
    """One snapshot. None means the source does not give that figure."""

    source: str
    hardware_id: str
    gpu_load_pct: float | None = None
    gpu_freq_mhz: float | None = None
    gpu_freq_max_mhz: float | None = None
    mem_used_mib: float | None = None       # RAM on a Jetson (unified), GPU memory on NVML
    mem_total_mib: float | None = None
    gpu_mem_used_mib: float | None = None   # the GPU's share where the source gives it
    temps_c: dict[str, float] = field(default_factory=dict)
    power_w: float | None = None
    power_mode: str | None = None
    jetson_clocks: bool | None = None
    throttle: list[str] = field(default_factory=list)
    mem_bandwidth_gbs: float | None = None  # peak, derived from NVML (discrete GPUs only)

    @property
    def max_temp_c(self) -> float | None:
        """The hottest online sensor."""
        return max(self.temps_c.values()) if self.temps_c else None

    @property
    def clock_ratio(self) -> float | None:
        """Current over maximum GPU clock (None when either is unknown)."""
        if self.gpu_freq_mhz is None or not self.gpu_freq_max_mhz:
            return None
        return self.gpu_freq_mhz / self.gpu_freq_max_mhz


def _mhz(value: Any) -> float | None:
    """Jtop gives kHz on the sysfs path and MHz on Thor's NVML path: normalise to MHz."""
    if value is None:
        return None
    value = float(value)
    return value / 1000.0 if value >= KHZ_THRESHOLD else value


class JtopSource:
    """jetson-stats' jtop client. ``factory`` builds the jtop object (injected by tests)."""

    name = 'jtop'

    def __init__(self, factory: Callable[[], Any] | None = None, interval_s: float = 1.0) -> None:
        self._factory = factory
        self._interval_s = interval_s
        self._jetson: Any = None

    def _connect(self) -> Any:
        factory = self._factory
        if factory is None:
            try:
                from jtop import jtop
            except ImportError:
                raise TelemetryUnavailable(f'jtop is not installed: {JTOP_FIX}') from None
            def factory() -> Any:  # noqa: E306
                return jtop(interval=self._interval_s)
        jetson = factory()
        try:
            jetson.start()
        except Exception as exc:  # JtopException: service down, permission, version mismatch
            raise TelemetryUnavailable(f'jtop: {str(exc).strip()} — {JTOP_FIX}') from None
        return jetson

    def read(self) -> Telemetry:
        """One snapshot from jtop; reconnects on the next call after a failure."""
        if self._jetson is None:
            self._jetson = self._connect()
        jetson = self._jetson
        try:
            if not jetson.ok():
                raise TelemetryUnavailable('jtop service stopped answering')
            return self._parse(jetson)
        except TelemetryUnavailable:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise TelemetryUnavailable(f'jtop: {type(exc).__name__}: {exc} — {JTOP_FIX}') \
                from None

    def _parse(self, j: Any) -> Telemetry:
        board = (getattr(j, 'board', None) or {}).get('hardware', {})
        snap = Telemetry('jtop', str(board.get('Model') or board.get('Module')
                                     or socket.gethostname()))
        gpus = dict(getattr(j, 'gpu', None) or {})
        if gpus:  # Thor on old jetson-stats: {} — GPU figures stay None
            gpu = next(iter(gpus.values()))
            snap.gpu_load_pct = _float((gpu.get('status') or {}).get('load'))
            freq = gpu.get('freq') or {}
            snap.gpu_freq_mhz, snap.gpu_freq_max_mhz = _mhz(freq.get('cur')), _mhz(freq.get('max'))
        if snap.gpu_load_pct is None:
            try:
                snap.gpu_load_pct = _float(j.stats.get('GPU'))
            except (KeyError, AttributeError, TypeError):
                pass  # old releases raise KeyError('load') on Thor
        ram = (getattr(j, 'memory', None) or {}).get('RAM') or {}
        if ram.get('tot'):
            snap.mem_total_mib = ram['tot'] / 1024.0  # KB
            snap.mem_used_mib = ram.get('used', 0) / 1024.0
            if ram.get('shared') is not None:
                snap.gpu_mem_used_mib = ram['shared'] / 1024.0
        for name, sensor in (getattr(j, 'temperature', None) or {}).items():
            temp = _float(sensor.get('temp'))
            if temp is not None and temp > -256 and sensor.get('online', True):
                snap.temps_c[name] = temp
        total = (getattr(j, 'power', None) or {}).get('tot') or {}
        if total.get('power') is not None:
            snap.power_w = total['power'] / 1000.0  # mW
        mode = getattr(j, 'nvpmodel', None)
        snap.power_mode = (getattr(mode, 'name', None) or str(mode)) if mode is not None else None
        clocks = getattr(j, 'jetson_clocks', None)
        snap.jetson_clocks = bool(clocks) if clocks is not None else None
        return snap

    def close(self) -> None:
        """Disconnect from the jtop service."""
        if self._jetson is not None:
            try:
                self._jetson.close()
            except Exception:  # already broken: nothing more to release
                pass
            self._jetson = None


class NvmlSource:
    """NVML through nvidia-ml-py. ``nvml`` is the pynvml module (injected by tests)."""

    name = 'nvml'

    def __init__(self, nvml: Any = None, index: int = 0) -> None:
        self._nvml = nvml
        self._index = index
        self._handle: Any = None
        self._bandwidth_gbs: float | None = None

    def _connect(self) -> Any:
        if self._nvml is None:
            try:
                import pynvml
            except ImportError:
                raise TelemetryUnavailable(f'nvidia-ml-py is not installed: {NVML_FIX}') \
                    from None
            self._nvml = pynvml
        try:
            self._nvml.nvmlInit()
            handle = self._nvml.nvmlDeviceGetHandleByIndex(self._index)
        except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
            raise TelemetryUnavailable(f'NVML: {type(exc).__name__}: {exc} — {NVML_FIX}') \
                from None
        self._bandwidth_gbs = self._peak_bandwidth(handle)
        return handle

    def _peak_bandwidth(self, handle: Any) -> float | None:
        """Bus width x max memory clock x 2 / 8, where NVML gives both (not on a Jetson)."""
        nv = self._nvml
        try:
            bits = int(nv.nvmlDeviceGetMemoryBusWidth(handle))
            mhz = float(nv.nvmlDeviceGetMaxClockInfo(handle, getattr(nv, 'NVML_CLOCK_MEM', 2)))
        except Exception:  # NVMLError_NotSupported (integrated GPUs), older bindings
            return None
        return nvml_bandwidth_gbs(bits, mhz) if bits > 0 and mhz > 0 else None

    def read(self) -> Telemetry:
        """One snapshot from NVML."""
        if self._handle is None:
            self._handle = self._connect()
        nv, h = self._nvml, self._handle
        try:
            name = nv.nvmlDeviceGetName(h)
            snap = Telemetry('nvml', name.decode() if isinstance(name, bytes) else str(name))
            snap.gpu_load_pct = float(nv.nvmlDeviceGetUtilizationRates(h).gpu)
            mem = nv.nvmlDeviceGetMemoryInfo(h)
            snap.mem_used_mib, snap.mem_total_mib = mem.used / 2**20, mem.total / 2**20
            snap.gpu_mem_used_mib = snap.mem_used_mib
            snap.temps_c['gpu'] = float(nv.nvmlDeviceGetTemperature(h, nv.NVML_TEMPERATURE_GPU))
            snap.power_w = nv.nvmlDeviceGetPowerUsage(h) / 1000.0  # mW
            snap.gpu_freq_mhz = float(nv.nvmlDeviceGetClockInfo(h, nv.NVML_CLOCK_SM))
            snap.gpu_freq_max_mhz = float(nv.nvmlDeviceGetMaxClockInfo(h, nv.NVML_CLOCK_SM))
            reasons = int(nv.nvmlDeviceGetCurrentClocksEventReasons(h))
            snap.throttle = [text for bit, text in THROTTLE_REASONS.items() if reasons & bit]
            snap.mem_bandwidth_gbs = self._bandwidth_gbs
            return snap
        except Exception as exc:
            self._handle = None
            raise TelemetryUnavailable(f'NVML read failed: {type(exc).__name__}: {exc}') \
                from None

    def close(self) -> None:
        """Shut NVML down."""
        if self._handle is not None:
            try:
                self._nvml.nvmlShutdown()
            except Exception:  # nothing to release if NVML is already gone
                pass
            self._handle = None


class NoSource:
    """No telemetry at all: every read says how to get some."""

    name = 'none'

    def __init__(self, why: str = '') -> None:
        self.why = why

    def read(self) -> Telemetry:
        """Always raises, with the fix."""
        prefix = f'{self.why}; ' if self.why else ''
        raise TelemetryUnavailable(f'no GPU telemetry ({prefix}{NO_TELEMETRY_FIX})')

    def close(self) -> None:
        """Nothing to release."""


def choose_source(kind: str = 'auto') -> Any:
    """The telemetry source for ``auto`` (jtop, then NVML, then none) or a forced kind."""
    if kind == 'jtop':
        return JtopSource()
    if kind == 'nvml':
        return NvmlSource()
    if kind == 'none':
        return NoSource('telemetry=none')
    reasons = []
    for source in (JtopSource(), NvmlSource()):
        try:
            source.read()
            return source
        except TelemetryUnavailable as exc:
            reasons.append(str(exc).split(' — ')[0])
            source.close()
    return NoSource('; '.join(reasons))


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
