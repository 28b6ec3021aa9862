# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Plan quality of the embedded tiny model (Gemma 3 270M via llama.cpp) on the corpus.

A baseline figure, not a target: a 270M base model is weak. The same `benchmark` command
gives phi4:14b's figure on the robot (benchmark --host http://localhost:11434).
Run: .venv/bin/python benchmarks/bench_quality_tiny.py [--limit N]
"""

import argparse
import sys

from shadowhound_llm.testing.llama_server import available, LlamaServer, MODEL_ALIAS
from shadowhound_llm.tools import benchmark


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--limit', type=int, default=0)
    opts = parser.parse_args()
    why = available()
    if why:
        sys.exit(f'bench_quality_tiny: {why}')
    with LlamaServer() as server:
        args = ['--backend', 'openai', '--host', server.url, '--model', MODEL_ALIAS,
                '--response-format', 'json_object']
        if opts.limit:
            args += ['--limit', str(opts.limit)]
        benchmark.main(args)


if __name__ == '__main__':
    main()
