# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""What the dashboard page shows, in plain Python (no ROS, no HTTP).

``DashboardState`` is fed by the node (mission statuses, poses, commanded velocity,
/diagnostics, llm_metrics) and answers with events for the page (``PageEvent``: a name and
JSON-ready data), each idempotent (a page that sees one twice, or sees it after the snapshot
that already holds it, shows the same thing). Every method is thread-safe: the ROS executor
writes, the HTTP server's event loop reads snapshots.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import json
import math
import re
import threading
from typing import Any

from ..common.contract import (
    DiagKey,
    DiagTask,
    LLMMetrics,
    MissionStatus,
    Severity,
    TERMINAL_STATES,
)
from ..common.geometry import Pose2D
from ..planning.actions import PlanError, validate_action
from ..planning.rules.planner import is_stop_command

TRAIL_STEP_M = 0.02  # a trail point every 2 cm or 3 degrees: 5000 points cover 100 m
TRAIL_STEP_RAD = math.radians(3.0)
SPEED_WINDOW_S = 0.2
PHOTO_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.(?:png|jpe?g)$')


@dataclass(frozen=True)
class PageEvent:
    """One event for the page (a Server-Sent Event): its name and its JSON-ready data."""

    kind: str  # missions, photos, pose, cmd, diagnostics, gpu, metric, llm, limits, frame
    data: dict[str, Any]


@dataclass
class MissionView:
    """One mission as the page shows it (built from its mission_status messages)."""

    mission_id: str
    text: str
    state: str = 'received'
    reason: str | None = None  # the code of a failed, cancelled or rejected end
    planner: str | None = None
    plan: dict[str, Any] | None = None
    step: int | None = None
    messages: list[str] = field(default_factory=list)
    started: float = 0.0
    updated: float = 0.0
    dry_run: bool = False
    photo: str | None = None
    answer: str | None = None  # what the vision model answered to the plan's look(s)
    stop_request: bool = False
    step_poses: dict[int, Pose2D] = field(default_factory=dict)
    steps: list[dict[str, Any]] | None = None  # as the agent's statuses carry them
    _views: tuple[Any, ...] = (object(), None, None, 0, [])  # the last step_views and its inputs

    @property
    def terminal(self) -> bool:
        """True once the mission has ended."""
        return self.state in {s.value for s in TERMINAL_STATES}

    def step_views(self, home: Pose2D | None) -> list[dict[str, Any]]:
        """Each plan step's summary, kind and odom-frame target (when known).

        From the agent's statuses when they carry them; else each action says it itself
        (a robot-frame goto placed from the pose seen when its step began).
        """
        cached = self._views
        if cached[0] is self.plan and cached[1] is self.steps and cached[2:4] == (
                home, len(self.step_poses)):
            return cached[4]
        actions = list((self.plan or {}).get('actions') or [])
        given = self.steps if self.steps is not None and len(self.steps) == len(actions) \
            else None
        views = []
        for index, raw in enumerate(actions):
            kind = raw.get('type') if isinstance(raw, dict) else None
            view: dict[str, Any] = {'kind': {'return_home': 'home'}.get(kind, kind)}
            if given is not None and isinstance(given[index], dict):
                view['summary'] = str(given[index].get('summary', ''))
                target = given[index].get('target')
                if isinstance(target, dict) and _number(target.get('x')) \
                        and _number(target.get('y')):
                    view['target'] = {'x': round(float(target['x']), 3),
                                      'y': round(float(target['y']), 3)}
            else:
                try:
                    action = validate_action(raw)
                except PlanError:
                    view['summary'] = _json_text(raw)
                else:
                    point = action.target(self.step_poses.get(index), home)
                    view['summary'] = action.step_summary(point)
                    if point is not None:
                        view['target'] = {'x': round(point[0], 3), 'y': round(point[1], 3)}
            views.append(view)
        self._views = (self.plan, self.steps, home, len(self.step_poses), views)
        return views

    def targets(self, home: Pose2D | None) -> list[dict[str, Any]]:
        """Where the plan's steps lead (goto, return_home), in the odom frame."""
        return [{**view['target'], 'step': index, 'kind': view['kind']}
                for index, view in enumerate(self.step_views(home)) if 'target' in view]

    def as_dict(self, home: Pose2D | None) -> dict[str, Any]:
        """JSON-ready view."""
        return {'id': self.mission_id, 'text': self.text, 'state': self.state,
                'reason': self.reason, 'planner': self.planner, 'plan': self.plan,
                'step': self.step,
                'messages': list(self.messages), 'started': self.started,
                'updated': self.updated, 'seconds': round(max(0.0, self.updated - self.started),
                                                          2),
                'dry_run': self.dry_run, 'photo': _photo_name(self.photo),
                'answer': self.answer,
                'stop_request': self.stop_request, 'targets': self.targets(home),
                'summaries': [view['summary'] for view in self.step_views(home)]}


class DashboardState:
    """The robot as the dashboard sees it; every update returns the page events it causes."""

    def __init__(self, history_len: int = 20, stale_after_s: float = 5.0,
                 trail_len: int = 5000, metrics_len: int = 300, gpu_len: int = 300,
                 geofence_radius_m: float = 10.0) -> None:
        self._lock = threading.RLock()
        self.history_len = history_len
        self.stale_after_s = stale_after_s
        self.missions: dict[str, MissionView] = {}
        self.current_id: str | None = None
        self.pose: Pose2D | None = None
        self.pose_time: float | None = None
        self.home: Pose2D | None = None
        self._recent: deque[tuple[float, float, float]] = deque(maxlen=64)
        self.trail: deque[tuple[float, float]] = deque(maxlen=trail_len)
        self.trail_end = 0  # index of the next trail point (points ever added)
        self._trail_pushed = 0
        self._last_trail_yaw = 0.0
        self._pushed_pose: tuple[Any, ...] | None = None
        self.cmd: dict[str, Any] | None = None
        self.diagnostics: dict[str, tuple[float, dict[str, Any]]] = {}
        self.metrics: deque[dict[str, Any]] = deque(maxlen=metrics_len)
        self._metric_seq = 0
        self.gpu: deque[dict[str, Any]] = deque(maxlen=gpu_len)
        self.limits = {'geofence_radius_m': geofence_radius_m, 'source': 'dashboard parameter',
                       'photo_dir': ''}
        self.photos: deque[dict[str, Any]] = deque(maxlen=24)
        self.frame: dict[str, Any] | None = None

    # ---- missions -----------------------------------------------------------------------
    def on_status(self, status: MissionStatus) -> list[PageEvent]:
        """A mission_status arrived: the mission's new view (and a new photo, if any)."""
        with self._lock:
            view = self.missions.get(status.mission_id)
            is_new = view is None
            if view is None:
                view = MissionView(status.mission_id, status.text, started=status.stamp,
                                   stop_request=is_stop_command(status.text))
                self.missions[status.mission_id] = view
            view.state, view.updated = status.state.value, status.stamp
            view.reason = status.reason if status.terminal else None
            view.text = status.text or view.text
            view.planner = status.planner or view.planner
            view.plan = status.plan if status.plan is not None else view.plan
            view.steps = status.steps if status.steps is not None else view.steps
            view.dry_run = bool(status.dry_run) or view.dry_run
            view.answer = status.answer or view.answer
            if status.step is not None and status.step != view.step and self.pose is not None:
                view.step_poses.setdefault(status.step, self.pose)
            view.step = status.step
            if status.message and (not view.messages or view.messages[-1] != status.message):
                view.messages = (view.messages + [status.message])[-20:]
            if status.home:
                self.home = Pose2D(float(status.home.get('x', 0.0)),
                                   float(status.home.get('y', 0.0)),
                                   math.radians(float(status.home.get('yaw_deg', 0.0))))
            events: list[PageEvent] = []
            name = _photo_name(status.photo)
            if name and view.photo != status.photo:
                view.photo = status.photo
                self.photos.append({'name': name, 'mission_id': view.mission_id,
                                    'stamp': status.stamp})
                events.append(PageEvent('photos', {'photos': list(self.photos)}))
            # The newest mission is current; a late status of an older one does not take over,
            # and a stop request never hides the mission it stopped.
            if not view.stop_request and (is_new or self.current_id is None
                                          or not view.terminal):
                self.current_id = view.mission_id
            self._trim_missions()
            events.insert(0, PageEvent('missions', self._missions_event()))
            return events

    def _trim_missions(self) -> None:
        finished = [m for m in self.missions.values() if m.terminal]
        for view in finished[:-self.history_len]:
            if view.mission_id != self.current_id:
                del self.missions[view.mission_id]

    def _missions_event(self) -> dict[str, Any]:
        current = self.missions.get(self.current_id) if self.current_id else None
        history = [m.as_dict(self.home) for m in self.missions.values() if m.terminal]
        return {'current': current.as_dict(self.home) if current else None,
                'history': history[-self.history_len:][::-1],
                'home': _pose_dict(self.home)}

    # ---- odometry and commanded velocity ------------------------------------------------
    def on_pose(self, pose: Pose2D, now: float) -> None:
        """An odometry pose (monotonic receipt time); the trail grows every few cm."""
        with self._lock:
            self.pose, self.pose_time = pose, now
            self._recent.append((now, pose.x, pose.y))
            if self.trail:
                x, y = self.trail[-1]
                last_yaw = self._last_trail_yaw
                if (math.hypot(pose.x - x, pose.y - y) < TRAIL_STEP_M
                        and abs(_wrap(pose.yaw - last_yaw)) < TRAIL_STEP_RAD):
                    return
            self.trail.append((round(pose.x, 3), round(pose.y, 3)))
            self._last_trail_yaw = pose.yaw
            self.trail_end += 1

    def speed_mps(self, now: float) -> float:
        """Speed over the last fraction of a second, from the odometry positions."""
        with self._lock:
            if self.pose_time is None or now - self.pose_time > 1.0:
                return 0.0
            recent = [p for p in self._recent if p[0] >= self.pose_time - SPEED_WINDOW_S]
            if len(recent) < 2 or recent[-1][0] - recent[0][0] <= 0.0:
                return 0.0
            (t0, x0, y0), (t1, x1, y1) = recent[0], recent[-1]
            return math.hypot(x1 - x0, y1 - y0) / (t1 - t0)

    def pose_event(self, now: float) -> PageEvent | None:
        """The pose, speed and new trail points since the last call (None when unchanged)."""
        with self._lock:
            if self.pose is None:
                return None
            start = max(self._trail_pushed, self.trail_end - len(self.trail))
            new_points = [self.trail[-k] for k in range(self.trail_end - start, 0, -1)]
            pose, speed = _pose_dict(self.pose), round(self.speed_mps(now), 2)
            key = (tuple(pose.values()), speed)
            if not new_points and key == self._pushed_pose:
                return None
            self._trail_pushed, self._pushed_pose = self.trail_end, key
            return PageEvent('pose', {'pose': pose, 'speed_mps': speed, 'trail_from': start,
                                      'trail': new_points})

    def on_cmd(self, linear_mps: float, lateral_mps: float, angular_rps: float,
               now: float, min_period_s: float = 0.2) -> PageEvent | None:
        """A cmd_vel seen: an event when it turns zero or non-zero, else at most every 0.2 s."""
        with self._lock:
            zero = linear_mps == 0.0 and lateral_mps == 0.0 and angular_rps == 0.0
            previous = self.cmd
            self.cmd = {'linear_mps': round(linear_mps, 3), 'lateral_mps': round(lateral_mps, 3),
                        'angular_dps': round(math.degrees(angular_rps), 1), 'zero': zero,
                        'time': now}
            if previous is not None and previous['zero'] == zero and \
                    now - previous.get('pushed', -1e9) < min_period_s:
                self.cmd['pushed'] = previous.get('pushed', -1e9)
                return None
            self.cmd['pushed'] = now
            return PageEvent('cmd', _public_cmd(self.cmd))

    # ---- health -------------------------------------------------------------------------
    def on_diagnostics(self, statuses: list[dict[str, Any]], now: float) -> list[PageEvent]:
        """A DiagnosticArray (as plain dicts): the rows it changed, and the GPU figures."""
        with self._lock:
            for status in statuses:
                self.diagnostics[status['name']] = (now, status)
            events: list[PageEvent] = [PageEvent('diagnostics', {'rows': [
                self._row(status, 0.0) for status in statuses]})]
            sample = gpu_sample(statuses, now)
            if sample is not None:
                self.gpu.append(sample)
                events.append(PageEvent('gpu', sample))
            return events

    def _row(self, status: dict[str, Any], age_s: float) -> dict[str, Any]:
        level = Severity(status['level'])
        shown = Severity.STALE if age_s > self.stale_after_s else level
        return {'name': status['name'], 'level': shown.name, 'reported': level.name,
                'message': status.get('message', ''),
                'hardware_id': status.get('hardware_id', ''),
                'values': dict(status.get('values') or {}), 'age_s': round(age_s, 1)}

    def diagnostic_rows(self, now: float) -> list[dict[str, Any]]:
        """Every status seen, sorted by name; STALE when not refreshed for stale_after_s."""
        with self._lock:
            return [self._row(status, now - seen)
                    for _, (seen, status) in sorted(self.diagnostics.items())]

    def on_metrics(self, metrics: LLMMetrics, now: float) -> PageEvent:
        """One llm_metrics message: a point of the tokens/s chart."""
        with self._lock:
            self._metric_seq += 1
            point = {'seq': self._metric_seq, 'time': now, 'stamp': metrics.stamp,
                     'model': metrics.model, 'backend': metrics.backend, 'ok': metrics.ok,
                     'tokens_per_s': _finite(metrics.tokens_per_s),
                     'ttft_s': _finite(metrics.ttft_s), 'total_s': _finite(metrics.total_s)}
            self.metrics.append(point)
            return PageEvent('metric', point)

    def llm_reference(self) -> dict[str, float | None]:
        """Baseline and roofline tokens/s, from the 'LLM throughput' diagnostics values."""
        with self._lock:
            return llm_reference([s for _, s in self.diagnostics.values()])

    # ---- limits, camera, photos ---------------------------------------------------------
    def set_limits(self, geofence_radius_m: float, source: str,
                   photo_dir: str) -> PageEvent | None:
        """The geofence radius and photo folder (from the agent's parameters); event if new."""
        with self._lock:
            new = {'geofence_radius_m': geofence_radius_m, 'source': source,
                   'photo_dir': photo_dir}
            if new == self.limits:
                return None
            self.limits = new
            return PageEvent('limits', dict(new))

    def set_frame(self, data_url: str, width: int, height: int, stamp: float) -> PageEvent:
        """The newest camera frame, already encoded for the page."""
        with self._lock:
            self.frame = {'src': data_url, 'width': width, 'height': height, 'time': stamp}
            return PageEvent('frame', dict(self.frame))

    # ---- snapshot -----------------------------------------------------------------------
    def snapshot(self, now: float) -> dict[str, Any]:
        """Everything the page needs after (re)connecting."""
        with self._lock:
            return {
                **self._missions_event(),
                'pose': _pose_dict(self.pose), 'speed_mps': round(self.speed_mps(now), 2),
                'trail_from': self.trail_end - len(self.trail), 'trail': list(self.trail),
                'cmd': _public_cmd(self.cmd) if self.cmd else None,
                'diagnostics': self.diagnostic_rows(now),
                'metrics': list(self.metrics), 'llm': llm_reference(
                    [s for _, s in self.diagnostics.values()]),
                'gpu': list(self.gpu), 'limits': dict(self.limits),
                'photos': list(self.photos), 'frame': dict(self.frame) if self.frame else None,
                'stale_after_s': self.stale_after_s,
            }


def gpu_sample(statuses: list[dict[str, Any]], now: float) -> dict[str, Any] | None:
    """GPU memory (MiB) and the hottest temperature (degC) from gpu_monitor's statuses."""
    sample: dict[str, Any] = {'time': now}
    for status in statuses:
        values = status.get('values') or {}
        if status['name'].endswith(DiagTask.MEMORY):
            ram = _float(values.get(DiagKey.MEM_USED_MIB))
            used = _float(values.get(DiagKey.GPU_SHARE_MIB)) or ram
            sample.update(mem_used_mib=used,
                          mem_total_mib=_float(values.get(DiagKey.MEM_TOTAL_MIB)),
                          ram_used_mib=ram)
        elif status['name'].endswith(DiagTask.THERMAL):
            temps = [t for k, v in values.items() if k.endswith(DiagKey.TEMP_SUFFIX)
                     and (t := _float(v)) is not None]
            sample['temp_c'] = max(temps) if temps else None
    return sample if len(sample) > 1 else None


def llm_reference(statuses: list[dict[str, Any]]) -> dict[str, float | None]:
    """Baseline tokens/s and, when the monitor gives one, the roofline (bandwidth bound)."""
    out: dict[str, float | None] = {'baseline_tokens_per_s': None, 'roofline_tokens_per_s': None}
    for status in statuses:
        if not status['name'].endswith(DiagTask.THROUGHPUT):
            continue
        values = status.get('values') or {}
        if DiagKey.BASELINE_TPS in values:
            out['baseline_tokens_per_s'] = _float(values[DiagKey.BASELINE_TPS])
        # the bound as the model is placed now (part on the CPU), else the GPU bound
        roofline = values.get(DiagKey.ROOFLINE_PLACED_TPS, values.get(DiagKey.ROOFLINE_TPS))
        if roofline is not None:
            out['roofline_tokens_per_s'] = _float(roofline)
    return out


def safe_photo_name(name: str) -> bool:
    """True for a plain file name the photo route may serve (no folders, no dot files)."""
    return bool(PHOTO_NAME.match(name)) and '..' not in name


def _photo_name(path: str | None) -> str | None:
    if not path:
        return None
    name = path.replace('\\', '/').rsplit('/', 1)[-1]
    return name if safe_photo_name(name) else None


def _public_cmd(cmd: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cmd.items() if k != 'pushed'}


def _pose_dict(pose: Pose2D | None) -> dict[str, float] | None:
    if pose is None:
        return None
    # yaw in radians (as it always was) and yaw_deg, the unit of every other interface
    return {'x': round(pose.x, 3), 'y': round(pose.y, 3), 'yaw': round(pose.yaw, 4),
            'yaw_deg': round(math.degrees(pose.yaw), 2)}


def _float(value: Any) -> float | None:
    try:
        number = float(str(value).split()[0])
    except (ValueError, IndexError):
        return None
    return number if math.isfinite(number) else None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


def _wrap(angle: float) -> float:
    return math.atan2(math.sin(angle), math.cos(angle))
