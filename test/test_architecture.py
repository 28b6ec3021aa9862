# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The layering holds: a plain-Python core, one contract module, ROS only in the skins."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'shadowhound_llm'
ROS_MODULES = ('rclpy', 'std_msgs', 'geometry_msgs', 'nav_msgs', 'sensor_msgs',
               'diagnostic_msgs', 'rcl_interfaces', 'std_srvs', 'builtin_interfaces')
# The ROS skins: nodes, tools that talk to a live system, and the dashboard's node module.
ROS_ALLOWED = ('nodes/', 'tools/', 'dashboard/node.py')
TERMINAL_WORDS = {'succeeded', 'failed', 'cancelled', 'rejected'}


def sources():
    return sorted(p for p in PACKAGE.rglob('*.py') if '__pycache__' not in p.parts)


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split('.')[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split('.')[0])
    return names


@pytest.mark.parametrize('path', sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_ros_skins_import_rclpy_or_messages(path):
    rel = str(path.relative_to(PACKAGE))
    ros = imported_modules(ast.parse(path.read_text(encoding='utf-8'))) & set(ROS_MODULES)
    if any(rel.startswith(prefix) for prefix in ROS_ALLOWED):
        return
    assert not ros, f'{rel} imports {sorted(ros)}: keep ROS in nodes/ and tools/'


@pytest.mark.parametrize('path', sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_terminal_states_are_defined_only_in_the_contract(path):
    if path.name == 'contract.py':
        return
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            words = {e.value for e in node.elts
                     if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            assert len(words & TERMINAL_WORDS) < 3, \
                f'{path.name}:{node.lineno} restates the terminal states: use contract.py'


def test_the_core_imports_without_ros():
    """The core modules load in a Python without rclpy (checked in a clean interpreter)."""
    import subprocess
    import sys
    code = ('import sys\n'
            'class Block:\n'
            '    def find_spec(self, name, path=None, target=None):\n'
            f'        if name.split(".")[0] in {ROS_MODULES!r}:\n'
            '            raise ImportError("ROS is blocked in this check: " + name)\n'
            'sys.meta_path.insert(0, Block())\n'
            'import shadowhound_llm.mission.agent, shadowhound_llm.common.contract\n'
            'import shadowhound_llm.mission.runner\n'
            'import shadowhound_llm.nodes.launch_setup, shadowhound_llm.tools.check_backend\n'
            'import shadowhound_llm.tools.plan_cli, shadowhound_llm.tools.benchmark\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
