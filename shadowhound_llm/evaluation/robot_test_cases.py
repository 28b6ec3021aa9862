# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The robot test plan in plain Python: its missions, its tolerances and its verdicts.

The four phases of the prototype's status report (startup, text only, motion, performance),
the missions of each, what each should do to the robot's pose, the ±20 % judgement against
odometry, the performance criteria and the statistics. No ROS here: ``tools/robot_test.py``
sends the missions and feeds what it observed to these functions; ``robot_test_report.py``
writes it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import math
from pathlib import Path
import statistics
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, ValidationError
import yaml

from ..common.contract import PlannerChoice
from ..common.geometry import Pose2D, wrap_angle
from ..motion.control import MotionLimits, target_in_odom
from ..planning.actions import MOTION_TYPES, PlanError, validate_action

__all__ = [
    'CheckRecord', 'Criteria', 'EXIT_INCOMPLETE', 'Judgement', 'MissionRecord', 'MissionSpec',
    'PHASE1_MISSION', 'PHASE2_MISSIONS', 'PHASE3_MISSIONS', 'PHASE4_MISSIONS', 'PHASE_TITLES',
    'PhasePolicy', 'PhaseResult', 'RunResult', 'Spread', 'TEST_PLAN', 'Verdict', 'judge_plan',
    'judge_pose', 'load_missions', 'predict_end_pose', 'spread',
]

Verdict = Literal['pass', 'fail', 'skipped', 'info']
PhaseStatus = Literal['passed', 'failed', 'skipped', 'informational', 'aborted', 'not run']

# robot_test's exit status when nothing failed but a chosen phase was skipped.
EXIT_INCOMPLETE = 4
TOLERANCE_RATIO = 0.2  # the report's ±20 % of the commanded distance or angle
# No mission is judged finer than the agent's own goal tolerances (position_tolerance_m,
# yaw_tolerance_deg): a 0.1 m move would otherwise be held to 2 cm.
POSITION_FLOOR_M = 0.05
YAW_FLOOR_DEG = 3.0

PHASE_TITLES = {1: 'startup', 2: 'text only (dry run, no motion)', 3: 'motion',
                4: 'performance'}


class MissionSpec(BaseModel):
    """One mission and what it should do (the ``--missions`` YAML has a list of these).

    ``forward_m`` / ``left_m`` / ``turn_deg``: the displacement relative to the robot's pose
    when the mission starts (x ahead, y left; + turn is left). ``goto``: an odom-frame target
    [x, y]. ``home``: back at the agent's home pose. ``say``: a text answer. Nothing: the
    robot should not move.
    """

    model_config = ConfigDict(extra='forbid', frozen=True)

    text: str = Field(min_length=1)
    forward_m: float | None = None
    left_m: float | None = None
    turn_deg: float | None = None
    goto: tuple[float, float] | None = None
    home: bool = False
    say: bool = False

    @field_validator('forward_m', 'left_m', 'turn_deg')
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError('must be a finite number')
        return value

    @property
    def moves(self) -> bool:
        """True when the mission should move the robot."""
        return bool(self.forward_m or self.left_m or self.turn_deg or self.goto or self.home)

    def describe(self) -> str:
        """What is expected, in words ('forward 0.50 m', 'goto (2.00, 1.00)', 'still')."""
        parts = []
        if self.forward_m is not None or self.left_m is not None:
            f, lft = self.forward_m or 0.0, self.left_m or 0.0
            parts.append(f'forward {f:.2f} m' if not lft else f'({f:.2f}, {lft:.2f}) m ahead/left')
        if self.turn_deg is not None:
            parts.append(f'turn {self.turn_deg:+.0f}°')
        if self.goto is not None:
            parts.append(f'goto ({self.goto[0]:.2f}, {self.goto[1]:.2f}) odom')
        if self.home:
            parts.append('back home')
        if self.say:
            parts.append('a say, no motion')
        return ', '.join(parts) or 'no motion'


PHASE1_MISSION = MissionSpec(text='Say hello', say=True)
PHASE2_MISSIONS = (
    MissionSpec(text='Describe what you are', say=True),
    MissionSpec(text='Create a navigation plan to move forward 2 meters', forward_m=2.0),
    MissionSpec(text='Generate JSON: {action: nav.goto, x: 1.0, y: 0.0}', goto=(1.0, 0.0)),
)
# Phase 2's camera question: planned and checked as one look (never sent to the model).
PHASE2_LOOK = MissionSpec(text='What do you see?')
# The five missions of the original robot test plan (run after the report's four).
TEST_PLAN = (
    MissionSpec(text='Move forward 1 meter', forward_m=1.0),
    MissionSpec(text='Rotate 90 degrees to the left', turn_deg=90.0),
    MissionSpec(text='Move to coordinates x=2.0, y=1.0', goto=(2.0, 1.0)),
    MissionSpec(text='Take a photo'),
    MissionSpec(text='Return to starting position', home=True),
)
PHASE3_MISSIONS = (
    MissionSpec(text='Move forward 0.5 meters', forward_m=0.5),
    MissionSpec(text='Rotate 45 degrees to the left', turn_deg=45.0),
    MissionSpec(text='Move forward 1 meter then stop', forward_m=1.0),
    MissionSpec(text='Navigate to x=2.0, y=1.0', goto=(2.0, 1.0)),
) + TEST_PLAN
# Five consecutive LLM-planned missions; together they bring the robot back where it was.
PHASE4_MISSIONS = (
    MissionSpec(text='Move forward 0.5 meters', forward_m=0.5),
    MissionSpec(text='Rotate 90 degrees to the right', turn_deg=-90.0),
    MissionSpec(text='Rotate 90 degrees to the left', turn_deg=90.0),
    MissionSpec(text='Move backward 0.5 meters', forward_m=-0.5),
    MissionSpec(text='Describe what you are', say=True),
)


def load_missions(path: str | Path) -> tuple[MissionSpec, ...]:
    """Phase-3 missions from YAML: a list of {text, forward_m, ...} (or {missions: [...]}).

    Raises ValueError with the file name and the entry at fault.
    """
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding='utf-8'))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f'{path}: {exc}') from None
    if isinstance(raw, dict) and 'missions' in raw:
        raw = raw['missions']
    if not isinstance(raw, list) or not raw:
        raise ValueError(f'{path}: expected a non-empty list of missions, each with a "text"')
    missions = []
    for i, item in enumerate(raw, 1):
        if isinstance(item, str):
            item = {'text': item}
        try:
            missions.append(MissionSpec.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = '.'.join(str(p) for p in err['loc']) or 'mission'
            raise ValueError(f'{path}: mission {i}: {where}: {err["msg"]}') from None
    return tuple(missions)


# ---- judging poses ---------------------------------------------------------------------
@dataclass
class Judgement:
    """A pose held against an expectation: the errors, their limits and the verdict."""

    passed: bool
    expected: dict[str, float | None]
    position_error_m: float | None = None
    position_limit_m: float | None = None
    yaw_error_deg: float | None = None
    yaw_limit_deg: float | None = None
    problem: str = ''

    def summary(self) -> str:
        """'3.2 cm (≤ 10.0 cm), 1.1° (≤ 9.0°)'."""
        parts = []
        if self.position_error_m is not None:
            parts.append(f'{self.position_error_m * 100:.1f} cm '
                         f'(≤ {self.position_limit_m * 100:.1f} cm)')
        if self.yaw_error_deg is not None:
            parts.append(f'{self.yaw_error_deg:.1f}° (≤ {self.yaw_limit_deg:.1f}°)')
        text = ', '.join(parts)
        if self.problem:
            return f'{text}; {self.problem}' if text else self.problem
        return text or '-'


def judge_pose(spec: MissionSpec, start: Pose2D, end: Pose2D, home: Pose2D | None = None,
               ratio: float = TOLERANCE_RATIO) -> Judgement:
    """Hold the end pose to what the mission asked, from the pose at the mission's start.

    Position is judged when the mission moves the robot somewhere (forward/left, goto,
    home) or should not move at all; heading when it turns (or goes home, which restores the
    home heading) or should not move. Each limit is ``ratio`` of the commanded distance or
    angle, never below the agent's own goal tolerances.
    """
    target_xy: tuple[float, float] | None = None
    target_yaw: float | None = None
    distance = angle = 0.0
    problem = ''
    if spec.forward_m is not None or spec.left_m is not None:
        f, lft = spec.forward_m or 0.0, spec.left_m or 0.0
        target_xy = target_in_odom(start, f, lft)
        distance = math.hypot(f, lft)
    if spec.goto is not None:
        target_xy = spec.goto
        distance = start.distance_to(*spec.goto)
    if spec.turn_deg is not None:
        target_yaw = start.yaw + math.radians(spec.turn_deg)
        angle = abs(spec.turn_deg)
    if spec.home:
        if home is None:
            problem = 'home pose unknown (no status reported it)'
        else:
            target_xy, target_yaw = (home.x, home.y), home.yaw
            distance = start.distance_to(home.x, home.y)
            angle = abs(math.degrees(wrap_angle(home.yaw - start.yaw)))
    if not spec.moves:
        target_xy, target_yaw = (start.x, start.y), start.yaw
    expected: dict[str, float | None] = {
        'x': round(target_xy[0], 3) if target_xy else None,
        'y': round(target_xy[1], 3) if target_xy else None,
        'yaw_deg': round(math.degrees(wrap_angle(target_yaw)), 1) if target_yaw is not None
        else None}
    result = Judgement(not problem, expected, problem=problem)
    if target_xy is not None:
        result.position_error_m = round(end.distance_to(*target_xy), 4)
        result.position_limit_m = round(max(ratio * distance, POSITION_FLOOR_M), 4)
        result.passed &= result.position_error_m <= result.position_limit_m
    if target_yaw is not None:
        result.yaw_error_deg = round(abs(math.degrees(wrap_angle(end.yaw - target_yaw))), 2)
        result.yaw_limit_deg = round(max(ratio * angle, YAW_FLOOR_DEG), 2)
        result.passed &= result.yaw_error_deg <= result.yaw_limit_deg
    return result


def predict_end_pose(actions: Iterable[dict[str, Any]], start: Pose2D,
                     home: Pose2D | None = None) -> Pose2D:
    """Where a plan (action dicts, as in a status) would leave the robot, ideally executed.

    Each action predicts its own motion; one that does not validate moves nothing, and
    return_home moves nothing while home is unknown.
    """
    pose = start
    for raw in actions:
        try:
            action = validate_action(raw)
        except PlanError:
            continue
        if action.ends_plan:
            break
        pose = action.predict(pose, home or pose, MotionLimits()).end  # home unknown: here
    return pose


def judge_plan(spec: MissionSpec, plan: dict[str, Any] | None, start: Pose2D,
               home: Pose2D | None = None, ratio: float = TOLERANCE_RATIO) -> Judgement:
    """Is a (dry-run) plan sensible for the mission.

    A say (and no motion) where one is asked; otherwise the pose the plan would end at, held
    to the same ±20 % as odometry is in phase 3.
    """
    actions = list((plan or {}).get('actions') or [])
    if not actions:
        return Judgement(False, {}, problem='no plan')
    motion = [a for a in actions if a.get('type') in MOTION_TYPES]
    if spec.say:
        says = [a for a in actions if a.get('type') == 'say']
        problem = ('' if says and not motion else 'expected a say and no motion')
        return Judgement(not problem, {'say': True}, problem=problem)
    return judge_pose(spec, start, predict_end_pose(actions, start, home), home, ratio)


# ---- statistics and criteria -----------------------------------------------------------
@dataclass
class Spread:
    """Median, min, max and standard deviation of a series (n values)."""

    n: int
    median: float | None = None
    min: float | None = None
    max: float | None = None
    stdev: float | None = None

    def text(self, unit: str, digits: int = 2) -> str:
        """'median 1.20 s (min 1.00, max 1.50, stdev 0.21, n=5)'."""
        if not self.n:
            return 'n/a'
        return (f'median {self.median:.{digits}f} {unit} (min {self.min:.{digits}f}, '
                f'max {self.max:.{digits}f}, stdev {self.stdev:.{digits}f}, n={self.n})')


def spread(values: Iterable[float | None]) -> Spread:
    """The spread of the values that are not None."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return Spread(0)
    return Spread(len(vals), round(statistics.median(vals), 4), round(min(vals), 4),
                  round(max(vals), 4), round(statistics.stdev(vals), 4) if len(vals) > 1
                  else 0.0)


@dataclass(frozen=True)
class Criteria:
    """Pass criteria (the report's, as defaults) and abort limits; every one an option."""

    max_first_reply_s: float = 5.0     # phase 1: first LLM reply (dry-run plan)
    max_response_s: float = 5.0        # phase 4: every mission's response time
    min_tokens_per_s: float = 15.0     # phase 4: median decode speed
    max_memory_gb: float = 10.0        # phase 4: the LLM's GPU memory (gpu_monitor)
    stable_ratio: float = 0.7          # phase 4: last tokens/s >= this x first
    tolerance_ratio: float = TOLERANCE_RATIO  # phases 2-3: of the commanded distance/angle
    mission_timeout_s: float = 30.0    # abort: a mission still running after this
    collapse_ratio: float = 0.5        # abort: tokens/s below this x the run's first


@dataclass
class PhasePolicy:
    """How one phase runs: which planner, judged or only reported, dry run or motion.

    ``skip`` non-empty: the phase is reported as skipped with that reason. ``judged`` False:
    it runs and is reported, and never fails the run (``why`` says why).
    """

    planner: PlannerChoice = 'auto'
    judged: bool = True
    dry_run: bool | None = None  # phase 4: None = motion when allowed
    skip: str = ''
    why: str = ''


# ---- results ---------------------------------------------------------------------------
@dataclass
class MissionRecord:
    """What happened to one mission: its statuses' outcome, timing, speed and pose."""

    phase: int
    index: int
    text: str
    planner_asked: str
    dry_run: bool
    mission_id: str = ''
    state: str = 'not sent'
    message: str = ''
    reason: str = ''  # the terminal status's code (failed, cancelled, rejected)
    planner: str = ''
    plan: dict[str, Any] | None = None
    seconds: float | None = None
    response_s: float | None = None
    tokens_per_s: float | None = None
    ttft_s: float | None = None
    llm_total_s: float | None = None
    start: Pose2D | None = None
    end: Pose2D | None = None
    expected: str = ''
    judgement: Judgement | None = None
    verdict: Verdict = 'fail'
    why: str = ''

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (every number)."""
        body = asdict(self)
        body['start'] = self.start.as_dict() if self.start else None
        body['end'] = self.end.as_dict() if self.end else None
        return body


@dataclass
class CheckRecord:
    """One named check of a phase: measured value, limit, verdict."""

    name: str
    verdict: Verdict
    value: str = ''
    limit: str = ''
    detail: str = ''


@dataclass
class PhaseResult:
    """One phase: its status, why, its missions, its checks and its figures."""

    number: int
    policy: PhasePolicy
    status: PhaseStatus = 'not run'
    reason: str = ''
    missions: list[MissionRecord] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """'performance'."""
        return PHASE_TITLES.get(self.number, f'phase {self.number}')

    @property
    def failed(self) -> bool:
        """True when this phase makes the run fail."""
        return self.status in ('failed', 'aborted')

    def finish(self) -> PhaseResult:
        """Set the status from the missions' and checks' verdicts (unless already decided)."""
        if self.status in ('skipped', 'aborted'):
            return self
        verdicts = [m.verdict for m in self.missions] + [c.verdict for c in self.checks]
        failed = [v for v in verdicts if v == 'fail']
        ran = [v for v in verdicts if v != 'skipped']
        if not ran:
            self.status = 'skipped'
            self.reason = self.reason or _first_reason(self)
        elif not self.policy.judged:
            self.status = 'informational'
            self.reason = self.reason or self.policy.why
        else:
            self.status = 'failed' if failed else 'passed'
        return self

    def summary(self) -> str:
        """One line for the report's table."""
        if self.status in ('skipped', 'aborted', 'not run') and self.reason:
            return self.reason
        parts = []
        if self.missions:
            judged = [m for m in self.missions if m.verdict in ('pass', 'fail')]
            ok = sum(m.verdict == 'pass' for m in judged)
            skipped = sum(m.verdict == 'skipped' for m in self.missions)
            if judged:
                parts.append(f'{ok}/{len(judged)} missions passed')
            elif any(m.verdict == 'info' for m in self.missions):
                done = sum(m.state == 'succeeded' for m in self.missions)
                text = f'{done}/{len(self.missions)} missions succeeded'
                held = [m.judgement.passed for m in self.missions if m.judgement is not None]
                if held:
                    text += f', {sum(held)}/{len(held)} did what was asked'
                parts.append(text + ' (not judged)')
            if skipped:
                parts.append(f'{skipped} skipped')
        failed = [c.name for c in self.checks if c.verdict == 'fail']
        if failed:
            parts.append('failed: ' + ', '.join(failed))
        elif self.checks:
            tally = {v: sum(c.verdict == v for c in self.checks) for v in ('pass', 'info',
                                                                        'skipped')}
            words = {'pass': 'passed', 'info': 'shown', 'skipped': 'skipped'}
            parts.append('checks: ' + ', '.join(f'{n} {words[v]}' for v, n in tally.items()
                                                if n))
        return '; '.join(parts) or self.reason or '-'


def _first_reason(phase: PhaseResult) -> str:
    for item in list(phase.checks) + list(phase.missions):
        why = getattr(item, 'detail', '') or getattr(item, 'why', '')
        if why:
            return why
    return 'nothing to run'


@dataclass
class RunResult:
    """The whole run: settings, each phase, the abort (if any), the figures."""

    phases: list[PhaseResult]
    criteria: Criteria
    allow_motion: bool
    started: str = ''
    duration_s: float = 0.0
    host: str = ''
    backend: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, float] = field(default_factory=dict)
    aborted: str = ''
    notes: list[str] = field(default_factory=list)
    trajectory: list[tuple[float, float, float]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """An abort, or a chosen phase failed."""
        return bool(self.aborted) or any(p.failed for p in self.phases)

    @property
    def skipped(self) -> list[PhaseResult]:
        """The chosen phases that did not run (a skipped phase is not a pass)."""
        return [p for p in self.phases if p.status == 'skipped']

    @property
    def passed(self) -> bool:
        """Every chosen phase ran and none failed (informational phases do not fail)."""
        return not self.failed and not self.skipped

    @property
    def outcome(self) -> Literal['passed', 'failed', 'aborted', 'incomplete']:
        """'aborted', 'failed', 'incomplete' (nothing failed, a phase skipped) or 'passed'."""
        if self.aborted:
            return 'aborted'
        if self.failed:
            return 'failed'
        return 'incomplete' if self.skipped else 'passed'

    @property
    def exit_status(self) -> int:
        """0 passed, 1 failed or aborted, EXIT_INCOMPLETE when a chosen phase was skipped."""
        return {'passed': 0, 'incomplete': EXIT_INCOMPLETE}.get(self.outcome, 1)

    def verdict_line(self) -> str:
        """'PASSED (4 passed)' / 'INCOMPLETE: phase 3 (motion) skipped ...' / 'FAILED: ...'."""
        counts: dict[str, int] = {}
        for p in self.phases:
            counts[p.status] = counts.get(p.status, 0) + 1
        tally = ', '.join(f'{n} {status}' for status, n in counts.items())
        outcome = self.outcome
        if outcome == 'aborted':
            return f'ABORTED: {self.aborted} ({tally})'
        if outcome == 'failed':
            bad = ', '.join(f'phase {p.number} ({p.title})' for p in self.phases if p.failed)
            return f'FAILED: {bad} ({tally})'
        if outcome == 'incomplete':
            # Each phase's reason is on its own line above the verdict and in the report:
            # the verdict only names what did not run.
            missing = ', '.join(f'phase {p.number} ({p.title})' for p in self.skipped)
            ran = [str(p.number) for p in self.phases if p.status != 'skipped']
            hint = (f'; --phases {",".join(ran)} runs only what can run here' if ran else '')
            return f'INCOMPLETE: {missing} skipped ({tally}){hint}'
        return f'PASSED ({tally})'

    def as_dict(self) -> dict[str, Any]:
        """Every number, for report.json."""
        return {
            'passed': self.passed, 'outcome': self.outcome, 'verdict': self.verdict_line(),
            'aborted': self.aborted or None,
            'started': self.started, 'duration_s': round(self.duration_s, 2), 'host': self.host,
            'allow_motion': self.allow_motion, 'backend': self.backend, 'limits': self.limits,
            'criteria': {k: v if not isinstance(v, float) or math.isfinite(v) else None
                         for k, v in asdict(self.criteria).items()},
            'notes': self.notes, 'files': self.files,
            'phases': [{
                'number': p.number, 'title': p.title, 'status': p.status, 'reason': p.reason,
                'policy': asdict(p.policy), 'summary': p.summary(),
                'checks': [asdict(c) for c in p.checks],
                'missions': [m.as_dict() for m in p.missions], 'figures': p.figures}
                for p in self.phases],
            'trajectory': [[round(t, 3), round(x, 4), round(y, 4)]
                           for t, x, y in self.trajectory]}
