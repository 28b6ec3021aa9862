# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Backend validation: the check runner and the checks every backend shares.

Each check is OK, WARN (usable, but the operator should know) or FAIL (not usable; later
checks are skipped). Messages say what is wrong and what to do. Each backend's own
validator (the checks in order) lives in its client module and is named by its registry
entry.
"""

from __future__ import annotations

from dataclasses import dataclass
import time
from typing import Any, Callable

from ..common.contract import Severity
from ..planning.actions import parse_plan, plan_json_schema, PlanError
from ..planning.prompt import MAX_PLAN_TOKENS, planning_messages, RETRY_PLAN_TOKENS
from .base import BackendError

OK, WARN, FAIL = Severity.OK, Severity.WARN, Severity.ERROR
PROBE_MISSION = 'Move forward 1 meter'


@dataclass
class CheckResult:
    """One check's outcome."""

    name: str
    level: Severity
    message: str
    duration_s: float

    def as_dict(self) -> dict[str, Any]:
        """JSON form for check_backend --json (level as 'ok', 'warn' or 'fail')."""
        return {'name': self.name, 'level': self.level.word, 'message': self.message,
                'duration_s': round(self.duration_s, 3)}


@dataclass
class ValidationReport:
    """All checks run, in order; usable unless one failed."""

    backend: str
    host: str
    model: str
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        """True when no check failed (warnings allowed)."""
        return all(c.level != FAIL for c in self.checks)

    @property
    def warnings(self) -> list[CheckResult]:
        """The checks that warned."""
        return [c for c in self.checks if c.level == WARN]

    def first_failure(self) -> CheckResult | None:
        """The failing check, if any."""
        return next((c for c in self.checks if c.level == FAIL), None)

    def as_dict(self) -> dict[str, Any]:
        """check_backend --json body."""
        return {'ok': self.ok, 'backend': self.backend, 'host': self.host, 'model': self.model,
                'checks': [c.as_dict() for c in self.checks]}


class Runner:
    """Runs named checks in order, timing each, stopping at the first failure."""

    def __init__(self, on_check: Callable[[CheckResult], None] | None) -> None:
        self.checks: list[CheckResult] = []
        self.on_check = on_check
        self.failed = False

    def run(self, name: str, check: Callable[[], tuple[Severity, str]]) -> None:
        """Run one check unless an earlier one failed; record and report its result."""
        if self.failed:
            return
        start = time.monotonic()
        try:
            level, message = check()
        except BackendError as exc:
            level, message = FAIL, str(exc)
        result = CheckResult(name, level, message, time.monotonic() - start)
        self.checks.append(result)
        self.failed = level == FAIL
        if self.on_check is not None:
            self.on_check(result)


def _structured_output(client: Any) -> tuple[str, str, Any]:
    def ask(budget: int) -> Any:
        return client.chat(planning_messages(PROBE_MISSION), schema=plan_json_schema(),
                           stream=True, options={'num_predict': budget})

    think = getattr(client, 'think', None)
    result = first = ask(MAX_PLAN_TOKENS)
    if getattr(client, 'think', None) != think:
        # The client learned how this model's thinking is set (a level, not off): measure
        # again with the setting every plan will use.
        result = first = ask(MAX_PLAN_TOKENS)
    if first.cut_off:  # once more with a larger budget, as the planner does
        result = ask(RETRY_PLAN_TOKENS)
    how = getattr(client, 'output_constraint', 'the JSON schema')
    try:
        plan = parse_plan(result.text)
    except PlanError as exc:
        if result.cut_off:
            return FAIL, (f'{result.cut_off_message()} (second try, after the first was cut at '
                          f'{first.token_limit} tokens)'), result
        return FAIL, (f'the model did not produce a valid plan under {how}: {exc}; '
                      f'reply was {result.text[:120]!r}'), result
    text = plan.to_json()
    text = text if len(text) <= 120 else text[:117] + '...'
    if first.cut_off:
        return WARN, (f'first reply: {first.cut_off_message()}; the retry with '
                      f'{result.limit_param} {result.token_limit} parsed: {text}. Every such '
                      f'plan costs two calls'), result
    return OK, f'plan parsed under {how.split(" (")[0]}: {text}', result


def _thinking_text(m: Any) -> str:
    if not m.thinking_count:
        return ''
    secs = f' in {m.thinking_duration_s:.1f} s' if m.thinking_duration_s is not None else ''
    return f'; thinking {m.thinking_count} tokens{secs} before the answer'


OLLAMA_SPEED_ADVICE = 'Check GPU offload (ollama ps), power mode (MAXN) and jetson_clocks'
SERVER_SPEED_ADVICE = ('Check that the server offloads the model to the GPU (llama.cpp: '
                       '--n-gpu-layers; its start-up log names the device) and the power mode')


def _speed(result: Any, min_tps: float | None,
           advice: str = OLLAMA_SPEED_ADVICE) -> tuple[Severity, str]:
    m = result.metrics
    if m.tokens_per_s is None:
        return WARN, 'the server reported no token counts; decode speed unknown'
    source = ' (server)' if m.speed_source == 'server' else ' (wall clock: the server gave none)'
    prompt = ''
    if m.prompt_eval_duration_s is not None:
        count = f'{m.prompt_eval_count} tokens in ' if m.prompt_eval_count else ''
        prompt = f'; prompt evaluation {count}{m.prompt_eval_duration_s:.2f} s'
    figures = (f'warm decode {m.tokens_per_s:.1f} tok/s{source} ({m.eval_count} tokens)'
               f'{prompt}{_thinking_text(m)}')
    if min_tps is not None and m.tokens_per_s < min_tps:
        return WARN, f'{figures}: below min_tokens_per_s {min_tps:g}, plans will be slow. {advice}'
    return OK, figures


def plan_seconds(m: Any) -> tuple[float, float | None]:
    """(how long this call took, about how long a full-size plan would take) for metrics.

    The server's own times where it gave them (prompt evaluation and decoding), else the
    wall clock; whichever is longer is what the operator waits. A full-size plan is
    everything before the answer (prompt, thinking), then MAX_PLAN_TOKENS at the measured
    decode speed (None without a speed).
    """
    server = (m.prompt_eval_duration_s or 0.0) + (m.eval_duration_s or 0.0)
    took = max(m.total_s or 0.0, server)
    if not m.tokens_per_s:
        return took, None
    before = (m.prompt_eval_duration_s or 0.0) + (m.thinking_duration_s or 0.0)
    return took, max(before, m.ttft_s or 0.0) + MAX_PLAN_TOKENS / m.tokens_per_s


def _plan_latency(result: Any, budget_s: float | None) -> tuple[Severity, str]:
    """Whether a plan fits the mission budget (llm_timeout_s), thinking included."""
    m = result.metrics
    took, worst = plan_seconds(m)
    if not budget_s:
        return OK, f'the probe plan took {took:.1f} s'
    thought = _thinking_text(m)
    if took > budget_s:
        return FAIL, (f'too slow for the mission budget: the probe plan took {took:.1f} s'
                      f'{thought}, over llm_timeout_s {budget_s:g} s. Use a faster model, '
                      f'switch its thinking off, or raise llm_timeout_s')
    if worst is not None and worst > budget_s:
        return WARN, (f'too slow for the mission budget: the probe plan took {took:.1f} s'
                      f'{thought}; a {MAX_PLAN_TOKENS}-token plan would take about '
                      f'{worst:.0f} s, over llm_timeout_s {budget_s:g} s. Long missions will '
                      f'time out: use a faster model or raise llm_timeout_s')
    return OK, (f'the probe plan took {took:.1f} s{thought}; a {MAX_PLAN_TOKENS}-token plan '
                f'fits llm_timeout_s {budget_s:g} s')


def generation_checks(runner: Runner, client: Any, min_tokens_per_s: float | None,
                      after_plan: tuple[tuple[str, Callable[[], tuple[Severity, str]]], ...] = (),
                      speed_advice: str = OLLAMA_SPEED_ADVICE) -> None:
    """The checks every backend shares.

    A schema-constrained plan, its decode speed (below the floor: ``speed_advice`` says what
    to check on that server), and whether a plan fits the mission budget.
    """
    result: list[Any] = []

    def structured() -> tuple[str, str]:
        level, message, reply = _structured_output(client)
        result.append(reply)
        return level, message

    runner.run('structured_output', structured)
    for name, check in after_plan:  # a backend's checks that need a generated reply first
        runner.run(name, check)
    runner.run('decode_speed', lambda: _speed(result[0], min_tokens_per_s, speed_advice))
    runner.run('plan_latency', lambda: _plan_latency(result[0], getattr(client, 'timeout_s',
                                                                        None)))
