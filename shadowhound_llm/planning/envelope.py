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
  ``max_photos_per_mission`` are ``photo`` (what a plan may write is bounded too) and at most
  ``max_looks_per_mission`` are ``look`` (each one is a vision-model call).
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Iterable

from ..common.geometry import Pose2D
from ..common.params import AgentConfig
from ..motion.control import drive_pose, MotionLimits
from .actions import Action, DRIVE_MAX_SAMPLES, DRIVE_SAMPLE_S, Look, Photo, Plan

__all__ = ['DRIVE_MAX_SAMPLES', 'DRIVE_SAMPLE_S', 'EnvelopeCursor', 'EnvelopeViolation',
           'Limits', 'MIN_SPEED_DPS', 'MIN_SPEED_MPS', 'check_plan', 'drive_pose']

# Below these a step crawls too slowly for the stall detector (1 cm of progress per
# stall_timeout_s) and for the GO2's gait; not operator limits, so not parameters.
MIN_SPEED_MPS = 0.02
MIN_SPEED_DPS = 1.0
# Fields an action built without validation might carry non-finite (a plain object's).
_NUMERIC_FIELDS = ('distance_m', 'angle_deg', 'x', 'y', 'seconds', 'speed_mps', 'speed_dps',
                   'linear_mps', 'lateral_mps', 'angular_dps')


class EnvelopeViolation(ValueError):
    """A plan outside the operator's limits; the message says which limit and by how much."""


@dataclass(frozen=True)
class Limits(MotionLimits):
    """The envelope's limits: the robot's speeds (MotionLimits) and the operator's bounds.

    SI units, degrees for rotation, rad/s for max_angular_speed.
    """

    max_move_distance_m: float = AgentConfig.max_move_distance_m
    max_goto_radius_m: float = AgentConfig.max_goto_radius_m
    max_rotate_deg: float = AgentConfig.max_rotate_deg
    max_actions: int = AgentConfig.max_actions
    max_mission_duration_s: float = AgentConfig.max_mission_duration_s
    max_photos_per_mission: int = AgentConfig.max_photos_per_mission
    max_looks_per_mission: int = AgentConfig.max_looks_per_mission

    @classmethod
    def from_config(cls, config: AgentConfig) -> Limits:
        """Take the envelope's limits from the agent's parameters."""
        return cls(**{name: getattr(config, name) for name in cls.__dataclass_fields__})


class EnvelopeCursor:
    """Checks one action at a time, tracking the predicted pose and duration.

    What an action does is its own to say (``predict``, ``path``, ``target``); the cursor
    holds the prediction to the limits.
    """

    def __init__(self, limits: Limits, start: Pose2D, home: Pose2D) -> None:
        self.limits = limits
        self.home = home
        self.pose = start
        self.count = 0
        self.photos = 0
        self.looks = 0
        self.duration_s = 0.0

    def check(self, action: Action) -> None:
        """Accept the next action or raise EnvelopeViolation naming the step and the limit."""
        self.count += 1
        lim = self.limits
        where = f'step {self.count} ({action.type})'
        if self.count > lim.max_actions:
            raise EnvelopeViolation(f'the plan has more than {lim.max_actions} actions '
                                    f'(max_actions)')
        _check_finite(where, action)
        if isinstance(action, Photo):
            self.photos += 1
            if self.photos > lim.max_photos_per_mission:
                raise EnvelopeViolation(
                    f'{where}: the plan takes more than {lim.max_photos_per_mission} photo(s); '
                    f'the limit is {lim.max_photos_per_mission} (max_photos_per_mission)')
        if isinstance(action, Look):
            self.looks += 1
            if self.looks > lim.max_looks_per_mission:
                raise EnvelopeViolation(
                    f'{where}: the plan looks more than {lim.max_looks_per_mission} time(s); '
                    f'the limit is {lim.max_looks_per_mission} (max_looks_per_mission)')
        self._check_speeds(where, action)
        motion = action.predict(self.pose, self.home, lim)
        if action.samples_path:  # first: the duration bounds the path sampling below
            self._check_duration(where, motion.seconds)
        if motion.distance is not None:
            self._check_distance(where, *motion.distance)
        if motion.turn is not None:
            self._check_turn(where, *motion.turn)
        if action.samples_path:
            self._check_path(where, action.path(self.pose, motion.seconds))
        self._check_radius(where, action, motion.end)
        if not action.samples_path:
            self._check_duration(where, motion.seconds)
        self.pose = motion.end

    def check_all(self, actions: Iterable[Action]) -> None:
        """Check each action in turn (raises at the first one outside the envelope)."""
        for action in actions:
            self.check(action)

    def _check_speeds(self, where: str, action: Action) -> None:
        lim = self.limits
        values = vars(action)
        speed = values.get('speed_mps')
        if speed is not None:
            if speed > lim.max_linear_speed:
                raise EnvelopeViolation(
                    f'{where}: speed_mps {speed:g} m/s exceeds the {lim.max_linear_speed:g} m/s '
                    f'limit (max_linear_speed)')
            if speed < MIN_SPEED_MPS:
                raise EnvelopeViolation(f'{where}: speed_mps {speed:g} m/s is below the '
                                        f'{MIN_SPEED_MPS:g} m/s the robot can hold')
        rate = values.get('speed_dps')
        if rate is not None:
            self._check_rate(where, 'speed_dps', rate)
            if rate < MIN_SPEED_DPS:
                raise EnvelopeViolation(f'{where}: speed_dps {rate:g} deg/s is below the '
                                        f'{MIN_SPEED_DPS:g} deg/s the robot can hold')
        if 'linear_mps' in values or 'lateral_mps' in values:  # velocities held for a time
            planar = math.hypot(values.get('linear_mps', 0.0), values.get('lateral_mps', 0.0))
            if planar > lim.max_linear_speed:
                raise EnvelopeViolation(
                    f'{where}: speed {planar:.3g} m/s (linear_mps, lateral_mps) exceeds the '
                    f'{lim.max_linear_speed:g} m/s limit (max_linear_speed)')
        if values.get('angular_dps') is not None:
            self._check_rate(where, 'angular_dps', abs(values['angular_dps']))

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

    def _check_path(self, where: str, samples: list[tuple[float, Pose2D]]) -> None:
        """The whole sampled path inside the geofence."""
        if not samples:
            return
        far_t, far = max(samples, key=lambda tp: self.home.distance_to(tp[1].x, tp[1].y))
        radius, limit = self.home.distance_to(far.x, far.y), self.limits.max_goto_radius_m
        if radius > limit + 1e-9:
            raise EnvelopeViolation(
                f'{where}: its path reaches {radius:.1f} m from home (at '
                f'({far.x:.1f}, {far.y:.1f}) after {far_t:.1f} s); the limit is {limit:.1f} m '
                f'(max_goto_radius_m)')

    def _check_radius(self, where: str, action: Action, pose: Pose2D) -> None:
        radius = self.home.distance_to(pose.x, pose.y)
        if radius > self.limits.max_goto_radius_m + 1e-9:
            raise EnvelopeViolation(
                f'{where}{action.end_phrase(pose)} is {radius:.1f} m from home; the limit is '
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


def _check_finite(where: str, action: Action) -> None:
    """Refuse non-finite numbers and negative (or zero, where the model says so) values.

    Defence in depth: the plan models refuse them already, but an action built otherwise must
    not slip through (every comparison with NaN is false, so NaN would pass every limit).
    """
    # vars(): a pydantic model answers getattr() for a field it lacks through a slow path.
    values = vars(action) if hasattr(action, '__dict__') else {
        name: getattr(action, name, None) for name in _NUMERIC_FIELDS}
    numeric = action.numeric_fields() if hasattr(action, 'numeric_fields') else _NUMERIC_FIELDS
    for name in numeric:
        value = values.get(name)
        if value is not None and not (isinstance(value, (int, float))
                                      and math.isfinite(value)):
            raise EnvelopeViolation(f'{where}: {name} is {value!r}, not a finite number')
    positive = action.positive_fields() if hasattr(action, 'positive_fields') else {}
    for name, strict in positive.items():
        value = values.get(name)
        if name.startswith('speed_') or value is None:
            continue  # a speed is held to the floor the robot can hold (_check_speeds)
        if value < 0 or (strict and value <= 0):
            raise EnvelopeViolation(f'{where}: {name} must be positive (got {value:g})')


def check_plan(plan: Plan, limits: Limits, start: Pose2D | None = None,
               home: Pose2D | None = None) -> None:
    """Raise EnvelopeViolation if any action of the plan is outside the limits."""
    start = start or Pose2D()
    EnvelopeCursor(limits, start, home or start).check_all(plan.actions)
