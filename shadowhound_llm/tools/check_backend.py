# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""check_backend: is the LLM backend usable? For start scripts; no ROS needed.

Exit status: 0 usable (warnings allowed), 1 not usable, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..backends import backend_names, make_backend, validate_backend
from ..backends.registry import add_cli_flags, cli_settings, config_for_backend
from ..backends.validation import CheckResult
from ..common.hosts import HostError
from ..common.params import AgentConfig


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
    parser.add_argument('--timeout', type=float, default=60.0,
                        help='seconds allowed for each LLM call (default 60)')
    parser.add_argument('--min-tokens-per-s', type=float, default=AgentConfig.min_tokens_per_s,
                        help='slowest acceptable decode speed, tokens/s (default %(default)g, '
                             "the agent's min_tokens_per_s): slower is a warning")
    add_cli_flags(parser)  # each backend's own (--num-ctx, --keep-alive, --response-format)
    return parser


def format_line(check: CheckResult) -> str:
    """One human-readable line per check."""
    return (f'{check.level.label:<4}  {check.name:<17} {check.message}  '
            f'({check.duration_s:.2f} s)')


def main(args: list[str] | None = None) -> int:
    """Run the checks, print them, return the exit status."""
    opts = build_parser().parse_args(args)
    if opts.timeout <= 0:
        print('check_backend: error: --timeout must be positive', file=sys.stderr)
        return 2
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
    usable = report.ok and not (opts.strict and report.warnings)
    if opts.json:
        body = report.as_dict()
        body['ok'] = usable
        print(json.dumps(body))
    else:
        verdict = 'usable' if usable else 'NOT usable'
        if report.ok and not usable:
            verdict += ' (--strict: warnings count as failures)'
        print(f'{opts.backend} backend at {host}, model {client.model}: {verdict}')
    return 0 if usable else 1


if __name__ == '__main__':
    raise SystemExit(main())
