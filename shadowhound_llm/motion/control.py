# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Closed-loop controllers for the plan's motion actions, and the last-line velocity governor.

Each controller is a small object: ``update(pose, dt, now) -> Twist2D`` plus ``remaining``
(what is left, for progress and stall detection) and ``done``. Speeds follow a trapezoidal
profile: ramp up at the configured acceleration, cruise, and decelerate as sqrt(2 a d) so the
robot arrives without overshoot. A step may ask for its own cruise speed (``speed_mps`` /
``speed_dps`` in the plan); it is never above the current hard limits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import math

from ..common.geometry import Pose2D, wrap_angle
from ..common.params import AgentConfig


@dataclass(frozen=True)
class Twist2D:
    """A planar velocity command: linear.x (m/s), angular.z (rad/s), linear.y (m/s, left)."""

    linear: float = 0.0
    angular: float = 0.0
    lateral: float = 0.0

    def is_zero(self) -> bool:
        """True when no component commands motion."""
        return self.linear == 0.0 and self.angular == 0.0 and self.lateral == 0.0


ZERO = Twist2D()


@dataclass(frozen=True)
class ControlLimits:
    """Speeds, accelerations and tolerances the controllers use."""

    cruise_linear: float = AgentConfig.cruise_linear_speed
    cruise_angular: float = AgentConfig.cruise_angular_speed
    max_linear: float = AgentConfig.max_linear_speed
    max_angular: float = AgentConfig.max_angular_speed
    linear_accel: float = AgentConfig.linear_accel
    angular_accel: float = AgentConfig.angular_accel
    position_tol: float = AgentConfig.position_tolerance_m
    yaw_tol: float = math.radians(AgentConfig.yaw_tolerance_deg)
    min_linear: float = 0.05
    min_angular: float = 0.12
    heading_gain: float = 2.0

    @classmethod
    def from_config(cls, config: AgentConfig) -> ControlLimits:
        """Controller limits from the agent's parameters (cruise never above the hard max)."""
        return cls(cruise_linear=min(config.cruise_linear_speed, config.max_linear_speed),
                   cruise_angular=min(config.cruise_angular_speed, config.max_angular_speed),
                   max_linear=config.max_linear_speed, max_angular=config.max_angular_speed,
                   linear_accel=config.linear_accel, angular_accel=config.angular_accel,
                   position_tol=config.position_tolerance_m,
                   yaw_tol=math.radians(config.yaw_tolerance_deg))

    def with_speeds(self, linear: float | None = None,
                    angular: float | None = None) -> ControlLimits:
        """These limits with a step's own cruise speeds (m/s, rad/s), capped to the maxima."""
        return replace(
            self,
            cruise_linear=min(linear, self.max_linear) if linear else self.cruise_linear,
            cruise_angular=min(angular, self.max_angular) if angular else self.cruise_angular)


def profile_speed(remaining: float, cruise: float, accel: float, floor: float) -> float:
    """Signed speed toward ``remaining``: decelerating as sqrt(2 a d), between floor and cruise."""
    magnitude = max(floor, min(cruise, math.sqrt(2.0 * accel * abs(remaining))))
    return math.copysign(min(magnitude, cruise), remaining)


def ramp(previous: float, target: float, max_step: float) -> float:
    """Move from previous toward target by at most max_step (acceleration limit)."""
    return previous + max(-max_step, min(max_step, target - previous))


class _Controller:
    """Shared ramping: the commanded speed never jumps by more than accel * dt.

    ``linear_speed`` (m/s) and ``angular_speed`` (rad/s) replace the cruise speeds for this
    step; they survive a change of limits (``limits`` is re-derived, capped to the new maxima).
    """

    def __init__(self, limits: ControlLimits, linear_speed: float | None = None,
                 angular_speed: float | None = None) -> None:
        self._speeds = (linear_speed, angular_speed)
        self.limits = limits
        self.remaining = math.inf
        self.done = False
        self._last = ZERO

    @property
    def limits(self) -> ControlLimits:
        """The limits this controller drives by (the step's own speeds applied)."""
        return self._limits

    @limits.setter
    def limits(self, limits: ControlLimits) -> None:
        self._limits = limits.with_speeds(*self._speeds)

    def _ramped(self, target: Twist2D, dt: float) -> Twist2D:
        lim = self.limits
        step_v, step_w = lim.linear_accel * dt, lim.angular_accel * dt
        last = self._last
        components = []
        for prev, goal, step in ((last.linear, target.linear, step_v),
                                 (last.angular, target.angular, step_w),
                                 (last.lateral, target.lateral, step_v)):
            value = ramp(prev, goal, step)
            # Decelerating is always allowed at once: the profile already shapes the stop.
            components.append(goal if abs(goal) < abs(value) else value)
        cmd = Twist2D(*components)
        self._last = cmd
        return cmd


class MoveController(_Controller):
    """Straight line of ``distance_m`` along the start heading, or sideways, holding the heading.

    ``sideways`` walks along the robot's y axis (linear.y; + left, - right) instead of x.
    """

    def __init__(self, limits: ControlLimits, start: Pose2D, distance_m: float,
                 sideways: bool = False, speed_mps: float | None = None) -> None:
        super().__init__(limits, linear_speed=speed_mps)
        self.start, self.distance_m, self.sideways = start, distance_m, sideways
        self.remaining = abs(distance_m)
        axis = start.yaw + (math.pi / 2 if sideways else 0.0)
        self._axis = (math.cos(axis), math.sin(axis))

    def update(self, pose: Pose2D, dt: float, now: float | None = None) -> Twist2D:
        """Command for the current pose."""
        lim = self.limits
        travelled = ((pose.x - self.start.x) * self._axis[0]
                     + (pose.y - self.start.y) * self._axis[1])
        left = self.distance_m - travelled
        self.remaining = abs(left)
        if self.remaining <= 0.4 * lim.position_tol:
            self.done = True
            return ZERO
        speed = profile_speed(left, lim.cruise_linear, lim.linear_accel, lim.min_linear)
        heading_error = wrap_angle(self.start.yaw - pose.yaw)
        angular = max(-lim.cruise_angular, min(lim.cruise_angular,
                                               lim.heading_gain * heading_error))
        if self.sideways:
            return self._ramped(Twist2D(0.0, angular, speed), dt)
        return self._ramped(Twist2D(speed, angular), dt)


class RotateController(_Controller):
    """Turn in place by ``angle`` radians, counting every wrap (so 360 deg is a full turn)."""

    def __init__(self, limits: ControlLimits, start: Pose2D, angle: float,
                 speed_dps: float | None = None) -> None:
        super().__init__(limits, angular_speed=math.radians(speed_dps) if speed_dps else None)
        self.angle, self._turned, self._prev_yaw = angle, 0.0, start.yaw
        self.remaining = abs(angle)

    def update(self, pose: Pose2D, dt: float, now: float | None = None) -> Twist2D:
        """Command for the current pose."""
        self._turned += wrap_angle(pose.yaw - self._prev_yaw)
        self._prev_yaw = pose.yaw
        return self._toward(self.angle - self._turned, dt)

    def _toward(self, left: float, dt: float) -> Twist2D:
        lim = self.limits
        self.remaining = abs(left)
        if self.remaining <= 0.4 * lim.yaw_tol:
            self.done = True
            return ZERO
        angular = profile_speed(left, lim.cruise_angular, lim.angular_accel, lim.min_angular)
        return self._ramped(Twist2D(0.0, angular), dt)


class FaceController(RotateController):
    """Turn in place to an absolute heading in the odom frame."""

    def __init__(self, limits: ControlLimits, start: Pose2D, yaw: float) -> None:
        super().__init__(limits, start, wrap_angle(yaw - start.yaw))
        self.target_yaw = yaw

    def update(self, pose: Pose2D, dt: float, now: float | None = None) -> Twist2D:
        """Command for the current pose."""
        return self._toward(wrap_angle(self.target_yaw - pose.yaw), dt)


class GotoController(_Controller):
    """Drive to (x, y): turn toward the point when far off heading, then drive and steer."""

    turn_in_place_above = math.radians(25.0)

    def __init__(self, limits: ControlLimits, start: Pose2D, x: float, y: float,
                 speed_mps: float | None = None) -> None:
        super().__init__(limits, linear_speed=speed_mps)
        self.x, self.y = x, y
        self.remaining = start.distance_to(x, y)

    def update(self, pose: Pose2D, dt: float, now: float | None = None) -> Twist2D:
        """Command for the current pose."""
        lim = self.limits
        distance = pose.distance_to(self.x, self.y)
        self.remaining = distance
        if distance <= 0.4 * lim.position_tol:
            self.done = True
            return ZERO
        error = wrap_angle(pose.bearing_to(self.x, self.y) - pose.yaw)
        near = distance < 3.0 * lim.position_tol
        # Turning toward the point is progress too (for stall detection): 0.5 m per radian.
        self.remaining = distance + (0.0 if near else 0.5 * abs(error))
        if not near and abs(error) > self.turn_in_place_above:
            angular = profile_speed(error, lim.cruise_angular, lim.angular_accel, lim.min_angular)
            return self._ramped(Twist2D(0.0, angular), dt)
        # Close in, only the along-track error counts: steering at a point a few cm away
        # would spin the robot. cos(error) < 0 means we passed it: back up.
        along = distance * math.cos(error)
        linear = profile_speed(along, lim.cruise_linear, lim.linear_accel, lim.min_linear)
        angular = 0.0 if near else max(-lim.cruise_angular,
                                       min(lim.cruise_angular, lim.heading_gain * error))
        if near and abs(along) <= 0.4 * lim.position_tol:
            if distance <= lim.position_tol:
                self.done = True
                return ZERO
            # Off to the side by more than the tolerance: face the point, then drive again.
            angular = profile_speed(error, lim.cruise_angular, lim.angular_accel, lim.min_angular)
            return self._ramped(Twist2D(0.0, angular), dt)
        return self._ramped(Twist2D(linear, angular), dt)


class DriveController(_Controller):
    """Timed motion: body velocities (m/s, m/s left, rad/s) held for ``seconds`` by the clock.

    Ramped up like every other motion, then held until ``seconds`` have passed since the first
    update (``now``, the control clock), then zero. Odometry is not used to steer, but the
    executor still requires it fresh. ``remaining`` counts seconds down, so a drive always
    makes progress in the stall detector's eyes: the clock, not the pose, ends it.
    """

    def __init__(self, limits: ControlLimits, linear: float, lateral: float, angular: float,
                 seconds: float) -> None:
        super().__init__(limits)
        self.velocity = Twist2D(linear, angular, lateral)
        self.seconds = seconds
        self.remaining = seconds
        self._started: float | None = None

    def update(self, pose: Pose2D, dt: float, now: float | None = None) -> Twist2D:
        """Command at time ``now`` (seconds on the control clock)."""
        if now is None:
            raise ValueError('DriveController needs the control clock (now)')
        if self._started is None:
            self._started = now
        self.remaining = self.seconds - (now - self._started)
        if self.remaining <= 0.0:
            self.remaining, self.done = 0.0, True
            return ZERO
        return self._ramped(self._within_limits(self.velocity), dt)

    def _within_limits(self, v: Twist2D) -> Twist2D:
        """The velocity scaled into the current maxima (the envelope checked it at plan time)."""
        lim = self.limits
        planar = math.hypot(v.linear, v.lateral)
        scale = min(1.0, lim.max_linear / planar) if planar > 0.0 else 1.0
        angular = max(-lim.max_angular, min(lim.max_angular, v.angular))
        return Twist2D(v.linear * scale, angular, v.lateral * scale)


def target_in_odom(pose: Pose2D, x: float, y: float) -> tuple[float, float]:
    """A point given in the robot's frame at ``pose`` (x ahead, y left), in the odom frame."""
    c, s = math.cos(pose.yaw), math.sin(pose.yaw)
    return pose.x + c * x - s * y, pose.y + s * x + c * y


class Governor:
    """The last gate before publish: clamps every command to the hard limits and counts clamps.

    A clamp means a bug upstream (controllers already respect the limits), so the count is
    reported in diagnostics. Non-finite values become a stop.
    """

    def __init__(self, max_linear: float, max_angular: float) -> None:
        self.max_linear, self.max_angular = max_linear, max_angular
        self.clamp_count = 0

    def apply(self, cmd: Twist2D) -> Twist2D:
        """The command, clamped to the limits (zero if anything is not finite).

        The planar speed |(linear.x, linear.y)| is held to ``max_linear`` (a diagonal step is
        no faster than a straight one); |angular.z| to ``max_angular``.
        """
        if not all(math.isfinite(v) for v in (cmd.linear, cmd.angular, cmd.lateral)):
            self.clamp_count += 1
            return ZERO
        linear, lateral = cmd.linear, cmd.lateral
        speed = math.hypot(linear, lateral)
        if speed > self.max_linear:
            scale, top = self.max_linear / speed, self.max_linear
            linear = max(-top, min(top, linear * scale))
            lateral = max(-top, min(top, lateral * scale))
        angular = max(-self.max_angular, min(self.max_angular, cmd.angular))
        if (linear, angular, lateral) != (cmd.linear, cmd.angular, cmd.lateral):
            self.clamp_count += 1
        return Twist2D(linear, angular, lateral)
