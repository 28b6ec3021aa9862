# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""robot_test phase 1 on the robot: how the bridge behaves, measured, and what to set.

From what robot_test records (every odometry message with its receipt time, every cmd_vel it
heard), plain functions compute:
- the odometry rate and its largest gap (a few seconds at rest);
- command -> motion response: from the first non-zero cmd_vel of a small rotation to the
  first odometry that shows the robot turning (the odometry delay, plus the few tens of
  milliseconds the robot takes to turn by the threshold);
- travel after a stop: a stop sent during a walk, how far the robot went from where it was
  when the stop was sent (that pose arrives one delay later) to where it came to rest.
``recommend`` turns them into mission_agent parameters (``odom_latency_s``,
``odom_timeout_s``, ``stop_mode``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import math
import time
from typing import Any, Sequence

from ..common.geometry import wrap_angle
from ..common.params import AgentConfig

TURN_SHOWN_RAD = math.radians(1.0)  # odometry shows a rotation once it turned this much
MOVE_SHOWN_M = 0.01
STOP_TRAVEL_OK_M = 0.10  # travel after a stop from cruise speed that a working stop allows
DEFAULTS = AgentConfig()

Trajectory = Sequence[tuple[float, float, float, float]]  # (receipt time, x, y, yaw)
Commands = Sequence[tuple[float, float, float, float]]  # (time, linear, lateral, angular)


@dataclass
class BridgeFigures:
    """Phase 1's bridge measurements (None: not measured)."""

    odom_rate_hz: float | None = None
    odom_max_gap_s: float | None = None
    response_s: float | None = None
    travel_after_stop_m: float | None = None
    stop_speed_mps: float | None = None


def odom_timing(trajectory: Trajectory, since: float, until: float
                ) -> tuple[float | None, float | None]:
    """(rate in Hz, largest gap in s) of the odometry received between two times."""
    times = [t for t, *_ in trajectory if since <= t <= until]
    if len(times) < 2:
        return None, None
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    return (len(times) - 1) / (times[-1] - times[0]), max(gaps)


def response_time(cmds: Commands, trajectory: Trajectory, since: float) -> float | None:
    """Seconds from the first non-zero command after ``since`` to odometry showing motion."""
    first = next((c for c in cmds if c[0] >= since and any(abs(v) > 0.005 for v in c[1:])),
                 None)
    if first is None:
        return None
    before = [p for p in trajectory if p[0] <= first[0]]
    if not before:
        return None
    _, x0, y0, yaw0 = before[-1]
    for t, x, y, yaw in trajectory:
        if t > first[0] and (math.hypot(x - x0, y - y0) > MOVE_SHOWN_M
                             or abs(wrap_angle(yaw - yaw0)) > TURN_SHOWN_RAD):
            return t - first[0]
    return None


def travel_after_stop(trajectory: Trajectory, stop_sent: float, delay_s: float | None
                      ) -> float | None:
    """Metres from the pose when the stop was sent (received ``delay_s`` later) to the last.

    None without the delay: the pose at the stop cannot be told from those received after
    it, and counting the delay's walk as travel would call a working stop broken.
    """
    if delay_s is None:
        return None
    at_stop = [p for p in trajectory if p[0] <= stop_sent + delay_s]
    if not at_stop or trajectory[-1][0] <= stop_sent + delay_s:
        return None
    _, x0, y0, _ = at_stop[-1]
    _, x1, y1, _ = trajectory[-1]
    return math.hypot(x1 - x0, y1 - y0)


def turn_ramp_s(config: AgentConfig = DEFAULTS) -> float:
    """How long the agent's ramp takes to turn the robot by ``TURN_SHOWN_RAD``."""
    return math.sqrt(2.0 * TURN_SHOWN_RAD / config.angular_accel)


def recommend(figures: BridgeFigures, config: AgentConfig = DEFAULTS) -> dict[str, str]:
    """mission_agent parameters for this bridge, each with the reason."""
    out: dict[str, str] = {}
    if figures.response_s is not None:
        delay = max(0.0, figures.response_s - turn_ramp_s(config))
        out['odom_latency_s'] = (f'{delay:.2f}  (command -> odometry {figures.response_s:.2f} '
                                 f's, less {turn_ramp_s(config):.2f} s to turn 1 deg)')
    if figures.odom_max_gap_s is not None:
        timeout = max(config.odom_timeout_s,
                      math.ceil(round(figures.odom_max_gap_s * 15.0, 6)) / 10)
        out['odom_timeout_s'] = (f'{timeout:g}  (largest odometry gap '
                                 f'{figures.odom_max_gap_s:.2f} s, x1.5)')
    if figures.travel_after_stop_m is not None:
        if figures.travel_after_stop_m > STOP_TRAVEL_OK_M:
            out['stop_mode'] = (f'go2  (the robot went {figures.travel_after_stop_m:.2f} m '
                                f'after a stop: a zero Twist does not stop this bridge)')
        else:
            out['stop_mode'] = (f'as it is  (the robot went '
                                f'{figures.travel_after_stop_m:.2f} m after a stop)')
    return out


BRIDGE_SAMPLE_S = 3.0  # odometry watched at rest this long
BRIDGE_WALK_S = 1.5  # the walk that is stopped, after this long


def _fmt(value: float | None, digits: int) -> str:
    return 'n/a' if value is None else f'{value:.{digits}f}'


def measure_bridge(runner: Any, res: Any) -> None:
    """Phase 1's bridge checks, added to ``res`` (the robot test runner's engine drives it).

    Odometry timing at rest always; with ``runner.allow_motion`` a 10 deg turn (response)
    and a walk stopped after ``BRIDGE_WALK_S`` (travel after the stop). Then the recommended
    parameters, printed and in the checks; the figures go to ``res.figures['bridge']``.
    """
    from .robot_test_cases import CheckRecord

    client = runner.client
    figs = BridgeFigures()
    t0 = time.monotonic()
    client.wait(lambda: runner.abort_reason, BRIDGE_SAMPLE_S)  # odometry at rest
    figs.odom_rate_hz, figs.odom_max_gap_s = odom_timing(list(client.trajectory), t0,
                                                         time.monotonic())
    res.checks.append(CheckRecord(
        'odometry rate', 'info', f'{_fmt(figs.odom_rate_hz, 1)} Hz',
        detail=f'largest gap {_fmt(figs.odom_max_gap_s, 2)} s over {BRIDGE_SAMPLE_S:g} s at '
               f'rest'))
    if not getattr(runner, 'allow_motion', False):
        res.checks.append(CheckRecord('bridge response and stop', 'skipped',
                                      detail='needs --allow-motion (a 10 deg turn and a short '
                                             'walk stopped after 1.5 s)'))
    elif not runner.abort_reason:
        since = time.monotonic()
        runner.run_mission(1, 2, 'turn left 10 degrees', 'rules', False, 2)
        figs.response_s = response_time(_cmd_tuples(client), list(client.trajectory), since)
        res.checks.append(CheckRecord('command -> motion', 'info',
                                      f'{_fmt(figs.response_s, 2)} s',
                                      detail='first cmd_vel of a 10 deg turn to the first '
                                             'odometry showing it'))
        _walk_and_stop(runner, figs)
        res.checks.append(CheckRecord(
            'travel after stop', 'info', f'{_fmt(figs.travel_after_stop_m, 3)} m',
            f'<= {STOP_TRAVEL_OK_M:g} m', f'stop sent at {_fmt(figs.stop_speed_mps, 2)} m/s'
            + ('' if figs.response_s is not None else
               '; not measured: the odometry delay is unknown (no cmd_vel of the turn seen)')))
    res.figures['bridge'] = asdict(figs)
    for name, value in recommend(figs).items():
        res.checks.append(CheckRecord(f'recommended {name}', 'info', value.split()[0],
                                      detail=' '.join(value.split()[1:])))
        runner.say(f'[phase 1] recommended {name}: {value}')


def _cmd_tuples(client: Any) -> list[tuple[float, float, float, float]]:
    return [(c.time, c.linear, c.lateral, c.angular) for c in list(client.cmds)]


def _walk_and_stop(runner: Any, figs: BridgeFigures) -> None:
    client = runner.client
    mission_id = client.send('move forward 1 meter', planner='rules')
    runner._sent.add(mission_id)

    def walked() -> bool:
        moving = [c for c in _cmd_tuples(client) if c[1] > 0.005]
        return bool(runner.abort_reason or client.terminal_of(mission_id) or (
            moving and time.monotonic() - moving[0][0] >= BRIDGE_WALK_S))
    client.wait(walked, 10.0)
    if runner.abort_reason or client.terminal_of(mission_id):
        return
    cmds = _cmd_tuples(client)
    figs.stop_speed_mps = cmds[-1][1] if cmds else None
    stop_sent = time.monotonic()
    client.stop()
    runner._settle(timeout=6.0, still_s=0.5)
    figs.travel_after_stop_m = travel_after_stop(list(client.trajectory), stop_sent,
                                                 figs.response_s)
