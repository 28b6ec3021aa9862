# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Where the time from mission_command to the first cmd_vel goes: the agent against the floor.

bench_control_latency gives the totals; this splits them. The same observer sends each
mission from a stopped, idle robot (sim_robot running, so cmd_vel has the same two readers
for both) to either the bare rclpy echo node (the floor) or mission_agent, each run in a
process that records, on the same monotonic clock as the observer:
- send -> callback: DDS delivery and the executor waking up;
- callback -> Twist published: the node's own work (for the agent, AgentCore.submit and the
  message conversion; for the echo, building one Twist);
- published -> observer: DDS delivery back.
Then, in this process and without ROS, AgentCore.submit and the rule planner alone, called
back-to-back ("hot") and after an idle gap like the one between missions ("cold").

Run: .venv/bin/python benchmarks/bench_first_twist_breakdown.py [--samples 80]
"""

import argparse
import json
from pathlib import Path
import subprocess
import sys
import tempfile
import time

from bench_common import percentile

from shadowhound_llm.common.local_dds import apply_local_dds

apply_local_dds()

import rclpy  # noqa: E402

from shadowhound_llm.common.processes import node_command, start_node, stop_node  # noqa: E402
from shadowhound_llm.nodes.ros_common import spinning  # noqa: E402

TEXTS = ('turn left 5 degrees', 'turn right 5 degrees')


def run_timed_agent(record_path):
    """mission_agent with timestamps around its mission callback, submit and publish."""
    from shadowhound_llm.nodes import mission_agent as ma
    records = []
    on_mission, init = ma.MissionAgent._on_mission, ma.MissionAgent.__init__

    def timed_init(self, **kwargs):
        init(self, **kwargs)
        publish, submit = self.cmd_pub.publish, self.core.submit
        self.marks = {}

        def timed_publish(msg):
            publish(msg)
            self.marks.setdefault('published', time.perf_counter())

        def timed_submit(*args):
            self.marks['submit'] = time.perf_counter()
            try:
                return submit(*args)
            finally:
                self.marks['submitted'] = time.perf_counter()
        self.cmd_pub.publish, self.core.submit = timed_publish, timed_submit

    def timed_on_mission(self, msg):
        self.marks = {'callback': time.perf_counter()}
        on_mission(self, msg)
        records.append({'text': msg.data, **self.marks})

    ma.MissionAgent.__init__, ma.MissionAgent._on_mission = timed_init, timed_on_mission
    try:
        return ma.main(sys.argv)
    finally:
        Path(record_path).write_text(json.dumps(records))


def run_timed_echo(record_path):
    """The floor (bench_control_latency's echo node) with the same timestamps."""
    from bench_control_latency import EchoNode, run_echo
    records = []

    class TimedEcho(EchoNode):
        def _on_command(self, msg):
            t0 = time.perf_counter()
            super()._on_command(msg)
            records.append({'text': msg.data, 'callback': t0, 'submit': t0, 'submitted': t0,
                            'published': time.perf_counter()})

    try:
        run_echo(TimedEcho)
    finally:
        Path(record_path).write_text(json.dumps(records))


def measure(kind, samples, workdir):
    """Send `samples` missions to the timed node of `kind`; the phases of each, in ms."""
    from bench_control_latency import Observer, wait_subscribed
    record = workdir / f'{kind}.json'
    args = node_command('mission_agent', {'backend': 'none', 'validate_on_startup': False})
    ros_args = args[args.index('--ros-args'):] if kind == 'agent' else []
    proc = subprocess.Popen([sys.executable, __file__, f'--timed-{kind}', str(record),
                             *ros_args], stdout=(workdir / f'{kind}.log').open('w'),
                            stderr=subprocess.STDOUT)
    observer = Observer('/')
    sends = []
    try:
        with spinning(observer):
            wait_subscribed(observer)
            observer.send_and_wait(TEXTS[0], want_zero=False)  # warm-up, not counted
            for i in range(samples):
                observer.send_and_wait('stop', want_zero=True)
                observer.wait_idle()
                sent = time.perf_counter()
                total = observer.send_and_wait(TEXTS[i % 2], want_zero=False)
                sends.append((sent, total))
            observer.send_and_wait('stop', want_zero=True)
    finally:
        observer.destroy_node()
        stop_node(proc)
    records = [r for r in json.loads(record.read_text()) if r['text'] in TEXTS][1:]
    phases = {'send -> callback': [], 'callback -> Twist published': [],
              '  of which submit()': [], 'published -> observer': [], 'total': []}
    for (sent, total), r in zip(sends, records, strict=True):
        if total is None or 'published' not in r:
            continue
        phases['send -> callback'].append((r['callback'] - sent) * 1e3)
        phases['callback -> Twist published'].append((r['published'] - r['callback']) * 1e3)
        phases['  of which submit()'].append((r['submitted'] - r['submit']) * 1e3)
        phases['published -> observer'].append(total - (r['published'] - sent) * 1e3)
        phases['total'].append(total)
    return phases


def core_timings(samples, gap_s):
    """AgentCore.submit and the rule planner alone, back-to-back and after an idle gap."""
    from shadowhound_llm.common.geometry import Pose2D
    from shadowhound_llm.common.params import AgentConfig
    from shadowhound_llm.mission.agent import AgentCore
    from shadowhound_llm.planning.rules.planner import plan_from_rules
    config = AgentConfig(backend='none', validate_on_startup=False)
    core = AgentCore(config)
    core.start()
    now = [1000.0]

    def submit(i):
        core.submit(TEXTS[i % 2], now[0])

    def rules(i):
        plan_from_rules(TEXTS[i % 2], config)

    def timed(fn, n, gap):
        out = []
        for i in range(n):
            now[0] += 1.0
            core.odom(Pose2D(), now[0])
            if gap:
                time.sleep(gap)
            t0 = time.perf_counter()
            fn(i)
            out.append((time.perf_counter() - t0) * 1e3)
            core.submit('stop', now[0] + 0.01)
        return out
    try:
        return {f'{name} {label}': timed(fn, n, gap)
                for name, fn in (('submit()', submit), ('rule planner', rules))
                for label, n, gap in (('hot', samples * 5, 0.0), ('cold', samples, gap_s))}
    finally:
        core.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--samples', type=int, default=80)
    parser.add_argument('--timed-agent', help=argparse.SUPPRESS)
    parser.add_argument('--timed-echo', help=argparse.SUPPRESS)
    opts, _ros_args = parser.parse_known_args()
    if opts.timed_agent:
        return run_timed_agent(opts.timed_agent)
    if opts.timed_echo:
        return run_timed_echo(opts.timed_echo)
    workdir = Path(tempfile.mkdtemp(prefix='bench-breakdown-'))
    sim = start_node('sim_robot', log=workdir / 'sim_robot.log')
    rclpy.init()
    try:
        results = {kind: measure(kind, opts.samples, workdir) for kind in ('echo', 'agent')}
    finally:
        rclpy.try_shutdown()
        stop_node(sim)
    print(f'mission -> first cmd_vel, split (ms; n={opts.samples} each, logs in {workdir})')
    print(f'{"phase":30} {"floor p50":>9} {"p90":>7} {"agent p50":>10} {"p90":>7} '
          f'{"agent-floor p50":>16}')
    for phase in results['agent']:
        f, a = results['echo'][phase], results['agent'][phase]
        print(f'{phase:30} {percentile(f, 50):9.3f} {percentile(f, 90):7.3f} '
              f'{percentile(a, 50):10.3f} {percentile(a, 90):7.3f} '
              f'{percentile(a, 50) - percentile(f, 50):16.3f}')
    print('\nin process, no ROS (ms): back-to-back ("hot") and 0.15 s apart ("cold")')
    for name, values in core_timings(opts.samples // 2, 0.15).items():
        print(f'{name:24} p50 {percentile(values, 50):.3f}  p90 {percentile(values, 90):.3f}'
              f'  (n={len(values)})')


if __name__ == '__main__':
    sys.exit(main())
