# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Kinematic model of the GO2 behind its ROS bridge: a unicycle with speed and accel limits.

Like the bridge's twist_mux, it forgets a command that is not refreshed within
``cmd_timeout_s`` and brakes to a stop.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from .control import ramp, Twist2D
from .geometry import Pose2D, wrap_angle


@dataclass(frozen=True)
class SimLimits:
    """GO2-like limits (m/s, rad/s, m/s^2, rad/s^2) and the command timeout (s)."""

    max_linear: float = 1.5
    max_angular: float = 2.0
    linear_accel: float = 1.0
    angular_accel: float = 3.0
    cmd_timeout_s: float = 0.5


class UnicycleSim:
    """Integrates commanded velocities into a pose."""

    def __init__(self, limits: SimLimits, start: Pose2D | None = None) -> None:
        self.limits = limits
        self.pose = start or Pose2D()
        self.velocity = Twist2D()
        self._target = Twist2D()
        self._last_cmd_time: float | None = None

    def command(self, cmd: Twist2D, now: float) -> None:
        """Accept a cmd_vel (non-finite values are ignored as a stop)."""
        if not (math.isfinite(cmd.linear) and math.isfinite(cmd.angular)):
            cmd = Twist2D()
        lim = self.limits
        self._target = Twist2D(max(-lim.max_linear, min(lim.max_linear, cmd.linear)),
                               max(-lim.max_angular, min(lim.max_angular, cmd.angular)))
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
        mean_v = 0.5 * (v + self.velocity.linear)
        mean_w = 0.5 * (w + self.velocity.angular)
        heading = self.pose.yaw + 0.5 * mean_w * dt
        self.pose = Pose2D(self.pose.x + mean_v * dt * math.cos(heading),
                           self.pose.y + mean_v * dt * math.sin(heading),
                           wrap_angle(self.pose.yaw + mean_w * dt))
        self.velocity = Twist2D(v, w)
        return self.pose
