# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Planar geometry helpers (REP-103: x forward, y left, yaw counter-clockwise, radians)."""

from __future__ import annotations

from dataclasses import dataclass
import math


@dataclass(frozen=True)
class Pose2D:
    """A pose in the odom frame: metres and radians."""

    x: float = 0.0
    y: float = 0.0
    yaw: float = 0.0

    def distance_to(self, x: float, y: float) -> float:
        """Euclidean distance from this pose to a point."""
        return math.hypot(x - self.x, y - self.y)

    def bearing_to(self, x: float, y: float) -> float:
        """Heading from this pose's position to a point (radians, odom frame)."""
        return math.atan2(y - self.y, x - self.x)

    def as_dict(self) -> dict[str, float]:
        """Rounded dict for status JSON; yaw also in degrees."""
        return {'x': round(self.x, 3), 'y': round(self.y, 3),
                'yaw_deg': round(math.degrees(self.yaw), 1)}


def wrap_angle(angle: float) -> float:
    """Wrap an angle to (-pi, pi]."""
    wrapped = math.fmod(angle + math.pi, 2.0 * math.pi)
    if wrapped <= 0.0:
        wrapped += 2.0 * math.pi
    return wrapped - math.pi


def yaw_from_quaternion(x: float, y: float, z: float, w: float) -> float:
    """Yaw (rotation about z) of a quaternion, radians."""
    return math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def quaternion_from_yaw(yaw: float) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w) for a pure rotation about z."""
    return 0.0, 0.0, math.sin(yaw / 2.0), math.cos(yaw / 2.0)
