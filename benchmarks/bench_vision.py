# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The look action's vision model: time to answer, image size and tokens, load and swap cost.

Against a real Ollama (``--host``, ``--model`` a vision model) or, by default, the Ollama
test double (which answers at once: what it measures is this package's own cost, the
encoding and the HTTP round trip). Printed:
- the frame: the sim camera's 640x480 view, JPEG at ``--max-side``: pixels, bytes, encode ms;
- the floor: a text-only chat to the same model (same server, same path), then the look:
  time to answer (median of ``--repeats``), image prompt tokens, answer tokens/s, and the
  look / text ratio (machines are noisy: the ratio, not the seconds, is the figure);
- Ollama only: the model's load time, and with ``--text-model`` the swap cost (unload both,
  load the planner, load the vision model, load the planner again) and whether /api/ps holds
  both at once;
- an ESTIMATE for another machine (``--bandwidth-gbs``, the Thor's 273 GB/s by default):
  decode tokens/s bounded by bandwidth / the model's size in memory, and the answer's time
  from that bound plus the measured prompt share.

Run: .venv/bin/python benchmarks/bench_vision.py [--host URL --model gemma3:4b
     [--text-model phi4:14b]] [--repeats 5] [--max-side 640] [--bandwidth-gbs 273]
"""

from __future__ import annotations

import argparse
from dataclasses import replace
import statistics
import time

from shadowhound_llm.backends.vision import MAX_ANSWER_TOKENS, VisionClient
from shadowhound_llm.common.camera import encode_for_model
from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.motion.sim_model import synthetic_frame
from shadowhound_llm.testing.ollama_double import GIB, ModelSpec, OllamaDouble, Script

GB = 1e9
# Ollama's gemma3:4b (Q4_K_M with its vision tower): 3.3 GB on disk, ~4.3 GB loaded with
# a 4096 context; the double reports these sizes.
DOUBLE_VISION = ModelSpec('gemma3:4b', size=int(3.3 * GIB), family='gemma3',
                          parameter_size='4.3B', capabilities=('completion', 'vision'),
                          image_tokens=256, tokens_per_s=40.0, prompt_tokens_per_s=900.0,
                          load_duration_s=2.5)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float('nan')


def measure(client: VisionClient, repeats: int, max_side: int) -> dict:
    frame = replace(synthetic_frame(Pose2D(0.7, 0.0, 0.6), 640, 480), received=time.monotonic())
    image = encode_for_model(frame, max_side)  # warm: Pillow imported, codecs loaded
    encode_ms = []
    for _ in range(max(3, repeats)):
        t0 = time.perf_counter()
        image = encode_for_model(frame, max_side)
        encode_ms.append((time.perf_counter() - t0) * 1000)
    client.ask(image, 'What do you see?')  # warm: the model is loaded, its prompt cached
    text_s, look_s, tokens, tps, answers = [], [], [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        client.chat.chat([{'role': 'user', 'content': 'Describe a corridor in one sentence.'}],
                         options={'num_predict': MAX_ANSWER_TOKENS})
        text_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        answer = client.ask(image, 'What do you see?')
        look_s.append(time.perf_counter() - t0)
        tokens.append(answer.metrics.prompt_eval_count)
        if answer.metrics.tokens_per_s:
            tps.append(answer.metrics.tokens_per_s)
        answers.append(answer)
    last = answers[-1].metrics
    return {'image': image, 'encode_ms': median(encode_ms), 'text_s': median(text_s),
            'look_s': median(look_s), 'prompt_tokens': tokens[-1],
            'prompt_eval_s': last.prompt_eval_duration_s, 'eval_count': last.eval_count,
            'tps': median(tps) if tps else None, 'answer': answers[-1].text}


def loads(client: VisionClient, text_model: str) -> list[str]:
    """Load times, and the swap cost when a planner model is named (Ollama only)."""
    chat = client.chat
    lines = []
    for name in filter(None, (text_model, client.model)):
        chat.unload(name)
    order = [text_model, client.model, text_model] if text_model else [client.model]
    for name in order:
        metrics = chat.load(name)
        secs = metrics.load_duration_s if metrics.load_duration_s is not None \
            else metrics.total_s
        lines.append(f'load {name}: {secs:.2f} s ({metrics.speed_source})')
    resident = [m.name for m in chat.ps()]
    both = text_model and all(any(r.startswith(n.split(':')[0]) for r in resident)
                              for n in (text_model, client.model))
    if text_model:
        verdict = ('both resident (no swap per look)' if both
                   else 'ONE at a time: each look after a plan pays a load')
        lines.append(f'/api/ps after the swap: {", ".join(resident) or "none"} -> {verdict}')
    return lines


def size_bytes(client: VisionClient) -> float | None:
    try:
        entry = next((m for m in client.chat.ps() if m.name == client.model), None)
        if entry is not None:
            return float(entry.size)
        tags = {t.get('name'): t.get('size') for t in client.chat.tags()}
        return float(tags[client.model]) if tags.get(client.model) else None
    except Exception:  # a server without those endpoints: no size, no estimate
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='', help='Ollama server (default: the test double)')
    parser.add_argument('--model', default='gemma3:4b', help='vision model')
    parser.add_argument('--text-model', default='', help='planner model, for the swap cost')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--max-side', type=int, default=640)
    parser.add_argument('--bandwidth-gbs', type=float, default=273.0,
                        help='memory bandwidth of the machine to estimate for (Thor: 273)')
    opts = parser.parse_args()
    double = None
    host = opts.host
    if not host:
        double = OllamaDouble(Script(models={'gemma3:4b': DOUBLE_VISION,
                                             'phi4:14b': ModelSpec('phi4:14b')})).start()
        host = double.url
        opts.text_model = opts.text_model or 'phi4:14b'
    client = VisionClient('ollama', host, opts.model, timeout_s=300.0,
                          max_side_px=opts.max_side)
    where = 'the Ollama test double' if double else host
    try:
        print(f'vision model {opts.model} at {where}; {opts.repeats} repeats')
        load_lines = loads(client, opts.text_model)
        m = measure(client, opts.repeats, opts.max_side)
        image = m['image']
        print(f'frame: 640x480 -> {image.width}x{image.height} JPEG, {len(image.data)} bytes '
              f'({len(image.data) * 4 // 3} base64), encoded in {m["encode_ms"]:.1f} ms')
        print(f'text-only chat (floor): {m["text_s"] * 1000:.1f} ms median')
        print(f'look (frame + question): {m["look_s"] * 1000:.1f} ms median '
              f'= {m["look_s"] / m["text_s"]:.2f} x the text-only floor')
        print(f'image prompt tokens: {m["prompt_tokens"]} (whole prompt, image included); '
              f'prompt eval {m["prompt_eval_s"] or 0:.3f} s (server); answer '
              f'{m["eval_count"]} tokens at {m["tps"] or 0:.1f} tok/s (server)')
        print(f'answer: {m["answer"][:100]!r}')
        if double is not None:
            print('(the double: its server figures, load times and speeds are its script, not '
                  "a model's; the wall-clock times are this package's own cost)")
        for line in load_lines:
            print(line)
        size = size_bytes(client)
        if size:
            bound = opts.bandwidth_gbs * GB / size
            answer_tokens = 60  # a three-sentence answer
            prompt_s = m['prompt_eval_s'] or 0.0
            print(f'ESTIMATE at {opts.bandwidth_gbs:g} GB/s: {opts.model} is '
                  f'{size / GB:.1f} GB in memory -> decode at most {bound:.0f} tok/s '
                  f'(bandwidth / size; 60-85 % of it in practice: '
                  f'{0.6 * bound:.0f}-{0.85 * bound:.0f} tok/s); a {answer_tokens}-token '
                  f'answer about {answer_tokens / (0.85 * bound):.1f}-'
                  f'{answer_tokens / (0.6 * bound):.1f} s plus the image prompt '
                  f'({m["prompt_tokens"]} tokens; measured here {prompt_s:.2f} s) — an '
                  f'estimate, not a measurement')
    finally:
        client.close()
        if double is not None:
            double.stop()
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
