# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The reliability suite's observer and fixtures: invariants checked on the real topics.

``InvariantMonitor`` is a ROS node beside the harness. It hears what the robot would hear
(``cmd_vel`` with each message's publication time, ``mission_status``, ``mission_command``
and ``/parameter_events`` for the limits in force) and checks, for every test that uses the
``guarded`` fixture:

1. no ``cmd_vel`` exceeds ``max_linear_speed`` (planar |(x, y)|) or ``max_angular_speed``
   as set at the moment it was published, ever; nothing non-finite;
2. every mission received ends in exactly one terminal state, with a message, and nothing
   follows it; none is dropped (every ``mission_command`` message has its mission);
3. every mission that executed ends with a zero Twist published after its last motion
   command and by its terminal status,
   no non-zero Twist is published while no mission executes, and the last one is zero;
4. after the test the agent is alive and a new mission succeeds; a shutdown stops the robot.

Use the fixtures in a test module with ``guarded, stats = reliability.guarded, reliability.stats``.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import threading
import time
from typing import Any, Callable
import uuid

from core_loop import STATS
import pytest

rclpy = pytest.importorskip('rclpy', reason='ROS 2 (rclpy) is not installed')

from geometry_msgs.msg import Twist  # noqa: E402
from rcl_interfaces.msg import ParameterEvent  # noqa: E402
from rclpy.node import Node  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.parameter_client import AsyncParameterClient  # noqa: E402
from rclpy.qos import (  # noqa: E402
    DurabilityPolicy,
    HistoryPolicy,
    qos_profile_parameter_events,
    QoSProfile,
    ReliabilityPolicy,
)
from std_msgs.msg import String  # noqa: E402

from shadowhound_llm.common.contract import MissionRequest, MissionStatus  # noqa: E402
from shadowhound_llm.motion.control import Twist2D  # noqa: E402
from shadowhound_llm.nodes import conversions as conv  # noqa: E402
from shadowhound_llm.nodes.ros_common import CMD_VEL_QOS  # noqa: E402

# A limit change is applied in the agent's parameter callback, and announced on
# /parameter_events right after: around a change both limits are allowed.
LIMIT_CHANGE_SLACK_S = 0.25
# The agent publishes an output's commands at once and its statuses at the next executor
# turn: the stop goes out before the terminal status, a turn later (milliseconds, more on a
# loaded host). A status's commands may also go out just after it (a tick, then the flush).
ZERO_BEFORE_TERMINAL_S = 0.05
# Deep enough that a flood of statuses is never overwritten before this node reads it.
DEEP_RELIABLE = QoSProfile(depth=10000, history=HistoryPolicy.KEEP_LAST,
                           reliability=ReliabilityPolicy.RELIABLE,
                           durability=DurabilityPolicy.TRANSIENT_LOCAL)
DEEP_COMMANDS = QoSProfile(depth=10000, reliability=ReliabilityPolicy.RELIABLE)
TERMINAL = ('succeeded', 'failed', 'cancelled', 'rejected')




@dataclass(frozen=True)
class SeenCmd:
    source_ns: int
    received: float  # monotonic
    twist: Twist2D


@dataclass(frozen=True)
class SeenStatus:
    source_ns: int
    status: MissionStatus


class InvariantMonitor(Node):
    """Watches the agent's topics; ``violations()`` lists every broken invariant."""

    def __init__(self, max_linear: float, max_angular: float,
                 agent_node: str = '/mission_agent') -> None:
        super().__init__(f'invariant_monitor_{uuid.uuid4().hex[:6]}')
        self.agent_node = agent_node
        self.lock = threading.Condition()
        self.cmds: list[SeenCmd] = []
        self.statuses: list[SeenStatus] = []
        self.commands: list[str] = []
        # (time in ns from which it holds, max_linear, max_angular)
        self.limits: list[tuple[int, float, float]] = [(0, max_linear, max_angular)]
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)
        self.create_subscription(String, 'mission_status', self._on_status, DEEP_RELIABLE)
        self.create_subscription(String, 'mission_command', self._on_command, DEEP_COMMANDS)
        self.create_subscription(ParameterEvent, '/parameter_events', self._on_params,
                                 qos_profile_parameter_events)

    # ---- callbacks ----------------------------------------------------------------------
    def _on_cmd(self, msg: Twist, info: Any) -> None:
        seen = SeenCmd(int(info['source_timestamp']), time.monotonic(),
                       conv.twist_from_msg(msg))
        with self.lock:
            self.cmds.append(seen)
            self.lock.notify_all()

    def _on_status(self, msg: String, info: Any) -> None:
        status = MissionStatus.from_json(msg.data)
        with self.lock:
            self.statuses.append(SeenStatus(int(info['source_timestamp']), status))
            self.lock.notify_all()

    def _on_command(self, msg: String) -> None:
        with self.lock:
            self.commands.append(msg.data)

    def _on_params(self, event: ParameterEvent) -> None:
        if event.node != self.agent_node:
            return
        values = {p.name: p.value.double_value for p in event.changed_parameters
                  if p.name in ('max_linear_speed', 'max_angular_speed')}
        if not values:
            return
        stamp = event.stamp.sec * 1_000_000_000 + event.stamp.nanosec
        with self.lock:
            _, lin, ang = self.limits[-1]
            self.limits.append((stamp, values.get('max_linear_speed', lin),
                                values.get('max_angular_speed', ang)))

    # ---- queries ------------------------------------------------------------------------
    def wait(self, predicate: Callable[[], Any], timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                value = predicate()
                if value or time.monotonic() >= deadline:
                    return value
                self.lock.wait(0.05)

    def terminal_of(self, mission_id: str) -> MissionStatus | None:
        """The mission's terminal status as this node heard it (its queue is deep)."""
        with self.lock:
            return next((s.status for s in self.statuses if s.status.mission_id == mission_id
                         and s.status.state.value in TERMINAL), None)

    def open_missions(self) -> list[str]:
        """Missions received that have no terminal status yet."""
        with self.lock:
            seen = {}
            for s in self.statuses:
                seen.setdefault(s.status.mission_id, False)
                if s.status.state.value in TERMINAL:
                    seen[s.status.mission_id] = True
        return [mid for mid, done in seen.items() if not done]

    def allowed(self, source_ns: int) -> tuple[float, float]:
        """The most permissive limits in force within the slack around a publication time."""
        slack = int(LIMIT_CHANGE_SLACK_S * 1e9)
        lin = ang = 0.0
        with self.lock:
            spans = list(self.limits)
        for i, (start, max_lin, max_ang) in enumerate(spans):
            end = spans[i + 1][0] if i + 1 < len(spans) else math.inf
            if start - slack <= source_ns <= end + slack:
                lin, ang = max(lin, max_lin), max(ang, max_ang)
        return lin, ang

    def violations(self) -> list[str]:
        """Every broken invariant (1-3) seen so far, as sentences."""
        with self.lock:
            cmds, statuses = list(self.cmds), list(self.statuses)
            commands = len(self.commands)
        out = self._speed_violations(cmds)
        out += self._mission_violations(statuses, commands)
        out += self._stop_violations(cmds, statuses)
        return out

    def _speed_violations(self, cmds: list[SeenCmd]) -> list[str]:
        out = []
        for c in cmds:
            t = c.twist
            if not all(math.isfinite(v) for v in (t.linear, t.angular, t.lateral)):
                out.append(f'non-finite cmd_vel {t}')
                continue
            lin, ang = self.allowed(c.source_ns)
            planar = math.hypot(t.linear, t.lateral)
            if planar > lin + 1e-9 or abs(t.angular) > ang + 1e-9:
                out.append(f'cmd_vel {planar:.3f} m/s, {t.angular:.3f} rad/s over the limits '
                           f'{lin:g} m/s, {ang:g} rad/s in force')
        return out

    @staticmethod
    def _mission_violations(statuses: list[SeenStatus], commands: int) -> list[str]:
        out = []
        by_id: dict[str, list[MissionStatus]] = {}
        for s in statuses:
            by_id.setdefault(s.status.mission_id, []).append(s.status)
        received = sum(1 for s in statuses if s.status.state.value == 'received')
        if received != commands:
            out.append(f'{commands} mission_command message(s) but {received} received '
                       f'status(es): missions dropped or invented')
        for mission_id, seq in by_id.items():
            states = [s.state.value for s in seq]
            terminals = [s for s in seq if s.state.value in TERMINAL]
            if states[0] != 'received' or states.count('received') != 1:
                out.append(f'mission {mission_id}: statuses {states} do not start with one '
                           f'received')
            if len(terminals) != 1:
                out.append(f'mission {mission_id}: {len(terminals)} terminal statuses {states}')
            elif seq[-1] is not terminals[0]:
                out.append(f'mission {mission_id}: statuses after its terminal one: {states}')
            for t in terminals:
                if not t.message.strip():
                    out.append(f'mission {mission_id}: terminal {t.state.value} without a '
                               f'message')
        return out

    @staticmethod
    def _stop_violations(cmds: list[SeenCmd], statuses: list[SeenStatus]) -> list[str]:
        out = []
        windows: dict[str, list[float]] = {}
        for s in statuses:
            state = s.status.state.value
            if state == 'executing':
                # From when the agent made the status (its stamp, in the tick whose command
                # goes out at once) or published it, whichever is first: the status itself
                # is published an executor turn later, more on a loaded host.
                made = int(s.status.stamp * 1e9)
                windows.setdefault(s.status.mission_id, [min(s.source_ns, made), math.inf])
            elif state in TERMINAL and s.status.mission_id in windows:
                windows[s.status.mission_id][1] = s.source_ns
        slack = ZERO_BEFORE_TERMINAL_S * 1e9
        zeros = [c.source_ns for c in cmds if c.twist.is_zero()]
        moving = [c.source_ns for c in cmds if not c.twist.is_zero()]
        for mission_id, (start, end) in windows.items():
            if end == math.inf:
                continue
            # The mission's last command is a stop: a zero with its terminal status, or a
            # zero after its last non-zero command (for a mission that never moved, after it
            # began) and by its terminal status, flushed late. A mission preempted by another
            # is judged by the first: the next one's motion can go out before the
            # preempted one's terminal status.
            last_move = max((m for m in moving if start - slack <= m <= end),
                            default=start - slack)
            if not any(end - slack <= z <= end + slack or last_move <= z <= end + slack
                       for z in zeros):
                out.append(f'mission {mission_id} ended without a zero Twist after its last '
                           f'motion command and by its terminal status')
        for c in cmds:
            if c.twist.is_zero():
                continue
            if not any(start - slack <= c.source_ns <= end for start, end in windows.values()):
                out.append(f'non-zero cmd_vel {c.twist} published while no mission executed')
                break
        if cmds and not any(end == math.inf for _, end in windows.values()) \
                and not cmds[-1].twist.is_zero():
            out.append(f'the last cmd_vel is {cmds[-1].twist}, not a zero Twist')
        return out


def set_params(node: Node, target: str, timeout: float = 10.0,
               **values: Any) -> list[Any]:
    """Set parameters through the node's ROS service, as ``ros2 param set`` does.

    Returns the SetParametersResult list (``successful``, ``reason``) once it answered. The
    node must be spinning on another thread; its parameter client is kept for reuse.
    """
    clients = node.__dict__.setdefault('_reliab_param_clients', {})
    client = clients.get(target)
    if client is None:
        client = clients[target] = AsyncParameterClient(node, target)
    assert client.wait_for_services(timeout), f'{target} parameter services not found'
    future = client.set_parameters([Parameter(k, value=v) for k, v in values.items()])
    deadline = time.monotonic() + timeout
    while not future.done():
        assert time.monotonic() < deadline, 'set_parameters did not answer'
        time.sleep(0.005)
    return list(future.result().results)


def request(text: str, **fields_: Any) -> String:
    """A structured mission request with a fresh id."""
    return conv.request_msg(MissionRequest(text=text, id=fields_.pop('id', None)
                                           or uuid.uuid4().hex[:10], **fields_))


def finish(h: Any, liveness: bool = True) -> list[str]:
    """After a test: wait for open missions, check the node is alive, stop it, check it all."""
    mon: InvariantMonitor = h.monitor
    problems = []
    open_ = mon.wait(lambda: not mon.open_missions(), 30.0) or mon.open_missions()
    if open_ is not True and mon.open_missions():
        problems.append(f'missions never ended: {mon.open_missions()}')
    agent = h.agent
    if liveness and agent is not None and agent.exit_code is None:
        with_odom = h.sim is not None and h.sim.publish_odom and agent.core.has_odom
        text = 'turn left 5 degrees' if with_odom else 'move forward 0.1 m'
        mission_id = h.probe.client.send(text, dry_run=not with_odom)
        final = h.probe.client.wait_terminal(mission_id, 20.0)
        if final is None or final.state.value != 'succeeded':
            problems.append(f'invariant 4: the next mission did not succeed: '
                            f'{final.state.value + ": " + final.message if final else "timeout"}')
    if agent is not None:
        agent.shutdown_stop()
        if any(not c.twist.is_zero() for c in mon.cmds):
            if not mon.wait(lambda: mon.cmds and mon.cmds[-1].twist.is_zero(), 2.0):
                problems.append('invariant 3: no zero Twist after the agent shut down')
    mon.wait(lambda: not mon.open_missions(), 5.0)
    problems += mon.violations()
    STATS.guarded_tests += 1
    STATS.missions_sent += len(mon.commands)
    STATS.cmds_checked += len(mon.cmds)
    STATS.invariant_violations += len(problems)
    STATS.violations += problems
    return problems


@pytest.fixture(scope='session')
def stats():
    """The suite's counters (written as JSON to $SHADOWHOUND_RELIAB_STATS at exit)."""
    return STATS


@pytest.fixture
def guarded(make_harness, stats):
    """make_harness with an InvariantMonitor attached; invariants 1-4 checked afterwards."""
    made = []

    def factory(agent_params: dict[str, Any] | None = None,
                sim_params: dict[str, Any] | None = None, with_sim: bool = True,
                wait: bool = True, liveness: bool = True) -> Any:
        h = make_harness(agent_params, sim_params, with_sim, wait=False)
        cfg = h.agent.config
        h.monitor = InvariantMonitor(cfg.max_linear_speed, cfg.max_angular_speed)
        h.liveness = liveness
        h.executor.add_node(h.monitor)
        close = h.close

        def close_with_monitor() -> None:
            close()
            h.monitor.destroy_node()
        h.close = close_with_monitor
        made.append(h)
        if wait:
            h.wait_ready()
            assert h.probe.wait(lambda: h.probe.mission_pub.get_subscription_count() >= 2
                                and h.agent.status_pub.get_subscription_count() >= 2
                                and h.agent.cmd_pub.get_subscription_count() >= 2, 10.0), \
                'the invariant monitor did not match the agent'
        return h

    yield factory
    problems = []
    for h in made:
        problems += finish(h, h.liveness)
    assert not problems, 'invariants broken:\n' + '\n'.join(problems[:20])
