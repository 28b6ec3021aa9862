# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The reliability suite's figures: what it tried, and the agent under a flood and a soak.

1. Suite: runs the reliability tests (SUITE) and reads the counters they write (LLM outputs tried,
   faults injected, missions sent under the invariant monitor, invariant violations).
2. Flood: sim_robot and mission_agent (LLM backend: the Ollama test double) as their own
   processes; N missions at R per second (rules, LLM, stops, rejects, dry runs; each
   preempts the last); every one must reach a terminal state; the agent's memory growth;
   'stop' -> zero Twist latency (p50/p99) during the flood, against a floor measured in the
   same run: a bare rclpy echo node (String in, Twist out) doing the same two hops.
3. Soak: for S seconds, an LLM-planned mission then a stop, over and over; the agent's
   memory, threads and file descriptors, sampled every 10 s, against the stated bounds.

Run: .venv/bin/python benchmarks/bench_reliability.py [--missions 1000] [--rate 50]
     [--soak-s 600] [--skip-suite]
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
from pathlib import Path
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from bench_common import percentile
import psutil

from shadowhound_llm.common.local_dds import apply_local_dds

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'test'))
# The double's server logs every stream the agent cuts (a preempted LLM mission) at WARNING.
logging.getLogger('asyncio').setLevel(logging.ERROR)
apply_local_dds()

from geometry_msgs.msg import Twist  # noqa: E402
import rclpy  # noqa: E402
from rclpy.node import Node  # noqa: E402
from reliability import DEEP_RELIABLE, InvariantMonitor  # noqa: E402
from std_msgs.msg import String  # noqa: E402

from shadowhound_llm.common.contract import MissionStatus  # noqa: E402
from shadowhound_llm.common.processes import start_node, stop_node  # noqa: E402
from shadowhound_llm.nodes.ros_common import CMD_VEL_QOS, COMMAND_QOS, spinning  # noqa: E402
from shadowhound_llm.testing.ollama_double import OllamaDouble  # noqa: E402

# Stated bounds (growth from the start of a phase to its end).
MEMORY_GROWTH_MB = 20.0
THREAD_GROWTH = 4
FD_GROWTH = 16
LLM = 'walk a little and then face left'
MIX = ['move forward 2 m', 'turn left 90 degrees', 'go to x=1, y=1', 'patrol the garden',
       'move forward 50 m', 'take a photo', LLM, 'turn right 45 degrees', 'return home', '']
ECHO = """
import rclpy
from geometry_msgs.msg import Twist
from rclpy.node import Node
from std_msgs.msg import String
from shadowhound_llm.nodes.ros_common import CMD_VEL_QOS, COMMAND_QOS
rclpy.init()
node = Node('bench_echo')
pub = node.create_publisher(Twist, 'bench_echo_out', CMD_VEL_QOS)
node.create_subscription(String, 'bench_echo_in', lambda msg: pub.publish(Twist()), COMMAND_QOS)
try:
    rclpy.spin(node)
except (KeyboardInterrupt, Exception):
    pass
"""


class Driver(Node):
    """Sends missions and echo pings; hears statuses, cmd_vel and echoes with their times."""

    def __init__(self) -> None:
        super().__init__('bench_reliability')
        self.cond = threading.Condition()
        self.statuses: dict[str, list[tuple[int, MissionStatus]]] = {}
        self.zero_cmds: list[tuple[int, int]] = []  # (source ns, received ns)
        self.echoes: dict[str, int] = {}
        self.pub = self.create_publisher(String, 'mission_command', COMMAND_QOS)
        self.echo_pub = self.create_publisher(String, 'bench_echo_in', COMMAND_QOS)
        self.create_subscription(String, 'mission_status', self._on_status, DEEP_RELIABLE)
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)
        self.create_subscription(Twist, 'bench_echo_out', self._on_echo, CMD_VEL_QOS)
        self._pending_echo: list[str] = []

    def _on_status(self, msg: String, info: dict) -> None:
        status = MissionStatus.from_json(msg.data)
        with self.cond:
            self.statuses.setdefault(status.mission_id, []).append(
                (int(info['source_timestamp']), status))
            self.cond.notify_all()

    def _on_cmd(self, msg: Twist, info: dict) -> None:
        if msg.linear.x == 0.0 and msg.linear.y == 0.0 and msg.angular.z == 0.0:
            with self.cond:
                self.zero_cmds.append((int(info['source_timestamp']), time.time_ns()))

    def _on_echo(self, msg: Twist) -> None:
        now = time.time_ns()
        with self.cond:
            if self._pending_echo:
                self.echoes[self._pending_echo.pop(0)] = now
            self.cond.notify_all()

    def send(self, text: str, planner: str = 'auto', dry_run: bool = False) -> tuple[str, int]:
        mission_id = uuid.uuid4().hex[:12]
        data = json.dumps({'text': text, 'id': mission_id, 'planner': planner,
                           'dry_run': dry_run})
        sent = time.time_ns()
        self.pub.publish(String(data=data))
        return mission_id, sent

    def ping(self) -> tuple[str, int]:
        key = uuid.uuid4().hex[:8]
        with self.cond:
            self._pending_echo.append(key)
        sent = time.time_ns()
        self.echo_pub.publish(String(data=key))
        return key, sent

    def terminal(self, mission_id: str) -> MissionStatus | None:
        with self.cond:
            return next((s for _, s in self.statuses.get(mission_id, []) if s.terminal), None)

    def wait(self, predicate, timeout: float):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value or time.monotonic() > deadline:
                    return value
                self.cond.wait(0.05)

    def stop_latency_ms(self, mission_id: str, sent_ns: int) -> float | None:
        """Send -> receipt of the zero Twist the agent published with this stop's statuses."""
        with self.cond:
            received = next((src for src, s in self.statuses.get(mission_id, [])
                             if s.state.value == 'received'), None)
            if received is None:
                return None
            zeros = [(src, rx) for src, rx in self.zero_cmds
                     if received - 20_000_000 <= src <= received]
        return (max(zeros)[1] - sent_ns) / 1e6 if zeros else None


def process_figures(pid: int) -> tuple[float, int, int]:
    proc = psutil.Process(pid)
    return proc.memory_info().rss / 1e6, proc.num_threads(), proc.num_fds()


# The reliability suite: each file beside the component tests it exercises.
SUITE = (
    'test/mission/test_agent_adversarial.py',
    'test/mission/test_agent_regressions.py',
    'test/mission/test_photo_limits.py',
    'test/planning/test_plan_properties.py',
    'test/nodes/test_mission_agent_adversarial_ros.py',
    'test/nodes/test_mission_agent_faults.py',
    'test/nodes/test_mission_agent_limits.py',
    'test/nodes/test_mission_agent_load.py',
    'test/nodes/test_mission_agent_params.py',
    'test/nodes/test_mission_agent_security.py',
)


def run_suite(args: argparse.Namespace) -> dict:
    out = Path(tempfile.mkdtemp(prefix='reliab-stats-')) / 'stats.json'
    env = {**os.environ, 'SHADOWHOUND_RELIAB_STATS': str(out)}
    tests = [str(ROOT / path) for path in SUITE]
    start = time.monotonic()
    proc = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                           *tests], cwd=ROOT, env=env, capture_output=True, text=True)
    summary = [line for line in proc.stdout.splitlines() if ' passed' in line or ' failed'
               in line][-1:]
    stats = json.loads(out.read_text()) if out.exists() else {}
    stats['summary'] = summary[0] if summary else proc.stdout[-500:]
    stats['exit_code'] = proc.returncode
    stats['seconds'] = time.monotonic() - start
    return stats


def flood(node: Driver, monitor: InvariantMonitor, agent_pid: int, args) -> dict:
    # the agent and the monitor on mission_command, the echo node on its topic
    node.wait(lambda: node.pub.get_subscription_count() >= 2
              and node.echo_pub.get_subscription_count() > 0, 30.0)
    warm_id, _ = node.send('turn left 5 degrees')
    node.wait(lambda: node.terminal(warm_id), 20.0)
    time.sleep(1.0)
    rss0, threads0, fds0 = process_figures(agent_pid)
    ids, stops, pings = [], [], []
    period = 1.0 / args.rate
    start = time.monotonic()
    texts = itertools.cycle(MIX)
    for i in range(args.missions):
        if i % 10 == 5:
            mission_id, sent = node.send('stop')
            stops.append((mission_id, sent))
        else:
            text = next(texts)
            mission_id, sent = node.send(text, 'llm' if text == LLM else 'auto',
                                         dry_run=(i % 23 == 0))
        ids.append(mission_id)
        if i % 10 == 0:
            pings.append(node.ping())
        time.sleep(max(0.0, start + (i + 1) * period - time.monotonic()))
    sent_s = time.monotonic() - start
    done = node.wait(lambda: all(node.terminal(m) for m in ids), 120.0)
    stop_id, _ = node.send('stop')
    node.wait(lambda: node.terminal(stop_id), 10.0)
    time.sleep(2.0)
    rss1, threads1, fds1 = process_figures(agent_pid)
    states: dict[str, int] = {}
    for m in ids:
        final = node.terminal(m)
        key = final.state.value if final else 'never ended'
        states[key] = states.get(key, 0) + 1
    stop_ms = [ms for ms in (node.stop_latency_ms(m, s) for m, s in stops) if ms is not None]
    echo_ms = [(node.echoes[k] - s) / 1e6 for k, s in pings if k in node.echoes]
    return {'missions': len(ids), 'sent_in_s': sent_s, 'all_terminal': bool(done),
            'states': states, 'stop_ms': stop_ms, 'echo_ms': echo_ms,
            'rss_mb': (rss0, rss1), 'threads': (threads0, threads1), 'fds': (fds0, fds1),
            'violations': monitor.violations()}


def soak(node: Driver, monitor: InvariantMonitor, agent_pid: int, seconds: float) -> dict:
    samples = [process_figures(agent_pid)]
    next_sample = time.monotonic() + 10.0
    end = time.monotonic() + seconds
    rounds = failures = 0
    while time.monotonic() < end:
        mission_id, _ = node.send(LLM, 'llm')

        def started(mission_id=mission_id):
            return any(s.state.value == 'executing' for _, s in
                       node.statuses.get(mission_id, [])) or node.terminal(mission_id)
        node.wait(started, 10.0)
        time.sleep(0.3)  # let it drive a little: the stop then ends a moving mission
        stop_id, _ = node.send('stop')

        def ended(ids=(stop_id, mission_id)):
            return all(node.terminal(m) for m in ids)
        if not node.wait(ended, 10.0):
            failures += 1
        rounds += 1
        if time.monotonic() >= next_sample:
            samples.append(process_figures(agent_pid))
            next_sample += 10.0
    time.sleep(1.0)
    samples.append(process_figures(agent_pid))
    return {'rounds': rounds, 'unfinished': failures, 'samples': samples,
            'violations': monitor.violations()}


def report_growth(name: str, start: float, end: float, peak: float, bound: float,
                  unit: str) -> bool:
    ok = end - start <= bound
    print(f'  {name:<10} start {start:8.1f} {unit}, end {end:8.1f}, peak {peak:8.1f}, '
          f'growth {end - start:+.1f} (bound {bound:g})  {"ok" if ok else "OVER"}')
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--missions', type=int, default=1000)
    parser.add_argument('--rate', type=float, default=50.0)
    parser.add_argument('--soak-s', type=float, default=600.0)
    parser.add_argument('--skip-suite', action='store_true')
    args = parser.parse_args()
    ok = True
    if not args.skip_suite:
        print('== suite: the reliability tests')
        stats = run_suite(args)
        print(f'  {stats["summary"]} ({stats["seconds"]:.0f} s, exit {stats["exit_code"]})')
        print(f'  LLM outputs tried: {stats.get("outputs_tried")}   faults injected: '
              f'{stats.get("faults_injected")}   missions sent under the monitor: '
              f'{stats.get("missions_sent")} ({stats.get("guarded_tests")} tests, '
              f'{stats.get("cmds_checked")} cmd_vel checked)')
        print(f'  invariant violations: {stats.get("invariant_violations")} (must be 0)')
        ok = ok and stats.get('invariant_violations') == 0 and stats['exit_code'] == 0
    log_dir = Path(tempfile.mkdtemp(prefix='bench-reliab-'))
    with OllamaDouble() as ollama:
        ollama.script.reply = ('{"actions":[{"type":"rotate","angle_deg":30},'
                               '{"type":"move","distance_m":0.3}]}')
        procs = [start_node('sim_robot', log=log_dir / 'sim_robot.log'),
                 start_node('mission_agent', {'backend': 'ollama', 'ollama_host': ollama.url,
                                              'validate_on_startup': False},
                            log_dir / 'mission_agent.log'),
                 subprocess.Popen([sys.executable, '-c', ECHO])]
        rclpy.init()
        node, monitor = Driver(), InvariantMonitor(0.5, 1.0)
        try:
            with spinning(node), spinning(monitor):
                print(f'== flood: {args.missions} missions at {args.rate:g}/s '
                      f'(agent pid {procs[1].pid})')
                f = flood(node, monitor, procs[1].pid, args)
                print(f'  sent in {f["sent_in_s"]:.1f} s; every one terminal: '
                      f'{f["all_terminal"]}; states {f["states"]}')
                s, e = f['stop_ms'], f['echo_ms']
                print(f'  stop -> zero Twist (n={len(s)}): p50 {percentile(s, 50):.2f} ms, '
                      f'p99 {percentile(s, 99):.2f} ms, max {max(s):.2f} ms  [target p99 <= 20]')
                print(f'  floor, bare rclpy echo (n={len(e)}): p50 {percentile(e, 50):.2f} ms, '
                      f'p99 {percentile(e, 99):.2f} ms; ratio p50 '
                      f'{percentile(s, 50) / percentile(e, 50):.1f}x, p99 '
                      f'{percentile(s, 99) / percentile(e, 99):.1f}x')
                ok &= report_growth('memory', *f['rss_mb'], max(f['rss_mb']), MEMORY_GROWTH_MB,
                                    'MB')
                ok &= report_growth('threads', *f['threads'], max(f['threads']), THREAD_GROWTH,
                                    '')
                ok &= report_growth('fds', *f['fds'], max(f['fds']), FD_GROWTH, '')
                print(f'  invariant violations: {len(f["violations"])} '
                      f'{f["violations"][:3] if f["violations"] else ""}')
                ok &= f['all_terminal'] and not f['violations'] and percentile(s, 99) <= 20.0
                if args.soak_s > 0:
                    print(f'== soak: {args.soak_s:g} s of LLM-planned missions and stops')
                    k = soak(node, monitor, procs[1].pid, args.soak_s)
                    samples = k['samples']
                    print(f'  rounds {k["rounds"]}, unfinished {k["unfinished"]}')
                    for i, (name, bound, unit) in enumerate((
                            ('memory', MEMORY_GROWTH_MB, 'MB'), ('threads', THREAD_GROWTH, ''),
                            ('fds', FD_GROWTH, ''))):
                        col = [x[i] for x in samples]
                        ok &= report_growth(name, col[0], col[-1], max(col), bound, unit)
                    print(f'  invariant violations: {len(k["violations"])} '
                          f'{k["violations"][:3] if k["violations"] else ""}')
                    ok &= not k['violations'] and not k['unfinished']
        finally:
            node.destroy_node()
            monitor.destroy_node()
            rclpy.try_shutdown()
            for p in procs:
                stop_node(p)
    print('RESULT:', 'PASS' if ok else 'FAIL', f'(logs in {log_dir})')
    return 0 if ok else 1


if __name__ == '__main__':
    raise SystemExit(main())
