# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Parameters of mission_agent: one table drives the ROS declarations, the YAML and the CLI.

Plain Python (no rclpy) so that the CLI tools and the tests share the same defaults,
descriptions and validation as the node.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml


def param(default: Any, description: str, min_value: float | None = None,
          max_value: float | None = None) -> Any:
    """A dataclass field that is also a ROS parameter: default, description, range."""
    return field(default=default, metadata={
        'description': description, 'min_value': min_value, 'max_value': max_value})


@dataclass(frozen=True)
class AgentConfig:
    """Typed mission_agent parameters (SI units); each field carries its description and range."""

    backend: str = param('ollama', 'LLM backend: ollama | openai | none (rule planner only)')
    ollama_host: str = param('http://localhost:11434', 'Ollama server URL')
    model: str = param('phi4:14b', 'Ollama model used for planning')
    keep_alive: str = param('-1', 'Ollama keep_alive: seconds or Go duration; -1 keeps it loaded')
    num_ctx: int = param(4096, 'LLM context length in tokens (set explicitly)', 512, 262144)
    temperature: float = param(0.0, 'LLM sampling temperature', 0.0, 2.0)
    llm_timeout_s: float = param(30.0, 'Cancel an LLM call after this many seconds', 0.1, 600.0)
    validate_on_startup: bool = param(True, 'Check the LLM backend before accepting missions')
    min_tokens_per_s: float = param(5.0, 'Warn when warm decode speed is below this', 0.0, 10000.0)
    stream_execution: bool = param(True, 'Start executing actions while the plan streams in')
    fallback_backend: str = param('', 'Backend used when the primary fails: "" | openai')
    openai_base_url: str = param(
        'https://api.openai.com/v1',
        'OpenAI-compatible base URL (API key only from $OPENAI_API_KEY)')
    openai_model: str = param('gpt-4o-mini', 'Model name on the OpenAI-compatible backend')
    openai_response_format: str = param(
        'json_schema', 'Structured output style: json_schema (OpenAI, vLLM, Ollama) or '
        'json_object (llama.cpp server)')
    control_rate_hz: float = param(20.0, 'cmd_vel stream rate while moving (Hz)', 2.5, 200.0)
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

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> AgentConfig:
        """Build from a name->value mapping; unknown names are an error, types are coerced."""
        kinds = {f.name: type(f.default) for f in fields(cls)}
        unknown = sorted(set(values) - set(kinds))
        if unknown:
            raise ValueError(f'unknown mission_agent parameter(s): {", ".join(unknown)}')
        return cls(**{k: _coerce(k, v, kinds[k]) for k, v in values.items()})

    def problems(self) -> list[str]:
        """Every inconsistency an operator must fix, as readable sentences."""
        out = []
        for f in fields(self):
            value, lo, hi = getattr(self, f.name), f.metadata['min_value'], f.metadata['max_value']
            if lo is not None and value < lo:
                out.append(f'{f.name}={value} is below its minimum {lo}')
            if hi is not None and value > hi:
                out.append(f'{f.name}={value} is above its maximum {hi}')
        if self.cruise_linear_speed > self.max_linear_speed:
            out.append(f'cruise_linear_speed={self.cruise_linear_speed} m/s exceeds '
                       f'max_linear_speed={self.max_linear_speed} m/s')
        if self.cruise_angular_speed > self.max_angular_speed:
            out.append(f'cruise_angular_speed={self.cruise_angular_speed} rad/s exceeds '
                       f'max_angular_speed={self.max_angular_speed} rad/s')
        if self.backend not in BACKENDS:
            out.append(f'backend={self.backend!r}: use one of {", ".join(BACKENDS)}')
        if self.openai_response_format not in ('json_schema', 'json_object'):
            out.append(f'openai_response_format={self.openai_response_format!r}: use '
                       f'json_schema or json_object')
        if self.fallback_backend not in ('',) + BACKENDS:
            out.append(f'fallback_backend={self.fallback_backend!r}: use "" or one of '
                       f'{", ".join(BACKENDS)}')
        return out


BACKENDS = ('ollama', 'openai', 'none')


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
             '# Generated: python -m shadowhound_llm.params ' + node_name,
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


if __name__ == '__main__':
    import sys

    if sys.argv[1:] == ['gpu_monitor']:
        from .nodes.gpu_monitor import MonitorConfig
        print(render_params_yaml(MonitorConfig, 'gpu_monitor'), end='')
    else:
        print(render_params_yaml(), end='')
