# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission_agent: mission text in, validated plan, closed-loop cmd_vel out.

A thin ROS skin over the plain-Python core: the rule planner, the envelope and the
MissionExecutor. All callbacks are short and run on one thread, so stop and cancel are
handled between control ticks, never behind a slow call.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any
import uuid

from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
from rclpy.duration import Duration
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import Empty, String

from ..camera import ImageFrame, LatestFrame
from ..control import Governor, Twist2D, ZERO
from ..envelope import check_plan, EnvelopeViolation, Limits
from ..executor import MissionExecutor, MissionStatus, OdomSample, TickOutput
from ..geometry import Pose2D, wrap_angle, yaw_from_quaternion
from ..params import AgentConfig
from ..plan import Plan
from ..rule_planner import is_stop_command, plan_from_rules
from .ros_common import (
    CMD_VEL_QOS,
    COMMAND_QOS,
    declare_dataclass_params,
    run_node,
    SENSOR_QOS,
    STATUS_QOS,
)

STOP_PLAN = {'actions': [{'type': 'stop'}]}


class MissionAgent(Node):
    """The mission agent node (see the package CONTRACT for its interface)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('mission_agent', **kwargs)
        self.config: AgentConfig = declare_dataclass_params(self, AgentConfig)
        cfg = self.config
        self.frames = LatestFrame()
        self.executor_core = MissionExecutor(cfg, camera=self.frames)
        self.governor = Governor(cfg.max_linear_speed, cfg.max_angular_speed)
        self.limits = Limits.from_config(cfg)
        self._odom: tuple[Pose2D, float] | None = None  # pose, monotonic receipt time
        self._dead_reckoned = Pose2D()
        self._last_cmd = ZERO
        self._last_tick = time.monotonic()

        self.cmd_pub = self.create_publisher(Twist, 'cmd_vel', CMD_VEL_QOS)
        self.status_pub = self.create_publisher(String, 'mission_status', STATUS_QOS)
        self.metrics_pub = self.create_publisher(String, 'llm_metrics', 10)
        self.create_subscription(String, 'mission_command', self._on_mission, COMMAND_QOS)
        self.create_subscription(Empty, 'mission_cancel', self._on_cancel, COMMAND_QOS)
        self.create_subscription(Odometry, 'odom', self._on_odom, SENSOR_QOS)
        self.create_subscription(Image, 'camera/image_raw', self._on_image, SENSOR_QOS)
        self.control_timer = self.create_timer(1.0 / cfg.control_rate_hz, self._control_tick)
        self.get_logger().info(
            f'ready: planner=rules, backend={cfg.backend}, cmd_vel at {cfg.control_rate_hz:g} Hz, '
            f'limits {cfg.max_linear_speed:g} m/s / {cfg.max_angular_speed:g} rad/s')

    # ---- inputs -------------------------------------------------------------------------
    def _on_odom(self, msg: Odometry) -> None:
        p, q = msg.pose.pose.position, msg.pose.pose.orientation
        self._odom = (Pose2D(p.x, p.y, yaw_from_quaternion(q.x, q.y, q.z, q.w)),
                      time.monotonic())

    def _on_image(self, msg: Image) -> None:
        self.frames.put(ImageFrame(msg.width, msg.height, msg.encoding, msg.step,
                                   bytes(msg.data), time.monotonic()))

    def _on_cancel(self, _msg: Empty) -> None:
        self.get_logger().info('mission_cancel received: stopping')
        self.halt('cancelled', 'cancelled on mission_cancel; robot stopped')

    def _on_mission(self, msg: String) -> None:
        self.handle_mission(msg.data)

    # ---- missions -----------------------------------------------------------------------
    def handle_mission(self, text: str) -> str:
        """Accept one mission text; returns its mission_id. Never raises on bad input."""
        mission_id = uuid.uuid4().hex[:8]
        text = text if isinstance(text, str) else str(text)
        self._publish_status(MissionStatus(mission_id, 'received', text, message='received'))
        if is_stop_command(text):
            self.halt('cancelled', f'stopped by operator ("{text.strip()}"); robot stopped')
            self._publish_status(MissionStatus(mission_id, 'succeeded', text, STOP_PLAN, 0,
                                               'robot stopped'))
            return mission_id
        problem = self._text_problem(text)
        if problem:
            self._publish_status(MissionStatus(mission_id, 'rejected', text, message=problem))
            return mission_id
        if self.executor_core.busy:
            self.halt('cancelled', f'preempted by mission {mission_id}; robot stopped')
        self._publish_status(MissionStatus(mission_id, 'planning', text, message='rule planner'))
        plan = plan_from_rules(text)
        if plan is None:
            self._publish_status(MissionStatus(
                mission_id, 'rejected', text,
                message='this mission needs a language model, and no LLM backend is configured '
                        '(the rule planner understands simple commands such as "move forward '
                        '1 m", "turn left 90 degrees", "go to x=2, y=1", "take a photo", '
                        '"return home")'))
            return mission_id
        self._execute(mission_id, text, plan, planner='rules')
        return mission_id

    def _text_problem(self, text: str) -> str:
        if not text.strip():
            return 'empty mission text'
        if len(text) > self.config.max_mission_chars:
            return (f'mission text is {len(text)} characters; the limit is '
                    f'{self.config.max_mission_chars} (max_mission_chars)')
        return ''

    def _execute(self, mission_id: str, text: str, plan: Plan, planner: str) -> None:
        start = self._odom[0] if self._odom else None
        home = self.executor_core.home or start
        try:
            check_plan(plan, self.limits, start, home)
        except EnvelopeViolation as exc:
            self._publish_status(MissionStatus(mission_id, 'rejected', text, plan.to_dict(),
                                               message=f'outside the safety envelope: {exc}'))
            self.get_logger().warning(f'mission {mission_id} rejected: {exc}')
            return
        extra = {'planner': planner}
        if home is not None:
            extra['home'] = home.as_dict()
        self._emit(self.executor_core.start(mission_id, text, plan.actions, time.monotonic(),
                                            extra=extra))
        # First command now, not at the next timer tick; then restart the tick rhythm from here.
        self._control_tick()
        self.control_timer.reset()

    def halt(self, state: str, reason: str) -> None:
        """The single stop path: end the running mission (if any) and publish a zero Twist."""
        self._emit(self.executor_core.abort(state, reason))

    # ---- control ------------------------------------------------------------------------
    def _control_tick(self) -> None:
        now = time.monotonic()
        self._emit(self.executor_core.tick(now, self._odom_sample(now)))

    def _odom_sample(self, now: float) -> OdomSample | None:
        if self._odom is not None:
            pose, stamp = self._odom
            return OdomSample(pose, now - stamp)
        if not self.config.allow_open_loop:
            return None
        # Dead reckoning from our own commands: only when the operator allowed open loop.
        dt = now - self._last_tick
        p, c = self._dead_reckoned, self._last_cmd
        self._dead_reckoned = Pose2D(p.x + c.linear * dt * math.cos(p.yaw),
                                     p.y + c.linear * dt * math.sin(p.yaw),
                                     wrap_angle(p.yaw + c.angular * dt))
        self._last_tick = now
        return OdomSample(self._dead_reckoned, 0.0)

    def _emit(self, out: TickOutput) -> None:
        if out.cmd is not None:
            self._publish_cmd(out.cmd)
        for event in out.events:
            self._publish_status(event)

    def _publish_cmd(self, cmd: Twist2D) -> None:
        safe = self.governor.apply(cmd)
        msg = Twist()
        msg.linear.x = float(safe.linear)
        msg.angular.z = float(safe.angular)
        self.cmd_pub.publish(msg)
        self._last_cmd = safe

    def _publish_status(self, status: MissionStatus) -> None:
        self.status_pub.publish(String(data=status.to_json()))
        log = self.get_logger()
        line = f'mission {status.mission_id} {status.state}: {status.message}'
        if status.state in ('failed', 'rejected'):
            log.warning(line)
        else:
            log.info(line)

    def publish_metrics(self, metrics: dict[str, Any]) -> None:
        """One llm_metrics message (contract JSON)."""
        self.metrics_pub.publish(String(data=json.dumps(metrics)))

    def shutdown_stop(self) -> None:
        """On SIGINT/SIGTERM: end the mission and make sure a zero Twist goes out."""
        self.halt('cancelled', 'agent shutting down; robot stopped')
        self._publish_cmd(ZERO)
        self.cmd_pub.wait_for_all_acked(Duration(seconds=0.5))


def main(args: list[str] | None = None) -> int:
    """Entry point: ros2 run shadowhound_llm mission_agent."""
    return run_node(MissionAgent, args, on_shutdown=lambda node: node.shutdown_stop())


if __name__ == '__main__':
    raise SystemExit(main())
