# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The client side of the mission interface, in plain Python (no ROS).

``MissionLink`` is what a program that sends missions works against: send a request, stop,
cancel, and what came back — statuses by mission id, odometry, llm_metrics, /diagnostics,
camera frames, commanded velocities — with thread-safe waits. It records; a transport
feeds it: ``nodes/mission_client.MissionClient`` over ROS topics, or anything else that
calls the ``received_*`` methods (an in-process agent in tests). Listeners get typed
events (``StatusReceived``, ``PoseReceived``, ...) as each item arrives.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import threading
import time
from typing import Any, Callable, Union
import uuid

from .camera import ImageFrame
from .contract import LLMMetrics, MissionRequest, MissionStatus, PlannerChoice
from .geometry import Pose2D

__all__ = [
    'ClientEvent', 'CmdReceived', 'DiagnosticsReceived', 'FrameReceived', 'Listener',
    'MetricsReceived', 'MissionLink', 'MissionOutcome', 'PoseReceived', 'StatusReceived',
    'new_mission_id',
]


@dataclass(frozen=True)
class StatusReceived:
    """A mission_status message."""

    status: MissionStatus
    time: float  # monotonic receipt time


@dataclass(frozen=True)
class PoseReceived:
    """An odometry pose."""

    pose: Pose2D
    time: float


@dataclass(frozen=True)
class MetricsReceived:
    """An llm_metrics message."""

    metrics: LLMMetrics
    time: float


@dataclass(frozen=True)
class DiagnosticsReceived:
    """A DiagnosticArray, as plain dicts {'name', 'level', 'message', 'hardware_id', 'values'}."""

    statuses: list[dict[str, Any]]
    time: float


@dataclass(frozen=True)
class FrameReceived:
    """A camera frame."""

    frame: ImageFrame
    time: float


@dataclass(frozen=True)
class CmdReceived:
    """A velocity command seen on cmd_vel (m/s, m/s, rad/s)."""

    linear: float
    lateral: float
    angular: float
    time: float

    @property
    def zero(self) -> bool:
        """True for a stop command."""
        return self.linear == 0.0 and self.lateral == 0.0 and self.angular == 0.0


ClientEvent = Union[StatusReceived, PoseReceived, MetricsReceived, DiagnosticsReceived,
                    FrameReceived, CmdReceived]
Listener = Callable[[ClientEvent], None]


@dataclass
class MissionOutcome:
    """How one mission ended: its terminal status (None on timeout) and every status seen.

    ``robot`` names the robot (its namespace) when several are driven at once, ``pose`` is
    where it stood afterwards (None without odometry).
    """

    mission_id: str
    text: str
    final: MissionStatus | None
    statuses: list[MissionStatus] = field(default_factory=list)
    seconds: float = 0.0
    robot: str = ''
    pose: Pose2D | None = None

    @property
    def state(self) -> str:
        """The terminal state, or 'timeout'."""
        return self.final.state.value if self.final is not None else 'timeout'

    @property
    def reason(self) -> str:
        """The terminal status's reason code ('' for succeeded, 'timeout' without an end)."""
        if self.final is None:
            return 'timeout'
        return self.final.reason or ''

    @property
    def succeeded(self) -> bool:
        """True when the mission ended in succeeded."""
        return self.state == 'succeeded'

    @property
    def agent_seconds(self) -> float:
        """Received to terminal, by the agent's own clock (0 without statuses)."""
        return self.statuses[-1].stamp - self.statuses[0].stamp if self.statuses else 0.0


def new_mission_id() -> str:
    """A random id for a request that has none."""
    return uuid.uuid4().hex[:10]


class MissionLink:
    """Sends missions and records what comes back; see the module docstring.

    A transport implements ``_publish_request``, ``_publish_cancel`` and ``agent_count``,
    and calls the ``received_*`` methods from whatever thread receives. Every query and wait
    is thread-safe; ``cond`` guards the recorded items.
    """

    def __init__(self, trajectory_len: int = 100_000, cmds_len: int = 100_000) -> None:
        self.cond = threading.Condition()
        self.statuses: list[MissionStatus] = []
        self.metrics: list[tuple[float, LLMMetrics]] = []  # (monotonic receipt, metrics)
        self.pose: Pose2D | None = None
        self.pose_time: float | None = None
        self.trajectory: deque[tuple[float, float, float, float]] = deque(maxlen=trajectory_len)
        self.cmds: deque[CmdReceived] = deque(maxlen=cmds_len)
        self.diagnostics: dict[str, tuple[float, dict[str, Any]]] = {}
        self.frame: ImageFrame | None = None
        self._listeners: list[Listener] = []

    # ---- transport ----------------------------------------------------------------------
    def _publish_request(self, data: MissionRequest | str) -> None:
        """Put a MissionRequest (or plain text) on mission_command."""
        raise NotImplementedError

    def _publish_cancel(self) -> None:
        """Put a message on mission_cancel."""
        raise NotImplementedError

    def agent_count(self) -> int:
        """How many agents listen on mission_command."""
        raise NotImplementedError

    def cancel_count(self) -> int:
        """How many agents listen on mission_cancel (a transport that knows says so)."""
        return self.agent_count()

    def status_sources(self) -> int:
        """How many agents' mission_status this link hears (a transport that knows says so)."""
        return self.agent_count()

    # ---- sending ------------------------------------------------------------------------
    def send(self, text: str, mission_id: str | None = None, planner: PlannerChoice = 'auto',
             dry_run: bool = False) -> str:
        """Send a structured request; returns its mission id (made up when not given)."""
        request = MissionRequest(text=text, id=mission_id or new_mission_id(), planner=planner,
                                 dry_run=dry_run)
        self._publish_request(request)
        return request.id

    def send_text(self, text: str) -> None:
        """Send plain mission text (the agent makes up the id)."""
        self._publish_request(text)

    def cancel(self) -> None:
        """Cancel the running mission (mission_cancel)."""
        self._publish_cancel()

    def stop(self) -> str:
        """Send 'stop' (handled without any LLM call) and cancel: the robot stops."""
        mission_id = self.send('stop')
        self.cancel()
        return mission_id

    def run(self, text: str, timeout: float, mission_id: str | None = None,
            planner: PlannerChoice = 'auto', dry_run: bool = False) -> MissionOutcome:
        """Send one mission and wait for its terminal status (or the timeout)."""
        start = time.monotonic()
        mission_id = self.send(text, mission_id, planner, dry_run)
        final = self.wait_terminal(mission_id, timeout)
        return MissionOutcome(mission_id, text, final, self.statuses_for(mission_id),
                              time.monotonic() - start, pose=self.pose)

    # ---- waiting ------------------------------------------------------------------------
    def wait(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """Wait until predicate() returns something truthy; return it (None on timeout)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 0.05))

    def wake(self) -> None:
        """Make every wait look at its predicate again now."""
        with self.cond:
            self.cond.notify_all()

    def wait_terminal(self, mission_id: str, timeout: float) -> MissionStatus | None:
        """The terminal status of a mission, once it arrives."""
        return self.wait(lambda: self.terminal_of(mission_id), timeout)

    def wait_ready(self, timeout: float, need_odom: bool = True) -> bool:
        """Until an agent listens on mission_command (and odometry flows, if asked)."""
        return bool(self.wait(lambda: self.agent_count() > 0
                              and (self.pose is not None or not need_odom), timeout))

    # ---- queries ------------------------------------------------------------------------
    def statuses_for(self, mission_id: str) -> list[MissionStatus]:
        """Every status of one mission, in arrival order."""
        with self.cond:
            return [s for s in self.statuses if s.mission_id == mission_id]

    def terminal_of(self, mission_id: str) -> MissionStatus | None:
        """The mission's terminal status, if it has ended."""
        with self.cond:
            return next((s for s in self.statuses
                         if s.mission_id == mission_id and s.terminal), None)

    def latest_diagnostics(self, name_suffix: str) -> dict[str, Any] | None:
        """The newest status whose name ends with name_suffix (e.g. DiagTask.AGENT_BACKEND)."""
        with self.cond:
            found = [v for k, (_, v) in self.diagnostics.items() if k.endswith(name_suffix)]
        return found[-1] if found else None

    def add_listener(self, listener: Listener) -> None:
        """Call listener(event) for everything received, as it arrives.

        The call runs on the receiving thread (the ROS spin thread), so keep it short.
        """
        self._listeners.append(listener)

    # ---- what the transport feeds -------------------------------------------------------
    def _record(self, event: ClientEvent, store: Callable[[], None]) -> None:
        with self.cond:
            store()
            self.cond.notify_all()
        for listener in self._listeners:
            listener(event)

    def received_status(self, status: MissionStatus) -> None:
        """A mission_status arrived."""
        self._record(StatusReceived(status, time.monotonic()),
                     lambda: self.statuses.append(status))

    def received_pose(self, pose: Pose2D) -> None:
        """An odometry pose arrived."""
        now = time.monotonic()

        def store() -> None:
            self.pose, self.pose_time = pose, now
            self.trajectory.append((now, pose.x, pose.y, pose.yaw))
        self._record(PoseReceived(pose, now), store)

    def received_metrics(self, metrics: LLMMetrics) -> None:
        """An llm_metrics message arrived."""
        now = time.monotonic()
        self._record(MetricsReceived(metrics, now),
                     lambda: self.metrics.append((now, metrics)))

    def received_diagnostics(self, statuses: list[dict[str, Any]]) -> None:
        """A DiagnosticArray arrived (as plain dicts)."""
        now = time.monotonic()

        def store() -> None:
            for s in statuses:
                self.diagnostics[s['name']] = (now, s)
        self._record(DiagnosticsReceived(statuses, now), store)

    def received_frame(self, frame: ImageFrame) -> None:
        """A camera frame arrived."""
        def store() -> None:
            self.frame = frame
        self._record(FrameReceived(frame, time.monotonic()), store)

    def received_cmd(self, linear: float, lateral: float, angular: float) -> None:
        """A velocity command was seen on cmd_vel."""
        event = CmdReceived(linear, lateral, angular, time.monotonic())
        self._record(event, lambda: self.cmds.append(event))
