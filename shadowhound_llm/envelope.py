# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The safety envelope: operator limits every plan must fit before the robot moves.

The check walks the plan from the robot's current pose, predicting where each step ends,
so a chain of short moves cannot carry the robot out of the geofence either. It works
action by action (``EnvelopeCursor``) so a streamed plan can be checked as it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Any, Iterable

from .geometry import Pose2D, wrap_angle
from .params import AgentConfig
from .plan import Plan


class EnvelopeViolation(ValueError):
    """A plan outside the operator's limits; the message says which limit and by how much."""


@dataclass(frozen=True)
class Limits:
    """The envelope's limits (SI units, degrees for rotation)."""

    max_move_distance_m: float = AgentConfig.max_move_distance_m
    max_goto_radius_m: float = AgentConfig.max_goto_radius_m
    max_rotate_deg: float = AgentConfig.max_rotate_deg
    max_actions: int = AgentConfig.max_actions
    max_mission_duration_s: float = AgentConfig.max_mission_duration_s
    cruise_linear_speed: float = AgentConfig.cruise_linear_speed
    cruise_angular_speed: float = AgentConfig.cruise_angular_speed

    @classmethod
    def from_config(cls, config: AgentConfig) -> Limits:
        """Take the envelope's limits from the agent's parameters."""
        return cls(**{name: getattr(config, name) for name in cls.__dataclass_fields__})


class EnvelopeCursor:
    """Checks one action at a time, tracking the predicted pose and duration."""

    def __init__(self, limits: Limits, start: Pose2D, home: Pose2D) -> None:
        self.limits = limits
        self.home = home
        self.pose = start
        self.count = 0
        self.duration_s = 0.0

    def check(self, action: Any) -> None:
        """Accept the next action or raise EnvelopeViolation naming the step and the limit."""
        self.count += 1
        lim = self.limits
        where = f'step {self.count} ({action.type})'
        if self.count > lim.max_actions:
            raise EnvelopeViolation(f'the plan has more than {lim.max_actions} actions '
                                    f'(max_actions)')
        pose, seconds = self.pose, 0.0
        if action.type == 'move':
            if abs(action.distance_m) > lim.max_move_distance_m:
                raise EnvelopeViolation(
                    f'{where}: move of {action.distance_m:.1f} m exceeds the '
                    f'{lim.max_move_distance_m:.1f} m limit (max_move_distance_m)')
            pose = Pose2D(pose.x + action.distance_m * math.cos(pose.yaw),
                          pose.y + action.distance_m * math.sin(pose.yaw), pose.yaw)
            seconds = abs(action.distance_m) / lim.cruise_linear_speed
        elif action.type == 'rotate':
            if abs(action.angle_deg) > lim.max_rotate_deg:
                raise EnvelopeViolation(
                    f'{where}: rotation of {action.angle_deg:.0f} deg exceeds the '
                    f'{lim.max_rotate_deg:.0f} deg limit (max_rotate_deg)')
            pose = Pose2D(pose.x, pose.y, wrap_angle(pose.yaw + math.radians(action.angle_deg)))
            seconds = math.radians(abs(action.angle_deg)) / lim.cruise_angular_speed
        elif action.type in ('goto', 'return_home'):
            x, y = (action.x, action.y) if action.type == 'goto' else (self.home.x, self.home.y)
            turn = abs(wrap_angle(pose.bearing_to(x, y) - pose.yaw))
            seconds = (pose.distance_to(x, y) / lim.cruise_linear_speed
                       + turn / lim.cruise_angular_speed)
            pose = Pose2D(x, y, pose.bearing_to(x, y))
        elif action.type == 'wait':
            seconds = action.seconds
        self._check_radius(where, action, pose)
        self._check_duration(where, seconds)
        self.pose = pose

    def check_all(self, actions: Iterable[Any]) -> None:
        """Check each action in turn (raises at the first one outside the envelope)."""
        for action in actions:
            self.check(action)

    def _check_radius(self, where: str, action: Any, pose: Pose2D) -> None:
        radius = self.home.distance_to(pose.x, pose.y)
        if radius > self.limits.max_goto_radius_m + 1e-9:
            target = (f'goto ({action.x:.1f}, {action.y:.1f})' if action.type == 'goto'
                      else f'{where} would end at ({pose.x:.1f}, {pose.y:.1f}), which')
            raise EnvelopeViolation(
                f'{target} is {radius:.1f} m from home; the limit is '
                f'{self.limits.max_goto_radius_m:.1f} m (max_goto_radius_m)')

    def _check_duration(self, where: str, seconds: float) -> None:
        self.duration_s += seconds
        if self.duration_s > self.limits.max_mission_duration_s:
            raise EnvelopeViolation(
                f'{where}: the plan would take about {self.duration_s:.0f} s at cruise speed; '
                f'the limit is {self.limits.max_mission_duration_s:.0f} s '
                f'(max_mission_duration_s)')


def check_plan(plan: Plan, limits: Limits, start: Pose2D | None = None,
               home: Pose2D | None = None) -> None:
    """Raise EnvelopeViolation if any action of the plan is outside the limits."""
    start = start or Pose2D()
    EnvelopeCursor(limits, start, home or start).check_all(plan.actions)
