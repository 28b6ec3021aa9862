# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission_agent: the ROS skin of the agent core (``shadowhound_llm.mission.agent``).

Parameters, publishers, subscriptions, timers and message conversion only; every decision
is the core's. All callbacks run on one executor thread; LLM work runs on the core's worker
threads, which wake this node through a guard condition so stop never waits behind HTTP.
"""

from __future__ import annotations

from collections import deque
import socket
import threading
import time
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
from rcl_interfaces.msg import SetParametersResult
from rclpy.duration import Duration
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import Empty, String

try:  # the GO2 bridge's messages (no wheel: present only where the bridge is built)
    from go2_interfaces.msg import Go2State, WebRtcReq
except ImportError:
    Go2State = WebRtcReq = None

from ..backends.registry import backend_problems
from ..common.contract import MissionStatus
from ..common.params import AgentConfig
from ..mission.agent import AgentCore, AgentOutput
from ..mission.bridge_check import bridge_task, BridgeFacts, OdomStats
from ..motion.stop import (
    describe_stop_mode,
    GO2_STOP_REPEATS,
    stop_commands,
    stop_move_fields,
)
from . import conversions as conv
from .launch_setup import setting_hint
from .ros_common import (
    CMD_VEL_QOS,
    COMMAND_QOS,
    config_change,
    declare_dataclass_params,
    diagnostics_identity,
    GuardedPublisher,
    log_line,
    MISSION_QUEUE_QOS,
    node_usage,
    run_node,
    SENSOR_QOS,
    STATUS_QOS,
)

STATUS_RETRY_S = 0.1  # a mission status the DDS refused is sent again after this
SHUTDOWN_STOP_TRY_S = 0.5  # at shutdown, how long a refused stop is tried again


def arrival_time(info: Any, now: float) -> float:
    """When a message reached this process, on the monotonic clock.

    From its MessageInfo's ``received_timestamp`` (the RMW's system-clock nanoseconds);
    ``now`` when the RMW gives none. At most 1 s before ``now``, so a step of the system
    clock cannot make odometry look old.
    """
    try:
        received_ns = int(info['received_timestamp'])
    except (KeyError, TypeError, ValueError):
        return now
    if received_ns <= 0:
        return now
    return now - min(max((time.time_ns() - received_ns) / 1e9, 0.0), 1.0)


class MissionAgent(Node):
    """The mission agent node (see the package CONTRACT for its interface)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('mission_agent', **kwargs)
        self.config: AgentConfig = declare_dataclass_params(self, AgentConfig,
                                                               backend_problems)
        self.exit_code: int | None = None
        self._lock = threading.RLock()  # parameter sets may come from another thread
        self._diag_prefix, self._hardware_id = diagnostics_identity(self, socket.gethostname())
        self.cmd_pub = self.create_publisher(Twist, 'cmd_vel', CMD_VEL_QOS)
        self.status_pub = self.create_publisher(String, 'mission_status', STATUS_QOS)
        self.metrics_pub = self.create_publisher(String, 'llm_metrics', 10)
        self.diag_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        log = self.get_logger()
        self._cmd = GuardedPublisher(self.cmd_pub, log)
        self._status = GuardedPublisher(self.status_pub, log)
        self._metrics = GuardedPublisher(self.metrics_pub, log)
        self._diag = GuardedPublisher(self.diag_pub, log)
        # Statuses not yet published, in order; one the DDS refused is tried again, with
        # those behind it, every STATUS_RETRY_S: `mission` waits for them.
        self._statuses: deque[MissionStatus] = deque()
        self._status_lock = threading.Lock()
        self._status_retry = self.create_timer(STATUS_RETRY_S, self._send_statuses)
        self._status_retry.cancel()
        self._wake = self.create_guard_condition(self._on_wake)
        self._backlog: list[AgentOutput] = []  # statuses, metrics, logs not yet published
        self._flush_wake = self.create_guard_condition(self._flush)
        self.core = AgentCore(self.config, notify=self._wake.trigger,
                              hint=lambda name, value: setting_hint('mission_agent', name,
                                                                    value),
                              robot=self.get_namespace().strip('/'))
        # StopMove for the GO2 bridge, when its message package is installed (stop_mode go2).
        self.webrtc_pub = (self.create_publisher(WebRtcReq, 'webrtc_req', CMD_VEL_QOS)
                           if WebRtcReq is not None else None)
        self._webrtc = GuardedPublisher(self.webrtc_pub, log) if self.webrtc_pub else None
        if Go2State is not None:  # motion only in a mode the GO2 walks in
            self.create_subscription(Go2State, 'go2_states', self._on_go2_state, 10)
        self.odom_stats = OdomStats()
        # A deep queue: a burst of missions while the executor is busy loses none.
        self.create_subscription(String, 'mission_command', self._on_mission, MISSION_QUEUE_QOS)
        self.create_subscription(Empty, 'mission_cancel', self._on_cancel, COMMAND_QOS)
        self._odom_sub = self.create_subscription(Odometry, 'odom', self._on_odom, SENSOR_QOS)
        self.create_subscription(Image, 'camera/image_raw', self._on_image, SENSOR_QOS)
        self.control_timer = self.create_timer(1.0 / self.config.control_rate_hz,
                                               self._on_tick)
        self.create_timer(1.0, self._publish_diagnostics)
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self._publish(self.core.start())
        self.get_logger().info(describe_stop_mode(self.config.stop_mode, self.core.stop_mode,
                                                  self.webrtc_pub is not None))

    @property
    def backend_state(self) -> str:
        """The core's backend state: none, validating, ready or failed."""
        return self.core.backend_state.value

    # ---- inputs -------------------------------------------------------------------------
    def _call(self, method: Any, *args: Any, now: float | None = None) -> None:
        with self._lock:
            now = time.monotonic() if now is None else now
            self._publish(method(*args, now), now)
            # Control ticks only while a mission runs, plans or waits: an idle agent leaves
            # the executor free for the next command.
            active = self.core.busy or self.core.stopping
            if active == self.control_timer.is_canceled():
                if active:
                    self.control_timer.reset()
                else:
                    self.control_timer.cancel()

    def _on_mission(self, msg: String) -> None:
        self._call(self.core.submit, msg.data)

    def _on_cancel(self, _msg: Empty) -> None:
        self._call(self.core.cancel)

    def _on_odom(self, msg: Odometry, info: Any) -> None:
        # Timed by when DDS received it, not when the executor got round to it: a busy or
        # starved process must not count its own lateness as the bridge's.
        arrived = arrival_time(info, time.monotonic())
        self.odom_stats.add(arrived)
        self._call(self.core.odom, conv.pose_from_odom(msg), now=arrived)

    def _take_pending_odom(self) -> None:
        """Handle the odometry already received before the control tick judges it.

        rclpy's executor runs a node's ready timers before its subscriptions, so after the
        process was held up the tick would run while fresh odometry waits in the queue, and
        fail the mission as odometry lost.
        """
        sub = self._odom_sub
        for _ in range(100):  # at most a queue's worth
            with sub.handle:
                taken = sub.handle.take_message(sub.msg_type, sub.raw)
            if taken is None:
                return
            self._on_odom(*taken)

    def _on_go2_state(self, msg: Any) -> None:
        self._call(self.core.go2_state, int(msg.mode))

    def _on_image(self, msg: Image) -> None:
        self.core.frames.put(conv.frame_from_image(msg))

    def _on_tick(self) -> None:
        self._take_pending_odom()
        # The planner threads wake the node with a guard condition; should one wake-up be
        # lost, their events are still taken here, within a control period.
        self._call(self.core.drain)
        self._call(self.core.tick)

    def _on_wake(self) -> None:
        self._call(self.core.drain)

    def _on_set_parameters(self, params: list[Any]) -> SetParametersResult:
        with self._lock:
            config, reason = config_change(self.config, params, backend_problems)
            if config is None:
                return SetParametersResult(successful=False, reason=reason)
            self.config = config
            self._publish(self.core.reconfigure(config))
        return SetParametersResult(successful=True)

    # ---- outputs ------------------------------------------------------------------------
    def _publish(self, out: AgentOutput | None, now: float | None = None) -> None:
        """Commands now; statuses, metrics and logs at the next executor turn (in order).

        A command must not wait behind JSON, /rosout and formatting (about 0.5 ms a status
        with its log line), and neither must the next command that arrives.
        """
        if out is None:
            return
        if out.cmds:
            error = None
            for cmd in out.cmds:
                error = self._cmd.publish(conv.twist_msg(cmd),
                                          'the next control period sends again') or error
            self._publish(self.core.cmd_vel_result(
                error, time.monotonic() if now is None else now), now)
        if out.stop_move:
            self._send_stop_move()
        if out.restart_timer:
            self.control_timer.reset()
        if out.statuses or out.metrics or out.logs:
            self._backlog.append(out)
            self._flush_wake.trigger()
        if out.exit_code is not None:
            self._flush()  # the reason must be out before the node ends
            self.exit_code = out.exit_code

    def _flush(self) -> None:
        """Publish the queued statuses and metrics, then log them, one call per line.

        Each line gets the logger's own prefix (level, time, node): a line joined to another
        by a newline would print bare, in a format of its own.
        """
        with self._lock:
            backlog, self._backlog = self._backlog, []
        lines: list[tuple[str, str]] = []
        for out in backlog:
            for status in out.statuses:
                with self._status_lock:
                    self._statuses.append(status)
                lines.append(('warning' if status.state in ('failed', 'rejected') else 'info',
                              f'mission {status.mission_id} {status.state}: {status.message}'))
            for metrics in out.metrics:
                self._metrics.publish(conv.metrics_msg(metrics))
            lines += [(line.level, line.text) for line in out.logs]
        self._send_statuses()
        log = self.get_logger()
        for level, text in lines:
            for part in text.splitlines() or ['']:
                log_line(log, level, part)

    def _send_statuses(self) -> None:
        """Publish the waiting statuses in order; on a refusal, try again shortly."""
        with self._status_lock:
            while self._statuses:
                if self._status.publish(conv.status_msg(self._statuses[0]),
                                        f'it is sent again every {STATUS_RETRY_S:g} s, '
                                        f'{len(self._statuses)} waiting') is not None:
                    self._status_retry.reset()
                    return
                self._statuses.popleft()
            self._status_retry.cancel()

    @property
    def statuses_waiting(self) -> int:
        """How many mission statuses wait to be published (the DDS refused the first)."""
        with self._status_lock:
            return len(self._statuses)

    def _publish_diagnostics(self) -> None:
        with self._lock:
            now = time.monotonic()
            statuses = self.core.diagnostics(now) + [bridge_task(self.bridge_facts(now))]
        self._diag.publish(conv.diagnostic_array(
            statuses, self._diag_prefix, self._hardware_id, self.get_clock().now().to_msg()))

    def bridge_facts(self, now: float) -> BridgeFacts:
        """What the graph and the odometry say about the bridge (mission_agent: Bridge)."""
        me = (self.get_name(), self.get_namespace())
        subs = self.get_subscriptions_info_by_topic(self.cmd_pub.topic_name)
        pubs = self.get_publishers_info_by_topic(self.cmd_pub.topic_name)
        others = sorted({p.node_name for p in pubs
                         if (p.node_name, p.node_namespace) != me})
        if Go2State is None:
            states = 'not read: go2_interfaces is not importable (motion not gated on it)'
        else:
            states = 'no message yet on go2_states'
        return BridgeFacts(
            cmd_vel_subscriber_types=sorted({s.topic_type for s in subs}),
            other_cmd_vel_publishers=others,
            odom_rate_hz=self.odom_stats.rate_hz(now),
            odom_max_gap_s=self.odom_stats.max_gap_s(),
            odom_delay_s=self.core.estimator.measured_latency_s,
            odom_timeout_s=self.config.odom_timeout_s,
            stop=describe_stop_mode(self.config.stop_mode, self.core.stop_mode,
                                    self.webrtc_pub is not None),
            go2_mode=self.core.go2_mode, go2_states=states)

    def shutdown_stop(self) -> None:
        """On SIGINT/SIGTERM: end the mission and make sure a zero Twist goes out."""
        with self._lock:
            self._publish(self.core.shutdown())
        self._flush()
        try:
            for _ in range(1 + (GO2_STOP_REPEATS if self.core.stop_mode == 'go2' else 0)):
                for cmd in stop_commands(self.core.stop_mode):
                    # The last chance to stop the robot: a refusal is tried again a while.
                    self._cmd.publish_within(conv.twist_msg(cmd), SHUTDOWN_STOP_TRY_S)
        except ConnectionError as exc:
            self.get_logger().error(f'{exc}: the stop may not have reached the robot; stop it '
                                    f'with the remote')
        if self.core.stop_mode == 'go2':
            self._send_stop_move()
        self.cmd_pub.wait_for_all_acked(Duration(seconds=0.5))

    def _send_stop_move(self) -> None:
        """StopMove (api_id 1003) on webrtc_req, when go2_interfaces is installed."""
        if self._webrtc is None:
            return
        msg = WebRtcReq()
        for name, value in stop_move_fields().items():
            if hasattr(msg, name):
                setattr(msg, name, value)
        self._webrtc.publish(msg)

    def destroy_node(self) -> None:
        """Stop the core's worker threads with the node.

        Also called on a node whose constructor failed (a bad parameter): rclpy destroys every
        node of its context at shutdown, that one included, and it has no core yet.
        """
        core = getattr(self, 'core', None)
        if core is not None:
            core.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> int:
    """Entry point: ros2 run shadowhound_llm mission_agent."""
    return run_node(MissionAgent, args, on_shutdown=lambda node: node.shutdown_stop(),
                    usage=node_usage('mission_agent', AgentConfig, __doc__.splitlines()[0]),
                    name='mission_agent')


if __name__ == '__main__':
    raise SystemExit(main())
