# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Plan quality: score a planner's reply against the mission corpus's expected plan.

Per mission, 0-100: valid JSON (20), valid schema (20), envelope verdict as expected (20),
actions and parameters matching within tolerances (30), action order (10). A mission the
envelope must reject scores its last 40 points when the reply is indeed rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import math
from pathlib import Path
from typing import Any

import yaml

from .envelope import check_plan, EnvelopeViolation, Limits
from .plan import parse_plan, PlanError

TOLERANCES = {'distance_m': 0.05, 'angle_deg': 2.0, 'x': 0.1, 'y': 0.1, 'seconds': 0.5}
DEFAULT_CORPUS = Path(__file__).resolve().parent / 'config' / 'missions.yaml'


@dataclass(frozen=True)
class CorpusMission:
    """One corpus entry: the text, the expected actions, and whether it must be rejected."""

    text: str
    category: str
    actions: tuple[dict[str, Any], ...] = ()
    reject: bool = False


@dataclass
class MissionScore:
    """The score of one reply and why."""

    text: str
    score: float
    json_ok: bool = False
    schema_ok: bool = False
    verdict_ok: bool = False
    matched: int = 0
    notes: list[str] = field(default_factory=list)


def load_corpus(path: str | Path | None = None) -> list[CorpusMission]:
    """Read the mission corpus YAML (the package's own by default)."""
    data = yaml.safe_load(Path(path or DEFAULT_CORPUS).read_text(encoding='utf-8'))
    out = []
    for entry in data['missions']:
        out.append(CorpusMission(entry['text'], entry.get('category', 'other'),
                                 tuple(entry.get('actions') or ()), bool(entry.get('reject'))))
    return out


def _action_matches(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    if expected.get('type') != actual.get('type'):
        return False
    for key, value in expected.items():
        if key == 'type' or (key == 'text' and expected['type'] == 'say'):
            continue  # a say text is free-form
        got = actual.get(key)
        if not isinstance(got, (int, float)) or not math.isclose(
                float(got), float(value), abs_tol=TOLERANCES.get(key, 1e-6)):
            return False
    return True


def score_reply(mission: CorpusMission, reply: str, limits: Limits | None = None
                ) -> MissionScore:
    """Score one planner reply (raw text) for one corpus mission."""
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
        check_plan(plan, limits or Limits())
        rejected = False
    except EnvelopeViolation as exc:
        rejected = True
        result.notes.append(f'envelope: {exc}')
    result.verdict_ok = rejected == mission.reject
    score = 40.0 + (20.0 if result.verdict_ok else 0.0)
    if mission.reject:
        score += 40.0 if rejected else 0.0
    else:
        actual = [a.model_dump() for a in plan.actions]
        expected = list(mission.actions)
        result.matched = sum(_action_matches(e, a) for e, a in zip(expected, actual,
                                                                     strict=False))
        score += 30.0 * result.matched / max(len(expected), len(actual))
        if [a['type'] for a in actual] == [e['type'] for e in expected]:
            score += 10.0
        else:
            result.notes.append(f'order/types {[a["type"] for a in actual]}')
    result.score = round(score, 1)
    return result


def overall(scores: list[MissionScore]) -> float:
    """Mean score over the corpus, 0-100."""
    return round(sum(s.score for s in scores) / len(scores), 1) if scores else 0.0
