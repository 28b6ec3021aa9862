# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The layering holds: subpackages in one-way layers, a plain-Python core, ROS only in the skins.

Layers, lowest first (README, Architecture): a module imports its own subpackage and the
layers below it, never one above, at module level or inside a function.
"""

import ast
from pathlib import Path
import re
import subprocess
import sys

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'shadowhound_llm'
# Lowest first. The top-level modules (__init__, __main__, executables) sit above them all.
LAYERS = ('common', 'motion', 'planning', 'backends', 'health', 'mission', 'evaluation',
          'nodes', 'dashboard', 'testing', 'tools')
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


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def package_imports(path: Path) -> dict[str, int]:
    """Every shadowhound_llm module ``path`` imports (any depth in the file) -> first line.

    ``from package import name`` counts as importing the submodule when ``name`` is one.
    """
    name = module_name(path)
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    out: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[:len(package.split('.')) - (node.level - 1)]
                module = '.'.join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ''
            targets = [module]
            for alias in node.names:
                sub = PACKAGE.parent / Path(*f'{module}.{alias.name}'.split('.'))
                if sub.with_suffix('.py').exists() or (sub / '__init__.py').exists():
                    targets.append(f'{module}.{alias.name}')
        for target in targets:
            if target == 'shadowhound_llm' or target.startswith('shadowhound_llm.'):
                out.setdefault(target, node.lineno)
    out.pop(name, None)
    return out


def layer(module: str) -> int:
    """The layer index of a module: its subpackage's place in LAYERS; top level above all."""
    parts = module.split('.')
    return LAYERS.index(parts[1]) if len(parts) > 2 or (
        len(parts) == 2 and parts[1] in LAYERS) else len(LAYERS)


def test_every_subpackage_has_a_layer():
    subpackages = {p.parent.name for p in PACKAGE.glob('*/__init__.py')}
    assert subpackages == set(LAYERS), subpackages ^ set(LAYERS)


@pytest.mark.parametrize('path', sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_layers_only(path):
    here = module_name(path)
    upward = [f'line {line}: {target}' for target, line in package_imports(path).items()
              if layer(target) > layer(here) and target != 'shadowhound_llm']
    where = LAYERS[layer(here)] if layer(here) < len(LAYERS) else 'top level'
    assert not upward, f'{here} (layer {where}) imports a higher layer: {upward}'


def test_the_test_doubles_stand_alone():
    """testing/ imports nothing of the package: the doubles speak the protocols, not our code."""
    for path in (PACKAGE / 'testing').glob('*.py'):
        assert not set(package_imports(path)) - {'shadowhound_llm.testing'}, path.name


def _graph() -> dict[str, set[str]]:
    """Each module -> the package modules its imports run (__init__ files on the way too)."""
    graph = {module_name(p): set() for p in sources()}
    for path in sources():
        here = module_name(path)
        for target in package_imports(path):
            parts = target.split('.')
            for n in range(2, len(parts) + 1):
                prefix = '.'.join(parts[:n])
                # a package containing this module is already loading: not a new edge
                if prefix in graph and (prefix == target or not here.startswith(prefix + '.')):
                    graph[here].add(prefix)
    return graph


def test_no_import_circle_even_through_function_level_imports():
    graph = _graph()
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not circles, f'import circles: {circles}'


def test_the_parameter_module_depends_on_nothing_of_the_package():
    assert not set(package_imports(PACKAGE / 'common' / 'params.py')) - {
        'shadowhound_llm', 'shadowhound_llm.common'}
    code = ('import sys\n'
            'import shadowhound_llm.common.params\n'
            'print(sorted(m for m in sys.modules if m.startswith("shadowhound_llm")'
            ' or m.split(".")[0] in ("httpx", "httpcore", "rclpy")))\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "['shadowhound_llm',", "'shadowhound_llm.common',", "'shadowhound_llm.common.params']"]


def test_the_readme_drawing_is_the_tree():
    """README's Architecture block: every subpackage, in layer order, and every module named."""
    readme = (PACKAGE.parent / 'README.md').read_text(encoding='utf-8')
    block = readme.split('## Architecture', 1)[1].split('```', 2)[1]
    drawn = re.findall(r'^  (\w+)/', block, flags=re.MULTILINE)
    assert drawn == list(reversed(LAYERS)), drawn
    sections = re.split(r'^  (?=\w+/)', block, flags=re.MULTILINE)[1:]
    for name, text in zip(drawn, sections, strict=True):
        modules = {p.relative_to(PACKAGE / name).as_posix()
                   for p in (PACKAGE / name).rglob('*.py') if p.name != '__init__.py'}
        missing = {m for m in modules if Path(m).name not in text}
        assert not missing, f'README does not name {name}/{sorted(missing)}'
