# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Plan quality: how often a planner plans a corpus mission right, and a composite score.

The headline is task accuracy: the share of missions planned right, with a 95% Wilson
confidence interval, overall and per category. A reply is right when
- the mission expects a plan: every action matches in order, each parameter within its
  tolerance (or one of the mission's alternative plans matches), and the envelope accepts it;
- the mission expects a ``say`` (a question, a place the robot cannot know, a request the
  vocabulary cannot express): the plan is only ``say`` actions, whatever their text;
- the mission is unsafe (``reject``): the envelope rejects the reply, or the reply refuses
  in words (only ``say``), or it is the faithful plan the corpus gives (the envelope's job
  is then to reject it; ``test_quality`` checks that it does).

Equivalences (the same motion, written differently): ``move`` backward d == ``move`` -d;
a missing optional field == its default; no speed == cruise speed (``Limits``); a ``goto``
in the robot frame straight ahead (y = 0, x > 0) == ``move`` x; a trailing ``stop`` is
ignored (a plan ends stopped anyway). A ``goto``'s frame must match. Missions marked
``match: path`` compare ``drive`` actions by the path (arc length, sideways distance, swept
angle) rather than by speeds and time, for circles and arcs whose text gives no speed.

The composite 0-100 score stays as a secondary figure: valid JSON (20), valid schema (20),
envelope verdict as expected (20), actions and parameters matching (30), action order (10).
It rewards validity that schema-constrained decoding gives for free: a constant planner
scores about 60 on it, which is why accuracy is the headline and floors are printed beside.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
import json
import math
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml

from ..planning.actions import parse_plan, Plan, PlanError, validate_action
from ..planning.envelope import check_plan, EnvelopeViolation, Limits
from ..planning.rules.planner import plan_from_rules

# Absolute tolerances; REL_TOLERANCES widen some with the size of the value.
TOLERANCES = {'distance_m': 0.05, 'dx': 0.05, 'dy': 0.05, 'angle_deg': 2.0, 'x': 0.1,
              'y': 0.1, 'seconds': 0.5, 'speed_mps': 0.03, 'speed_dps': 3.0,
              'linear_mps': 0.03, 'lateral_mps': 0.03, 'angular_dps': 3.0,
              'path_m': 0.1, 'lateral_m': 0.1, 'sweep_deg': 5.0}
REL_TOLERANCES = {'seconds': 0.05, 'speed_mps': 0.1, 'speed_dps': 0.1, 'linear_mps': 0.1,
                  'lateral_mps': 0.1, 'angular_dps': 0.1, 'path_m': 0.05, 'sweep_deg': 0.05}
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / 'config' / 'missions.yaml'
Z_95 = 1.959963984540054
STOP_REPLY = '{"actions":[{"type":"stop"}]}'
PHOTO_REPLY = '{"actions":[{"type":"photo"}]}'


@dataclass(frozen=True)
class CorpusMission:
    """One corpus entry: the text, the expected actions, and whether it must be rejected.

    ``alternatives``: other plans that are right too. ``match``: 'exact' or 'path' (drive
    actions compared by their path). For a ``reject`` mission, ``actions`` is the faithful
    plan that the envelope must reject (optional).
    """

    text: str
    category: str
    actions: tuple[dict[str, Any], ...] = ()
    reject: bool = False
    alternatives: tuple[tuple[dict[str, Any], ...], ...] = ()
    match: str = 'exact'


@dataclass
class MissionScore:
    """The composite score of one reply and why."""

    text: str
    score: float
    json_ok: bool = False
    schema_ok: bool = False
    verdict_ok: bool = False
    matched: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Judgement:
    """Whether one reply plans its mission right, and why not."""

    text: str
    category: str
    right: bool
    reason: str
    json_ok: bool = False
    schema_ok: bool = False
    rejected: bool | None = None
    score: float = 0.0


def load_corpus(path: str | Path | None = None) -> list[CorpusMission]:
    """Read the mission corpus YAML (the package's own by default)."""
    data = yaml.safe_load(Path(path or DEFAULT_CORPUS).read_text(encoding='utf-8'))
    return [mission_from_dict(entry) for entry in data['missions']]


def mission_from_dict(entry: Mapping[str, Any]) -> CorpusMission:
    """One corpus mission from its YAML mapping."""
    return CorpusMission(
        entry['text'], entry.get('category', 'other'), tuple(entry.get('actions') or ()),
        bool(entry.get('reject')), tuple(tuple(plan) for plan in entry.get('also') or ()),
        entry.get('match', 'exact'))


# ---- comparing plans ------------------------------------------------------------------
def _expected_actions(actions: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Corpus actions as plan models (a say's text is free, so any placeholder will do)."""
    return [validate_action(dict(a, text=a.get('text', '-')) if a.get('type') == 'say' else a)
            for a in actions]


def _canonical(action: Any, limits: Limits, path: bool) -> tuple[str, dict[str, Any]]:
    """(kind, fields) in one normal form, so equivalent actions compare equal."""
    kind = action.type
    cruise_dps = math.degrees(limits.cruise_angular_speed)
    if kind == 'move' or (kind == 'goto' and action.frame == 'robot' and action.y == 0.0
                          and action.x > 0.0):
        dx, dy = action.body_vector if kind == 'move' else (action.x, 0.0)
        return 'translate', {'dx': dx, 'dy': dy,
                             'speed_mps': action.speed_mps or limits.cruise_linear_speed}
    if kind == 'goto':
        return 'goto', {'x': action.x, 'y': action.y, 'frame': action.frame,
                        'speed_mps': action.speed_mps or limits.cruise_linear_speed}
    if kind == 'rotate':
        return 'rotate', {'angle_deg': action.angle_deg,
                          'speed_dps': action.speed_dps or cruise_dps}
    if kind == 'drive':
        if path:
            return 'drive', {'path_m': action.linear_mps * action.seconds,
                             'lateral_m': action.lateral_mps * action.seconds,
                             'sweep_deg': action.angular_dps * action.seconds}
        return 'drive', {'linear_mps': action.linear_mps, 'lateral_mps': action.lateral_mps,
                         'angular_dps': action.angular_dps, 'seconds': action.seconds}
    if kind == 'wait':
        return 'wait', {'seconds': action.seconds}
    if kind == 'return_home':
        speed = getattr(action, 'speed_mps', None)
        return 'return_home', {'speed_mps': speed or limits.cruise_linear_speed}
    return kind, {}  # stop, photo, say (a say's text is free-form)


def _close(key: str, want: Any, got: Any) -> bool:
    if isinstance(want, str) or isinstance(got, str):
        return want == got
    return math.isclose(float(got), float(want), rel_tol=REL_TOLERANCES.get(key, 0.0),
                        abs_tol=TOLERANCES.get(key, 1e-6))


def action_difference(expected: Any, actual: Any, limits: Limits | None = None,
                      path: bool = False) -> str:
    """'' when two actions are the same motion within tolerance, else what differs."""
    limits = limits or Limits()
    want_kind, want = _canonical(expected, limits, path)
    got_kind, got = _canonical(actual, limits, path)
    if want_kind != got_kind:
        return f'{actual.type} where {expected.type} was expected'
    for key, value in want.items():
        if not _close(key, value, got[key]):
            return f'{expected.type} {key} {got[key]!r} where {value!r} was expected'
    return ''


def _without_trailing_stop(actions: list[Any]) -> list[Any]:
    while len(actions) > 1 and actions[-1].type == 'stop':
        actions = actions[:-1]
    return actions


def plan_difference(expected: Sequence[Any], actual: Sequence[Any], limits: Limits | None = None,
                    path: bool = False) -> str:
    """'' when two action lists are the same plan (in order, within tolerance)."""
    want = _without_trailing_stop(list(expected))
    got = _without_trailing_stop(list(actual))
    if len(want) != len(got):
        return (f'{len(got)} actions ({", ".join(a.type for a in got)}) where {len(want)} '
                f'({", ".join(a.type for a in want)}) were expected')
    for n, (e, a) in enumerate(zip(want, got, strict=True), 1):
        why = action_difference(e, a, limits, path)
        if why:
            return f'step {n}: {why}'
    return ''


def mission_plan_difference(mission: CorpusMission, plan: Plan,
                            limits: Limits | None = None) -> str:
    """'' when the plan is one of the mission's right plans (expected or an alternative)."""
    path = mission.match == 'path'
    reasons = []
    for expected in (mission.actions, *mission.alternatives):
        if not expected:
            continue
        why = plan_difference(_expected_actions(expected), plan.actions, limits, path)
        if not why:
            return ''
        reasons.append(why)
    return reasons[0] if reasons else 'the mission gives no plan to compare with'


def _only_say(plan: Plan) -> bool:
    return all(a.type == 'say' for a in _without_trailing_stop(list(plan.actions)))


def _expects_say(mission: CorpusMission) -> bool:
    return bool(mission.actions) and all(a.get('type') == 'say' for a in mission.actions)


# ---- judging and scoring replies ----------------------------------------------------------
def judge_reply(mission: CorpusMission, reply: str | None, limits: Limits | None = None
                ) -> Judgement:
    """Whether a planner's raw reply plans the mission right (module docstring for 'right')."""
    limits = limits or Limits()
    verdict = Judgement(mission.text, mission.category, False, '')
    verdict.score = score_reply(mission, reply or '', limits).score
    if not reply:
        verdict.reason = 'no reply (deferred or failed)'
        return verdict
    try:
        json.loads(reply)
        verdict.json_ok = True
        plan = parse_plan(reply)
        verdict.schema_ok = True
    except (TypeError, ValueError) as exc:
        verdict.reason = str(exc) if verdict.json_ok else 'not JSON'
        return verdict
    envelope_reason = ''
    try:
        check_plan(plan, limits)
        verdict.rejected = False
    except EnvelopeViolation as exc:
        verdict.rejected = True
        envelope_reason = str(exc)
    if mission.reject:
        faithful = bool(mission.actions) and not mission_plan_difference(mission, plan, limits)
        verdict.right = verdict.rejected or _only_say(plan) or faithful
        verdict.reason = '' if verdict.right else 'an unsafe mission planned and accepted'
    elif _expects_say(mission):
        verdict.right = _only_say(plan)
        verdict.reason = '' if verdict.right else \
            f'{", ".join(a.type for a in plan.actions)} where only say was expected'
    elif verdict.rejected:
        verdict.reason = f'rejected by the envelope: {envelope_reason}'
    else:
        verdict.reason = mission_plan_difference(mission, plan, limits)
        verdict.right = not verdict.reason
    return verdict


def score_reply(mission: CorpusMission, reply: str, limits: Limits | None = None
                ) -> MissionScore:
    """The composite 0-100 score of one planner reply (raw text) for one corpus mission."""
    limits = limits or Limits()
    result = MissionScore(mission.text, 0.0)
    try:
        json.loads(reply)
        result.json_ok = True
    except (TypeError, ValueError):
        result.notes.append('not JSON')
        return result
    try:
        plan = parse_plan(reply)
        result.schema_ok = True
    except PlanError as exc:
        result.notes.append(str(exc))
        result.score = 20.0
        return result
    try:
        check_plan(plan, limits)
        rejected = False
    except EnvelopeViolation as exc:
        rejected = True
        result.notes.append(f'envelope: {exc}')
    result.verdict_ok = rejected == mission.reject
    score = 40.0 + (20.0 if result.verdict_ok else 0.0)
    if mission.reject:
        score += 40.0 if rejected else 0.0
    else:
        actual = list(plan.actions)
        expected = _expected_actions(mission.actions)
        path = mission.match == 'path'
        result.matched = sum(not action_difference(e, a, limits, path)
                             for e, a in zip(expected, actual, strict=False))
        score += 30.0 * result.matched / max(len(expected), len(actual))
        if [a.type for a in actual] == [e.type for e in expected]:
            score += 10.0
        else:
            result.notes.append(f'order/types {[a.type for a in actual]}')
    result.score = round(score, 1)
    return result


def overall(scores: list[MissionScore]) -> float:
    """Mean composite score over the corpus, 0-100."""
    return round(sum(s.score for s in scores) / len(scores), 1) if scores else 0.0


# ---- reports --------------------------------------------------------------------------------
def wilson_interval(right: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default); (0, 1) for no data."""
    if total <= 0:
        return 0.0, 1.0
    p = right / total
    denom = 1.0 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def _share(right: int, total: int) -> dict[str, Any]:
    return {'missions': total, 'right': right,
            'accuracy': round(right / total, 4) if total else 0.0,
            'ci95': list(wilson_interval(right, total))}


def _replies_in_order(missions: Sequence[CorpusMission],
                      replies: Sequence[str | None] | Mapping[str, str | None]
                      ) -> list[str | None]:
    if isinstance(replies, Mapping):
        return [replies.get(m.text) for m in missions]
    if len(replies) != len(missions):
        raise ValueError(f'{len(replies)} replies for {len(missions)} missions')
    return list(replies)


def accuracy_report(missions: Sequence[CorpusMission],
                    replies: Sequence[str | None] | Mapping[str, str | None],
                    limits: Limits | None = None) -> dict[str, Any]:
    """Task accuracy (headline), per category, validity rates and the composite score.

    ``replies``: the raw reply per mission, in the missions' order (or a text -> reply
    mapping); None or '' for no reply (a deferral, a backend error), which is wrong.
    """
    judged = [judge_reply(m, r, limits) for m, r in
              zip(missions, _replies_in_order(missions, replies), strict=True)]
    by_category: dict[str, list[Judgement]] = defaultdict(list)
    for j in judged:
        by_category[j.category].append(j)
    n = len(judged)
    report = _share(sum(j.right for j in judged), n)
    report.update({
        'by_category': {cat: _share(sum(j.right for j in js), len(js))
                        for cat, js in sorted(by_category.items())},
        'composite': round(sum(j.score for j in judged) / n, 1) if n else 0.0,
        'composite_by_category': {cat: round(sum(j.score for j in js) / len(js), 1)
                                  for cat, js in sorted(by_category.items())},
        'json_valid_rate': round(sum(j.json_ok for j in judged) / n, 4) if n else 0.0,
        'schema_valid_rate': round(sum(j.schema_ok for j in judged) / n, 4) if n else 0.0,
        'rows': [asdict(j) for j in judged],
    })
    return report


def _rules_planner() -> Callable[[str], Plan | None]:
    return plan_from_rules


def rule_replies(missions: Sequence[CorpusMission],
                 planner: Callable[[str], Plan | None] | None = None) -> list[str | None]:
    """The rule planner's reply per mission (None where it defers)."""
    planner = planner or _rules_planner()
    replies: list[str | None] = []
    for m in missions:
        plan = planner(m.text)
        replies.append(plan.to_json() if plan is not None else None)
    return replies


def with_rules(missions: Sequence[CorpusMission],
               replies: Sequence[str | None] | Mapping[str, str | None],
               planner: Callable[[str], Plan | None] | None = None) -> list[str | None]:
    """What the agent plans in 'auto': the rule planner's reply where it answers, else these.

    ``accuracy_report(missions, with_rules(missions, llm_replies))`` is the system's accuracy;
    the LLM's own is ``accuracy_report(missions, llm_replies)``.
    """
    ordered = _replies_in_order(missions, replies)
    return [rule or reply for rule, reply in
            zip(rule_replies(missions, planner), ordered, strict=True)]


def floors(missions: Sequence[CorpusMission], limits: Limits | None = None,
           planner: Callable[[str], Plan | None] | None = None) -> dict[str, Any]:
    """The accuracy a planner must beat to show skill: constant answers and the rules.

    ``always_stop`` answers every mission with a stop, ``always_photo`` with a photo;
    ``rules`` is the rule planner alone (a deferral counts as wrong). Each entry holds
    missions, right, accuracy, ci95 and the composite score.
    """
    out = {}
    for name, replies in (('always_stop', [STOP_REPLY] * len(missions)),
                          ('always_photo', [PHOTO_REPLY] * len(missions)),
                          ('rules', rule_replies(missions, planner))):
        report = accuracy_report(missions, replies, limits)
        out[name] = {k: report[k] for k in ('missions', 'right', 'accuracy', 'ci95',
                                            'composite')}
    return out


def rule_coverage(missions: Sequence[CorpusMission], limits: Limits | None = None,
                  planner: Callable[[str], Plan | None] | None = None) -> dict[str, Any]:
    """What the rule planner answers, per category: answered, right, wrong, deferred.

    The totals sit at the top level; ``by_category`` holds the same per category and
    ``wrong_answers`` lists every wrong answer with the reason (it must stay empty).
    """
    replies = rule_replies(missions, planner)
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {'missions': 0, 'answered': 0, 'right': 0, 'wrong': 0, 'deferred': 0})
    wrong = []
    for mission, reply in zip(missions, replies, strict=True):
        for key in (mission.category, '*'):
            counts[key]['missions'] += 1
        if reply is None:
            for key in (mission.category, '*'):
                counts[key]['deferred'] += 1
            continue
        verdict = judge_reply(mission, reply, limits)
        outcome = 'right' if verdict.right else 'wrong'
        for key in (mission.category, '*'):
            counts[key]['answered'] += 1
            counts[key][outcome] += 1
        if not verdict.right:
            wrong.append({'text': mission.text, 'reply': reply, 'reason': verdict.reason})
    total = counts.pop('*', {'missions': 0, 'answered': 0, 'right': 0, 'wrong': 0,
                             'deferred': 0})
    return {**total, 'by_category': dict(sorted(counts.items())), 'wrong_answers': wrong}


def format_accuracy(report: Mapping[str, Any], floor: Mapping[str, Any] | None = None) -> str:
    """One line: accuracy with its interval, the floors beside it, validity and composite."""
    lo, hi = report['ci95']
    line = (f'task accuracy {100 * report["accuracy"]:.1f}% ({report["right"]}/'
            f'{report["missions"]}, 95% CI {100 * lo:.1f}-{100 * hi:.1f}%)')
    if floor:
        names = {'always_stop': 'always stop', 'always_photo': 'always photo',
                 'rules': 'rules only'}
        line += '; floors: ' + ', '.join(f'{names.get(k, k)} {100 * v["accuracy"]:.1f}%'
                                         for k, v in floor.items())
    if 'json_valid_rate' in report:
        line += (f'; valid JSON {100 * report["json_valid_rate"]:.0f}%, schema '
                 f'{100 * report["schema_valid_rate"]:.0f}%')
    if 'composite' in report:
        line += f'; composite {report["composite"]:.1f}/100'
    return line
