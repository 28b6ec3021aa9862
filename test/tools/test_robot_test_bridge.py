# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""robot_test phase 1 measures the bridge: plain functions, then on sim_robot's go2 model."""

import pytest

from shadowhound_llm.evaluation.bridge_measure import (
    BridgeFigures,
    odom_timing,
    recommend,
    response_time,
    travel_after_stop,
)
from shadowhound_llm.evaluation.robot_test_cases import Criteria


def test_timing_response_and_travel_from_recorded_streams():
    # odometry at 10 Hz with one 0.3 s hole; it shows a turn 0.5 s after the first command
    times = [i * 0.1 for i in range(30) if not 12 <= i <= 14]
    traj = [(t, 0.0, 0.0, 0.0 if t < 1.5 else 0.1) for t in times]
    rate, gap = odom_timing(traj, 0.0, 3.0)
    assert gap == pytest.approx(0.4) and rate == pytest.approx(26 / 2.9)
    cmds = [(0.9, 0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.3), (1.05, 0.0, 0.0, 0.3)]
    assert response_time(cmds, traj, 0.95) == pytest.approx(0.5)
    walk = [(t * 0.1, min(t * 0.1, 2.0) * 0.3, 0.0, 0.0) for t in range(40)]
    # stop sent at 1.5 s (pose 0.45 m, received at 1.8 s); at rest at 0.6 m
    assert travel_after_stop(walk, 1.5, 0.3) == pytest.approx(0.6 - 0.54, abs=1e-9)
    # Without the delay the pose at the stop is unknown: no figure, so no stop_mode advice
    # (taking the delay as 0 counted its walk as travel and called a working stop broken).
    assert travel_after_stop(walk, 1.5, None) is None
    assert 'stop_mode' not in recommend(BridgeFigures(travel_after_stop_m=None))


def test_recommendations_name_the_parameters():
    rec = recommend(BridgeFigures(10.0, 0.4, 0.45, 0.33, 0.3))
    assert rec['stop_mode'].startswith('go2')
    assert float(rec['odom_latency_s'].split()[0]) == pytest.approx(0.45 - 0.153, abs=0.01)
    assert float(rec['odom_timeout_s'].split()[0]) == 0.6
    assert recommend(BridgeFigures(travel_after_stop_m=0.04))['stop_mode'].startswith('as it is')


@pytest.mark.slow
@pytest.mark.ros
@pytest.mark.parametrize('stop_mode, walks_on', [('zero', True), ('go2', False)])
def test_phase1_measures_the_go2_model(make_harness, stop_mode, walks_on):
    from shadowhound_llm.tools.robot_test import default_policies, RobotTest
    h = make_harness({'stop_mode': stop_mode}, {'bridge_model': 'go2'})
    lines = []
    tester = RobotTest(h.probe, h.probe.client, Criteria(), lines.append,
                       startup_timeout_s=30)
    result = tester.run((1,), default_policies('rules'), allow_motion=True)
    figs = result.phases[0].figures['bridge']
    assert 8.0 <= figs['odom_rate_hz'] <= 11.0  # 10 Hz less the model's gaps
    assert 0.3 <= figs['response_s'] <= 0.8  # 0.3 s late, plus the turn to 1 deg
    if walks_on:
        assert figs['travel_after_stop_m'] > 0.2
        assert any('recommended stop_mode: go2' in line for line in lines)
    else:
        assert figs['travel_after_stop_m'] <= 0.10
    assert any('recommended odom_latency_s' in line for line in lines)
