# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Every terminal mission_status that is not succeeded carries a machine-readable reason.

The agent core is driven as the node drives it (no ROS, fake time); each test provokes one
way a mission can end and checks the code a program would act on, beside the message a
person reads. A succeeded mission has no reason.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from shadowhound_llm.common.contract import DiagKey, MissionState, MissionStatus, Reason
from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.mission.agent import AgentCore
from shadowhound_llm.mission.events import BackendState


class Agent:
    """AgentCore without an LLM backend, with helpers to send and tick."""

    def __init__(self, **params: Any) -> None:
        config = AgentConfig(**{'backend': 'none', 'validate_on_startup': False, **params})
        self.core = AgentCore(config)
        self.core.start()
        self.now = 0.0
        self.statuses: list[MissionStatus] = []
        self.cmds: list[Any] = []

    def take(self, out: Any) -> None:
        if out is not None:
            self.statuses += out.statuses
            self.cmds += out.cmds

    def send(self, mission_id: str, text: str, **fields: Any) -> None:
        self.take(self.core.submit(json.dumps({'text': text, 'id': mission_id, **fields}),
                                   self.now))

    def odom(self, pose: Pose2D | None = None) -> None:
        self.take(self.core.odom(pose or Pose2D(), self.now))

    def tick(self, seconds: float, dt: float = 0.05, odom: bool = False) -> None:
        for _ in range(int(round(seconds / dt))):
            self.now += dt
            if odom:  # the robot stands still: fresh odometry, no progress
                self.odom()
            self.take(self.core.tick(self.now))

    def final(self, mission_id: str) -> MissionStatus:
        found = [s for s in self.statuses if s.mission_id == mission_id and s.terminal]
        assert len(found) == 1, f'{mission_id}: {[s.state.value for s in found]}'
        return found[0]

    def close(self) -> None:
        self.core.close()


@pytest.fixture
def agent():
    made: list[Agent] = []

    def factory(**params: Any) -> Agent:
        made.append(Agent(**params))
        return made[-1]
    yield factory
    for a in made:
        a.close()


def _ended(status: MissionStatus, state: MissionState, reason: Reason) -> None:
    assert status.state == state, status.message
    assert status.reason == reason.value, status.message
    assert status.message, 'the person still gets words'
    body = json.loads(status.to_json())
    assert body['reason'] == reason.value  # on the wire as a plain string


def test_rejections_are_coded(agent):
    a = agent(max_mission_chars=50)
    a.odom()
    a.take(a.core.submit('{"text": "go", "speed": 3}', a.now))
    malformed = next(s for s in a.statuses if s.terminal)
    _ended(malformed, MissionState.REJECTED, Reason.MALFORMED)
    a.send('empty', '   ')
    _ended(a.final('empty'), MissionState.REJECTED, Reason.EMPTY_TEXT)
    a.send('long', 'move forward ' * 10)
    _ended(a.final('long'), MissionState.REJECTED, Reason.TEXT_TOO_LONG)
    a.send('rules', 'dance like nobody is watching', planner='rules')
    _ended(a.final('rules'), MissionState.REJECTED, Reason.RULES_CANNOT_PARSE)
    a.send('nollm', 'dance like nobody is watching')
    _ended(a.final('nollm'), MissionState.REJECTED, Reason.NO_LLM)
    a.send('far', 'move forward 50 meters')
    _ended(a.final('far'), MissionState.REJECTED, Reason.ENVELOPE)


def test_llm_backend_states_are_coded(agent):
    # A real Ollama client pointed at a closed port: validating at first, then failed.
    a = agent(backend='ollama', ollama_host='127.0.0.1:9', validate_on_startup=True,
              llm_timeout_s=2.0)
    a.odom()
    a.send('early', 'dance like nobody is watching')
    _ended(a.final('early'), MissionState.REJECTED, Reason.LLM_VALIDATING)
    deadline = time.monotonic() + 20.0
    while a.core.backend_state == BackendState.VALIDATING and time.monotonic() < deadline:
        a.take(a.core.drain(a.now))
        time.sleep(0.02)
    assert a.core.backend_state == BackendState.FAILED
    a.send('broken', 'dance like nobody is watching')
    _ended(a.final('broken'), MissionState.REJECTED, Reason.LLM_UNUSABLE)


def test_cancellations_are_coded(agent):
    a = agent()
    a.odom()
    a.send('one', 'move forward 2 meters')
    a.tick(0.2, odom=True)
    a.send('two', 'move forward 2 meters')
    _ended(a.final('one'), MissionState.CANCELLED, Reason.PREEMPTED)
    a.tick(0.2, odom=True)
    a.send('halt', 'stop')
    _ended(a.final('two'), MissionState.CANCELLED, Reason.OPERATOR_STOP)
    assert a.final('halt').state == MissionState.SUCCEEDED and a.final('halt').reason is None
    a.send('three', 'move forward 2 meters')
    a.tick(0.2, odom=True)
    a.take(a.core.cancel(a.now))
    _ended(a.final('three'), MissionState.CANCELLED, Reason.MISSION_CANCEL)
    a.send('four', 'turn left 90 degrees')
    a.tick(0.2, odom=True)
    a.take(a.core.shutdown())
    _ended(a.final('four'), MissionState.CANCELLED, Reason.SHUTDOWN)
    assert a.cmds[-1].is_zero()


def test_faults_during_motion_are_coded(agent):
    a = agent(odom_timeout_s=0.5, stall_timeout_s=1.0, odom_wait_s=0.0)
    a.send('blind', 'move forward 1 meter')
    a.tick(0.2)
    _ended(a.final('blind'), MissionState.FAILED, Reason.NO_ODOM)
    a.odom()
    a.send('lost', 'move forward 1 meter')
    a.tick(1.0)  # odometry stops coming
    _ended(a.final('lost'), MissionState.FAILED, Reason.ODOM_LOST)
    a.odom()
    a.send('stuck', 'move forward 1 meter')
    a.tick(3.0, odom=True)  # odometry keeps coming, the robot does not move
    _ended(a.final('stuck'), MissionState.FAILED, Reason.STALLED)
    a.odom()
    a.send('jump', 'move forward 1 meter')
    a.tick(0.1, odom=True)
    a.odom(Pose2D(5.0, 0.0, 0.0))
    a.tick(0.05)
    _ended(a.final('jump'), MissionState.FAILED, Reason.ODOM_JUMP)
    assert a.cmds[-1].is_zero()


def test_timeout_and_camera_are_coded(agent):
    a = agent(max_mission_duration_s=10.0, stall_timeout_s=60.0, photo_timeout_s=0.5)
    a.odom()
    a.send('snap', 'take a photo')
    a.tick(1.0, odom=True)
    _ended(a.final('snap'), MissionState.FAILED, Reason.NO_CAMERA_FRAME)
    a.send('slow', 'move forward 1 meter')  # the robot never moves: the mission runs over
    a.tick(10.5, odom=True)
    _ended(a.final('slow'), MissionState.FAILED, Reason.TIMEOUT)


def test_success_has_no_reason_and_dry_run_neither(agent):
    a = agent()
    a.odom()
    a.send('dry', 'move forward 1 meter', dry_run=True)
    assert a.final('dry').state == MissionState.SUCCEEDED and a.final('dry').reason is None
    a.send('wait', 'wait 0.2 seconds')
    a.tick(0.5, odom=True)
    done = a.final('wait')
    assert done.state == MissionState.SUCCEEDED and done.reason is None
    assert json.loads(done.to_json())['reason'] is None
    # only terminal statuses carry a reason
    assert all(s.reason is None for s in a.statuses if not s.terminal)


def test_every_code_is_a_distinct_plain_string():
    codes = [r.value for r in Reason]
    assert len(set(codes)) == len(codes)
    assert all(c == c.lower() and ' ' not in c for c in codes)
    # a code from a newer agent is kept, not refused
    status = MissionStatus.from_json('{"mission_id": "x", "state": "failed", "text": "t", '
                                     '"reason": "battery_low"}')
    assert status.reason == 'battery_low'


def test_agent_diagnostics_read_a_frozen_snapshot_with_the_last_reason(agent):
    a = agent()
    a.odom()
    a.send('go', 'move forward 2 meters')
    a.tick(0.2, odom=True)
    during = a.core.snapshot(a.now)
    a.take(a.core.cancel(a.now))
    after = a.core.snapshot(a.now)
    assert during.running == 'go' and during.step == 1 and during.steps == 1
    assert after.running is None and after.last_reason == 'mission_cancel'
    with pytest.raises(AttributeError):
        during.running = None  # frozen: a task can keep it, nothing changes under it
    backend, mission = a.core.diagnostics(a.now)
    values = dict(mission.values)
    assert values[DiagKey.LAST_REASON] == 'mission_cancel'
    assert values[DiagKey.RUNNING] == 'none'
    assert dict(backend.values)[DiagKey.BACKEND_STATE] == 'none'
    assert float(values[DiagKey.MAX_LINEAR_MPS]) == a.core.config.max_linear_speed
