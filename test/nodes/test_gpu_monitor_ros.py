# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""gpu_monitor over real ROS 2: /diagnostics as rqt's viewer would see it."""

import json
import threading
import time

from diagnostic_msgs.msg import DiagnosticArray
import pytest
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.parameter_client import AsyncParameterClient
from std_msgs.msg import String

from shadowhound_llm.backends import OllamaClient
from shadowhound_llm.nodes.gpu_monitor import GpuMonitor
from shadowhound_llm.testing.ollama_double import OllamaDouble

pytestmark = pytest.mark.ros
TASKS = {'GPU', 'Memory', 'Thermal', 'Power', 'LLM throughput', 'Ollama models'}


class Viewer(Node):
    def __init__(self):
        super().__init__('diag_viewer')
        self.arrays = []
        self.lock = threading.Lock()
        self.create_subscription(DiagnosticArray, '/diagnostics', self._on, 10)
        self.metrics = self.create_publisher(String, 'llm_metrics', 10)
        self.params = AsyncParameterClient(self, 'gpu_monitor')

    def param_set(self, **values):
        """``ros2 param set /gpu_monitor name value``: (successful, reason) per parameter."""
        assert self.params.wait_for_services(timeout_sec=5.0)
        future = self.params.set_parameters([Parameter(k, value=v) for k, v in values.items()])
        deadline = time.monotonic() + 5.0
        while not future.done() and time.monotonic() < deadline:
            time.sleep(0.01)
        return [(r.successful, r.reason) for r in future.result().results]

    def _on(self, msg):
        with self.lock:
            self.arrays.append((time.monotonic(), msg))

    def latest(self):
        with self.lock:
            if not self.arrays:
                return None
            _, msg = self.arrays[-1]
        return {s.name.split(': ', 1)[1]: s for s in msg.status}

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            latest = self.latest()
            if latest and predicate(latest):
                return latest
            time.sleep(0.02)
        return None

    def send_rate(self, tps, model='phi4:14b'):
        self.metrics.publish(String(data=json.dumps({
            'backend': 'ollama', 'model': model, 'ok': True, 'tokens_per_s': tps})))


@pytest.fixture
def monitor(ros_context):
    started = []

    def start(ollama_url, source=None, **params):
        params = {'ollama_host': ollama_url, 'telemetry': 'none', 'period_s': 0.2, **params}
        node = GpuMonitor(source=source, parameter_overrides=[
            Parameter(k, value=v) for k, v in params.items()])
        viewer = Viewer()
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        executor.add_node(viewer)
        thread = threading.Thread(target=executor.spin, daemon=True)
        thread.start()
        started.append((executor, node, viewer))
        return node, viewer

    yield start
    for executor, node, viewer in started:
        executor.shutdown(timeout_sec=2)
        node.destroy_node()
        viewer.destroy_node()


def level(status):
    return status.level[0] if isinstance(status.level, bytes) else status.level


def test_no_telemetry_and_partial_offload(monitor):
    with OllamaDouble() as ollama:
        ollama.script.models['phi4:14b'].vram_fraction = 0.4
        OllamaClient(ollama.url).load()
        node, viewer = monitor(ollama.url)
        latest = viewer.wait_for(lambda s: 'CPU' in s['Ollama models'].message, 5.0)
        assert latest is not None and set(latest) == TASKS
        for task in ('GPU', 'Memory', 'Thermal', 'Power'):
            assert level(latest[task]) == 1, task
            assert 'no GPU telemetry' in latest[task].message
        models = latest['Ollama models']
        assert level(models) == 1 and 'phi4:14b 60% on CPU' in models.message
        for status in latest.values():
            assert status.hardware_id and status.name.startswith('gpu_monitor: ')


def test_falling_rate_turns_throughput_to_error_within_two_periods(monitor):
    with OllamaDouble() as ollama:
        ollama.script.models['phi4:14b'].vram_fraction = 0.4
        OllamaClient(ollama.url).load()
        node, viewer = monitor(ollama.url, period_s=0.5)
        assert viewer.wait_for(lambda s: s['LLM throughput'].message.startswith('no LLM'), 5)
        for rate in (37.0, 37.2, 36.9):
            viewer.send_rate(rate)
        assert viewer.wait_for(lambda s: level(s['LLM throughput']) == 0 and '37.0' in
                               s['LLM throughput'].message, 3.0)
        for rate in (12.0, 5.0, 5.1):
            viewer.send_rate(rate)
        sent = time.monotonic()
        latest = viewer.wait_for(lambda s: level(s['LLM throughput']) == 2, 3.0)
        assert latest is not None and time.monotonic() - sent <= 2 * 0.5 + 0.2
        assert 'on CPU' in latest['LLM throughput'].message


def test_an_empty_ollama_host_is_not_watched_and_not_an_error(monitor):
    node, viewer = monitor('')  # what the launch gives it when the agent uses no Ollama
    latest = viewer.wait_for(lambda s: 'Ollama models' in s, 5.0)
    assert latest is not None and level(latest['Ollama models']) == 0
    assert latest['Ollama models'].message.startswith('not watched')


def test_unreachable_ollama_is_an_error_with_the_url(monitor):
    node, viewer = monitor('http://127.0.0.1:9')
    latest = viewer.wait_for(lambda s: level(s['Ollama models']) == 2, 5.0)
    assert latest is not None and 'http://127.0.0.1:9' in latest['Ollama models'].message


def test_survives_a_source_that_raises_on_every_call(monitor):
    class Broken:
        name = 'broken'

        def read(self):
            raise ZeroDivisionError('sensor driver bug')

        def close(self):
            raise RuntimeError('also broken')

    node, viewer = monitor('http://127.0.0.1:9', source=Broken())
    first = viewer.wait_for(lambda s: True, 5.0)
    assert first is not None and 'sensor driver bug' in first['GPU'].message
    count = len(viewer.arrays)
    assert viewer.wait_for(lambda s: len(viewer.arrays) > count + 1, 5.0), \
        'the monitor stopped publishing'


# ---- parameters: live, refused out of range, read-only ------------------------------------
def phi4_loaded(ollama):
    ollama.script.models['phi4:14b'].size = 9_100_000_000
    OllamaClient(ollama.url).load()


def test_live_bandwidth_and_roofline_settings_take_effect(monitor):
    with OllamaDouble() as ollama:
        phi4_loaded(ollama)
        node, viewer = monitor(ollama.url)
        assert viewer.wait_for(lambda s: '100% GPU' in s['Ollama models'].message, 5.0)
        viewer.send_rate(5.0)
        first = viewer.wait_for(lambda s: 'learning baseline' in s['LLM throughput'].message,
                                5.0)
        assert first is not None and level(first['LLM throughput']) == 0, \
            'no bandwidth known yet: only the baseline could judge'
        assert viewer.param_set(memory_bandwidth_gbs=273.0) == [(True, '')]
        latest = viewer.wait_for(lambda s: level(s['LLM throughput']) == 2, 3.0)
        assert latest is not None
        assert 'of the roofline 30.0 tok/s' in latest['LLM throughput'].message
        assert viewer.param_set(roofline_error=0.1, roofline_warn=0.15) == [(True, '')] * 2
        assert viewer.wait_for(lambda s: level(s['LLM throughput']) == 0, 3.0)
        assert node.state.detector.roofline_warn == 0.15


def test_live_ollama_host_accepts_ollama_address_forms(monitor):
    with OllamaDouble() as ollama:
        phi4_loaded(ollama)
        node, viewer = monitor('http://127.0.0.1:9')
        assert viewer.wait_for(lambda s: level(s['Ollama models']) == 2, 5.0)
        port = ollama.url.rsplit(':', 1)[1]
        assert viewer.param_set(ollama_host=f'0.0.0.0:{port}') == [(True, '')]
        latest = viewer.wait_for(lambda s: '100% GPU' in s['Ollama models'].message, 3.0)
        assert latest is not None
        assert ('host', f'http://127.0.0.1:{port}') in [
            (v.key, v.value) for v in latest['Ollama models'].values]


def test_out_of_range_and_inconsistent_values_are_refused_and_nothing_changes(monitor):
    node, viewer = monitor('http://127.0.0.1:9')
    [(ok, reason)] = viewer.param_set(roofline_warn=1.5)
    assert not ok and 'Min: 0.0, Max: 1.0' in reason
    [(ok, reason)] = viewer.param_set(baseline_samples=0)
    assert not ok and 'Min: 1, Max: 100' in reason
    [(ok, reason)] = viewer.param_set(roofline_error=0.6)
    assert not ok and 'roofline_error 0.6 must not exceed roofline_warn 0.5' in reason
    [(ok, reason)] = viewer.param_set(ollama_host='ftp://thor:11434')
    assert not ok and 'unsupported scheme' in reason
    assert node.get_parameter('roofline_warn').value == 0.5
    assert node.get_parameter('roofline_error').value == 0.25
    assert node.config.roofline_error == 0.25 and node.state.detector.roofline_error == 0.25
    assert node.state.ollama_host == 'http://127.0.0.1:9'


def test_read_only_period_is_refused(monitor):
    node, viewer = monitor('http://127.0.0.1:9')
    [(ok, reason)] = viewer.param_set(period_s=0.5)
    assert not ok and 'read-only' in reason
    assert node.get_parameter('period_s').value == 0.2 and node.config.period_s == 0.2


def test_live_telemetry_source_switch(monitor):
    node, viewer = monitor('http://127.0.0.1:9')
    assert viewer.wait_for(lambda s: 'telemetry=none' in s['GPU'].message, 5.0)
    assert viewer.param_set(telemetry='nvml') == [(True, '')]
    latest = viewer.wait_for(lambda s: 'telemetry=none' not in s['GPU'].message, 3.0)
    assert latest is not None and node.source.name == 'nvml'
    assert 'NVML' in latest['GPU'].message or 'nvidia-ml-py' in latest['GPU'].message
    [(ok, reason)] = viewer.param_set(telemetry='serial')
    assert not ok and "telemetry='serial': use auto, jtop, nvml or none" in reason
