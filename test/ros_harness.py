# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""pytest plugin: real rclpy nodes (sim_robot, mission_agent, a probe) spinning in-process."""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable

import pytest

rclpy = pytest.importorskip('rclpy', reason='ROS 2 (rclpy) is not installed')

from geometry_msgs.msg import Twist  # noqa: E402
from rclpy._rclpy_pybind11 import RCLError  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.node import Node  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from std_msgs.msg import String  # noqa: E402

from shadowhound_llm.common.contract import TERMINAL_STATES  # noqa: E402
from shadowhound_llm.common.geometry import Pose2D  # noqa: E402
from shadowhound_llm.nodes import conversions as conv  # noqa: E402
from shadowhound_llm.nodes.mission_client import MissionClient  # noqa: E402
from shadowhound_llm.nodes.ros_common import CMD_VEL_QOS  # noqa: E402

TERMINAL = tuple(state.value for state in TERMINAL_STATES)


class Probe(Node):
    """The operator's side: the package's mission client, plus a cmd_vel recorder."""

    def __init__(self) -> None:
        super().__init__('test_probe')
        self.client = MissionClient(self, diagnostics=True)
        self.cond = self.client.cond
        self.cmds: list[tuple[float, float, float]] = []  # (monotonic, linear.x, angular.z)
        self.twists: list[tuple[float, Any]] = []  # (monotonic, Twist2D) with linear.y
        self.mission_pub = self.client.mission_pub
        self.cancel_pub = self.client.cancel_pub
        # RELIABLE like the GO2 bridge's twist_mux: proves cmd_vel reaches such a subscriber.
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)

    def _on_cmd(self, msg: Twist) -> None:
        now = time.monotonic()
        with self.cond:
            self.cmds.append((now, msg.linear.x, msg.angular.z))
            self.twists.append((now, conv.twist_from_msg(msg)))
            self.cond.notify_all()

    @property
    def pose(self) -> Pose2D | None:
        return self.client.pose

    @property
    def statuses(self) -> list[dict[str, Any]]:
        with self.cond:
            return [s.to_dict() for s in self.client.statuses]

    @property
    def metrics(self) -> list[tuple[float, dict[str, Any]]]:
        with self.cond:
            return [(t, m.to_dict()) for t, m in self.client.metrics]

    def wait(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """Wait until predicate() returns something truthy; return it (or None on timeout)."""
        return self.client.wait(predicate, timeout)

    def statuses_for(self, mission_id: str) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.client.statuses_for(mission_id)]


class Harness:
    """sim_robot + mission_agent + probe on one executor thread (as rclpy.spin would)."""

    def __init__(self, agent_params: dict[str, Any] | None = None,
                 sim_params: dict[str, Any] | None = None, with_sim: bool = True) -> None:
        from shadowhound_llm.nodes.mission_agent import MissionAgent
        from shadowhound_llm.nodes.sim_robot import SimRobot

        agent_params = {'backend': 'none', 'validate_on_startup': False, **(agent_params or {})}
        # These tests check the agent's ROS plumbing to the ideal simulator's precision
        # (a few mm); the go2 bridge's behaviour has its own tests (test_bridge_go2_ros.py).
        sim_params = {'bridge_model': 'ideal', **(sim_params or {})}
        self.sim = SimRobot(parameter_overrides=_params(sim_params)) if with_sim else None
        self.agent = MissionAgent(parameter_overrides=_params(agent_params))
        self.probe = Probe()
        self.executor = SingleThreadedExecutor()
        for node in self.nodes:
            self.executor.add_node(node)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()

    @property
    def nodes(self) -> list[Node]:
        return [n for n in (self.sim, self.agent, self.probe) if n is not None]

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Until discovery is done: the agent hears the probe and the sim, the probe the agent."""
        def ready() -> bool:
            linked = (self.probe.mission_pub.get_subscription_count() > 0
                      and self.agent.status_pub.get_subscription_count() > 0
                      and self.agent.cmd_pub.get_subscription_count() > 0)
            if self.sim is not None:
                linked = linked and self.agent.core.has_odom and self.probe.pose is not None
            return linked
        assert self.probe.wait(ready, timeout), 'ROS discovery did not complete'

    def send(self, text: str) -> None:
        self.probe.mission_pub.publish(String(data=text))

    def wait_state(self, text: str, states: tuple[str, ...], timeout: float,
                   after: int = 0) -> dict[str, Any] | None:
        """The first status for this text (from index `after`) whose state is in states."""
        def found() -> dict[str, Any] | None:
            for s in self.probe.statuses[after:]:
                if s['text'] == text and s['state'] in states:
                    return s
            return None
        return self.probe.wait(found, timeout)

    def run(self, text: str, timeout: float = 40.0) -> dict[str, Any]:
        """Send a mission and return its terminal status."""
        after = len(self.probe.statuses)
        self.send(text)
        final = self.wait_state(text, TERMINAL, timeout, after)
        assert final is not None, f'mission {text!r} did not finish within {timeout} s'
        return final

    def stopped(self, timeout: float = 1.0) -> bool:
        """True once the last cmd_vel the probe heard is a zero Twist.

        cmd_vel and mission_status are separate topics, so the probe may hear a terminal
        status a moment before the zero Twist the agent published ahead of it.
        """
        return bool(self.probe.wait(
            lambda: bool(self.probe.cmds) and self.probe.cmds[-1][1:] == (0.0, 0.0), timeout))

    def at_rest(self) -> bool:
        """The robot stands still and the probe's odometry says where it stands.

        At rest: the last cmd_vel the probe heard (if any) is a zero Twist, the simulator's
        ground-truth velocity is zero, and the latest odometry the probe received is the
        simulator's pose (odometry may arrive late, as the go2 bridge model delivers it).
        """
        if self.sim is None:
            return False
        pose, truth = self.probe.pose, self.sim.sim.pose
        with self.probe.cond:
            last = self.probe.cmds[-1][1:] if self.probe.cmds else (0.0, 0.0)
        velocity = self.sim.sim.velocity
        return (last == (0.0, 0.0) and pose is not None
                and (velocity.linear, velocity.angular, velocity.lateral) == (0.0, 0.0, 0.0)
                and pose.distance_to(truth.x, truth.y) < 1e-6
                and abs(math.remainder(pose.yaw - truth.yaw, math.tau)) < 1e-6)

    def settle(self, timeout: float = 10.0) -> Pose2D:
        """Wait for the robot to come to rest (``at_rest``) and return its odometry pose."""
        assert self.probe.wait(self.at_rest, timeout), \
            f'the robot did not come to rest within {timeout} s'
        assert self.probe.pose is not None
        return self.probe.pose

    def still_after(self, seconds: float) -> Pose2D:
        """Let ``seconds`` pass, then return the odometry pose.

        For checks that nothing moves a robot at rest again: the sleep is the check (no
        message is the event), not a wait on a condition; it spans many cmd_vel periods.
        """
        time.sleep(seconds)
        assert self.probe.pose is not None
        return self.probe.pose

    def close(self) -> None:
        # Stop spinning and join the thread before destroying nodes: destroying a node the
        # spin thread still waits on raises in that thread.
        self.executor.shutdown(timeout_sec=5.0)
        self.thread.join(timeout=5.0)
        for node in self.nodes:
            node.destroy_node()


# What rclpy raises when Fast DDS refuses a write (rmw_publish's words, as CI printed them).
REFUSAL = ('Failed to publish: cannot publish data, at /project/src/rmw_publish.cpp:68, '
           'at /project/src/rcl/publisher.c:285')


class Refusals:
    """A real publisher whose writes the DDS refuses, as Fast DDS does on a loaded host.

    rclpy raises RCLError "cannot publish data"; ``count`` writes are refused (None: until
    ``end``), the rest go out on the real publisher (``sent`` counts them).
    """

    def __init__(self, monkeypatch: Any, pub: Any, count: int | None = None) -> None:
        self.real = pub.publish
        self.left = count
        self.refused = 0
        self.sent = 0
        monkeypatch.setattr(pub, 'publish', self.publish)

    def publish(self, msg: Any) -> None:
        if self.left is None or self.left > 0:
            self.refused += 1
            if self.left is not None:
                self.left -= 1
            raise RCLError(REFUSAL)
        self.sent += 1
        self.real(msg)

    def end(self) -> None:
        self.left = 0


def _params(values: dict[str, Any]) -> list[Parameter]:
    return [Parameter(k, value=v) for k, v in values.items()]


@pytest.fixture(scope='session')
def ros_context():
    """One rclpy context for the whole test session."""
    rclpy.init()
    yield
    rclpy.try_shutdown()


@pytest.fixture
def make_harness(ros_context, tmp_path):
    """Build ready Harness objects on demand; they are closed after the test."""
    made: list[Harness] = []

    def factory(agent_params: dict[str, Any] | None = None,
                sim_params: dict[str, Any] | None = None, with_sim: bool = True,
                wait: bool = True) -> Harness:
        params = {'photo_dir': str(tmp_path / 'photos'), **(agent_params or {})}
        harness = Harness(params, sim_params, with_sim)
        made.append(harness)
        if wait:
            harness.wait_ready()
        return harness

    yield factory
    for harness in made:
        harness.close()
