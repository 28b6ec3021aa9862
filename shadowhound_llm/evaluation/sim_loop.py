# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The agent core closed around a simulated bridge on fake time (no ROS, no LLM).

``SimLoop`` drives ``AgentCore`` as the mission_agent node does (submit, tick, odom) against
either simulator of sim_robot (``ideal`` or ``go2``, see ``motion.bridge_model``): every
command the agent publishes goes to the simulator, every odometry message the simulator's
bridge publishes goes to the agent when it is published. Used by benchmarks/bench_bridge.py
and the tests to measure accuracy, durations and stops against the simulator's ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import json
import math
from typing import Any
import uuid

from ..common.contract import MissionStatus
from ..common.geometry import Pose2D
from ..common.params import AgentConfig, SimConfig
from ..mission.agent import AgentCore
from ..mission.events import AgentOutput
from ..motion.bridge_model import Go2BridgeSim, make_sim
from ..motion.control import Twist2D

STATIONARY_MPS = 0.01  # ground-truth speed under which the robot counts as stationary
STATIONARY_RADPS = 0.02


@dataclass
class StopResult:
    """A stop during a walk: when the robot came to rest and how far it went after the stop."""

    speed_at_stop_mps: float
    stationary_after_s: float
    travel_after_stop_m: float


class SimLoop:
    """AgentCore + a simulated bridge at ``dt`` steps of fake time (backend none)."""

    def __init__(self, config: AgentConfig | None = None, sim: SimConfig | None = None,
                 dt: float | None = None, seed: int = 0, **agent: Any) -> None:
        base = config or AgentConfig(backend='none')
        self.config = base.replaced(**agent) if agent else base
        self.sim_config = sim or SimConfig()
        self.dt = dt or 1.0 / self.config.control_rate_hz
        self.sim = make_sim(self.sim_config, Pose2D(), seed)
        self.core = AgentCore(self.config)
        self.t = 1000.0
        self.cmds: list[tuple[float, Twist2D]] = []
        self.statuses: list[MissionStatus] = []
        self.status_times: dict[int, float] = {}  # id(status) -> fake time it was produced
        self.trace: list[tuple[float, Pose2D, Twist2D]] = []  # ground truth each sim step
        self.publish_odom = True
        self._collect(self.core.start())
        self._deliver()

    def _collect(self, out: AgentOutput | None) -> None:
        if out is None:
            return
        for cmd in out.cmds:
            self.cmds.append((self.t, cmd))
            self.sim.command(cmd, self.t)
        self.statuses += out.statuses
        for status in out.statuses:
            self.status_times[id(status)] = self.t

    def _deliver(self) -> None:
        if isinstance(self.sim, Go2BridgeSim):
            poses = self.sim.poll_odom(self.t)
        else:
            poses = [self.sim.pose]
        for pose in poses if self.publish_odom else []:
            self._collect(self.core.odom(pose, self.t))

    def step(self) -> None:
        """One control period: tick the agent, then move the robot in five sub-steps."""
        self._collect(self.core.tick(self.t))
        for _ in range(5):
            self.t += self.dt / 5
            self.sim.step(self.dt / 5, self.t)
            self.trace.append((self.t, self.sim.pose, self.sim.velocity))
            self._deliver()

    def send(self, text: str, **extra: Any) -> str:
        """Submit a structured request (rules planner); returns its id."""
        mission_id = uuid.uuid4().hex[:10]
        data = json.dumps({'text': text, 'id': mission_id, 'planner': 'rules', **extra})
        self._collect(self.core.submit(data, self.t))
        return mission_id

    def terminal(self, mission_id: str) -> MissionStatus | None:
        """The mission's terminal status, if it ended."""
        return next((s for s in self.statuses if s.mission_id == mission_id and s.terminal),
                    None)

    def run(self, text: str, max_sim_s: float = 120.0) -> MissionStatus:
        """Send one mission and step until it ends (AssertionError if it never does)."""
        mission_id = self.send(text)
        end = self.t + max_sim_s
        while (final := self.terminal(mission_id)) is None:
            assert self.t < end, f'mission {text!r} did not end in {max_sim_s} s'
            self.step()
        return final

    def settle(self, seconds: float = 3.0) -> None:
        """Step with no mission while the robot comes to rest."""
        for _ in range(int(round(seconds / self.dt))):
            self.step()

    def stop_during_walk(self, walk_s: float = 3.0, text: str = 'stop') -> StopResult:
        """Walk forward at cruise speed, send ``text`` after ``walk_s``, watch the robot stop."""
        while not self.core.has_odom:  # the first odometry, however late
            self.step()
        self.send('move forward 4 meters')
        for _ in range(int(round(walk_s / self.dt))):
            self.step()
        speed, start = abs(self.sim.velocity.linear), self.sim.pose
        t_stop, mark = self.t, len(self.trace)
        self._collect(self.core.submit(json.dumps({'text': text, 'planner': 'rules'}), self.t))
        self.settle(4.0)
        moving_until = t_stop
        for t, _, v in self.trace[mark:]:
            if (math.hypot(v.linear, v.lateral) > STATIONARY_MPS
                    or abs(v.angular) > STATIONARY_RADPS):
                moving_until = t
        end = self.sim.pose
        return StopResult(speed, moving_until - t_stop, start.distance_to(end.x, end.y))


def with_sim(sim: SimConfig | None = None, **changes: Any) -> SimConfig:
    """A SimConfig with some values changed."""
    return replace(sim or SimConfig(), **changes)
