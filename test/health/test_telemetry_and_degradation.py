# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Telemetry adapters on jtop/NVML data shapes, the degradation detector, diagnostic tasks."""

from types import SimpleNamespace

import pytest

from shadowhound_llm.backends.models import LoadedModel
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.health.degradation import (
    DegradationDetector,
    ERROR,
    Evidence,
    explain,
    OK,
    WARN,
)
from shadowhound_llm.health.gpu_diagnostics import MonitorState, run_all
from shadowhound_llm.health.roofline import (
    Bandwidth,
    board_bandwidth,
    judge,
    resolve_bandwidth,
    roofline_for,
)
from shadowhound_llm.health.telemetry import (
    choose_source,
    JtopSource,
    NoSource,
    NvmlSource,
    Telemetry,
    TelemetryUnavailable,
)

GIB = 2 ** 30


class JtopException(Exception):
    """Stands in for jtop.JtopException (same role: raised by start())."""


class FakeJtop:
    """The attributes a jtop client exposes, with jetson-stats' documented shapes and units."""

    def __init__(self, gpu, board_model, nvp='MAXN', clocks=True, start_error=None,
                 stats=None, power_mw=28500, temps=None):
        self.gpu = gpu
        self.board = {'hardware': {'Model': board_model}}
        self.memory = {'RAM': {'tot': 64 * 1024 * 1024, 'used': 20 * 1024 * 1024,
                               'free': 44 * 1024 * 1024, 'shared': 9 * 1024 * 1024},
                       'SWAP': {'tot': 0, 'used': 0}}
        self.power = {'rail': {}, 'tot': {'power': power_mw, 'avg': power_mw}} if power_mw else {}
        self.temperature = temps or {'cpu': {'temp': 48.5, 'online': True},
                                     'gpu': {'temp': 51.0, 'online': True},
                                     'soc2': {'temp': -256, 'online': False}}
        self.nvpmodel = SimpleNamespace(name=nvp, id=0)
        self.jetson_clocks = clocks
        self._stats = stats
        self._start_error = start_error
        self.closed = False

    @property
    def stats(self):
        if isinstance(self._stats, Exception):
            raise self._stats
        return self._stats or {}

    def start(self):
        if self._start_error:
            raise self._start_error

    def ok(self):
        return True

    def close(self):
        self.closed = True


ORIN_GPU = {'gpu': {'type': 'integrated',
                    'status': {'railgate': False, 'tpc_pg_mask': False, '3d_scaling': True,
                               'load': 63.0},
                    'freq': {'governor': 'nvhost_podgov', 'cur': 918000, 'max': 1300500,
                             'min': 306000, 'GPC': [918000, 918000]}}}
THOR_GPU_NVML = {'Thor': {'type': 'integrated', 'status': {'load': 88.0},
                          'freq': {'cur': 1575.0, 'max': 1575.0, 'min': 0.0}}}


def test_jtop_orin_units_are_normalised():
    snap = JtopSource(lambda: FakeJtop(ORIN_GPU, 'NVIDIA Jetson AGX Orin')).read()
    assert snap.hardware_id == 'NVIDIA Jetson AGX Orin'
    assert snap.gpu_load_pct == 63.0
    assert snap.gpu_freq_mhz == pytest.approx(918.0) and snap.gpu_freq_max_mhz == 1300.5
    assert snap.mem_total_mib == pytest.approx(64 * 1024) and snap.mem_used_mib == 20 * 1024
    assert snap.gpu_mem_used_mib == pytest.approx(9 * 1024)
    assert snap.power_w == pytest.approx(28.5)
    assert snap.temps_c == {'cpu': 48.5, 'gpu': 51.0}, 'offline (-256) sensors are dropped'
    assert snap.power_mode == 'MAXN' and snap.jetson_clocks is True


def test_jtop_thor_nvml_path_reports_mhz():
    snap = JtopSource(lambda: FakeJtop(THOR_GPU_NVML, 'NVIDIA Jetson AGX Thor')).read()
    assert snap.gpu_freq_mhz == 1575.0 and snap.gpu_load_pct == 88.0


def test_jtop_thor_old_release_empty_gpu_and_stats_keyerror():
    fake = FakeJtop({}, 'NVIDIA Jetson AGX Thor', stats=KeyError('load'), power_mw=None)
    snap = JtopSource(lambda: fake).read()
    assert snap.gpu_load_pct is None and snap.gpu_freq_mhz is None
    assert snap.power_w is None and snap.mem_total_mib is not None
    status = {s.task: s for s in run_all(MonitorState('thor', telemetry=snap))}
    assert status['GPU'].level == WARN and 'update jetson-stats' in status['GPU'].message


def test_jtop_service_not_active_is_unavailable_with_the_fix():
    error = JtopException('The jtop.service is not active. Please run:\nsudo jtop '
                          '--install-service')
    source = JtopSource(lambda: FakeJtop(ORIN_GPU, 'x', start_error=error))
    with pytest.raises(TelemetryUnavailable) as info:
        source.read()
    assert 'jtop.service is not active' in str(info.value)
    assert 'sudo pip3 install -U jetson-stats' in str(info.value)


def test_jtop_reconnects_after_a_failure():
    calls = []

    def factory():
        calls.append(1)
        if len(calls) == 1:
            return FakeJtop(ORIN_GPU, 'x', start_error=JtopException('version mismatch'))
        return FakeJtop(ORIN_GPU, 'NVIDIA Jetson AGX Orin')

    source = JtopSource(factory)
    with pytest.raises(TelemetryUnavailable):
        source.read()
    assert source.read().gpu_load_pct == 63.0 and len(calls) == 2


class FakeNvml:
    """pynvml-shaped module: functions, constants and NVMLError."""

    NVML_TEMPERATURE_GPU = 0
    NVML_CLOCK_SM = 1

    class NVMLError(Exception):
        """pynvml's base error."""

    def __init__(self, reasons=0, sm=1980, fail_init=False):
        self.reasons, self.sm, self.fail_init = reasons, sm, fail_init

    def nvmlInit(self):
        if self.fail_init:
            raise self.NVMLError('NVML Shared Library Not Found')

    def nvmlShutdown(self):
        pass

    def nvmlDeviceGetHandleByIndex(self, i):
        return 'h0'

    def nvmlDeviceGetName(self, h):
        return b'NVIDIA H100 80GB HBM3'

    def nvmlDeviceGetUtilizationRates(self, h):
        return SimpleNamespace(gpu=97, memory=40)

    def nvmlDeviceGetMemoryInfo(self, h):
        return SimpleNamespace(total=80 * GIB, used=20 * GIB, free=60 * GIB)

    def nvmlDeviceGetTemperature(self, h, sensor):
        return 66

    def nvmlDeviceGetPowerUsage(self, h):
        return 350000  # mW

    def nvmlDeviceGetClockInfo(self, h, clock):
        return self.sm

    def nvmlDeviceGetMaxClockInfo(self, h, clock):
        return 1980

    def nvmlDeviceGetCurrentClocksEventReasons(self, h):
        return self.reasons


def test_nvml_snapshot_units():
    snap = NvmlSource(FakeNvml()).read()
    assert snap.hardware_id == 'NVIDIA H100 80GB HBM3'
    assert snap.mem_total_mib == 80 * 1024 and snap.mem_used_mib == 20 * 1024
    assert snap.power_w == 350.0 and snap.temps_c == {'gpu': 66.0}
    assert snap.gpu_freq_mhz == 1980 and snap.throttle == []


def test_nvml_throttle_reasons_named():
    snap = NvmlSource(FakeNvml(reasons=0x4 | 0x40, sm=990)).read()
    assert snap.throttle == ['SW power cap', 'HW thermal slowdown']
    assert snap.clock_ratio == pytest.approx(0.5)


def test_nvml_init_failure_is_unavailable():
    with pytest.raises(TelemetryUnavailable) as info:
        NvmlSource(FakeNvml(fail_init=True)).read()
    assert 'nvidia-ml-py' in str(info.value)


def test_real_libraries_on_this_machine_give_the_no_telemetry_path():
    pytest.importorskip('jtop')
    pytest.importorskip('pynvml')
    source = choose_source('auto')
    assert isinstance(source, NoSource)
    with pytest.raises(TelemetryUnavailable) as info:
        source.read()
    message = str(info.value)
    assert 'jtop.service is not active' in message and 'sudo pip3 install' in message


# ---- degradation detector ---------------------------------------------------------------
def feed(detector, model, rates):
    for r in rates:
        detector.add(model, r)


def thor_ps(vram_fraction):
    size = 9 * GIB
    return LoadedModel(name='phi4:14b', size=size, size_vram=int(size * vram_fraction),
                       context_length=4096)


def test_the_thor_story_names_cpu_offload():
    d = DegradationDetector()
    feed(d, 'phi4:14b', [37, 37.5, 36.8, 5.1, 5.0, 4.9])
    verdict = d.assess(Evidence(thor_ps(0.4), 4096, ollama_version='0.12.3'))
    assert verdict.level == ERROR
    assert 'model 60% on CPU since its last (re)load' in verdict.message
    assert 'drop_caches' in verdict.message and 'update Ollama' in verdict.message
    assert '5.0 tok/s from 37.0' in verdict.message


def test_clock_drop_names_clocks_and_power_mode():
    d = DegradationDetector()
    feed(d, 'phi4:14b', [20, 20, 20, 8, 8, 8])
    t = Telemetry('jtop', 'thor', gpu_freq_mhz=400.0, gpu_freq_max_mhz=1575.0,
                  power_mode='40W', jetson_clocks=False)
    verdict = d.assess(Evidence(thor_ps(1.0), 4096, t))
    assert verdict.level == ERROR
    for text in ('GPU clock 400 of 1575 MHz', 'power mode 40W, not MAXN', 'jetson_clocks off',
                 'sudo nvpmodel -m 0'):
        assert text in verdict.message


def test_thermal_cause():
    d = DegradationDetector()
    feed(d, 'm', [30, 30, 30, 19, 19, 19])
    t = Telemetry('nvml', 'gpu', temps_c={'gpu': 93.0}, gpu_freq_mhz=1000,
                  gpu_freq_max_mhz=1980, throttle=['HW thermal slowdown'])
    verdict = d.assess(Evidence(None, None, t))
    assert verdict.level == WARN and 'thermal limit' in verdict.message
    assert 'gpu 93 °C' in verdict.message


def test_oversized_context_cause():
    ps = thor_ps(1.0).model_copy(update={'context_length': 262144})
    assert 'context 262144 loaded' in explain(Evidence(ps, 4096, Telemetry('jtop', 'x')))


def test_unexplained_lists_what_was_checked():
    message = explain(Evidence(thor_ps(1.0), 4096, None))
    assert message.startswith('not explained by telemetry')
    assert 'GPU offload' in message and 'no GPU telemetry' in message


def test_healthy_stays_ok_and_learning_is_reported():
    d = DegradationDetector()
    assert d.assess().message.startswith('no LLM calls')
    feed(d, 'phi4:14b', [18, 19])
    assert d.assess().level == OK and 'learning baseline' in d.assess().message
    feed(d, 'phi4:14b', [18.5, 17.9, 18.2])
    verdict = d.assess()
    assert verdict.level == OK and verdict.values['baseline tokens/s'] == '18.5'


def test_fixed_baseline_and_per_model_history():
    d = DegradationDetector(baseline_tokens_per_s=20.0)
    feed(d, 'a', [19])
    feed(d, 'b', [12])
    assert d.assess(model='a').level == OK
    assert d.assess(model='b').level == WARN


# ---- diagnostic tasks -------------------------------------------------------------------
def test_every_task_reports_and_telemetry_gaps_are_warnings_with_the_fix():
    state = MonitorState('host', telemetry_error='no GPU telemetry (...sudo pip3 install...)',
                         ollama_host='http://127.0.0.1:9', ollama_models=None,
                         ollama_error='connection refused')
    statuses = {s.task: s for s in run_all(state)}
    assert set(statuses) == {'GPU', 'Memory', 'Thermal', 'Power', 'LLM throughput',
                             'Ollama models'}
    for task in ('GPU', 'Memory', 'Thermal', 'Power'):
        assert statuses[task].level == WARN and 'sudo pip3 install' in statuses[task].message
    assert statuses['Ollama models'].level == ERROR
    assert 'http://127.0.0.1:9' in statuses['Ollama models'].message


def test_hot_gpu_is_warn_and_overheating_is_error():
    hot = MonitorState('h', telemetry=Telemetry('nvml', 'g', temps_c={'gpu': 88.0}))
    assert {s.task: s.level for s in run_all(hot)}['Thermal'] == WARN
    burning = MonitorState('h', telemetry=Telemetry('nvml', 'g', temps_c={'gpu': 97.0}))
    assert {s.task: s.level for s in run_all(burning)}['Thermal'] == ERROR


def test_partial_offload_in_ollama_models():
    state = MonitorState('h', ollama_host='u', ollama_models=[thor_ps(0.4)])
    status = {s.task: s for s in run_all(state)}['Ollama models']
    assert status.level == WARN and 'phi4:14b 60% on CPU' in status.message
    assert ('phi4:14b on CPU [%]', '60') in status.values


# ---- roofline ---------------------------------------------------------------------------
PHI4_BYTES = 9_100_000_000   # phi4:14b Q4_K_M as /api/ps reports it: 9.1 GB


def phi4_on_gpu(vram_fraction=1.0):
    return LoadedModel(name='phi4:14b', size=PHI4_BYTES,
                       size_vram=int(PHI4_BYTES * vram_fraction), context_length=4096)


THOR = 'NVIDIA Jetson AGX Thor Developer Kit'


@pytest.mark.parametrize('board, gbs', [
    (THOR, 273.0), ('NVIDIA Jetson AGX Orin Developer Kit', 204.8),
    ('NVIDIA Jetson Orin NX Engineering Reference Developer Kit', 102.4),
    ('NVIDIA Jetson Orin Nano Developer Kit', 68.0),
    ('NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super', 102.0)])
def test_board_table_names_jetson_bandwidths(board, gbs):
    assert board_bandwidth(board).gbs == gbs
    assert board_bandwidth('NVIDIA H100 80GB HBM3') is None


def test_nvml_derives_bandwidth_from_bus_width_and_memory_clock():
    nvml = FakeNvml()
    nvml.NVML_CLOCK_MEM = 2
    nvml.nvmlDeviceGetMemoryBusWidth = lambda h: 5120
    nvml.nvmlDeviceGetMaxClockInfo = lambda h, clock: 2619 if clock == 2 else 1980
    snap = NvmlSource(nvml).read()
    assert snap.mem_bandwidth_gbs == pytest.approx(3352, abs=1)  # the H100 SXM's 3.35 TB/s
    assert resolve_bandwidth(0.0, snap).source.startswith('NVML')
    assert resolve_bandwidth(900.0, snap).gbs == 900.0, 'the parameter wins'
    assert NvmlSource(FakeNvml()).read().mem_bandwidth_gbs is None, 'no bus width: unknown'


def test_roofline_of_phi4_on_thor_is_about_30_tokens_per_second():
    roof = roofline_for(phi4_on_gpu(), Bandwidth(273.0, 'test'))
    assert roof.bound_tokens_per_s == pytest.approx(30.0, abs=0.1)
    assert roof.gpu_bound_tokens_per_s == roof.bound_tokens_per_s
    assert judge(24.0, roof)[0] == OK and judge(12.0, roof)[0] == WARN
    assert judge(5.0, roof)[0] == ERROR


def test_partly_offloaded_model_reads_its_cpu_share_at_system_memory_speed():
    roof = roofline_for(phi4_on_gpu(0.4), Bandwidth(273.0, 'test'), cpu_bandwidth_gbs=50.0)
    expected = 1 / (0.4 * PHI4_BYTES / 273e9 + 0.6 * PHI4_BYTES / 50e9)
    assert roof.bound_tokens_per_s == pytest.approx(expected)
    assert roof.gpu_bound_tokens_per_s == pytest.approx(30.0, abs=0.1)
    assert '5.46 GB on the CPU at 50 GB/s' in roof.describe()


def test_throughput_status_calls_5_tokens_per_second_an_error_from_the_first_call():
    d = DegradationDetector(memory_bandwidth_gbs=273.0)
    d.add('phi4:14b', 5.0)
    verdict = d.assess(Evidence(phi4_on_gpu(0.4), 4096, ollama_version='0.12.3'))
    assert verdict.level == ERROR, 'no baseline needed'
    assert 'learning baseline (1/3 calls)' in verdict.message
    assert '5.0 tok/s = 17% of the roofline 30.0 tok/s' in verdict.message
    assert 'model 60% on CPU' in verdict.message, 'the likely cause is named'
    assert verdict.values['roofline tokens/s'] == '30.0'
    assert verdict.values['efficiency [%]'] == '17'


def test_thor_board_from_telemetry_gives_the_bound_and_names_low_clocks():
    state = MonitorState('thor', telemetry=Telemetry(
        'jtop', THOR, gpu_freq_mhz=400.0, gpu_freq_max_mhz=1575.0, power_mode='MAXN',
        jetson_clocks=False), ollama_host='u', ollama_models=[phi4_on_gpu()])
    state.detector.add('phi4:14b', 5.0)
    status = {s.task: s for s in run_all(state)}['LLM throughput']
    assert status.level == ERROR
    assert 'roofline 30.0 tok/s' in status.message
    assert 'GPU clock 400 of 1575 MHz' in status.message
    assert ('bandwidth source', 'board table: Jetson AGX Thor') in status.values


def test_healthy_speed_is_ok_and_unknown_bandwidth_says_which_parameter():
    d = DegradationDetector(memory_bandwidth_gbs=273.0)
    d.add('phi4:14b', 24.0)
    verdict = d.assess(Evidence(phi4_on_gpu()))
    assert verdict.level == OK and '24.0 tok/s = 80% of the roofline' in verdict.message
    unknown = DegradationDetector()
    unknown.add('phi4:14b', 5.0)
    verdict = unknown.assess(Evidence(phi4_on_gpu()))
    assert verdict.level == OK, 'without a bandwidth only the baseline can judge'
    assert 'set memory_bandwidth_gbs' in verdict.values['roofline']


def test_learned_baseline_stays_a_second_signal_above_the_roofline_floor():
    d = DegradationDetector(memory_bandwidth_gbs=273.0)
    feed(d, 'phi4:14b', [26, 26, 26, 15, 15, 15])
    verdict = d.assess(Evidence(phi4_on_gpu()))
    assert verdict.level == WARN, '50% of the roofline is fine, 58% of the baseline is not'
    assert 'fell to 15.0 tok/s from 26.0' in verdict.message


def test_default_floor_no_longer_passes_the_collapsed_state():
    assert AgentConfig().min_tokens_per_s > 5.0
