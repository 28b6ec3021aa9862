# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The robot's pose now, from late odometry and the commands sent since it was measured.

A GO2 bridge may publish odometry hundreds of milliseconds (reports say up to 2-3 s) after
the robot was there, stamped when it is sent. Steering on that pose overshoots every goal by
the distance walked during the delay. ``PoseEstimator`` keeps the commands it was told about
and returns the latest odometry pose advanced by the commanded motion from the moment that
pose was measured (receipt time minus the delay) until now: dead reckoning across the delay
only, anchored again by every odometry message.

The delay is measured each time the robot starts from rest: over the first few centimetres,
the path length the odometry reports is matched against the path length commanded, and the
time shift between the two is the delay (median of the recent samples). Only the start is
used: later, a robot slower than commanded (a slope, a speed limit) would look like a longer
delay and the estimate would run ahead of it; and a sample needs odometry progress, so a robot
that does not move never lengthens the delay. Until the first measurement ``latency_s`` is
used. The dead-reckoned advance is bounded by what was commanded over the delay only.
"""

from __future__ import annotations

from collections import deque
import math
import statistics

from ..common.geometry import Pose2D, wrap_angle
from .control import Twist2D

TURN_RADIUS_M = 0.3  # metres of path counted per radian turned (in-place turns move too)
MAX_LATENCY_S = 5.0  # a measured delay is never taken above this
SAMPLES = 15  # delay samples in the median
MIN_PROGRESS_M = 0.01  # odometry progress between two delay samples
ONSET_M = 0.15  # delay samples only over the first centimetres of a motion from rest
HISTORY_S = MAX_LATENCY_S + 2.0
# How fast the delay in use follows a new measurement (s of delay per s): a jump from the
# configured delay to a measured one 2 s longer would move the estimate by metres at once
# (and look like an odometry jump); at this rate it moves at most 0.1 m per 50 ms tick.
LATENCY_SLEW = 4.0
# A new delay that moves the estimate further than this at once is a surprise: the robot may
# already be past its goal, which the slew would sweep through. The agent stops the step.
SURPRISE_M = 0.25


class PoseEstimator:
    """Latest odometry advanced by the commands since it was measured; see the module doc."""

    def __init__(self, latency_s: float = 0.0) -> None:
        self.configured_latency_s = latency_s
        self._cmds: deque[tuple[float, Twist2D]] = deque()  # (time, command from then on)
        self._path: deque[tuple[float, float]] = deque()  # (time, commanded path length)
        self._odom: tuple[Pose2D, float] | None = None  # pose, receipt time
        self._odom_path = 0.0  # path length the odometry has shown
        self._anchor: tuple[float, float] | None = None  # (commanded, odometry) path at start
        self._last_sample_path = -math.inf
        self._samples: deque[float] = deque(maxlen=SAMPLES)
        self._quiet_since: float | None = 0.0
        self._in_use: float | None = None  # the delay the estimate uses, slewing to latency_s
        self._last_estimate: float | None = None
        self.surprise: str = ''  # set when a measured delay moves the estimate by metres

    @property
    def measured_latency_s(self) -> float | None:
        """The measured odometry delay (s), or None before it could be measured."""
        return statistics.median(self._samples) if len(self._samples) >= 2 else None

    @property
    def latency_s(self) -> float:
        """The delay the estimate uses: measured when known, else the configured one."""
        measured = self.measured_latency_s
        return self.configured_latency_s if measured is None else measured

    # ---- inputs ---------------------------------------------------------------------------
    def command(self, cmd: Twist2D, now: float) -> None:
        """A velocity command as published (governed)."""
        path = self._path_at(now)
        moving = not cmd.is_zero()
        if moving and self._quiet_since is not None:
            # Starting from rest: anchor the two path lengths if the odometry had time to
            # show the robot at rest too.
            rested = now - self._quiet_since > self.latency_s + 0.3
            self._anchor = (path, self._odom_path) if rested and self._odom else None
            self._last_sample_path = -math.inf
            self._quiet_since = None
        elif not moving and self._quiet_since is None:
            self._quiet_since = now
        self._cmds.append((now, cmd))
        self._path.append((now, path))
        while self._cmds and self._cmds[0][0] < now - HISTORY_S and len(self._cmds) > 1:
            self._cmds.popleft()
            self._path.popleft()

    def odom(self, pose: Pose2D, now: float) -> None:
        """An odometry pose received at ``now``."""
        if self._odom is not None:
            last = self._odom[0]
            self._odom_path += (last.distance_to(pose.x, pose.y)
                                + TURN_RADIUS_M * abs(wrap_angle(pose.yaw - last.yaw)))
        self._odom = (pose, now)
        self._sample_latency(now)

    # ---- output ---------------------------------------------------------------------------
    def estimate(self, now: float) -> Pose2D | None:
        """The pose now (None before the first odometry)."""
        if self._odom is None:
            return None
        pose, received = self._odom
        target = self.latency_s
        if self._in_use is None or self._last_estimate is None:
            self._in_use = target
        else:
            step = LATENCY_SLEW * max(0.0, now - self._last_estimate)
            self._in_use += max(-step, min(step, target - self._in_use))
        self._last_estimate = now
        return self._advance(pose, received - self._in_use, now)

    # ---- internals ------------------------------------------------------------------------
    def _path_at(self, t: float) -> float:
        if not self._path:
            return 0.0
        t0, p0 = self._path[-1]
        c = self._cmds[-1][1]
        return p0 + _rate(c) * max(0.0, t - t0)

    def _advance(self, pose: Pose2D, start: float, end: float) -> Pose2D:
        """``pose`` (measured at ``start``) moved by the commands in force until ``end``."""
        x, y, yaw = pose.x, pose.y, pose.yaw
        cmds = list(self._cmds)
        for k, (t_k, cmd) in enumerate(cmds):
            seg_start = max(t_k, start)
            seg_end = min(cmds[k + 1][0] if k + 1 < len(cmds) else end, end)
            dt = seg_end - seg_start
            if dt <= 0.0 or cmd.is_zero():
                continue
            heading = yaw + 0.5 * cmd.angular * dt
            c, s = math.cos(heading), math.sin(heading)
            x += (cmd.linear * c - cmd.lateral * s) * dt
            y += (cmd.linear * s + cmd.lateral * c) * dt
            yaw = wrap_angle(yaw + cmd.angular * dt)
        return Pose2D(x, y, yaw)

    def settle(self) -> None:
        """Use the measured delay at once (after a stop: no motion to sweep through)."""
        self._in_use = self.latency_s
        self.surprise = ''

    def _check_surprise(self, now: float) -> None:
        if self._odom is None or self._in_use is None:
            return
        pose, received = self._odom
        old = self._advance(pose, received - self._in_use, now)
        new = self._advance(pose, received - self.latency_s, now)
        shift = old.distance_to(new.x, new.y) + TURN_RADIUS_M * abs(wrap_angle(new.yaw
                                                                                 - old.yaw))
        if shift > SURPRISE_M:
            self.surprise = (f'odometry arrives {self.latency_s:.1f} s late, not the '
                             f'{self._in_use:.1f} s assumed (odom_latency_s): the robot is '
                             f'about {shift:.2f} m further than estimated and may be past its '
                             f'goal; set odom_latency_s to {self.latency_s:.1f} and send the '
                             f'mission again')

    def _sample_latency(self, now: float) -> None:
        if self._anchor is None or not self._path:
            return
        observed = self._odom_path - self._anchor[1]
        if observed > ONSET_M:
            self._anchor = None  # later, a robot slower than commanded would look late
            return
        if observed - self._last_sample_path < MIN_PROGRESS_M or observed < MIN_PROGRESS_M:
            return
        target = self._anchor[0] + observed
        # The time the commanded path reached what the odometry shows now.
        points = list(self._path)
        for (t0, p0), (t1, p1) in zip(points, points[1:] + [(now, self._path_at(now))],
                                      strict=False):
            if p0 <= target <= p1 and p1 > p0:
                reached = t0 + (target - p0) / (p1 - p0) * (t1 - t0)
                delay = now - reached
                if 0.0 <= delay <= MAX_LATENCY_S:
                    self._samples.append(delay)
                    self._last_sample_path = observed
                    self._check_surprise(now)
                return


def _rate(cmd: Twist2D) -> float:
    """Path length per second of a command."""
    return math.hypot(cmd.linear, cmd.lateral) + TURN_RADIUS_M * abs(cmd.angular)
