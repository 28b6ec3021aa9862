# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The agent's diagnostic tasks (diagnostic_updater style): plain functions, core -> status.

``mission_agent: Backend`` says whether the LLM backend was validated and is usable;
``mission_agent: Mission`` what runs, the odometry's age, the limits in force and the
governor's clamp count (a clamp means a bug upstream).
"""

from __future__ import annotations

from typing import Any

from ..common.contract import Severity
from ..health.gpu_diagnostics import DiagStatus
from .events import BackendState


def validated_word(core: Any) -> str:
    """Whether the backend in use was validated: 'yes', 'no (...)', 'pending', 'failed'."""
    if core.llm is None:
        return 'no (no LLM backend)'
    if core.backend_state == BackendState.VALIDATING:
        return 'pending'
    if core.backend_state == BackendState.FAILED:
        return 'failed'
    return 'yes' if core.validated else 'no (validate_on_startup false)'


def backend_task(core: Any) -> DiagStatus:
    """mission_agent: Backend."""
    name = core.llm_name
    values = [('planner', 'rules' + (f' + {name}' if core.llm else '')),
              ('state', core.backend_state.value), ('validated', validated_word(core))]
    if core.llm is None:
        return DiagStatus('Backend', Severity.OK, 'rule planner only (backend=none)', values)
    if core.backend_state == BackendState.VALIDATING:
        return DiagStatus('Backend', Severity.WARN, f'validating {name}', values)
    if core.backend_state == BackendState.FAILED:
        return DiagStatus('Backend', Severity.ERROR, f'{name} not usable: {core.backend_error}',
                          values)
    if core.backend_note:
        return DiagStatus('Backend', Severity.WARN,
                          f'{name} usable with warnings: {core.backend_note}', values)
    return DiagStatus('Backend', Severity.OK, f'{name} ready', values)


def mission_task(core: Any, now: float) -> DiagStatus:
    """mission_agent: Mission."""
    m = core.runner.mission
    odom_age = now - core.odom_received if core.odom_received is not None else None
    clamps = core.governor.clamp_count
    values = [('running', m.mission_id if m else 'none'),
              ('planning', ', '.join(core.planning) or 'none'), ('last', core.last_outcome),
              ('odom age [s]', f'{odom_age:.2f}' if odom_age is not None else 'never'),
              ('governor clamps', str(clamps)),
              ('max linear [m/s]', f'{core.config.max_linear_speed:g}'),
              ('max angular [rad/s]', f'{core.config.max_angular_speed:g}')]
    if clamps:
        return DiagStatus('Mission', Severity.WARN, f'{clamps} velocity command(s) clamped by '
                                                    f'the governor: a controller bug', values)
    if odom_age is None:
        return DiagStatus('Mission', Severity.WARN, "no odometry on 'odom': motion is refused",
                          values)
    if m is not None:
        return DiagStatus('Mission', Severity.OK, f'executing {m.mission_id}: step '
                                                  f'{m.index + 1}/{len(m.actions)}', values)
    return DiagStatus('Mission', Severity.OK, f'idle; last: {core.last_outcome}', values)
