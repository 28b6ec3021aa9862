# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The GO2 as go2_ros2_sdk's driver and twist_mux present it, for the simulator.

What the real path does to our commands and to the odometry it sends back:

- The driver forwards a Twist only when one of x, y, yaw rate is non-zero: an all-zero Twist
  is dropped. It rounds each to 0.01 for the Move request; a non-zero Twist that rounds to
  zero becomes Move(0, 0, 0), which stops the robot.
- twist_mux forwards messages as they arrive and never publishes a zero of its own: when
  commands stop, the GO2 keeps executing its last Move for ``command_hold_s`` and then stops.
- Odometry (pose only, no twist) comes at ``odom_rate_hz``, ``odom_latency_s`` late, with
  occasional gaps of ``odom_gap_s`` with no message at all.

``Go2BridgeSim`` has the interface of ``UnicycleSim`` (``command``, ``step``, ``pose``,
``velocity``, ``limits``) plus ``poll_odom(now)``: the poses the bridge delivers by ``now``.
The ground truth (``pose``, ``velocity``) is the simulator's own, for judging.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
import math
import random

from ..common.geometry import Pose2D
from ..common.params import SimConfig
from .control import Twist2D
from .sim_model import SimLimits, UnicycleSim

DRIVER_RESOLUTION = 0.01  # the driver rounds x, y and yaw rate to this for its Move request
GAP_EVERY_S = 2.0  # mean time between odometry gaps


@dataclass(frozen=True)
class BridgeTiming:
    """The bridge's timing: command hold, odometry rate, latency and gaps (s, Hz)."""

    command_hold_s: float = SimConfig.command_hold_s
    odom_rate_hz: float = SimConfig.odom_rate_hz
    odom_latency_s: float = SimConfig.odom_latency_s
    odom_gap_s: float = SimConfig.odom_gap_s

    @classmethod
    def from_config(cls, config: SimConfig) -> BridgeTiming:
        """The timing from sim_robot's parameters."""
        return cls(config.command_hold_s, config.odom_rate_hz, config.odom_latency_s,
                   config.odom_gap_s)


def driver_move(cmd: Twist2D) -> Twist2D | None:
    """What the go2 driver sends for a Twist: None (dropped) or the rounded Move.

    A Twist with a non-finite component is dropped too (rclpy would not carry it as motion).
    """
    values = (cmd.linear, cmd.angular, cmd.lateral)
    if not all(math.isfinite(v) for v in values):
        return None
    if cmd.is_zero():
        return None
    return Twist2D(*(round(v / DRIVER_RESOLUTION) * DRIVER_RESOLUTION + 0.0 for v in values))


class Go2BridgeSim:
    """The kinematic GO2 behind go2_ros2_sdk's driver; see the module docstring."""

    def __init__(self, limits: SimLimits, timing: BridgeTiming | None = None,
                 start: Pose2D | None = None, seed: int = 0) -> None:
        self.timing = timing or BridgeTiming()
        # The hold replaces the mux timeout: the body never forgets a command by itself.
        self._body = UnicycleSim(limits, start)
        self._body.limits = _without_timeout(limits)
        self._limits = limits
        self._last_forward: float | None = None
        self.forwarded = 0  # Move requests the driver sent
        self.dropped = 0  # Twists the driver ignored
        self._rng = random.Random(seed)
        self._next_sample: float | None = None
        self._gap_until = -math.inf
        self._next_gap: float | None = None
        self._queue: deque[tuple[float, Pose2D]] = deque()

    # ---- the UnicycleSim interface --------------------------------------------------------
    @property
    def pose(self) -> Pose2D:
        """Ground truth pose."""
        return self._body.pose

    @property
    def velocity(self) -> Twist2D:
        """Ground truth body velocity."""
        return self._body.velocity

    @property
    def limits(self) -> SimLimits:
        """The body's speed and acceleration limits."""
        return self._limits

    @limits.setter
    def limits(self, limits: SimLimits) -> None:
        self._limits = limits
        self._body.limits = _without_timeout(limits)

    def command(self, cmd: Twist2D, now: float) -> None:
        """A Twist on cmd_vel, through twist_mux and the driver."""
        move = driver_move(cmd)
        if move is None:
            self.dropped += 1
            return
        self.forwarded += 1
        self._last_forward = now
        self._body.command(move, now)

    def commanded_recently(self, now: float) -> bool:
        """True while the GO2 still executes the last Move it was sent."""
        return (self._last_forward is not None
                and now - self._last_forward <= self.timing.command_hold_s)

    def step(self, dt: float, now: float) -> Pose2D:
        """Advance by dt seconds (ending at ``now``); samples odometry on its own clock."""
        if self._last_forward is not None and not self.commanded_recently(now):
            self._body.command(Twist2D(), now)  # the hold ran out: the GO2 stops
            self._last_forward = None
        pose = self._body.step(dt, now)
        self._sample(now)
        return pose

    # ---- odometry -------------------------------------------------------------------------
    def _sample(self, now: float) -> None:
        """Take the odometry samples due by ``now``, leaving out those inside a gap.

        Gaps are placed on the samples' own clock, each followed by at least one sample: the
        longest silence is one period plus ``odom_gap_s`` however late the steps come (two
        gaps in a row would otherwise make one of twice the length, past what the model
        says and what ``odom_timeout_s`` allows).
        """
        t = self.timing
        period = 1.0 / t.odom_rate_hz
        if self._next_sample is None:
            self._next_sample = now
            self._next_gap = now + self._rng.expovariate(1.0 / GAP_EVERY_S)
        while now >= self._next_sample:
            due = self._next_sample
            if t.odom_gap_s > 0.0 and self._next_gap is not None and due >= self._next_gap:
                self._gap_until = due + t.odom_gap_s
                self._next_gap = (self._gap_until + period
                                  + self._rng.expovariate(1.0 / GAP_EVERY_S))
            if due >= self._gap_until - 1e-9:  # the sample that ends the gap is sent
                self._queue.append((due + t.odom_latency_s, self.pose))
            self._next_sample += period

    def poll_odom(self, now: float) -> list[Pose2D]:
        """The odometry poses published by ``now`` since the last poll (oldest first)."""
        out = []
        while self._queue and self._queue[0][0] <= now:
            out.append(self._queue.popleft()[1])
        return out


def _without_timeout(limits: SimLimits) -> SimLimits:
    return SimLimits(limits.max_linear, limits.max_lateral, limits.max_angular,
                     limits.linear_accel, limits.angular_accel, math.inf)


def make_sim(config: SimConfig, start: Pose2D | None = None,
             seed: int = 0) -> UnicycleSim | Go2BridgeSim:
    """The simulator sim_robot's ``bridge_model`` asks for."""
    limits = SimLimits.from_config(config)
    if config.bridge_model == 'ideal':
        return UnicycleSim(limits, start)
    return Go2BridgeSim(limits, BridgeTiming.from_config(config), start, seed)
