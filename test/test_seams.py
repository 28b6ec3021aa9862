# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The seams between programs are typed and coded, and the cores load without ROS.

Diagnostic value keys that programs parse are spelled once (contract.DiagKey): no other
module types one again. The mission link, robot_test's runner, gpu_monitor's core and the
agent's diagnostics import in a Python without rclpy.
"""

import ast
from pathlib import Path
import re
import subprocess
import sys

from shadowhound_llm.common.contract import DiagKey, DiagTask, Reason

PACKAGE = Path(__file__).resolve().parents[1] / 'shadowhound_llm'
ROS_MODULES = ('rclpy', 'std_msgs', 'geometry_msgs', 'nav_msgs', 'sensor_msgs',
               'diagnostic_msgs', 'rcl_interfaces')


def _constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding='utf-8'))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


def test_diagnostic_keys_and_task_names_are_spelled_only_in_the_contract():
    keys = {v for k, v in vars(DiagKey).items() if k.isupper() and isinstance(v, str)
            and ('[' in v or 'tokens/s' in v)}
    tasks = {v for k, v in vars(DiagTask).items() if k.isupper() and isinstance(v, str)}
    assert 'GPU share [MiB]' in keys and 'gpu_monitor: Memory' in tasks
    spelled = {}
    for path in PACKAGE.rglob('*.py'):
        if path.name == 'contract.py':
            continue
        found = _constants(path) & (keys | tasks)
        if found:
            spelled[str(path.relative_to(PACKAGE))] = sorted(found)
    assert not spelled, f'use contract.DiagKey / DiagTask instead: {spelled}'


def test_the_new_cores_import_without_ros():
    code = ('import sys\n'
            'class Block:\n'
            '    def find_spec(self, name, path=None, target=None):\n'
            f'        if name.split(".")[0] in {ROS_MODULES!r}:\n'
            '            raise ImportError("ROS is blocked in this check: " + name)\n'
            'sys.meta_path.insert(0, Block())\n'
            'import shadowhound_llm.common.mission_link, shadowhound_llm.health.monitor\n'
            'import shadowhound_llm.evaluation.robot_test_runner\n'
            'import shadowhound_llm.evaluation.robot_test_phases\n'
            'import shadowhound_llm.mission.diagnostics\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_reason_code_is_documented_with_the_interface_and_only_those():
    doc = (PACKAGE.parent / 'docs' / 'INTERFACE.md').read_text(encoding='utf-8')
    table = doc[doc.index('| state | `reason` | why |'):]
    table = table[:table.index('\n\n')]
    documented = set()
    for row in table.splitlines()[2:]:
        documented |= set(re.findall(r'`([a-z_]+)`', row.split('|')[2]))
    assert documented == {r.value for r in Reason}
