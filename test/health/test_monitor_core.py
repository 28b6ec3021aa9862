# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""gpu_monitor's core without ROS, against a real HTTP server on loopback.

The /api/ps poller and its host swap, the telemetry source retry, llm_metrics into the
throughput status.
"""

from __future__ import annotations

from dataclasses import replace
import time

import httpx
import pytest

from shadowhound_llm.common.contract import DiagKey, LLMMetrics, Severity
from shadowhound_llm.common.params import MonitorConfig
from shadowhound_llm.health.monitor import MonitorCore, SOURCE_RETRY_S
from shadowhound_llm.health.telemetry import NoSource
from shadowhound_llm.testing.ollama_double import OllamaDouble


@pytest.fixture
def core():
    made: list[MonitorCore] = []

    def factory(**params) -> MonitorCore:
        config = MonitorConfig(**{'telemetry': 'none', 'period_s': 0.2, **params})
        made.append(MonitorCore(config))
        made[-1].start()
        return made[-1]
    yield factory
    for each in made:
        each.close()


def statuses(core: MonitorCore) -> dict:
    found, _ = core.tick()
    return {s.task: s for s in found}


def wait_for(core: MonitorCore, predicate, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        latest = statuses(core)
        if predicate(latest):
            return latest
        time.sleep(0.02)
    raise AssertionError(f'not reached: {statuses(core)}')


def test_a_live_host_change_polls_the_new_server_and_shows_its_models(core):
    monitor = core(ollama_host='127.0.0.1:9')
    dead = wait_for(monitor, lambda s: 'unreachable' in s['Ollama models'].message)
    assert dead['Ollama models'].level == Severity.ERROR
    assert 'http://127.0.0.1:9' in dead['Ollama models'].message
    with OllamaDouble() as ollama:
        httpx.post(f'{ollama.url}/api/chat', json={'model': 'phi4:14b', 'messages': []},
                   timeout=5.0).raise_for_status()  # load the model, as a first call would
        monitor.reconfigure(replace(monitor.config, ollama_host=ollama.url))
        assert monitor.state.ollama_host == ollama.url  # at once, before the next poll
        up = wait_for(monitor, lambda s: s['Ollama models'].level == Severity.OK)
        assert 'phi4' in up['Ollama models'].message
        memory = dict(up['Memory'].values)
        assert float(memory[DiagKey.OLLAMA_VRAM_GIB]) > 1.0  # /api/ps's size_vram, summed


def test_an_empty_ollama_host_is_not_watched_and_not_an_error(core):
    monitor = core(ollama_host='')
    time.sleep(0.3)  # the check itself: over a poll period (0.2 s) nothing polls or fails
    shown = statuses(monitor)['Ollama models']
    assert shown.level == Severity.OK and shown.message.startswith('not watched')
    with OllamaDouble() as ollama:  # set live: watched from then on
        monitor.reconfigure(replace(monitor.config, ollama_host=ollama.url))
        wait_for(monitor, lambda s: s['Ollama models'].message == 'no model loaded')
        monitor.reconfigure(replace(monitor.config, ollama_host=''))
        assert statuses(monitor)['Ollama models'].message.startswith('not watched')


def test_llm_metrics_feed_the_throughput_status(core):
    monitor = core(ollama_host='127.0.0.1:9')
    assert 'no LLM calls seen yet' in statuses(monitor)['LLM throughput'].message
    monitor.add_metrics(LLMMetrics(backend='ollama', model='phi4:14b', tokens_per_s=18.0))
    monitor.add_metrics(LLMMetrics(backend='ollama', model='phi4:14b', ok=False,
                                   tokens_per_s=1.0))  # a failed call is not a speed
    values = dict(statuses(monitor)['LLM throughput'].values)
    assert values['model'] == 'phi4:14b' and values[DiagKey.CURRENT_TPS] == '18.0'


def test_without_a_source_auto_retries_every_30_s(core):
    monitor = core(ollama_host='127.0.0.1:9', telemetry='auto', period_s=1.0)
    if not isinstance(monitor.source, NoSource):
        pytest.skip(f'this machine has GPU telemetry ({monitor.source_name})')
    first = monitor.source
    for _ in range(int(SOURCE_RETRY_S) - 1):
        monitor.tick()
    assert monitor.source is first
    monitor.tick()  # the 30th second: auto is chosen again (jtop.service may be up now)
    assert monitor.source is not first
    assert statuses(monitor)['GPU'].level == Severity.WARN


def test_a_telemetry_change_takes_the_new_source_at_the_next_tick(core):
    monitor = core(ollama_host='127.0.0.1:9')
    assert monitor.source_name == 'none'
    monitor.reconfigure(replace(monitor.config, telemetry='nvml'))
    assert monitor.source_name == 'none'  # not before the next period
    gpu = statuses(monitor)['GPU']
    assert monitor.source_name == 'nvml'
    assert 'NVML' in gpu.message or 'nvidia-ml-py' in gpu.message


def test_the_planner_and_the_vision_model_are_listed_each_with_its_share_and_roofline(core):
    from shadowhound_llm.testing.ollama_double import GIB, ModelSpec

    with OllamaDouble() as ollama:
        ollama.script.models['gemma3:4b'] = ModelSpec(
            'gemma3:4b', size=int(3 * GIB), capabilities=('completion', 'vision'))
        for model in ('phi4:14b', 'gemma3:4b'):  # both loaded, as the agent keeps them
            httpx.post(f'{ollama.url}/api/chat', json={'model': model, 'messages': []},
                       timeout=5.0).raise_for_status()
        monitor = core(ollama_host=ollama.url, memory_bandwidth_gbs=273.0)
        up = wait_for(monitor, lambda s: 'gemma3' in s['Ollama models'].message)
        status = up['Ollama models']
        assert 'phi4:14b 100% GPU' in status.message and 'gemma3:4b 100% GPU' in status.message
        values = dict(status.values)
        assert values['phi4:14b share of loaded [%]'] == '75'  # 9 GiB of 12
        assert values['gemma3:4b share of loaded [%]'] == '25'
        # each its own bound: 273 GB/s over its size
        assert float(values['gemma3:4b roofline tokens/s']) == pytest.approx(
            273e9 / (3 * GIB), rel=0.01)
        assert float(values['phi4:14b roofline tokens/s']) == pytest.approx(
            273e9 / (9 * GIB), rel=0.01)
