# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The dashboard on the demo stack, in Debian's headless Chromium: STOP latency, page lag, CPU.

sim_robot, mission_agent (rule planner) and dashboard run as their own processes, DDS on
shared memory; an observer node in this process records cmd_vel and mission_status with
wall-clock receipt times, and the page records (Date.now()) when it changes. All on one
machine, so the clocks agree.

- STOP click -> zero Twist on cmd_vel (p50/p99 over N clicks while the robot moves), and
  click -> the page showing the zero command; floor: 'stop' published straight on DDS by
  the observer -> zero Twist, in the same run.
- mission_status -> the page's current-mission state changing (p50/p99), against the
  observer's receipt of the same status (the floor: one DDS hop).
- CPU of the dashboard process: no page open and the robot idle; a page open while the
  robot test plan runs; with sim_robot's and mission_agent's CPU in the same windows and a
  floor: a bare rclpy node that only receives odom (what any viewer of the robot pays).

Run: .venv/bin/python benchmarks/bench_dashboard.py [--clicks 20] [--idle-seconds 15]
Needs: apt-get install chromium; pip install playwright (requirements/test.txt).
"""

import argparse
import json
import os
from pathlib import Path
import socket
import subprocess
import sys
import tempfile
import threading
import time

from bench_common import percentile
import httpx

from shadowhound_llm.common.local_dds import apply_local_dds

apply_local_dds()

from geometry_msgs.msg import Twist  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
import rclpy  # noqa: E402
from rclpy.node import Node  # noqa: E402

from shadowhound_llm.common.mission_link import StatusReceived  # noqa: E402
from shadowhound_llm.common.processes import start_node, stop_node  # noqa: E402
from shadowhound_llm.evaluation.robot_test_cases import TEST_PLAN  # noqa: E402
from shadowhound_llm.nodes.mission_client import MissionClient  # noqa: E402
from shadowhound_llm.nodes.ros_common import CMD_VEL_QOS, spinning  # noqa: E402

CHROMIUM = '/usr/bin/chromium'
ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage']
# Page-side recorders: when the STOP click happens (capture phase, before the app's handler),
# when the current mission's state and the commanded speed change.
RECORDERS = """() => {
  window.__clicks = []; window.__states = []; window.__zero = [];
  document.getElementById('stop')
    .addEventListener('click', () => window.__clicks.push(Date.now()), true);
  const st = document.getElementById('cur-state');
  new MutationObserver(() => window.__states.push([st.dataset.id, st.dataset.state, Date.now()]))
    .observe(st, {attributes: true, attributeFilter: ['data-state', 'data-id']});
  const cmd = document.getElementById('cmd');
  new MutationObserver(() => { if (cmd.dataset.zero === 'true') window.__zero.push(Date.now()); })
    .observe(cmd, {attributes: true, attributeFilter: ['data-zero']});
}"""


# The CPU floor: a bare rclpy node that only receives odom (50 Hz), as every viewer must.
FLOOR_NODE = """
import rclpy
from nav_msgs.msg import Odometry
from shadowhound_llm.nodes.ros_common import SENSOR_QOS
rclpy.init()
node = rclpy.create_node('bench_floor_odom_listener')
node.create_subscription(Odometry, 'odom', lambda msg: None, SENSOR_QOS)
try:
    rclpy.spin(node)
except BaseException:
    pass
"""


class Observer(Node):
    """cmd_vel and mission_status with wall-clock receipt times."""

    def __init__(self):
        super().__init__('bench_dashboard_observer')
        self.client = MissionClient(self)
        self.cond = self.client.cond
        self.cmds = []  # (time.time(), linear.x, angular.z)
        self.received = []  # (time.time(), mission_id, state)
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)
        self.client.add_listener(self._on_item)

    def _on_cmd(self, msg):
        with self.cond:
            self.cmds.append((time.time(), msg.linear.x, msg.angular.z))
            self.cond.notify_all()

    def _on_item(self, event):
        if isinstance(event, StatusReceived):
            self.received.append((time.time(), event.status.mission_id,
                                  event.status.state.value))

    def first_cmd_after(self, t, zero, timeout=5.0):
        def found():
            return next((c[0] for c in self.cmds if c[0] >= t
                         and ((c[1] == 0.0 and c[2] == 0.0) == zero)), None)
        return self.client.wait(found, timeout)


def cpu_seconds(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def cpu_window(procs, action):
    """Run action(); return (seconds, {name: % of one core}) for each process meanwhile."""
    before = {n: cpu_seconds(p.pid) for n, p in procs.items()}
    t0 = time.monotonic()
    action()
    wall = time.monotonic() - t0
    return wall, {n: (cpu_seconds(p.pid) - before[n]) / wall * 100 for n, p in procs.items()}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def fmt(values, unit='ms'):
    return (f'p50 {percentile(values, 50):.1f} {unit}, p99 {percentile(values, 99):.1f} {unit}, '
            f'max {max(values):.1f} {unit} (n={len(values)})')


def stop_clicks(page, obs, clicks):
    """Start a move, click STOP on the page while it runs; latencies in ms."""
    to_twist, to_page = [], []
    for i in range(clicks):
        text = 'Move forward 3 meters' if i % 2 == 0 else 'Move backward 3 meters'
        sent = time.time()
        mission_id = obs.client.send(text)
        if obs.first_cmd_after(sent, zero=False) is None:
            raise SystemExit('the robot never started moving')
        time.sleep(0.3)  # moving at speed
        page.click('#stop')
        clicked = page.evaluate('() => window.__clicks[window.__clicks.length - 1]') / 1000.0
        zero = obs.first_cmd_after(clicked, zero=True)
        shown = page.wait_for_function(
            't => window.__zero.find(z => z >= t)', arg=clicked * 1000.0, timeout=5000
        ).json_value()
        to_twist.append((zero - clicked) * 1000.0)
        to_page.append(shown - clicked * 1000.0)
        obs.client.wait_terminal(mission_id, 5.0)
        time.sleep(0.4)
    return to_twist, to_page


def dds_stops(obs, count):
    """The floor: 'stop' published by the observer itself, straight on DDS."""
    out = []
    for i in range(count):
        text = 'Move forward 3 meters' if i % 2 == 0 else 'Move backward 3 meters'
        sent = time.time()
        mission_id = obs.client.send(text)
        obs.first_cmd_after(sent, zero=False)
        time.sleep(0.3)
        sent = time.time()
        obs.client.stop()
        zero = obs.first_cmd_after(sent, zero=True)
        out.append((zero - sent) * 1000.0)
        obs.client.wait_terminal(mission_id, 5.0)
        time.sleep(0.4)
    return out


class SseListener:
    """A plain HTTP client on /api/events: when each mission state arrives (no browser)."""

    def __init__(self, url):
        self.arrivals = []  # (time.time(), mission_id, state)
        self.thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self.thread.start()

    def _read(self, url):
        kind = None
        with httpx.stream('GET', url + 'api/events', timeout=None) as response:
            for line in response.iter_lines():
                if line.startswith('event: '):
                    kind = line[7:]
                elif line.startswith('data: ') and kind == 'missions':
                    current = json.loads(line[6:])['current']
                    if current:
                        self.arrivals.append((time.time(), current['id'], current['state']))


def lag_vs_observer(arrivals_ms, obs):
    """Arrival (ms, wall clock) of each (mission_id, state) after the observer received it."""
    seen = {}
    for t, mission_id, state in obs.received:
        seen.setdefault((mission_id, state), t)
    done, lags = set(), []
    for mission_id, state, t in arrivals_ms:
        key = (mission_id, state)
        if key in seen and key not in done:
            done.add(key)
            lags.append(t - seen[key] * 1000.0)
    return lags


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clicks', type=int, default=20)
    parser.add_argument('--idle-seconds', type=float, default=15.0)
    opts = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit('needs Chromium: apt-get install -y chromium')
    logs = Path(tempfile.mkdtemp(prefix='bench-dashboard-'))
    port = free_port()
    procs = {'sim_robot': start_node('sim_robot', {}, logs / 'sim_robot.log'),
             'mission_agent': start_node('mission_agent', {
                 'backend': 'none', 'validate_on_startup': False,
                 'photo_dir': str(logs / 'photos')}, logs / 'mission_agent.log'),
             'dashboard': start_node('dashboard', {'port': port}, logs / 'dashboard.log'),
             'floor (odom listener)': subprocess.Popen([sys.executable, '-c', FLOOR_NODE])}
    url = f'http://127.0.0.1:{port}/'
    rclpy.init()
    obs = Observer()
    try:
        with spinning(obs), sync_playwright() as pw:
            if not obs.client.wait_ready(30.0):
                raise SystemExit(f'the demo stack did not come up; logs in {logs}')
            deadline = time.monotonic() + 30.0
            while True:
                try:
                    httpx.get(url + 'api/state', timeout=2.0).raise_for_status()
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f'the dashboard did not answer; logs in {logs}') \
                            from None
                    time.sleep(0.2)
            time.sleep(3.0)  # start-up is not the steady state
            idle_s, idle = cpu_window(procs, lambda: time.sleep(opts.idle_seconds))

            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={'width': 1280, 'height': 900})
            page.goto(url)
            page.wait_for_selector('#conn[data-state="live"]', timeout=15000)
            page.evaluate(RECORDERS)
            sse = SseListener(url)
            watched_s, watched_idle = cpu_window(procs, lambda: time.sleep(opts.idle_seconds))

            def test_plan():
                for mission in TEST_PLAN:
                    obs.client.run(mission.text, 60.0)
            plan_s, plan = cpu_window(procs, test_plan)

            floor = dds_stops(obs, opts.clicks)
            to_twist, to_page = stop_clicks(page, obs, opts.clicks)
            lags = lag_vs_observer(page.evaluate('() => window.__states'), obs)
            sse_lags = lag_vs_observer([(i, s, t * 1000.0) for t, i, s in sse.arrivals], obs)
            browser.close()
    finally:
        obs.destroy_node()
        rclpy.try_shutdown()
        for proc in procs.values():
            stop_node(proc)

    print(f'Dashboard on the demo stack (sim_robot + mission_agent rules), Chromium '
          f'{CHROMIUM}, {os.cpu_count()} CPUs; logs in {logs}')
    print(f'STOP click -> zero Twist on cmd_vel: {fmt(to_twist)}   [target p99 <= 200 ms]')
    print(f'STOP click -> page shows zero cmd:   {fmt(to_page)}   [target <= 200 ms]')
    print(f'floor: stop on DDS -> zero Twist:    {fmt(floor)}; click/floor p50 ratio '
          f'{percentile(to_twist, 50) / max(percentile(floor, 50), 1e-3):.1f}x')
    print(f'mission_status -> page state change (after the observer received it): {fmt(lags)}')
    print(f'mission_status -> SSE event in a plain HTTP client (same):          '
          f'{fmt(sse_lags)}')

    def cpu_line(label, seconds, shares):
        print(f'CPU, {label} ({seconds:.0f} s): ' + ', '.join(
            f'{name} {share:.1f}%' for name, share in shares.items()) + ' of one core')
    cpu_line('no page open, robot idle', idle_s, idle)
    cpu_line('page open, robot idle', watched_s, watched_idle)
    cpu_line('page open, robot test plan running', plan_s, plan)


if __name__ == '__main__':
    main()
