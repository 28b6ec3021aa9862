# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Missions and stops on the simulated GO2 bridge: ideal, go2 and go2 with a long delay.

For each simulator (sim_robot's ``bridge_model``: ``ideal``; ``go2`` at the default 0.3 s
odometry delay, 10 Hz, 0.2 s gaps, 1 s command hold; ``go2`` with 1.0 s delay; ``go2`` 2.5 s
late at 5 Hz, as reported on firmware 1.17) the agent
core runs, on fake time (rule planner, no ROS), the robot test plan's phase-3 motion missions
one after another and a ``stop`` sent during a 0.3 m/s walk. Printed per model:
- each mission: outcome, position / heading error against the ±20 % judgement (simulator
  ground truth), duration;
- the stop: robot stationary (ground truth speed < 1 cm/s) after the stop, travel after it;
- the go2 / ideal ratio of the summed mission durations.
Agent settings under test can be given as NAME=VALUE (mission_agent parameters); the agent
runs with ``stop_mode=go2`` unless told otherwise (as the demo runs it on the go2 model).

Run: .venv/bin/python benchmarks/bench_bridge.py [--stops 10] [stop_mode=zero ...]
"""

import argparse
import statistics
import sys
import time

from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig, SimConfig
from shadowhound_llm.evaluation.robot_test_cases import judge_pose, PHASE3_MISSIONS
from shadowhound_llm.evaluation.sim_loop import SimLoop

MODELS = (
    ('ideal', SimConfig(bridge_model='ideal')),
    ('go2 0.3s', SimConfig(bridge_model='go2')),
    ('go2 1.0s', SimConfig(bridge_model='go2', odom_latency_s=1.0)),
    ('go2 2.5s 5Hz', SimConfig(bridge_model='go2', odom_latency_s=2.5, odom_rate_hz=5.0)),
)


def run_missions(agent: AgentConfig, sim: SimConfig) -> list[dict]:
    """The phase-3 motion missions in sequence, each judged against ground truth."""
    loop = SimLoop(agent, sim)
    loop.settle(sim.odom_latency_s + 0.5)  # the first odometry has arrived
    rows = []
    for spec in PHASE3_MISSIONS:
        if not spec.moves:
            continue
        start, t0 = loop.sim.pose, loop.t
        final = loop.run(spec.text)
        loop.settle(2.0)  # the robot at rest before it is judged
        end = loop.sim.pose
        judged = judge_pose(spec, start, end, Pose2D())  # home: where the robot started
        rows.append({'text': spec.text, 'state': final.state, 'message': final.message,
                     'duration_s': loop.status_times[id(final)] - t0,
                     'pos_cm': None if judged.position_error_m is None
                     else judged.position_error_m * 100,
                     'yaw_deg': judged.yaw_error_deg, 'passed': judged.passed
                     and final.state == 'succeeded'})
    return rows


def run_stops(agent: AgentConfig, sim: SimConfig, count: int) -> list:
    """``count`` stops during a cruise walk, each in a fresh loop with its own odom gaps."""
    return [SimLoop(agent, sim, seed=i).stop_during_walk(2.5 + 0.13 * i) for i in range(count)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--stops', type=int, default=10, help='stops per model')
    parser.add_argument('settings', nargs='*', help='mission_agent NAME=VALUE')
    opts = parser.parse_args(argv)
    # As the demo runs it: the simulated go2 bridge is stopped as a GO2.
    changes = {'stop_mode': 'go2', **dict(s.split('=', 1) for s in opts.settings)}
    agent = AgentConfig(backend='none').replaced(**changes)
    print(f'agent: {", ".join(f"{k}={v}" for k, v in changes.items())}; rule planner; '
          f'fake time')
    totals = {}
    wall0 = time.perf_counter()
    for name, sim in MODELS:
        rows = run_missions(agent, sim)
        stops = run_stops(agent, sim, opts.stops)
        totals[name] = sum(r['duration_s'] for r in rows)
        timing = ('' if sim.bridge_model == 'ideal' else
                  f', odom {sim.odom_rate_hz:g} Hz {sim.odom_latency_s:g} s late')
        print(f'\n== {name} (bridge_model={sim.bridge_model}{timing}) ==')
        for r in rows:
            pos = '-' if r['pos_cm'] is None else f'{r["pos_cm"]:.1f} cm'
            yaw = '-' if r['yaw_deg'] is None else f'{r["yaw_deg"]:.1f} deg'
            verdict = 'PASS' if r['passed'] else 'FAIL'
            note = '' if r['state'] == 'succeeded' else f'  [{r["state"]}: {r["message"]}]'
            print(f'  {verdict} {r["text"]:<34} pos {pos:>8}  yaw {yaw:>9}  '
                  f'{r["duration_s"]:5.1f} s{note}')
        passed = sum(r['passed'] for r in rows)
        worst_pos = max((r['pos_cm'] or 0.0) for r in rows)
        worst_yaw = max((r['yaw_deg'] or 0.0) for r in rows)
        print(f'  missions passed {passed}/{len(rows)}; worst error {worst_pos:.1f} cm, '
              f'{worst_yaw:.1f} deg; total {totals[name]:.1f} s')
        still = [s.stationary_after_s for s in stops]
        travel = [s.travel_after_stop_m for s in stops]
        speed = statistics.mean(s.speed_at_stop_mps for s in stops)
        print(f'  stop from {speed:.2f} m/s ({len(stops)}x): stationary after '
              f'{statistics.median(still):.2f} s (max {max(still):.2f}), travel '
              f'{statistics.median(travel):.3f} m (max {max(travel):.3f})')
    if 'ideal' in totals and totals['ideal'] > 0:
        for name in totals:
            if name != 'ideal':
                print(f'durations {name} / ideal: {totals[name] / totals["ideal"]:.2f}x')
    print(f'\n(wall {time.perf_counter() - wall0:.1f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
