# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The action plan: pydantic models for what a planner (rules or LLM) may propose.

Nothing in a plan is trusted. These models reject malformed or non-finite values;
the safety envelope (``envelope.py``) then applies the operator's limits (speeds included).
Plans are compact: a field that has its default is never serialised, so "move 1 m" stays
``{"type":"move","distance_m":1.0}`` whatever optional fields the vocabulary grows.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_serializer,
    model_validator,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
)

__all__ = [
    'Action', 'Drive', 'Goto', 'Move', 'Photo', 'Plan', 'PlanError', 'ReturnHome', 'Rotate',
    'Say', 'Stop', 'Wait', 'MOTION_TYPES', 'action_summary', 'parse_plan', 'plan_json_schema',
    'validate_action',
]

Direction = Literal['forward', 'backward', 'left', 'right']
CoordinateFrame = Literal['odom', 'robot']


class _Action(BaseModel):
    # strict: a number is a JSON number; ``true`` or ``"1"`` for a distance is a model's
    # mistake, never coerced into motion (lax mode read ``"distance_m": true`` as 1 m).
    model_config = ConfigDict(extra='forbid', allow_inf_nan=False, frozen=True, strict=True)

    @model_serializer(mode='wrap')
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Serialise without the fields that hold their default (``type`` always stays)."""
        body = handler(self)
        for name, info in type(self).model_fields.items():
            if name != 'type' and name in body and not info.is_required() \
                    and getattr(self, name) == info.default:
                del body[name]
        return body


class Move(_Action):
    """Walk straight: ``distance_m`` metres, + forward, - backward.

    ``direction`` left/right walks sideways (backward reverses); with a direction other than
    forward, ``distance_m`` is positive. ``speed_mps`` absent means cruise speed.
    """

    type: Literal['move'] = 'move'
    distance_m: float
    direction: Direction = 'forward'
    speed_mps: float | None = Field(default=None, gt=0.0)

    @model_validator(mode='after')
    def _direction_takes_a_positive_distance(self) -> Move:
        if self.direction != 'forward' and self.distance_m < 0:
            raise ValueError(f'with direction {self.direction!r}, distance_m must be positive '
                             f'(got {self.distance_m:g}): a negative distance would reverse it')
        return self

    @property
    def body_vector(self) -> tuple[float, float]:
        """The displacement in the robot's frame at the start (x ahead, y left), metres."""
        d = self.distance_m
        return {'forward': (d, 0.0), 'backward': (-d, 0.0), 'left': (0.0, d),
                'right': (0.0, -d)}[self.direction]


class Rotate(_Action):
    """Turn in place: + left (counter-clockwise), - right (degrees); ``speed_dps`` optional."""

    type: Literal['rotate'] = 'rotate'
    angle_deg: float
    speed_dps: float | None = Field(default=None, gt=0.0)


class Drive(_Action):
    """Timed motion: body velocities held for ``seconds`` (arcs: linear with angular)."""

    type: Literal['drive'] = 'drive'
    linear_mps: float = 0.0
    lateral_mps: float = 0.0
    angular_dps: float = 0.0
    seconds: float = Field(gt=0.0)

    @model_validator(mode='after')
    def _moves(self) -> Drive:
        if self.linear_mps == 0.0 and self.lateral_mps == 0.0 and self.angular_dps == 0.0:
            raise ValueError('a drive with no velocity is a wait: use {"type":"wait"}')
        return self


class Goto(_Action):
    """Drive to a point (metres), by default in the odom frame.

    ``frame: robot`` means relative to the robot's pose when the action starts (x ahead,
    y left). ``speed_mps`` absent means cruise speed.
    """

    type: Literal['goto'] = 'goto'
    x: float
    y: float
    frame: CoordinateFrame = 'odom'
    speed_mps: float | None = Field(default=None, gt=0.0)


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
    """Go back to the pose recorded at the first odometry message; ``speed_mps`` optional."""

    type: Literal['return_home'] = 'return_home'
    speed_mps: float | None = Field(default=None, gt=0.0)


class Say(_Action):
    """A text answer; no motion."""

    type: Literal['say'] = 'say'
    text: str = Field(min_length=1, max_length=1000)


Action = Annotated[
    Union[Move, Rotate, Drive, Goto, Wait, Stop, Photo, ReturnHome, Say],
    Field(discriminator='type'),
]

MOTION_TYPES = frozenset({'move', 'rotate', 'drive', 'goto', 'return_home'})


class Plan(BaseModel):
    """An ordered list of actions."""

    model_config = ConfigDict(extra='forbid')

    actions: list[Action] = Field(min_length=1)

    def to_json(self) -> str:
        """Compact JSON (no defaults), the same form the LLM is asked to produce."""
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
    speed = f' at {action.speed_mps:g} m/s' if getattr(action, 'speed_mps', None) else ''
    if kind == 'move':
        if action.direction != 'forward':
            return f'move {action.distance_m:.2f} m {action.direction}{speed}'
        return f'move {action.distance_m:+.2f} m{speed}'
    if kind == 'rotate':
        dps = f' at {action.speed_dps:g} deg/s' if action.speed_dps else ''
        return f'rotate {action.angle_deg:+.1f} deg{dps}'
    if kind == 'drive':
        parts = [f'{v:+g} {unit}' for v, unit in ((action.linear_mps, 'm/s'),
                                                  (action.angular_dps, 'deg/s')) if v]
        if action.lateral_mps:
            side = 'left' if action.lateral_mps > 0 else 'right'
            parts.insert(bool(action.linear_mps), f'{abs(action.lateral_mps):g} m/s {side}')
        return f'drive {", ".join(parts)} for {action.seconds:g} s'
    if kind == 'goto':
        frame = ' (robot frame)' if action.frame == 'robot' else ''
        return f'goto ({action.x:.2f}, {action.y:.2f}){frame}{speed}'
    if kind == 'wait':
        return f'wait {action.seconds:.1f} s'
    if kind == 'say':
        return f'say {json.dumps(action.text)}'
    return kind.replace('_', ' ')
