# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""LLM planning: schema-constrained plans, streamed action by action, with fallback and repair.

Plain Python (no ROS). The agent runs ``LLMPlanner.plan`` on a worker thread; actions are
handed to the planning job (an ``ActionSink``) as soon as each is complete in the stream, so
the robot can start the first one while the rest is still being generated.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Protocol

import pydantic_core

from ..backends.base import BackendError, ChatBackend, LLMMetrics
from ..planning.actions import (
    Action,
    parse_plan,
    Plan,
    plan_json_schema,
    PlanError,
    validate_action,
)
from ..planning.prompt import (
    MAX_PLAN_TOKENS,
    planning_messages,
    repair_messages,
    RETRY_PLAN_TOKENS,
)


class PlanningFailed(RuntimeError):
    """No usable plan; ``started`` is True when some actions had already been handed over."""

    def __init__(self, message: str, started: bool = False) -> None:
        super().__init__(message)
        self.started = started


class PlanningCancelled(RuntimeError):
    """The mission was cancelled or preempted while planning."""


class ActionSink(Protocol):
    """Where streamed actions go: the planning job, which counts what it was handed."""

    handed_over: int

    def hand_over(self, action: Action, backend: str) -> None:
        """Take one validated action; may raise (the envelope) to end planning at once."""


class StreamingPlanParser:
    """Finds the actions that are complete in a growing JSON prefix.

    An action counts as complete only once the array holds a later element or the whole
    plan has parsed: a trailing ``"distance_m": 1`` may still become ``15``.
    """

    def __init__(self) -> None:
        self.text = ''
        self.emitted = 0

    def feed(self, piece: str) -> list[dict[str, Any]]:
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

    def plan(self, text: str, sink: ActionSink | None = None,
             cancel: threading.Event | None = None,
             on_metrics: Callable[[LLMMetrics], None] | None = None) -> tuple[Plan, str]:
        """A validated plan and the backend name that produced it; PlanningFailed otherwise.

        With a ``sink`` (streamed execution) each validated action is handed over as soon as
        it is complete; the sink may raise to reject it (the envelope), which ends planning at
        once. The sink's ``handed_over`` is the one count of what was handed over. Setting
        ``cancel`` aborts the LLM call in flight; ``on_metrics`` overrides the planner's
        metrics callback for this call.
        """
        cancel = cancel or threading.Event()
        report = on_metrics or self.on_metrics
        errors = []
        for backend in self.backends:
            try:
                return self._plan_with(backend, text, sink, cancel, report), backend.name
            except BackendError as exc:
                errors.append(f'{backend.name} ({backend.model}): {exc}')
                if sink is not None and sink.handed_over:
                    raise PlanningFailed('; '.join(errors), started=True) from None
        raise PlanningFailed('no LLM backend produced a plan: ' + '; '.join(errors))

    def _plan_with(self, backend: ChatBackend, text: str, sink: ActionSink | None,
                   cancel: threading.Event, report: Callable[[LLMMetrics], None] | None
                   ) -> Plan:
        parser = StreamingPlanParser()
        on_text = _streamer(parser, sink, backend.name)

        reply = ''
        budget = MAX_PLAN_TOKENS
        try:
            result = self._call(backend, planning_messages(text), on_text, cancel, report)
            reply = result.text
            if result.cut_off:
                result, parser = self._retry_cut_off(backend, text, result, sink, cancel,
                                                     report)
                reply, budget = result.text, RETRY_PLAN_TOKENS
            plan = parse_plan(reply)
        except PlanError as exc:
            if sink is not None and sink.handed_over:
                raise PlanningFailed(f'the plan turned invalid while streaming: {exc}',
                                     started=True) from None
            plan = self._repair(backend, text, reply or parser.text, str(exc), cancel, report,
                                budget)
        if sink is not None:
            for action in plan.actions[sink.handed_over:]:
                sink.hand_over(action, backend.name)
        return plan

    def _retry_cut_off(self, backend: ChatBackend, text: str, cut: Any,
                       sink: ActionSink | None, cancel: threading.Event,
                       report: Callable[[LLMMetrics], None] | None
                       ) -> tuple[Any, StreamingPlanParser]:
        """A reply cut at its token limit: ask once more with a larger budget, or say why not.

        Returns the new reply (its plan not yet parsed) and the parser that streamed it.
        """
        who = f'{backend.name} ({backend.model})'
        if sink is not None and sink.handed_over:
            raise PlanningFailed(f'{who}: {cut.cut_off_message()}; not retried, because '
                                 f'{sink.handed_over} action(s) were already handed to the '
                                 f'robot', started=True)
        parser = StreamingPlanParser()
        on_text = _streamer(parser, sink, backend.name)

        result = self._call(backend, planning_messages(text), on_text, cancel, report,
                            RETRY_PLAN_TOKENS)
        if result.cut_off:
            raise PlanningFailed(f'{who}: invalid plan: {result.cut_off_message()} (second '
                                 f'try, after the first was cut at '
                                 f'{cut.token_limit or MAX_PLAN_TOKENS} tokens)',
                                 started=bool(sink is not None and sink.handed_over))
        return result, parser

    def _repair(self, backend: ChatBackend, text: str, bad: str, error: str,
                cancel: threading.Event, report: Callable[[LLMMetrics], None] | None,
                budget: int = MAX_PLAN_TOKENS) -> Plan:
        result = self._call(backend, repair_messages(text, bad, error), None, cancel, report,
                            budget)
        try:
            return parse_plan(result.text)
        except PlanError as exc:
            cut = f' ({result.cut_off_message()})' if result.cut_off else ''
            raise PlanningFailed(f'{backend.name} ({backend.model}) gave no valid plan after '
                                 f'one repair attempt: {exc}{cut}') from None

    def _call(self, backend: ChatBackend, messages: list[dict[str, str]],
              on_text: Callable[[str], None] | None, cancel: threading.Event,
              report: Callable[[LLMMetrics], None] | None,
              budget: int = MAX_PLAN_TOKENS) -> Any:
        try:
            result = backend.chat(messages, schema=self.schema, stream=True, on_text=on_text,
                                  options={'num_predict': budget}, cancel=cancel)
        except Exception as exc:  # backend failure, cancellation, or a sink's veto
            if report is not None:
                report(LLMMetrics(backend=backend.name, model=backend.model, ok=False,
                                  error=str(exc)))
            if cancel.is_set():
                raise PlanningCancelled('cancelled while planning') from None
            raise
        if report is not None:
            report(result.metrics)
        return result


def _streamer(parser: StreamingPlanParser, sink: ActionSink | None,
              backend_name: str) -> Callable[[str], None]:
    """The on_text callback of one LLM reply: each complete action goes to the sink at once.

    Without a sink the text is only collected. A streamed action that fails validation
    raises PlanError, which stops the call.
    """
    def on_text(piece: str) -> None:
        if sink is None:
            parser.text += piece
            return
        for raw in parser.feed(piece):
            sink.hand_over(validate_action(raw), backend_name)
    return on_text
