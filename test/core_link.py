# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""A MissionLink to an agent core in this process: the mission interface without DDS.

``CoreLink`` runs ``AgentCore`` and the kinematic GO2 model on a thread at the control
rate, in real time, as mission_agent and sim_robot would: requests go into ``submit``, the
core's commands drive the model, its poses come back as odometry, and its statuses,
metrics, commands and diagnostics reach the link's listeners, as the ROS client would
deliver them. A tool that works against ``MissionLink`` (robot_test's runner) runs on it
unchanged.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from shadowhound_llm.common.contract import MissionRequest
from shadowhound_llm.common.mission_link import MissionLink
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.mission.agent import AgentCore
from shadowhound_llm.motion.sim_model import SimLimits, UnicycleSim

DIAG_PERIOD_S = 0.5


class CoreLink(MissionLink):
    """AgentCore + UnicycleSim on a thread, behind the MissionLink interface."""

    def __init__(self, config: AgentConfig, rate_hz: float = 50.0) -> None:
        super().__init__()
        self.core = AgentCore(config, notify=self._wake_loop)
        self.sim = UnicycleSim(SimLimits())
        self.dt = 1.0 / rate_hz
        self._core_lock = threading.Lock()  # the core is driven from one thread at a time
        self._woken = threading.Event()
        self._stop = threading.Event()
        self.cancels = 0
        with self._core_lock:
            self._deliver(self.core.start())
        self._thread = threading.Thread(target=self._loop, name='core-link', daemon=True)
        self._thread.start()

    # ---- the MissionLink transport ------------------------------------------------------
    def _publish_request(self, data: MissionRequest | str) -> None:
        text = data if isinstance(data, str) else data.to_json()
        with self._core_lock:
            self._deliver(self.core.submit(text, time.monotonic()))

    def _publish_cancel(self) -> None:
        self.cancels += 1
        with self._core_lock:
            self._deliver(self.core.cancel(time.monotonic()))

    def agent_count(self) -> int:
        return 0 if self._stop.is_set() else 1

    # ---- the agent and the robot --------------------------------------------------------
    def _wake_loop(self) -> None:
        self._woken.set()

    def _deliver(self, out: Any) -> None:
        if out is None:
            return
        now = time.monotonic()
        for cmd in out.cmds:
            self.sim.command(cmd, now)
            self.received_cmd(cmd.linear, cmd.lateral, cmd.angular)
        for status in out.statuses:
            self.received_status(status)
        for metrics in out.metrics:
            self.received_metrics(metrics)

    def _diagnostics(self, now: float) -> list[dict[str, Any]]:
        return [{'name': f'mission_agent: {s.task}', 'level': int(s.level),
                 'message': s.message, 'hardware_id': 'core-link',
                 'values': dict(s.values)} for s in self.core.diagnostics(now)]

    def _loop(self) -> None:
        last = time.monotonic()
        next_diag = last
        while not self._stop.is_set():
            self._woken.wait(self.dt)
            self._woken.clear()
            now = time.monotonic()
            pose = self.sim.step(now - last, now)
            last = now
            with self._core_lock:
                self._deliver(self.core.odom(pose, now))
                self._deliver(self.core.drain(now))
                self._deliver(self.core.tick(now))
                diagnostics = self._diagnostics(now) if now >= next_diag else None
            self.received_pose(pose)
            if diagnostics is not None:
                next_diag = now + DIAG_PERIOD_S
                self.received_diagnostics(diagnostics)

    def close(self) -> None:
        """Stop the loop and the core's workers."""
        self._stop.set()
        self._woken.set()
        self._thread.join(timeout=2.0)
        with self._core_lock:
            self._deliver(self.core.shutdown())
        self.core.close()
