# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""check_backend: is the LLM backend usable? For start scripts; no ROS needed.

With ``--vision-model`` it also checks the look action's vision model (pulled,
vision-capable, answers an image in time), as the agent does at start-up.

Exit status: 0 usable (warnings allowed), 1 not usable, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..backends import backend_names, make_backend, validate_backend
from ..backends.registry import add_cli_flags, cli_settings, config_for_backend
from ..backends.validation import CheckResult, ValidationReport
from ..backends.vision import make_vision_client, validate_vision
from ..common.arg_types import of_param, positive
from ..common.hosts import HostError
from ..common.params import AgentConfig, VISION_BACKENDS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on bad arguments too
        self.print_usage(sys.stderr)
        print(f'check_backend: error: {message}', file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (see the package CONTRACT)."""
    parser = _Parser(prog='check_backend', description=__doc__.splitlines()[0])
    parser.add_argument('--backend', choices=backend_names(), default='ollama',
                        help='the server kind: ollama (default) or openai (an '
                             'OpenAI-compatible server, e.g. llama.cpp)')
    parser.add_argument('--host', default=None,
                        help='server address as OLLAMA_HOST takes it, e.g. 192.168.1.20:11434 '
                             '(default: $OLLAMA_HOST or localhost:11434; for openai: the '
                             'OpenAI-compatible base URL)')
    parser.add_argument('--model', default=None, help='model name (default phi4:14b)')
    parser.add_argument('--json', action='store_true', help='print one JSON object')
    parser.add_argument('--strict', action='store_true', help='treat warnings as failures')
    parser.add_argument('--timeout', type=positive, default=60.0,
                        help='seconds allowed for each LLM call (default 60)')
    parser.add_argument('--min-tokens-per-s', type=of_param(AgentConfig, 'min_tokens_per_s'),
                        default=AgentConfig.min_tokens_per_s,
                        help='slowest acceptable decode speed, tokens/s (default %(default)g, '
                             "the agent's min_tokens_per_s): slower is a warning")
    parser.add_argument('--vision-model', default='',
                        help="also check the look action's vision model (e.g. gemma3:4b)")
    parser.add_argument('--vision-backend', choices=VISION_BACKENDS, default=None,
                        help='the vision server kind (default: --backend)')
    parser.add_argument('--vision-host', default='',
                        help='the vision server (default: the --host server)')
    parser.add_argument('--vision-max-side', type=of_param(AgentConfig, 'vision_max_side_px'),
                        default=AgentConfig.vision_max_side_px,
                        help='longest image side sent, px (default %(default)s)')
    add_cli_flags(parser)  # each backend's own (--num-ctx, --keep-alive, --response-format)
    return parser


def format_line(check: CheckResult) -> str:
    """One human-readable line per check."""
    return (f'{check.level.label:<4}  {check.name:<17} {check.message}  '
            f'({check.duration_s:.2f} s)')


def main(args: list[str] | None = None) -> int:
    """Run the checks, print them, return the exit status."""
    opts = build_parser().parse_args(args)
    try:
        config, host = config_for_backend(
            opts.backend, opts.host, opts.model, llm_timeout_s=opts.timeout,
            **cli_settings(opts.backend, opts))
    except HostError as exc:
        print(f'check_backend: error: {exc}', file=sys.stderr)
        return 2
    client = make_backend(opts.backend, config)
    on_check = None if opts.json else (lambda c: print(format_line(c), flush=True))
    try:
        report = validate_backend(client, opts.min_tokens_per_s, on_check)
    finally:
        client.close()
    vision: ValidationReport | None = None
    if opts.vision_model:
        try:
            vision = _check_vision(opts, config, on_check)
        except HostError as exc:
            print(f'check_backend: error: {exc}', file=sys.stderr)
            return 2
    reports = [r for r in (report, vision) if r is not None]
    def passes(r: ValidationReport) -> bool:
        return r.ok and not (opts.strict and r.warnings)

    usable = all(passes(r) for r in reports)
    if opts.json:
        body = report.as_dict()
        body['ok'] = usable
        if vision is not None:
            body['vision'] = vision.as_dict()
        print(json.dumps(body))
    else:
        for r in reports:
            verdict = 'usable' if passes(r) else 'NOT usable'
            if r.ok and not passes(r):
                verdict += ' (--strict: warnings count as failures)'
            what = (f'{opts.backend} backend' if r is report
                    else f'vision model ({r.backend.split(":")[-1]})')
            print(f'{what} at {r.host}, model {r.model}: {verdict}')
    return 0 if usable else 1


def _check_vision(opts: argparse.Namespace, config: AgentConfig, on_check: object
                  ) -> ValidationReport:
    """The vision model's checks, on the --vision-host server (else the --host one)."""
    kind = opts.vision_backend or ('openai' if opts.backend == 'openai' else 'ollama')
    vision_config = config.replaced(vision_model=opts.vision_model, vision_backend=kind,
                                    vision_host=opts.vision_host,
                                    vision_timeout_s=opts.timeout,
                                    vision_max_side_px=opts.vision_max_side)
    client = make_vision_client(vision_config)
    assert client is not None
    try:
        return validate_vision(client, on_check)  # type: ignore[arg-type]
    finally:
        client.close()


if __name__ == '__main__':
    raise SystemExit(main())
