# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Two robots, one LLM server: real nodes in namespaces robot1 and robot2, one Ollama double."""

import os
import subprocess
import sys
import threading

import pytest
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter

from shadowhound_llm.common.contract import MissionState
from shadowhound_llm.common.local_dds import local_dds_env
from shadowhound_llm.nodes.mission_client import MissionClient
from shadowhound_llm.planning.rules.planner import plan_from_rules
from shadowhound_llm.testing.ollama_double import OllamaDouble
from shadowhound_llm.tools.fleet import namespaced_command

pytestmark = pytest.mark.ros
ROBOTS = ('robot1', 'robot2')


def mission_text(body):
    return body['messages'][-1]['content'].removeprefix('Mission: ')


def rules_reply(body):
    """The double answers each mission with the plan the rule planner would make."""
    return plan_from_rules(mission_text(body)).to_json()


class Robot:
    """One robot's sim_robot + mission_agent, and an operator's client in its namespace."""

    def __init__(self, ns, ollama_url, photo_dir):
        from shadowhound_llm.nodes.mission_agent import MissionAgent
        from shadowhound_llm.nodes.sim_robot import SimRobot
        self.ns = ns
        self.sim = SimRobot(namespace=ns)
        self.agent = MissionAgent(namespace=ns, parameter_overrides=[
            Parameter('backend', value='ollama'), Parameter('ollama_host', value=ollama_url),
            Parameter('validate_on_startup', value=False),
            # sim_robot models the go2 bridge, which only stops on a go2 stop.
            Parameter('stop_mode', value='go2'),
            Parameter('photo_dir', value=str(photo_dir))])
        self.probe = Node('operator', namespace=ns)
        self.client = MissionClient(self.probe)

    @property
    def nodes(self):
        return (self.sim, self.agent, self.probe)

    def final(self, mission_id, timeout):
        return self.client.wait_terminal(mission_id, timeout)

    def state(self, mission_id):
        statuses = self.client.statuses_for(mission_id)
        return statuses[-1].state if statuses else None


@pytest.fixture
def fleet(ros_context, tmp_path):
    with OllamaDouble() as ollama:
        ollama.script.reply = rules_reply
        ollama.script.real_time = True
        ollama.script.tokens_per_s = 30.0
        robots = {ns: Robot(ns, ollama.url, tmp_path / ns) for ns in ROBOTS}
        executor = SingleThreadedExecutor()
        for robot in robots.values():
            for node in robot.nodes:
                executor.add_node(node)
        thread = threading.Thread(target=executor.spin, daemon=True)
        thread.start()
        try:
            for robot in robots.values():
                assert robot.client.wait_ready(15.0), f'{robot.ns} did not come up'
            yield ollama, robots
        finally:
            # The spin thread ends before the nodes go: destroying a node under a waiting
            # executor fails inside rclpy (a guard condition without a handle).
            executor.shutdown(timeout_sec=5.0)
            thread.join(timeout=5.0)
            for robot in robots.values():
                for node in robot.nodes:
                    node.destroy_node()


def test_missions_run_concurrently_and_end_at_the_right_robot(fleet):
    ollama, robots = fleet
    r1, r2 = robots['robot1'], robots['robot2']
    r1.client.send('move forward 0.4 m', 'r1-a', planner='llm')
    r2.client.send('move forward 0.7 m', 'r2-a', planner='llm')
    f1, f2 = r1.final('r1-a', 40.0), r2.final('r2-a', 40.0)
    assert f1 is not None and f2 is not None
    assert (f1.state, f2.state) == (MissionState.SUCCEEDED, MissionState.SUCCEEDED)
    assert f1.planner == f2.planner == 'ollama'
    assert f1.plan['actions'][0]['distance_m'] == 0.4
    assert f2.plan['actions'][0]['distance_m'] == 0.7
    assert r1.client.wait(lambda: r1.client.pose and abs(r1.client.pose.x - 0.4) < 0.06, 3)
    assert r2.client.wait(lambda: r2.client.pose and abs(r2.client.pose.x - 0.7) < 0.06, 3)
    # concurrently: each robot was executing before the other one finished
    started = {ns: next(s.stamp for s in robots[ns].client.statuses_for(mid)
                        if s.state == MissionState.EXECUTING)
               for ns, mid in (('robot1', 'r1-a'), ('robot2', 'r2-a'))}
    assert started['robot1'] < f2.stamp and started['robot2'] < f1.stamp
    # one server served both, and each robot's llm_metrics say which robot asked
    asked = {mission_text(body) for path, body in ollama.requests if path == '/api/chat'}
    assert {'move forward 0.4 m', 'move forward 0.7 m'} <= asked
    for ns, mid in (('robot1', 'r1-a'), ('robot2', 'r2-a')):
        metrics = [m for _, m in robots[ns].client.metrics]
        assert metrics and {m.robot for m in metrics} == {ns}
        assert any(m.mission_id == mid and m.ok for m in metrics)


@pytest.mark.parametrize('slow_ns', ROBOTS)
def test_neither_stop_waits_for_the_other_robots_planning(fleet, slow_ns):
    ollama, robots = fleet
    slow = robots[slow_ns]
    other = robots[next(ns for ns in ROBOTS if ns != slow_ns)]
    ollama.script.stall_s = 20.0  # the LLM answers nothing for 20 s
    slow.client.send('move forward 0.5 m', 'slow', planner='llm')
    assert slow.client.wait(lambda: slow.state('slow') == MissionState.PLANNING and any(
        mission_text(body) == 'move forward 0.5 m' for path, body in ollama.requests
        if path == '/api/chat'), 10.0), 'the slow robot never started planning'
    # the other robot moves and stops while the slow one still waits for the LLM
    other.client.send('move forward 0.2 m', 'quick', planner='rules')
    quick = other.final('quick', 10.0)
    assert quick is not None and quick.state == MissionState.SUCCEEDED
    stop_id = other.client.stop()
    stopped = other.final(stop_id, 2.0)
    assert stopped is not None and stopped.state == MissionState.SUCCEEDED
    assert slow.state('slow') == MissionState.PLANNING, 'the slow robot is still planning'
    # and the slow robot's own stop does not wait for its planning either
    slow.client.stop()
    cancelled = slow.final('slow', 3.0)
    assert cancelled is not None and cancelled.state == MissionState.CANCELLED
    assert abs(slow.client.pose.x) < 0.01, 'the slow robot never moved'


def test_namespaced_command_puts_the_node_in_the_namespace():
    cmd = namespaced_command('mission_agent', '/robot2/', {'backend': 'none'})
    assert cmd[cmd.index('--ros-args'):] == ['--ros-args', '-p', 'backend:=none', '-r',
                                             '__ns:=/robot2']
    bare = namespaced_command('sim_robot', 'robot1')
    assert bare[bare.index('--ros-args'):] == ['--ros-args', '-r', '__ns:=/robot1']


@pytest.mark.slow
def test_fleet_demo_two_robots_one_llm_server(tmp_path):
    """The fleet tool as processes: two robots plan through the same Ollama server."""
    with OllamaDouble() as ollama:
        ollama.script.reply = rules_reply
        proc = subprocess.run(
            [sys.executable, '-m', 'shadowhound_llm.tools.fleet', '--robots', '2',
             '--backend', 'ollama', '--host', ollama.url, '--planner', 'llm', '--out',
             str(tmp_path)], env=local_dds_env(int(os.environ['ROS_DOMAIN_ID'])),
            capture_output=True, text=True, timeout=180)
        asked = {mission_text(body) for path, body in ollama.requests if path == '/api/chat'}
    assert proc.returncode == 0, proc.stdout + proc.stderr + '\n'.join(
        p.read_text() for p in tmp_path.glob('*.log'))
    rows = {line.split()[0]: line for line in proc.stdout.splitlines()
            if line.startswith('robot') and 'succeeded' in line}
    assert set(rows) == {'robot1', 'robot2'}
    assert all(' ollama ' in row for row in rows.values())
    assert asked == {'Move forward 1 meter', 'Turn left 90 degrees'}
    assert 'result: 2/2 missions succeeded' in proc.stdout
