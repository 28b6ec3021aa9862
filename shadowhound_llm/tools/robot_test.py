# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""robot_test: the robot test plan, sent to a running mission_agent, checked against odom.

Usage: ``python -m shadowhound_llm robot_test [--timeout S] [--plot FILE] [--json]``
(with ``--ros-args -r __ns:=/robot`` style remapping passed through to rclpy).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
import json
import math
import sys
import threading
import time
from typing import Any

from nav_msgs.msg import Odometry
import rclpy
from rclpy.node import Node
from std_msgs.msg import String

from ..geometry import Pose2D, wrap_angle, yaw_from_quaternion
from ..nodes.ros_common import COMMAND_QOS, SENSOR_QOS, spinning, STATUS_QOS


@dataclass(frozen=True)
class TestMission:
    """One mission of the robot test plan and the pose it should end at (None = no motion)."""

    text: str
    expected: Pose2D | None


# Poses assume the robot starts at the odom origin facing +x.
TEST_PLAN = (
    TestMission('Move forward 1 meter', Pose2D(1.0, 0.0, 0.0)),
    TestMission('Rotate 90 degrees to the left', Pose2D(1.0, 0.0, math.pi / 2)),
    TestMission('Move to coordinates x=2.0, y=1.0', Pose2D(2.0, 1.0, math.nan)),
    TestMission('Take a photo', None),
    TestMission('Return to starting position', Pose2D(0.0, 0.0, 0.0)),
)


@dataclass
class MissionResult:
    """What happened to one mission."""

    text: str
    state: str
    message: str
    pose: Pose2D | None
    seconds: float
    position_error_m: float | None = None
    yaw_error_deg: float | None = None
    statuses: list[dict[str, Any]] = field(default_factory=list)
    planner: str = ''

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {'text': self.text, 'state': self.state, 'message': self.message,
                'pose': self.pose.as_dict() if self.pose else None,
                'seconds': round(self.seconds, 2), 'position_error_m': self.position_error_m,
                'yaw_error_deg': self.yaw_error_deg, 'planner': self.planner}


class MissionClient(Node):
    """Sends missions and watches mission_status and odom."""

    def __init__(self, name: str = 'mission_client') -> None:
        super().__init__(name)
        self._lock = threading.Condition()
        self.statuses: list[dict[str, Any]] = []
        self.pose: Pose2D | None = None
        self.trajectory: list[tuple[float, float]] = []
        self.pub = self.create_publisher(String, 'mission_command', COMMAND_QOS)
        self.create_subscription(String, 'mission_status', self._on_status, STATUS_QOS)
        self.create_subscription(Odometry, 'odom', self._on_odom, SENSOR_QOS)

    def _on_status(self, msg: String) -> None:
        with self._lock:
            self.statuses.append(json.loads(msg.data))
            self._lock.notify_all()

    def _on_odom(self, msg: Odometry) -> None:
        p, q = msg.pose.pose.position, msg.pose.pose.orientation
        with self._lock:
            self.pose = Pose2D(p.x, p.y, yaw_from_quaternion(q.x, q.y, q.z, q.w))
            self.trajectory.append((p.x, p.y))
            self._lock.notify_all()

    def wait_for(self, predicate: Any, timeout: float) -> bool:
        """Block (another thread spins) until predicate() is true or the timeout passes."""
        with self._lock:
            return self._lock.wait_for(predicate, timeout)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until an agent subscribes to mission_command and odom is flowing."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pub.get_subscription_count() > 0 and self.pose is not None:
                return True
            time.sleep(0.05)
        return False

    def run(self, text: str, timeout: float) -> MissionResult:
        """Send one mission and wait for its terminal status."""
        with self._lock:
            first = len(self.statuses)
        start = time.monotonic()
        self.pub.publish(String(data=text))

        def ended() -> dict[str, Any] | None:
            ids = {s['mission_id'] for s in self.statuses[first:] if s['text'] == text}
            for s in self.statuses[first:]:
                if s['mission_id'] in ids and s['state'] in (
                        'succeeded', 'failed', 'cancelled', 'rejected'):
                    return s
            return None

        ok = self.wait_for(lambda: ended() is not None, timeout)
        seconds = time.monotonic() - start
        time.sleep(0.3)  # let the robot settle before reading the final pose
        with self._lock:
            final = ended() if ok else None
            mine = [s for s in self.statuses[first:] if final and
                    s['mission_id'] == final['mission_id']]
            pose = self.pose
        if final is None:
            return MissionResult(text, 'timeout', f'no final status within {timeout:.0f} s',
                                 pose, seconds)
        return MissionResult(text, final['state'], final['message'], pose, seconds,
                             statuses=mine, planner=str(final.get('planner', '')))


def score(result: MissionResult, expected: Pose2D | None, origin: Pose2D) -> None:
    """Fill in the pose errors against the expected pose (relative to the start pose)."""
    if expected is None or result.pose is None:
        return
    # Expected poses are relative to where the test plan started.
    c, s = math.cos(origin.yaw), math.sin(origin.yaw)
    ex = origin.x + c * expected.x - s * expected.y
    ey = origin.y + s * expected.x + c * expected.y
    result.position_error_m = round(result.pose.distance_to(ex, ey), 3)
    if not math.isnan(expected.yaw):
        err = wrap_angle(result.pose.yaw - (origin.yaw + expected.yaw))
        result.yaw_error_deg = round(math.degrees(abs(err)), 1)


def run_test_plan(client: MissionClient, timeout: float,
                  plan: tuple[TestMission, ...] = TEST_PLAN) -> list[MissionResult]:
    """Run every mission of the plan in order; the client must be spinning in a thread."""
    origin = client.pose or Pose2D()
    results = []
    for mission in plan:
        result = client.run(mission.text, timeout)
        score(result, mission.expected, origin)
        results.append(result)
    return results


def passed(result: MissionResult, position_tol: float = 0.05, yaw_tol_deg: float = 3.0) -> bool:
    """Succeeded and within tolerance of the expected pose."""
    return (result.state == 'succeeded'
            and (result.position_error_m is None or result.position_error_m <= position_tol)
            and (result.yaw_error_deg is None or result.yaw_error_deg <= yaw_tol_deg))


def format_table(results: list[MissionResult]) -> str:
    """The report as an aligned text table."""
    header = f'{"mission":36} {"state":10} {"final pose (x, y, yaw)":27} {"error":>15} {"s":>6}'
    lines = [header, '-' * len(header)]
    for r in results:
        pose = (f'({r.pose.x:6.3f}, {r.pose.y:6.3f}, {math.degrees(r.pose.yaw):6.1f} deg)'
                if r.pose else '-')
        err = []
        if r.position_error_m is not None:
            err.append(f'{r.position_error_m * 100:.1f} cm')
        if r.yaw_error_deg is not None:
            err.append(f'{r.yaw_error_deg:.1f} deg')
        mark = 'PASS' if passed(r) else 'FAIL'
        lines.append(f'{r.text[:36]:36} {r.state:10} {pose:27} {", ".join(err) or "-":>15} '
                     f'{r.seconds:6.1f}  {mark}')
        if r.state != 'succeeded':
            lines.append(f'    {r.message}')
    return '\n'.join(lines)


def plot_trajectory(trajectory: list[tuple[float, float]], results: list[MissionResult],
                    path: str) -> None:
    """Write a PNG of the odometry trajectory with each mission's end pose marked."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5))
    if trajectory:
        xs, ys = zip(*trajectory, strict=True)
        ax.plot(xs, ys, '-', color='tab:blue', label='odom trajectory')
        ax.plot(xs[0], ys[0], 'go', label='start')
    for i, r in enumerate(results, 1):
        if r.pose is not None:
            ax.plot(r.pose.x, r.pose.y, 'r^')
            ax.annotate(f'{i}', (r.pose.x, r.pose.y), textcoords='offset points',
                        xytext=(6, 6))
    ax.set_xlabel('x [m] (odom)')
    ax.set_ylabel('y [m] (odom)')
    ax.set_title('Robot test plan: trajectory and end of each mission')
    ax.axis('equal')
    ax.grid(True, alpha=0.3)
    ax.legend(loc='best')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(args: list[str] | None = None) -> int:
    """Entry point: run the test plan against whatever agent and robot are running."""
    argv = list(sys.argv[1:] if args is None else args)
    ros_args = argv[argv.index('--ros-args'):] if '--ros-args' in argv else []
    argv = argv[:len(argv) - len(ros_args)]
    parser = argparse.ArgumentParser(prog='robot_test', description=__doc__.splitlines()[0])
    parser.add_argument('--timeout', type=float, default=60.0, help='seconds per mission')
    parser.add_argument('--plot', default='', help='write the trajectory PNG here')
    parser.add_argument('--json', action='store_true', help='print results as JSON')
    opts = parser.parse_args(argv)
    rclpy.init(args=['robot_test'] + ros_args)
    client = MissionClient()
    try:
        with spinning(client):
            if not client.wait_ready(15.0):
                print('robot_test: no mission_agent subscribed to mission_command, or no odom, '
                      'within 15 s', file=sys.stderr)
                return 1
            results = run_test_plan(client, opts.timeout)
            if opts.json:
                print(json.dumps([r.as_dict() for r in results], indent=2))
            else:
                print(format_table(results))
            if opts.plot:
                plot_trajectory(client.trajectory, results, opts.plot)
            return 0 if all(passed(r) for r in results) else 1
    finally:
        client.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    raise SystemExit(main())
