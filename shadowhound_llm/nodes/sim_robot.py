# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""sim_robot: a kinematic stand-in for the GO2 bridge (cmd_vel in, odom out, a camera)."""

from __future__ import annotations

from dataclasses import dataclass
import math
import time
from typing import Any

from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from sensor_msgs.msg import Image

from ..control import Twist2D
from ..geometry import Pose2D, quaternion_from_yaw
from ..params import param
from ..sim_model import SimLimits, UnicycleSim
from .ros_common import CMD_VEL_QOS, declare_dataclass_params, run_node, SENSOR_QOS


@dataclass(frozen=True)
class SimConfig:
    """Parameters of sim_robot."""

    x: float = param(0.0, 'Start x in the odom frame (m)')
    y: float = param(0.0, 'Start y in the odom frame (m)')
    yaw: float = param(0.0, 'Start heading (rad, counter-clockwise from x)')
    rate_hz: float = param(50.0, 'odom publish and integration rate (Hz)', 1.0, 1000.0)
    cmd_timeout_s: float = param(0.5, 'Stop when cmd_vel is quiet this long (s), like twist_mux',
                              0.01, 10.0)
    max_linear_speed: float = param(1.5, 'GO2 speed limit (m/s)', 0.01, 5.0)
    max_angular_speed: float = param(2.0, 'GO2 turn-rate limit (rad/s)', 0.01, 10.0)
    linear_accel: float = param(1.0, 'Linear acceleration limit (m/s^2)', 0.01, 20.0)
    angular_accel: float = param(3.0, 'Angular acceleration limit (rad/s^2)', 0.01, 50.0)
    publish_odom: bool = param(True, 'Publish odom (set false at run time to simulate odom loss)')
    camera_rate_hz: float = param(2.0, 'Synthetic camera/image_raw rate (Hz); 0 disables', 0.0,
                               60.0)
    odom_frame: str = param('odom', 'Frame id of the odometry pose')
    base_frame: str = param('base_link', 'Child frame id (the robot body)')

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> SimConfig:
        """Build from declared parameter values."""
        return cls(**values)


class SimRobot(Node):
    """Unicycle GO2 stand-in."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('sim_robot', **kwargs)
        cfg = self.config = declare_dataclass_params(self, SimConfig)
        self.sim = UnicycleSim(
            SimLimits(cfg.max_linear_speed, cfg.max_angular_speed, cfg.linear_accel,
                      cfg.angular_accel, cfg.cmd_timeout_s),
            Pose2D(cfg.x, cfg.y, cfg.yaw))
        self.publish_odom = cfg.publish_odom
        self.cmd_count = 0
        self._last_step = time.monotonic()
        self.odom_pub = self.create_publisher(Odometry, 'odom', 10)
        self.image_pub = self.create_publisher(Image, 'camera/image_raw', SENSOR_QOS)
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)
        self.create_timer(1.0 / cfg.rate_hz, self._step)
        if cfg.camera_rate_hz > 0.0:
            self.create_timer(1.0 / cfg.camera_rate_hz, self._publish_image)
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.get_logger().info(f'simulated GO2 at ({cfg.x:.2f}, {cfg.y:.2f}, {cfg.yaw:.2f} rad), '
                               f'odom at {cfg.rate_hz:g} Hz')

    def _on_set_parameters(self, params: list[Any]) -> SetParametersResult:
        for changed in params:
            if changed.name == 'publish_odom':
                self.publish_odom = bool(changed.value)
                self.get_logger().warning(f'publish_odom set to {self.publish_odom}')
        return SetParametersResult(successful=True)

    def _on_cmd(self, msg: Twist) -> None:
        self.cmd_count += 1
        self.sim.command(Twist2D(msg.linear.x, msg.angular.z), time.monotonic())

    def _step(self) -> None:
        now = time.monotonic()
        pose = self.sim.step(now - self._last_step, now)
        self._last_step = now
        if not self.publish_odom:
            return
        msg = Odometry()
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = self.config.odom_frame
        msg.child_frame_id = self.config.base_frame
        msg.pose.pose.position.x = pose.x
        msg.pose.pose.position.y = pose.y
        qx, qy, qz, qw = quaternion_from_yaw(pose.yaw)
        o = msg.pose.pose.orientation
        o.x, o.y, o.z, o.w = qx, qy, qz, qw
        msg.twist.twist.linear.x = self.sim.velocity.linear
        msg.twist.twist.angular.z = self.sim.velocity.angular
        self.odom_pub.publish(msg)

    def _publish_image(self) -> None:
        width, height = 64, 48
        shade = int(127 + 120 * math.sin(self.sim.pose.yaw))
        row = bytes([shade, 80, 255 - shade]) * width
        msg = Image(height=height, width=width, encoding='rgb8', is_bigendian=0, step=width * 3,
                    data=row * height)
        msg.header.stamp = self.get_clock().now().to_msg()
        msg.header.frame_id = 'camera'
        self.image_pub.publish(msg)


def main(args: list[str] | None = None) -> int:
    """Entry point: ros2 run shadowhound_llm sim_robot."""
    return run_node(SimRobot, args)


if __name__ == '__main__':
    raise SystemExit(main())
