# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Load, short versions: a flood of missions at 50 per second and a soak of LLM missions.

Only completeness and the invariants are asserted here (every mission ends once, the robot
is never commanded over the limits, it stops, the next mission works) plus loose bounds on
threads and file descriptors; the figures (1 000 missions, memory growth, stop latency p99,
a 10-minute soak) are measured by benchmarks/bench_reliability.py.
"""

from __future__ import annotations

import itertools
import os
import threading
import time

from core_loop import STATS
import psutil
import pytest
import reliability

pytestmark = pytest.mark.ros
guarded, stats = reliability.guarded, reliability.stats
LLM = 'walk a little and then face left'
MIX = ['move forward 2 m', 'turn left 90 degrees', 'stop', 'go to x=1, y=1',
       'patrol the garden', '', 'move forward 50 m', 'take a photo', 'turn right 45 degrees',
       LLM, 'return home', 'stop']


PLAN = ('{"actions":[{"type":"rotate","angle_deg":30},'
        '{"type":"move","distance_m":0.3}]}')

OLLAMA_SCRIPT = {'reply': PLAN}  # the ollama fixture


def test_a_flood_of_missions_at_50_per_second_all_end(guarded, ollama):
    h = guarded({'backend': 'ollama', 'ollama_host': ollama.url, 'validate_on_startup': False})
    client = h.probe.client
    ids = []
    start = time.monotonic()
    for i, text in zip(range(200), itertools.cycle(MIX)):
        planner = 'llm' if text == LLM else 'auto'
        ids.append(client.send(text, planner=planner, dry_run=(i % 17 == 0)))
        time.sleep(max(0.0, start + (i + 1) / 50.0 - time.monotonic()))  # the pace: 50/s
    STATS.fault('mission flood (200 at 50/s)')
    # The monitor's deep queue hears every status; a depth-10 client may miss some in a
    # flood (mission_status is KEEP_LAST 10, as the contract allows).
    mon = h.monitor
    if not mon.wait(lambda: all(mon.terminal_of(i) for i in ids), 60.0):
        open_ = [i for i in ids if mon.terminal_of(i) is None]
        raise AssertionError(f'{len(open_)} missions never ended: {open_[:5]}')
    states = [mon.terminal_of(i).state.value for i in ids]
    assert states.count('cancelled') > 20, 'missions were preempted'
    assert 'succeeded' in states and 'rejected' in states
    assert h.stopped(2.0)


@pytest.mark.slow
def test_a_short_soak_keeps_threads_and_descriptors_bounded(guarded, ollama):
    h = guarded({'backend': 'ollama', 'ollama_host': ollama.url, 'validate_on_startup': False})
    client = h.probe.client
    me = psutil.Process(os.getpid())

    def sample():
        return me.num_threads(), me.num_fds()

    assert client.run(LLM, 20.0, planner='llm').succeeded  # warm: pools, connections
    threads0, fds0 = sample()
    peak_threads, peak_fds = threads0, fds0
    end = time.monotonic() + 12.0
    rounds = 0
    while time.monotonic() < end:
        mission_id = client.send(LLM, planner='llm')

        def started(mission_id=mission_id):
            return any(s.state.value == 'executing' for s in client.statuses_for(mission_id)) \
                or client.terminal_of(mission_id)
        assert h.probe.wait(started, 10.0)
        stop = client.send('stop')
        assert client.wait_terminal(stop, 5.0).state.value == 'succeeded'
        assert client.wait_terminal(mission_id, 5.0) is not None
        threads, fds = sample()
        peak_threads, peak_fds = max(peak_threads, threads), max(peak_fds, fds)
        rounds += 1
    STATS.fault('soak rounds (LLM mission + stop)', rounds)
    assert rounds >= 5
    assert peak_threads <= threads0 + 4, (threads0, peak_threads, threading.enumerate())
    assert peak_fds <= fds0 + 16, (fds0, peak_fds)


def test_a_lost_wake_up_from_the_planner_threads_does_not_strand_a_mission(guarded, ollama):
    h = guarded({'backend': 'ollama', 'ollama_host': ollama.url, 'validate_on_startup': False})
    h.agent.core._notify = lambda: None  # every guard-condition wake-up lost
    result = h.probe.client.run(LLM, 20.0, planner='llm')
    assert result.succeeded, result.final
    assert h.stopped(2.0)


def test_a_held_up_agent_does_not_count_its_own_lateness_as_odometry_lost(make_harness):
    """A held-up agent judges the odometry that arrived meanwhile.

    The agent's executor is held up 0.7 s (CPU starvation, a slow callback) while the
    simulator, on an executor of its own, keeps publishing: the next control tick must not
    fail the mission as odometry lost (odom_timeout_s 0.5). Odometry that really stops is
    still lost (test_mission_agent_faults.py).
    """
    from rclpy.executors import SingleThreadedExecutor
    from ros_harness import _params

    from shadowhound_llm.nodes.sim_robot import SimRobot

    h = make_harness({'odom_timeout_s': 0.5}, with_sim=False, wait=False)
    sim = SimRobot(parameter_overrides=_params({'bridge_model': 'ideal'}))
    sim_executor = SingleThreadedExecutor()
    sim_executor.add_node(sim)
    sim_thread = threading.Thread(target=sim_executor.spin, daemon=True)
    sim_thread.start()
    try:
        assert h.probe.wait(lambda: h.agent.core.has_odom and h.probe.pose is not None
                            and h.probe.mission_pub.get_subscription_count() > 0, 10)
        after = len(h.probe.statuses)
        h.send('move forward 1 m')
        assert h.wait_state('move forward 1 m', ('executing',), 10, after)
        time.sleep(0.3)
        held = threading.Event()

        def hold_up():
            timer.cancel()
            time.sleep(0.7)  # the executor that runs the agent does nothing meanwhile
            held.set()
        timer = h.probe.create_timer(0.01, hold_up)
        assert held.wait(5)
        final = h.wait_state('move forward 1 m', ('succeeded', 'failed', 'cancelled'), 20,
                             after)
        assert final is not None and final['state'] == 'succeeded', final
    finally:
        sim_executor.shutdown(timeout_sec=2)
        sim_thread.join(timeout=2)
        sim.destroy_node()
