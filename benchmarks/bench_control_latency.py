# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Control-path latency and cmd_vel timing, end to end over shared-memory DDS.

Starts sim_robot and mission_agent as their own processes (rule planner, no LLM) and
measures from an observer process, so every figure includes two DDS hops:
- mission published -> first non-zero cmd_vel received (p50, p99 over N missions);
- 'stop' published during motion -> zero Twist received (p50, p99);
- cmd_vel while moving: rate against control_rate_hz and inter-message jitter.

Run: .venv/bin/python benchmarks/bench_control_latency.py [--missions 200] [--stops 50]
"""

import argparse
from pathlib import Path
import statistics
import tempfile
import threading
import time

from bench_common import percentile

from shadowhound_llm.local_dds import apply_local_dds

apply_local_dds()

from geometry_msgs.msg import Twist  # noqa: E402
import rclpy  # noqa: E402
from rclpy.node import Node  # noqa: E402
from std_msgs.msg import String  # noqa: E402

from shadowhound_llm.nodes.ros_common import CMD_VEL_QOS, COMMAND_QOS, spinning  # noqa: E402
from shadowhound_llm.processes import start_node, stop_node  # noqa: E402


class Observer(Node):
    def __init__(self):
        super().__init__('bench_observer')
        self.cond = threading.Condition()
        self.cmds = []  # (t, linear, angular)
        self.pub = self.create_publisher(String, 'mission_command', COMMAND_QOS)
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)

    def _on_cmd(self, msg):
        t = time.perf_counter()
        with self.cond:
            self.cmds.append((t, msg.linear.x, msg.angular.z))
            self.cond.notify_all()

    def send_and_wait(self, text, want_zero, timeout=2.0):
        with self.cond:
            start_index = len(self.cmds)
        sent = time.perf_counter()
        self.pub.publish(String(data=text))
        deadline = sent + timeout
        with self.cond:
            while True:
                for t, lin, ang in self.cmds[start_index:]:
                    if (lin == 0.0 and ang == 0.0) == want_zero:
                        return (t - sent) * 1000.0
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.cond.wait(left)


def measure(node, opts):
    """Run the three measurements and print them."""
    t0 = time.monotonic()
    while node.pub.get_subscription_count() == 0 and time.monotonic() - t0 < 20:
        time.sleep(0.05)
    time.sleep(1.0)
    node.send_and_wait('turn left 5 degrees', want_zero=False)  # warm-up
    time.sleep(0.5)

    first_cmd = []
    for i in range(opts.missions):
        text = 'move forward 0.5 m' if i % 2 == 0 else 'move backward 0.5 m'
        ms = node.send_and_wait(text, want_zero=False)
        if ms is not None:
            first_cmd.append(ms)
        time.sleep(0.05)
    node.send_and_wait('stop', want_zero=True)
    time.sleep(1.0)

    stop_ms = []
    for i in range(opts.stops):
        node.send_and_wait('turn left 90 degrees' if i % 2 == 0 else 'turn right 90 degrees',
                           want_zero=False)
        time.sleep(0.3)
        ms = node.send_and_wait('stop', want_zero=True)
        if ms is not None:
            stop_ms.append(ms)
        time.sleep(0.2)

    time.sleep(1.0)
    with node.cond:
        mark = len(node.cmds)
    node.pub.publish(String(data='move forward 4 m'))
    time.sleep(opts.rate_seconds)
    node.pub.publish(String(data='stop'))
    time.sleep(0.5)
    with node.cond:
        moving = [c[0] for c in node.cmds[mark:] if c[1] != 0.0]
    intervals = [(b - a) * 1000.0 for a, b in zip(moving, moving[1:], strict=False)]
    rate = (len(moving) - 1) / (moving[-1] - moving[0])
    jitter = [abs(i - 50.0) for i in intervals]

    print(f'mission -> first cmd_vel  (n={len(first_cmd)}): '
          f'p50 {percentile(first_cmd, 50):.2f} ms, p99 {percentile(first_cmd, 99):.2f} ms, '
          f'max {max(first_cmd):.2f} ms   [target p50 <= 5, p99 <= 20]')
    print(f'stop -> zero Twist        (n={len(stop_ms)}): '
          f'p50 {percentile(stop_ms, 50):.2f} ms, p99 {percentile(stop_ms, 99):.2f} ms, '
          f'max {max(stop_ms):.2f} ms   [target p99 <= 20]')
    print(f'cmd_vel while moving      (n={len(moving)}): rate {rate:.2f} Hz '
          f'({(rate / 20.0 - 1) * 100:+.1f}% of 20 Hz), interval mean '
          f'{statistics.mean(intervals):.2f} ms, jitter p99 {percentile(jitter, 99):.2f} ms, '
          f'max {max(jitter):.2f} ms   [target within 5%, jitter p99 <= 10]')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--missions', type=int, default=200)
    parser.add_argument('--stops', type=int, default=50)
    parser.add_argument('--rate-seconds', type=float, default=10.0)
    opts = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix='bench-control-'))
    procs = [start_node('sim_robot', log=log_dir / 'sim_robot.log'),
             start_node('mission_agent', {'backend': 'none', 'validate_on_startup': False},
                        log_dir / 'mission_agent.log')]
    rclpy.init()
    node = Observer()
    try:
        with spinning(node):
            measure(node, opts)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
        for p in procs:
            stop_node(p)


if __name__ == '__main__':
    main()
