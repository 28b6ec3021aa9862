# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Control-path latency and cmd_vel timing, end to end over shared-memory DDS, with a floor.

Starts sim_robot and mission_agent as their own processes (rule planner, no LLM) and, in
the same run, a bare rclpy echo node (String in -> Twist out, the same QoS). One observer
process measures both, so every figure includes the same two DDS hops:
- mission published -> first non-zero cmd_vel (p50, p99); each sample starts from a stopped,
  idle robot, so the first Twist after the send can only be that mission's;
- 'stop' published during motion -> zero Twist (p50, p99);
- cmd_vel while moving: rate against control_rate_hz and inter-message jitter.
The agent's figures are also given as ratios to the echo node's (the floor).

Run: .venv/bin/python benchmarks/bench_control_latency.py [--missions 200] [--stops 50]
"""

import argparse
from pathlib import Path
import statistics
import sys
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

IDLE_S = 0.15  # no cmd_vel for this long: the robot is stopped and the agent idle


class EchoNode(Node):
    """The floor: a bare node that answers each mission_command with one Twist at once."""

    def __init__(self):
        super().__init__('echo_floor')
        self.pub = self.create_publisher(Twist, 'cmd_vel', CMD_VEL_QOS)
        self.create_subscription(String, 'mission_command', self._on_command, COMMAND_QOS)

    def _on_command(self, msg):
        out = Twist()
        if msg.data.strip().lower() != 'stop':
            out.angular.z = 0.1
        self.pub.publish(out)


def run_echo(node_class=EchoNode):
    """Entry point of the echo process (its --ros-args put it in the /floor namespace)."""
    rclpy.init(args=sys.argv)
    node = node_class()
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, rclpy.executors.ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


class Observer(Node):
    def __init__(self, namespace):
        super().__init__('bench_observer', namespace=namespace)
        self.cond = threading.Condition()
        self.cmds = []  # (t, linear, angular)
        self.pub = self.create_publisher(String, 'mission_command', COMMAND_QOS)
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)

    def _on_cmd(self, msg):
        t = time.perf_counter()
        with self.cond:
            self.cmds.append((t, msg.linear.x, msg.angular.z))
            self.cond.notify_all()

    def wait_idle(self, quiet_s=IDLE_S, timeout=5.0):
        """Until no cmd_vel has arrived for quiet_s (the robot stands still)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.cond:
                last = self.cmds[-1][0] if self.cmds else 0.0
            if time.perf_counter() - last >= quiet_s:
                return True
            time.sleep(0.01)
        return False

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


def wait_subscribed(node, timeout=20.0):
    t0 = time.monotonic()
    while node.pub.get_subscription_count() == 0 and time.monotonic() - t0 < timeout:
        time.sleep(0.05)
    time.sleep(1.0)


def first_motion(node, n):
    """Mission -> first non-zero cmd_vel, each sample from a stopped, idle robot."""
    out = []
    for i in range(n):
        node.send_and_wait('stop', want_zero=True)
        node.wait_idle()
        ms = node.send_and_wait('turn left 5 degrees' if i % 2 == 0 else
                                'turn right 5 degrees', want_zero=False)
        if ms is not None:
            out.append(ms)
    node.send_and_wait('stop', want_zero=True)
    node.wait_idle()
    return out


def stop_latency(node, n, moving_s=0.3):
    """'stop' during motion -> zero Twist."""
    out = []
    for i in range(n):
        node.send_and_wait('turn left 90 degrees' if i % 2 == 0 else 'turn right 90 degrees',
                           want_zero=False)
        time.sleep(moving_s)
        ms = node.send_and_wait('stop', want_zero=True)
        if ms is not None:
            out.append(ms)
        node.wait_idle()
    return out


def stream_rate(node, seconds):
    node.wait_idle()
    with node.cond:
        mark = len(node.cmds)
    node.pub.publish(String(data='move forward 4 m'))
    time.sleep(seconds)
    node.pub.publish(String(data='stop'))
    time.sleep(0.5)
    with node.cond:
        moving = [c[0] for c in node.cmds[mark:] if c[1] != 0.0]
    intervals = [(b - a) * 1000.0 for a, b in zip(moving, moving[1:], strict=False)]
    rate = (len(moving) - 1) / (moving[-1] - moving[0])
    return len(moving), rate, intervals


def line(name, agent, floor, target):
    a50, a99 = percentile(agent, 50), percentile(agent, 99)
    f50, f99 = percentile(floor, 50), percentile(floor, 99)
    return (f'{name:24} agent (n={len(agent)}): p50 {a50:.2f} ms, p99 {a99:.2f} ms, max '
            f'{max(agent):.2f} ms | floor (n={len(floor)}): p50 {f50:.2f} ms, p99 {f99:.2f} ms '
            f'| ratio p50 {a50 / f50:.2f}x, p99 {a99 / f99:.2f}x   [{target}]')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--missions', type=int, default=200)
    parser.add_argument('--stops', type=int, default=50)
    parser.add_argument('--rate-seconds', type=float, default=10.0)
    parser.add_argument('--echo', action='store_true', help=argparse.SUPPRESS)
    opts, _ros_args = parser.parse_known_args()
    if opts.echo:
        return run_echo()
    log_dir = Path(tempfile.mkdtemp(prefix='bench-control-'))
    agent_params = {'backend': 'none', 'validate_on_startup': False}
    procs = [start_node('sim_robot', log=log_dir / 'sim_robot.log'),
             start_node('mission_agent', agent_params, log_dir / 'mission_agent.log')]
    echo_log = (log_dir / 'echo.log').open('w')
    import subprocess
    procs.append(subprocess.Popen(
        [sys.executable, __file__, '--echo', '--ros-args', '-r', '__ns:=/floor'],
        stdout=echo_log, stderr=subprocess.STDOUT))
    rclpy.init()
    agent_obs, floor_obs = Observer('/'), Observer('/floor')
    try:
        with spinning(agent_obs), spinning(floor_obs):
            wait_subscribed(agent_obs)
            wait_subscribed(floor_obs)
            agent_obs.send_and_wait('turn left 5 degrees', want_zero=False)  # warm-up
            floor_obs.send_and_wait('warm up', want_zero=False)
            # Interleave agent and floor blocks so both see the same machine load.
            first_a, first_f, stop_a, stop_f = [], [], [], []
            block = 25
            for start in range(0, opts.missions, block):
                n = min(block, opts.missions - start)
                first_a += first_motion(agent_obs, n)
                first_f += first_motion(floor_obs, n)
            for start in range(0, opts.stops, 10):
                n = min(10, opts.stops - start)
                stop_a += stop_latency(agent_obs, n)
                stop_f += stop_latency(floor_obs, n, moving_s=0.0)
            count, rate, intervals = stream_rate(agent_obs, opts.rate_seconds)
    finally:
        for node in (agent_obs, floor_obs):
            node.destroy_node()
        rclpy.try_shutdown()
        for p in procs:
            stop_node(p)
    print(line('mission -> first cmd_vel', first_a, first_f, 'goal p50 <= 1.5x floor'))
    print(line('stop -> zero Twist', stop_a, stop_f, 'goal p99 <= 2x floor, <= 20 ms'))
    jitter = [abs(i - 50.0) for i in intervals]
    print(f'cmd_vel while moving     (n={count}): rate {rate:.2f} Hz '
          f'({(rate / 20.0 - 1) * 100:+.1f}% of 20 Hz), interval mean '
          f'{statistics.mean(intervals):.2f} ms, jitter p99 {percentile(jitter, 99):.2f} ms, '
          f'max {max(jitter):.2f} ms   [target within 5%, jitter p99 <= 10]')


if __name__ == '__main__':
    main()
