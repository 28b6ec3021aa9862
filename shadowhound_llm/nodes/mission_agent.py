# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""mission_agent: mission text in, validated plan, closed-loop cmd_vel out.

A thin ROS skin over the plain-Python core: the rule planner, the LLM planner, the envelope
and the MissionExecutor. All ROS callbacks are short and run on one thread. LLM calls and
backend validation run on worker threads and hand results back through an inbox that a guard
condition drains on the executor thread, so stop and cancel never wait behind HTTP.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
import json
import math
import queue
import socket
import threading
import time
from typing import Any
import uuid

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
from rclpy.duration import Duration
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import Empty, String

from ..backends import make_backend, validate_backend
from ..backends.base import LLMMetrics
from ..camera import ImageFrame, LatestFrame
from ..control import Governor, Twist2D, ZERO
from ..diagnostics import DiagStatus
from ..envelope import EnvelopeCursor, EnvelopeViolation, Limits
from ..executor import MissionExecutor, MissionStatus, OdomSample, TickOutput
from ..geometry import Pose2D, wrap_angle, yaw_from_quaternion
from ..llm_planner import LLMPlanner, PlanningCancelled, PlanningFailed
from ..params import AgentConfig
from ..plan import Plan
from ..rule_planner import is_stop_command, plan_from_rules
from .ros_common import (
    CMD_VEL_QOS,
    COMMAND_QOS,
    declare_dataclass_params,
    diagnostic_array,
    run_node,
    SENSOR_QOS,
    STATUS_QOS,
)

STOP_PLAN = {'actions': [{'type': 'stop'}]}
RULES_HELP = ('the rule planner understands simple commands such as "move forward 1 m", '
              '"turn left 90 degrees", "go to x=2, y=1", "take a photo", "return home"')


@dataclass
class _PlanningJob:
    """One mission being planned by the LLM on a worker thread."""

    mission_id: str
    text: str
    cursor: EnvelopeCursor
    cancelled: threading.Event = field(default_factory=threading.Event)
    handed_over: int = 0


class MissionAgent(Node):
    """The mission agent node (see the package CONTRACT for its interface)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('mission_agent', **kwargs)
        self.config: AgentConfig = declare_dataclass_params(self, AgentConfig)
        cfg = self.config
        self.exit_code: int | None = None
        self.frames = LatestFrame()
        self.executor_core = MissionExecutor(cfg, camera=self.frames)
        self.governor = Governor(cfg.max_linear_speed, cfg.max_angular_speed)
        self.limits = Limits.from_config(cfg)
        self._odom: tuple[Pose2D, float] | None = None  # pose, monotonic receipt time
        self._dead_reckoned = Pose2D()
        self._last_cmd = ZERO
        self._last_tick = time.monotonic()
        self._jobs: dict[str, _PlanningJob] = {}
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix='llm')

        self.cmd_pub = self.create_publisher(Twist, 'cmd_vel', CMD_VEL_QOS)
        self.status_pub = self.create_publisher(String, 'mission_status', STATUS_QOS)
        self.metrics_pub = self.create_publisher(String, 'llm_metrics', 10)
        self.create_subscription(String, 'mission_command', self._on_mission, COMMAND_QOS)
        self.create_subscription(Empty, 'mission_cancel', self._on_cancel, COMMAND_QOS)
        self.create_subscription(Odometry, 'odom', self._on_odom, SENSOR_QOS)
        self.create_subscription(Image, 'camera/image_raw', self._on_image, SENSOR_QOS)
        self.control_timer = self.create_timer(1.0 / cfg.control_rate_hz, self._control_tick)
        self._wake = self.create_guard_condition(self._drain_inbox)
        self.diag_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_timer(1.0, self._publish_diagnostics)
        self._backend_note = ''
        self._last_outcome = 'no mission yet'

        self.backends = [make_backend(kind, cfg) for kind in (cfg.backend, cfg.fallback_backend)
                         if kind and kind != 'none']
        self.llm = (LLMPlanner(self.backends, cfg.max_actions, self._post_metrics)
                    if self.backends else None)
        self.backend_state = 'none' if self.llm is None else 'validating'
        if self.llm is not None:
            if cfg.validate_on_startup:
                self._workers.submit(self._validate_backends)
            else:
                self.backend_state = 'ready'
        self.get_logger().info(
            f'ready: planner=rules{"+" + self._llm_name() if self.llm else ""}, cmd_vel at '
            f'{cfg.control_rate_hz:g} Hz, limits {cfg.max_linear_speed:g} m/s / '
            f'{cfg.max_angular_speed:g} rad/s')

    def _llm_name(self) -> str:
        return ' -> '.join(f'{b.name}:{b.model}' for b in self.backends)

    # ---- inputs -------------------------------------------------------------------------
    def _on_odom(self, msg: Odometry) -> None:
        p, q = msg.pose.pose.position, msg.pose.pose.orientation
        self._odom = (Pose2D(p.x, p.y, yaw_from_quaternion(q.x, q.y, q.z, q.w)),
                      time.monotonic())

    def _on_image(self, msg: Image) -> None:
        self.frames.put(ImageFrame(msg.width, msg.height, msg.encoding, msg.step,
                                   bytes(msg.data), time.monotonic()))

    def _on_cancel(self, _msg: Empty) -> None:
        self.get_logger().info('mission_cancel received: stopping')
        self.halt('cancelled', 'cancelled on mission_cancel; robot stopped')

    def _on_mission(self, msg: String) -> None:
        self.handle_mission(msg.data)

    # ---- missions -----------------------------------------------------------------------
    def handle_mission(self, text: str) -> str:
        """Accept one mission text; returns its mission_id. Never raises on bad input."""
        mission_id = uuid.uuid4().hex[:8]
        self._publish_status(MissionStatus(mission_id, 'received', text, message='received'))
        if is_stop_command(text):
            self.halt('cancelled', f'stopped by operator ("{text.strip()}"); robot stopped')
            self._publish_status(MissionStatus(mission_id, 'succeeded', text, STOP_PLAN, 0,
                                               'robot stopped'))
            return mission_id
        problem = self._text_problem(text)
        if problem:
            self._publish_status(MissionStatus(mission_id, 'rejected', text, message=problem))
            return mission_id
        if self.executor_core.busy or self._jobs:
            self.halt('cancelled', f'preempted by mission {mission_id}; robot stopped')
        plan = plan_from_rules(text)
        if plan is not None:
            self._publish_status(MissionStatus(mission_id, 'planning', text,
                                               message='rule planner'))
            self._start_checked(mission_id, text, plan, 'rules')
            return mission_id
        reason = self._llm_unavailable()
        if reason:
            self._publish_status(MissionStatus(mission_id, 'rejected', text, message=reason))
            return mission_id
        job = _PlanningJob(mission_id, text, self._envelope_cursor())
        self._jobs[mission_id] = job
        self._publish_status(MissionStatus(mission_id, 'planning', text,
                                           message=f'planning with {self._llm_name()}'))
        self._workers.submit(self._plan_job, job)
        return mission_id

    def _llm_unavailable(self) -> str:
        if self.llm is None:
            return ('this mission needs a language model, and no LLM backend is configured '
                    f'(backend=none); {RULES_HELP}')
        if self.backend_state == 'validating':
            return (f'backend validation in progress ({self._llm_name()}); try again shortly '
                    f'— {RULES_HELP}')
        return ''

    def _text_problem(self, text: str) -> str:
        if not text.strip():
            return 'empty mission text'
        if len(text) > self.config.max_mission_chars:
            return (f'mission text is {len(text)} characters; the limit is '
                    f'{self.config.max_mission_chars} (max_mission_chars)')
        return ''

    def _envelope_cursor(self) -> EnvelopeCursor:
        """The envelope, walking from the robot's pose now, with the geofence around home."""
        start = self._odom[0] if self._odom else Pose2D()
        return EnvelopeCursor(self.limits, start, self.executor_core.home or start)

    def _start_checked(self, mission_id: str, text: str, plan: Plan, planner: str) -> None:
        try:
            self._envelope_cursor().check_all(plan.actions)
        except EnvelopeViolation as exc:
            self._publish_status(MissionStatus(mission_id, 'rejected', text, plan.to_dict(),
                                               message=f'outside the safety envelope: {exc}'))
            return
        self._start(mission_id, text, list(plan.actions), planner, plan_closed=True)

    def _start(self, mission_id: str, text: str, actions: list[Any], planner: str,
               plan_closed: bool) -> None:
        extra: dict[str, Any] = {'planner': planner}
        if self.executor_core.home is not None:
            extra['home'] = self.executor_core.home.as_dict()
        self._emit(self.executor_core.start(mission_id, text, actions, time.monotonic(),
                                            plan_closed=plan_closed, extra=extra))
        # First command now, not at the next timer tick; then restart the tick rhythm here.
        self._control_tick()
        self.control_timer.reset()

    def halt(self, state: str, reason: str) -> None:
        """The single stop path: end the running or planning mission and publish a zero Twist."""
        for job in list(self._jobs.values()):
            job.cancelled.set()
            self._publish_status(MissionStatus(job.mission_id, state, job.text, message=reason))
        self._jobs.clear()
        self._emit(self.executor_core.abort(state, reason))

    # ---- LLM worker side (runs off the executor thread) ---------------------------------
    def _post(self, *item: Any) -> None:
        self._inbox.put(item)
        self._wake.trigger()

    def _post_metrics(self, metrics: LLMMetrics) -> None:
        self._post('metrics', None, metrics)

    def _plan_job(self, job: _PlanningJob) -> None:
        stream = self.config.stream_execution

        def on_action(action: Any, backend: str) -> None:
            job.cursor.check(action)  # EnvelopeViolation ends the stream at once
            job.handed_over += 1
            self._post('action', job.mission_id, action, backend)

        try:
            plan, backend = self.llm.plan(job.text, on_action if stream else None,
                                          job.cancelled)
            if not stream:
                job.cursor.check_all(plan.actions)
            self._post('done', job.mission_id, plan, backend)
        except PlanningCancelled:
            pass
        except EnvelopeViolation as exc:
            state = 'failed' if job.handed_over else 'rejected'
            self._post(state, job.mission_id, f'outside the safety envelope: {exc}')
        except PlanningFailed as exc:
            self._post('failed', job.mission_id, str(exc))
        except Exception as exc:  # never let a worker die silently
            self._post('failed', job.mission_id, f'planner error: {type(exc).__name__}: {exc}')

    def _validate_backends(self) -> None:
        log = self.get_logger()

        def on_check(check: Any) -> None:
            line = f'backend check {check.name}: {check.level.upper()} — {check.message}'
            # One call site per severity: rclpy refuses a call site that changes severity.
            if check.level == 'ok':
                log.info(line)
            elif check.level == 'warn':
                log.warning(line)
            else:
                log.error(line)

        reports = []
        for backend in self.backends:
            try:
                report = validate_backend(backend, self.config.min_tokens_per_s, on_check)
            except Exception as exc:  # a bug, not a backend state: say so and go on
                log.error(f'backend validation crashed: {type(exc).__name__}: {exc}')
                continue
            reports.append(report)
            if report.ok:
                break
        self._post('validated', None, reports)

    # ---- executor-thread side ------------------------------------------------------------
    def _drain_inbox(self) -> None:
        while True:
            try:
                kind, mission_id, *rest = self._inbox.get_nowait()
            except queue.Empty:
                return
            if kind == 'metrics':
                self.metrics_pub.publish(String(data=json.dumps(rest[0].as_dict())))
            elif kind == 'validated':
                self._on_validated(rest[0])
            elif mission_id in self._jobs:
                self._on_planner_event(kind, mission_id, rest)

    def _on_validated(self, reports: list[Any]) -> None:
        usable = next((r for r in reports if r.ok), None)
        warnings = [f'{c.name}: {c.message}' for r in reports for c in r.warnings]
        self._backend_note = '; '.join(warnings)
        if usable is not None:
            self.backend_state = 'ready'
            self.get_logger().info(f'LLM backend usable: {usable.backend} {usable.model} at '
                                   f'{usable.host}; accepting missions')
            return
        failure = reports[-1].first_failure() if reports else None
        why = f'{failure.name}: {failure.message}' if failure else 'validation did not run'
        self.get_logger().fatal(f'LLM backend not usable ({why}). Fix it, or start with '
                                f'validate_on_startup:=false / backend:=none. Exiting.')
        self.backend_state = 'failed'
        self.exit_code = 1

    def _on_planner_event(self, kind: str, mission_id: str, rest: list[Any]) -> None:
        job = self._jobs[mission_id]
        running = self.executor_core.mission is not None and \
            self.executor_core.mission.mission_id == mission_id
        if kind == 'action':
            action, backend = rest
            if running:
                self.executor_core.add_action(action)
            else:
                self._start(mission_id, job.text, [action], backend, plan_closed=False)
        elif kind == 'done':
            del self._jobs[mission_id]
            plan, backend = rest
            if running:
                self.executor_core.close_plan()
            else:
                self._start(mission_id, job.text, list(plan.actions), backend, plan_closed=True)
        else:  # failed or rejected
            del self._jobs[mission_id]
            if running:
                self._emit(self.executor_core.abort('failed', f'{rest[0]}; robot stopped'))
            else:
                self._publish_status(MissionStatus(mission_id, kind, job.text, message=rest[0]))
                self._publish_cmd(ZERO)

    # ---- control ------------------------------------------------------------------------
    def _control_tick(self) -> None:
        now = time.monotonic()
        self._emit(self.executor_core.tick(now, self._odom_sample(now)))

    def _odom_sample(self, now: float) -> OdomSample | None:
        if self._odom is not None:
            pose, stamp = self._odom
            return OdomSample(pose, now - stamp)
        if not self.config.allow_open_loop:
            return None
        # Dead reckoning from our own commands: only when the operator allowed open loop.
        dt = now - self._last_tick
        p, c = self._dead_reckoned, self._last_cmd
        self._dead_reckoned = Pose2D(p.x + c.linear * dt * math.cos(p.yaw),
                                     p.y + c.linear * dt * math.sin(p.yaw),
                                     wrap_angle(p.yaw + c.angular * dt))
        self._last_tick = now
        return OdomSample(self._dead_reckoned, 0.0)

    def _emit(self, out: TickOutput) -> None:
        if out.cmd is not None:
            self._publish_cmd(out.cmd)
        for event in out.events:
            self._publish_status(event)

    def _publish_cmd(self, cmd: Twist2D) -> None:
        safe = self.governor.apply(cmd)
        msg = Twist()
        msg.linear.x = float(safe.linear)
        msg.angular.z = float(safe.angular)
        self.cmd_pub.publish(msg)
        self._last_cmd = safe

    def _publish_status(self, status: MissionStatus) -> None:
        self.status_pub.publish(String(data=status.to_json()))
        if status.terminal:
            self._last_outcome = f'{status.mission_id} {status.state}: {status.message}'
            # A mission that ended (a fault mid-execution, say) must not be restarted by the
            # rest of its plan still streaming in: end its planning too.
            job = self._jobs.pop(status.mission_id, None)
            if job is not None:
                job.cancelled.set()
        line = f'mission {status.mission_id} {status.state}: {status.message}'
        if status.state in ('failed', 'rejected'):
            self.get_logger().warning(line)
        else:
            self.get_logger().info(line)

    def _publish_diagnostics(self) -> None:
        self.diag_pub.publish(diagnostic_array(self, [self._backend_diag(), self._mission_diag()],
                                               socket.gethostname()))

    def _backend_diag(self) -> DiagStatus:
        values = [('planner', 'rules' + (f' + {self._llm_name()}' if self.llm else '')),
                  ('state', self.backend_state)]
        if self.llm is None:
            return DiagStatus('Backend', 0, 'rule planner only (backend=none)', values)
        if self.backend_state == 'validating':
            return DiagStatus('Backend', 1, f'validating {self._llm_name()}', values)
        if self.backend_state == 'failed':
            return DiagStatus('Backend', 2, f'{self._llm_name()} not usable', values)
        if self._backend_note:
            return DiagStatus('Backend', 1, f'{self._llm_name()} usable with warnings: '
                                            f'{self._backend_note}', values)
        return DiagStatus('Backend', 0, f'{self._llm_name()} ready', values)

    def _mission_diag(self) -> DiagStatus:
        m = self.executor_core.mission
        odom_age = time.monotonic() - self._odom[1] if self._odom else None
        values = [('running', m.mission_id if m else 'none'),
                  ('planning', ', '.join(self._jobs) or 'none'), ('last', self._last_outcome),
                  ('odom age [s]', f'{odom_age:.2f}' if odom_age is not None else 'never'),
                  ('governor clamps', str(self.governor.clamp_count))]
        if self.governor.clamp_count:
            return DiagStatus('Mission', 1, f'{self.governor.clamp_count} velocity command(s) '
                                            f'clamped by the governor: a controller bug', values)
        if self._odom is None:
            return DiagStatus('Mission', 1, "no odometry on 'odom': motion is refused", values)
        if m is not None:
            return DiagStatus('Mission', 0, f'executing {m.mission_id}: step {m.index + 1}/'
                                            f'{len(m.actions)}', values)
        return DiagStatus('Mission', 0, f'idle; last: {self._last_outcome}', values)

    def shutdown_stop(self) -> None:
        """On SIGINT/SIGTERM: end the mission and make sure a zero Twist goes out."""
        self.halt('cancelled', 'agent shutting down; robot stopped')
        self._publish_cmd(ZERO)
        self.cmd_pub.wait_for_all_acked(Duration(seconds=0.5))
        self._workers.shutdown(wait=False, cancel_futures=True)

    def destroy_node(self) -> None:
        """Stop the worker threads with the node."""
        for job in self._jobs.values():
            job.cancelled.set()
        self._workers.shutdown(wait=False, cancel_futures=True)
        for backend in self.backends:
            backend.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> int:
    """Entry point: ros2 run shadowhound_llm mission_agent."""
    return run_node(MissionAgent, args, on_shutdown=lambda node: node.shutdown_stop())


if __name__ == '__main__':
    raise SystemExit(main())
