# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The robot test plan's four phases, judged: startup, text only, motion, performance.

``PhaseRunner`` is mixed into ``robot_test_runner.RobotTestRunner``, which supplies the
engine the phases use: ``run_mission`` (send, wait, record), ``home``, ``has_llm``, the
agent's ``backend`` and diagnostics, the link (``client``), ``criteria`` and ``say``. A
rejected mission is skipped rather than failed by its reason code (``NEEDS_LLM``), never
by the wording of its message. Plain Python, no ROS.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable, Iterable

from ..common.contract import DiagKey, DiagTask, PlannerChoice, Reason
from ..common.geometry import Pose2D
from ..common.mission_link import MissionLink
from .bridge_measure import measure_bridge
from .robot_test_cases import (
    CheckRecord,
    Criteria,
    judge_plan,
    judge_pose,
    MissionRecord,
    MissionSpec,
    PHASE1_MISSION,
    PHASE2_LOOK,
    PHASE2_MISSIONS,
    PHASE4_MISSIONS,
    PhasePolicy,
    PhaseResult,
    spread,
)
from .robot_test_report import check_line, VERDICT_WORDS

GB_PER_GIB = 1024 ** 3 / 1e9
# Rejections that mean "this mission needs the LLM", not "the agent got it wrong".
NEEDS_LLM = frozenset({Reason.NO_LLM.value, Reason.RULES_CANNOT_PARSE.value})


class PhaseRunner:
    """The phases; see the module docstring for what the class it is mixed into supplies."""

    client: MissionLink
    criteria: Criteria
    say: Callable[[str], None]
    backend: dict[str, Any]
    run_mission: Callable[[int, int, str, PlannerChoice, bool, int], MissionRecord]
    home: Callable[[], Pose2D | None]
    _diag: Callable[[str], dict[str, Any] | None]

    @property
    def has_llm(self) -> bool:
        """True when the agent reported a usable LLM backend."""
        return self.backend.get('state') == 'ready'

    def _progress(self, rec: MissionRecord, total: int, detail: str) -> None:
        mode = 'dry run' if rec.dry_run else 'motion'
        served = f' via {rec.planner}' if rec.planner else ''
        secs = f' in {rec.seconds:.1f} s' if rec.seconds is not None else ''
        self.say(f'[phase {rec.phase} {rec.index}/{total}] "{rec.text}" ({rec.planner_asked}, '
                 f'{mode}) -> {rec.state}{served}{secs}: {detail} ... '
                 f'{VERDICT_WORDS[rec.verdict]}')

    def _needs_llm(self, rec: MissionRecord) -> str:
        """Why a rejected mission is skipped rather than failed ('' = it failed)."""
        if rec.state != 'rejected' or rec.reason not in NEEDS_LLM:
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
                                          'the agent runs without an LLM (rule planner only)'))
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
                      f'{rec.message}')
            res.checks.append(CheckRecord('first LLM reply', rec.verdict,
                                          f'{_fmt(rec.response_s, 2)} s',
                                          f'< {limit:g} s' if math.isfinite(limit) else 'none',
                                          detail))
            res.figures['first_reply'] = rec.as_dict()
            self._progress(rec, 1, f'{_fmt(rec.response_s, 2)} s (limit '
                                   f'{f"{limit:g} s" if math.isfinite(limit) else "none"})')
        measure_bridge(self, res)
        for check in res.checks:  # each once: the first reply and recommendations are said
            if check.name.startswith('recommended '):
                continue
            if check.name != 'first LLM reply' or 'first_reply' not in res.figures:
                self.say(check_line(check))
        return res.finish()

    def phase2(self, policy: PhasePolicy) -> PhaseResult:
        """Text only: three dry-run missions, each plan valid and sensible; a look dry run."""
        res = PhaseResult(2, policy)
        for i, spec in enumerate(PHASE2_MISSIONS, 1):
            start = self.client.pose or Pose2D()
            rec = self.run_mission(2, i, spec.text, policy.planner, True, len(PHASE2_MISSIONS))
            rec.expected = spec.describe()
            detail = self._judge_text(rec, spec, start, policy)
            res.missions.append(rec)
            self._progress(rec, len(PHASE2_MISSIONS), detail)
        look = self._look_dry_run(policy)
        res.checks.append(look)
        self.say(check_line(look, 2))
        whys = [m.why for m in res.missions if m.verdict == 'skipped' and m.why]
        if look.verdict == 'skipped' and len(whys) == len(res.missions) and whys:
            res.reason = f'{whys[0]}; {look.detail}'  # nothing ran: the missions' reason first
        return res.finish()

    def _look_dry_run(self, policy: PhasePolicy) -> CheckRecord:
        """A camera question, planned and checked (not asked): one look, vision model set.

        The rules plan it (a question about the view needs no LLM), whatever the planner.
        """
        planner: PlannerChoice = 'rules' if policy.planner == 'rules' else 'auto'
        rec = self.run_mission(2, len(PHASE2_MISSIONS) + 1, PHASE2_LOOK.text, planner, True,
                               len(PHASE2_MISSIONS) + 1)
        name = 'look dry run'
        if rec.state == 'rejected' and rec.reason == Reason.NO_VISION_MODEL.value:
            return CheckRecord(name, 'skipped', rec.state, 'one look',
                               'vision_model is empty: camera questions are off')
        actions = list((rec.plan or {}).get('actions') or [])
        ok = rec.state == 'succeeded' and [a.get('type') for a in actions] == ['look']
        verdict = ('pass' if ok else 'fail') if policy.judged else 'info'
        detail = (f'"{PHASE2_LOOK.text}" planned by {rec.planner or "-"} as one look, inside '
                  f'the envelope, with a usable vision model' if ok
                  else f'{rec.state} ({rec.reason or "no reason"}): {rec.message}; plan '
                       f'{json.dumps(rec.plan, separators=(",", ":")) if rec.plan else "none"}')
        return CheckRecord(name, verdict, rec.state, 'one look', detail)

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
            res.status, res.reason = 'skipped', (f'skipped: no usable LLM backend (state '
                                                 f'{self.backend.get("state", "unknown")})')
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
        memory = self._diag(DiagTask.MEMORY)
        values = memory['values'] if memory else {}
        if _is_number(values.get(DiagKey.OLLAMA_VRAM_GIB, '')):
            return (float(values[DiagKey.OLLAMA_VRAM_GIB]) * GB_PER_GIB,
                    'gpu_monitor: Memory, ollama VRAM (/api/ps)')
        if _is_number(values.get(DiagKey.GPU_SHARE_MIB, '')):
            return (float(values[DiagKey.GPU_SHARE_MIB]) * 1024 ** 2 / 1e9,
                    'gpu_monitor: Memory, GPU share')
        return None


def _fmt(value: float | None, digits: int) -> str:
    return 'n/a' if value is None else f'{value:.{digits}f}'


def _is_number(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True
