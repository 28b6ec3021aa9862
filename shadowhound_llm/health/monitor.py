# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""gpu_monitor's decisions, in plain Python (no ROS): the core the node wraps.

``MonitorCore`` owns the telemetry source (and retries ``auto`` while there is none:
jtop.service may come up after the node), Ollama's /api/ps poller on a background thread
(a slow or dead server never delays the diagnostics; a change of host swaps the client on
that thread and drops replies from the old host), the degradation detector fed by
llm_metrics, and the diagnostic tasks. Its inputs are method calls — new parameters, an
llm_metrics body, a period tick — and ``tick`` returns the statuses to publish.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from ..backends import BackendError, OllamaClient
from ..common.contract import LLMMetrics
from ..common.hosts import parse_host
from ..common.params import MonitorConfig
from .degradation import DegradationDetector
from .gpu_diagnostics import DiagStatus, MonitorState, run_all
from .telemetry import choose_source, NoSource, TelemetryUnavailable

SOURCE_RETRY_S = 30.0


def watched_host(raw: str) -> str:
    """The Ollama URL to poll; '' (not watched) for an empty ``ollama_host``."""
    return parse_host(raw) if raw.strip() else ''


class MonitorCore:
    """See the module docstring. ``tick`` runs on the owner's thread, the poller on its own."""

    def __init__(self, config: MonitorConfig, source: Any = None) -> None:
        self.config = config
        self._lock = threading.Lock()
        self.source = source if source is not None else choose_source(config.telemetry)
        self._source_wanted: str | None = None   # a live change of ``telemetry``
        self._since_retry = 0.0
        host = watched_host(config.ollama_host)
        self.state = MonitorState(
            hardware_id=socket.gethostname(), ollama_host=host,
            detector=DegradationDetector(**detector_settings(config)),
            expected_num_ctx=config.expected_num_ctx or None, ollama_error='not polled yet')
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._host_wanted: str | None = None    # a live change of ``ollama_host``
        self._ollama = OllamaClient(host, timeout_s=self._poll_timeout()) if host else None
        self._poller = threading.Thread(target=self._poll_ollama, name='ollama-ps',
                                        daemon=True)

    @property
    def source_name(self) -> str:
        """The telemetry source's name ('jtop', 'nvml', 'none', or 'custom')."""
        return getattr(self.source, 'name', 'custom')

    def start(self) -> None:
        """Start polling Ollama."""
        self._poller.start()

    def _poll_timeout(self) -> float:
        return max(0.5, self.config.period_s)

    # ---- inputs --------------------------------------------------------------------------
    def reconfigure(self, new: MonitorConfig) -> None:
        """Apply checked parameters (the detector now, host and source at their next use)."""
        old, self.config = self.config, new
        with self._lock:
            self.state.detector.configure(**detector_settings(new))
            self.state.expected_num_ctx = new.expected_num_ctx or None
            if new.ollama_host != old.ollama_host:
                host = watched_host(new.ollama_host)
                self._host_wanted = host
                self.state.ollama_host, self.state.ollama_version = host, None
                self.state.ollama_models, self.state.ollama_error = None, 'not polled yet'
                self._wake.set()
            if new.telemetry != old.telemetry:
                self._source_wanted = new.telemetry

    def add_metrics(self, metrics: LLMMetrics) -> None:
        """One llm_metrics body: a successful call's tokens/s feeds the detector."""
        if metrics.ok and metrics.tokens_per_s is not None:
            with self._lock:
                self.state.detector.add(metrics.model, metrics.tokens_per_s)

    def tick(self) -> tuple[list[DiagStatus], str]:
        """One period: read the telemetry, run every task; (statuses, hardware id)."""
        self._read_telemetry()
        with self._lock:
            return run_all(self.state), self.state.hardware_id

    # ---- the Ollama poller ---------------------------------------------------------------
    def _poll_ollama(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                host, self._host_wanted = self._host_wanted, None
            if host is not None:   # the client belongs to this thread: rebuild it here
                if self._ollama is not None:
                    self._ollama.close()
                self._ollama = (OllamaClient(host, timeout_s=self._poll_timeout()) if host
                                else None)
            try:
                if self._ollama is None:  # empty ollama_host: no Ollama to watch
                    version, models, error = None, None, ''
                else:
                    version = self.state.ollama_version or self._ollama.version()
                    models, error = self._ollama.ps(), ''
            except BackendError as exc:
                version, models, error = None, None, str(exc)
            with self._lock:
                if self._host_wanted is None:   # not a reply from the previous host
                    self.state.ollama_version = version
                    self.state.ollama_models, self.state.ollama_error = models, error
            self._wake.wait(self.config.period_s)
            self._wake.clear()

    # ---- telemetry -----------------------------------------------------------------------
    def _read_telemetry(self) -> None:
        with self._lock:
            wanted, self._source_wanted = self._source_wanted, None
        if wanted is not None:
            self._close_source()
            self.source = choose_source(wanted)
            self._since_retry = 0.0
        if isinstance(self.source, NoSource) and self.config.telemetry == 'auto':
            self._since_retry += self.config.period_s
            if self._since_retry >= SOURCE_RETRY_S:  # jtop.service may have come up
                self._since_retry = 0.0
                self.source = choose_source('auto')
        try:
            telemetry, error = self.source.read(), ''
        except TelemetryUnavailable as exc:
            telemetry, error = None, str(exc)
        except Exception as exc:  # a source bug must not take the monitor down
            telemetry, error = None, f'telemetry source failed: {type(exc).__name__}: {exc}'
        with self._lock:
            self.state.telemetry, self.state.telemetry_error = telemetry, error
            if telemetry is not None:
                self.state.hardware_id = telemetry.hardware_id

    def _close_source(self) -> None:
        try:
            self.source.close()
        except Exception:  # closing a broken source must not block shutdown
            pass

    # ---- end -----------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the poller and release the Ollama client and the telemetry source."""
        self._stop.set()
        self._wake.set()
        if self._poller.is_alive():
            self._poller.join(timeout=2.0)
        if self._ollama is not None:
            self._ollama.close()
        self._close_source()


def detector_settings(config: MonitorConfig) -> dict[str, Any]:
    """The degradation detector's settings from gpu_monitor's parameters."""
    return {name: getattr(config, name) for name in DegradationDetector.SETTINGS}
