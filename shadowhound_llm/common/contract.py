# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Everything the package speaks on its topics, defined once (see docs/INTERFACE.md).

Plain Python (pydantic, no ROS): mission states and the reason codes of their ends, the
structured mission request, ``mission_status`` and ``llm_metrics`` bodies, the one severity
scale shared by backend checks, the degradation detector and ``/diagnostics``, and the
``/diagnostics`` names and value keys that other programs read. Every node, tool, test and
the dashboard reads and writes these JSON bodies through the models here, never by hand,
and decides on codes and keys, never on the wording of a message.
"""

from __future__ import annotations

from enum import Enum, IntEnum
import json
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, ValidationError

__all__ = [
    'DiagKey', 'DiagTask', 'LLMMetrics', 'MissionRequest', 'MissionState', 'MissionStatus',
    'PlannerChoice', 'Reason', 'RequestError', 'Severity', 'TERMINAL_STATES', 'parse_command',
    'MissionTextError', 'check_mission_text', 'parse_request', 'REQUEST_FIELDS',
]


class MissionState(str, Enum):
    """The states of a mission; every mission ends in exactly one terminal state."""

    RECEIVED = 'received'
    PLANNING = 'planning'
    EXECUTING = 'executing'
    SUCCEEDED = 'succeeded'
    FAILED = 'failed'
    CANCELLED = 'cancelled'
    REJECTED = 'rejected'

    @property
    def terminal(self) -> bool:
        """True for succeeded, failed, cancelled and rejected."""
        return self in TERMINAL_STATES

    def __str__(self) -> str:
        return self.value


TERMINAL_STATES = frozenset({MissionState.SUCCEEDED, MissionState.FAILED,
                             MissionState.CANCELLED, MissionState.REJECTED})

PlannerChoice = Literal['auto', 'rules', 'llm']


class Reason(str, Enum):
    """Why a mission ended other than succeeded: ``reason`` in its terminal mission_status.

    The code is for programs (robot_test, the dashboard, a fleet manager): they decide on it,
    never on the wording of ``message``, which is for people and may change. Like nav2's
    ``error_code`` beside ``error_msg``. A succeeded mission has no reason (null).
    """

    # rejected: nothing moved
    MALFORMED = 'malformed'              # a structured request that is not valid
    EMPTY_TEXT = 'empty_text'            # blank mission text
    TEXT_TOO_LONG = 'text_too_long'      # over max_mission_chars
    RULES_CANNOT_PARSE = 'rules_cannot_parse'  # planner 'rules' and the rules do not parse it
    NO_LLM = 'no_llm'                    # needs a language model and none is configured
    LLM_VALIDATING = 'llm_validating'    # the backend is still being validated
    LLM_UNUSABLE = 'llm_unusable'        # the backend failed its validation
    ENVELOPE = 'envelope'                # the plan leaves the safety envelope (also failed)
    ROBOT_MODE = 'robot_mode'            # go2_states: the GO2 is in a mode it cannot walk in
    # failed: the robot was stopped
    PLANNING_FAILED = 'planning_failed'  # no valid plan from the LLM (error, timeout, junk)
    TIMEOUT = 'timeout'                  # over max_mission_duration_s
    STALLED = 'stalled'                  # no progress for stall_timeout_s
    NO_ODOM = 'no_odom'                  # motion without any odometry
    ODOM_LOST = 'odom_lost'              # odometry older than odom_timeout_s
    ODOM_JUMP = 'odom_jump'              # odometry moved faster than the robot can
    ODOM_DELAY = 'odom_delay'            # odometry far later than odom_latency_s assumed
    NO_HOME = 'no_home'                  # return_home before any odometry
    CMD_VEL_REFUSED = 'cmd_vel_refused'  # the DDS refused the velocity commands while moving
    NO_CAMERA_FRAME = 'no_camera_frame'  # photo without a frame within photo_timeout_s
    PHOTO_NOT_SAVED = 'photo_not_saved'  # photo folder full or not writable
    NO_VISION_MODEL = 'no_vision_model'  # a look and vision_model is empty (also rejected)
    STALE_CAMERA_FRAME = 'stale_camera_frame'  # a look and the latest frame is too old
    VISION_NOT_CAPABLE = 'vision_not_capable'  # vision_model takes no images
    VISION_REFUSED = 'vision_refused'    # the vision server refused the image (HTTP error)
    VISION_FAILED = 'vision_failed'      # no answer: unreachable, timed out, empty reply
    INTERNAL_ERROR = 'internal_error'    # a bug: the message has the exception
    # cancelled: the robot was stopped
    OPERATOR_STOP = 'operator_stop'      # a stop command ("stop", "halt", ...)
    MISSION_CANCEL = 'mission_cancel'    # a message on mission_cancel
    PREEMPTED = 'preempted'              # a newer mission took over
    SHUTDOWN = 'shutdown'                # the agent is shutting down

    def __str__(self) -> str:
        return self.value


class Severity(IntEnum):
    """One severity scale: diagnostic_msgs levels, with the words checks and CLIs use."""

    OK = 0
    WARN = 1
    ERROR = 2
    STALE = 3

    @property
    def word(self) -> str:
        """check_backend's JSON word: 'ok', 'warn' or 'fail' ('stale' for STALE)."""
        return _WORDS[self]

    @property
    def label(self) -> str:
        """Upper-case label for lines an operator reads: OK, WARN, FAIL, STALE."""
        return _WORDS[self].upper()

    @classmethod
    def from_word(cls, word: str) -> Severity:
        """Parse 'ok'/'warn'/'fail' (and 'error', 'stale'), any case."""
        word = word.lower()
        if word == 'error':
            return cls.ERROR
        for level, text in _WORDS.items():
            if text == word:
                return level
        raise ValueError(f'unknown severity {word!r}')


_WORDS = {Severity.OK: 'ok', Severity.WARN: 'warn', Severity.ERROR: 'fail',
          Severity.STALE: 'stale'}


class _Body(BaseModel):
    """A JSON message body: compact to_json / tolerant from_json."""

    def to_json(self) -> str:
        """The message body as JSON (fields that are None and not in the contract omitted)."""
        return json.dumps(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The body as a plain dict."""
        body = self.model_dump(mode='json')
        for name in self._optional_fields():
            if body.get(name) is None:
                body.pop(name, None)
        return body

    @classmethod
    def _optional_fields(cls) -> tuple[str, ...]:
        return ()

    @classmethod
    def from_json(cls, data: str | bytes) -> Any:
        """Parse a body (unknown fields from newer agents are kept, not refused)."""
        return cls.model_validate_json(data)


class RequestError(ValueError):
    """A structured mission request that cannot be accepted; the message names the field."""


class MissionRequest(BaseModel):
    """A structured request on ``mission_command`` (a JSON object in ``data``)."""

    model_config = ConfigDict(extra='forbid', str_strip_whitespace=False)

    text: str
    id: str | None = Field(default=None, min_length=1, max_length=64)
    planner: PlannerChoice = 'auto'
    dry_run: bool = False

    def to_json(self) -> str:
        """The request as sent on mission_command (defaults omitted)."""
        return self.model_dump_json(exclude_defaults=True)


REQUEST_FIELDS = tuple(MissionRequest.model_fields)


def parse_command(data: str) -> MissionRequest:
    """A mission_command ``data``: a JSON object is a request, anything else is mission text.

    Data that parses as JSON but is not an object is malformed too (``[1, 2]``, ``42``,
    ``true``, ``null``), except a JSON string, which stands for its text (``"stop"`` is the
    text ``stop``). Raises RequestError for a malformed request (invalid JSON object, unknown
    field, wrong type, JSON that is no object) with a message naming the field or the type;
    such data is never treated as mission text.
    """
    stripped = data.strip()
    if not stripped.startswith('{'):
        try:
            raw = json.loads(stripped)
        except (ValueError, RecursionError):
            return MissionRequest(text=data)  # plain text
        if isinstance(raw, str):
            return MissionRequest(text=raw)
        raise RequestError(f'malformed mission request: expected a JSON object or mission '
                           f'text, got JSON {_json_kind(raw)}')
    return parse_request(data)


def parse_request(data: str | bytes, allowed: tuple[str, ...] = REQUEST_FIELDS
                  ) -> MissionRequest:
    """A JSON mission request (``allowed``: the fields this sender may set), strictly typed.

    The one check of a request's shape, for mission_command and the dashboard alike: a
    ``"dry_run": "yes"`` is refused, never read as true. Raises RequestError naming the field.
    """
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise RequestError(f'malformed mission request: not a valid JSON object ({exc})') \
            from None
    if not isinstance(raw, dict):
        raise RequestError('malformed mission request: expected a JSON object')
    names = ', '.join(allowed)
    parts = [f'unknown field {name!r} (allowed: {names})'
             for name in raw if name in REQUEST_FIELDS and name not in allowed][:3]
    try:
        request = MissionRequest.model_validate(raw, strict=True)
    except ValidationError as exc:
        for err in exc.errors()[:3 - len(parts)]:
            field_name = '.'.join(str(p) for p in err['loc']) or 'request'
            if err['type'] == 'extra_forbidden':
                parts.append(f'unknown field {field_name!r} (allowed: {names})')
            elif err['type'] == 'missing':
                parts.append(f'field {field_name!r} is required')
            else:
                parts.append(f'field {field_name!r}: {err["msg"]}')
    if parts:
        raise RequestError('malformed mission request: ' + '; '.join(parts))
    return request


class MissionTextError(RequestError):
    """A mission text that cannot be accepted: empty, or longer than max_mission_chars."""

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def too_long(self) -> bool:
        """True for a text over the limit (else it is empty)."""
        return self.reason == Reason.TEXT_TOO_LONG


def check_mission_text(text: str, max_chars: int) -> None:
    """Raise MissionTextError for an empty (or blank) text or one over ``max_chars``.

    The one text check, for the agent, the ``plan`` tool and the dashboard alike.
    """
    if not text.strip():
        raise MissionTextError('empty mission text', Reason.EMPTY_TEXT)
    if len(text) > max_chars:
        raise MissionTextError(f'mission text is {len(text)} characters; the limit is '
                               f'{max_chars} (max_mission_chars)', Reason.TEXT_TOO_LONG)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return 'an array'
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return f'{str(value).lower()} (a boolean)'
    return f'{value!r} (a number)'


class MissionStatus(_Body):
    """One ``mission_status`` message.

    Contract fields first; the rest are extras an operator finds useful (which planner,
    the home pose, the saved photo, whether it was a dry run, each step's summary and target).
    """

    model_config = ConfigDict(extra='allow', use_enum_values=False)

    mission_id: str
    state: MissionState
    text: str
    plan: dict[str, Any] | None = None
    step: int | None = None
    message: str = ''
    stamp: float = Field(default_factory=time.time)
    reason: str | None = None
    planner: str | None = None
    home: dict[str, float] | None = None
    photo: str | None = None
    dry_run: bool | None = None
    # Each plan step as shown: {"summary": str, "target": {"x", "y"} (odom, when known)}.
    steps: list[dict[str, Any]] | None = None
    # What the vision model answered to the plan's look action(s) (one line per look).
    answer: str | None = None
    # The last look's call: {"model", "width", "height", "bytes", "prompt_tokens", "seconds"}.
    vision: dict[str, Any] | None = None

    @field_validator('reason', mode='before')
    @classmethod
    def _code(cls, value: Any) -> Any:
        """A Reason is kept as its plain code (unknown codes from newer agents are kept)."""
        return value.value if isinstance(value, Reason) else value

    @classmethod
    def _optional_fields(cls) -> tuple[str, ...]:
        return ('planner', 'home', 'photo', 'dry_run', 'steps', 'answer', 'vision')

    @property
    def terminal(self) -> bool:
        """True for succeeded, failed, cancelled and rejected."""
        return self.state.terminal


class LLMMetrics(_Body):
    """One ``llm_metrics`` message: the speed figures of one LLM call (None = not reported)."""

    model_config = ConfigDict(extra='allow')

    backend: str
    model: str
    ok: bool = True
    tokens_per_s: float | None = None
    eval_count: int | None = None
    eval_duration_s: float | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration_s: float | None = None
    load_duration_s: float | None = None
    ttft_s: float | None = None
    total_s: float | None = None
    stamp: float = Field(default_factory=time.time)
    error: str | None = None
    robot: str | None = None
    mission_id: str | None = None
    # Reasoning models: tokens and seconds spent thinking before the answer (part of
    # eval_count and of the latency the operator waits through).
    thinking_count: int | None = None
    thinking_duration_s: float | None = None
    # 'server' when the speed figures are the server's own, 'wall' when measured here.
    speed_source: str | None = None
    done_reason: str | None = None   # 'stop', or 'length' for a reply cut at its token limit

    @classmethod
    def _optional_fields(cls) -> tuple[str, ...]:
        return ('error', 'robot', 'mission_id', 'thinking_count', 'thinking_duration_s',
                'speed_source', 'done_reason')

    def as_dict(self) -> dict[str, Any]:
        """The contract's llm_metrics JSON body."""
        return self.to_dict()


class DiagTask:
    """Names of the /diagnostics statuses other programs read (after the node prefix).

    A status is named ``[namespace/]node: Task``; match with ``name.endswith(task)``.
    """

    AGENT_BACKEND = 'mission_agent: Backend'
    AGENT_MISSION = 'mission_agent: Mission'
    AGENT_BRIDGE = 'mission_agent: Bridge'
    GPU = 'gpu_monitor: GPU'
    MEMORY = 'gpu_monitor: Memory'
    THERMAL = 'gpu_monitor: Thermal'
    POWER = 'gpu_monitor: Power'
    THROUGHPUT = 'gpu_monitor: LLM throughput'
    OLLAMA_MODELS = 'gpu_monitor: Ollama models'

    @staticmethod
    def short(task: str) -> str:
        """The task part of a name: 'Memory' for 'gpu_monitor: Memory'."""
        return task.split(': ', 1)[1]


class DiagKey:
    """/diagnostics value keys that programs read: the tasks write them, tools parse them.

    Values are strings (diagnostic_msgs/KeyValue); numbers are plain decimals, 'n/a' when
    unknown. Labels an operator reads in rqt, defined here once so that no reader spells
    them again.
    """

    # mission_agent: Backend
    PLANNER = 'planner'
    BACKEND_STATE = 'state'            # none | validating | ready | failed
    VALIDATED = 'validated'            # yes | no (...) | pending | failed
    VISION = 'vision model'            # off (...) | <backend>:<model> (<state>)
    # mission_agent: Mission
    RUNNING = 'running'
    PLANNING = 'planning'
    LAST = 'last'
    LAST_REASON = 'last reason'        # the Reason code of the last mission's end ('' if none)
    ODOM_AGE_S = 'odom age [s]'
    GOVERNOR_CLAMPS = 'governor clamps'
    MAX_LINEAR_MPS = 'max linear [m/s]'
    MAX_ANGULAR_RPS = 'max angular [rad/s]'
    # mission_agent: Bridge
    CMD_VEL_SUBSCRIBERS = 'cmd_vel subscribers'  # message types, comma-separated
    OTHER_CMD_VEL_PUBLISHERS = 'other cmd_vel publishers'
    ODOM_RATE_HZ = 'odom rate [Hz]'
    ODOM_MAX_GAP_S = 'odom largest gap [s]'
    ODOM_DELAY_S = 'odom delay [s]'
    STOP = 'stop'
    GO2_MODE = 'go2 mode'
    # gpu_monitor: Memory
    MEM_USED_MIB = 'used [MiB]'
    MEM_TOTAL_MIB = 'total [MiB]'
    GPU_SHARE_MIB = 'GPU share [MiB]'
    OLLAMA_VRAM_GIB = 'ollama VRAM [GiB]'
    # gpu_monitor: Thermal: one key per sensor, '<sensor> [°C]'
    TEMP_SUFFIX = ' [°C]'
    # gpu_monitor: LLM throughput
    CURRENT_TPS = 'current tokens/s'
    BASELINE_TPS = 'baseline tokens/s'
    ROOFLINE_TPS = 'roofline tokens/s'
    ROOFLINE_PLACED_TPS = 'roofline as placed tokens/s'

    @staticmethod
    def temperature(sensor: str) -> str:
        """The Thermal key of one sensor."""
        return f'{sensor}{DiagKey.TEMP_SUFFIX}'
