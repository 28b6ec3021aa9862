# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The mission runner: the one owner of motion.

Plain Python, driven by ``tick(now, odom)`` at the control rate. It turns the current plan
step into a velocity command, watches for faults (stale or missing odometry, no progress,
mission too long) and reports status events. Every terminal path returns a zero command.

Actions may be appended while the mission runs (a plan streamed from an LLM); the
runner holds still when it runs out of actions before the plan is closed.

What a motion step does is the action's own: ``action.controllers`` builds what runs it,
``action.target`` places where it leads (a ``goto`` in the robot frame from the pose when its
step starts). The odom-frame point of the current step is in the status (``target``) and in
its step message; every status carries each step's summary and known target (``steps``). A
``drive`` is timed by the ``now`` passed to ``tick``, and needs fresh odometry like any motion.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
import math
import os
from pathlib import Path
import threading
import time
from typing import Any, Protocol

from ..backends.vision import VisionError
from ..common.contract import MissionState, MissionStatus, Reason
from ..common.geometry import Pose2D, wrap_angle
from ..common.params import AgentConfig
from ..motion.control import Controller, ControlLimits, MotionLimits, Twist2D, ZERO
from ..planning.actions import Action, CannotExecute, Point, step_views

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


class Vision(Protocol):
    """Asks the vision model about a frame on another thread (a look never blocks a tick).

    The future's result has ``text`` and ``facts()``; its exception is a VisionError.
    """

    def __call__(self, frame: CameraFrame, question: str,
                 cancel: threading.Event) -> Future[Any]:
        """Start the call; setting ``cancel`` cuts it."""


MAX_ANSWER_CHARS = 2000  # of one look's answer, in the status (a status stays small)
NO_VISION_MESSAGE = ('no vision model is configured (vision_model is empty): set vision_model '
                     'to a vision model pulled on the server, e.g. gemma3:4b')


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
    actions: list[Action]
    plan_closed: bool
    started: float
    index: int = 0
    step: _Step | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    targets: dict[int, Point] = field(default_factory=dict)  # placed when their step began

    _plan: tuple[int, dict[str, Any]] = (0, {'actions': []})
    _steps: tuple[tuple[int, int, Pose2D | None], list[dict[str, Any]]] = ((0, 0, None), [])

    def plan_dict(self) -> dict[str, Any]:
        """The plan as status JSON; rebuilt only when actions were added (they only grow)."""
        if self._plan[0] != len(self.actions):
            self._plan = (len(self.actions),
                          {'actions': [a.model_dump(mode='json') for a in self.actions]})
        return self._plan[1]

    def steps(self, home: Pose2D | None) -> list[dict[str, Any]]:
        """Each step's summary and known target; rebuilt only when one of them changed."""
        key = (len(self.actions), len(self.targets), home)
        if self._steps[0] != key:
            self._steps = (key, step_views(self.actions, self.targets, home))
        return self._steps[1]


class MissionRunner:
    """Runs one mission at a time; see the module docstring."""

    def __init__(self, config: AgentConfig, camera: Camera | None = None,
                 vision: Vision | None = None) -> None:
        self.config = config
        self.limits = ControlLimits.from_config(config)
        self.motion = MotionLimits.from_config(config)
        self.camera = camera
        self.vision = vision  # None: look actions fail (no vision model)
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
        self.motion = MotionLimits.from_config(config)
        step = self.mission.step if self.mission is not None else None
        for controller in (step.controllers or []) if step is not None else []:
            controller.limits = self.limits

    def start(self, mission_id: str, text: str, actions: list[Action], now: float,
              plan_closed: bool = True, extra: dict[str, Any] | None = None) -> TickOutput:
        """Begin executing; any running mission must have been ended by the caller first."""
        if self.mission is not None:
            raise RuntimeError('a mission is already running; cancel it first')
        self.mission = _Mission(mission_id, text, list(actions), plan_closed, now,
                                extra=dict(extra or {}))
        return TickOutput(events=[self._status(MissionState.EXECUTING, 'plan accepted')])

    def add_action(self, action: Action) -> None:
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
        if self.mission.step is not None:
            self.mission.step.cancel()
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
                                       f'({mission.actions[mission.index].summary()}) '
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
                moved = mission.index > 0 and mission.actions[mission.index - 1].moves
                mission.step = _Step(action, self, now, odom, moved)
                events.append(self._status(
                    MissionState.EXECUTING, f'step {mission.index + 1}/{len(mission.actions)}'
                                 f'{"" if mission.plan_closed else "+"}: '
                                 f'{mission.step.describe()}'))
            cmd = mission.step.update(now, odom)
            if not mission.step.finished:
                return cmd
            if mission.step.note:
                mission.notes.append(mission.step.note)
            if mission.step.action.ends_plan:
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
                             steps=m.steps(self.home), **m.extra)


class _Step:
    """One action being executed."""

    def __init__(self, action: Action, runner: MissionRunner, now: float,
                 odom: OdomSample | None, after_motion: bool = False) -> None:
        self.action, self.ex, self.started = action, runner, now
        self.finished, self.note = False, ''
        self.after_motion = after_motion  # a look then needs a frame taken since it began
        self._asked: tuple[Future[Any], threading.Event] | None = None  # a look's call
        self._asked_at = 0.0  # when it was asked (monotonic wall clock)
        self.controllers: list[Controller] | None = None  # built on the first tick with a pose
        self._best, self._best_time = math.inf, now
        self._last: tuple[Pose2D, float] | None = None  # pose and time of the last motion tick
        self.target: Point | None = None  # where the step leads, odom frame
        fresh = odom is not None and odom.age_s <= runner.config.odom_timeout_s
        self._place_target(odom.pose if fresh and odom is not None else None)

    def describe(self) -> str:
        """The action as the step's status shows it (a robot-frame goto with its odom point)."""
        return self.action.step_summary(self.target)

    def _place_target(self, pose: Pose2D | None) -> None:
        """Fix the step's odom-frame point, if it has one (from ``pose``), and record it."""
        if self.target is not None:
            return
        self.target = self.action.target(pose, self.ex.home)
        mission = self.ex.mission
        if self.target is not None and mission is not None:
            mission.targets[mission.index] = self.target
            mission.extra['target'] = {'x': round(self.target[0], 3),
                                       'y': round(self.target[1], 3)}

    def update(self, now: float, odom: OdomSample | None) -> Twist2D:
        kind = self.action.type
        if self.action.moves:
            return self._motion(now, odom)
        if kind == 'wait':
            self.finished = now - self.started >= self.action.seconds
        elif kind == 'say':
            self.note, self.finished = self.action.text, True
        elif kind == 'photo':
            self._photo(now)
        elif kind == 'look':
            self._look(now)
        else:  # stop
            self.finished = True
        return ZERO

    def cancel(self) -> None:
        """The step ends early: a vision call still running is cut."""
        if self._asked is not None:
            self._asked[1].set()

    def _look(self, now: float) -> None:
        """Ask the vision model about the latest frame; wait (ticking) for its answer."""
        if self._asked is None:
            self._ask(now)
            return
        future, _ = self._asked
        if not future.done():
            # The call has its own wall-clock deadline; this one, on the same clock with some
            # slack, only guards against a call that never returns.
            limit = self.ex.config.vision_timeout_s + 2.0
            if time.monotonic() - self._asked_at > limit:
                self.cancel()
                raise StepFailed(f'the vision model gave no answer within '
                                 f'{self.ex.config.vision_timeout_s:g} s (vision_timeout_s)',
                                 Reason.VISION_FAILED)
            return
        try:
            answer = future.result()
        except VisionError as exc:
            raise StepFailed(str(exc), exc.reason) from None
        except Exception as exc:  # a bug in the call: say so, never hang the step
            raise StepFailed(f'vision call failed: {type(exc).__name__}: {exc}',
                             Reason.INTERNAL_ERROR) from None
        text = ' '.join(str(answer.text).split())[:MAX_ANSWER_CHARS]
        mission = self.ex.mission
        previous = mission.extra.get('answer')
        mission.extra['answer'] = f'{previous}\n{text}' if previous else text
        mission.extra['vision'] = answer.facts()
        self.note = f'{self.action.summary()}: {text if len(text) <= 160 else text[:157] + "..."}'
        self.finished = True

    def _ask(self, now: float) -> None:
        """Start the vision call on the newest usable frame, or fail / keep waiting for one."""
        cfg, camera = self.ex.config, self.ex.camera
        if self.ex.vision is None:
            raise StepFailed(NO_VISION_MESSAGE, Reason.NO_VISION_MODEL)
        frame = camera.latest() if camera is not None else None
        # After a motion, only a frame taken since this step began shows where the robot is.
        oldest = self.started if self.after_motion else now - cfg.max_frame_age_s
        if frame is not None and frame.received >= oldest and now - frame.received <= \
                cfg.max_frame_age_s:
            cancel = threading.Event()
            self._asked_at = time.monotonic()
            self._asked = (self.ex.vision(frame, self.action.question, cancel), cancel)
            return
        if now - self.started <= cfg.max_frame_age_s:
            return  # a camera that just started, or the first frame after stopping: wait
        if frame is None:
            raise StepFailed("no camera frame received on 'camera/image_raw' (is the camera "
                             "driver running?); nothing to look at", Reason.NO_CAMERA_FRAME)
        raise StepFailed(f"the latest camera frame on 'camera/image_raw' is "
                         f'{now - frame.received:.1f} s old, older than max_frame_age_s '
                         f'{cfg.max_frame_age_s:g} s (camera stalled or too slow?); not '
                         f'describing an old view', Reason.STALE_CAMERA_FRAME)

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

    def _build(self, pose: Pose2D) -> list[Controller]:
        self._place_target(pose)
        try:
            controllers = self.action.controllers(pose, self.target, self.ex.home,
                                                  self.ex.limits)
        except CannotExecute as exc:
            raise StepFailed(str(exc), exc.reason) from None
        self._check_geofence(pose)
        return controllers

    def _check_geofence(self, pose: Pose2D) -> None:
        """The step, predicted from the pose it really starts at, stays inside the geofence.

        The envelope checked the plan from predicted poses; the robot's real pose differs (a
        goto ends where its tolerance lets it, heading included), and a robot-frame step is
        placed from the real one. A step that would take the robot farther out than it is, and
        beyond max_goto_radius_m (plus the goal tolerance twice), is refused here.
        """
        home, cfg = self.ex.home, self.ex.config
        if home is None:
            return
        motion = self.action.predict(pose, home, self.ex.motion)
        limit = cfg.max_goto_radius_m + 2.0 * cfg.position_tolerance_m
        here = home.distance_to(pose.x, pose.y)
        for _, point in self.action.path(pose, motion.seconds) + [(motion.seconds, motion.end)]:
            radius = home.distance_to(point.x, point.y)
            if radius > limit and radius > here + 1e-9:
                raise StepFailed(
                    f'from where it starts ({pose.x:.2f}, {pose.y:.2f}) it would reach '
                    f'({point.x:.1f}, {point.y:.1f}), {radius:.1f} m from home; the limit is '
                    f'{cfg.max_goto_radius_m:.1f} m (max_goto_radius_m)', Reason.ENVELOPE)

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
