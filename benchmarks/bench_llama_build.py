# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Decode and prompt speed of the embedded tiny model (Gemma 3 270M) per llama.cpp build.

Compares the llama-cpp-python builds installed in several Python environments (e.g. the
portable build of requirements/install-llm.sh against one built with -march=native): one
server per environment, all started at once, requests alternated between them so that the
machine's load hits every build alike. Prints per build the median decode tokens/s (the
completion's tokens over the time after the first token, streamed) and prompt time.

Run: .venv/bin/python benchmarks/bench_llama_build.py [--rounds N] [NAME=PYTHON ...]
(default: this interpreter only, named after its build key).
"""

import argparse
from contextlib import ExitStack
import json
from pathlib import Path
import statistics
import subprocess
import sys
import time

import httpx

from shadowhound_llm.testing.llama_server import available, LlamaServer, MODEL_ALIAS

PROMPT = ('The robot dog walked slowly through the warehouse, checking every shelf, and '
          'then it saw')


def build_key(python: str) -> str:
    """The install-llm.sh build key of that environment, or 'unknown build'."""
    prefix = subprocess.run([python, '-c', 'import sys; print(sys.prefix)'],
                            capture_output=True, text=True, check=True).stdout.strip()
    marker = Path(prefix) / '.llama-cpp-python-build'
    return marker.read_text().strip() if marker.exists() else 'unknown build'


def one_completion(url: str, max_tokens: int) -> tuple[float, float, int]:
    """(seconds to the first token, decode tokens/s after it, tokens) for one stream."""
    # A plain completion (no chat template): the base model then writes until max_tokens.
    body = {'model': MODEL_ALIAS, 'stream': True, 'max_tokens': max_tokens, 'temperature': 0,
            'prompt': PROMPT}
    start = time.perf_counter()
    first = last = 0.0
    pieces = 0
    with httpx.stream('POST', f'{url}/completions', json=body, timeout=120) as reply:
        reply.raise_for_status()
        for line in reply.iter_lines():
            if not line.startswith('data: ') or line == 'data: [DONE]':
                continue
            if json.loads(line[6:])['choices'][0].get('text'):
                pieces += 1
                last = time.perf_counter()
                first = first or last
    ttft = first - start
    decode = (pieces - 1) / (last - first) if pieces > 1 and last > first else 0.0
    return ttft, decode, pieces


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('builds', nargs='*', help='NAME=PYTHON of each environment')
    parser.add_argument('--rounds', type=int, default=8, help='requests per build')
    parser.add_argument('--max-tokens', type=int, default=96)
    opts = parser.parse_args()
    why = available()
    if why:
        sys.exit(f'bench_llama_build: {why}')
    builds = dict(item.split('=', 1) for item in opts.builds) or {
        build_key(sys.executable): sys.executable}
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in builds}
    with ExitStack() as stack:
        servers = {name: stack.enter_context(LlamaServer(python=python))
                   for name, python in builds.items()}
        for server in servers.values():  # warm-up: load and first-request costs
            one_completion(server.url, 8)
        for _ in range(opts.rounds):
            for name, server in servers.items():
                results[name].append(one_completion(server.url, opts.max_tokens))
    print(f'{"build":<28} {"decode tok/s (median)":>22} {"min..max":>14} '
          f'{"first token s":>14} {"tokens":>7}')
    for name, runs in results.items():
        decode = [r[1] for r in runs]
        print(f'{name:<28} {statistics.median(decode):>22.1f} '
              f'{min(decode):>6.1f}..{max(decode):<6.1f} '
              f'{statistics.median(r[0] for r in runs):>14.3f} '
              f'{statistics.median(r[2] for r in runs):>7.0f}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
