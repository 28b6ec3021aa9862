# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""What the agent can tell about the GO2 bridge before moving it, in plain Python.

``mission_agent: Bridge`` (diagnostic_updater style, ``bridge_task``) reads facts the node
gathers from the ROS graph and from the odometry it receives:
- ``cmd_vel`` has a subscriber (twist_mux or the bridge), of type ``geometry_msgs/Twist``: a
  ``TwistStamped`` subscriber is twist_mux on Jazzy without ``use_stamped: false`` and never
  hears a plain Twist;
- nobody else publishes on ``cmd_vel``: the go2 bridge's launch starts the joystick's
  teleop_twist_joy on ``cmd_vel`` too, with the same twist_mux priority as the agent;
- odometry rate, largest gap and (once measured while moving) delay.

``go2_mode_problem`` decides whether a ``go2_states`` mode lets the robot walk; the agent
never stands the robot up by itself.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..common.contract import DiagKey, DiagTask, Severity
from ..health.gpu_diagnostics import DiagStatus

TWIST_TYPE = 'geometry_msgs/msg/Twist'
STAMPED_TYPE = 'geometry_msgs/msg/TwistStamped'
ODOM_WINDOW_S = 10.0
MIN_ODOM_HZ = 5.0
MAX_ODOM_DELAY_S = 1.0

# go2_states ``mode``: the modes in which the GO2 takes Move requests (walks).
TASK = DiagTask.short(DiagTask.AGENT_BRIDGE)
GO2_WALKING_MODES = {0: 'idle stand', 1: 'balance stand', 3: 'locomotion'}
GO2_MODE_NAMES = {**GO2_WALKING_MODES, 5: 'lie down', 6: 'joint lock', 7: 'damping',
                  10: 'sit'}


def go2_mode_name(mode: int) -> str:
    """'3 (locomotion)'."""
    return f'{mode} ({GO2_MODE_NAMES.get(mode, "unknown")})'


def go2_mode_problem(mode: int | None) -> str:
    """Why the GO2 cannot walk in this go2_states mode ('' when it can or is unknown)."""
    if mode is None or mode in GO2_WALKING_MODES:
        return ''
    return (f'the GO2 reports mode {go2_mode_name(mode)} on go2_states: it walks only when '
            f'standing (0, 1) or in locomotion (3); stand it up with the remote or the app '
            f'(the agent never stands the robot up by itself) and send the mission again')


class OdomStats:
    """Receipt times of odometry over the last ``ODOM_WINDOW_S``: rate and largest gap."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()

    def add(self, now: float) -> None:
        """One odometry message received at ``now``."""
        self._times.append(now)
        while self._times and self._times[0] < now - ODOM_WINDOW_S:
            self._times.popleft()

    def rate_hz(self, now: float) -> float | None:
        """Messages per second over the window (None with fewer than two)."""
        recent = [t for t in self._times if t >= now - ODOM_WINDOW_S]
        if len(recent) < 2:
            return None
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-6)

    def max_gap_s(self) -> float | None:
        """Largest interval between two messages in the window."""
        t = list(self._times)
        return max((b - a for a, b in zip(t, t[1:], strict=False)), default=None)


@dataclass
class BridgeFacts:
    """What the node saw: cmd_vel's endpoints, odometry, the stop mode and the GO2's mode."""

    cmd_vel_subscriber_types: list[str] = field(default_factory=list)
    other_cmd_vel_publishers: list[str] = field(default_factory=list)  # node names
    odom_rate_hz: float | None = None
    odom_max_gap_s: float | None = None
    odom_delay_s: float | None = None  # measured while moving
    odom_timeout_s: float = 0.5
    stop: str = ''
    go2_mode: int | None = None
    go2_states: str = ''  # how go2_states is read, or why it is not


def bridge_task(facts: BridgeFacts) -> DiagStatus:
    """mission_agent: Bridge."""
    f = facts
    values = [
        (DiagKey.CMD_VEL_SUBSCRIBERS, ', '.join(f.cmd_vel_subscriber_types) or 'none'),
        (DiagKey.OTHER_CMD_VEL_PUBLISHERS, ', '.join(f.other_cmd_vel_publishers) or 'none'),
        (DiagKey.ODOM_RATE_HZ, f'{f.odom_rate_hz:.1f}' if f.odom_rate_hz is not None else 'none'),
        (DiagKey.ODOM_MAX_GAP_S, f'{f.odom_max_gap_s:.2f}' if f.odom_max_gap_s is not None
         else '-'),
        (DiagKey.ODOM_DELAY_S, f'{f.odom_delay_s:.2f}' if f.odom_delay_s is not None
         else 'not measured yet (measured while moving)'),
        (DiagKey.STOP, f.stop),
        (DiagKey.GO2_MODE, go2_mode_name(f.go2_mode) if f.go2_mode is not None else f.go2_states)]
    errors, warnings = [], []
    if not f.cmd_vel_subscriber_types:
        errors.append("nothing subscribes to 'cmd_vel': is twist_mux / the GO2 bridge running "
                      'in this namespace?')
    elif STAMPED_TYPE in f.cmd_vel_subscriber_types:
        warnings.append("'cmd_vel' is subscribed as TwistStamped (twist_mux on Jazzy): a "
                        'plain Twist reaches nothing; set use_stamped: false in the twist_mux '
                        'YAML')
    elif TWIST_TYPE not in f.cmd_vel_subscriber_types:
        warnings.append(f"'cmd_vel' subscribers are {', '.join(f.cmd_vel_subscriber_types)}, "
                        f'not geometry_msgs/Twist')
    if f.other_cmd_vel_publishers:
        warnings.append(f"{', '.join(f.other_cmd_vel_publishers)} also publish on 'cmd_vel' "
                        f"(the joystick shares the agent's twist_mux priority unless "
                        f'remapped to cmd_vel_joy)')
    if f.odom_rate_hz is None:
        warnings.append("no odometry on 'odom'")
    else:
        if f.odom_rate_hz < MIN_ODOM_HZ:
            warnings.append(f'odometry at {f.odom_rate_hz:.1f} Hz (below {MIN_ODOM_HZ:g} Hz)')
        if f.odom_max_gap_s is not None and f.odom_max_gap_s > f.odom_timeout_s:
            warnings.append(f'odometry gaps of {f.odom_max_gap_s:.2f} s exceed odom_timeout_s '
                            f'({f.odom_timeout_s:g} s): missions fail as odometry lost; raise '
                            f'odom_timeout_s')
    if f.odom_delay_s is not None and f.odom_delay_s > MAX_ODOM_DELAY_S:
        warnings.append(f'odometry arrives {f.odom_delay_s:.1f} s late: the pose is '
                        f'dead-reckoned across it; expect slower, less precise stops')
    problem = go2_mode_problem(f.go2_mode)
    if problem:
        warnings.append(problem)
    if errors:
        return DiagStatus(TASK, Severity.ERROR, '; '.join(errors + warnings), values)
    if warnings:
        return DiagStatus(TASK, Severity.WARN, '; '.join(warnings), values)
    rate = f'{f.odom_rate_hz:.0f} Hz' if f.odom_rate_hz is not None else '-'
    return DiagStatus(TASK, Severity.OK, f'cmd_vel subscribed as Twist; odom at {rate}',
                      values)
