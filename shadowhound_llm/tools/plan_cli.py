# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""plan: print the validated JSON plan for one mission text (no robot, no ROS).

Exit status: 0 a plan was printed; 1 the envelope rejected it, no backend produced one, or
it looks with the camera and no vision model is set (mission_agent would refuse it); 2 bad
arguments (an empty or over-long mission text among them).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
import sys

from ..backends import backend_choices, make_backend, spec
from ..backends.base import LLMMetrics
from ..backends.registry import backend_problems
from ..common.arg_types import positive
from ..common.contract import check_mission_text, MissionTextError
from ..common.params import AgentConfig, load_params_file
from ..mission.llm_planner import LLMPlanner, PlanningFailed
from ..mission.runner import NO_VISION_MESSAGE
from ..planning.actions import Look
from ..planning.envelope import check_plan, EnvelopeViolation, Limits
from ..planning.rules.planner import plan_from_rules


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (see the package CONTRACT)."""
    parser = argparse.ArgumentParser(prog='plan', description=__doc__.splitlines()[0])
    parser.add_argument('text', help='the mission, e.g. "move forward 1 meter"')
    parser.add_argument('--backend', choices=backend_choices(), default=None,
                        help='LLM backend (default: the params file, else ollama)')
    parser.add_argument('--host', default=None, help='server URL ($OLLAMA_HOST by default)')
    parser.add_argument('--model', default=None, help='model name')
    parser.add_argument('--params-file', default=None,
                        help='mission_agent parameters YAML (limits, backend settings)')
    parser.add_argument('--timeout', type=positive, default=None,
                        help="seconds allowed for each LLM call (default: the agent's "
                             'llm_timeout_s, from --params-file or 30)')
    parser.add_argument('--planner', choices=('auto', 'rules', 'llm'), default='auto',
                        help='auto: the rule planner, else the LLM (as mission_agent); rules: '
                             'the rule planner only; llm: the LLM for every mission')
    parser.add_argument('--vision-model', default=None,
                        help="the agent's vision_model (default: the params file, else none): "
                             'without one, a plan that looks with the camera is refused, as '
                             'mission_agent refuses it')
    return parser


def config_from_args(opts: argparse.Namespace) -> AgentConfig:
    """AgentConfig from the params file (if any) with the command-line overrides applied."""
    config = AgentConfig()
    if opts.params_file:
        config = AgentConfig.from_mapping(load_params_file(opts.params_file))
    backend = opts.backend or config.backend
    overrides: dict = {'backend': backend}
    if backend != 'none':
        backend_spec = spec(backend)
        if opts.host:
            overrides[backend_spec.host_param] = opts.host
        elif backend == 'ollama' and not opts.params_file:
            overrides['ollama_host'] = backend_spec.default_host()
        if opts.model:
            overrides[backend_spec.model_param] = opts.model
    if opts.timeout:
        overrides['llm_timeout_s'] = opts.timeout
    if opts.vision_model is not None:
        overrides['vision_model'] = opts.vision_model.strip()
    return replace(config, **overrides)


def main(args: list[str] | None = None) -> int:
    """Plan one mission and print it."""
    parser = build_parser()
    opts = parser.parse_args(args)
    try:
        config = config_from_args(opts)
    except (OSError, ValueError) as exc:
        print(f'plan: error: {exc}', file=sys.stderr)
        return 2
    problems = config.problems() + backend_problems(config)
    if problems:
        print(f'plan: error: {"; ".join(problems)}', file=sys.stderr)
        return 2
    try:
        check_mission_text(opts.text, config.max_mission_chars)
    except MissionTextError as exc:
        print(f'plan: error: {exc}', file=sys.stderr)
        return 2
    plan, planner = None, 'rule planner'
    if opts.planner != 'llm':
        plan = plan_from_rules(opts.text, config)
    if plan is None and opts.planner == 'rules':
        print('plan: the rule planner has no plan for this mission (--planner rules)',
              file=sys.stderr)
        return 1
    if plan is None:
        if config.backend == 'none':
            print('plan: this mission needs a language model and --backend is none',
                  file=sys.stderr)
            return 1
        backend = make_backend(config.backend, config)

        def report(m: LLMMetrics) -> None:
            if m.ok and m.tokens_per_s:
                source = '' if m.speed_source == 'server' else ' (wall clock)'
                thought = (f', thinking {m.thinking_count} tokens' if m.thinking_count
                           else '')
                cut = ', cut at its token limit' if m.done_reason == 'length' else ''
                took = f', {m.total_s:.2f} s' if m.total_s is not None else ''
                print(f'plan: {m.backend} {m.model}: {m.eval_count} tokens at '
                      f'{m.tokens_per_s:.1f} tok/s{source}{took}{thought}{cut}',
                      file=sys.stderr)

        try:
            plan, used = LLMPlanner([backend], config.max_actions, report).plan(opts.text)
            planner = f'{used} {backend.model}'
        except PlanningFailed as exc:
            print(f'plan: no plan: {exc}', file=sys.stderr)
            return 1
        finally:
            backend.close()
    try:
        check_plan(plan, Limits.from_config(config))
    except EnvelopeViolation as exc:
        print(f'plan: rejected by the safety envelope: {exc}', file=sys.stderr)
        print(f'plan: (planned by the {planner}: {plan.to_json()})', file=sys.stderr)
        return 1
    if not config.vision_model and any(isinstance(a, Look) for a in plan.actions):
        print(f'plan: mission_agent would refuse this plan: it looks with the camera, and '
              f'{NO_VISION_MESSAGE} (here: --vision-model NAME or vision_model in '
              f'--params-file)', file=sys.stderr)
        print(f'plan: (planned by the {planner}: {plan.to_json()})', file=sys.stderr)
        return 1
    print(plan.to_json())
    print(f'plan: planned by the {planner}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
