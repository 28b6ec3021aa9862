# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The mission runner: the one owner of motion.

Plain Python, driven by ``tick(now, odom)`` at the control rate. It turns the current plan
step into a velocity command, watches for faults (stale or missing odometry, no progress,
mission too long) and reports status events. Every terminal path returns a zero command.

Actions may be appended while the mission runs (a plan streamed from an LLM); the
runner holds still when it runs out of actions before the plan is closed.

A ``goto`` in the robot frame is placed from the pose when its step starts; the odom-frame
point of the current ``goto`` is in the status (``target``) and in its step message. A
``drive`` is timed by the ``now`` passed to ``tick``, and needs fresh odometry like any motion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
import os
from pathlib import Path
import time
from typing import Any, Protocol

from ..common.contract import MissionState, MissionStatus, Reason
from ..common.geometry import Pose2D, wrap_angle
from ..common.params import AgentConfig
from ..motion.control import (
    ControlLimits,
    DriveController,
    FaceController,
    GotoController,
    MoveController,
    RotateController,
    target_in_odom,
    Twist2D,
    ZERO,
)
from ..planning.actions import action_summary, MOTION_TYPES

STALL_PROGRESS = 0.01  # m or rad of progress that resets the stall timer
# Odometry that moves further between two control ticks than this, plus twice what the
# speed limits allow, jumped (a relocalisation, a driver fault): steering toward a pose
# metres away from the last one would send the robot off at cruise speed, so the step fails.
ODOM_JUMP_M = 0.3
ODOM_JUMP_RAD = 0.5


@dataclass(frozen=True)
class OdomSample:
    """Latest odometry pose and how old it is (seconds since it was received)."""

    pose: Pose2D
    age_s: float


class CameraFrame(Protocol):
    """A camera frame the photo action can save."""

    received: float

    def save_png(self, path: Path) -> None:
        """Write the frame as a PNG file."""


class Camera(Protocol):
    """Source of the latest camera frame."""

    def latest(self) -> CameraFrame | None:
        """The most recent frame, or None if none has arrived."""


@dataclass
class TickOutput:
    """What to publish this tick: a command (None = publish nothing) and status events."""

    cmd: Twist2D | None = None
    events: list[MissionStatus] = field(default_factory=list)


class StepFailed(RuntimeError):
    """A step that cannot complete; the message names the fault, ``reason`` codes it."""

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class _Mission:
    mission_id: str
    text: str
    actions: list[Any]
    plan_closed: bool
    started: float
    index: int = 0
    step: Any = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    _plan: tuple[int, dict[str, Any]] = (0, {'actions': []})

    def plan_dict(self) -> dict[str, Any]:
        """The plan as status JSON; rebuilt only when actions were added (they only grow)."""
        if self._plan[0] != len(self.actions):
            self._plan = (len(self.actions),
                          {'actions': [a.model_dump(mode='json') for a in self.actions]})
        return self._plan[1]


class MissionRunner:
    """Runs one mission at a time; see the module docstring."""

    def __init__(self, config: AgentConfig, camera: Camera | None = None) -> None:
        self.config = config
        self.limits = ControlLimits.from_config(config)
        self.camera = camera
        self.home: Pose2D | None = None
        self.mission: _Mission | None = None
        self._moving = False

    @property
    def busy(self) -> bool:
        """True while a mission is executing."""
        return self.mission is not None

    def reconfigure(self, config: AgentConfig) -> None:
        """New parameters: speeds and tolerances apply from the next tick, running step too."""
        self.config = config
        self.limits = ControlLimits.from_config(config)
        step = self.mission.step if self.mission is not None else None
        for controller in (step.controllers or []) if step is not None else []:
            controller.limits = self.limits

    def start(self, mission_id: str, text: str, actions: list[Any], now: float,
              plan_closed: bool = True, extra: dict[str, Any] | None = None) -> TickOutput:
        """Begin executing; any running mission must have been ended by the caller first."""
        if self.mission is not None:
            raise RuntimeError('a mission is already running; cancel it first')
        self.mission = _Mission(mission_id, text, list(actions), plan_closed, now,
                                extra=dict(extra or {}))
        return TickOutput(events=[self._status(MissionState.EXECUTING, 'plan accepted')])

    def add_action(self, action: Any) -> None:
        """Append an action to the running plan (streamed planning)."""
        if self.mission is not None:
            self.mission.actions.append(action)

    def close_plan(self) -> None:
        """No more actions will be added to the running plan."""
        if self.mission is not None:
            self.mission.plan_closed = True

    def abort(self, state: MissionState, message: str, reason: Reason) -> TickOutput:
        """End the running mission now (cancelled or failed) and command a stop."""
        self._moving = False
        if self.mission is None:
            return TickOutput(cmd=ZERO)
        event = self._status(state, message, reason)
        self.mission = None
        return TickOutput(cmd=ZERO, events=[event])

    def tick(self, now: float, odom: OdomSample | None) -> TickOutput:
        """Advance the running mission by one control period."""
        if odom is not None and self.home is None:
            self.home = odom.pose
        mission = self.mission
        if mission is None:
            return TickOutput()
        if now - mission.started > self.config.max_mission_duration_s:
            return self.abort(MissionState.FAILED, f'mission exceeded max_mission_duration_s '
                                        f'({self.config.max_mission_duration_s:.0f} s); stopped',
                              Reason.TIMEOUT)
        events: list[MissionStatus] = []
        try:
            cmd = self._advance(mission, now, odom, events)
        except StepFailed as exc:
            out = self.abort(MissionState.FAILED, f'step {mission.index + 1} '
                                       f'({action_summary(mission.actions[mission.index])}) '
                                       f'failed: {exc}; robot stopped', exc.reason)
            out.events[:0] = events
            return out
        if self.mission is None:  # finished this tick
            self._moving = False
            return TickOutput(cmd=ZERO, events=events)
        if cmd.is_zero():
            publish = ZERO if self._moving else None
            self._moving = False
            return TickOutput(cmd=publish, events=events)
        self._moving = True
        return TickOutput(cmd=cmd, events=events)

    def _advance(self, mission: _Mission, now: float, odom: OdomSample | None,
                 events: list[MissionStatus]) -> Twist2D:
        for _ in range(len(mission.actions) + 1):
            if mission.step is None:
                if mission.index >= len(mission.actions):
                    if mission.plan_closed:
                        note = '; '.join(mission.notes) or f'{len(mission.actions)} action(s) done'
                        events.append(self._status(MissionState.SUCCEEDED, note))
                        self.mission = None
                    return ZERO
                action = mission.actions[mission.index]
                mission.step = _Step(action, self, now, odom)
                events.append(self._status(
                    MissionState.EXECUTING, f'step {mission.index + 1}/{len(mission.actions)}'
                                 f'{"" if mission.plan_closed else "+"}: '
                                 f'{mission.step.describe()}'))
            cmd = mission.step.update(now, odom)
            if not mission.step.finished:
                return cmd
            if mission.step.note:
                mission.notes.append(mission.step.note)
            if mission.step.action.type == 'stop':
                events.append(self._status(MissionState.SUCCEEDED, 'stopped by the plan'))
                self.mission = None
                return ZERO
            mission.step = None
            mission.index += 1
        return ZERO

    def _status(self, state: MissionState, message: str,
                reason: Reason | None = None) -> MissionStatus:
        m = self.mission
        assert m is not None
        step = min(m.index, len(m.actions) - 1) if m.actions else None
        return MissionStatus(mission_id=m.mission_id, state=state, text=m.text,
                             plan=m.plan_dict(), step=step, message=message, reason=reason,
                             **m.extra)


class _Step:
    """One action being executed."""

    def __init__(self, action: Any, runner: MissionRunner, now: float,
                 odom: OdomSample | None) -> None:
        self.action, self.ex, self.started = action, runner, now
        self.finished, self.note = False, ''
        self.controllers: list[Any] | None = None  # built on the first tick with a pose
        self._best, self._best_time = math.inf, now
        self._last: tuple[Pose2D, float] | None = None  # pose and time of the last motion tick
        self.target: tuple[float, float] | None = None  # a goto's point, odom frame
        if action.type == 'goto' and (action.frame == 'odom' or (
                odom is not None and odom.age_s <= runner.config.odom_timeout_s)):
            self._place_target(odom.pose if odom is not None else None)

    def describe(self) -> str:
        """The action as the step's status shows it (a robot-frame goto with its odom point)."""
        text = action_summary(self.action)
        if self.target is not None and self.action.frame == 'robot':
            text += f' -> odom ({self.target[0]:.2f}, {self.target[1]:.2f})'
        return text

    def _place_target(self, pose: Pose2D | None) -> None:
        """Fix the goto's odom-frame point (robot frame: from the pose now) and record it."""
        a = self.action
        if a.frame == 'robot':
            assert pose is not None
            self.target = target_in_odom(pose, a.x, a.y)
        else:
            self.target = (a.x, a.y)
        mission = self.ex.mission
        if mission is not None:
            mission.extra['target'] = {'x': round(self.target[0], 3),
                                       'y': round(self.target[1], 3)}

    def update(self, now: float, odom: OdomSample | None) -> Twist2D:
        kind = self.action.type
        if kind in MOTION_TYPES:
            return self._motion(now, odom)
        if kind == 'wait':
            self.finished = now - self.started >= self.action.seconds
        elif kind == 'say':
            self.note, self.finished = self.action.text, True
        elif kind == 'photo':
            self._photo(now)
        else:  # stop
            self.finished = True
        return ZERO

    def _motion(self, now: float, odom: OdomSample | None) -> Twist2D:
        cfg = self.ex.config
        if odom is None:
            raise StepFailed("no odometry received on 'odom' (is the GO2 bridge running?); "
                             'refusing to move without feedback (allow_open_loop is false)',
                             Reason.NO_ODOM)
        if odom.age_s > cfg.odom_timeout_s:
            raise StepFailed(f'odometry lost: last odom {odom.age_s:.2f} s ago '
                             f'(odom_timeout_s {cfg.odom_timeout_s:.2f} s)', Reason.ODOM_LOST)
        self._check_jump(now, odom.pose)
        if self.controllers is None:
            self.controllers = self._build(odom.pose)
        while self.controllers and self.controllers[0].done:
            self.controllers.pop(0)
        if not self.controllers:
            self.finished = True
            return ZERO
        ctrl = self.controllers[0]
        cmd = ctrl.update(odom.pose, 1.0 / cfg.control_rate_hz, now)
        if ctrl.done:  # the next controller (if any) starts on the next tick
            self.controllers.pop(0)
            self._best = math.inf
            self.finished = not self.controllers
            return ZERO
        self._check_progress(now, ctrl.remaining)
        return cmd

    def _check_jump(self, now: float, pose: Pose2D) -> None:
        last, self._last = self._last, (pose, now)
        if last is None:
            return
        cfg = self.ex.config
        dt = max(now - last[1], 0.0)
        moved = last[0].distance_to(pose.x, pose.y)
        turned = abs(wrap_angle(pose.yaw - last[0].yaw))
        if moved > ODOM_JUMP_M + 2.0 * cfg.max_linear_speed * dt:
            raise StepFailed(f'odometry jumped {moved:.2f} m in {dt:.2f} s, faster than the '
                             f'robot can move: refusing to steer toward it', Reason.ODOM_JUMP)
        if turned > ODOM_JUMP_RAD + 2.0 * cfg.max_angular_speed * dt:
            raise StepFailed(f'odometry heading jumped {math.degrees(turned):.0f} deg in '
                             f'{dt:.2f} s, faster than the robot can turn: refusing to steer '
                             f'toward it', Reason.ODOM_JUMP)

    def _check_progress(self, now: float, remaining: float) -> None:
        if remaining < self._best - STALL_PROGRESS:
            self._best, self._best_time = remaining, now
        elif now - self._best_time > self.ex.config.stall_timeout_s:
            raise StepFailed(f'no progress for {self.ex.config.stall_timeout_s:.1f} s '
                             f'({remaining:.2f} left): blocked, slipping or not obeying cmd_vel',
                             Reason.STALLED)

    def _build(self, pose: Pose2D) -> list[Any]:
        lim, a = self.ex.limits, self.action
        if a.type == 'move':
            dx, dy = a.body_vector
            sideways = dy != 0.0
            return [MoveController(lim, pose, dy if sideways else dx, sideways, a.speed_mps)]
        if a.type == 'rotate':
            return [RotateController(lim, pose, math.radians(a.angle_deg), a.speed_dps)]
        if a.type == 'drive':
            return [DriveController(lim, a.linear_mps, a.lateral_mps,
                                    math.radians(a.angular_dps), a.seconds)]
        if a.type == 'goto':
            if self.target is None:
                self._place_target(pose)
            assert self.target is not None
            return [GotoController(lim, pose, *self.target, speed_mps=a.speed_mps)]
        home = self.ex.home
        if home is None:
            raise StepFailed('home pose unknown: no odometry received yet', Reason.NO_HOME)
        return [GotoController(lim, pose, home.x, home.y, speed_mps=a.speed_mps),
                FaceController(lim, pose, home.yaw)]

    def _photo(self, now: float) -> None:
        camera, cfg = self.ex.camera, self.ex.config
        frame = camera.latest() if camera is not None else None
        if frame is not None and frame.received >= self.started - cfg.photo_timeout_s:
            folder = Path(os.path.expanduser(cfg.photo_dir))
            used_mb = _folder_mb(folder)
            if used_mb >= cfg.max_photo_dir_mb:
                raise StepFailed(f'{folder} already holds {used_mb:.1f} MB, the limit is '
                                 f'{cfg.max_photo_dir_mb:g} MB (max_photo_dir_mb); photo not '
                                 f'saved', Reason.PHOTO_NOT_SAVED)
            stamp = time.strftime('%Y%m%d_%H%M%S')
            path = folder / f'photo_{stamp}_{int(now * 1000) % 1000:03d}.png'
            try:
                folder.mkdir(parents=True, exist_ok=True)
                frame.save_png(path)
            except (OSError, ValueError) as exc:
                raise StepFailed(f'could not save the photo to {folder}: {exc}',
                                 Reason.PHOTO_NOT_SAVED) from None
            self.note, self.finished = f'photo saved: {path}', True
            self.ex.mission.extra['photo'] = str(path)
        elif now - self.started > cfg.photo_timeout_s:
            raise StepFailed(f"no camera frame on 'camera/image_raw' within "
                             f'{cfg.photo_timeout_s:.1f} s', Reason.NO_CAMERA_FRAME)


def _folder_mb(folder: Path) -> float:
    """Megabytes (10^6 bytes) held by the files directly in ``folder`` (0 if it is missing)."""
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    except FileNotFoundError:
        return 0.0
    except OSError as exc:
        raise StepFailed(f'cannot read {folder}: {exc}', Reason.PHOTO_NOT_SAVED) from None
    return total / 1e6
