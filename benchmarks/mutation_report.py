# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Score of a mutmut run (benchmarks/mutation.sh) against the list of equivalent mutants.

Reads mutmut's per-file ``.meta`` results in the run's folder, prints killed / survived /
timeout / no tests by file, the score (killed + timeout over all checked, equivalents
excluded), and every survivor not in benchmarks/mutation_equivalents.txt (each line there:
a mutant name, then ``#`` and the one-line reason it cannot be killed). Exit 1 when an
unlisted survivor remains.

Run: python benchmarks/mutation_report.py WORK_DIR [AREA]
"""

from __future__ import annotations

from collections import Counter
import json
from pathlib import Path
import sys

EQUIVALENTS = Path(__file__).with_name('mutation_equivalents.txt')
STATUS = {1: 'killed', 3: 'killed', 0: 'survived', 5: 'no tests', 33: 'no tests',
          34: 'skipped', 36: 'timeout', 24: 'timeout', -24: 'timeout', 152: 'timeout',
          255: 'timeout', None: 'not checked'}


def equivalents() -> dict[str, str]:
    """Mutant name -> reason, from the equivalents file."""
    out = {}
    for line in EQUIVALENTS.read_text(encoding='utf-8').splitlines():
        if line.strip() and not line.startswith('#'):
            name, _, reason = line.partition('#')
            out[name.strip()] = reason.strip()
    return out


def main(argv: list[str]) -> int:
    work = Path(argv[1])
    listed = equivalents()
    by_file: dict[str, Counter] = {}
    survivors, no_tests = [], []
    for meta in sorted((work / 'mutants').rglob('*.meta')):
        data = json.loads(meta.read_text(encoding='utf-8'))
        counts = by_file.setdefault(meta.name.removesuffix('.meta'), Counter())
        for name, code in data.get('exit_code_by_key', {}).items():
            status = STATUS.get(code, 'suspicious')
            if status == 'not checked':
                continue
            if status in ('survived', 'no tests') and name in listed:
                status = 'equivalent'
            counts[status] += 1
            if status == 'survived':
                survivors.append(name)
            elif status == 'no tests':
                no_tests.append(name)
    total = Counter()
    for name, counts in by_file.items():
        if counts:
            total += counts
            print(f'{name:<32} ' + ', '.join(f'{k} {v}' for k, v in sorted(counts.items())))
    checked = sum(total.values()) - total['equivalent']
    caught = total['killed'] + total['timeout']
    score = caught / checked if checked else 0.0
    print(f'TOTAL: {sum(total.values())} mutants, killed {total["killed"]}, timeout '
          f'{total["timeout"]}, equivalent (listed) {total["equivalent"]}, survived '
          f'{total["survived"]}, no tests {total["no tests"]}')
    print(f'mutation score: {caught}/{checked} = {score:.1%} (equivalents excluded)')
    for name in survivors + no_tests:
        print(f'  NOT KILLED: {name}')
    return 1 if survivors or no_tests else 0


if __name__ == '__main__':
    raise SystemExit(main(sys.argv))
