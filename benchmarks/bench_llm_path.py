# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The LLM path end to end: time to first motion, streamed vs not, and the agent's overhead.

sim_robot and mission_agent run as processes; the Ollama test double (in this process)
streams a three-action plan at a realistic 15 tok/s; an observer node sends missions and
times the first non-zero cmd_vel.
- time to first motion, stream_execution true vs false  [target: streamed <= 0.6 x]
- agent overhead = (mission published -> first cmd_vel) - (the double's own reply time),
  with instant replies and stream_execution false       [target: p50 <= 10 ms]

Run: .venv/bin/python benchmarks/bench_llm_path.py [--missions 10] [--overhead-missions 100]
"""

import argparse
from pathlib import Path
import statistics
import tempfile
import threading
import time

from bench_common import percentile

from shadowhound_llm.common.local_dds import apply_local_dds

apply_local_dds()

from geometry_msgs.msg import Twist  # noqa: E402
import rclpy  # noqa: E402
from rclpy.node import Node  # noqa: E402
from std_msgs.msg import String  # noqa: E402

from shadowhound_llm.common.processes import start_node, stop_node  # noqa: E402
from shadowhound_llm.nodes.ros_common import CMD_VEL_QOS, COMMAND_QOS, spinning  # noqa: E402
from shadowhound_llm.testing.ollama_double import OllamaDouble  # noqa: E402

THREE_ACTIONS = ('{"actions":[{"type":"move","distance_m":0.3},{"type":"rotate","angle_deg":30},'
                 '{"type":"move","distance_m":-0.3}]}')
MISSION = 'shuffle forward a little, glance left, and shuffle back'  # needs the LLM


class Observer(Node):
    def __init__(self):
        super().__init__('bench_llm_observer')
        self.cond = threading.Condition()
        self.cmds = []
        self.pub = self.create_publisher(String, 'mission_command', COMMAND_QOS)
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)

    def _on_cmd(self, msg):
        with self.cond:
            self.cmds.append((time.perf_counter(), msg.linear.x, msg.angular.z))
            self.cond.notify_all()

    def first_motion(self, text, timeout=10.0):
        with self.cond:
            mark = len(self.cmds)
        sent = time.perf_counter()
        self.pub.publish(String(data=text))
        with self.cond:
            ok = self.cond.wait_for(lambda: any(c[1] or c[2] for c in self.cmds[mark:]),
                                    timeout)
            if not ok:
                return sent, None
            return sent, next(c[0] for c in self.cmds[mark:] if c[1] or c[2])


def run_agent(ollama, log, stream, node, count, settle):
    params = {'ollama_host': ollama.url, 'validate_on_startup': False,
              'stream_execution': stream}
    agent = start_node('mission_agent', params, log)
    try:
        t0 = time.monotonic()
        while node.pub.get_subscription_count() < 1 and time.monotonic() - t0 < 20:
            time.sleep(0.05)
        time.sleep(1.0)
        node.pub.publish(String(data='turn left 1 degree'))  # warm-up without the LLM
        time.sleep(0.5)
        results = []
        for _ in range(count):
            ollama.timings.clear()
            sent, first = node.first_motion(MISSION)
            time.sleep(0.05)
            chat = [t for t in ollama.timings if t[0] == '/api/chat']
            results.append((sent, first, chat[0] if chat else None))
            node.pub.publish(String(data='stop'))
            time.sleep(settle)
        return results
    finally:
        stop_node(agent)


def measure(node, log_dir, opts):
    """Time to first motion (streamed or not) and the agent's overhead, in ms."""
    with OllamaDouble() as ollama:
        ollama.script.reply = THREE_ACTIONS
        ollama.script.real_time = True
        ollama.script.tokens_per_s = 15.0
        ttfm = {}
        for stream in (True, False):
            log = log_dir / f'mission_agent-{"streamed" if stream else "whole"}.log'
            runs = run_agent(ollama, log, stream, node, opts.missions, 1.0)
            ttfm[stream] = [(f - s) * 1000 for s, f, _ in runs if f is not None]
        ollama.script.real_time = False
        runs = run_agent(ollama, log_dir / 'mission_agent-overhead.log', False, node,
                         opts.overhead_missions, 0.3)
        overhead = [((f - s) - (c[2] - c[1])) * 1000 for s, f, c in runs
                    if f is not None and c is not None]
    return ttfm, overhead


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--missions', type=int, default=10)
    parser.add_argument('--overhead-missions', type=int, default=100)
    opts = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix='bench-llm-'))
    rclpy.init()
    node = Observer()
    sim = start_node('sim_robot', log=log_dir / 'sim_robot.log')
    try:
        with spinning(node):
            ttfm, overhead = measure(node, log_dir, opts)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
        stop_node(sim)
    tokens = len(THREE_ACTIONS) // 4
    s, n = statistics.median(ttfm[True]), statistics.median(ttfm[False])
    print(f'three-action plan, {tokens} tokens at 15 tok/s (Ollama test double):')
    print(f'  time to first motion, streamed     (n={len(ttfm[True])}): median {s:.0f} ms')
    print(f'  time to first motion, not streamed (n={len(ttfm[False])}): median {n:.0f} ms')
    print(f'  ratio streamed / not streamed: {s / n:.2f}   [target <= 0.6]')
    p99 = percentile(overhead, 99)
    print(f'agent overhead on the LLM path (n={len(overhead)}): p50 '
          f'{statistics.median(overhead):.2f} ms, p99 {p99:.2f} ms   [target p50 <= 10 ms]')


if __name__ == '__main__':
    main()
