# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""demo: the robot test plan on the simulated GO2, no robot and no network needed.

Starts ``sim_robot`` and ``mission_agent`` as child processes with DDS confined to shared
memory, sends the five test-plan missions, prints a table and writes a trajectory PNG.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

from ..local_dds import apply_local_dds


def _start(name: str, params: dict[str, object], env: dict[str, str], log: Path
           ) -> subprocess.Popen:
    cmd = [sys.executable, '-m', 'shadowhound_llm', name, '--ros-args']
    for key, value in params.items():
        cmd += ['-p', f'{key}:={value}']
    handle = log.open('w', encoding='utf-8')
    return subprocess.Popen(cmd, env=env, stdout=handle, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(args: list[str] | None = None) -> int:
    """Run the demo; exit 0 when every mission passed."""
    parser = argparse.ArgumentParser(prog='demo', description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='out/demo', help='folder for the PNG, photos and logs')
    parser.add_argument('--timeout', type=float, default=60.0, help='seconds per mission')
    opts = parser.parse_args(args)
    out = Path(opts.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = apply_local_dds()
    print(f'demo: DDS on shared memory only (ROS_DOMAIN_ID={env["ROS_DOMAIN_ID"]}); '
          f'logs in {out}')
    planner_note = ('planner: rule planner (no LLM backend in this version; simple commands '
                    'are planned without an LLM)')
    print(planner_note)
    agent_params = {'backend': 'none', 'photo_dir': str(out / 'photos')}
    procs = [_start('sim_robot', {}, env, out / 'sim_robot.log'),
             _start('mission_agent', agent_params, env, out / 'mission_agent.log')]
    import rclpy

    from . import robot_test
    rclpy.init()
    client = robot_test.MissionClient('demo_client')
    executor, _ = robot_test.spin_in_thread(client)
    try:
        if not client.wait_ready(30.0):
            print('demo: sim_robot or mission_agent did not come up within 30 s; see the logs '
                  f'in {out}', file=sys.stderr)
            return 1
        time.sleep(0.5)
        results = robot_test.run_test_plan(client, opts.timeout)
        print()
        print(robot_test.format_table(results))
        png = out / 'trajectory.png'
        robot_test.plot_trajectory(client.trajectory, results, str(png))
        photos = sorted((out / 'photos').glob('*.png')) if (out / 'photos').exists() else []
        print(f'\ntrajectory: {png}')
        if photos:
            print(f'photo: {photos[-1]}')
        ok = all(robot_test.passed(r) for r in results)
        print(f'\n{planner_note}')
        print(f'result: {"all missions passed" if ok else "SOME MISSIONS FAILED"} '
              f'({sum(robot_test.passed(r) for r in results)}/{len(results)})')
        return 0 if ok else 1
    finally:
        executor.shutdown()
        client.destroy_node()
        rclpy.try_shutdown()
        for proc in procs:
            _stop(proc)
        os.environ.pop('ROS_DOMAIN_ID', None)


if __name__ == '__main__':
    raise SystemExit(main())
