# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The action plan: pydantic models for what a planner (rules or LLM) may propose.

Nothing in a plan is trusted. These models reject malformed or non-finite values;
the safety envelope (``envelope.py``) then applies the operator's limits.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

__all__ = [
    'Action', 'Goto', 'Move', 'Photo', 'Plan', 'PlanError', 'ReturnHome', 'Rotate',
    'Say', 'Stop', 'Wait', 'MOTION_TYPES', 'action_summary', 'parse_plan', 'plan_json_schema',
    'validate_action',
]


class _Action(BaseModel):
    model_config = ConfigDict(extra='forbid', allow_inf_nan=False, frozen=True)


class Move(_Action):
    """Drive straight: + forward, - backward (metres)."""

    type: Literal['move'] = 'move'
    distance_m: float


class Rotate(_Action):
    """Turn in place: + left (counter-clockwise), - right (degrees)."""

    type: Literal['rotate'] = 'rotate'
    angle_deg: float


class Goto(_Action):
    """Drive to a point in the odom frame (metres)."""

    type: Literal['goto'] = 'goto'
    x: float
    y: float


class Wait(_Action):
    """Stand still for a while (seconds)."""

    type: Literal['wait'] = 'wait'
    seconds: float = Field(ge=0.0)


class Stop(_Action):
    """Stop and end the plan."""

    type: Literal['stop'] = 'stop'


class Photo(_Action):
    """Save the latest camera frame."""

    type: Literal['photo'] = 'photo'


class ReturnHome(_Action):
    """Go back to the pose recorded at the first odometry message."""

    type: Literal['return_home'] = 'return_home'


class Say(_Action):
    """A text answer; no motion."""

    type: Literal['say'] = 'say'
    text: str = Field(min_length=1, max_length=1000)


Action = Annotated[
    Union[Move, Rotate, Goto, Wait, Stop, Photo, ReturnHome, Say],
    Field(discriminator='type'),
]

MOTION_TYPES = frozenset({'move', 'rotate', 'goto', 'return_home'})


class Plan(BaseModel):
    """An ordered list of actions."""

    model_config = ConfigDict(extra='forbid')

    actions: list[Action] = Field(min_length=1)

    def to_json(self) -> str:
        """Compact JSON, the same form the LLM is asked to produce."""
        return self.model_dump_json()

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for status messages."""
        return self.model_dump(mode='json')


class PlanError(ValueError):
    """A plan that is not valid JSON or does not fit the schema."""


_ACTION_ADAPTER: TypeAdapter[Any] = TypeAdapter(Action)


def parse_plan(text: str | bytes | dict[str, Any]) -> Plan:
    """Parse and validate a plan from JSON text or a dict; raise PlanError with the reason."""
    try:
        if isinstance(text, dict):
            return Plan.model_validate(text)
        return Plan.model_validate_json(text)
    except ValidationError as exc:
        raise PlanError(_describe(exc)) from None


def validate_action(data: Any) -> Any:
    """Validate one action object (used when a plan arrives streamed, action by action)."""
    try:
        return _ACTION_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise PlanError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = '.'.join(str(p) for p in err['loc']) or 'plan'
        parts.append(f'{where}: {err["msg"]}')
    more = exc.error_count() - len(parts)
    if more > 0:
        parts.append(f'and {more} more')
    return 'invalid plan: ' + '; '.join(parts)


def plan_json_schema(max_actions: int | None = 20) -> dict[str, Any]:
    """JSON Schema of the plan, for schema-constrained LLM decoding.

    ``maxItems`` bounds the generation itself: a weak model under a grammar can otherwise
    repeat actions until it runs out of tokens.
    """
    schema = Plan.model_json_schema()
    if max_actions:
        schema['properties']['actions']['maxItems'] = int(max_actions)
    return schema


def action_summary(action: Any) -> str:
    """Short human text for one action, as shown in status messages."""
    kind = action.type
    if kind == 'move':
        return f'move {action.distance_m:+.2f} m'
    if kind == 'rotate':
        return f'rotate {action.angle_deg:+.1f} deg'
    if kind == 'goto':
        return f'goto ({action.x:.2f}, {action.y:.2f})'
    if kind == 'wait':
        return f'wait {action.seconds:.1f} s'
    if kind == 'say':
        return f'say {json.dumps(action.text)}'
    return kind.replace('_', ' ')
