# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The safety envelope: operator limits every plan must fit before the robot moves.

The check walks the plan from the robot's current pose, predicting where each step ends,
so a chain of short moves cannot carry the robot out of the geofence either. It works
action by action (``EnvelopeCursor``) so a streamed plan can be checked as it arrives.

What each action is held to (every message names the step, the limit and its parameter):

- speeds: ``speed_mps`` and a drive's planar speed |(linear, lateral)| at most
  ``max_linear_speed``; ``speed_dps`` and ``angular_dps`` at most ``max_angular_speed``
  (a parameter in rad/s, compared in deg/s);
- ``move``: ``max_move_distance_m``; ``rotate``: ``max_rotate_deg``;
- ``drive``: its straight-line displacement and its total turn like a move and a rotation,
  and its whole path, sampled, inside the geofence;
- every step's end (and a drive's path) within ``max_goto_radius_m`` of home (a robot-frame
  ``goto`` is placed from the predicted pose where it starts);
- the estimated time (each motion at its own speed, else cruise, plus waits and drives) at
  most ``max_mission_duration_s``; at most ``max_actions`` actions, of which at most
  ``max_photos_per_mission`` are ``photo`` (what a plan may write is bounded too).
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Any, Iterable

from ..common.geometry import Pose2D, wrap_angle
from ..common.params import AgentConfig
from ..motion.control import target_in_odom
from .actions import Plan

# Below these a step crawls too slowly for the stall detector (1 cm of progress per
# stall_timeout_s) and for the GO2's gait; not operator limits, so not parameters.
MIN_SPEED_MPS = 0.02
MIN_SPEED_DPS = 1.0
# A drive's path is checked against the geofence at least this often (s) and at most at
# DRIVE_MAX_SAMPLES points.
DRIVE_SAMPLE_S = 0.05
DRIVE_MAX_SAMPLES = 4000

_NUMERIC_FIELDS = ('distance_m', 'angle_deg', 'x', 'y', 'seconds', 'speed_mps', 'speed_dps',
                   'linear_mps', 'lateral_mps', 'angular_dps')


class EnvelopeViolation(ValueError):
    """A plan outside the operator's limits; the message says which limit and by how much."""


@dataclass(frozen=True)
class Limits:
    """The envelope's limits (SI units, degrees for rotation, rad/s for max_angular_speed)."""

    max_move_distance_m: float = AgentConfig.max_move_distance_m
    max_goto_radius_m: float = AgentConfig.max_goto_radius_m
    max_rotate_deg: float = AgentConfig.max_rotate_deg
    max_actions: int = AgentConfig.max_actions
    max_mission_duration_s: float = AgentConfig.max_mission_duration_s
    cruise_linear_speed: float = AgentConfig.cruise_linear_speed
    cruise_angular_speed: float = AgentConfig.cruise_angular_speed
    max_linear_speed: float = AgentConfig.max_linear_speed
    max_angular_speed: float = AgentConfig.max_angular_speed
    max_photos_per_mission: int = AgentConfig.max_photos_per_mission

    @classmethod
    def from_config(cls, config: AgentConfig) -> Limits:
        """Take the envelope's limits from the agent's parameters."""
        return cls(**{name: getattr(config, name) for name in cls.__dataclass_fields__})

    @property
    def cruise_mps(self) -> float:
        """The linear speed a step without its own runs at (cruise, capped to the max)."""
        return min(self.cruise_linear_speed, self.max_linear_speed)

    @property
    def cruise_rps(self) -> float:
        """The turn rate a step without its own runs at (rad/s, capped to the max)."""
        return min(self.cruise_angular_speed, self.max_angular_speed)

    @property
    def max_angular_dps(self) -> float:
        """max_angular_speed in degrees per second, the plan's unit."""
        return math.degrees(self.max_angular_speed)


def drive_pose(start: Pose2D, linear: float, lateral: float, angular: float,
               seconds: float) -> Pose2D:
    """Where constant body velocities (m/s, m/s left, rad/s) take a pose in ``seconds``.

    Exact for the constant-velocity model: a straight line, or a circular arc when turning.
    """
    yaw0, yaw1 = start.yaw, start.yaw + angular * seconds
    if abs(angular * seconds) < 1e-9:
        int_cos, int_sin = seconds * math.cos(yaw0), seconds * math.sin(yaw0)
    else:
        int_cos = (math.sin(yaw1) - math.sin(yaw0)) / angular
        int_sin = (math.cos(yaw0) - math.cos(yaw1)) / angular
    return Pose2D(start.x + linear * int_cos - lateral * int_sin,
                  start.y + linear * int_sin + lateral * int_cos, wrap_angle(yaw1))


class EnvelopeCursor:
    """Checks one action at a time, tracking the predicted pose and duration."""

    def __init__(self, limits: Limits, start: Pose2D, home: Pose2D) -> None:
        self.limits = limits
        self.home = home
        self.pose = start
        self.count = 0
        self.photos = 0
        self.duration_s = 0.0

    def check(self, action: Any) -> None:
        """Accept the next action or raise EnvelopeViolation naming the step and the limit."""
        self.count += 1
        lim = self.limits
        where = f'step {self.count} ({action.type})'
        if self.count > lim.max_actions:
            raise EnvelopeViolation(f'the plan has more than {lim.max_actions} actions '
                                    f'(max_actions)')
        _check_finite(where, action)
        if action.type == 'photo':
            self.photos += 1
            if self.photos > lim.max_photos_per_mission:
                raise EnvelopeViolation(
                    f'{where}: the plan takes more than {lim.max_photos_per_mission} photo(s); '
                    f'the limit is {lim.max_photos_per_mission} (max_photos_per_mission)')
        self._check_speeds(where, action)
        pose, seconds = self.pose, 0.0
        if action.type == 'move':
            self._check_distance(where, 'move', action.distance_m)
            dx, dy = action.body_vector
            x, y = target_in_odom(pose, dx, dy)
            pose = Pose2D(x, y, pose.yaw)
            seconds = abs(action.distance_m) / (action.speed_mps or lim.cruise_mps)
        elif action.type == 'rotate':
            self._check_turn(where, 'rotation', action.angle_deg)
            pose = Pose2D(pose.x, pose.y, wrap_angle(pose.yaw + math.radians(action.angle_deg)))
            rate = math.radians(action.speed_dps) if action.speed_dps else lim.cruise_rps
            seconds = math.radians(abs(action.angle_deg)) / rate
        elif action.type == 'drive':
            seconds = action.seconds
            self._check_duration(where, seconds)  # first: it bounds the path sampling below
            pose = self._drive(where, action)
        elif action.type in ('goto', 'return_home'):
            x, y = self._goto_target(action)
            turn = abs(wrap_angle(pose.bearing_to(x, y) - pose.yaw))
            seconds = (pose.distance_to(x, y) / (getattr(action, 'speed_mps', None)
                                                 or lim.cruise_mps)
                       + turn / lim.cruise_rps)
            pose = Pose2D(x, y, pose.bearing_to(x, y))
        elif action.type == 'wait':
            seconds = action.seconds
        self._check_radius(where, action, pose)
        if action.type != 'drive':
            self._check_duration(where, seconds)
        self.pose = pose

    def check_all(self, actions: Iterable[Any]) -> None:
        """Check each action in turn (raises at the first one outside the envelope)."""
        for action in actions:
            self.check(action)

    def _goto_target(self, action: Any) -> tuple[float, float]:
        if action.type == 'return_home':
            return self.home.x, self.home.y
        if action.frame == 'robot':
            return target_in_odom(self.pose, action.x, action.y)
        return action.x, action.y

    def _check_speeds(self, where: str, action: Any) -> None:
        lim = self.limits
        speed = getattr(action, 'speed_mps', None)
        if speed is not None:
            if speed > lim.max_linear_speed:
                raise EnvelopeViolation(
                    f'{where}: speed_mps {speed:g} m/s exceeds the {lim.max_linear_speed:g} m/s '
                    f'limit (max_linear_speed)')
            if speed < MIN_SPEED_MPS:
                raise EnvelopeViolation(f'{where}: speed_mps {speed:g} m/s is below the '
                                        f'{MIN_SPEED_MPS:g} m/s the robot can hold')
        rate = getattr(action, 'speed_dps', None)
        if rate is not None:
            self._check_rate(where, 'speed_dps', rate)
            if rate < MIN_SPEED_DPS:
                raise EnvelopeViolation(f'{where}: speed_dps {rate:g} deg/s is below the '
                                        f'{MIN_SPEED_DPS:g} deg/s the robot can hold')
        if action.type == 'drive':
            planar = math.hypot(action.linear_mps, action.lateral_mps)
            if planar > lim.max_linear_speed:
                raise EnvelopeViolation(
                    f'{where}: speed {planar:.3g} m/s (linear_mps, lateral_mps) exceeds the '
                    f'{lim.max_linear_speed:g} m/s limit (max_linear_speed)')
            self._check_rate(where, 'angular_dps', abs(action.angular_dps))

    def _check_rate(self, where: str, name: str, dps: float) -> None:
        lim = self.limits
        if dps > lim.max_angular_dps + 1e-9:
            raise EnvelopeViolation(
                f'{where}: {name} {dps:g} deg/s exceeds the {lim.max_angular_dps:.1f} deg/s '
                f'limit (max_angular_speed {lim.max_angular_speed:g} rad/s)')

    def _check_distance(self, where: str, what: str, metres: float) -> None:
        limit = self.limits.max_move_distance_m
        if abs(metres) > limit:
            raise EnvelopeViolation(f'{where}: {what} of {_num(metres)} m exceeds the '
                                    f'{limit:.1f} m limit (max_move_distance_m)')

    def _check_turn(self, where: str, what: str, degrees: float) -> None:
        limit = self.limits.max_rotate_deg
        if abs(degrees) > limit:
            raise EnvelopeViolation(f'{where}: {what} of {_num(degrees)} deg exceeds the '
                                    f'{limit:.0f} deg limit (max_rotate_deg)')

    def _drive(self, where: str, action: Any) -> Pose2D:
        """Predict a drive's end pose; its displacement, turn and whole path must fit."""
        start, seconds = self.pose, action.seconds
        velocities = (action.linear_mps, action.lateral_mps, math.radians(action.angular_dps))
        end = drive_pose(start, *velocities, seconds)
        self._check_distance(where, 'drive displacement', start.distance_to(end.x, end.y))
        self._check_turn(where, 'drive turn', action.angular_dps * seconds)
        samples = min(DRIVE_MAX_SAMPLES, max(8, math.ceil(seconds / DRIVE_SAMPLE_S)))
        far_t, far = max(((seconds * i / samples, drive_pose(start, *velocities,
                                                             seconds * i / samples))
                          for i in range(1, samples + 1)),
                         key=lambda tp: self.home.distance_to(tp[1].x, tp[1].y))
        radius, limit = self.home.distance_to(far.x, far.y), self.limits.max_goto_radius_m
        if radius > limit + 1e-9:
            raise EnvelopeViolation(
                f'{where}: its path reaches {radius:.1f} m from home (at '
                f'({far.x:.1f}, {far.y:.1f}) after {far_t:.1f} s); the limit is {limit:.1f} m '
                f'(max_goto_radius_m)')
        return end

    def _check_radius(self, where: str, action: Any, pose: Pose2D) -> None:
        radius = self.home.distance_to(pose.x, pose.y)
        if radius > self.limits.max_goto_radius_m + 1e-9:
            if action.type == 'goto' and action.frame == 'odom':
                target = f'{where}: goto ({action.x:.1f}, {action.y:.1f})'
            elif action.type == 'goto':
                target = (f'{where}: goto ({action.x:.1f}, {action.y:.1f}) in the robot frame '
                          f'would end at ({pose.x:.1f}, {pose.y:.1f}), which')
            else:
                target = f'{where} would end at ({pose.x:.1f}, {pose.y:.1f}), which'
            raise EnvelopeViolation(
                f'{target} is {radius:.1f} m from home; the limit is '
                f'{self.limits.max_goto_radius_m:.1f} m (max_goto_radius_m)')

    def _check_duration(self, where: str, seconds: float) -> None:
        self.duration_s += seconds
        if self.duration_s > self.limits.max_mission_duration_s:
            raise EnvelopeViolation(
                f'{where}: the plan would take about {self.duration_s:.0f} s; '
                f'the limit is {self.limits.max_mission_duration_s:.0f} s '
                f'(max_mission_duration_s)')


def _num(value: float) -> str:
    """A number with one decimal, or as many (up to 3) as it takes to differ from a limit."""
    one = f'{value:.1f}'
    return one if abs(float(one) - value) < 1e-9 else f'{value:.3f}'.rstrip('0')


def _check_finite(where: str, action: Any) -> None:
    """Refuse non-finite numbers and non-positive durations.

    Defence in depth: the plan models refuse them already, but an action built otherwise must
    not slip through (every comparison with NaN is false, so NaN would pass every limit).
    """
    # vars(): a pydantic model answers getattr() for a field it lacks through a slow path.
    values = vars(action) if hasattr(action, '__dict__') else {
        name: getattr(action, name, None) for name in _NUMERIC_FIELDS}
    for name in _NUMERIC_FIELDS:
        value = values.get(name)
        if value is not None and not (isinstance(value, (int, float))
                                      and math.isfinite(value)):
            raise EnvelopeViolation(f'{where}: {name} is {value!r}, not a finite number')
    seconds = values.get('seconds')
    if seconds is not None and (seconds < 0 or (action.type == 'drive' and seconds <= 0)):
        raise EnvelopeViolation(f'{where}: seconds must be positive (got {seconds:g})')


def check_plan(plan: Plan, limits: Limits, start: Pose2D | None = None,
               home: Pose2D | None = None) -> None:
    """Raise EnvelopeViolation if any action of the plan is outside the limits."""
    start = start or Pose2D()
    EnvelopeCursor(limits, start, home or start).check_all(plan.actions)
