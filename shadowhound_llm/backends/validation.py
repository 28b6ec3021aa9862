# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Backend validation: the ordered checks shared by check_backend and mission_agent.

Each check is OK, WARN (usable, but the operator should know) or FAIL (not usable; later
checks are skipped). Messages say what is wrong and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
import time
from typing import Any, Callable

from ..common.contract import Severity
from ..planning.actions import parse_plan, plan_json_schema, PlanError
from ..planning.prompt import MAX_PLAN_TOKENS, planning_messages
from .base import BackendError
from .models import find_loaded, GIB, offload_advice, same_model
from .ollama import OllamaClient
from .openai_compat import OpenAICompatClient

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


class _Runner:
    """Runs named checks in order, timing each, stopping at the first failure."""

    def __init__(self, on_check: Callable[[CheckResult], None] | None) -> None:
        self.checks: list[CheckResult] = []
        self.on_check = on_check
        self.failed = False

    def run(self, name: str, check: Callable[[], tuple[Severity, str]]) -> None:
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


def _structured_output(chat: Callable[..., Any]) -> tuple[str, str, Any]:
    result = chat(planning_messages(PROBE_MISSION), schema=plan_json_schema(), stream=True,
                  options={'num_predict': MAX_PLAN_TOKENS})
    try:
        plan = parse_plan(result.text)
    except PlanError as exc:
        return FAIL, (f'the model did not produce a valid plan under the JSON schema: {exc}; '
                      f'reply was {result.text[:120]!r}'), result
    text = plan.to_json()
    text = text if len(text) <= 120 else text[:117] + '...'
    return OK, f'schema-constrained plan parsed: {text}', result


def _speed(result: Any, min_tps: float | None) -> tuple[Severity, str]:
    m = result.metrics
    if m.tokens_per_s is None:
        return WARN, 'the server reported no token counts; decode speed unknown'
    if min_tps is not None and m.tokens_per_s < min_tps:
        return WARN, (f'warm decode {m.tokens_per_s:.1f} tok/s is below min_tokens_per_s '
                      f'{min_tps:g}: plans will be slow. Check GPU offload (ollama ps), power '
                      f'mode (MAXN) and jetson_clocks')
    return OK, f'warm decode {m.tokens_per_s:.1f} tok/s ({m.eval_count} tokens)'


def _generation_checks(runner: _Runner, client: Any, min_tokens_per_s: float | None) -> None:
    """The checks every backend shares: a schema-constrained plan, then its decode speed."""
    result: list[Any] = []

    def structured() -> tuple[str, str]:
        level, message, reply = _structured_output(client.chat)
        result.append(reply)
        return level, message

    runner.run('structured_output', structured)
    runner.run('decode_speed', lambda: _speed(result[0], min_tokens_per_s))


def validate_ollama(client: OllamaClient, min_tokens_per_s: float | None = None,
                    on_check: Callable[[CheckResult], None] | None = None
                    ) -> ValidationReport:
    """Reachable -> model present -> load -> GPU residency -> context -> structured -> speed.

    ``min_tokens_per_s``: the decode-speed floor (the agent's parameter); None reports the
    speed without judging it.
    """
    runner = _Runner(on_check)
    state: dict[str, Any] = {}
    model, host = client.model, client.host

    def reachable() -> tuple[str, str]:
        state['version'] = client.version()
        return OK, f'Ollama {state["version"]} at {host}'

    def present() -> tuple[str, str]:
        names = [m.get('name') or m.get('model') for m in client.tags()]
        if any(same_model(n, model) for n in names if n):
            return OK, f'{model} is pulled'
        pulled = ', '.join(sorted(n for n in names if n)) or 'none'
        return FAIL, (f'model {model!r} is not pulled on {host} (pulled: {pulled}). '
                      f'Fix: ollama pull {model}')

    def load() -> tuple[str, str]:
        metrics = client.load()
        secs = metrics.load_duration_s
        took = f'{secs:.1f} s' if secs is not None else f'{metrics.total_s:.1f} s (wall)'
        return OK, f'{model} loaded in {took}, keep_alive {client.keep_alive}'

    def residency() -> tuple[str, str]:
        entry = find_loaded(client.ps(), model)
        if entry is None:
            return WARN, f'{model} is not listed by /api/ps after loading (unloaded at once?)'
        state['ps'] = entry
        if entry.cpu_pct == 0:
            return OK, f'100% on GPU ({entry.size_vram / GIB:.1f} GiB in VRAM)'
        return WARN, (f'{entry.offload_summary()}: decode will be several times slower. On a '
                      f'Jetson the usual cause is page cache: '
                      f'{offload_advice(state.get("version"))}; otherwise free GPU memory '
                      f'(other models, smaller num_ctx)')

    def context() -> tuple[str, str]:
        asked = client.options['num_ctx']
        loaded = state['ps'].context_length if state.get('ps') else None
        if loaded is None:
            return OK, f'num_ctx {asked} requested (server does not report context_length)'
        if int(loaded) != int(asked):
            return WARN, (f'model loaded with context {loaded}, not the num_ctx {asked} asked '
                          f'for: a larger context costs memory and speed. Unload it '
                          f'(ollama stop {model}) so it reloads with num_ctx {asked}')
        return OK, f'context length {loaded} as requested'

    runner.run('reachable', reachable)
    runner.run('model_present', present)
    runner.run('load', load)
    runner.run('gpu_residency', residency)
    runner.run('context', context)
    _generation_checks(runner, client, min_tokens_per_s)
    return ValidationReport('ollama', host, model, runner.checks)


def validate_openai(client: OpenAICompatClient, min_tokens_per_s: float | None = None,
                    on_check: Callable[[CheckResult], None] | None = None
                    ) -> ValidationReport:
    """Reachable (models listed) -> model listed -> structured output -> speed."""
    runner = _Runner(on_check)
    state: dict[str, Any] = {}

    def reachable() -> tuple[str, str]:
        state['models'] = client.models()
        return OK, f'{client.base_url} lists {len(state["models"])} model(s)'

    def listed() -> tuple[str, str]:
        if client.model in state['models'] or not state['models']:
            return OK, f'{client.model} is served'
        return FAIL, (f'model {client.model!r} is not served by {client.base_url} (served: '
                      f'{", ".join(state["models"][:10])}); set openai_model')

    runner.run('reachable', reachable)
    runner.run('model_present', listed)
    _generation_checks(runner, client, min_tokens_per_s)
    return ValidationReport('openai', client.base_url, client.model, runner.checks)
