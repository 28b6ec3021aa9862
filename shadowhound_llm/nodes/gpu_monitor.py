# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""gpu_monitor: GPU telemetry, Ollama's loaded models and the LLM's tokens/s on /diagnostics.

A thin ROS skin around ``health.monitor.MonitorCore`` (telemetry source and its retry, the /api/ps
poller and host swap, the degradation detector and the diagnostic tasks, all plain
Python): parameters in, llm_metrics in, /diagnostics out. Every parameter but ``period_s``
(read-only) takes effect when set at run time: ``ollama_host`` at the next poll,
``telemetry`` at the next period, the detector's settings (baseline, ratios, roofline) and
``expected_num_ctx`` at once.
"""

from __future__ import annotations

from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from std_msgs.msg import String

from ..backends.registry import ollama_host_problems
from ..common.params import MonitorConfig
from ..health.gpu_diagnostics import MonitorState
from ..health.monitor import MonitorCore
from . import conversions as conv
from .ros_common import (
    config_change,
    declare_dataclass_params,
    diagnostics_identity,
    GuardedPublisher,
    node_usage,
    run_node,
)


class GpuMonitor(Node):
    """Publishes gpu_monitor: GPU, Memory, Thermal, Power, LLM throughput, Ollama models."""

    def __init__(self, source: Any = None, **kwargs: Any) -> None:
        super().__init__('gpu_monitor', **kwargs)
        cfg: MonitorConfig = declare_dataclass_params(self, MonitorConfig,
                                                      ollama_host_problems)
        self.core = MonitorCore(cfg, source)
        self.pub = GuardedPublisher(
            self.create_publisher(DiagnosticArray, '/diagnostics', 10), self.get_logger())
        self.create_subscription(String, 'llm_metrics', self._on_metrics, 10)
        self.create_timer(cfg.period_s, self._publish)
        self.core.start()
        self.add_on_set_parameters_callback(self._on_set_parameters)
        watched = (f'Ollama at {self.state.ollama_host}' if self.state.ollama_host
                   else 'no Ollama to watch (ollama_host empty)')
        self.get_logger().info(f'telemetry: {self.core.source_name}; {watched}; /diagnostics '
                               f'every {cfg.period_s:g} s')

    @property
    def config(self) -> MonitorConfig:
        """The parameters in force."""
        return self.core.config

    @property
    def state(self) -> MonitorState:
        """What the diagnostic tasks read."""
        return self.core.state

    @property
    def source(self) -> Any:
        """The telemetry source in use."""
        return self.core.source

    def _on_set_parameters(self, params: list[Any]) -> SetParametersResult:
        """Apply a ``ros2 param set`` live, or refuse it with the reason.

        ROS has already refused read-only parameters, wrong types and values outside the
        declared ranges (the reason names the range); this checks the parameters against
        each other and hands them to the core.
        """
        new, reason = config_change(self.core.config, params, ollama_host_problems)
        if new is None:
            return SetParametersResult(successful=False, reason=reason)
        self.core.reconfigure(new)
        changed = ', '.join(f'{p.name}={p.value}' for p in params)
        self.get_logger().info(f'parameters changed: {changed}')
        return SetParametersResult(successful=True)

    def _on_metrics(self, msg: String) -> None:
        try:
            metrics = conv.metrics_from_msg(msg)
        except ValueError as exc:
            self.get_logger().warning(f'ignoring malformed llm_metrics message: {exc}')
            return
        self.core.add_metrics(metrics)

    def _publish(self) -> None:
        statuses, hardware_id = self.core.tick()
        prefix, hardware_id = diagnostics_identity(self, hardware_id)
        self.pub.publish(conv.diagnostic_array(statuses, prefix, hardware_id,
                                               self.get_clock().now().to_msg()))

    def destroy_node(self) -> None:
        """Stop the poller and release the telemetry source.

        Also called on a node whose constructor failed: rclpy destroys every node of its
        context at shutdown, that one included, and it has no core yet.
        """
        core = getattr(self, 'core', None)
        if core is not None:
            core.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> int:
    """Entry point: ros2 run shadowhound_llm gpu_monitor."""
    return run_node(GpuMonitor, args,
                    usage=node_usage('gpu_monitor', MonitorConfig, __doc__.splitlines()[0]),
                    name='gpu_monitor')


if __name__ == '__main__':
    raise SystemExit(main())
