# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""gpu_monitor's CPU cost at 1 Hz: CPU seconds of its process over a wall-clock window.

It polls the Ollama test double's /api/ps every period (a model loaded, so the roofline is
computed each period) and reads telemetry (here the real jtop/NVML libraries find no
hardware, so the 'none' path runs; on a Jetson jtop does).
Floor, measured in the same window: a bare rclpy node publishing an empty DiagnosticArray
on /diagnostics at the same rate, in its own process (what any ROS node at 1 Hz costs).
Target: under 2% of one core over 60 s.
Run: .venv/bin/python benchmarks/bench_gpu_monitor_cpu.py [--seconds 60]
"""

import argparse
import os
import subprocess
import sys
import time

from shadowhound_llm.backends import OllamaClient
from shadowhound_llm.common.local_dds import local_dds_env
from shadowhound_llm.common.processes import start_node, stop_node
from shadowhound_llm.testing.ollama_double import OllamaDouble

FLOOR_NODE = """
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
rclpy.init()
node = rclpy.create_node("bare_diagnostics")
pub = node.create_publisher(DiagnosticArray, "/diagnostics", 10)
node.create_timer({period}, lambda: pub.publish(DiagnosticArray()))
try:
    rclpy.spin(node)
except KeyboardInterrupt:
    pass
"""


def cpu_seconds(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    ticks = os.sysconf('SC_CLK_TCK')
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=60.0)
    parser.add_argument('--period', type=float, default=1.0)
    parser.add_argument('--telemetry', default='auto', help='auto | jtop | nvml | none')
    opts = parser.parse_args()
    env = local_dds_env()
    with OllamaDouble() as ollama:
        OllamaClient(ollama.url).load()
        proc = start_node('gpu_monitor', {'ollama_host': ollama.url, 'period_s': opts.period,
                                          'memory_bandwidth_gbs': 273.0,
                                          'telemetry': opts.telemetry}, env=env)
        floor = subprocess.Popen([sys.executable, '-c', FLOOR_NODE.format(period=opts.period)],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            time.sleep(5.0)  # start-up (imports, telemetry probing) is not the steady state
            c0, f0, t0 = cpu_seconds(proc.pid), cpu_seconds(floor.pid), time.monotonic()
            polls0 = sum(1 for p, _ in ollama.requests if p == '/api/ps')
            time.sleep(opts.seconds)
            c1, f1, t1 = cpu_seconds(proc.pid), cpu_seconds(floor.pid), time.monotonic()
            polls = sum(1 for p, _ in ollama.requests if p == '/api/ps') - polls0
        finally:
            stop_node(proc)
            stop_node(floor)
    wall = t1 - t0
    share, floor_share = (c1 - c0) / wall * 100, (f1 - f0) / wall * 100
    ratio = share / floor_share if floor_share > 0 else float('inf')
    print(f'gpu_monitor at {1 / opts.period:g} Hz over {wall:.0f} s: {c1 - c0:.2f} CPU s = '
          f'{share:.2f}% of one core ({polls} /api/ps polls)   [target < 2%]')
    print(f'floor (bare rclpy node, empty DiagnosticArray at the same rate): {f1 - f0:.2f} CPU s '
          f'= {floor_share:.2f}% of one core; gpu_monitor / floor = {ratio:.1f}x')


if __name__ == '__main__':
    main()
