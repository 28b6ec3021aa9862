# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""sim_robot: a kinematic stand-in for the GO2 bridge (cmd_vel in, odom out, a camera)."""

from __future__ import annotations

import time
from typing import Any

from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from sensor_msgs.msg import Image

from ..common.geometry import Pose2D
from ..common.params import SimConfig
from ..motion.bridge_model import Go2BridgeSim, make_sim
from ..motion.control import ZERO
from ..motion.sim_model import synthetic_frame
from . import conversions as conv
from .ros_common import (
    CMD_VEL_QOS,
    declare_dataclass_params,
    GuardedPublisher,
    node_usage,
    run_node,
    SENSOR_QOS,
)


class SimRobot(Node):
    """Unicycle GO2 stand-in, ideal or behaving like the go2 bridge (bridge_model)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('sim_robot', **kwargs)
        cfg = self.config = declare_dataclass_params(self, SimConfig)
        self.sim = make_sim(cfg, Pose2D(cfg.x, cfg.y, cfg.yaw))
        self.publish_odom = cfg.publish_odom
        self.cmd_count = 0
        self._last_step = time.monotonic()
        log = self.get_logger()
        self.odom_pub = GuardedPublisher(self.create_publisher(Odometry, 'odom', 10), log)
        self.image_pub = GuardedPublisher(
            self.create_publisher(Image, 'camera/image_raw', SENSOR_QOS), log)
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)
        self.create_timer(1.0 / cfg.rate_hz, self._step)
        if cfg.camera_rate_hz > 0.0:
            self.create_timer(1.0 / cfg.camera_rate_hz, self._publish_image)
        self.add_on_set_parameters_callback(self._on_set_parameters)
        if isinstance(self.sim, Go2BridgeSim):
            odom = (f'bridge go2: odom at {cfg.odom_rate_hz:g} Hz, {cfg.odom_latency_s:g} s '
                    f'late, gaps of {cfg.odom_gap_s:g} s; zero Twists dropped, last command '
                    f'held {cfg.command_hold_s:g} s')
        else:
            odom = f'bridge ideal: odom at {cfg.rate_hz:g} Hz'
        self.get_logger().info(f'simulated GO2 at ({cfg.x:.2f}, {cfg.y:.2f}, {cfg.yaw:.2f} rad), '
                               f'{odom}')

    def _on_set_parameters(self, params: list[Any]) -> SetParametersResult:
        for changed in params:
            if changed.name == 'publish_odom':
                self.publish_odom = bool(changed.value)
                self.get_logger().warning(f'publish_odom set to {self.publish_odom}')
        return SetParametersResult(successful=True)

    def _on_cmd(self, msg: Twist) -> None:
        self.cmd_count += 1
        self.sim.command(conv.twist_from_msg(msg), time.monotonic())

    def _step(self) -> None:
        now = time.monotonic()
        pose = self.sim.step(now - self._last_step, now)
        self._last_step = now
        if isinstance(self.sim, Go2BridgeSim):
            # Pose only, stamped on receipt, as the go2 driver publishes it.
            published = [(p, ZERO) for p in self.sim.poll_odom(now)]
        else:
            published = [(pose, self.sim.velocity)]
        if self.publish_odom:
            for pose, velocity in published:
                self.odom_pub.publish(conv.odom_msg(pose, velocity, self.config.odom_frame,
                                                    self.config.base_frame,
                                                    self.get_clock().now().to_msg()))

    def _publish_image(self) -> None:
        self.image_pub.publish(conv.image_msg(synthetic_frame(self.sim.pose),
                                              'camera', self.get_clock().now().to_msg()))


def main(args: list[str] | None = None) -> int:
    """Entry point: ros2 run shadowhound_llm sim_robot."""
    return run_node(SimRobot, args,
                    usage=node_usage('sim_robot', SimConfig, __doc__.splitlines()[0]),
                    name='sim_robot')


if __name__ == '__main__':
    raise SystemExit(main())
