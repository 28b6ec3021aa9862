# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""docs/INTERFACE.md says what the code does: executables, topics, JSON, parameters, launch."""

import ast
from pathlib import Path
import re

import pytest

from shadowhound_llm.common.contract import LLMMetrics, MissionRequest, MissionStatus
from shadowhound_llm.common.params import AgentConfig, MonitorConfig, param_specs, SimConfig
from shadowhound_llm.executables import EXECUTABLES
from shadowhound_llm.nodes.launch_setup import ARGUMENTS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / 'docs' / 'INTERFACE.md'
NODES = {'mission_agent': AgentConfig, 'gpu_monitor': MonitorConfig, 'sim_robot': SimConfig}


def section(title: str, level: str = '##') -> str:
    """The text of one section of the page, up to the next heading of that level or above."""
    text = DOC.read_text(encoding='utf-8')
    start = re.search(rf'^{level} {re.escape(title)}\s*$', text, flags=re.MULTILINE)
    assert start, f'no "{level} {title}" section in {DOC.name}'
    rest = text[start.end():]
    stop = re.search(rf'^#{{1,{len(level)}}} ', rest, flags=re.MULTILINE)
    return rest[:stop.start()] if stop else rest


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row in ``text`` except header and rule rows."""
    rows = []
    for line in text.splitlines():
        if line.startswith('|') and not re.match(r'^\|[-| ]+\|$', line):
            rows.append([cell.strip() for cell in line.strip().strip('|').split('|')])
    return rows[1:] if rows else rows  # the header


def first_cells(text: str) -> list[str]:
    return [row[0].strip('`') for row in table_rows(text)]


def shown(value) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, str):
        return f'`"{value}"`'
    return repr(value)


def test_every_executable_and_only_those():
    assert sorted(first_cells(section('Executables'))) == sorted(EXECUTABLES)


@pytest.mark.parametrize('node', list(NODES))
def test_every_parameter_with_its_default(node):
    rows = table_rows(section(node, '###'))
    documented = {row[0].strip('`'): row[1] for row in rows}
    expected = {name: shown(default) for name, default, *_ in param_specs(NODES[node])}
    assert documented == expected


def test_every_launch_argument_with_its_default():
    rows = table_rows(section('Launch arguments'))
    documented = {row[0].strip('`'): row[1] for row in rows}
    expected = {a.name: f'`{a.default}`' if a.default else '(empty)' for a in ARGUMENTS}
    assert documented == expected


def code_topics(node: str) -> set[tuple[str, str, str]]:
    """(topic, package/Type, in|out) of every publisher and subscription in the node's skin."""
    tree = ast.parse((ROOT / 'shadowhound_llm' / 'nodes' / f'{node}.py').read_text())
    packages = {alias.asname or alias.name: stmt.module.split('.')[0]
                for stmt in ast.walk(tree) if isinstance(stmt, ast.ImportFrom) and stmt.module
                and stmt.module.endswith('.msg') for alias in stmt.names}
    found = set()
    for call in ast.walk(tree):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in ('create_publisher', 'create_subscription')
                and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant)):
            kind = call.args[0].id
            direction = 'out' if call.func.attr == 'create_publisher' else 'in'
            found.add((call.args[1].value, f'{packages[kind]}/{kind}', direction))
    return found


@pytest.mark.parametrize('node', list(NODES))
def test_every_topic_of_every_node_with_its_type_and_direction(node):
    documented = {(row[1].strip('`'), row[2], row[3]) for row in table_rows(section('Topics'))
                  if row[0] == node}
    assert code_topics(node), 'the parse found no topic: the test would prove nothing'
    assert documented == code_topics(node)


@pytest.mark.parametrize('title, model', [('Mission text and requests on `mission_command`',
                                           MissionRequest),
                                          ('`mission_status`', MissionStatus),
                                          ('`llm_metrics`', LLMMetrics)])
def test_every_json_field(title, model):
    assert set(first_cells(section(title, '###'))) == set(model.model_fields)


def test_the_readme_points_here_and_not_outside_the_repository():
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    assert 'docs/INTERFACE.md' in readme
    assert '../shared' not in readme
