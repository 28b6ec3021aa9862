# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Kinematic model of the GO2 behind its ROS bridge: planar body velocities with limits.

The GO2 walks forward (linear.x), sideways (linear.y, + left) and turns (angular.z); each is
clamped to its speed limit and ramped at its acceleration limit (sideways at the linear one),
and the body-frame velocity is integrated at the mid-step heading. Like the bridge's
twist_mux, it forgets a command that is not refreshed within ``cmd_timeout_s`` and brakes to
a stop.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from ..common.camera import ImageFrame, square_frame
from ..common.geometry import Pose2D, wrap_angle
from ..common.params import SimConfig
from .control import ramp, Twist2D


@dataclass(frozen=True)
class SimLimits:
    """GO2-like limits (m/s, rad/s, m/s^2, rad/s^2) and the command timeout (s)."""

    max_linear: float = SimConfig.max_linear_speed
    max_lateral: float = SimConfig.max_lateral_speed
    max_angular: float = SimConfig.max_angular_speed
    linear_accel: float = SimConfig.linear_accel
    angular_accel: float = SimConfig.angular_accel
    cmd_timeout_s: float = SimConfig.cmd_timeout_s

    @classmethod
    def from_config(cls, config: SimConfig) -> SimLimits:
        """The model's limits from sim_robot's parameters."""
        return cls(config.max_linear_speed, config.max_lateral_speed, config.max_angular_speed,
                   config.linear_accel, config.angular_accel, config.cmd_timeout_s)


class UnicycleSim:
    """Integrates commanded body velocities (forward, sideways, turn) into a pose."""

    def __init__(self, limits: SimLimits, start: Pose2D | None = None) -> None:
        self.limits = limits
        self.pose = start or Pose2D()
        self.velocity = Twist2D()
        self._target = Twist2D()
        self._last_cmd_time: float | None = None

    def command(self, cmd: Twist2D, now: float) -> None:
        """Accept a cmd_vel (non-finite values are ignored as a stop)."""
        if not all(math.isfinite(v) for v in (cmd.linear, cmd.angular, cmd.lateral)):
            cmd = Twist2D()
        lim = self.limits
        self._target = Twist2D(max(-lim.max_linear, min(lim.max_linear, cmd.linear)),
                               max(-lim.max_angular, min(lim.max_angular, cmd.angular)),
                               max(-lim.max_lateral, min(lim.max_lateral, cmd.lateral)))
        self._last_cmd_time = now

    def commanded_recently(self, now: float) -> bool:
        """False once cmd_vel has been quiet for cmd_timeout_s (the mux's timeout)."""
        return (self._last_cmd_time is not None
                and now - self._last_cmd_time <= self.limits.cmd_timeout_s)

    def step(self, dt: float, now: float) -> Pose2D:
        """Advance by dt seconds; returns the new pose."""
        if dt <= 0.0:
            return self.pose
        target = self._target if self.commanded_recently(now) else Twist2D()
        lim = self.limits
        v = ramp(self.velocity.linear, target.linear, lim.linear_accel * dt)
        w = ramp(self.velocity.angular, target.angular, lim.angular_accel * dt)
        vy = ramp(self.velocity.lateral, target.lateral, lim.linear_accel * dt)
        mean_v = 0.5 * (v + self.velocity.linear)
        mean_vy = 0.5 * (vy + self.velocity.lateral)
        mean_w = 0.5 * (w + self.velocity.angular)
        heading = self.pose.yaw + 0.5 * mean_w * dt
        c, s = math.cos(heading), math.sin(heading)
        self.pose = Pose2D(self.pose.x + (mean_v * c - mean_vy * s) * dt,
                           self.pose.y + (mean_v * s + mean_vy * c) * dt,
                           wrap_angle(self.pose.yaw + mean_w * dt))
        self.velocity = Twist2D(v, w, vy)
        return self.pose


def synthetic_frame(pose: Pose2D, width: int = 160, height: int = 120) -> ImageFrame:
    """The sim's camera: an RGB image a test can tell apart by the pose it was taken at.

    The background's colour follows the heading (red channel ``sim_frame_shade(yaw)``, green
    80, blue 255 minus red); a white square, a quarter of the height, stands at a column that
    follows x (``sim_frame_marker_column``).
    """
    shade = sim_frame_shade(pose.yaw)
    side = max(1, height // 4)
    left = min(max(0, sim_frame_marker_column(pose.x, width) - side // 2), width - side)
    return square_frame(width, height, bytes([shade, 80, 255 - shade]), b'\xff\xff\xff',
                        left, side)


def sim_frame_shade(yaw: float) -> int:
    """The red level of the sim camera's background at heading ``yaw`` (rad)."""
    return int(127 + 120 * math.sin(yaw))


def sim_frame_marker_column(x: float, width: int) -> int:
    """The column of the white square's centre in the sim camera's image at position x (m)."""
    return int(((x % 2.0) / 2.0) * (width - 1))
