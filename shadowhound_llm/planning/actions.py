# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The action plan: pydantic models for what a planner (rules or LLM) may propose.

Nothing in a plan is trusted. These models reject malformed or non-finite values;
the safety envelope (``envelope.py``) then applies the operator's limits (speeds included).
Plans are compact: a field that has its default is never serialised, so "move 1 m" stays
``{"type":"move","distance_m":1.0}`` whatever optional fields the vocabulary grows.

Each action owns its behaviour, and every consumer asks it rather than re-deriving it:
``summary`` (the one line shown in statuses and on the dashboard), ``target`` and ``predict``
(where it leads and how long it takes from a start pose, home and the speed limits: the
envelope, robot_test and the dashboard), ``path`` (samples along a timed path, for the
geofence), ``controllers`` (what the executor runs) and ``canonical`` (its normal form for
plan-quality scoring). A new action is a model here with those methods, its controller in
``motion/control.py`` and a line of the prompt (``prompt.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import math
from typing import Annotated, Any, ClassVar, Iterable, Literal, Mapping, Union

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
from typing_extensions import override

from ..common.contract import Reason
from ..common.geometry import Pose2D, wrap_angle
from ..motion.control import (
    Controller,
    ControlLimits,
    drive_pose,
    DriveController,
    FaceController,
    GotoController,
    MotionLimits,
    MoveController,
    RotateController,
    target_in_odom,
)

__all__ = [
    'ACTION_TYPES', 'Action', 'CannotExecute', 'DEFAULT_LOOK_QUESTION', 'Drive', 'Goto', 'Look',
    'Motion', 'Move', 'Photo',
    'Plan', 'PlanError', 'ReturnHome', 'Rotate', 'Say', 'Stop', 'Wait', 'MOTION_TYPES',
    'action_summary', 'parse_plan', 'plan_json_schema', 'step_views', 'validate_action',
]

# A drive's path is sampled (for the geofence) at least this often (s) and at most at
# DRIVE_MAX_SAMPLES points.
DRIVE_SAMPLE_S = 0.05
DRIVE_MAX_SAMPLES = 4000

Direction = Literal['forward', 'backward', 'left', 'right']
CoordinateFrame = Literal['odom', 'robot']
Point = tuple[float, float]


class CannotExecute(ValueError):
    """An action that cannot be executed from where the robot is; ``reason`` says why."""

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Motion:
    """What an action does to the robot's pose, ideally executed, from a start pose.

    ``end``: the pose it ends at; ``seconds``: how long it takes (each motion at its own
    speed, else cruise); ``distance`` and ``turn``: (what, metres) and (what, degrees) the
    envelope holds to max_move_distance_m and max_rotate_deg (None: not bounded so).
    """

    end: Pose2D
    seconds: float = 0.0
    distance: tuple[str, float] | None = None
    turn: tuple[str, float] | None = None


class _Action(BaseModel):
    """What every action answers (the defaults are those of an action that does not move)."""

    # strict: a number is a JSON number; ``true`` or ``"1"`` for a distance is a model's
    # mistake, never coerced into motion (lax mode read ``"distance_m": true`` as 1 m).
    model_config = ConfigDict(extra='forbid', allow_inf_nan=False, frozen=True, strict=True)

    type: str
    # Moves the robot: needs fresh odometry, runs controllers, waits for the first odometry.
    moves: ClassVar[bool] = False
    # Ends the plan when reached (the rest is not executed).
    ends_plan: ClassVar[bool] = False
    # Has a timed path the envelope samples against the geofence (its duration checked first).
    samples_path: ClassVar[bool] = False

    def summary(self) -> str:
        """Short human text, as shown in status messages and on the dashboard."""
        return self.type.replace('_', ' ')

    def step_summary(self, target: Point | None) -> str:
        """The summary once the step's odom-frame target is known (a robot-frame goto's)."""
        return self.summary()

    def target(self, start: Pose2D | None, home: Pose2D | None) -> Point | None:
        """The odom-frame point it leads to (None: none, or not known without start/home)."""
        return None

    def predict(self, start: Pose2D, home: Pose2D, limits: MotionLimits) -> Motion:
        """Its motion from ``start`` (see Motion); ``home`` is where return_home leads."""
        return Motion(start)

    def path(self, start: Pose2D, seconds: float) -> list[tuple[float, Pose2D]]:
        """(time, pose) samples along its path (empty: a straight line, or no motion)."""
        return []

    def controllers(self, start: Pose2D, target: Point | None, home: Pose2D | None,
                    limits: ControlLimits) -> list[Controller]:
        """The controllers that execute it from ``start``, in order.

        Raises CannotExecute when it cannot be executed from there (home unknown).
        """
        return []

    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        """(kind, fields) in one normal form, so equivalent actions compare equal.

        A missing speed is the cruise speed; ``path`` compares timed motions by their path.
        """
        return self.type, {}

    def end_phrase(self, end: Pose2D) -> str:
        """How the envelope names where it would end, before 'is N m from home'."""
        return f' would end at ({end.x:.1f}, {end.y:.1f}), which'

    @classmethod
    def numeric_fields(cls) -> tuple[str, ...]:
        """The names of its number fields (the envelope refuses them non-finite)."""
        return tuple(name for name, info in cls.model_fields.items()
                     if info.annotation in (float, float | None, int))

    @classmethod
    def positive_fields(cls) -> dict[str, bool]:
        """{name: strictly positive?} for fields that must not be negative."""
        out = {}
        for name, info in cls.model_fields.items():
            for rule in info.metadata:
                if getattr(rule, 'gt', None) == 0.0:
                    out[name] = True
                elif getattr(rule, 'ge', None) == 0.0:
                    out[name] = False
        return out

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
    moves: ClassVar[bool] = True

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

    @override
    def summary(self) -> str:
        if self.direction != 'forward':
            return f'move {self.distance_m:.2f} m {self.direction}{_speed(self.speed_mps)}'
        return f'move {self.distance_m:+.2f} m{_speed(self.speed_mps)}'

    @override
    def predict(self, start: Pose2D, home: Pose2D, limits: MotionLimits) -> Motion:
        end = Pose2D(*target_in_odom(start, *self.body_vector), start.yaw)
        return Motion(end, abs(self.distance_m) / (self.speed_mps or limits.cruise_mps),
                      distance=('move', self.distance_m))

    @override
    def controllers(self, start: Pose2D, target: Point | None, home: Pose2D | None,
                    limits: ControlLimits) -> list[Controller]:
        dx, dy = self.body_vector
        sideways = dy != 0.0
        return [MoveController(limits, start, dy if sideways else dx, sideways,
                               self.speed_mps)]

    @override
    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        dx, dy = self.body_vector
        return _translate(dx, dy, self.speed_mps, limits)


class Rotate(_Action):
    """Turn in place: + left (counter-clockwise), - right (degrees); ``speed_dps`` optional."""

    type: Literal['rotate'] = 'rotate'
    angle_deg: float
    speed_dps: float | None = Field(default=None, gt=0.0)
    moves: ClassVar[bool] = True

    @override
    def summary(self) -> str:
        dps = f' at {self.speed_dps:g} deg/s' if self.speed_dps else ''
        return f'rotate {self.angle_deg:+.1f} deg{dps}'

    @override
    def predict(self, start: Pose2D, home: Pose2D, limits: MotionLimits) -> Motion:
        end = Pose2D(start.x, start.y, wrap_angle(start.yaw + math.radians(self.angle_deg)))
        rate = math.radians(self.speed_dps) if self.speed_dps else limits.cruise_rps
        return Motion(end, math.radians(abs(self.angle_deg)) / rate,
                      turn=('rotation', self.angle_deg))

    @override
    def controllers(self, start: Pose2D, target: Point | None, home: Pose2D | None,
                    limits: ControlLimits) -> list[Controller]:
        return [RotateController(limits, start, math.radians(self.angle_deg), self.speed_dps)]

    @override
    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        return 'rotate', {'angle_deg': self.angle_deg,
                          'speed_dps': self.speed_dps or math.degrees(limits.cruise_angular_speed)}


class Drive(_Action):
    """Timed motion: body velocities held for ``seconds`` (arcs: linear with angular)."""

    type: Literal['drive'] = 'drive'
    linear_mps: float = 0.0
    lateral_mps: float = 0.0
    angular_dps: float = 0.0
    seconds: float = Field(gt=0.0)

    moves: ClassVar[bool] = True
    samples_path: ClassVar[bool] = True

    @model_validator(mode='after')
    def _moves(self) -> Drive:
        if self.linear_mps == 0.0 and self.lateral_mps == 0.0 and self.angular_dps == 0.0:
            raise ValueError('a drive with no velocity is a wait: use {"type":"wait"}')
        return self

    @property
    def body_velocity(self) -> tuple[float, float, float]:
        """(linear m/s, lateral m/s left, angular rad/s) held for ``seconds``."""
        return self.linear_mps, self.lateral_mps, math.radians(self.angular_dps)

    @override
    def summary(self) -> str:
        parts = [f'{v:+g} {unit}' for v, unit in ((self.linear_mps, 'm/s'),
                                                  (self.angular_dps, 'deg/s')) if v]
        if self.lateral_mps:
            side = 'left' if self.lateral_mps > 0 else 'right'
            parts.insert(bool(self.linear_mps), f'{abs(self.lateral_mps):g} m/s {side}')
        return f'drive {", ".join(parts)} for {self.seconds:g} s'

    @override
    def predict(self, start: Pose2D, home: Pose2D, limits: MotionLimits) -> Motion:
        end = drive_pose(start, *self.body_velocity, self.seconds)
        return Motion(end, self.seconds,
                      distance=('drive displacement', start.distance_to(end.x, end.y)),
                      turn=('drive turn', self.angular_dps * self.seconds))

    @override
    def path(self, start: Pose2D, seconds: float) -> list[tuple[float, Pose2D]]:
        samples = min(DRIVE_MAX_SAMPLES, max(8, math.ceil(seconds / DRIVE_SAMPLE_S)))
        velocity = self.body_velocity
        return [(seconds * i / samples, drive_pose(start, *velocity, seconds * i / samples))
                for i in range(1, samples + 1)]

    @override
    def controllers(self, start: Pose2D, target: Point | None, home: Pose2D | None,
                    limits: ControlLimits) -> list[Controller]:
        return [DriveController(limits, *self.body_velocity, self.seconds)]

    @override
    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        if path:
            return 'drive', {'path_m': self.linear_mps * self.seconds,
                             'lateral_m': self.lateral_mps * self.seconds,
                             'sweep_deg': self.angular_dps * self.seconds}
        return 'drive', {'linear_mps': self.linear_mps, 'lateral_mps': self.lateral_mps,
                         'angular_dps': self.angular_dps, 'seconds': self.seconds}


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
    moves: ClassVar[bool] = True

    @override
    def summary(self) -> str:
        frame = ' (robot frame)' if self.frame == 'robot' else ''
        return f'goto ({self.x:.2f}, {self.y:.2f}){frame}{_speed(self.speed_mps)}'

    @override
    def step_summary(self, target: Point | None) -> str:
        if target is None or self.frame != 'robot':
            return self.summary()
        return f'{self.summary()} -> odom ({target[0]:.2f}, {target[1]:.2f})'

    @override
    def target(self, start: Pose2D | None, home: Pose2D | None) -> Point | None:
        if self.frame == 'odom':
            return self.x, self.y
        return target_in_odom(start, self.x, self.y) if start is not None else None

    @override
    def predict(self, start: Pose2D, home: Pose2D, limits: MotionLimits) -> Motion:
        x, y = target_in_odom(start, self.x, self.y) if self.frame == 'robot' else (self.x,
                                                                                     self.y)
        return _drive_to(start, x, y, None, self.speed_mps, limits)

    @override
    def controllers(self, start: Pose2D, target: Point | None, home: Pose2D | None,
                    limits: ControlLimits) -> list[Controller]:
        x, y = target if target is not None else self.target(start, home) or (self.x, self.y)
        return [GotoController(limits, start, x, y, speed_mps=self.speed_mps)]

    @override
    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        if self.frame == 'robot' and self.y == 0.0 and self.x > 0.0:  # straight ahead: a move
            return _translate(self.x, 0.0, self.speed_mps, limits)
        return 'goto', {'x': self.x, 'y': self.y, 'frame': self.frame,
                        'speed_mps': self.speed_mps or limits.cruise_linear_speed}

    @override
    def end_phrase(self, end: Pose2D) -> str:
        if self.frame == 'odom':
            return f': goto ({self.x:.1f}, {self.y:.1f})'
        return (f': goto ({self.x:.1f}, {self.y:.1f}) in the robot frame would end at '
                f'({end.x:.1f}, {end.y:.1f}), which')


class Wait(_Action):
    """Stand still for a while (seconds)."""

    type: Literal['wait'] = 'wait'
    seconds: float = Field(ge=0.0)

    @override
    def summary(self) -> str:
        return f'wait {self.seconds:.1f} s'

    @override
    def predict(self, start: Pose2D, home: Pose2D, limits: MotionLimits) -> Motion:
        return Motion(start, self.seconds)

    @override
    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        return 'wait', {'seconds': self.seconds}


class Stop(_Action):
    """Stop and end the plan."""

    type: Literal['stop'] = 'stop'
    ends_plan: ClassVar[bool] = True


class Photo(_Action):
    """Save the latest camera frame."""

    type: Literal['photo'] = 'photo'


DEFAULT_LOOK_QUESTION = 'Describe what is in front of you.'


class Look(_Action):
    """Ask the vision model about the latest camera frame; no motion.

    ``question`` absent means "describe what is in front of you"; the answer ends up in the
    mission's terminal status (``answer``).
    """

    type: Literal['look'] = 'look'
    question: str = Field(default=DEFAULT_LOOK_QUESTION, min_length=1, max_length=500)

    @override
    def summary(self) -> str:
        if self.question == DEFAULT_LOOK_QUESTION:
            return 'look (describe what is in front)'
        return f'look {json.dumps(self.question)}'

    @override
    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        return 'look', {}  # a question's wording is free-form


class ReturnHome(_Action):
    """Go back to the pose recorded at the first odometry message; ``speed_mps`` optional."""

    type: Literal['return_home'] = 'return_home'
    speed_mps: float | None = Field(default=None, gt=0.0)
    moves: ClassVar[bool] = True

    @override
    def summary(self) -> str:
        return f'return home{_speed(self.speed_mps)}'

    @override
    def target(self, start: Pose2D | None, home: Pose2D | None) -> Point | None:
        return (home.x, home.y) if home is not None else None

    @override
    def predict(self, start: Pose2D, home: Pose2D, limits: MotionLimits) -> Motion:
        return _drive_to(start, home.x, home.y, home.yaw, self.speed_mps, limits)

    @override
    def controllers(self, start: Pose2D, target: Point | None, home: Pose2D | None,
                    limits: ControlLimits) -> list[Controller]:
        if home is None:
            raise CannotExecute('home pose unknown: no odometry received yet', Reason.NO_HOME)
        return [GotoController(limits, start, home.x, home.y, speed_mps=self.speed_mps),
                FaceController(limits, start, home.yaw)]

    @override
    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        return 'return_home', {'speed_mps': self.speed_mps or limits.cruise_linear_speed}


class Say(_Action):
    """A text answer; no motion."""

    type: Literal['say'] = 'say'
    text: str = Field(min_length=1, max_length=1000)

    @override
    def summary(self) -> str:
        return f'say {json.dumps(self.text)}'

    @override
    def canonical(self, limits: MotionLimits, path: bool = False) -> tuple[str, dict[str, Any]]:
        return 'say', {}  # a say's text is free-form


ACTION_TYPES: tuple[type[_Action], ...] = (Move, Rotate, Drive, Goto, Wait, Stop, Photo,
                                           ReturnHome, Say, Look)
Action = Annotated[Union[ACTION_TYPES], Field(discriminator='type')]  # type: ignore[valid-type]

MOTION_TYPES = frozenset(cls.model_fields['type'].default for cls in ACTION_TYPES if cls.moves)


def _speed(speed_mps: float | None) -> str:
    return f' at {speed_mps:g} m/s' if speed_mps else ''


def _translate(dx: float, dy: float, speed_mps: float | None,
               limits: MotionLimits) -> tuple[str, dict[str, Any]]:
    """The canonical form of a straight translation in the robot's frame."""
    return 'translate', {'dx': dx, 'dy': dy,
                         'speed_mps': speed_mps or limits.cruise_linear_speed}


def _drive_to(start: Pose2D, x: float, y: float, yaw: float | None, speed_mps: float | None,
              limits: MotionLimits) -> Motion:
    """Turn toward (x, y), drive there, then face ``yaw`` (None: keep the heading it drove)."""
    far = start.distance_to(x, y) > 1e-9
    heading = start.bearing_to(x, y) if far else start.yaw
    turn = abs(wrap_angle(heading - start.yaw))
    seconds = start.distance_to(x, y) / (speed_mps or limits.cruise_mps) + turn / limits.cruise_rps
    return Motion(Pose2D(x, y, heading if yaw is None else yaw), seconds)


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


def validate_action(data: Any) -> Action:
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


def action_summary(action: Action) -> str:
    """Short human text for one action, as shown in status messages."""
    return action.summary()


def step_views(actions: Iterable[Action], targets: Mapping[int, Point] | None = None,
               home: Pose2D | None = None) -> list[dict[str, Any]]:
    """Each step as statuses carry it: its summary and, when known, its odom-frame target.

    ``targets``: the points already placed (a robot-frame goto's, from the pose where its step
    began); the others come from the action itself (an odom goto; return_home once home is
    known).
    """
    out = []
    for index, action in enumerate(actions):
        target = (targets or {}).get(index) or action.target(None, home)
        view: dict[str, Any] = {'summary': action.step_summary(target)}
        if target is not None:
            view['target'] = {'x': round(target[0], 3), 'y': round(target[1], 3)}
        out.append(view)
    return out
