# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The robot test plan's runner: missions, watching and aborts, in plain Python (no ROS).

``RobotTestRunner`` runs the phases (robot_test_phases.py: startup, text only, motion,
performance) through a
``MissionLink`` (common/mission_link.py): it sends structured requests, waits for their ends by
id and judges them, and watches what the link receives: statuses, llm_metrics, odometry,
/diagnostics and cmd_vel. It ends the run and stops the robot at once when a mission runs
over its time limit, the LLM's decode speed collapses, or a cmd_vel exceeds the agent's
speed limits. It decides on reason codes and diagnostic keys (contract.py), never on the
wording of a message. Over ROS the link is the MissionClient that tools/robot_test.py
builds; in tests it can be an agent in the same process.
"""

from __future__ import annotations

import datetime
import math
import socket
import threading
import time
from typing import Any, Callable, Iterable

from ..common.contract import DiagKey, DiagTask, LLMMetrics, MissionStatus, PlannerChoice
from ..common.geometry import Pose2D
from ..common.mission_link import (
    ClientEvent,
    CmdReceived,
    MetricsReceived,
    MissionLink,
    StatusReceived,
)
from .robot_test_cases import (
    Criteria,
    MissionRecord,
    MissionSpec,
    PHASE3_MISSIONS,
    PhasePolicy,
    PhaseResult,
    RunResult,
)
from .robot_test_phases import NEEDS_LLM, PhaseRunner

__all__ = ['NEEDS_LLM', 'RobotTestRunner', 'default_policies']

SPEED_MARGIN = 1.01  # a cmd_vel 1 % over the agent's limit is over the envelope


class RobotTestRunner(PhaseRunner):
    """Runs the phases through a MissionLink that something else keeps fed (a spinning node).

    ``diag_prefix`` is the namespace the agent's /diagnostics names carry ('robot1/'), so
    that another robot's statuses are not read as this one's. The link must watch
    /diagnostics and cmd_vel.
    """

    def __init__(self, link: MissionLink, criteria: Criteria | None = None,
                 say: Callable[[str], None] | None = None, startup_timeout_s: float = 120.0,
                 diag_prefix: str = '') -> None:
        self.client = link
        self.criteria = criteria or Criteria()
        self.say = say or (lambda line: print(line, flush=True))
        self.startup_timeout_s = startup_timeout_s
        self.diag_prefix = diag_prefix
        self.abort_reason = ''
        self.halted = ''
        self.limits: tuple[float, float] | None = None
        self.backend: dict[str, Any] = {}
        self.first_tps: float | None = None
        self._lock = threading.Lock()
        self._sent: set[str] = set()
        self._seen: dict[tuple[str, str], float] = {}  # (mission id, state) -> receipt time
        link.add_listener(self._on_event)

    # ---- watching ------------------------------------------------------------------------
    def _on_event(self, event: ClientEvent) -> None:
        if isinstance(event, StatusReceived):
            status = event.status
            with self._lock:
                self._seen.setdefault((status.mission_id, status.state.value), event.time)
        elif isinstance(event, MetricsReceived):
            self._check_throughput(event.metrics)
        elif isinstance(event, CmdReceived):
            self._check_cmd(event)

    def _check_throughput(self, metrics: LLMMetrics) -> None:
        if metrics.mission_id not in self._sent or not metrics.ok or not metrics.tokens_per_s:
            return
        tps = float(metrics.tokens_per_s)
        if self.first_tps is None:
            self.first_tps = tps
        elif tps < self.criteria.collapse_ratio * self.first_tps:
            self.abort(f'throughput collapse: {tps:.1f} tok/s is below '
                       f"{self.criteria.collapse_ratio:g} x the first mission's "
                       f'{self.first_tps:.1f} tok/s (mission {metrics.mission_id})')

    def _check_cmd(self, cmd: CmdReceived) -> None:
        if self.limits is None:
            return
        max_linear, max_angular = self.limits
        planar = math.hypot(cmd.linear, cmd.lateral)
        if planar > max_linear * SPEED_MARGIN + 1e-6 or \
                abs(cmd.angular) > max_angular * SPEED_MARGIN + 1e-6:
            self.abort(f'cmd_vel over the envelope: {planar:.2f} m/s planar, '
                       f"{cmd.angular:+.2f} rad/s; the agent's limits are {max_linear:g} m/s "
                       f'and {max_angular:g} rad/s')

    def abort(self, reason: str) -> None:
        """Record the first abort reason; the run loop stops the robot and ends the run."""
        with self._lock:
            if not self.abort_reason:
                self.abort_reason = reason
        self.client.wake()

    def stop_robot(self) -> None:
        """Stop the robot (stop + mission_cancel) and wait for a zero cmd_vel and rest."""
        if self.halted:
            return
        try:
            self.client.stop()
        except ConnectionError as exc:  # the DDS refused it: say so, use the remote
            self.halted = f'the stop could not be sent ({exc}): stop the robot with the remote'
        else:
            cmds = self.client.cmds
            zero = self.client.wait(lambda: bool(cmds) and cmds[-1].zero
                                    and time.monotonic() - cmds[-1].time < 5.0, 3.0)
            pose = self._settle()
            where = f' at ({pose.x:.2f}, {pose.y:.2f})' if pose else ''
            self.halted = (f'robot stopped{where}: "stop" and mission_cancel sent, '
                           f'{"last cmd_vel a zero Twist" if zero else "no zero cmd_vel seen"}')
        self.say(f'ABORT: {self.abort_reason}; {self.halted}')

    # ---- start-up ------------------------------------------------------------------------
    def _diag(self, task: str) -> dict[str, Any] | None:
        return self.client.latest_diagnostics(f'{self.diag_prefix}{task}')

    def preflight(self) -> str:
        """Wait for the agent, its Backend verdict and its limits; '' or why nothing can run."""
        timeout = self.startup_timeout_s
        discovery = min(timeout, 30.0)
        if not self.client.wait_ready(discovery, need_odom=False):
            return (f'no mission_agent subscribed to mission_command within {discovery:g} s '
                    f'(is it running, in this ROS_DOMAIN_ID and namespace?)')

        def decided() -> dict[str, Any] | None:
            diag = self._diag(DiagTask.AGENT_BACKEND)
            if diag and diag['values'].get(DiagKey.BACKEND_STATE) != 'validating':
                return diag
            return None
        backend = self.client.wait(decided, timeout) or self._diag(DiagTask.AGENT_BACKEND)
        if backend is None:
            self.backend = {'state': 'unknown', 'message': f'no mission_agent: Backend '
                                                           f'diagnostics within {timeout:g} s'}
        else:
            values = backend['values']
            self.backend = {'state': values.get(DiagKey.BACKEND_STATE, 'unknown'),
                            'message': backend['message'], 'level': backend['level'],
                            'planner': values.get(DiagKey.PLANNER, ''),
                            'validated': values.get(DiagKey.VALIDATED, '')}
        mission = self.client.wait(lambda: self._diag(DiagTask.AGENT_MISSION), 5.0)
        if mission is not None:
            try:
                self.limits = (float(mission['values'][DiagKey.MAX_LINEAR_MPS]),
                               float(mission['values'][DiagKey.MAX_ANGULAR_RPS]))
            except (KeyError, ValueError):
                self.limits = None
        return ''

    # ---- one mission ---------------------------------------------------------------------
    def run_mission(self, phase: int, index: int, text: str, planner: PlannerChoice,
                    dry_run: bool, total: int) -> MissionRecord:
        """Send one request and wait for its end (or the time limit, or an abort)."""
        rec = MissionRecord(phase, index, text, planner, dry_run)
        if self.abort_reason:
            rec.verdict, rec.why = 'skipped', 'not sent: the run was aborted'
            return rec
        rec.start = self._settle() if not dry_run else self.client.pose
        timeout = self.criteria.mission_timeout_s
        t0 = time.monotonic()
        try:
            rec.mission_id = self.client.send(text, planner=planner, dry_run=dry_run)
        except ConnectionError as exc:
            self.abort(f'mission "{text}" could not be sent: {exc}')
            rec.verdict, rec.why = 'skipped', f'not sent: {exc}'
            self.stop_robot()
            return rec
        self._sent.add(rec.mission_id)
        final = self.client.wait(lambda: self.client.terminal_of(rec.mission_id)
                                 or self.abort_reason, timeout)
        rec.seconds = round(time.monotonic() - t0, 3)
        if not isinstance(final, MissionStatus):
            final = self.client.terminal_of(rec.mission_id)
        if final is None and not self.abort_reason:
            self.abort(f'mission "{text}" still running after {timeout:g} s '
                       f'(limit --mission-timeout)')
        self._fill(rec, final, t0)
        if self.abort_reason:
            self.stop_robot()
        elif not dry_run:
            rec.end = self._settle()
        return rec

    def _fill(self, rec: MissionRecord, final: MissionStatus | None, t0: float) -> None:
        statuses = self.client.statuses_for(rec.mission_id)
        rec.planner = next((s.planner for s in reversed(statuses) if s.planner), '') or ''
        if final is None:
            rec.state = 'aborted' if self.abort_reason else 'timeout'
            rec.message = self.abort_reason
            rec.plan = next((s.plan for s in reversed(statuses) if s.plan), None)
            return
        rec.state, rec.message, rec.plan = final.state.value, final.message, final.plan
        rec.reason = final.reason or ''
        with self._lock:
            started = self._seen.get((rec.mission_id, 'executing'))
            ended = self._seen.get((rec.mission_id, rec.state))
        first = ended if rec.dry_run or started is None else started
        rec.response_s = round(first - t0, 3) if first is not None else rec.seconds
        if rec.planner and rec.planner != 'rules':
            metrics = self.client.wait(lambda: self._metrics_of(rec.mission_id), 3.0)
            if metrics:
                m = metrics[0]
                rec.tokens_per_s = _round(m.tokens_per_s, 2)
                rec.ttft_s = _round(m.ttft_s, 3)
                rec.llm_total_s = _round(m.total_s, 3)

    def _metrics_of(self, mission_id: str) -> list[LLMMetrics]:
        with self.client.cond:
            return [m for _, m in self.client.metrics
                    if m.mission_id == mission_id and m.ok and m.tokens_per_s]

    def _settle(self, timeout: float = 3.0, still_s: float = 0.25) -> Pose2D | None:
        """Wait until odometry shows the robot at rest (no motion for ``still_s``)."""
        client = self.client
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            with client.cond:
                pose, stamp = client.pose, client.pose_time
                recent = []
                for sample in reversed(client.trajectory):
                    recent.append(sample)
                    if sample[0] < now - still_s:
                        break
            if pose is None or stamp is None or now - stamp > 1.0:
                return pose  # no odometry (or it stopped): nothing to wait for
            covered = len(recent) > 1 and recent[-1][0] < now - still_s
            if covered and all(math.hypot(s[1] - pose.x, s[2] - pose.y) < 0.002
                               and abs(s[3] - pose.yaw) < math.radians(0.2) for s in recent):
                return pose
            if now >= deadline:
                return pose
            time.sleep(0.05)

    def home(self) -> Pose2D | None:
        """The agent's home pose, as its statuses report it."""
        with self.client.cond:
            homes = [s.home for s in self.client.statuses if s.home]
        if not homes:
            return None
        h = homes[-1]
        return Pose2D(h['x'], h['y'], math.radians(h.get('yaw_deg', 0.0)))

    # ---- the run -------------------------------------------------------------------------
    def run(self, phases: Iterable[int], policies: dict[int, PhasePolicy] | None = None,
            missions: Iterable[MissionSpec] = PHASE3_MISSIONS, allow_motion: bool = False,
            notes: Iterable[str] = ()) -> RunResult:
        """Run the chosen phases in order; stop the robot and end early on an abort."""
        policies = policies or {}
        self.allow_motion = allow_motion  # phase 1 moves the robot to measure the bridge
        started_wall = datetime.datetime.now().astimezone().isoformat(timespec='seconds')
        t0 = time.monotonic()
        result = RunResult([], self.criteria, allow_motion, started_wall,
                           host=socket.gethostname(), notes=list(notes))
        problem = self.preflight()
        result.backend = dict(self.backend)
        if self.limits:
            result.limits = {'max_linear': self.limits[0], 'max_angular': self.limits[1]}
        self.say(f'robot_test: agent backend: {self.backend.get("message", "n/a")} '
                 f'(state {self.backend.get("state", "n/a")}); limits '
                 f'{result.limits or "unknown (cmd_vel not watched)"}')
        for number in sorted(set(phases)):
            policy = policies.get(number, PhasePolicy())
            if problem:
                phase = PhaseResult(number, policy, 'failed', problem)
            elif self.abort_reason:
                phase = PhaseResult(number, policy, 'not run', 'not run: the run was aborted')
            elif policy.skip:
                phase = PhaseResult(number, policy, 'skipped', policy.skip)
            else:
                self.say(f'--- phase {number}: {PhaseResult(number, policy).title} '
                         f'(planner {policy.planner}) ---')
                phase = self._phase(number, policy, missions, allow_motion)
                if self.abort_reason:
                    phase.status, phase.reason = 'aborted', f'aborted: {self.abort_reason}'
            result.phases.append(phase)
            self.say(f'phase {number} ({phase.title}): {phase.status.upper()} — '
                     f'{phase.summary()}')
        if self.abort_reason:
            self.stop_robot()
            result.aborted = f'{self.abort_reason}; {self.halted}'
        result.duration_s = time.monotonic() - t0
        result.trajectory = self._trajectory(t0)
        return result

    def _phase(self, number: int, policy: PhasePolicy, missions: Iterable[MissionSpec],
               allow_motion: bool) -> PhaseResult:
        if number == 1:
            return self.phase1(policy)
        if number == 2:
            return self.phase2(policy)
        if number == 3:
            return self.phase3(policy, missions, allow_motion)
        return self.phase4(policy, allow_motion)

    def _trajectory(self, since: float, period_s: float = 0.1
                    ) -> list[tuple[float, float, float]]:
        with self.client.cond:
            samples = [s for s in self.client.trajectory if s[0] >= since]
        out: list[tuple[float, float, float]] = []
        for t, x, y, _ in samples:
            if not out or t - since - out[-1][0] >= period_s:
                out.append((t - since, x, y))
        if samples and out and samples[-1][0] - since != out[-1][0]:
            out.append((samples[-1][0] - since, samples[-1][1], samples[-1][2]))
        return out


def default_policies(planner: PlannerChoice) -> dict[int, PhasePolicy]:
    """The CLI's policy: every phase judged; phase 4 always asks the LLM (unless rules)."""
    return {1: PhasePolicy(planner), 2: PhasePolicy(planner), 3: PhasePolicy(planner),
            4: PhasePolicy('rules' if planner == 'rules' else 'llm')}


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
