# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The mission agent's decisions, in plain Python (no ROS): the core the node wraps.

``AgentCore`` owns dispatch (stop -> rules -> LLM), preemption, the backend state, the LLM
planning jobs and the mission runner. Its inputs are method calls — a mission_command, a cancel,
an odometry sample, a camera frame, a clock tick, a planner event — and its outputs are
returned ``AgentOutput`` values: the (governed) velocity commands, statuses, metrics and log
lines that the node publishes, in that order. LLM calls run on worker threads that post
typed events to an inbox; ``notify`` tells the owner to call ``drain()`` on its own thread,
so every decision is taken on one thread and ``stop`` never waits behind HTTP.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, fields
import json
import math
import queue
import threading
from typing import Any, Callable
import uuid

from ..backends import ChatBackend, CheckResult, make_backend, validate_backend
from ..backends.registry import backend_params
from ..backends.vision import make_vision_client, validate_vision, VisionClient
from ..common.camera import LatestFrame
from ..common.contract import (
    check_mission_text,
    LLMMetrics,
    MissionRequest,
    MissionState,
    MissionStatus,
    MissionTextError,
    parse_command,
    Reason,
    RequestError,
    Severity,
)
from ..common.geometry import Pose2D, wrap_angle
from ..common.params import AgentConfig
from ..health.gpu_diagnostics import DiagStatus
from ..motion.control import Governor, MotionLimits, Twist2D, ZERO
from ..motion.pose_estimator import PoseEstimator
from ..motion.stop import GO2_STOP_REPEATS, resolve_stop_mode, stop_commands, webrtc_req_type
from ..planning.actions import Action, Look, Plan, step_views
from ..planning.envelope import EnvelopeCursor, EnvelopeViolation, Limits
from ..planning.rules.planner import is_stop_command, plan_from_rules
from .bridge_check import go2_mode_problem
from .diagnostics import AgentSnapshot, backend_task, mission_task
from .events import (
    ActionPlanned,
    AgentOutput,
    BackendChecked,
    BackendState,
    BackendsValidated,
    MetricsReady,
    PlanComplete,
    PlanFailed,
    PlannerEvent,
    VisionValidated,
)
from .llm_planner import LLMPlanner, PlanningCancelled, PlanningFailed
from .runner import CameraFrame, MissionRunner, NO_VISION_MESSAGE, OdomSample, TickOutput

__all__ = ['AgentCore', 'AgentOutput', 'BackendState', 'STOP_PLAN']

STOP_PLAN = {'actions': [{'type': 'stop'}]}
RULES_HELP = ('the rule planner understands simple commands such as "move forward 1 m", '
              '"turn left 90 degrees", "go to x=2, y=1", "take a photo", "return home"')
# Parameters that need new backend clients (and a new validation) when they change: the
# registry's (each backend lists the parameters it reads).
BACKEND_PARAMS = backend_params()
# Parameters that need a new vision client (and a new validation of it) when they change.
VISION_PARAMS = frozenset({'vision_model', 'vision_backend', 'vision_host', 'vision_max_side_px',
                           'vision_timeout_s', 'ollama_host', 'openai_base_url', 'keep_alive',
                           'num_ctx'})
# The DDS refusing every velocity command this long while the robot moves fails the mission
# (the GO2 bridge holds its last command about 1 s): the refusals of a moment (a loaded host)
# are ridden out by the next control periods.
CMD_VEL_REFUSED_S = 0.25
CLOSE_WAIT_S = 1.0  # close(): how long calls just cancelled get to let go of their sockets
MAX_ECHOED_CHARS = 200  # of a malformed request, in its rejected status
# Of a mission text over max_mission_chars, in its statuses: a status stays small (the topic
# is TRANSIENT_LOCAL, kept by every late joiner) whatever was sent; 1 MB is echoed as 16 kB.
MAX_ECHOED_TEXT_CHARS = 16384


def new_mission_id() -> str:
    """A short random mission id (for requests that do not bring one)."""
    return uuid.uuid4().hex[:8]


@dataclass
class PlanningJob:
    """One mission being planned by the LLM on a worker thread; it is the plan's sink."""

    mission_id: str
    text: str
    cursor: EnvelopeCursor
    post: Callable[[PlannerEvent], None]
    dry_run: bool = False
    cancelled: threading.Event = field(default_factory=threading.Event)
    handed_over: int = 0
    backend: str = ''  # the backend that planned it (the first asked until one answers)

    def hand_over(self, action: Action, backend: str) -> None:
        """Check one streamed action against the envelope and pass it to the agent."""
        self.backend = backend
        self.cursor.check(action)  # EnvelopeViolation ends the stream at once
        self.handed_over += 1
        self.post(ActionPlanned(self.mission_id, action, backend))


@dataclass
class _Waiting:
    """A mission held until the first odometry arrives (or ``odom_wait_s`` passes)."""

    mission_id: str
    request: MissionRequest
    rules_plan: Plan | None
    deadline: float


class AgentCore:
    """See the module docstring. Every method is called from one thread (the node's)."""

    def __init__(self, config: AgentConfig, backends: list[ChatBackend] | None = None,
                 notify: Callable[[], None] | None = None, robot: str = '',
                 frames: LatestFrame | None = None,
                 hint: Callable[[str, str], str] | None = None) -> None:
        self.config = config
        # How to start with a parameter set (name, value), in the syntax of how the node
        # started: ``-p NAME:=VALUE`` by default, a launch argument under the launch.
        self.hint = hint or (lambda name, value: f'--ros-args -p {name}:={value}')
        self.robot = robot
        self.frames = frames or LatestFrame()
        self.runner = MissionRunner(config, camera=self.frames)
        self.governor = Governor.from_limits(MotionLimits.from_config(config))
        self.limits = Limits.from_config(config)
        self._notify = notify or (lambda: None)
        self._inbox: queue.SimpleQueue[PlannerEvent] = queue.SimpleQueue()
        self._workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix='llm')
        self._odom: tuple[Pose2D, float] | None = None  # pose, receipt time
        self._dead_reckoned = Pose2D()
        self._last_cmd = ZERO
        self._last_tick: float | None = None
        self.stop_move_available = webrtc_req_type() is not None
        self.stop_mode = resolve_stop_mode(config.stop_mode, self.stop_move_available)
        self._stop_repeats = 0  # control ticks that still repeat the last stop
        self._cmd_refused_since: float | None = None  # cmd_vel refused by the DDS since
        # The pose now: the latest odometry dead-reckoned across its delay.
        self.estimator = PoseEstimator(config.odom_latency_s)
        self._clock = 0.0  # the latest time an input brought (commands are timed by it)
        self.go2_mode: int | None = None  # go2_states mode, when the bridge reports it
        self._jobs: dict[str, PlanningJob] = {}
        self._plans: set[Future] = set()  # planning calls in flight (close waits for them)
        self._submitted: dict[str, int] = {}  # mission id -> order of arrival (preemption)
        self._arrivals = 0
        self._waiting: _Waiting | None = None
        self._validation = 0  # generation of the latest validation (older results ignored)
        # Only the start-up validation ends the node; after a parameter change it reports.
        self._exit_on_failure = True
        self.last_outcome = 'no mission yet'
        self.last_reason = ''
        self.backend_note = ''
        self.backend_error = ''
        self.backends: list[ChatBackend] = []
        self.llm: LLMPlanner | None = None
        self.backend_state = BackendState.NONE
        self._install_backends(backends if backends is not None else
                               [make_backend(k, config) for k in config.llm_backends])
        # The look action's vision model: its calls run on their own threads, never on the
        # planners' (a slow image must not hold up a plan) and never on the node's.
        self._vision_workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix='vision')
        # Each look in flight: its cancel event -> its future (close cuts them, then waits).
        self._vision_calls: dict[threading.Event, Future] = {}
        self.vision: VisionClient | None = None
        self.vision_state = BackendState.NONE
        self.vision_error = ''
        self._vision_validation = 0
        self._install_vision(make_vision_client(config))

    # ---- backends ------------------------------------------------------------------------
    def _install_backends(self, backends: list[ChatBackend]) -> None:
        for old in self.backends:
            old.close()
        self.backends = backends
        self.llm = (LLMPlanner(backends, self.config.max_actions, self._post_metrics)
                    if backends else None)
        self.backend_state = BackendState.NONE if self.llm is None else BackendState.VALIDATING
        self.backend_note = self.backend_error = ''

    def _install_vision(self, client: VisionClient | None) -> None:
        if self.vision is not None:
            self.vision.close()
        self.vision = client
        self.runner.vision = self._ask_vision if client is not None else None
        self.vision_state = BackendState.NONE if client is None else BackendState.READY
        self.vision_error = ''

    def _ask_vision(self, frame: CameraFrame, question: str, cancel: threading.Event) -> Any:
        """The runner's look: ask on a vision thread; the future carries the answer."""
        client = self.vision
        mission = self.runner.mission.mission_id if self.runner.mission else None

        def call() -> Any:
            try:
                answer = client.ask_frame(frame, question, cancel)
            except Exception:
                self._post_metrics(_failed_metrics(client), mission)
                raise
            self._post_metrics(answer.metrics, mission)
            return answer

        future = self._vision_workers.submit(call)
        self._vision_calls[cancel] = future
        future.add_done_callback(lambda _: self._vision_calls.pop(cancel, None))
        return future

    def _validate_vision_model(self) -> None:
        self._vision_validation += 1
        self.vision_state = BackendState.VALIDATING
        self._vision_workers.submit(self._vision_check, self._vision_validation, self.vision)

    def _vision_check(self, generation: int, client: VisionClient) -> None:
        try:
            report = validate_vision(
                client, lambda check: self._post(BackendChecked(generation, check, vision=True)))
        except Exception as exc:  # a bug, not a server state: say so
            self._post(VisionValidated(generation, None, f'{type(exc).__name__}: {exc}'))
            return
        self._post(VisionValidated(generation, report))

    def start(self) -> AgentOutput:
        """Begin backend validation (or skip it); returns the start-up log lines.

        ``ready:`` is logged once missions are accepted: at once without an LLM backend or
        without validation, else when validation has passed (a failed one is fatal).
        """
        out = AgentOutput()
        if self.vision is not None and self.config.validate_on_startup:
            self._validate_vision_model()
        if self.llm is not None and self.config.validate_on_startup:
            out.log('info', f'validating the LLM backend ({self.llm_name}) before accepting '
                            f'missions')
            self._validate()
            return out
        if self.llm is not None:
            self.backend_state = BackendState.READY
        self._ready(out)
        return out

    def _ready(self, out: AgentOutput) -> None:
        cfg = self.config
        out.log('info', f'ready: planner=rules{"+" + self.llm_name if self.llm else ""}, '
                        f'cmd_vel at {cfg.control_rate_hz:g} Hz, limits '
                        f'{cfg.max_linear_speed:g} m/s / {cfg.max_angular_speed:g} rad/s')

    def _validate(self) -> None:
        self._validation += 1
        self.backend_state = BackendState.VALIDATING
        self._workers.submit(self._validate_backends, self._validation, list(self.backends))

    @property
    def llm_name(self) -> str:
        """'ollama:phi4:14b -> openai:gpt-4o-mini'."""
        return ' -> '.join(f'{b.name}:{b.model}' for b in self.backends)

    # ---- inputs --------------------------------------------------------------------------
    def odom(self, pose: Pose2D, now: float) -> AgentOutput | None:
        """An odometry pose; a mission waiting for the first odometry starts now."""
        if not all(math.isfinite(v) for v in (pose.x, pose.y, pose.yaw)):
            return None  # a NaN pose is no pose: the runner sees the odometry go stale
        self._odom = (pose, now)
        self._clock = max(self._clock, now)  # ``now`` is its arrival: it may precede a tick
        self.estimator.odom(pose, now)
        if self.runner.home is None:
            self.runner.home = pose  # home is the pose at the first odometry message
        if self._waiting is not None:
            return self._release_waiting(now)
        return None

    def go2_state(self, mode: int, now: float) -> AgentOutput:
        """A go2_states mode; a mode the GO2 cannot walk in ends a moving mission."""
        out = AgentOutput()
        self.go2_mode = mode
        problem = go2_mode_problem(mode)
        if problem and self._moving_step():
            self.halt(out, MissionState.FAILED, f'{problem}; robot stopped', Reason.ROBOT_MODE)
        return out

    def _moving_step(self) -> bool:
        """True when the running mission's current action moves the robot."""
        m = self.runner.mission
        return (m is not None and m.index < len(m.actions)
                and m.actions[m.index].moves)

    def submit(self, data: str, now: float) -> AgentOutput:
        """One mission_command message (text or structured request). Never raises."""
        out = AgentOutput()
        try:
            request = parse_command(data)
        except RequestError as exc:
            mission_id = _echoed_id(data) or new_mission_id()
            text = _clipped(data, MAX_ECHOED_CHARS)
            self._status(out, mission_id, MissionState.RECEIVED, text, message='received')
            self._status(out, mission_id, MissionState.REJECTED, text, message=str(exc),
                         reason=Reason.MALFORMED)
            return out
        mission_id = request.id or new_mission_id()
        text = request.text
        # A text over the limit is refused below: its statuses echo only its start.
        shown = _clipped(text, MAX_ECHOED_TEXT_CHARS)
        self._status(out, mission_id, MissionState.RECEIVED, shown, message='received',
                     dry_run=request.dry_run or None)
        if is_stop_command(text) and not request.dry_run:
            self.halt(out, MissionState.CANCELLED,
                      f'stopped by operator ("{text.strip()}"); robot stopped',
                      Reason.OPERATOR_STOP)
            self._status(out, mission_id, MissionState.SUCCEEDED, text, plan=STOP_PLAN, step=0,
                         message='robot stopped')
            return out
        problem = self._text_problem(text)
        if problem:
            self._status(out, mission_id, MissionState.REJECTED, shown, message=problem[1],
                         reason=problem[0])
            return out
        # A new mission preempts the running one only once its plan is accepted (_take_over):
        # a rejected mission leaves it alone.
        self._arrivals += 1
        self._submitted[mission_id] = self._arrivals
        if len(self._submitted) > 256:  # rejected and dry-run missions leave their entry
            live = set(self._jobs) | ({self._waiting.mission_id} if self._waiting else set())
            self._submitted = {k: n for k, n in self._submitted.items()
                               if k in live or k == mission_id}
        rules_plan = plan_from_rules(text, self.config) if request.planner != 'llm' else None
        if self._must_wait_for_odom(request, rules_plan):
            if self._waiting is not None:  # one mission waits: the newer one
                older, self._waiting = self._waiting, None
                self._status(out, older.mission_id, MissionState.CANCELLED, older.request.text,
                             message=f'preempted by mission {mission_id} (both waiting for '
                                     f'odometry)', reason=Reason.PREEMPTED)
            self._waiting = _Waiting(mission_id, request, rules_plan,
                                     now + self.config.odom_wait_s)
            self._status(out, mission_id, MissionState.PLANNING, text,
                         message=f'waiting up to {self.config.odom_wait_s:g} s for the first '
                                 f"odometry on 'odom'")
            return out
        self._dispatch(out, mission_id, request, rules_plan, now)
        return out

    def cancel(self, now: float) -> AgentOutput:
        """mission_cancel: end whatever runs or plans, and stop."""
        out = AgentOutput()
        out.log('info', 'mission_cancel received: stopping')
        self.halt(out, MissionState.CANCELLED, 'cancelled on mission_cancel; robot stopped',
                  Reason.MISSION_CANCEL)
        return out

    def tick(self, now: float) -> AgentOutput:
        """One control period: advance the running mission."""
        out = AgentOutput()
        if self._waiting is not None and now >= self._waiting.deadline:
            out.merge(self._release_waiting(now))
        pending = self._stop_repeats
        problem = go2_mode_problem(self.go2_mode)
        if problem and self._moving_step():  # a streamed motion step while the GO2 sits
            self.halt(out, MissionState.FAILED, f'{problem}; robot stopped', Reason.ROBOT_MODE)
        if self.estimator.surprise:  # a much longer odometry delay, found while walking
            if self._moving_step():
                self.halt(out, MissionState.FAILED, f'{self.estimator.surprise}; robot stopped',
                          Reason.ODOM_DELAY)
            self.estimator.settle()
        self._emit(out, self.runner.tick(now, self._odom_sample(now)))
        if pending and self._stop_repeats == pending:  # no new command this tick: repeat
            self._stop_repeats -= 1
            out.cmds += stop_commands(self.stop_mode)
        return out

    def cmd_vel_result(self, error: str | None, now: float) -> AgentOutput | None:
        """How publishing this period's commands on cmd_vel went: None when it went out.

        Refused for ``CMD_VEL_REFUSED_S`` while a step moves the robot, the mission fails
        (``cmd_vel_refused``) and the stop is commanded. A refused stop is sent again on the
        next control periods until one goes out.
        """
        if error is None:
            self._cmd_refused_since = None
            return None
        if self._cmd_refused_since is None:
            self._cmd_refused_since = now
        refused_s = now - self._cmd_refused_since
        if not self._moving_step():
            if self._last_cmd.is_zero():
                self._stop_repeats = max(self._stop_repeats, 1)
            return None
        if refused_s < CMD_VEL_REFUSED_S:
            return None
        out = AgentOutput()
        self.halt(out, MissionState.FAILED,
                  f'the DDS refused the velocity commands on cmd_vel for {refused_s:.2f} s '
                  f'({error}); robot commanded to stop', Reason.CMD_VEL_REFUSED)
        return out

    @property
    def stopping(self) -> bool:
        """True while a stop is still being repeated on the next control ticks."""
        return self._stop_repeats > 0

    def drain(self, now: float) -> AgentOutput:
        """Handle every planner event the worker threads posted since the last drain."""
        out = AgentOutput()
        while True:
            try:
                event = self._inbox.get_nowait()
            except queue.Empty:
                return out
            out.merge(self.handle(event, now))

    def handle(self, event: PlannerEvent, now: float) -> AgentOutput:
        """One planner event (normally from a worker thread, through the inbox)."""
        out = AgentOutput()
        if isinstance(event, MetricsReady):
            out.metrics.append(event.metrics)
        elif isinstance(event, VisionValidated):
            if event.generation == self._vision_validation:
                self._on_vision_validated(out, event)
        elif isinstance(event, BackendChecked):
            latest = self._vision_validation if event.vision else self._validation
            if event.generation == latest:
                check = event.check
                out.log({Severity.OK: 'info', Severity.WARN: 'warning'}.get(check.level,
                                                                            'error'),
                        f'{"vision" if event.vision else "backend"} check {check.name}: '
                        f'{check.level.label} — {check.message}')
        elif isinstance(event, BackendsValidated):
            if event.generation == self._validation:
                self._on_validated(out, event.reports)
        elif event.mission_id in self._jobs:
            self._on_planner_event(out, event, now)
        return out

    # ---- decisions -----------------------------------------------------------------------
    @property
    def has_odom(self) -> bool:
        """True once an odometry pose has been received."""
        return self._odom is not None

    @property
    def busy(self) -> bool:
        """True while a mission runs, plans or waits for odometry."""
        return self.runner.busy or bool(self._jobs) or self._waiting is not None

    def _must_wait_for_odom(self, request: MissionRequest, rules_plan: Plan | None) -> bool:
        if self._odom is not None or self.config.allow_open_loop or request.dry_run:
            return False
        if self.config.odom_wait_s <= 0.0:
            return False
        if rules_plan is not None:
            return any(a.moves for a in rules_plan.actions)
        return True  # an LLM plan may move: plan it from a known pose

    def _release_waiting(self, now: float) -> AgentOutput:
        out = AgentOutput()
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self._dispatch(out, waiting.mission_id, waiting.request, waiting.rules_plan, now)
        return out

    def _dispatch(self, out: AgentOutput, mission_id: str, request: MissionRequest,
                  rules_plan: Plan | None, now: float) -> None:
        text = request.text
        if rules_plan is not None:
            self._status(out, mission_id, MissionState.PLANNING, text, message='rule planner')
            self._start_checked(out, mission_id, request, rules_plan, 'rules', now)
            return
        if request.planner == 'rules':
            self._status(out, mission_id, MissionState.REJECTED, text,
                         message=f'the rule planner cannot parse this mission (planner: rules); '
                                 f'{RULES_HELP}', reason=Reason.RULES_CANNOT_PARSE)
            return
        unavailable = self._llm_unavailable()
        if unavailable:
            self._status(out, mission_id, MissionState.REJECTED, text, message=unavailable[1],
                         reason=unavailable[0])
            return
        job = PlanningJob(mission_id, text, self._envelope_cursor(), self._post, request.dry_run)
        self._jobs[mission_id] = job
        self._status(out, mission_id, MissionState.PLANNING, text,
                     message=f'planning with {self.llm_name}', dry_run=request.dry_run or None)
        future = self._workers.submit(self._plan_job, job)
        self._plans.add(future)
        future.add_done_callback(self._plans.discard)

    def _llm_unavailable(self) -> tuple[Reason, str] | None:
        if self.llm is None:
            return Reason.NO_LLM, ('this mission needs a language model, and no LLM backend is '
                                   f'configured (backend=none); {RULES_HELP}')
        if self.backend_state == BackendState.VALIDATING:
            return Reason.LLM_VALIDATING, (f'backend validation in progress ({self.llm_name}); '
                                           f'try again shortly — {RULES_HELP}')
        if self.backend_state == BackendState.FAILED:
            return Reason.LLM_UNUSABLE, (f'LLM backend not usable ({self.backend_error}); '
                                         f'{RULES_HELP}')
        return None

    def _text_problem(self, text: str) -> tuple[Reason, str] | None:
        try:
            check_mission_text(text, self.config.max_mission_chars)
        except MissionTextError as exc:
            return exc.reason, str(exc)
        return None

    def _envelope_cursor(self) -> EnvelopeCursor:
        """The envelope, walking from the robot's pose now, with the geofence around home."""
        start = self._odom[0] if self._odom else Pose2D()
        return EnvelopeCursor(self.limits, start, self.runner.home or start)

    def _start_checked(self, out: AgentOutput, mission_id: str, request: MissionRequest,
                       plan: Plan, planner: str, now: float) -> None:
        try:
            self._envelope_cursor().check_all(plan.actions)
        except EnvelopeViolation as exc:
            self._status(out, mission_id, MissionState.REJECTED, request.text,
                         plan=plan.to_dict(), message=f'outside the safety envelope: {exc}',
                         planner=planner, reason=Reason.ENVELOPE, steps=self._steps(plan))
            return
        problem = self._vision_problem(list(plan.actions))
        if problem is not None:
            self._status(out, mission_id, MissionState.REJECTED, request.text,
                         plan=plan.to_dict(), message=problem[1], planner=planner,
                         reason=problem[0], steps=self._steps(plan))
            return
        if request.dry_run:
            self._dry_run_result(out, mission_id, request.text, plan, planner)
            return
        self._start(out, mission_id, request.text, list(plan.actions), planner, True, now)

    def _dry_run_result(self, out: AgentOutput, mission_id: str, text: str, plan: Plan,
                        planner: str) -> None:
        self._status(out, mission_id, MissionState.SUCCEEDED, text, plan=plan.to_dict(),
                     message=f'dry run: {len(plan.actions)} action(s) planned and inside the '
                             f'safety envelope; not executed', planner=planner, dry_run=True,
                     steps=self._steps(plan))

    def _steps(self, plan: Plan) -> list[dict[str, Any]]:
        """Each step's summary and (where known without executing) target, for a status."""
        return step_views(plan.actions, home=self.runner.home)

    def _start(self, out: AgentOutput, mission_id: str, text: str, actions: list[Action],
               planner: str, plan_closed: bool, now: float) -> None:
        problem = go2_mode_problem(self.go2_mode)
        if problem and any(a.moves for a in actions):
            self._status(out, mission_id, MissionState.REJECTED, text, message=problem,
                         planner=planner, reason=Reason.ROBOT_MODE)
            return
        vision = self._vision_problem(actions)
        if vision is not None:
            self._end_job(mission_id)
            self._status(out, mission_id, MissionState.REJECTED, text, message=vision[1],
                         planner=planner, reason=vision[0])
            return
        self._take_over(out, mission_id)
        extra: dict[str, Any] = {'planner': planner}
        if self.runner.home is not None:
            extra['home'] = self.runner.home.as_dict()
        self._emit(out, self.runner.start(mission_id, text, actions, now,
                                            plan_closed=plan_closed, extra=extra))
        # First command now, not at the next timer tick; the node restarts its timer here.
        self._emit(out, self.runner.tick(now, self._odom_sample(now)))
        out.restart_timer = True

    def _still_inside(self, out: AgentOutput, job: PlanningJob, actions: list[Action],
                      backend: str) -> bool:
        """An LLM plan about to take over, checked again from the pose now.

        The robot may have moved (another mission kept running) while the LLM planned.
        False: the mission is rejected and what runs is left alone.
        """
        try:
            self._envelope_cursor().check_all(actions)
        except EnvelopeViolation as exc:
            self._end_job(job.mission_id)
            self._status(out, job.mission_id, MissionState.REJECTED, job.text,
                         message=f'outside the safety envelope from the pose now: {exc}',
                         planner=backend or None, reason=Reason.ENVELOPE)
            return False
        return True

    def _take_over(self, out: AgentOutput, mission_id: str) -> None:
        """Nav2's convention: an accepted mission preempts what runs, plans or waits.

        Missions submitted after this one and still planning are left to plan (the newest
        accepted one ends up running).
        """
        mine = self._submitted.get(mission_id, -1)
        kept = {k: self._jobs.pop(k) for k in list(self._jobs)
                if self._submitted.get(k, -1) >= mine}
        self._submitted = {k: n for k, n in self._submitted.items()
                           if k in kept or (self._waiting and k == self._waiting.mission_id)}
        running = self.runner.busy
        if running or self._jobs or self._waiting is not None:
            self.halt(out, MissionState.CANCELLED, f'preempted by mission {mission_id}; '
                                                   f'robot stopped', Reason.PREEMPTED)
        self._jobs.update(kept)

    def halt(self, out: AgentOutput, state: MissionState, message: str, reason: Reason) -> None:
        """The single stop path: end what runs, plans or waits, and command a zero Twist."""
        running = self.runner.mission.mission_id if self.runner.mission else None
        for job in list(self._jobs.values()):
            job.cancelled.set()
            if job.mission_id != running:  # a streamed mission ends once, by the runner
                self._status(out, job.mission_id, state, job.text, message=message,
                             reason=reason)
        self._jobs.clear()
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            self._status(out, waiting.mission_id, state, waiting.request.text, message=message,
                         reason=reason)
        self._emit(out, self.runner.abort(state, message, reason))

    def _on_planner_event(self, out: AgentOutput, event: PlannerEvent, now: float) -> None:
        job = self._jobs[event.mission_id]
        running = (self.runner.mission is not None
                   and self.runner.mission.mission_id == event.mission_id)
        if isinstance(event, ActionPlanned):
            if running:
                self.runner.add_action(event.action)
            elif self._still_inside(out, job, [event.action], event.backend):
                self._start(out, job.mission_id, job.text, [event.action], event.backend, False,
                            now)
        elif isinstance(event, PlanComplete):
            self._end_job(event.mission_id)
            vision = self._vision_problem(list(event.plan.actions)) if job.dry_run else None
            if vision is not None:
                self._status(out, job.mission_id, MissionState.REJECTED, job.text,
                             plan=event.plan.to_dict(), message=vision[1],
                             planner=event.backend, reason=vision[0])
            elif job.dry_run:
                self._dry_run_result(out, job.mission_id, job.text, event.plan, event.backend)
            elif running:
                self.runner.close_plan()
            elif self._still_inside(out, job, list(event.plan.actions), event.backend):
                self._start(out, job.mission_id, job.text, list(event.plan.actions),
                            event.backend, True, now)
        elif isinstance(event, PlanFailed):
            self._end_job(event.mission_id)
            if running:
                self._emit(out, self.runner.abort(MissionState.FAILED,
                                                    f'{event.message}; robot stopped',
                                                    event.reason))
            else:
                self._status(out, job.mission_id, event.state, job.text, message=event.message,
                             planner=event.backend or None, reason=event.reason)
                self._command(out, ZERO)

    def _end_job(self, mission_id: str) -> None:
        """A job leaves the agent: its worker, if still running, must stop too."""
        job = self._jobs.pop(mission_id, None)
        if job is not None:
            job.cancelled.set()

    def _on_vision_validated(self, out: AgentOutput, event: VisionValidated) -> None:
        report = event.report
        if report is not None and report.ok:
            self.vision_state, self.vision_error = BackendState.READY, ''
            out.log('info', f'vision model usable: {report.model} at {report.host}; look '
                            f'actions answered')
            return
        failure = report.first_failure() if report is not None else None
        self.vision_error = (f'{failure.name}: {failure.message}' if failure
                             else f'vision validation crashed: {event.error}')
        self.vision_state = BackendState.FAILED
        if self._exit_on_failure:
            look_off = self.hint('vision_model', '""')
            out.log('fatal', f'vision model not usable ({self.vision_error}). Fix it, or start '
                             f'with {look_off} (look off). Exiting.')
            out.exit_code = 1
        else:
            out.log('error', f'vision model not usable after the parameter change '
                             f'({self.vision_error}); look actions will fail, everything else '
                             f'works')

    def _vision_problem(self, actions: list[Action]) -> tuple[Reason, str] | None:
        """Why a plan's look actions cannot be answered now (None: they can, or none)."""
        if not any(isinstance(a, Look) for a in actions):
            return None
        if self.vision is None:
            return (Reason.NO_VISION_MODEL,
                    f'this mission looks with the camera, and {NO_VISION_MESSAGE} '
                    f'(at start: {self.hint("vision_model", "gemma3:4b")}; on a running '
                    f'agent: ros2 param set <node> vision_model gemma3:4b)')
        if self.vision_state == BackendState.FAILED:
            return Reason.VISION_FAILED, (f'the vision model {self.vision.name} failed its '
                                          f'validation ({self.vision_error}); fix it and set '
                                          f'vision_model again')
        return None

    def _on_validated(self, out: AgentOutput, reports: list[Any]) -> None:
        usable = next((r for r in reports if r.ok), None)
        self.backend_note = '; '.join(f'{c.name}: {c.message}' for r in reports
                                      for c in r.warnings)
        if usable is not None:
            self.backend_state = BackendState.READY
            out.log('info', f'LLM backend usable: {usable.backend} {usable.model} at '
                            f'{usable.host}; accepting missions')
            if self._exit_on_failure:  # the start-up validation
                self._ready(out)
            return
        failure = reports[-1].first_failure() if reports else None
        self.backend_error = (f'{failure.name}: {failure.message}' if failure
                              else 'validation did not run')
        self.backend_state = BackendState.FAILED
        if self._exit_on_failure:
            out.log('fatal', f'LLM backend not usable ({self.backend_error}). Fix it, or start '
                             f'with {self.hint("backend", "none")} (the rule planner alone). '
                             f'Exiting.')
            out.exit_code = 1
        else:
            out.log('error', f'LLM backend not usable after the parameter change '
                             f'({self.backend_error}); LLM missions are rejected, the rule '
                             f'planner and stop still work')

    # ---- worker threads ------------------------------------------------------------------
    def _post(self, event: PlannerEvent) -> None:
        self._inbox.put(event)
        self._notify()

    def _post_metrics(self, metrics: LLMMetrics, mission_id: str | None = None) -> None:
        metrics.robot = self.robot or None
        metrics.mission_id = mission_id
        self._post(MetricsReady(metrics))

    def _plan_job(self, job: PlanningJob) -> None:
        stream = self.config.stream_execution and not job.dry_run
        job.backend = self.backends[0].name
        try:
            plan, job.backend = self.llm.plan(
                job.text, job if stream else None, job.cancelled,
                on_metrics=lambda m: self._post_metrics(m, job.mission_id))
            if not stream:
                job.cursor.check_all(plan.actions)
            self._post(PlanComplete(job.mission_id, plan, job.backend))
        except PlanningCancelled:
            pass
        except EnvelopeViolation as exc:
            state = MissionState.FAILED if job.handed_over else MissionState.REJECTED
            self._post(PlanFailed(job.mission_id, state, f'outside the safety envelope: {exc}',
                                  Reason.ENVELOPE, job.backend))
        except PlanningFailed as exc:
            self._post(PlanFailed(job.mission_id, MissionState.FAILED, str(exc),
                                  Reason.PLANNING_FAILED, job.backend))
        except Exception as exc:  # never let a worker die silently
            self._post(PlanFailed(job.mission_id, MissionState.FAILED,
                                  f'planner error: {type(exc).__name__}: {exc}',
                                  Reason.INTERNAL_ERROR, job.backend))

    def _validate_backends(self, generation: int, backends: list[ChatBackend]) -> None:
        reports = []
        for backend in backends:
            try:
                report = validate_backend(
                    backend, self.config.min_tokens_per_s,
                    lambda check: self._post(BackendChecked(generation, check)))
            except Exception as exc:  # a bug, not a backend state: say so and go on
                self._post(BackendChecked(generation, _crash_check(exc)))
                continue
            reports.append(report)
            if report.ok:
                break
        self._post(BackendsValidated(generation, reports))

    # ---- control -------------------------------------------------------------------------
    def _odom_sample(self, now: float) -> OdomSample | None:
        last_tick, self._last_tick = self._last_tick, now
        self._clock = max(self._clock, now)
        if self._odom is not None:
            stamp = self._odom[1]
            return OdomSample(self.estimator.estimate(now) or self._odom[0], now - stamp)
        if not self.config.allow_open_loop:
            return None
        # Dead reckoning from our own commands: only when the operator allowed open loop.
        dt = now - last_tick if last_tick is not None else 0.0
        p, c = self._dead_reckoned, self._last_cmd
        heading = p.yaw
        self._dead_reckoned = Pose2D(
            p.x + (c.linear * math.cos(heading) - c.lateral * math.sin(heading)) * dt,
            p.y + (c.linear * math.sin(heading) + c.lateral * math.cos(heading)) * dt,
            wrap_angle(p.yaw + c.angular * dt))
        return OdomSample(self._dead_reckoned, 0.0)

    def _govern(self, cmd: Twist2D) -> Twist2D:
        safe = self.governor.apply(cmd)
        self._last_cmd = safe
        self.estimator.command(safe, self._clock)
        return safe

    def _command(self, out: AgentOutput, cmd: Twist2D) -> None:
        """A governed command; a stop is sent as ``stop_mode`` says (see motion.stop)."""
        safe = self._govern(cmd)
        if not safe.is_zero():
            self._stop_repeats = 0
            out.cmds.append(safe)
            return
        out.cmds += stop_commands(self.stop_mode)
        if self.stop_mode == 'go2':
            self._stop_repeats = GO2_STOP_REPEATS
            out.stop_move = True

    def _emit(self, out: AgentOutput, tick: TickOutput) -> None:
        if tick.cmd is not None:
            self._command(out, tick.cmd)
        for status in tick.events:
            self._add_status(out, status)

    def _status(self, out: AgentOutput, mission_id: str, state: MissionState, text: str,
                **fields_: Any) -> None:
        self._add_status(out, MissionStatus(mission_id=mission_id, state=state, text=text,
                                            **fields_))

    def _add_status(self, out: AgentOutput, status: MissionStatus) -> None:
        out.statuses.append(status)
        if status.terminal:
            self.last_outcome = f'{status.mission_id} {status.state}: {status.message}'
            self.last_reason = status.reason or ''
            # A mission that ended (a fault mid-execution, say) must not be restarted by the
            # rest of its plan still streaming in: end its planning too.
            self._end_job(status.mission_id)

    # ---- parameters ----------------------------------------------------------------------
    def reconfigure(self, config: AgentConfig) -> AgentOutput:
        """Apply new parameter values (``ros2 param set``).

        Limits and speeds take effect from the next tick (the governor at once), planner
        settings from the next mission, backends after a new validation.
        """
        out = AgentOutput()
        old, self.config = self.config, config
        changed = {f.name for f in fields(config) if getattr(config, f.name) != getattr(old,
                                                                                       f.name)}
        if not changed:
            return out
        self.stop_mode = resolve_stop_mode(config.stop_mode, self.stop_move_available)
        self.estimator.configured_latency_s = config.odom_latency_s
        self.governor.set_limits(MotionLimits.from_config(config))
        self.limits = Limits.from_config(config)
        self.runner.reconfigure(config)
        if changed & backend_params():
            self._exit_on_failure = False
            self._install_backends([make_backend(k, config) for k in config.llm_backends])
            if self.llm is not None:
                self._validate()
            what = ', '.join(sorted(changed & backend_params()))
            out.log('info', f'backend settings changed ({what}): '
                            f'{"re-validating " + self.llm_name if self.llm else "rules only"}')
        elif self.llm is not None and 'max_actions' in changed:
            self.llm = LLMPlanner(self.backends, config.max_actions, self._post_metrics)
        if changed & VISION_PARAMS and (self.vision is not None or config.vision_model):
            self._exit_on_failure = False
            self._install_vision(make_vision_client(config))
            if self.vision is not None:
                self._validate_vision_model()
            now_on = f're-validating {self.vision.name}' if self.vision else 'look off'
            out.log('info', f'vision settings changed: {now_on}')
        out.log('info', f'parameters changed: {", ".join(sorted(changed))}')
        return out

    # ---- diagnostics ---------------------------------------------------------------------
    def diagnostics(self, now: float) -> list[DiagStatus]:
        """The agent's own statuses: Backend and Mission (tasks in diagnostics.py)."""
        snap = self.snapshot(now)
        return [backend_task(snap), mission_task(snap)]

    def snapshot(self, now: float) -> AgentSnapshot:
        """What the diagnostics show, copied out now (frozen: safe to keep or hand over)."""
        m = self.runner.mission
        received = self.odom_received
        return AgentSnapshot(
            llm_name=self.llm_name, has_llm=self.llm is not None,
            backend_state=self.backend_state, backend_error=self.backend_error,
            backend_note=self.backend_note, validated=self.validated,
            running=m.mission_id if m else None, step=m.index + 1 if m else 0,
            steps=len(m.actions) if m else 0, planning=tuple(self.planning),
            last_outcome=self.last_outcome, last_reason=self.last_reason,
            odom_age_s=now - received if received is not None else None,
            governor_clamps=self.governor.clamp_count,
            # the limits the governor holds now (the last gate before cmd_vel)
            max_linear_mps=self.governor.max_linear,
            max_angular_rps=self.governor.max_angular,
            vision_name=self.vision.name if self.vision else '', vision_state=self.vision_state,
            vision_error=self.vision_error)

    @property
    def odom_received(self) -> float | None:
        """Receipt time of the latest odometry (None before the first)."""
        return self._odom[1] if self._odom else None

    @property
    def validated(self) -> bool:
        """True once a backend validation has been started (validate_on_startup)."""
        return self._validation > 0

    @property
    def planning(self) -> list[str]:
        """Ids of the missions being planned by the LLM."""
        return list(self._jobs)

    # ---- end -----------------------------------------------------------------------------
    def shutdown(self) -> AgentOutput:
        """On SIGINT/SIGTERM: end the mission; the output always carries a zero Twist."""
        out = AgentOutput()
        self.halt(out, MissionState.CANCELLED, 'agent shutting down; robot stopped',
                  Reason.SHUTDOWN)
        self._workers.shutdown(wait=False, cancel_futures=True)
        self._vision_workers.shutdown(wait=False, cancel_futures=True)
        return out

    def close(self) -> None:
        """Stop the worker threads and release the backends."""
        for job in self._jobs.values():
            job.cancelled.set()
        calls = dict(self._vision_calls)
        for cancel in calls:  # a look in flight: its connection is cut
            cancel.set()
        # ... before the clients close: a socket closed under a blocked read is not cut.
        wait([*calls.values(), *self._plans], timeout=CLOSE_WAIT_S)
        self._workers.shutdown(wait=False, cancel_futures=True)
        self._vision_workers.shutdown(wait=False, cancel_futures=True)
        for backend in self.backends:
            backend.close()
        if self.vision is not None:
            self.vision.close()


def _clipped(text: str, limit: int) -> str:
    """The text, or its first ``limit`` characters and '...' when it is longer."""
    return text if len(text) <= limit else text[:limit] + '...'


def _echoed_id(data: str) -> str | None:
    """The id of a malformed request, when it has a usable one (so the client can match)."""
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError):
        return None
    value = raw.get('id') if isinstance(raw, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def _failed_metrics(client: VisionClient) -> LLMMetrics:
    """llm_metrics of a vision call that got no answer."""
    return LLMMetrics(backend=client.kind, model=client.model, ok=False)


def _crash_check(exc: Exception) -> CheckResult:
    return CheckResult('validation', Severity.ERROR,
                       f'backend validation crashed: {type(exc).__name__}: {exc}', 0.0)
