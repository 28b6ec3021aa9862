# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""gpu_monitor: GPU telemetry, Ollama's loaded models and the LLM's tokens/s on /diagnostics.

A thin ROS skin: telemetry adapters, the degradation detector and the diagnostic tasks are
plain Python. Ollama's /api/ps is polled on a background thread so a slow or dead server
never delays the diagnostics. Every parameter but ``period_s`` (read-only) takes effect when
set at run time: ``ollama_host`` at the next poll, ``telemetry`` at the next period, the
detector's settings (baseline, ratios, roofline) and ``expected_num_ctx`` at once.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from std_msgs.msg import String

from ..backends import BackendError, OllamaClient
from ..backends.registry import ollama_host_problems
from ..common.hosts import parse_host
from ..common.params import MonitorConfig
from ..health.degradation import DegradationDetector
from ..health.gpu_diagnostics import MonitorState, run_all
from ..health.telemetry import choose_source, NoSource, TelemetryUnavailable
from . import conversions as conv
from .ros_common import (
    config_change,
    declare_dataclass_params,
    diagnostics_identity,
    node_usage,
    run_node,
)

SOURCE_RETRY_S = 30.0


class GpuMonitor(Node):
    """Publishes gpu_monitor: GPU, Memory, Thermal, Power, LLM throughput, Ollama models."""

    def __init__(self, source: Any = None, **kwargs: Any) -> None:
        super().__init__('gpu_monitor', **kwargs)
        cfg = self.config = declare_dataclass_params(self, MonitorConfig,
                                                              ollama_host_problems)
        self._lock = threading.Lock()
        self.source = source if source is not None else choose_source(cfg.telemetry)
        self._source_wanted: str | None = None   # a live change of ``telemetry``
        self._since_retry = 0.0
        host = parse_host(cfg.ollama_host)
        self.state = MonitorState(
            hardware_id=socket.gethostname(), ollama_host=host,
            detector=DegradationDetector(**_detector_settings(cfg)),
            expected_num_ctx=cfg.expected_num_ctx or None, ollama_error='not polled yet')
        self.pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_subscription(String, 'llm_metrics', self._on_metrics, 10)
        self.create_timer(cfg.period_s, self._publish)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._host_wanted: str | None = None    # a live change of ``ollama_host``
        self._ollama = OllamaClient(host, timeout_s=max(0.5, cfg.period_s))
        self._poller = threading.Thread(target=self._poll_ollama, daemon=True)
        self._poller.start()
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.get_logger().info(f'telemetry: {getattr(self.source, "name", "custom")}; Ollama at '
                               f'{host}; /diagnostics every {cfg.period_s:g} s')

    def _on_set_parameters(self, params: list[Any]) -> SetParametersResult:
        """Apply a ``ros2 param set`` live, or refuse it with the reason.

        ROS has already refused read-only parameters, wrong types and values outside the
        declared ranges (the reason names the range); this checks the parameters against
        each other and applies them.
        """
        new, reason = config_change(self.config, params, ollama_host_problems)
        if new is None:
            return SetParametersResult(successful=False, reason=reason)
        old, self.config = self.config, new
        with self._lock:
            self.state.detector.configure(**_detector_settings(new))
            self.state.expected_num_ctx = new.expected_num_ctx or None
            if new.ollama_host != old.ollama_host:
                host = parse_host(new.ollama_host)
                self._host_wanted = host
                self.state.ollama_host, self.state.ollama_version = host, None
                self.state.ollama_models, self.state.ollama_error = None, 'not polled yet'
                self._wake.set()
            if new.telemetry != old.telemetry:
                self._source_wanted = new.telemetry
        changed = ', '.join(f'{p.name}={p.value}' for p in params)
        self.get_logger().info(f'parameters changed: {changed}')
        return SetParametersResult(successful=True)

    def _on_metrics(self, msg: String) -> None:
        try:
            metrics = conv.metrics_from_msg(msg)
        except ValueError as exc:
            self.get_logger().warning(f'ignoring malformed llm_metrics message: {exc}')
            return
        if metrics.ok and metrics.tokens_per_s is not None:
            with self._lock:
                self.state.detector.add(metrics.model, metrics.tokens_per_s)

    def _poll_ollama(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                host, self._host_wanted = self._host_wanted, None
            if host is not None:   # the client belongs to this thread: rebuild it here
                self._ollama.close()
                self._ollama = OllamaClient(host, timeout_s=max(0.5, self.config.period_s))
            try:
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

    def _publish(self) -> None:
        self._read_telemetry()
        with self._lock:
            statuses = run_all(self.state)
            hardware_id = self.state.hardware_id
        prefix, hardware_id = diagnostics_identity(self, hardware_id)
        self.pub.publish(conv.diagnostic_array(statuses, prefix, hardware_id,
                                               self.get_clock().now().to_msg()))

    def destroy_node(self) -> None:
        """Stop the poller and release the telemetry source."""
        self._stop.set()
        self._wake.set()
        self._poller.join(timeout=2.0)
        self._ollama.close()
        self._close_source()
        super().destroy_node()


def _detector_settings(config: MonitorConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in DegradationDetector.SETTINGS}


def main(args: list[str] | None = None) -> int:
    """Entry point: ros2 run shadowhound_llm gpu_monitor."""
    return run_node(GpuMonitor, args,
                    usage=node_usage('gpu_monitor', MonitorConfig, __doc__.splitlines()[0]))


if __name__ == '__main__':
    raise SystemExit(main())
