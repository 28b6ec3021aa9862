# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""LLM planning: schema-constrained plans, streamed action by action, with fallback and repair.

Plain Python (no ROS). The agent runs ``LLMPlanner.plan`` on a worker thread; actions are
handed over through ``on_action`` as soon as each is complete in the stream, so the robot can
start the first one while the rest is still being generated.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pydantic_core

from .backends.base import BackendError, ChatBackend, LLMMetrics
from .plan import parse_plan, Plan, plan_json_schema, PlanError, validate_action
from .prompt import MAX_PLAN_TOKENS, planning_messages, repair_messages


class PlanningFailed(RuntimeError):
    """No usable plan; ``started`` is True when some actions had already been handed over."""

    def __init__(self, message: str, started: bool = False) -> None:
        super().__init__(message)
        self.started = started


class PlanningCancelled(RuntimeError):
    """The mission was cancelled or preempted while planning."""


class StreamingPlanParser:
    """Finds the actions that are complete in a growing JSON prefix.

    An action counts as complete only once the array holds a later element or the whole
    plan has parsed: a trailing ``"distance_m": 1`` may still become ``15``.
    """

    def __init__(self) -> None:
        self.text = ''
        self.emitted = 0

    def feed(self, piece: str) -> list[Any]:
        """Add streamed text; return the raw action dicts newly completed by it."""
        self.text += piece
        if not self.text.strip():
            return []
        try:
            whole = pydantic_core.from_json(self.text)
            complete = True
        except ValueError:
            try:
                whole = pydantic_core.from_json(self.text, allow_partial=True)
            except ValueError:
                return []
            complete = False
        actions = whole.get('actions') if isinstance(whole, dict) else None
        if not isinstance(actions, list):
            return []
        ready = len(actions) if complete else max(0, len(actions) - 1)
        new = actions[self.emitted:ready]
        self.emitted = max(self.emitted, ready)
        return new


class LLMPlanner:
    """Plans with the primary backend, then the fallback; one repair attempt per backend."""

    def __init__(self, backends: list[ChatBackend], max_actions: int = 20,
                 on_metrics: Callable[[LLMMetrics], None] | None = None) -> None:
        self.backends = backends
        self.schema = plan_json_schema(max_actions)
        self.on_metrics = on_metrics

    def plan(self, text: str, on_action: Callable[[Any], None] | None = None,
             cancel: threading.Event | None = None) -> tuple[Plan, str]:
        """A validated plan and the backend name that produced it; PlanningFailed otherwise.

        ``on_action(action, backend_name)`` (streamed execution) receives each validated
        action as it completes; it may raise to reject the action (the envelope), which ends
        planning at once. Setting ``cancel`` aborts the LLM call in flight.
        """
        cancel = cancel or threading.Event()
        errors = []
        for backend in self.backends:
            handed_over = [0]
            try:
                return self._plan_with(backend, text, on_action, cancel, handed_over), \
                    backend.name
            except BackendError as exc:
                errors.append(f'{backend.name} ({backend.model}): {exc}')
                if handed_over[0]:
                    raise PlanningFailed('; '.join(errors), started=True) from None
        raise PlanningFailed('no LLM backend produced a plan: ' + '; '.join(errors))

    def _plan_with(self, backend: ChatBackend, text: str, on_action: Callable[[Any], None] | None,
                   cancel: threading.Event, handed_over: list[int]) -> Plan:
        parser = StreamingPlanParser()

        def on_text(piece: str) -> None:
            if on_action is None:
                parser.text += piece
                return
            for raw in parser.feed(piece):
                action = validate_action(raw)  # PlanError: stops the stream
                on_action(action, backend.name)
                handed_over[0] += 1

        reply = ''
        try:
            result = self._call(backend, planning_messages(text), on_text, cancel)
            reply = result.text
            plan = parse_plan(reply)
        except PlanError as exc:
            if handed_over[0]:
                raise PlanningFailed(f'the plan turned invalid while streaming: {exc}',
                                     started=True) from None
            plan = self._repair(backend, text, reply or parser.text, str(exc), cancel)
        if on_action is not None:
            streamed = handed_over[0]
            for action in plan.actions[streamed:]:
                on_action(action, backend.name)
                handed_over[0] += 1
        return plan

    def _repair(self, backend: ChatBackend, text: str, bad: str, error: str,
                cancel: threading.Event) -> Plan:
        result = self._call(backend, repair_messages(text, bad, error), None, cancel)
        try:
            return parse_plan(result.text)
        except PlanError as exc:
            raise PlanningFailed(f'{backend.name} ({backend.model}) gave no valid plan after '
                                 f'one repair attempt: {exc}') from None

    def _call(self, backend: ChatBackend, messages: list[dict[str, str]],
              on_text: Callable[[str], None] | None, cancel: threading.Event) -> Any:
        try:
            result = backend.chat(messages, schema=self.schema, stream=True, on_text=on_text,
                                  options={'num_predict': MAX_PLAN_TOKENS}, cancel=cancel)
        except Exception as exc:  # backend failure, cancellation, or an on_action veto
            self._metrics(LLMMetrics(backend.name, backend.model, ok=False, error=str(exc)))
            if cancel.is_set():
                raise PlanningCancelled('cancelled while planning') from None
            raise
        self._metrics(result.metrics)
        return result

    def _metrics(self, metrics: LLMMetrics) -> None:
        if self.on_metrics is not None:
            self.on_metrics(metrics)
