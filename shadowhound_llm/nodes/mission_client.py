# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The one mission client: send a request, wait for its terminal status by id.

A small facade over rclpy (nav2_simple_commander style) used by robot_test, the demo, the
``mission`` command, the fleet, the test harness and the dashboard: the ROS transport of
``MissionLink`` (common/mission_link.py), which holds every query, wait and listener. It is given
a node (it does not own one) and adds to it the publishers and subscriptions of the
package's public interface: ``mission_command``, ``mission_cancel``, ``mission_status``,
``odom``, ``llm_metrics`` and, optionally, ``/diagnostics``, ``camera/image_raw`` and
(read-only) ``cmd_vel``. Callbacks run on whatever thread spins the node.
"""

from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
from rclpy.node import Node
from rclpy.qos import QoSProfile
from sensor_msgs.msg import Image
from std_msgs.msg import Empty, String

from ..common.contract import MissionRequest
from ..common.mission_link import MissionLink
from . import conversions as conv
from .ros_common import (
    CMD_VEL_QOS,
    COMMAND_QOS,
    GuardedPublisher,
    SENSOR_QOS,
    STATUS_QOS,
)

STATUS_QUEUE_QOS = QoSProfile(depth=1000, reliability=STATUS_QOS.reliability,
                              durability=STATUS_QOS.durability)


class MissionClient(MissionLink):
    """Sends missions to a mission_agent over ROS and watches what the package publishes."""

    def __init__(self, node: Node, diagnostics: bool = False, camera: bool = False,
                 trajectory_len: int = 100_000, cmd_vel: bool = False) -> None:
        super().__init__(trajectory_len=trajectory_len)
        self.node = node
        self.mission_pub = node.create_publisher(String, 'mission_command', COMMAND_QOS)
        self.cancel_pub = node.create_publisher(Empty, 'mission_cancel', COMMAND_QOS)
        self._requests = GuardedPublisher(self.mission_pub, node.get_logger())
        self._cancels = GuardedPublisher(self.cancel_pub, node.get_logger())
        # A deep queue: a burst of missions (a flood, a fleet) must not lose statuses.
        self.status_sub = node.create_subscription(String, 'mission_status', self._on_status,
                                                   STATUS_QUEUE_QOS)
        node.create_subscription(Odometry, 'odom', self._on_odom, SENSOR_QOS)
        node.create_subscription(String, 'llm_metrics', self._on_metrics, 10)
        if diagnostics:
            node.create_subscription(DiagnosticArray, '/diagnostics', self._on_diagnostics, 10)
        if camera:
            node.create_subscription(Image, 'camera/image_raw', self._on_image, SENSOR_QOS)
        self._cmd_sub = None
        if cmd_vel:
            self.watch_cmd_vel()

    def watch_cmd_vel(self) -> None:
        """Also watch cmd_vel (read-only; RELIABLE like the GO2 bridge's twist_mux)."""
        if self._cmd_sub is None:
            self._cmd_sub = self.node.create_subscription(Twist, 'cmd_vel', self._on_cmd,
                                                          CMD_VEL_QOS)

    # ---- transport ----------------------------------------------------------------------
    def _publish_request(self, data: MissionRequest | str) -> None:
        self._requests.publish_within(conv.request_msg(data))

    def _publish_cancel(self) -> None:
        self._cancels.publish_within(Empty())

    def agent_count(self) -> int:
        """How many subscribers mission_command has (agents listening)."""
        return self.mission_pub.get_subscription_count()

    def cancel_count(self) -> int:
        """How many subscribers mission_cancel has (DDS matches each topic on its own)."""
        return self.cancel_pub.get_subscription_count()

    def status_sources(self) -> int:
        """How many mission_status publishers this client is matched with."""
        return self.status_sub.get_publisher_count()

    # ---- callbacks ----------------------------------------------------------------------
    def _on_status(self, msg: String) -> None:
        try:
            status = conv.status_from_msg(msg)
        except ValueError:
            self.node.get_logger().warning(f'ignoring a malformed mission_status: '
                                           f'{msg.data[:120]!r}')
            return
        self.received_status(status)

    def _on_odom(self, msg: Odometry) -> None:
        self.received_pose(conv.pose_from_odom(msg))

    def _on_metrics(self, msg: String) -> None:
        try:
            metrics = conv.metrics_from_msg(msg)
        except ValueError:
            return
        self.received_metrics(metrics)

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        self.received_diagnostics(conv.statuses_from_diagnostics(msg))

    def _on_image(self, msg: Image) -> None:
        self.received_frame(conv.frame_from_image(msg))

    def _on_cmd(self, msg: Twist) -> None:
        cmd = conv.twist_from_msg(msg)
        self.received_cmd(cmd.linear, cmd.lateral, cmd.angular)
