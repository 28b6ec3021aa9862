# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Rule planner: coverage and errors per category, before and after, and time per command.

Before: the rule planner of a commit (that commit's package, extracted with git archive);
after: the working tree's. Per category of the mission corpus, for the
plain-command and tricky-phrasing lists of test/data, and for the held-out set
(test/data/rules_heldout.yaml, per family; its traps must all defer): answered right /
answered wrong / deferred. Then the time per command (median, p99 over every call, the cold
first round included) over every text, against a floor measured in the same run: one empty
regex match per command (the least any planner can do with a text).

Run: .venv/bin/python benchmarks/bench_rules.py [--rounds 20] [--before COMMIT]
     [--heldout test/data/rules_heldout.yaml]
"""

import argparse
import atexit
import importlib
import io
from pathlib import Path
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

from bench_common import percentile
import yaml

from shadowhound_llm.evaluation.quality import load_corpus, mission_from_dict, rule_coverage
from shadowhound_llm.planning.rules.planner import plan_from_rules

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / 'test' / 'data'


RULE_PLANNER_PATHS = ('planning.rules.planner', 'rule_planner')  # the layout now, the flat one


def load_before(commit):
    """The rule planner at a commit, imported from that commit's whole package.

    The package is extracted (git archive) under another name, so its relative imports load
    that commit's modules, whichever layout it had.
    """
    tmp = tempfile.mkdtemp(prefix='rules_before_')
    atexit.register(shutil.rmtree, tmp, True)
    try:
        archive = subprocess.run(['git', 'archive', commit, 'shadowhound_llm'], cwd=ROOT,
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f'(no "before" figures: git archive {commit} failed: {exc})')
        return None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp, filter='data')
    Path(tmp, 'shadowhound_llm').rename(Path(tmp, 'shadowhound_llm_before'))
    sys.path.insert(0, tmp)
    for name in RULE_PLANNER_PATHS:
        if Path(tmp, 'shadowhound_llm_before', *name.split('.')).with_suffix('.py').exists():
            return importlib.import_module(f'shadowhound_llm_before.{name}').plan_from_rules
    print(f'(no "before" figures: no rule planner at {commit})')
    return None


DEFER_ONLY = set()  # texts where only deferring is right


def data_missions(name, category):
    """A test/data list as corpus missions; defer-only entries expect nothing."""
    out = []
    for entry in yaml.safe_load((DATA / name).read_text(encoding='utf-8'))['missions']:
        if entry.get('defer'):
            DEFER_ONLY.add(entry['text'])
            entry = dict(entry, actions=[{'type': 'say'}])  # any plan is wrong: only say
        out.append(mission_from_dict(dict(entry, category=category)))
    return out


def heldout_missions(path):
    """The held-out set as missions: (commands said five ways, traps that must defer)."""
    data = yaml.safe_load(Path(path).read_text(encoding='utf-8'))
    plain = [mission_from_dict({'text': text, 'category': c['family'],
                                'actions': c['actions'], 'also': c.get('also'),
                                'match': c.get('match', 'exact')})
             for c in data['commands'] for text in c['say']]
    traps = []
    for trap in data['traps']:
        DEFER_ONLY.add(trap['text'])
        traps.append(mission_from_dict({'text': trap['text'], 'category': trap['family'],
                                        'actions': [{'type': 'say'}]}))
    return plain, traps


def why(wrong):
    if wrong['text'] in DEFER_ONLY:
        return f'answered {wrong["reply"]} where only deferring is right'
    return f'{wrong["reply"]}: {wrong["reason"]}'


def safe(planner):
    """A planner whose failures count as deferrals (a plan the vocabulary refuses)."""
    def plan(text):
        try:
            return planner(text)
        except ValueError:
            return None
    return plan


def table(title, before, after):
    print(f'\n{title}')
    print(f'{"category":16} {"n":>4} | {"before: right wrong defer":>26} | '
          f'{"after: right wrong defer":>25}')
    rows = list(after['by_category'].items()) + [('TOTAL', after)]
    for name, a in rows:
        b = before['by_category'].get(name) if before and name != 'TOTAL' else before
        left = f'{b["right"]:5d} {b["wrong"]:5d} {b["deferred"]:5d}' if b else '      -'
        print(f'{name:16} {a["missions"]:4d} | {left:>26} | '
              f'{a["right"]:5d} {a["wrong"]:5d} {a["deferred"]:5d}')
    for wrong in after['wrong_answers']:
        print(f'  WRONG after: {wrong["text"]!r}: {why(wrong)}')
    if before:
        for wrong in before['wrong_answers']:
            print(f'  wrong before: {wrong["text"]!r}: {why(wrong)}')


def time_per_call(fns, texts, rounds):
    """Microseconds per call of each planner: every call, each text's best, the first round.

    The planners take turns on each text, so noise on a shared machine falls on all of them
    alike. The best of the rounds is free of scheduling noise; the first round is cold
    (nothing warmed for that text yet).
    """
    times = [[] for _ in fns]
    best = [[float('inf')] * len(texts) for _ in fns]
    for _ in range(rounds):
        for n, text in enumerate(texts):
            for k, fn in enumerate(fns):
                t0 = time.perf_counter_ns()
                fn(text)
                dt = (time.perf_counter_ns() - t0) / 1000.0
                times[k].append(dt)
                best[k][n] = min(best[k][n], dt)
    return [(t, b, t[:len(texts)]) for t, b in zip(times, best, strict=True)]


_COLD = """
import sys, time
texts = sys.stdin.read().split('\\n')
from shadowhound_llm.planning.rules.planner import plan_from_rules
for text in texts:
    t0 = time.perf_counter_ns()
    plan_from_rules(text)
    print((time.perf_counter_ns() - t0) / 1000.0)
"""


def cold_calls(texts, processes, repeats=3):
    """Microseconds of each text's first call in fresh processes (import, then call).

    Each text is timed in ``repeats`` fresh processes: every time, and the best of them
    per text (still a first call, free of scheduling noise).
    """
    times, best = [], []
    for n in range(processes):
        chunk = texts[n::processes][:40]
        runs = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, '-c', _COLD], input='\n'.join(chunk),
                                 capture_output=True, text=True, check=True, cwd=ROOT).stdout
            runs.append([float(line) for line in out.split()])
            times += runs[-1]
        best += [min(column) for column in zip(*runs, strict=True)]
    return times, best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=20)
    parser.add_argument('--before', default='740eabd')
    parser.add_argument('--heldout', default=str(DATA / 'rules_heldout.yaml'))
    parser.add_argument('--cold-processes', type=int, default=5,
                        help='fresh processes timing first calls after import')
    opts = parser.parse_args()
    before = load_before(opts.before)
    plain, traps = heldout_missions(opts.heldout)
    sets = [('mission corpus (shadowhound_llm/config/missions.yaml)', load_corpus()),
            ('plain commands (test/data/rule_plain_commands.yaml)',
             data_missions('rule_plain_commands.yaml', 'plain')),
            ('tricky phrasings (test/data/rule_tricky.yaml)',
             data_missions('rule_tricky.yaml', 'tricky')),
            (f'held-out commands, five ways each ({opts.heldout})', plain),
            (f'held-out traps, all must defer ({opts.heldout})', traps)]
    summary = []
    for title, missions in sets:
        b = rule_coverage(missions, planner=safe(before)) if before else None
        a = rule_coverage(missions, planner=plan_from_rules)
        table(title, b, a)
        summary.append((title.split(' (')[0], b, a))
    print('\nsummary: answered / right / wrong of n')
    for title, b, a in summary:
        left = f'{b["answered"]:4d} {b["right"]:4d} {b["wrong"]:3d}' if b else '   -'
        print(f'  {title:40} n={a["missions"]:4d}  before {left}  after '
              f'{a["answered"]:4d} {a["right"]:4d} {a["wrong"]:3d}  '
              f'({100 * a["answered"] / max(1, a["missions"]):.0f}% answered)')

    texts = [m.text for _, missions in sets for m in missions]
    empty = re.compile(r'^$')
    print(f'\ntime per command over {len(texts)} texts x {opts.rounds} rounds (microseconds; '
          f'"best" = each text\'s fastest round, then median/p99 over texts):')
    print(f'{"":28} {"median":>8} {"p99":>8} {"best p50":>9} {"best p99":>9} '
          f'{"cold p99":>9} {"median/floor":>13}')
    planners = [('floor: empty regex match', empty.match)]
    if before:
        planners.append((f'before ({opts.before})', safe(before)))
    planners.append(('after (working tree)', plan_from_rules))
    floor_median = None
    results = time_per_call([fn for _, fn in planners], texts, opts.rounds)
    for (name, _), (times, best, cold) in zip(planners, results, strict=True):
        median = percentile(times, 50)
        floor_median = floor_median or median
        print(f'{name:28} {median:8.1f} {percentile(times, 99):8.1f} '
              f'{percentile(best, 50):9.1f} {percentile(best, 99):9.1f} '
              f'{percentile(cold, 99):9.1f} {median / floor_median:13.0f}')
    if opts.cold_processes:
        cold, best = cold_calls(texts, opts.cold_processes)
        print(f'after, first calls in fresh processes ({len(best)} texts x 3 processes): '
              f'median {percentile(cold, 50):.1f}, p99 {percentile(cold, 99):.1f}, '
              f'best of 3 per text: median {percentile(best, 50):.1f}, '
              f'p99 {percentile(best, 99):.1f}')

if __name__ == '__main__':
    main()
