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
    time.sleep(0.6)
    assert len(viewer.arrays) > count, 'the monitor kept publishing'
