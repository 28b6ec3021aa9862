# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The one mission client: send a request, wait for its terminal status by id.

A small facade over rclpy (nav2_simple_commander style) used by robot_test, the demo, the
``mission`` command, the test harness and the dashboard. It is given a node (it does not own
one) and adds to it the publishers and subscriptions of the package's public interface:
``mission_command``, ``mission_cancel``, ``mission_status``, ``odom``, ``llm_metrics`` and,
optionally, ``/diagnostics`` and ``camera/image_raw``. Callbacks run on whatever thread
spins the node; every query and wait is thread-safe.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import threading
import time
from typing import Any, Callable

from diagnostic_msgs.msg import DiagnosticArray
from nav_msgs.msg import Odometry
from rclpy.node import Node
from rclpy.qos import QoSProfile
from sensor_msgs.msg import Image
from std_msgs.msg import Empty, String

from ..common.camera import ImageFrame
from ..common.contract import LLMMetrics, MissionRequest, MissionStatus, PlannerChoice
from ..common.geometry import Pose2D
from . import conversions as conv
from .ros_common import COMMAND_QOS, SENSOR_QOS, STATUS_QOS

Listener = Callable[[str, Any], None]
STATUS_QUEUE_QOS = QoSProfile(depth=1000, reliability=STATUS_QOS.reliability,
                              durability=STATUS_QOS.durability)


@dataclass
class MissionOutcome:
    """How one mission ended: its terminal status (None on timeout) and every status seen."""

    mission_id: str
    text: str
    final: MissionStatus | None
    statuses: list[MissionStatus] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def state(self) -> str:
        """The terminal state, or 'timeout'."""
        return self.final.state.value if self.final is not None else 'timeout'

    @property
    def succeeded(self) -> bool:
        """True when the mission ended in succeeded."""
        return self.state == 'succeeded'


class MissionClient:
    """Sends missions to a mission_agent and watches what the package publishes."""

    def __init__(self, node: Node, diagnostics: bool = False, camera: bool = False,
                 trajectory_len: int = 100_000) -> None:
        self.node = node
        self.cond = threading.Condition()
        self.statuses: list[MissionStatus] = []
        self.metrics: list[tuple[float, LLMMetrics]] = []  # (monotonic receipt, metrics)
        self.pose: Pose2D | None = None
        self.pose_time: float | None = None
        self.trajectory: deque[tuple[float, float, float, float]] = deque(maxlen=trajectory_len)
        self.diagnostics: dict[str, tuple[float, dict[str, Any]]] = {}
        self.frame: ImageFrame | None = None
        self._listeners: list[Listener] = []
        self.mission_pub = node.create_publisher(String, 'mission_command', COMMAND_QOS)
        self.cancel_pub = node.create_publisher(Empty, 'mission_cancel', COMMAND_QOS)
        # A deep queue: a burst of missions (a flood, a fleet) must not lose statuses.
        node.create_subscription(String, 'mission_status', self._on_status, STATUS_QUEUE_QOS)
        node.create_subscription(Odometry, 'odom', self._on_odom, SENSOR_QOS)
        node.create_subscription(String, 'llm_metrics', self._on_metrics, 10)
        if diagnostics:
            node.create_subscription(DiagnosticArray, '/diagnostics', self._on_diagnostics, 10)
        if camera:
            node.create_subscription(Image, 'camera/image_raw', self._on_image, SENSOR_QOS)

    # ---- sending ------------------------------------------------------------------------
    def send(self, text: str, mission_id: str | None = None, planner: PlannerChoice = 'auto',
             dry_run: bool = False) -> str:
        """Send a structured request; returns its mission id (made up when not given)."""
        request = MissionRequest(text=text, id=mission_id or _new_id(), planner=planner,
                                 dry_run=dry_run)
        self.mission_pub.publish(conv.request_msg(request))
        return request.id

    def send_text(self, text: str) -> None:
        """Send plain mission text (the agent makes up the id)."""
        self.mission_pub.publish(conv.request_msg(text))

    def cancel(self) -> None:
        """Cancel the running mission (mission_cancel)."""
        self.cancel_pub.publish(Empty())

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
                              time.monotonic() - start)

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

    def wait_terminal(self, mission_id: str, timeout: float) -> MissionStatus | None:
        """The terminal status of a mission, once it arrives."""
        return self.wait(lambda: self.terminal_of(mission_id), timeout)

    def wait_ready(self, timeout: float, need_odom: bool = True) -> bool:
        """Until an agent subscribes to mission_command (and odometry flows, if asked)."""
        return bool(self.wait(lambda: self.agent_count() > 0
                              and (self.pose is not None or not need_odom), timeout))

    def agent_count(self) -> int:
        """How many subscribers mission_command has (agents listening)."""
        return self.mission_pub.get_subscription_count()

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
        """The newest status whose name ends with name_suffix (e.g. 'mission_agent: Backend')."""
        with self.cond:
            found = [v for k, (_, v) in self.diagnostics.items() if k.endswith(name_suffix)]
        return found[-1] if found else None

    def add_listener(self, listener: Listener) -> None:
        """Call listener(kind, item) for everything received, as it arrives.

        kind is 'status', 'odom', 'metrics', 'diagnostics' or 'frame'; the call runs on the
        spinning thread, so keep it short.
        """
        self._listeners.append(listener)

    # ---- callbacks ----------------------------------------------------------------------
    def _record(self, kind: str, item: Any, store: Callable[[], None]) -> None:
        with self.cond:
            store()
            self.cond.notify_all()
        for listener in self._listeners:
            listener(kind, item)

    def _on_status(self, msg: String) -> None:
        try:
            status = conv.status_from_msg(msg)
        except ValueError:
            self.node.get_logger().warning(f'ignoring a malformed mission_status: '
                                           f'{msg.data[:120]!r}')
            return
        self._record('status', status, lambda: self.statuses.append(status))

    def _on_odom(self, msg: Odometry) -> None:
        pose, now = conv.pose_from_odom(msg), time.monotonic()

        def store() -> None:
            self.pose, self.pose_time = pose, now
            self.trajectory.append((now, pose.x, pose.y, pose.yaw))
        self._record('odom', pose, store)

    def _on_metrics(self, msg: String) -> None:
        try:
            metrics = conv.metrics_from_msg(msg)
        except ValueError:
            return
        now = time.monotonic()
        self._record('metrics', metrics, lambda: self.metrics.append((now, metrics)))

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        now = time.monotonic()
        statuses = conv.statuses_from_diagnostics(msg)

        def store() -> None:
            for s in statuses:
                self.diagnostics[s['name']] = (now, s)
        self._record('diagnostics', statuses, store)

    def _on_image(self, msg: Image) -> None:
        frame = conv.frame_from_image(msg)

        def store() -> None:
            self.frame = frame
        self._record('frame', frame, store)


def _new_id() -> str:
    import uuid
    return uuid.uuid4().hex[:10]
