# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The ROS package as colcon installs it, the launch file, and the parameter files."""

import ast
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

from shadowhound_llm.common.params import (
    AgentConfig,
    load_params_file,
    param_specs,
    render_params_yaml,
    SimConfig,
)
from shadowhound_llm.executables import EXECUTABLES

ROOT = Path(__file__).resolve().parents[1]
# The contract lives in shared/ beside the repository (as laid for sessions and CI).
CONTRACT = ROOT.parent / 'shared' / 'CONTRACT.md'


def contract_executables() -> list[str]:
    """The names in the contract's executables table (skips when the contract is absent)."""
    if not CONTRACT.exists():
        pytest.skip(f'{CONTRACT} is not here (shared/ is laid beside the repository)')
    text = CONTRACT.read_text(encoding='utf-8')
    section = text.split('## Executables', 1)[1].split('\n## ', 1)[0]
    names = re.findall(r'^\| `([a-z_]+)` \|', section, flags=re.MULTILINE)
    assert len(names) >= 9, f'could not read the executables table of {CONTRACT}'
    return names


def test_package_xml_is_format_3_ament_python_with_runtime_deps():
    root = ET.parse(ROOT / 'package.xml').getroot()
    assert root.get('format') == '3'
    assert root.findtext('name') == 'shadowhound_llm'
    assert root.find('export/build_type').text == 'ament_python'
    deps = {e.text for e in root.findall('exec_depend')}
    assert deps >= {'rclpy', 'std_msgs', 'geometry_msgs', 'nav_msgs', 'sensor_msgs',
                    'diagnostic_msgs', 'launch_ros', 'python3-pydantic', 'python3-httpx',
                    'python3-yaml', 'diagnostic_aggregator'}
    assert {e.text for e in root.findall('test_depend')} >= {'python3-pytest'}


def test_every_contract_executable_is_a_console_script():
    names = contract_executables()
    assert {'mission', 'dashboard', 'robot_test'} <= set(names)
    assert set(names) <= set(EXECUTABLES), set(names) - set(EXECUTABLES)


@pytest.mark.skipif(shutil.which('colcon') is None and not (
    Path(sys.executable).parent / 'colcon').exists(), reason='colcon is not installed')
def test_colcon_build_install_layout(tmp_path):
    src = tmp_path / 'src' / 'shadowhound_llm'
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        '.venv*', '.git', 'build', 'install', 'log', 'out', '*.egg-info', '__pycache__'))
    colcon = shutil.which('colcon') or str(Path(sys.executable).parent / 'colcon')
    proc = subprocess.run([colcon, 'build', '--base-paths', str(tmp_path / 'src'),
                           '--build-base', str(tmp_path / 'build'),
                           '--install-base', str(tmp_path / 'install')],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    prefix = tmp_path / 'install' / 'shadowhound_llm'
    for name in contract_executables():
        assert (prefix / 'lib' / 'shadowhound_llm' / name).is_file(), name
    share = prefix / 'share' / 'shadowhound_llm'
    assert (share / 'package.xml').is_file()
    assert (share / 'launch' / 'mission.launch.py').is_file()
    assert (share / 'config' / 'mission_agent.yaml').is_file()
    assert (prefix / 'share' / 'ament_index' / 'resource_index' / 'packages'
            / 'shadowhound_llm').is_file()


def _launch_source():
    return (ROOT / 'launch' / 'mission.launch.py').read_text(encoding='utf-8')


def test_launch_file_maps_the_plan_and_ends_with_the_agent():
    """Static check (launch_ros has no wheel): the file is a thin mapping of launch_setup."""
    source = _launch_source()
    tree = ast.parse(source)
    calls = {n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, 'attr', '')
             for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert {'plan_launch', 'write_params_file', 'agent_exit', 'DeclareLaunchArgument',
            'OpaqueFunction', 'OnProcessExit', 'RegisterEventHandler', 'Shutdown',
            'Node'} <= calls
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        for kw in call.keywords:  # executables and packages come from the plan only
            if kw.arg in ('executable', 'package'):
                assert not isinstance(kw.value, ast.Constant), ast.unparse(call)
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
               and isinstance(n.value, str)}
    assert 'config' in strings  # the default parameter files sit beside launch/


def test_plan_names_only_existing_executables_and_files():
    from shadowhound_llm.nodes.launch_setup import ARGUMENTS, DEFAULT_FILES, plan_launch
    for _, name in DEFAULT_FILES.values():
        assert (ROOT / 'config' / name).is_file(), name
    plan = plan_launch({'sim': 'true', 'gpu_monitor': 'true', 'dashboard': 'true'},
                       ROOT / 'config', {}, lambda package: True)
    for node in plan.nodes:
        if node.package == 'shadowhound_llm':
            assert node.executable in EXECUTABLES, node.executable
    names = {a.name for a in ARGUMENTS}
    for arg in ('model', 'ollama_host', 'sim', 'gpu_monitor', 'namespace', 'params_file'):
        assert arg in names, f'launch argument {arg} missing'


def test_launch_description_builds_where_launch_ros_exists():
    pytest.importorskip('launch_ros', reason='launch_ros has no PyPI wheel; runs on a ROS '
                                             'install only')
    import importlib.util

    from shadowhound_llm.nodes.launch_setup import ARGUMENTS
    spec = importlib.util.spec_from_file_location('mission_launch',
                                                  ROOT / 'launch' / 'mission.launch.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    names = [a.name for a in description.entities if hasattr(a, 'name')]
    assert names == [a.name for a in ARGUMENTS]
    assert module.CONFIG_DIR == ROOT / 'config'


def test_params_file_holds_every_parameter_with_its_default():
    text = (ROOT / 'config' / 'mission_agent.yaml').read_text(encoding='utf-8')
    assert text == render_params_yaml(), 'regenerate: python -m shadowhound_llm.common.params'
    values = load_params_file(ROOT / 'config' / 'mission_agent.yaml')
    assert set(values) == {name for name, *_ in param_specs()}
    assert AgentConfig.from_mapping(values) == AgentConfig()


def test_gpu_monitor_params_file_is_in_sync():
    from shadowhound_llm.nodes.gpu_monitor import MonitorConfig
    text = (ROOT / 'config' / 'gpu_monitor.yaml').read_text(encoding='utf-8')
    assert text == render_params_yaml(MonitorConfig, 'gpu_monitor'), \
        'regenerate: python -m shadowhound_llm.common.params gpu_monitor'
    values = load_params_file(ROOT / 'config' / 'gpu_monitor.yaml', 'gpu_monitor')
    assert values['period_s'] == 1.0 and values['telemetry'] == 'auto'
    assert values['baseline_samples'] == 3 and values['warn_ratio'] == 0.7


def test_contract_parameter_defaults():
    c = AgentConfig()
    assert (c.backend, c.ollama_host, c.model, c.keep_alive, c.num_ctx) == (
        'ollama', 'http://localhost:11434', 'phi4:14b', '-1', 4096)
    assert (c.control_rate_hz, c.max_linear_speed, c.max_angular_speed,
            c.cruise_linear_speed, c.cruise_angular_speed) == (20.0, 0.5, 1.0, 0.3, 0.6)
    assert (c.max_move_distance_m, c.max_goto_radius_m, c.max_actions, c.max_mission_chars,
            c.position_tolerance_m, c.yaw_tolerance_deg, c.odom_timeout_s,
            c.allow_open_loop, c.max_mission_duration_s) == (
        5.0, 10.0, 20, 2000, 0.05, 3.0, 0.5, False, 120.0)


def test_sim_params_file_is_in_sync():
    from shadowhound_llm.common.params import SimConfig
    text = (ROOT / 'config' / 'sim_robot.yaml').read_text(encoding='utf-8')
    assert text == render_params_yaml(SimConfig, 'sim_robot'), \
        'regenerate: python -m shadowhound_llm.common.params sim_robot > config/sim_robot.yaml'
    values = load_params_file(ROOT / 'config' / 'sim_robot.yaml', 'sim_robot')
    assert SimConfig.from_mapping(values) == SimConfig()
    data = yaml.safe_load(text)
    assert data['sim_robot']['ros__parameters']['rate_hz'] == 50.0
    assert data['sim_robot']['ros__parameters']['cmd_timeout_s'] == 0.5


def test_the_parameter_printer_has_help_and_names_a_wrong_node():
    cmd = [sys.executable, '-m', 'shadowhound_llm.common.params']
    helped = subprocess.run(cmd + ['--help'], capture_output=True, text=True, timeout=30)
    assert helped.returncode == 0 and 'mission_agent,gpu_monitor,sim_robot' in helped.stdout
    wrong = subprocess.run(cmd + ['mission_agnet'], capture_output=True, text=True, timeout=30)
    assert wrong.returncode == 2 and "invalid choice: 'mission_agnet'" in wrong.stderr
    printed = subprocess.run(cmd + ['sim_robot'], capture_output=True, text=True, timeout=30)
    assert printed.stdout == render_params_yaml(SimConfig, 'sim_robot')


def test_setup_passes_no_option_setuptools_warns_about():
    """Colcon build shows setuptools' warnings: no tests_require (newer setuptools warn).

    The tests' requirements are in requirements/.
    """
    tree = ast.parse((ROOT / 'setup.py').read_text(encoding='utf-8'))
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call)
                and getattr(n.func, 'id', '') == 'setup')
    keywords = {k.arg for k in call.keywords}
    assert 'name' in keywords and not keywords & {'tests_require', 'test_suite'}, keywords


def _requirement_lines(name: str) -> list[str]:
    text = (ROOT / 'requirements' / name).read_text(encoding='utf-8')
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith('#')]


def test_the_robot_requirements_are_setups_and_the_pinned_ones_meet_them():
    """requirements/robot.txt (DEPLOYMENT section 4) asks for what setup.py needs.

    The pinned versions the tests run with satisfy it.
    """
    from packaging.requirements import Requirement

    tree = ast.parse((ROOT / 'setup.py').read_text(encoding='utf-8'))
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call)
                and getattr(n.func, 'id', '') == 'setup')
    install = next(k.value for k in call.keywords if k.arg == 'install_requires')
    needed = {Requirement(e.value) for e in install.elts} - {Requirement('setuptools')}
    robot = {Requirement(line) for line in _requirement_lines('robot.txt')}
    assert {str(r) for r in robot} == {str(r) for r in needed}
    pinned = {Requirement(line).name.lower(): next(iter(Requirement(line).specifier)).version
              for line in _requirement_lines('common.txt')}
    for requirement in robot:
        assert requirement.specifier.contains(pinned[requirement.name.lower()]), requirement


def test_pydantic_1_is_refused_at_start_with_what_to_do(tmp_path):
    """A Python that imports pydantic 1 gets the fix in words, status 1, no traceback.

    The python3-pydantic of Debian 12 is pydantic 1.10.4.
    """
    fake = tmp_path / 'pydantic'
    fake.mkdir()
    (fake / '__init__.py').write_text("VERSION = '1.10.4'\n", encoding='utf-8')
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join(
        [str(tmp_path), os.environ.get('PYTHONPATH', '')])}
    for argv in (['mission_agent'], ['check_backend']):
        proc = subprocess.run([sys.executable, '-m', 'shadowhound_llm', *argv],
                              capture_output=True, text=True, timeout=60, env=env)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert 'needs pydantic 2, and this Python imports pydantic 1.10.4' in proc.stderr
        assert 'python3 -m venv --system-site-packages' in proc.stderr
        assert 'requirements/robot.txt' in proc.stderr
        assert 'Traceback' not in proc.stderr
