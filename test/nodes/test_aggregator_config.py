# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""config/diagnostic_aggregator.yaml: the documented analyzer schema, and every status matched.

The schema and the matching follow diagnostic_aggregator's documentation (README and
generic_analyzer.hpp of ros/diagnostics): the node is named ``analyzers``; top-level
parameters ``path``, ``pub_rate``, ``other_as_errors``; each analyzer has ``type`` and
``path`` and at least one match rule (``contains``, ``startswith``, ``name``, ``expected``,
``regex``; a string or a list of strings), optional ``remove_prefix`` /
``find_and_remove_prefix``, ``timeout``, ``num_items``, ``discard_stale``. A status the
analyzers do not match lands in the aggregator's "Other" group and goes stale after 5 s.
"""

from pathlib import Path
import re
import threading
import time

from diagnostic_msgs.msg import DiagnosticArray
import pytest
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'config' / 'diagnostic_aggregator.yaml'
TOP_LEVEL = {'path': str, 'pub_rate': float, 'other_as_errors': bool}
ANALYZER_TYPES = {'diagnostic_aggregator/GenericAnalyzer', 'diagnostic_aggregator/AnalyzerGroup',
                  'diagnostic_aggregator/DiscardAnalyzer', 'diagnostic_aggregator/IgnoreAnalyzer'}
MATCH_RULES = ('contains', 'startswith', 'name', 'expected', 'regex')
STRING_LISTS = MATCH_RULES + ('remove_prefix', 'find_and_remove_prefix')
NUMBERS = {'timeout': (int, float), 'num_items': (int,), 'discard_stale': (bool,)}


def load():
    data = yaml.safe_load(CONFIG.read_text(encoding='utf-8'))
    assert list(data) == ['analyzers'], 'aggregator_node is named "analyzers"'
    return data['analyzers']['ros__parameters']


def analyzers(params):
    return {k: v for k, v in params.items() if k not in TOP_LEVEL}


def strings(value):
    return [value] if isinstance(value, str) else list(value)


def check_analyzer(name, spec):
    assert isinstance(spec, dict), name
    assert spec.get('type') in ANALYZER_TYPES, f'{name}: type {spec.get("type")!r}'
    assert isinstance(spec.get('path'), str) and spec['path'], f'{name}: path is required'
    if spec['type'].endswith('AnalyzerGroup'):
        for child, child_spec in spec['analyzers'].items():
            check_analyzer(f'{name}.{child}', child_spec)
        return
    allowed = {'type', 'path', *STRING_LISTS, *NUMBERS}
    assert set(spec) <= allowed, f'{name}: unknown keys {set(spec) - allowed}'
    assert any(rule in spec for rule in (*MATCH_RULES, 'find_and_remove_prefix')), \
        f'{name}: a GenericAnalyzer needs a match rule, or it analyzes nothing'
    for key in STRING_LISTS:
        if key in spec:
            value = spec[key]
            assert isinstance(value, str) or (
                isinstance(value, list) and value and all(isinstance(v, str) for v in value)), \
                f'{name}.{key}: a string or a list of strings'
    for key, kinds in NUMBERS.items():
        if key in spec:
            assert isinstance(spec[key], kinds), f'{name}.{key}'


def matches(spec, status_name):
    """GenericAnalyzer::match, as documented."""
    if any(re.fullmatch(r, status_name) for r in strings(spec.get('regex', []))):
        return True
    if status_name in strings(spec.get('expected', [])) + strings(spec.get('name', [])):
        return True
    starts = strings(spec.get('startswith', [])) + strings(spec.get('find_and_remove_prefix',
                                                                    []))
    if any(status_name.startswith(s) for s in starts):
        return True
    return any(c in status_name for c in strings(spec.get('contains', [])))


def output_name(base, spec, status_name):
    """The name rqt_robot_monitor shows: path, "/" in names as spaces, prefixes removed."""
    name = status_name.replace('/', ' ')
    for chaff in strings(spec.get('remove_prefix', [])) + strings(
            spec.get('find_and_remove_prefix', [])):
        if name.startswith(chaff):
            name = name[len(chaff):].lstrip(': ')
    return f'/{base}/{spec["path"]}/{name}'


def test_file_follows_the_documented_schema():
    params = load()
    for key, kind in TOP_LEVEL.items():
        if key in params:
            assert isinstance(params[key], kind), key
    assert analyzers(params)
    for name, spec in analyzers(params).items():
        check_analyzer(name, spec)


# ---- the statuses the nodes really publish ----------------------------------------------
class Collector(Node):
    def __init__(self):
        super().__init__('diag_collector')
        self.names = set()
        self.lock = threading.Lock()
        self.create_subscription(DiagnosticArray, '/diagnostics', self._on, 50)

    def _on(self, msg):
        with self.lock:
            self.names.update(s.name for s in msg.status)

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self.names):
                    return set(self.names)
            time.sleep(0.05)
        with self.lock:
            return set(self.names)


@pytest.fixture
def published_names(ros_context):
    """Start gpu_monitor and mission_agent (optionally namespaced); collect status names."""
    from shadowhound_llm.nodes.gpu_monitor import GpuMonitor
    from shadowhound_llm.nodes.mission_agent import MissionAgent
    made = []

    def collect(namespace):
        monitor = GpuMonitor(namespace=namespace, parameter_overrides=[
            Parameter('ollama_host', value='http://127.0.0.1:9'),
            Parameter('telemetry', value='none'), Parameter('period_s', value=0.2)])
        agent = MissionAgent(namespace=namespace, parameter_overrides=[
            Parameter('backend', value='none'), Parameter('validate_on_startup', value=False)])
        collector = Collector()
        executor = SingleThreadedExecutor()
        for node in (monitor, agent, collector):
            executor.add_node(node)
        thread = threading.Thread(target=executor.spin, daemon=True)
        thread.start()
        made.append((executor, thread, (monitor, agent, collector)))
        prefix = f'{namespace}/' if namespace else ''
        return collector.wait_for(
            lambda names: {n.split(': ')[0] for n in names} >= {
                f'{prefix}gpu_monitor', f'{prefix}mission_agent'}, 15.0)

    yield collect
    for executor, thread, nodes in made:
        executor.shutdown(timeout_sec=5.0)
        thread.join(timeout=5.0)  # before the nodes go (see test_fleet)
        for node in nodes:
            node.destroy_node()


@pytest.mark.ros
@pytest.mark.parametrize('namespace', ['', 'robot1'])
def test_every_published_status_is_grouped(published_names, namespace):
    names = published_names(namespace)
    prefix = f'{namespace}/' if namespace else ''
    expected = {f'{prefix}gpu_monitor: {task}' for task in (
        'GPU', 'Memory', 'Thermal', 'Power', 'LLM throughput', 'Ollama models')}
    expected |= {f'{prefix}mission_agent: Backend', f'{prefix}mission_agent: Mission'}
    assert expected <= names, f'missing: {expected - names}'
    params = load()
    groups = analyzers(params)
    shown = {}
    for status in names:
        homes = [key for key, spec in groups.items() if matches(spec, status)]
        assert homes, f'{status!r} would land in "Other" (stale after 5 s)'
        shown[status] = {output_name(params['path'], groups[k], status) for k in homes}
    assert len({next(iter(v)) for v in shown.values()}) == len(shown), 'names collide'
    llm = 'LLM & GPU'
    if namespace:
        assert shown['robot1/gpu_monitor: GPU'] == {
            f'/ShadowHound/{llm}/robot1 gpu_monitor: GPU'}
    else:
        assert shown['gpu_monitor: GPU'] == {f'/ShadowHound/{llm}/GPU'}
        assert shown['mission_agent: Backend'] == {f'/ShadowHound/{llm}/Backend'}
        assert shown['mission_agent: Mission'] == {'/ShadowHound/Mission/Mission'}


def test_two_robots_statuses_stay_apart():
    groups = analyzers(load())
    for robot in ('robot1', 'robot2'):
        status = f'{robot}/gpu_monitor: LLM throughput'
        assert matches(groups['llm_gpu'], status) and not matches(groups['mission'], status)
    assert output_name('S', groups['llm_gpu'], 'robot1/gpu_monitor: GPU') != output_name(
        'S', groups['llm_gpu'], 'robot2/gpu_monitor: GPU')
