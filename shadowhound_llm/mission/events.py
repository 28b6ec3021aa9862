# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""What goes into and comes out of the agent core: typed planner events and AgentOutput.

Planner events are posted by worker threads (LLM planning, backend validation) and handled
on the core's thread; ``AgentOutput`` is what the node publishes after each core call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Union

from ..backends.validation import CheckResult, ValidationReport
from ..common.contract import LLMMetrics, MissionState, MissionStatus, Reason
from ..motion.control import Twist2D
from ..planning.actions import Action, Plan


class BackendState(str, Enum):
    """Where the LLM backend stands: none configured, being validated, ready, failed."""

    NONE = 'none'
    VALIDATING = 'validating'
    READY = 'ready'
    FAILED = 'failed'


@dataclass(frozen=True)
class ActionPlanned:
    """One more action of a streamed plan, validated and inside the envelope."""

    mission_id: str
    action: Action
    backend: str


@dataclass(frozen=True)
class PlanComplete:
    """The whole plan is in (and, when not streamed, checked against the envelope)."""

    mission_id: str
    plan: Plan
    backend: str


@dataclass(frozen=True)
class PlanFailed:
    """Planning ended without a usable plan; ``state`` is failed or rejected.

    ``reason``: the code of the terminal status; ``backend``: the LLM backend whose plan
    was refused (or the first one asked).
    """

    mission_id: str
    state: MissionState
    message: str
    reason: Reason
    backend: str = ''


@dataclass(frozen=True)
class MetricsReady:
    """One LLM call's figures, for llm_metrics."""

    metrics: LLMMetrics


@dataclass(frozen=True)
class BackendChecked:
    """One backend validation check finished (logged as it happens).

    ``vision``: a check of the vision model (its own generations), not of the planners.
    """

    generation: int
    check: CheckResult
    vision: bool = False


@dataclass(frozen=True)
class BackendsValidated:
    """Every configured backend was validated (in order, until one was usable)."""

    generation: int
    reports: list[ValidationReport]


@dataclass(frozen=True)
class VisionValidated:
    """The vision model's validation finished (``report`` None: it crashed, ``error`` says)."""

    generation: int
    report: ValidationReport | None
    error: str = ''


PlannerEvent = Union[ActionPlanned, PlanComplete, PlanFailed, MetricsReady, BackendChecked,
                     BackendsValidated, VisionValidated]


@dataclass(frozen=True)
class LogLine:
    """A line for the node's logger: level is debug, info, warning, error or fatal."""

    level: str
    text: str


@dataclass
class AgentOutput:
    """What to publish after one core call, in this order: commands, statuses, metrics, logs.

    ``cmds`` are already governed (clamped to the hard limits); ``restart_timer`` asks the
    node to restart its control timer (a mission just sent its first command);
    ``exit_code`` ends the node.
    """

    cmds: list[Twist2D] = field(default_factory=list)
    statuses: list[MissionStatus] = field(default_factory=list)
    metrics: list[LLMMetrics] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    restart_timer: bool = False
    exit_code: int | None = None
    stop_move: bool = False  # also send StopMove on webrtc_req (stop_mode go2)

    def log(self, level: str, text: str) -> None:
        """Add a log line."""
        self.logs.append(LogLine(level, text))

    def merge(self, other: AgentOutput | None) -> AgentOutput:
        """Append another output's items (keeping their order) and return self."""
        if other is not None:
            self.cmds += other.cmds
            self.statuses += other.statuses
            self.metrics += other.metrics
            self.logs += other.logs
            self.restart_timer = self.restart_timer or other.restart_timer
            self.stop_move = self.stop_move or other.stop_move
            if other.exit_code is not None:
                self.exit_code = other.exit_code
        return self

    @property
    def empty(self) -> bool:
        """True when there is nothing to publish."""
        return not (self.cmds or self.statuses or self.metrics or self.logs
                    or self.exit_code is not None)
