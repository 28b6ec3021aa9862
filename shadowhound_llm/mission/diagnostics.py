# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The agent's diagnostic tasks (diagnostic_updater style): plain functions, snapshot -> status.

``mission_agent: Backend`` says whether the LLM backend was validated and is usable (and the
look action's vision model, when one is set);
``mission_agent: Mission`` what runs, the odometry's age, the limits in force and the
governor's clamp count (a clamp means a bug upstream). The tasks read an ``AgentSnapshot``:
frozen values the core copies out at one instant, never the core itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..common.contract import DiagKey, Severity
from ..health.gpu_diagnostics import DiagStatus
from .events import BackendState


@dataclass(frozen=True)
class AgentSnapshot:
    """What the agent's diagnostics show, copied from the core at one instant."""

    llm_name: str                  # 'ollama:phi4:14b -> openai:gpt-4o-mini', '' without LLM
    has_llm: bool
    backend_state: BackendState
    backend_error: str = ''
    backend_note: str = ''
    validated: bool = False        # a start-up validation was started
    running: str | None = None     # id of the executing mission
    step: int = 0                  # its step, from 1
    steps: int = 0                 # its actions so far
    planning: tuple[str, ...] = ()
    last_outcome: str = 'no mission yet'
    last_reason: str = ''          # the Reason code of the last mission's end
    odom_age_s: float | None = None
    governor_clamps: int = 0
    max_linear_mps: float = 0.0
    max_angular_rps: float = 0.0
    vision_name: str = ''          # 'ollama:gemma3:4b', '' when vision_model is empty
    vision_state: BackendState = BackendState.NONE
    vision_error: str = ''


def validated_word(snap: AgentSnapshot) -> str:
    """Whether the backend in use was validated: 'yes', 'no (...)', 'pending', 'failed'."""
    if not snap.has_llm:
        return 'no (no LLM backend)'
    if snap.backend_state == BackendState.VALIDATING:
        return 'pending'
    if snap.backend_state == BackendState.FAILED:
        return 'failed'
    return 'yes' if snap.validated else 'no (validate_on_startup false)'


def vision_word(snap: AgentSnapshot) -> str:
    """The vision model and its state: 'off', 'ollama:gemma3:4b (ready)'."""
    if not snap.vision_name:
        return 'off (vision_model empty)'
    return f'{snap.vision_name} ({snap.vision_state.value})'


def backend_task(snap: AgentSnapshot) -> DiagStatus:
    """mission_agent: Backend (a vision model that failed its validation warns)."""
    status = _planner_status(snap)
    if snap.vision_state == BackendState.FAILED and status.level == Severity.OK:
        return DiagStatus(status.task, Severity.WARN,
                          f'{status.message}; vision model {snap.vision_name} not usable: '
                          f'{snap.vision_error}', status.values)
    return status


def _planner_status(snap: AgentSnapshot) -> DiagStatus:
    name = snap.llm_name
    values = [(DiagKey.PLANNER, 'rules' + (f' + {name}' if snap.has_llm else '')),
              (DiagKey.BACKEND_STATE, snap.backend_state.value),
              (DiagKey.VALIDATED, validated_word(snap)),
              (DiagKey.VISION, vision_word(snap))]
    task = 'Backend'
    if not snap.has_llm:
        return DiagStatus(task, Severity.OK, 'rule planner only (backend=none)', values)
    if snap.backend_state == BackendState.VALIDATING:
        return DiagStatus(task, Severity.WARN, f'validating {name}', values)
    if snap.backend_state == BackendState.FAILED:
        return DiagStatus(task, Severity.ERROR, f'{name} not usable: {snap.backend_error}',
                          values)
    if snap.backend_note:
        return DiagStatus(task, Severity.WARN,
                          f'{name} usable with warnings: {snap.backend_note}', values)
    return DiagStatus(task, Severity.OK, f'{name} ready', values)


def mission_task(snap: AgentSnapshot) -> DiagStatus:
    """mission_agent: Mission."""
    age, clamps = snap.odom_age_s, snap.governor_clamps
    values = [(DiagKey.RUNNING, snap.running or 'none'),
              (DiagKey.PLANNING, ', '.join(snap.planning) or 'none'),
              (DiagKey.LAST, snap.last_outcome), (DiagKey.LAST_REASON, snap.last_reason),
              (DiagKey.ODOM_AGE_S, f'{age:.2f}' if age is not None else 'never'),
              (DiagKey.GOVERNOR_CLAMPS, str(clamps)),
              (DiagKey.MAX_LINEAR_MPS, f'{snap.max_linear_mps:g}'),
              (DiagKey.MAX_ANGULAR_RPS, f'{snap.max_angular_rps:g}')]
    task = 'Mission'
    if clamps:
        return DiagStatus(task, Severity.WARN, f'{clamps} velocity command(s) clamped by the '
                                               f'governor: a controller bug', values)
    if age is None:
        return DiagStatus(task, Severity.WARN, "no odometry on 'odom': motion is refused",
                          values)
    if snap.running is not None:
        return DiagStatus(task, Severity.OK, f'executing {snap.running}: step '
                                             f'{snap.step}/{snap.steps}', values)
    return DiagStatus(task, Severity.OK, f'idle; last: {snap.last_outcome}', values)
