# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""gpu_monitor's CPU cost at 1 Hz: CPU seconds of its process over a wall-clock window.

It polls the Ollama test double's /api/ps every period and reads telemetry (here the real
jtop/NVML libraries find no hardware, so the 'none' path runs; on a Jetson jtop does).
Target: under 2% of one core over 60 s.
Run: .venv/bin/python benchmarks/bench_gpu_monitor_cpu.py [--seconds 60]
"""

import argparse
import os
import time

from shadowhound_llm.local_dds import local_dds_env
from shadowhound_llm.processes import start_node, stop_node
from shadowhound_llm.testing.ollama_double import OllamaDouble


def cpu_seconds(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    ticks = os.sysconf('SC_CLK_TCK')
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=60.0)
    opts = parser.parse_args()
    with OllamaDouble() as ollama:
        proc = start_node('gpu_monitor', {'ollama_host': ollama.url}, env=local_dds_env())
        try:
            time.sleep(5.0)  # start-up (imports, telemetry probing) is not the steady state
            c0, t0 = cpu_seconds(proc.pid), time.monotonic()
            time.sleep(opts.seconds)
            c1, t1 = cpu_seconds(proc.pid), time.monotonic()
            polls = sum(1 for p, _ in ollama.requests if p == '/api/ps')
        finally:
            stop_node(proc)
    share = (c1 - c0) / (t1 - t0) * 100
    print(f'gpu_monitor at 1 Hz over {t1 - t0:.0f} s: {c1 - c0:.2f} CPU s = {share:.2f}% of one '
          f'core ({polls} /api/ps polls)   [target < 2%]')


if __name__ == '__main__':
    main()
