# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Parameters of every node, in one place.

Each table drives the ROS declarations, the YAML files, the CLIs and the plain-Python limits
derived from them. Plain Python (no rclpy), so the CLI tools and the tests share the same
defaults, descriptions and validation as the nodes. A parameter is live (``ros2 param set``
takes effect) unless it is declared ``read_only``, in which case ROS refuses to change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
import math
from pathlib import Path
from typing import Any

import yaml


def param(default: Any, description: str, min_value: float | None = None,
          max_value: float | None = None, read_only: bool = False) -> Any:
    """A dataclass field that is also a ROS parameter: default, description, range.

    ``read_only``: fixed for the node's lifetime (ROS refuses ``param set``); the description
    says why.
    """
    return field(default=default, metadata={
        'description': description, 'min_value': min_value, 'max_value': max_value,
        'read_only': read_only})


class _Params:
    """What every node's parameter dataclass shares: building from a mapping, range checks."""

    NODE = ''

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Any:
        """Build from a name->value mapping; unknown names are an error, types are coerced."""
        kinds = {f.name: type(f.default) for f in fields(cls)}
        unknown = sorted(set(values) - set(kinds))
        if unknown:
            raise ValueError(f'unknown {cls.NODE} parameter(s): {", ".join(unknown)}')
        return cls(**{k: _coerce(k, v, kinds[k]) for k, v in values.items()})

    def problems(self) -> list[str]:
        """Every value outside its declared range, as readable sentences."""
        out = []
        for f in fields(self):
            value, lo, hi = getattr(self, f.name), f.metadata['min_value'], f.metadata['max_value']
            if lo is not None and value < lo:
                out.append(f'{f.name}={value} is below its minimum {lo}')
            if hi is not None and value > hi:
                out.append(f'{f.name}={value} is above its maximum {hi}')
        return out

    def live_problems(self) -> list[str]:
        """The problems that refuse a change at run time (default: all of them)."""
        return self.problems()

    def replaced(self, **changes: Any) -> Any:
        """A copy with some values changed (coerced like from_mapping)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return type(self).from_mapping(values)


VISION_BACKENDS = ('ollama', 'openai')


@dataclass(frozen=True)
class AgentConfig(_Params):
    """Typed mission_agent parameters (SI units); each field carries its description and range."""

    NODE = 'mission_agent'

    backend: str = param('ollama', 'LLM backend: ollama | openai | none (rule planner only)')
    # common.hosts.DEFAULT_OLLAMA_HOST, every CLI's default too (this module imports nothing)
    ollama_host: str = param('http://localhost:11434', 'Ollama server URL')
    model: str = param('phi4:14b', 'Ollama model used for planning')
    keep_alive: str = param('-1', 'Ollama keep_alive: seconds or Go duration; -1 keeps it loaded')
    num_ctx: int = param(4096, 'LLM context length in tokens (set explicitly)', 512, 262144)
    temperature: float = param(0.0, 'LLM sampling temperature', 0.0, 2.0)
    llm_timeout_s: float = param(30.0, 'Cancel an LLM call after this many seconds', 0.1, 600.0)
    validate_on_startup: bool = param(
        True, 'Check the LLM backend before accepting missions (read-only: start-up only)',
        read_only=True)
    # 15: the robot test plan's pass criterion (> 15 tok/s) and half the roofline of phi4:14b
    # Q4 on the Thor (273 GB/s / 9.1 GB = 30 tok/s); 5 tok/s is the post-reload collapse.
    min_tokens_per_s: float = param(
        15.0, 'Warn when warm decode speed is below this (tok/s)', 0.0, 10000.0)
    stream_execution: bool = param(True, 'Start executing actions while the plan streams in')
    fallback_backend: str = param('', 'Backend used when the primary fails: "" | openai')
    openai_base_url: str = param(
        'https://api.openai.com/v1',
        'OpenAI-compatible base URL (API key only from $OPENAI_API_KEY)')
    openai_model: str = param('gpt-4o-mini', 'Model name on the OpenAI-compatible backend')
    openai_response_format: str = param(
        'json_schema', 'Structured output style: json_schema (OpenAI, vLLM, Ollama) or '
        'json_object (llama.cpp server)')
    control_rate_hz: float = param(
        20.0, 'cmd_vel stream rate while moving (Hz; read-only: set at start-up)', 2.5, 200.0,
        read_only=True)
    max_linear_speed: float = param(0.5, 'Hard limit on |linear.x| (m/s)', 0.01, 3.0)
    max_angular_speed: float = param(1.0, 'Hard limit on |angular.z| (rad/s)', 0.01, 6.0)
    cruise_linear_speed: float = param(0.3, 'Linear speed for move/goto (m/s)', 0.01, 3.0)
    cruise_angular_speed: float = param(0.6, 'Angular speed for rotate (rad/s)', 0.01, 6.0)
    linear_accel: float = param(0.5, 'Ramp acceleration for linear speed (m/s^2)', 0.01, 10.0)
    angular_accel: float = param(1.5, 'Ramp acceleration for angular speed (rad/s^2)', 0.01, 20.0)
    max_move_distance_m: float = param(5.0, 'Longest single move (m)', 0.0, 100.0)
    max_goto_radius_m: float = param(
        10.0, 'Geofence: farthest any step may end from home (m)', 0.0, 1000.0)
    max_rotate_deg: float = param(720.0, 'Largest single rotation (deg)', 0.0, 3600.0)
    max_actions: int = param(20, 'Most actions in one plan', 1, 1000)
    max_mission_chars: int = param(2000, 'Longest accepted mission text', 1, 100000)
    position_tolerance_m: float = param(0.05, 'Position tolerance for move/goto (m)', 0.001, 1.0)
    yaw_tolerance_deg: float = param(3.0, 'Heading tolerance for rotate (deg)', 0.1, 45.0)
    odom_timeout_s: float = param(
        0.5, 'Fail the mission when odom is older than this while moving', 0.05, 10.0)
    allow_open_loop: bool = param(False, 'Without odom, dead-reckon from commands (unsafe)')
    max_mission_duration_s: float = param(
        120.0, 'Fail a mission that runs longer (s)', 1.0, 3600.0)
    stall_timeout_s: float = param(
        3.0, 'Fail a step that makes no progress for this long (s)', 0.5, 60.0)
    photo_timeout_s: float = param(2.0, 'Wait this long for a camera frame (s)', 0.1, 30.0)
    photo_dir: str = param('~/.shadowhound/photos', 'Where photo actions save PNG files')
    # A weak model once answered "turn a quarter to your left" with twenty photo actions:
    # what a plan may write is bounded like what it may drive.
    max_photos_per_mission: int = param(
        5, 'Most photo actions in one plan (the envelope rejects more)', 0, 1000)
    max_photo_dir_mb: float = param(
        500.0, 'A photo fails when photo_dir already holds this much (MB)', 0.0, 1000000.0)
    # The look action: the latest camera frame and a question to a vision-language model.
    vision_model: str = param(
        '', 'Vision-language model that answers look actions (e.g. gemma3:4b); empty: look '
        'is off and refused')
    vision_backend: str = param(
        'ollama', 'Server the vision model runs on: ollama (native /api/chat with images) | '
        'openai (OpenAI-compatible image content parts)')
    vision_host: str = param(
        '', 'Vision server URL; empty: the same server as ollama_host (vision_backend '
        'ollama) or openai_base_url (openai)')
    vision_max_side_px: int = param(
        640, 'Longest image side sent to the vision model (px): larger frames are downscaled '
        'before encoding', 32, 4096)
    vision_timeout_s: float = param(
        30.0, 'A look fails when the vision model has not answered within this (s)', 0.5, 600.0)
    max_frame_age_s: float = param(
        1.0, 'A look uses only a camera frame at most this old (s), taken after the last '
        'motion stopped', 0.05, 60.0)
    max_looks_per_mission: int = param(
        3, 'Most look actions in one plan (the envelope rejects more)', 0, 100)
    slow_speed_fraction: float = param(
        0.5, '"slowly": this fraction of the cruise speeds', 0.05, 1.0)
    fast_speed_fraction: float = param(
        1.5, '"fast": this fraction of the cruise speeds (never above the max speeds)', 1.0,
        10.0)
    odom_wait_s: float = param(
        3.0, 'A motion mission sent before the first odom waits this long for it (s)', 0.0, 60.0)
    odom_latency_s: float = param(
        0.3, 'Odometry delay assumed until it is measured while moving (s): the pose is '
        'dead-reckoned across the delay with the commands sent since', 0.0, 5.0)
    stop_mode: str = param(
        'auto', 'How motion ends: zero (a zero Twist) | go2 (a Twist the go2 driver turns into '
        'Move(0,0,0), a zero Twist, and StopMove on webrtc_req when go2_interfaces imports) | '
        'auto (go2 when go2_interfaces imports, else zero)')

    def problems(self) -> list[str]:
        """Every inconsistency an operator must fix, as readable sentences."""
        out = self.live_problems()
        if self.cruise_linear_speed > self.max_linear_speed:
            out.append(f'cruise_linear_speed={self.cruise_linear_speed} m/s exceeds '
                       f'max_linear_speed={self.max_linear_speed} m/s')
        if self.cruise_angular_speed > self.max_angular_speed:
            out.append(f'cruise_angular_speed={self.cruise_angular_speed} rad/s exceeds '
                       f'max_angular_speed={self.max_angular_speed} rad/s')
        return out

    def live_problems(self) -> list[str]:
        """Problems that refuse a run-time change too.

        Lowering a hard limit below its cruise speed is accepted at run time (the cruise is
        capped to it): an operator slowing a live robot must never be refused. The backend
        settings (known names, server URLs that parse) are checked by the backend registry
        (``backends.registry.backend_problems``): this module knows no backend.
        """
        out = _Params.problems(self)
        if self.stop_mode not in ('auto', 'zero', 'go2'):
            out.append(f'stop_mode={self.stop_mode!r}: use auto, zero or go2')
        if self.vision_backend not in VISION_BACKENDS:
            out.append(f'vision_backend={self.vision_backend!r}: use '
                       f'{" or ".join(VISION_BACKENDS)}')
        if self.openai_response_format not in ('json_schema', 'json_object'):
            out.append(f'openai_response_format={self.openai_response_format!r}: use '
                       f'json_schema or json_object')
        return out

    def speed_word(self, word: str) -> tuple[float, float]:
        """(m/s, deg/s) meant by "slow"/"slowly" or "fast"/"quickly".

        Fractions of the cruise speeds, never above the hard limits; ValueError otherwise.
        """
        fraction = {'slow': self.slow_speed_fraction, 'slowly': self.slow_speed_fraction,
                    'fast': self.fast_speed_fraction, 'quickly': self.fast_speed_fraction
                    }.get(word.lower())
        if fraction is None:
            raise ValueError(f'unknown speed word {word!r}: use slowly or fast')
        linear = min(self.cruise_linear_speed * fraction, self.max_linear_speed)
        angular = min(self.cruise_angular_speed * fraction, self.max_angular_speed)
        return round(linear, 3), round(math.degrees(angular), 1)

    @property
    def llm_backends(self) -> tuple[str, ...]:
        """The LLM backends in the order they are tried (primary, then fallback)."""
        return tuple(k for k in (self.backend, self.fallback_backend) if k and k != 'none')


@dataclass(frozen=True)
class MonitorConfig(_Params):
    """Parameters of gpu_monitor: all live except period_s (the timer's rate)."""

    NODE = 'gpu_monitor'

    period_s: float = param(1.0, 'Diagnostics period (s; read-only: the timer is set at '
                            'start-up)', 0.1, 60.0, read_only=True)
    ollama_host: str = param(AgentConfig.ollama_host, 'Ollama server URL (for /api/ps); empty: '
                             'no Ollama to watch (Ollama models OK, not watched)')
    telemetry: str = param('auto', 'Telemetry source: auto (jtop, then NVML) | jtop | nvml | none')
    baseline_tokens_per_s: float = param(0.0, 'Expected decode speed; 0 learns it from the first '
                                         'baseline_samples calls', 0.0, 10000.0)
    baseline_samples: int = param(3, 'Calls whose median becomes the learned baseline', 1, 100)
    warn_ratio: float = param(0.7, 'WARN below this fraction of the baseline', 0.0, 1.0)
    error_ratio: float = param(0.5, 'ERROR below this fraction of the baseline', 0.0, 1.0)
    expected_num_ctx: int = param(AgentConfig.num_ctx, 'num_ctx the agent asks for (to spot '
                                  'oversized contexts)', 0, 1048576)
    memory_bandwidth_gbs: float = param(
        0.0, 'Device memory bandwidth for the decode-speed roofline (GB/s); 0 = from the '
        'Jetson board table or NVML', 0.0, 100000.0)
    cpu_memory_bandwidth_gbs: float = param(
        50.0, 'Bandwidth at which the CPU reads the share of a model not in VRAM (GB/s)', 0.1,
        100000.0)
    roofline_warn: float = param(
        0.5, 'WARN below this fraction of the roofline (healthy decoding reaches 0.6-0.85)',
        0.0, 1.0)
    roofline_error: float = param(
        0.25, 'ERROR below this fraction of the roofline (the several-fold collapse)', 0.0, 1.0)

    def problems(self) -> list[str]:
        """Inconsistent settings, as sentences."""
        out = super().problems()
        if self.telemetry not in ('auto', 'jtop', 'nvml', 'none'):
            out.append(f'telemetry={self.telemetry!r}: use auto, jtop, nvml or none')
        if self.error_ratio > self.warn_ratio:
            out.append(f'error_ratio {self.error_ratio} must not exceed warn_ratio '
                       f'{self.warn_ratio}')
        if self.roofline_error > self.roofline_warn:
            out.append(f'roofline_error {self.roofline_error} must not exceed roofline_warn '
                       f'{self.roofline_warn}')
        return out


@dataclass(frozen=True)
class SimConfig(_Params):
    """Parameters of sim_robot (the GO2's own limits, not the agent's)."""

    NODE = 'sim_robot'

    x: float = param(0.0, 'Start x in the odom frame (m)')
    y: float = param(0.0, 'Start y in the odom frame (m)')
    yaw: float = param(0.0, 'Start heading (rad, counter-clockwise from x)')
    rate_hz: float = param(50.0, 'odom publish and integration rate (Hz)', 1.0, 1000.0)
    cmd_timeout_s: float = param(0.5, 'Stop when cmd_vel is quiet this long (s), like twist_mux',
                                 0.01, 10.0)
    max_linear_speed: float = param(1.5, 'GO2 speed limit (m/s)', 0.01, 5.0)
    max_lateral_speed: float = param(0.8, 'GO2 sideways speed limit (m/s)', 0.01, 5.0)
    max_angular_speed: float = param(2.0, 'GO2 turn-rate limit (rad/s)', 0.01, 10.0)
    linear_accel: float = param(1.0, 'Linear acceleration limit (m/s^2)', 0.01, 20.0)
    angular_accel: float = param(3.0, 'Angular acceleration limit (rad/s^2)', 0.01, 50.0)
    publish_odom: bool = param(True, 'Publish odom (set false at run time to simulate odom loss)')
    camera_rate_hz: float = param(2.0, 'Synthetic camera/image_raw rate (Hz); 0 disables', 0.0,
                                  60.0)
    odom_frame: str = param('odom', 'Frame id of the odometry pose')
    base_frame: str = param('base_link', 'Child frame id (the robot body)')
    bridge_model: str = param(
        'go2', 'How the bridge behaves: go2 (go2_ros2_sdk behind twist_mux: zero Twists '
        'dropped, speeds rounded to 0.01, last command held, late and gappy pose-only odom) '
        '| ideal (odom at rate_hz, no delay, zero honoured, stop after cmd_timeout_s)',
        read_only=True)
    command_hold_s: float = param(
        1.0, 'go2: the robot keeps executing the last forwarded command this long (s)',
        0.0, 10.0, read_only=True)
    odom_rate_hz: float = param(10.0, 'go2: odometry rate (Hz)', 0.5, 100.0, read_only=True)
    odom_latency_s: float = param(
        0.3, 'go2: odometry is published this late (s)', 0.0, 10.0, read_only=True)
    odom_gap_s: float = param(
        0.2, 'go2: length of the occasional odometry gaps (s); 0 = none', 0.0, 5.0,
        read_only=True)

    def problems(self) -> list[str]:
        """Out-of-range values and an unknown bridge model."""
        out = super().problems()
        if self.bridge_model not in BRIDGE_MODELS:
            out.append(f'bridge_model={self.bridge_model!r}: use go2 or ideal')
        return out


BRIDGE_MODELS = ('go2', 'ideal')


NODE_CONFIGS: dict[str, type] = {c.NODE: c for c in (AgentConfig, MonitorConfig, SimConfig)}


def param_specs(config_cls: type = AgentConfig) -> list[tuple[str, Any, str, Any, Any]]:
    """(name, default, description, min, max) for every field of a parameter dataclass."""
    return [(f.name, f.default, f.metadata['description'], f.metadata['min_value'],
             f.metadata['max_value']) for f in fields(config_cls)]


def _coerce(name: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, str):
            if value.lower() in ('true', '1', 'yes'):
                return True
            if value.lower() in ('false', '0', 'no'):
                return False
            raise ValueError(f'{name}: expected true/false, got {value!r}')
        return bool(value)
    if kind in (int, float):
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise ValueError(f'{name}: expected a number, got {value!r}') from None
    return str(value)


def load_params_file(path: str | Path, node_name: str = 'mission_agent') -> dict[str, Any]:
    """Read ``ros__parameters`` for one node from a ROS 2 params YAML file."""
    data = yaml.safe_load(Path(path).read_text(encoding='utf-8')) or {}
    for key in (node_name, f'/{node_name}', '/**', '**'):
        section = data.get(key)
        if isinstance(section, dict) and 'ros__parameters' in section:
            return dict(section['ros__parameters'])
    raise ValueError(f'{path}: no "{node_name}: ros__parameters:" section')


def render_params_yaml(config_cls: type = AgentConfig, node_name: str = 'mission_agent') -> str:
    """A node's params YAML generated from its config dataclass (tests keep config/ in sync)."""
    lines = [f'# {node_name} parameters and their defaults (SI units unless the name says).',
             '# Generated: python -m shadowhound_llm.common.params ' + node_name,
             f'{node_name}:', '  ros__parameters:']
    for name, default, description, lo, hi in param_specs(config_cls):
        bounds = f' [{lo:g} .. {hi:g}]' if lo is not None else ''
        lines.append(f'    # {description}{bounds}')
        if isinstance(default, bool):
            value = 'true' if default else 'false'
        elif isinstance(default, str):
            value = f'"{default}"'
        else:
            value = repr(default)
        lines.append(f'    {name}: {value}')
    return '\n'.join(lines) + '\n'


def main(argv: list[str] | None = None) -> int:
    """Print one node's parameter file with every default, description and range."""
    import argparse

    parser = argparse.ArgumentParser(
        prog='python -m shadowhound_llm.common.params',
        description="Print a node's parameters as a ROS 2 params file (defaults, "
                    'descriptions, ranges).')
    parser.add_argument('node', nargs='?', default='mission_agent', choices=list(NODE_CONFIGS))
    opts = parser.parse_args(argv)
    print(render_params_yaml(NODE_CONFIGS[opts.node], opts.node), end='')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
