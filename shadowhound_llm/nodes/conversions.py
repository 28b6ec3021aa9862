# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Message <-> core conversion, in one place for every node and tool (py_trees_ros style).

Twist <-> Twist2D, Odometry <-> Pose2D, Image -> ImageFrame, String <-> contract bodies,
DiagStatus <-> DiagnosticStatus. Nothing else in the package builds or reads these messages
field by field.
"""

from __future__ import annotations

import time
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
from sensor_msgs.msg import Image
from std_msgs.msg import String

from ..common.camera import ImageFrame
from ..common.contract import LLMMetrics, MissionRequest, MissionStatus, Severity
from ..common.geometry import Pose2D, quaternion_from_yaw, yaw_from_quaternion
from ..health.gpu_diagnostics import DiagStatus
from ..motion.control import Twist2D


def twist_msg(cmd: Twist2D) -> Twist:
    """geometry_msgs/Twist for a planar command (linear.x, linear.y, angular.z)."""
    msg = Twist()
    msg.linear.x = float(cmd.linear)
    msg.linear.y = float(cmd.lateral)
    msg.angular.z = float(cmd.angular)
    return msg


def twist_from_msg(msg: Twist) -> Twist2D:
    """The planar part of a Twist."""
    return Twist2D(msg.linear.x, msg.angular.z, msg.linear.y)


def pose_from_odom(msg: Odometry) -> Pose2D:
    """The planar pose of an Odometry message (yaw from its quaternion)."""
    p, q = msg.pose.pose.position, msg.pose.pose.orientation
    return Pose2D(p.x, p.y, yaw_from_quaternion(q.x, q.y, q.z, q.w))


def odom_msg(pose: Pose2D, velocity: Twist2D, frame_id: str, child_frame_id: str,
             stamp: Any) -> Odometry:
    """nav_msgs/Odometry for a planar pose and body-frame velocity."""
    msg = Odometry()
    msg.header.stamp = stamp
    msg.header.frame_id = frame_id
    msg.child_frame_id = child_frame_id
    msg.pose.pose.position.x = pose.x
    msg.pose.pose.position.y = pose.y
    o = msg.pose.pose.orientation
    o.x, o.y, o.z, o.w = quaternion_from_yaw(pose.yaw)
    msg.twist.twist.linear.x = velocity.linear
    msg.twist.twist.linear.y = velocity.lateral
    msg.twist.twist.angular.z = velocity.angular
    return msg


def frame_from_image(msg: Image, received: float | None = None) -> ImageFrame:
    """A camera frame the photo action and the dashboard can use."""
    return ImageFrame(msg.width, msg.height, msg.encoding, msg.step, bytes(msg.data),
                      time.monotonic() if received is None else received)


def image_msg(frame: ImageFrame, frame_id: str, stamp: Any) -> Image:
    """sensor_msgs/Image for a frame."""
    msg = Image(height=frame.height, width=frame.width, encoding=frame.encoding,
                is_bigendian=0, step=frame.step, data=frame.data)
    msg.header.stamp = stamp
    msg.header.frame_id = frame_id
    return msg


def status_msg(status: MissionStatus) -> String:
    """mission_status message."""
    return String(data=status.to_json())


def status_from_msg(msg: String) -> MissionStatus:
    """A mission_status body (pydantic ValidationError when it is not one)."""
    return MissionStatus.from_json(msg.data)


def metrics_msg(metrics: LLMMetrics) -> String:
    """llm_metrics message."""
    return String(data=metrics.to_json())


def metrics_from_msg(msg: String) -> LLMMetrics:
    """An llm_metrics body (pydantic ValidationError when it is not one)."""
    return LLMMetrics.from_json(msg.data)


def request_msg(request: MissionRequest | str) -> String:
    """mission_command message: a structured request, or plain mission text."""
    return String(data=request if isinstance(request, str) else request.to_json())


def diagnostic_array(statuses: list[DiagStatus], prefix: str, hardware_id: str,
                     stamp: Any) -> DiagnosticArray:
    """DiagnosticArray from plain DiagStatus objects, named "<prefix>: <task>"."""
    msg = DiagnosticArray()
    msg.header.stamp = stamp
    for s in statuses:
        msg.status.append(DiagnosticStatus(
            level=bytes([int(s.level)]), name=f'{prefix}: {s.task}', message=s.message,
            hardware_id=hardware_id, values=[KeyValue(key=k, value=v) for k, v in s.values]))
    return msg


def statuses_from_diagnostics(msg: DiagnosticArray) -> list[dict[str, Any]]:
    """Plain dicts (name, level, message, hardware_id, values) of a DiagnosticArray."""
    out = []
    for s in msg.status:
        level = s.level[0] if isinstance(s.level, (bytes, bytearray)) else int(s.level)
        out.append({'name': s.name, 'level': Severity(min(level, 3)).value,
                    'message': s.message, 'hardware_id': s.hardware_id,
                    'values': {kv.key: kv.value for kv in s.values}})
    return out
