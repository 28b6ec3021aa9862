# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""robot_test: the robot test plan (startup, text only, motion, performance) against a live agent.

Usage: ``python -m shadowhound_llm robot_test [--phases 1,2,3,4] [--planner auto|rules|llm]
[--missions FILE] [--allow-motion] [--out DIR] [--ros-args ...]``

Sends structured mission requests to a running ``mission_agent`` through the package's
``MissionClient``, watches ``mission_status``, ``odom``, ``llm_metrics``, ``cmd_vel`` and
``/diagnostics``, and writes ``report.md``, ``report.json`` and ``trajectory.png``. The
robot is stopped and the run ends at once when a mission runs over its time limit, the LLM's
decode speed collapses, or any ``cmd_vel`` exceeds the agent's speed limits. Exit status: 0
when every chosen phase passed (skipped and not-judged phases do not fail the run), 1
otherwise, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, replace
import datetime
import math
from pathlib import Path
import socket
import sys
import threading
import time
from typing import Any, Callable, Iterable

from geometry_msgs.msg import Twist
import rclpy
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from ..common.contract import LLMMetrics, MissionStatus, PlannerChoice
from ..common.geometry import Pose2D
from ..evaluation.bridge_measure import (
    BridgeFigures,
    odom_timing,
    recommend,
    response_time,
    STOP_TRAVEL_OK_M,
    travel_after_stop,
)
from ..evaluation.robot_test_cases import (
    CheckRecord,
    Criteria,
    judge_plan,
    judge_pose,
    load_missions,
    MissionRecord,
    MissionSpec,
    PHASE1_MISSION,
    PHASE2_MISSIONS,
    PHASE3_MISSIONS,
    PHASE4_MISSIONS,
    PhasePolicy,
    PhaseResult,
    RunResult,
    spread,
)
from ..evaluation.robot_test_report import VERDICT_WORDS, write_report
from ..nodes import conversions as conv
from ..nodes.mission_client import MissionClient
from ..nodes.ros_common import CMD_VEL_QOS, spinning

GB_PER_GIB = 1024 ** 3 / 1e9
SPEED_MARGIN = 1.01  # a cmd_vel 1 % over the agent's limit is over the envelope
BRIDGE_SAMPLE_S = 3.0  # phase 1: odometry watched at rest this long
BRIDGE_WALK_S = 1.5  # phase 1: the walk that is stopped, after this long
NO_LLM_WORDS = ('needs a language model', 'cannot parse this mission (planner: rules)')


class RobotTest:
    """Runs the phases through a MissionClient; the node must be spinning on another thread.

    Give it the node to add its subscriptions to (and, optionally, a MissionClient already on
    that node, created with ``diagnostics=True``).
    """

    def __init__(self, node: Node, client: MissionClient | None = None,
                 criteria: Criteria | None = None, say: Callable[[str], None] | None = None,
                 startup_timeout_s: float = 120.0) -> None:
        self.node = node
        self.client = client or MissionClient(node, diagnostics=True)
        self.criteria = criteria or Criteria()
        self.say = say or (lambda line: print(line, flush=True))
        self.startup_timeout_s = startup_timeout_s
        namespace = node.get_namespace().strip('/')
        self.diag_prefix = f'{namespace}/' if namespace else ''
        self.abort_reason = ''
        self.halted = ''
        self.limits: tuple[float, float] | None = None
        self.backend: dict[str, Any] = {}
        self.first_tps: float | None = None
        self._lock = threading.Lock()
        self._sent: set[str] = set()
        self._seen: dict[tuple[str, str], float] = {}  # (mission id, state) -> receipt time
        self.cmds: list[tuple[float, float, float, float]] = []  # (t, x, y, angular)
        node.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)
        self.client.add_listener(self._on_item)

    # ---- watching ------------------------------------------------------------------------
    def _on_item(self, kind: str, item: Any) -> None:
        if kind == 'status' and isinstance(item, MissionStatus):
            with self._lock:
                self._seen.setdefault((item.mission_id, item.state.value), time.monotonic())
        elif kind == 'metrics' and isinstance(item, LLMMetrics):
            self._check_throughput(item)

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

    def _on_cmd(self, msg: Twist) -> None:
        cmd = conv.twist_from_msg(msg)
        self.cmds.append((time.monotonic(), cmd.linear, cmd.lateral, cmd.angular))
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
        with self.client.cond:
            self.client.cond.notify_all()

    def stop_robot(self) -> None:
        """Stop the robot (stop + mission_cancel) and wait for a zero cmd_vel and rest."""
        if self.halted:
            return
        self.client.stop()
        zero = self.client.wait(lambda: bool(self.cmds) and self.cmds[-1][1:] == (0, 0, 0)
                                and time.monotonic() - self.cmds[-1][0] < 5.0, 3.0)
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
            diag = self._diag('mission_agent: Backend')
            if diag and diag['values'].get('state') != 'validating':
                return diag
            return None
        backend = self.client.wait(decided, timeout) or self._diag('mission_agent: Backend')
        if backend is None:
            self.backend = {'state': 'unknown', 'message': f'no mission_agent: Backend '
                                                           f'diagnostics within {timeout:g} s'}
        else:
            self.backend = {'state': backend['values'].get('state', 'unknown'),
                            'message': backend['message'], 'level': backend['level'],
                            'planner': backend['values'].get('planner', ''),
                            'validated': backend['values'].get('validated', '')}
        mission = self.client.wait(lambda: self._diag('mission_agent: Mission'), 5.0)
        if mission is not None:
            try:
                self.limits = (float(mission['values']['max linear [m/s]']),
                               float(mission['values']['max angular [rad/s]']))
            except (KeyError, ValueError):
                self.limits = None
        return ''

    @property
    def has_llm(self) -> bool:
        """True when the agent reported a usable LLM backend."""
        return self.backend.get('state') == 'ready'

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
        rec.mission_id = self.client.send(text, planner=planner, dry_run=dry_run)
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

    def _progress(self, rec: MissionRecord, total: int, detail: str) -> None:
        mode = 'dry run' if rec.dry_run else 'motion'
        served = f' via {rec.planner}' if rec.planner else ''
        secs = f' in {rec.seconds:.1f} s' if rec.seconds is not None else ''
        self.say(f'[phase {rec.phase} {rec.index}/{total}] "{rec.text}" ({rec.planner_asked}, '
                 f'{mode}) -> {rec.state}{served}{secs}: {detail} ... '
                 f'{VERDICT_WORDS[rec.verdict]}')

    def _needs_llm(self, rec: MissionRecord) -> str:
        """Why a rejected mission is skipped rather than failed ('' = it failed)."""
        if rec.state != 'rejected' or not any(w in rec.message for w in NO_LLM_WORDS):
            return ''
        if rec.planner_asked == 'rules':
            return 'needs the LLM; skipped with planner rules'
        if not self.has_llm and rec.planner_asked == 'auto':
            return 'needs the LLM; the agent has none (rule planner only)'
        return ''

    # ---- phases --------------------------------------------------------------------------
    def phase1(self, policy: PhasePolicy) -> PhaseResult:
        """Startup: the agent answers, its backend validation passed, first LLM reply < 5 s."""
        res = PhaseResult(1, policy)
        res.checks.append(CheckRecord('agent answering', 'pass',
                                      f'{self.client.agent_count()} subscriber(s)',
                                      detail='mission_agent subscribed to mission_command'))
        state, message = self.backend.get('state'), self.backend.get('message', '')
        if state == 'ready' and self.backend.get('validated', '').lower() in ('no', 'false'):
            res.checks.append(CheckRecord('backend validation', 'fail', 'not validated',
                                          'ready', f'{message}: the agent skipped its '
                                                   f'validation (validate_on_startup false)'))
        elif state == 'ready':
            res.checks.append(CheckRecord('backend validation', 'pass', state, 'ready',
                                          message))
        elif state == 'none' and policy.planner != 'llm':
            res.checks.append(CheckRecord('backend validation', 'skipped', state, 'ready',
                                          f'no LLM backend: {message}'))
        else:
            res.checks.append(CheckRecord('backend validation', 'fail', str(state), 'ready',
                                          message))
        if policy.planner == 'rules':
            res.checks.append(CheckRecord('first LLM reply', 'skipped',
                                          detail='planner rules never calls the LLM'))
        elif not self.has_llm:
            res.checks.append(CheckRecord('first LLM reply', 'skipped' if state == 'none'
                                          and policy.planner != 'llm' else 'fail',
                                          detail='no usable LLM backend'))
        else:
            rec = self.run_mission(1, 1, PHASE1_MISSION.text, 'llm', True, 1)
            limit = self.criteria.max_first_reply_s
            ok = rec.state == 'succeeded' and rec.response_s is not None \
                and rec.response_s < limit
            rec.verdict = 'pass' if ok else 'fail'
            if not policy.judged or not math.isfinite(limit):
                rec.verdict = 'info'  # shown, not judged (no limit)
            detail = (f'{rec.state} via {rec.planner or "-"}; ttft '
                      f'{_fmt(rec.ttft_s, 2)} s, {_fmt(rec.tokens_per_s, 1)} tok/s; '
                      f'{rec.message[:80]}')
            res.checks.append(CheckRecord('first LLM reply', rec.verdict,
                                          f'{_fmt(rec.response_s, 2)} s',
                                          f'< {limit:g} s' if math.isfinite(limit) else 'none',
                                          detail))
            res.figures['first_reply'] = rec.as_dict()
            self._progress(rec, 1, f'{_fmt(rec.response_s, 2)} s (limit '
                                   f'{f"{limit:g} s" if math.isfinite(limit) else "none"})')
        self._measure_bridge(res)
        for check in res.checks:
            if check.name != 'first LLM reply':
                self.say(f'[phase 1] {check.name}: {VERDICT_WORDS[check.verdict]} — {check.value} '
                         f'{check.detail}'.rstrip())
        return res.finish()

    def _measure_bridge(self, res: PhaseResult) -> None:
        """The bridge on this robot: odometry timing; with motion, response and a stop."""
        figs = BridgeFigures()
        t0 = time.monotonic()
        self.client.wait(lambda: self.abort_reason, BRIDGE_SAMPLE_S)  # odometry at rest
        figs.odom_rate_hz, figs.odom_max_gap_s = odom_timing(
            list(self.client.trajectory), t0, time.monotonic())
        res.checks.append(CheckRecord(
            'odometry rate', 'info', f'{_fmt(figs.odom_rate_hz, 1)} Hz',
            detail=f'largest gap {_fmt(figs.odom_max_gap_s, 2)} s over '
                   f'{BRIDGE_SAMPLE_S:g} s at rest'))
        if not getattr(self, 'allow_motion', False):
            res.checks.append(CheckRecord('bridge response and stop', 'skipped',
                                          detail='needs --allow-motion (a 10 deg turn and a '
                                                 'short walk stopped after 1.5 s)'))
        elif not self.abort_reason:
            since = time.monotonic()
            self.run_mission(1, 2, 'turn left 10 degrees', 'rules', False, 2)
            figs.response_s = response_time(list(self.cmds), list(self.client.trajectory),
                                            since)
            res.checks.append(CheckRecord('command -> motion', 'info',
                                          f'{_fmt(figs.response_s, 2)} s',
                                          detail='first cmd_vel of a 10 deg turn to the '
                                                 'first odometry showing it'))
            self._walk_and_stop(figs)
            res.checks.append(CheckRecord(
                'travel after stop', 'info', f'{_fmt(figs.travel_after_stop_m, 3)} m',
                f'<= {STOP_TRAVEL_OK_M:g} m', f'stop sent at '
                                               f'{_fmt(figs.stop_speed_mps, 2)} m/s'))
        res.figures['bridge'] = asdict(figs)
        for name, value in recommend(figs).items():
            res.checks.append(CheckRecord(f'recommended {name}', 'info', value.split()[0],
                                          detail=' '.join(value.split()[1:])))
            self.say(f'[phase 1] recommended {name}: {value}')

    def _walk_and_stop(self, figs: BridgeFigures) -> None:
        mission_id = self.client.send('move forward 1 meter', planner='rules')
        self._sent.add(mission_id)

        def walked() -> bool:
            moving = [c for c in self.cmds if c[1] > 0.005]
            return bool(self.abort_reason or self.client.terminal_of(mission_id) or (
                moving and time.monotonic() - moving[0][0] >= BRIDGE_WALK_S))
        self.client.wait(walked, 10.0)
        if self.abort_reason or self.client.terminal_of(mission_id):
            return
        figs.stop_speed_mps = self.cmds[-1][1] if self.cmds else None
        stop_sent = time.monotonic()
        self.client.stop()
        self._settle(timeout=6.0, still_s=0.5)
        figs.travel_after_stop_m = travel_after_stop(list(self.client.trajectory), stop_sent,
                                                     figs.response_s or 0.0)

    def phase2(self, policy: PhasePolicy) -> PhaseResult:
        """Text only: three dry-run missions; each plan valid and sensible."""
        res = PhaseResult(2, policy)
        for i, spec in enumerate(PHASE2_MISSIONS, 1):
            start = self.client.pose or Pose2D()
            rec = self.run_mission(2, i, spec.text, policy.planner, True, len(PHASE2_MISSIONS))
            rec.expected = spec.describe()
            detail = self._judge_text(rec, spec, start, policy)
            res.missions.append(rec)
            self._progress(rec, len(PHASE2_MISSIONS), detail)
        return res.finish()

    def _judge_text(self, rec: MissionRecord, spec: MissionSpec, start: Pose2D,
                    policy: PhasePolicy) -> str:
        if rec.state == 'not sent':
            return rec.why
        skip = self._needs_llm(rec)
        if skip:
            rec.verdict, rec.why = 'skipped', skip
            return skip
        if rec.state != 'succeeded':
            rec.verdict, rec.why = 'fail', f'{rec.state}: {rec.message}'
        else:
            rec.judgement = judge_plan(spec, rec.plan, start, self.home(),
                                       self.criteria.tolerance_ratio)
            rec.verdict = 'pass' if rec.judgement.passed else 'fail'
            if not rec.judgement.passed:
                rec.why = f'plan not what was asked ({spec.describe()}): ' \
                          f'{rec.judgement.summary()}'
        if not policy.judged:
            rec.verdict = 'info'
        return rec.why or f'plan sensible ({spec.describe()})'

    def phase3(self, policy: PhasePolicy, missions: Iterable[MissionSpec],
               allow_motion: bool) -> PhaseResult:
        """Motion: each mission judged against odometry from the pose at its start."""
        res = PhaseResult(3, policy)
        missions = list(missions)
        if not allow_motion:
            res.status = 'skipped'
            res.reason = 'skipped: the robot would move; run with --allow-motion'
            return res
        if self.client.wait(lambda: self.client.pose, 10.0) is None:
            res.checks.append(CheckRecord('odometry', 'fail', detail="no odometry on 'odom' "
                                                                     'within 10 s'))
            return res.finish()
        for i, spec in enumerate(missions, 1):
            rec = self.run_mission(3, i, spec.text, policy.planner, False, len(missions))
            rec.expected = spec.describe()
            skip = self._needs_llm(rec)
            if rec.state == 'not sent':
                pass
            elif skip:
                rec.verdict, rec.why = 'skipped', skip
            elif rec.state != 'succeeded':
                rec.verdict, rec.why = 'fail', f'{rec.state}: {rec.message}'
            elif rec.start is None or rec.end is None:
                rec.verdict, rec.why = 'fail', 'no odometry to judge the motion'
            else:
                rec.judgement = judge_pose(spec, rec.start, rec.end, self.home(),
                                           self.criteria.tolerance_ratio)
                rec.verdict = 'pass' if rec.judgement.passed else 'fail'
                if rec.judgement.problem:
                    rec.why = rec.judgement.problem
            if not policy.judged and rec.verdict in ('pass', 'fail'):
                rec.verdict = 'info'
            res.missions.append(rec)
            error = rec.judgement.summary() if rec.judgement else (rec.why or rec.message)
            self._progress(rec, len(missions), f'error {error}' if rec.judgement else error)
        return res.finish()

    def phase4(self, policy: PhasePolicy, allow_motion: bool) -> PhaseResult:
        """Performance: five consecutive LLM-planned missions, their speed and its spread."""
        res = PhaseResult(4, policy)
        if policy.planner == 'rules':
            res.status, res.reason = 'skipped', 'skipped: planner rules never calls the LLM'
            return res
        if not self.has_llm:
            res.status, res.reason = 'skipped', (f'skipped: no usable LLM backend '
                                                 f'({self.backend.get("message", "unknown")})')
            return res
        dry = policy.dry_run if policy.dry_run is not None else not allow_motion
        memory_before = self.llm_memory_gb()
        total = len(PHASE4_MISSIONS)
        for i, spec in enumerate(PHASE4_MISSIONS, 1):
            rec = self.run_mission(4, i, spec.text, 'llm', dry, total)
            rec.expected = spec.describe()
            if rec.state != 'not sent':
                rec.verdict = 'pass' if rec.state == 'succeeded' else 'fail'
                if rec.verdict == 'fail':
                    rec.why = f'{rec.state}: {rec.message}'
                else:
                    self._note_accuracy(rec, spec)
                if not policy.judged:
                    rec.verdict = 'info'
            res.missions.append(rec)
            self._progress(rec, total, f'response {_fmt(rec.response_s, 2)} s, '
                                       f'{_fmt(rec.tokens_per_s, 1)} tok/s')
        memory_after = self.llm_memory_gb()
        self._performance_checks(res, memory_before, memory_after, dry)
        return res.finish()

    def _note_accuracy(self, rec: MissionRecord, spec: MissionSpec) -> None:
        """Phase 4 is about speed; whether each mission did what was asked is only noted."""
        ratio = self.criteria.tolerance_ratio
        if rec.dry_run:
            rec.judgement = judge_plan(spec, rec.plan, rec.start or Pose2D(), self.home(), ratio)
        elif rec.start is not None and rec.end is not None:
            rec.judgement = judge_pose(spec, rec.start, rec.end, self.home(), ratio)
        if rec.judgement is not None and not rec.judgement.passed:
            rec.why = f'not what was asked ({spec.describe()}): {rec.judgement.summary()}'

    def _performance_checks(self, res: PhaseResult, before: tuple[float, str] | None,
                            after: tuple[float, str] | None, dry: bool) -> None:
        c, ran = self.criteria, [m for m in res.missions if m.mission_id]
        judged = res.policy.judged
        responses = spread(m.response_s for m in ran)
        tps_values = [m.tokens_per_s for m in ran if m.tokens_per_s]
        tps = spread(tps_values)
        res.figures.update({
            'response_s': vars(responses), 'tokens_per_s': vars(tps),
            'ttft_s': vars(spread(m.ttft_s for m in ran)),
            'response measured to': 'terminal status (dry runs)' if dry
            else 'first executing status',
            'llm memory before [GB]': _fmt(before[0], 2) if before else 'n/a',
            'llm memory after [GB]': _fmt(after[0], 2) if after else 'n/a',
            'llm memory source': (after or before or (0, 'gpu_monitor not publishing'))[1]})

        def check(name: str, ok: bool | None, value: str, limit: str, detail: str = '') -> None:
            verdict = 'skipped' if ok is None else ('pass' if ok else 'fail')
            if not judged and verdict != 'skipped':
                verdict = 'info'
            res.checks.append(CheckRecord(name, verdict, value, limit, detail))
        done = sum(m.state == 'succeeded' for m in ran)
        check('missions succeeded', done == len(PHASE4_MISSIONS),
              f'{done}/{len(PHASE4_MISSIONS)}', 'all')
        check('response time', responses.max is not None and responses.max < c.max_response_s,
              f'max {_fmt(responses.max, 2)} s', f'< {c.max_response_s:g} s',
              responses.text('s'))
        check('decode speed', tps.median is not None and tps.median > c.min_tokens_per_s,
              f'median {_fmt(tps.median, 1)} tok/s', f'> {c.min_tokens_per_s:g} tok/s',
              tps.text('tok/s', 1))
        memory = max((m for m in (before, after) if m), default=None, key=lambda m: m[0])
        check('LLM memory', None if memory is None else memory[0] < c.max_memory_gb,
              f'{memory[0]:.2f} GB' if memory else 'n/a', f'< {c.max_memory_gb:g} GB',
              memory[1] if memory else 'gpu_monitor not publishing (memory not measured)')
        first, last = (tps_values[0], tps_values[-1]) if len(tps_values) > 1 else (None, None)
        check('stable', None if first is None else last >= c.stable_ratio * first,
              'n/a' if first is None else f'last/first {last / first:.2f}',
              f'≥ {c.stable_ratio:g}', 'tokens/s of the last mission against the first')
        for ch in res.checks:
            self.say(f'[phase 4] {ch.name}: {VERDICT_WORDS[ch.verdict]} — {ch.value} (limit '
                     f'{ch.limit}) {ch.detail}'.rstrip())

    def llm_memory_gb(self) -> tuple[float, str] | None:
        """The LLM's GPU memory from gpu_monitor's diagnostics (GB), and where it came from."""
        # gpu_monitor's Memory task carries the sum of /api/ps's size_vram whenever Ollama's
        # model list is known (the Ollama models task has no more than that).
        memory = self._diag('gpu_monitor: Memory')
        values = memory['values'] if memory else {}
        if _is_number(values.get('ollama VRAM [GiB]', '')):
            return (float(values['ollama VRAM [GiB]']) * GB_PER_GIB,
                    'gpu_monitor: Memory, ollama VRAM (/api/ps)')
        if _is_number(values.get('GPU share [MiB]', '')):
            return (float(values['GPU share [MiB]']) * 1024 ** 2 / 1e9,
                    'gpu_monitor: Memory, GPU share')
        return None

    # ---- the run -------------------------------------------------------------------------
    def run(self, phases: Iterable[int], policies: dict[int, PhasePolicy] | None = None,
            missions: Iterable[MissionSpec] = PHASE3_MISSIONS, allow_motion: bool = False,
            notes: Iterable[str] = ()) -> RunResult:
        """Run the chosen phases in order; stop the robot and end early on an abort."""
        policies = policies or {}
        self.allow_motion = allow_motion
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


def _fmt(value: float | None, digits: int) -> str:
    return 'n/a' if value is None else f'{value:.{digits}f}'


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


# ---- command line ------------------------------------------------------------------------
def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options (without --ros-args)."""
    c = Criteria()
    parser = argparse.ArgumentParser(prog='robot_test', description=__doc__.splitlines()[0])
    parser.add_argument('--phases', default='1,2,3,4', help='phases to run (default 1,2,3,4)')
    parser.add_argument('--planner', choices=('auto', 'rules', 'llm'), default='auto',
                        help='auto: rules first, LLM otherwise; llm: every mission through '
                             'the LLM; rules: never the LLM')
    parser.add_argument('--missions', default='', help='YAML file replacing the phase-3 '
                                                       'missions (text + expected displacement)')
    parser.add_argument('--allow-motion', action='store_true',
                        help='let phases 3 and 4 move the robot')
    parser.add_argument('--out', default='out/robot_test', help='folder for report.md, '
                                                                'report.json, trajectory.png')
    parser.add_argument('--json', action='store_true', help='also print report.json')
    g = parser.add_argument_group('criteria and abort limits')
    g.add_argument('--max-first-reply-s', type=float, default=c.max_first_reply_s)
    g.add_argument('--max-response-s', type=float, default=c.max_response_s)
    g.add_argument('--min-tokens-per-s', type=float, default=c.min_tokens_per_s)
    g.add_argument('--max-memory-gb', type=float, default=c.max_memory_gb)
    g.add_argument('--stable-ratio', type=float, default=c.stable_ratio)
    g.add_argument('--tolerance', type=float, default=c.tolerance_ratio,
                   help='motion tolerance as a fraction of the commanded distance/angle')
    g.add_argument('--mission-timeout', type=float, default=c.mission_timeout_s,
                   help='abort when a mission runs longer (s)')
    g.add_argument('--collapse-ratio', type=float, default=c.collapse_ratio,
                   help='abort when tokens/s falls below this fraction of the first')
    g.add_argument('--startup-timeout', type=float, default=120.0,
                   help='wait this long for the agent and its backend validation (s)')
    opts = parser.parse_args(argv)
    try:
        opts.phase_list = sorted({int(p) for p in opts.phases.split(',') if p.strip()})
    except ValueError:
        parser.error(f'--phases: expected numbers 1-4 separated by commas, got {opts.phases!r}')
    if not opts.phase_list or any(p not in (1, 2, 3, 4) for p in opts.phase_list):
        parser.error(f'--phases: expected numbers 1-4, got {opts.phases!r}')
    opts.criteria = replace(
        c, max_first_reply_s=opts.max_first_reply_s, max_response_s=opts.max_response_s,
        min_tokens_per_s=opts.min_tokens_per_s, max_memory_gb=opts.max_memory_gb,
        stable_ratio=opts.stable_ratio, tolerance_ratio=opts.tolerance,
        mission_timeout_s=opts.mission_timeout, collapse_ratio=opts.collapse_ratio)
    return opts


def split_ros_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """(our options, the --ros-args part passed to rclpy)."""
    if '--ros-args' not in argv:
        return argv, []
    i = argv.index('--ros-args')
    return argv[:i], argv[i:]


def finish(result: RunResult, out: str | Path, as_json: bool = False,
           say: Callable[[str], None] = print) -> int:
    """Write the report, print where it is and the verdict; the exit status."""
    paths = write_report(result, out)
    if as_json:
        print(paths['json'].read_text(encoding='utf-8'))
    say(f'report: {paths["markdown"]} (+ {paths["json"].name}, {paths["trajectory"].name})')
    say(f'robot_test: {result.verdict_line()}')
    return 0 if result.passed else 1


def main(args: list[str] | None = None) -> int:
    """Entry point: run the chosen phases against whatever agent and robot are running."""
    argv, ros_args = split_ros_args(list(sys.argv[1:] if args is None else args))
    opts = parse_args(argv)
    missions = PHASE3_MISSIONS
    if opts.missions:
        try:
            missions = load_missions(opts.missions)
        except ValueError as exc:
            print(f'robot_test: --missions: {exc}', file=sys.stderr)
            return 2
    # Ctrl-C must leave ROS up long enough to stop the robot: no rclpy signal handlers.
    rclpy.init(args=['robot_test'] + ros_args, signal_handler_options=SignalHandlerOptions.NO)
    node = Node('robot_test')
    try:
        tester = RobotTest(node, criteria=opts.criteria, startup_timeout_s=opts.startup_timeout)
        with spinning(node):
            try:
                result = tester.run(opts.phase_list, default_policies(opts.planner), missions,
                                    opts.allow_motion)
            except KeyboardInterrupt:
                tester.abort('interrupted (Ctrl-C)')
                tester.stop_robot()
                return 130
        return finish(result, opts.out, opts.json)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    raise SystemExit(main())
