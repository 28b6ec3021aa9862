# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The benchmark's procedure on two models, against the Ollama test double, in real time.

The double is scripted as the Thor would answer: phi4:14b (9.1 GB, all in VRAM, 24 tok/s,
loaded in 4.2 s, the corpus's expected plans) and qwen2.5-coder:32b (19.9 GB, 80 % in
VRAM, 6.5 tok/s, loaded in 9.8 s, always a one-metre move). Tokens are paced at those
speeds, so the latencies are real. The roofline uses the Thor's 273 GB/s.
With --slow-after-reload the double plays the Thor's slowdown (after an unload, the next
load lands 60 % on the CPU at 5 tok/s): the final verification must fail (exit 1).
Run: .venv/bin/python benchmarks/bench_model_sweep.py [--limit 12] [--out out/bench]
     [--slow-after-reload]
"""

import argparse
import hashlib
import json
from pathlib import Path
import sys

from shadowhound_llm.evaluation.quality import load_corpus
from shadowhound_llm.testing.ollama_double import DEFAULT_REPLY, ModelSpec, OllamaDouble
from shadowhound_llm.tools.benchmark import main as benchmark

PHI4, QWEN = 'phi4:14b', 'qwen2.5-coder:32b'
EXPECTED = {m.text: m for m in load_corpus()}


def reply(body):
    """phi4 answers with the corpus's expected plan; qwen always moves one metre."""
    mission = EXPECTED.get(body['messages'][-1]['content'].removeprefix('Mission: '))
    if body['model'] != PHI4 or mission is None:
        return DEFAULT_REPLY
    if mission.reject:
        return '{"actions":[{"type":"move","distance_m":100}]}'
    actions = [dict(a, text='I am a quadruped robot') if a['type'] == 'say' else a
               for a in mission.actions]
    return json.dumps({'actions': actions}, separators=(',', ':'))


def digest(name):
    """A stable stand-in for the model's sha256 digest."""
    return 'sha256:' + hashlib.sha256(name.encode()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--limit', type=int, default=12)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--out', default='out/bench')
    parser.add_argument('--slow-after-reload', action='store_true')
    opts = parser.parse_args()
    with OllamaDouble() as ollama:
        ollama.script.real_time = True
        ollama.script.reply = reply
        ollama.script.models = {
            PHI4: ModelSpec(PHI4, size=9_100_000_000, tokens_per_s=24.0,
                            prompt_tokens_per_s=350.0, load_duration_s=4.2,
                            digest=digest(PHI4)),
            QWEN: ModelSpec(QWEN, size=19_900_000_000, vram_fraction=0.8, tokens_per_s=6.5,
                            prompt_tokens_per_s=90.0, load_duration_s=9.8, family='qwen2',
                            parameter_size='32.8B', digest=digest(QWEN))}
        if opts.slow_after_reload:
            ollama.script.after_reload = {'vram_fraction': 0.4, 'tokens_per_s': 5.0}
        code = benchmark(['--host', ollama.url, '--models', f'{PHI4},{QWEN}', '--limit',
                          str(opts.limit), '--repeats', str(opts.repeats), '--out', opts.out,
                          '--memory-bandwidth-gbs', '273', '--telemetry', 'none'])
    print(f'\nresults.md ({Path(opts.out) / "results.md"}):\n')
    print((Path(opts.out) / 'results.md').read_text(encoding='utf-8'))
    sys.exit(code)


if __name__ == '__main__':
    main()
