# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""check_backend: is the LLM backend usable? For start scripts; no ROS needed.

Exit status: 0 usable (warnings allowed), 1 not usable, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import httpx

from ..backends import make_backend, validate_backend
from ..backends.validation import CheckResult
from ..params import AgentConfig

LEVEL_TEXT = {'ok': 'OK', 'warn': 'WARN', 'fail': 'FAIL'}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on bad arguments too
        self.print_usage(sys.stderr)
        print(f'check_backend: error: {message}', file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (see the package CONTRACT)."""
    parser = _Parser(prog='check_backend', description=__doc__.splitlines()[0])
    parser.add_argument('--backend', choices=('ollama', 'openai'), default='ollama')
    parser.add_argument('--host', default=None,
                        help='server URL (default: $OLLAMA_HOST or http://localhost:11434; '
                             'for openai: the OpenAI-compatible base URL)')
    parser.add_argument('--model', default=None, help='model name (default phi4:14b)')
    parser.add_argument('--json', action='store_true', help='print one JSON object')
    parser.add_argument('--strict', action='store_true', help='treat warnings as failures')
    parser.add_argument('--timeout', type=float, default=60.0,
                        help='seconds allowed for each LLM call (default 60)')
    parser.add_argument('--num-ctx', type=int, default=AgentConfig.num_ctx)
    parser.add_argument('--keep-alive', default=AgentConfig.keep_alive)
    parser.add_argument('--min-tokens-per-s', type=float, default=AgentConfig.min_tokens_per_s)
    parser.add_argument('--response-format', choices=('json_schema', 'json_object'),
                        default='json_schema', help='openai backend: structured output style')
    return parser


def default_ollama_host() -> str:
    """$OLLAMA_HOST (with http:// added when it is a bare host:port), else localhost."""
    host = os.environ.get('OLLAMA_HOST', '').strip()
    if not host:
        return 'http://localhost:11434'
    return host if '://' in host else f'http://{host}'


def url_problem(url: str) -> str:
    """Why a server URL is unusable, or '' when it looks right."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return f'malformed URL {url!r}: {exc}'
    if parsed.scheme not in ('http', 'https') or not parsed.host:
        return f'malformed URL {url!r}: expected http://HOST:PORT or https://HOST'
    return ''


def config_from_options(backend: str, host: str | None, model: str | None,
                        **settings: object) -> tuple[AgentConfig, str]:
    """AgentConfig for one backend chosen on a command line, and the server URL it uses.

    ``settings`` are further AgentConfig fields (llm_timeout_s, num_ctx, ...).
    """
    if backend == 'ollama':
        host = host or default_ollama_host()
        return AgentConfig(ollama_host=host, model=model or AgentConfig.model,
                           **settings), host
    host = host or AgentConfig.openai_base_url
    return AgentConfig(openai_base_url=host, openai_model=model or AgentConfig.openai_model,
                       **settings), host


def format_line(check: CheckResult) -> str:
    """One human-readable line per check."""
    return (f'{LEVEL_TEXT[check.level]:<4}  {check.name:<17} {check.message}  '
            f'({check.duration_s:.2f} s)')


def main(args: list[str] | None = None) -> int:
    """Run the checks, print them, return the exit status."""
    opts = build_parser().parse_args(args)
    if opts.timeout <= 0:
        print('check_backend: error: --timeout must be positive', file=sys.stderr)
        return 2
    config, host = config_from_options(
        opts.backend, opts.host, opts.model, llm_timeout_s=opts.timeout, num_ctx=opts.num_ctx,
        keep_alive=opts.keep_alive, openai_response_format=opts.response_format)
    problem = url_problem(host)
    if problem:
        print(f'check_backend: error: {problem}', file=sys.stderr)
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
