# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""check_backend against a healthy local server (the Ollama test double): wall time per run.

Target: under 1 s, model loading excluded (the double reports a load time but does not
spend it). Run: .venv/bin/python benchmarks/bench_check_backend.py [--runs 20]
"""

import argparse
import statistics
import subprocess
import sys
import time

from shadowhound_llm.backends import OllamaClient, validate_ollama
from shadowhound_llm.testing.ollama_double import OllamaDouble


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=20)
    opts = parser.parse_args()
    with OllamaDouble() as ollama:
        in_process = []
        for _ in range(opts.runs):
            start = time.perf_counter()
            client = OllamaClient(ollama.url)
            report = validate_ollama(client)
            client.close()
            assert report.ok
            in_process.append(time.perf_counter() - start)
        cli = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, '-m', 'shadowhound_llm', 'check_backend', '--host',
                            ollama.url], check=True, capture_output=True)
            cli.append(time.perf_counter() - start)
    median_ms = statistics.median(in_process) * 1000
    print(f'validation, in process (n={opts.runs}): median {median_ms:.1f} ms, '
          f'max {max(in_process) * 1000:.1f} ms   [target < 1 s]')
    print(f'check_backend as a command incl. Python start-up (n=5): median '
          f'{statistics.median(cli):.2f} s, max {max(cli):.2f} s')


if __name__ == '__main__':
    main()
