# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The agent core closed around the kinematic GO2 model, on fake time (no ROS).

``CoreLoop`` drives ``AgentCore`` as the node does (submit, tick, drain, odom), with the
real LLM clients on their worker threads talking to a real HTTP server, and the robot
simulated by ``UnicycleSim``; it records what the robot would have been told and where it
went, so a test can check the limits over a whole mission in milliseconds. ``STATS`` holds
the suite's counters (written by the ``stats`` fixture of ``reliability.py``).
"""

from __future__ import annotations

import atexit
from collections import Counter
from dataclasses import dataclass, field, replace
import json
import math
import os
import threading
import time
from typing import Any
import uuid

from shadowhound_llm.common.contract import MissionStatus
from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.mission.agent import AgentCore
from shadowhound_llm.mission.events import AgentOutput, BackendState
from shadowhound_llm.motion.control import Twist2D
from shadowhound_llm.motion.sim_model import SimLimits, synthetic_frame, UnicycleSim


@dataclass
class SuiteStats:
    """What the suite did, for benchmarks/bench_reliability.py (written at session end)."""

    missions_sent: int = 0
    cmds_checked: int = 0
    invariant_violations: int = 0
    outputs_tried: int = 0
    faults: Counter = field(default_factory=Counter)
    guarded_tests: int = 0
    violations: list[str] = field(default_factory=list)

    def fault(self, name: str, count: int = 1) -> None:
        """Count an injected fault by kind."""
        self.faults[name] += count

    def as_dict(self) -> dict[str, Any]:
        """The counters as JSON-ready values."""
        return {'missions_sent': self.missions_sent, 'cmds_checked': self.cmds_checked,
                'invariant_violations': self.invariant_violations,
                'outputs_tried': self.outputs_tried,
                'faults_injected': sum(self.faults.values()), 'faults': dict(self.faults),
                'guarded_tests': self.guarded_tests, 'violations': self.violations[:50]}


STATS = SuiteStats()


def _write_stats() -> None:
    path = os.environ.get('SHADOWHOUND_RELIAB_STATS')
    if path:
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(STATS.as_dict(), f, indent=2)


atexit.register(_write_stats)


class CoreLoop:
    """AgentCore + UnicycleSim at ``dt`` steps of fake time; see the module docstring."""

    def __init__(self, config: AgentConfig, dt: float = 0.05, start: Pose2D | None = None,
                 camera: bool = True) -> None:
        self.config = config
        self.dt = dt
        self.wake = threading.Event()
        self.core = AgentCore(config, notify=self.wake.set)
        self.sim = UnicycleSim(SimLimits(), start or Pose2D())
        self.t = 1000.0
        self.camera = camera
        self._frame = synthetic_frame(self.sim.pose)
        self.cmds: list[tuple[float, Twist2D]] = []
        self.statuses: list[MissionStatus] = []
        self.logs: list[str] = []
        self.metrics: list[Any] = []
        self.max_radius = 0.0
        self.home = self.sim.pose
        self.exit_code: int | None = None
        self._collect(self.core.start())
        self.feed()

    # ---- plumbing -----------------------------------------------------------------------
    def _collect(self, out: AgentOutput | None) -> None:
        if out is None:
            return
        for cmd in out.cmds:
            self.cmds.append((self.t, cmd))
            self.sim.command(cmd, self.t)
        self.statuses += out.statuses
        self.metrics += out.metrics
        self.logs += [f'{line.level}: {line.text}' for line in out.logs]
        if out.exit_code is not None:
            self.exit_code = out.exit_code

    def feed(self) -> None:
        """Odometry (and a camera frame) as the robot would send them now."""
        if self.camera:
            self.core.frames.put(replace(self._frame, received=self.t))
        self._collect(self.core.odom(self.sim.pose, self.t))

    def step(self) -> None:
        """One control period: tick the core, move the model, feed odometry back."""
        self._collect(self.core.tick(self.t))
        for _ in range(5):
            self.t += self.dt / 5
            self.sim.step(self.dt / 5, self.t)
        pose = self.sim.pose
        self.max_radius = max(self.max_radius, self.home.distance_to(pose.x, pose.y))
        self.feed()

    def drain(self, wait_s: float = 0.0) -> None:
        """Handle what the worker threads posted (waiting up to ``wait_s`` real seconds)."""
        if wait_s and self.wake.wait(wait_s):
            self.wake.clear()
        self._collect(self.core.drain(self.t))

    def wait_backend(self, timeout: float = 10.0) -> BackendState:
        """Until backend validation ended (ready or failed)."""
        deadline = time.monotonic() + timeout
        while self.core.backend_state == BackendState.VALIDATING \
                and time.monotonic() < deadline:
            self.drain(0.02)
        return self.core.backend_state

    # ---- missions -----------------------------------------------------------------------
    def send(self, text: str, planner: str = 'auto', **extra: Any) -> str:
        """Submit a structured request; returns its id."""
        mission_id = uuid.uuid4().hex[:10]
        data = json.dumps({'text': text, 'id': mission_id, 'planner': planner, **extra})
        self._collect(self.core.submit(data, self.t))
        return mission_id

    def terminal(self, mission_id: str) -> MissionStatus | None:
        """The mission's terminal status, if it has ended."""
        return next((s for s in self.statuses if s.mission_id == mission_id and s.terminal),
                    None)

    def run(self, text: str, planner: str = 'auto', max_sim_s: float = 300.0,
            max_real_s: float = 60.0, **extra: Any) -> MissionStatus:
        """Send one mission and step until it ends; AssertionError if it never does."""
        mission_id = self.send(text, planner, **extra)
        return self.until_terminal(mission_id, max_sim_s, max_real_s)

    def until_terminal(self, mission_id: str, max_sim_s: float = 300.0,
                       max_real_s: float = 60.0) -> MissionStatus:
        """Step until the mission ends."""
        end_t, deadline = self.t + max_sim_s, time.monotonic() + max_real_s
        while True:
            self.drain(0.01 if self.core._jobs else 0.0)
            final = self.terminal(mission_id)
            if final is not None:
                return final
            assert self.t < end_t and time.monotonic() < deadline, \
                f'mission {mission_id} did not end: {[s.message for s in self.statuses][-3:]}'
            self.step()

    def settle(self, seconds: float = 2.0) -> None:
        """Step with no mission for a while (the model brakes to rest)."""
        for _ in range(int(seconds / self.dt)):
            self.step()

    # ---- checks -------------------------------------------------------------------------
    def limit_problems(self) -> list[str]:
        """Commands over the limits, clamps, a robot outside the geofence or still moving."""
        cfg = self.config
        out = []
        for t, c in self.cmds:
            planar = math.hypot(c.linear, c.lateral)
            if not (planar <= cfg.max_linear_speed + 1e-9
                    and abs(c.angular) <= cfg.max_angular_speed + 1e-9):
                out.append(f'cmd_vel {c} at t={t:.2f} over the limits')
        if self.core.governor.clamp_count:
            out.append(f'{self.core.governor.clamp_count} command(s) clamped by the governor')
        if self.max_radius > cfg.max_goto_radius_m + 0.1:
            out.append(f'robot went {self.max_radius:.2f} m from home')
        if self.cmds and not self.cmds[-1][1].is_zero() and not self.core.runner.busy:
            out.append(f'last command {self.cmds[-1][1]} is not a stop')
        return out

    def close(self) -> None:
        """Stop the worker threads and the backends."""
        self.core.close()

    def __enter__(self) -> 'CoreLoop':
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
