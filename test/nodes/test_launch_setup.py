# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The launch file's decisions (nodes/launch_setup.py), for every argument combination."""

import itertools
import os
from pathlib import Path
import signal
import stat
import subprocess
import sys

import pytest
import yaml

from shadowhound_llm.common.params import AgentConfig, load_params_file
from shadowhound_llm.executables import EXECUTABLES
from shadowhound_llm.nodes.launch_setup import (
    agent_exit,
    ARGUMENTS,
    LAUNCHED_ENV,
    LaunchPlanError,
    node_section,
    package_installed,
    PARAMETER_ARGUMENTS,
    plan_launch,
    setting_hint,
    unknown_argument_warnings,
    write_params_file,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'config'
NO_ENV: dict[str, str] = {}


def plan(environ=NO_ENV, installed=False, **args):
    return plan_launch({k: str(v) for k, v in args.items()}, CONFIG, environ,
                       lambda package: installed)


def agent(p):
    return p.node('mission_agent').parameters


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding='utf-8')
    return str(path)


# ---- which nodes ------------------------------------------------------------------------
COMBOS = list(itertools.product(('true', 'false'), ('true', 'false'), ('auto', 'true', 'false'),
                                (True, False), ('true', 'false'), ('', 'robot1')))


@pytest.mark.parametrize('sim,gpu,aggregator,installed,dashboard,namespace', COMBOS)
def test_nodes_for_every_combination(sim, gpu, aggregator, installed, dashboard, namespace):
    args = {'sim': sim, 'gpu_monitor': gpu, 'aggregator': aggregator, 'dashboard': dashboard,
            'namespace': namespace, 'log_level': 'debug'}
    if aggregator == 'true' and not installed:
        with pytest.raises(LaunchPlanError, match='diagnostic-aggregator'):
            plan(installed=installed, **args)
        return
    p = plan(installed=installed, **args)
    expected = ['mission_agent']
    expected += ['gpu_monitor'] if gpu == 'true' else []
    expected += ['sim_robot'] if sim == 'true' else []
    expected += ['analyzers'] if aggregator != 'false' and installed else []
    expected += ['dashboard'] if dashboard == 'true' else []
    assert p.names == expected
    for node in p.nodes:
        assert node.namespace == namespace
        assert node.ros_arguments == ('--log-level', 'debug')
        assert node.required == (node.name == 'mission_agent')
        if node.package == 'shadowhound_llm':
            assert node.executable in EXECUTABLES
        else:
            assert (node.package, node.executable) == ('diagnostic_aggregator',
                                                       'aggregator_node')
    missing_note = any('not installed' in n for n in p.notes)
    assert missing_note == (aggregator == 'auto' and not installed)
    fleet_note = any('/diagnostics_agg' in n and 'one launch only' in n for n in p.notes)
    assert fleet_note == ('analyzers' in expected and bool(namespace))


def test_defaults_start_agent_monitor_and_dashboard_on_loopback():
    p = plan()
    assert p.names == ['mission_agent', 'gpu_monitor', 'dashboard']
    assert p.node('dashboard').parameters == {'host': '127.0.0.1', 'port': 8080}
    assert p.node('mission_agent').ros_arguments == ('--log-level', 'info')


def test_every_declared_argument_has_a_string_default_and_help():
    names = [a.name for a in ARGUMENTS]
    assert len(names) == len(set(names))
    assert {'model', 'ollama_host', 'backend', 'fallback_backend', 'params_file',
            'gpu_monitor_params_file', 'sim_params_file', 'sim', 'gpu_monitor', 'aggregator',
            'dashboard', 'namespace', 'log_level'} <= set(names)
    assert all(isinstance(a.default, str) and a.description for a in ARGUMENTS)


@pytest.mark.parametrize('args,match', [
    ({'sim': 'maybe'}, r"sim:='maybe': use true or false"),
    ({'aggregator': 'sometimes'}, 'use auto, true or false'),
    ({'log_level': 'loud'}, 'log_level'),
    ({'namespace': '2robots'}, 'namespace'),
    ({'namespace': 'robot one'}, 'namespace'),
    ({'backend': 'llamafile'}, "backend:='llamafile': use one of ollama, openai, none"),
    ({'fallback_backend': 'gpt'}, 'fallback_backend'),
    ({'ollama_host': 'ftp://thor'}, 'ollama_host:=: unsupported scheme'),
    ({'openai_base_url': 'ftp://vllm'}, 'openai_base_url:=: unsupported scheme'),
    ({'params_file': '/nonexistent/agent.yaml'}, 'no such file'),
    ({'dashboard_port': 'http'}, 'dashboard_port'),
    ({'dashboard_host': '0.0.0.0'}, 'dashboard_token'),
    ({'colour': 'red'}, 'unknown launch argument'),
    ({'namspace': 'robot1'}, r'unknown launch argument\(s\): namspace \(did you mean '
                             r'namespace\?\)'),
])
def test_bad_arguments_name_the_argument(args, match):
    with pytest.raises(LaunchPlanError, match=match):
        plan(**args)


def test_log_level_and_namespace_forms():
    p = plan(log_level='WARNING', namespace='/robot1/')
    assert p.node('mission_agent').namespace == 'robot1'
    assert p.node('mission_agent').ros_arguments == ('--log-level', 'warn')
    assert plan(namespace='fleet/robot_2').node('gpu_monitor').namespace == 'fleet/robot_2'


# ---- parameters: files and overrides ----------------------------------------------------
def test_defaults_pass_the_shipped_files_unchanged():
    p = plan()
    assert agent(p) == load_params_file(CONFIG / 'mission_agent.yaml')
    assert p.node('gpu_monitor').parameters['ollama_host'] == 'http://localhost:11434'
    assert p.node('mission_agent').params_source == str(CONFIG / 'mission_agent.yaml')


def test_gpu_monitor_watches_ollama_only_when_the_agent_uses_it():
    for args in ({'backend': 'none'}, {'backend': 'openai'}):
        p = plan(**args)
        assert p.node('gpu_monitor').parameters['ollama_host'] == '', args
        assert 'gpu_monitor: no Ollama to watch (the agent uses none)' in p.notes
    assert plan(backend='none', fallback_backend='ollama').node(
        'gpu_monitor').parameters['ollama_host'] == 'http://localhost:11434'
    named = plan(backend='none', ollama_host='thor.local')  # asked for by name: watched
    assert named.node('gpu_monitor').parameters['ollama_host'] == 'http://thor.local:11434'


@pytest.mark.parametrize('name,value', [('model', 'qwen2.5:7b'), ('backend', 'openai'),
                                        ('fallback_backend', 'openai'), ('backend', 'none'),
                                        ('openai_model', 'Qwen/Qwen2.5-7B-Instruct'),
                                        ('openai_base_url', 'http://10.0.0.9:8000/v1'),
                                        ('vision_model', 'gemma3:4b')])
def test_agent_arguments_override_only_when_given(tmp_path, name, value):
    in_file = {'model': 'llama3.1:8b', 'backend': 'ollama', 'fallback_backend': '',
               'openai_model': 'gpt-4o-mini', 'openai_base_url': 'https://api.openai.com/v1',
               'vision_model': 'llava:7b'}
    own = write(tmp_path, 'agent.yaml', {'mission_agent': {'ros__parameters': {
        **in_file, 'max_linear_speed': 0.4}}})
    chosen_by_file = agent(plan(params_file=own))
    assert chosen_by_file[name] == in_file[name]
    assert chosen_by_file['max_linear_speed'] == 0.4
    overridden = agent(plan(params_file=own, **{name: value}))
    assert overridden[name] == value and overridden['max_linear_speed'] == 0.4


def test_ollama_host_precedence(tmp_path):
    own = write(tmp_path, 'agent.yaml', {'mission_agent': {'ros__parameters': {
        'ollama_host': 'http://10.0.0.5:11434'}}})
    env = {'OLLAMA_HOST': '192.168.1.20'}
    # 1. the argument, in any OLLAMA_HOST form, normalised, for the agent and gpu_monitor
    p = plan(environ=env, params_file=own, ollama_host='thor.local:11500')
    assert agent(p)['ollama_host'] == 'http://thor.local:11500'
    assert p.node('gpu_monitor').parameters['ollama_host'] == 'http://thor.local:11500'
    # 2. your own params file (left as written), and gpu_monitor watches the same server
    p = plan(environ=env, params_file=own)
    assert agent(p)['ollama_host'] == 'http://10.0.0.5:11434'
    assert p.node('gpu_monitor').parameters['ollama_host'] == 'http://10.0.0.5:11434'
    # 3. $OLLAMA_HOST (a bare host means port 11434)
    p = plan(environ=env)
    assert agent(p)['ollama_host'] == 'http://192.168.1.20:11434'
    assert p.node('gpu_monitor').parameters['ollama_host'] == 'http://192.168.1.20:11434'
    # 4. the shipped default
    assert agent(plan())['ollama_host'] == AgentConfig().ollama_host


def test_own_gpu_monitor_file_keeps_its_server_unless_the_argument_is_given(tmp_path):
    own = write(tmp_path, 'mon.yaml', {'gpu_monitor': {'ros__parameters': {
        'ollama_host': 'http://10.9.9.9:11434', 'period_s': 2.0}}})
    p = plan(gpu_monitor_params_file=own)
    assert p.node('gpu_monitor').parameters == {'ollama_host': 'http://10.9.9.9:11434',
                                                'period_s': 2.0}
    p = plan(gpu_monitor_params_file=own, ollama_host=':11500')
    assert p.node('gpu_monitor').parameters['ollama_host'] == 'http://127.0.0.1:11500'
    assert p.node('gpu_monitor').params_source == own


def test_sim_params_file_replaces_the_default(tmp_path):
    own = write(tmp_path, 'sim.yaml', {'/**': {'ros__parameters': {'x': 2.0, 'y': -1.0}}})
    assert plan(sim='true', sim_params_file=own).node('sim_robot').parameters == {
        'x': 2.0, 'y': -1.0}
    assert plan(sim='true').node('sim_robot').parameters == load_params_file(
        CONFIG / 'sim_robot.yaml', 'sim_robot')


def test_sections_apply_from_wildcard_to_namespaced_node(tmp_path):
    data = {'/**': {'ros__parameters': {'a': 1, 'b': 1, 'c': 1}},
            'mission_agent': {'ros__parameters': {'b': 2, 'c': 2}},
            '/robot1/mission_agent': {'ros__parameters': {'c': 3}},
            'gpu_monitor': {'ros__parameters': {'d': 4}}}
    assert node_section(data, 'mission_agent') == {'a': 1, 'b': 2, 'c': 2}
    assert node_section(data, 'mission_agent', 'robot1') == {'a': 1, 'b': 2, 'c': 3}
    with pytest.raises(LaunchPlanError, match='no "sim_robot: ros__parameters:" section'):
        node_section({'gpu_monitor': {'ros__parameters': {}}}, 'sim_robot')


def test_aggregator_gets_the_analyzers_file():
    p = plan(installed=True)
    analyzers = p.node('analyzers').parameters
    assert analyzers['llm_gpu']['type'] == 'diagnostic_aggregator/GenericAnalyzer'


def test_dashboard_token_from_argument_or_environment():
    p = plan(dashboard_host='0.0.0.0', dashboard_token='s3cret', dashboard_port='9000')
    assert p.node('dashboard').parameters == {'host': '0.0.0.0', 'port': 9000,
                                              'token': 's3cret'}
    # From the environment the node reads it itself: it never lands in a parameter file.
    p = plan(environ={'SHADOWHOUND_DASHBOARD_TOKEN': 'fromenv'}, dashboard_host='10.0.0.2')
    assert 'token' not in p.node('dashboard').parameters


def test_a_misspelled_argument_under_launch_is_a_warning_naming_the_right_one():
    given = {'namspace': 'robot1', 'sim': 'true', 'model': '', 'frobnicate': 'yes'}
    lines = unknown_argument_warnings(given)
    assert len(lines) == 2
    assert lines[0].startswith('frobnicate is not an argument of mission.launch.py')
    assert lines[1].startswith('namspace (did you mean namespace?) is not an argument')
    assert unknown_argument_warnings({a.name: a.default for a in ARGUMENTS}) == []


# ---- the generated params file ----------------------------------------------------------
def test_params_files_are_owner_only_and_their_folder_goes_at_exit(tmp_path):
    node = plan(dashboard_token='s3cret-token').node('dashboard')
    path = Path(write_params_file(node, tmp_path / 'p'))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, 'it may hold the dashboard token'
    assert stat.S_IMODE((tmp_path / 'p').stat().st_mode) == 0o700
    code = ('from shadowhound_llm.nodes.launch_setup import params_directory\n'
            'import os, stat\n'
            'd = params_directory()\n'
            'print(d, oct(stat.S_IMODE(os.stat(d).st_mode)))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[1] == '0o700'
    assert not os.path.exists(out[0]), 'removed when the launch process exits'



def test_params_file_keeps_string_types(tmp_path):
    node = plan(namespace='robot1', model='1234').node('mission_agent')
    path = write_params_file(node, tmp_path)
    text = Path(path).read_text(encoding='utf-8')
    data = yaml.safe_load(text)
    values = data['/**']['ros__parameters']
    assert values['keep_alive'] == '-1' and values['model'] == '1234'
    assert values['fallback_backend'] == '' and values['num_ctx'] == 4096
    assert path.endswith('robot1/mission_agent.yaml')


@pytest.mark.ros
def test_generated_params_file_applies_to_a_namespaced_node(ros_context, tmp_path):
    """The section in config/ is named "mission_agent:"; the node runs as /robot1/..."""
    from shadowhound_llm.nodes.mission_agent import MissionAgent
    from shadowhound_llm.nodes.sim_robot import SimRobot
    own = write(tmp_path, 'agent.yaml', {'mission_agent': {'ros__parameters': {
        'validate_on_startup': False, 'max_linear_speed': 0.45}}})
    p = plan(namespace='robot1', model='qwen2.5:7b', backend='none', sim='true',
             params_file=own)
    node = p.node('mission_agent')
    args = ['--ros-args', '--params-file', write_params_file(node, tmp_path / 'out')]
    agent_node = MissionAgent(namespace='robot1', cli_args=args)
    sim_args = ['--ros-args', '--params-file',
                write_params_file(p.node('sim_robot'), tmp_path / 'out')]
    sim_node = SimRobot(namespace='robot1', cli_args=sim_args)
    try:
        assert agent_node.get_fully_qualified_name() == '/robot1/mission_agent'
        cfg = agent_node.config
        assert (cfg.model, cfg.backend, cfg.max_linear_speed, cfg.keep_alive) == (
            'qwen2.5:7b', 'none', 0.45, '-1')
        assert sim_node.config.rate_hz == 50.0
    finally:
        agent_node.destroy_node()
        sim_node.destroy_node()


# ---- the launch ends with the agent -----------------------------------------------------
def test_agent_exit_decisions():
    ok = agent_exit(0)
    assert not ok.failed and ok.end_launch and 'status 0' in ok.message
    failed = agent_exit(1)
    assert failed.failed and failed.end_launch
    assert 'status 1' in failed.message and 'validation' in failed.message
    assert 'invalid parameters' in agent_exit(2).message
    killed = agent_exit(-signal.SIGKILL)
    assert killed.failed and 'SIGKILL' in killed.message
    during = agent_exit(-signal.SIGTERM, shutting_down=True)
    assert not during.failed and not during.end_launch and 'SIGTERM' in during.message


def test_package_installed_reads_the_ament_index(tmp_path):
    index = tmp_path / 'share' / 'ament_index' / 'resource_index' / 'packages'
    index.mkdir(parents=True)
    (index / 'diagnostic_aggregator').write_text('', encoding='utf-8')
    env = {'AMENT_PREFIX_PATH': f'/nonexistent:{tmp_path}'}
    assert package_installed('diagnostic_aggregator', env)
    assert not package_installed('rqt_robot_monitor', env)
    assert not package_installed('diagnostic_aggregator', {})


# ---- the launch file's mapping, run against stand-ins for launch / launch_ros -----------
class _Recorded:
    """Stands in for a launch action: keeps its arguments."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


def _fake_launch_modules(values):
    import types

    class LaunchConfiguration:
        def __init__(self, name):
            self.name = name

        def perform(self, context):
            return values.get(self.name, context.defaults[self.name])

    class Logger:
        lines = []
        warnings = []

        def error(self, text):
            self.lines.append(text)

        def warning(self, text):
            self.warnings.append(text)

    logger = Logger()
    names = {
        'launch': {'LaunchDescription': _Recorded},
        'launch.actions': {n: type(n, (_Recorded,), {}) for n in (
            'DeclareLaunchArgument', 'EmitEvent', 'LogInfo', 'OpaqueFunction',
            'RegisterEventHandler')},
        'launch.event_handlers': {'OnProcessExit': type('OnProcessExit', (_Recorded,), {})},
        'launch.events': {'Shutdown': type('Shutdown', (_Recorded,), {})},
        'launch.logging': {'get_logger': lambda name: logger},
        'launch.substitutions': {'LaunchConfiguration': LaunchConfiguration},
        'launch_ros': {},
        'launch_ros.actions': {'Node': type('Node', (_Recorded,), {})},
    }
    modules = {}
    for name, attrs in names.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        modules[name] = module
    return modules, logger


def _load_launch_file(monkeypatch, values):
    import importlib.util
    import sys
    try:
        import launch_ros  # noqa: F401
        pytest.skip('the real launch_ros is installed: test_packaging loads the real file')
    except ImportError:
        pass
    modules, logger = _fake_launch_modules(values)
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    spec = importlib.util.spec_from_file_location('mission_launch_under_test',
                                                  ROOT / 'launch' / 'mission.launch.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, logger


class _Context:
    """What the launch file reads of launch's context: the configurations given."""

    def __init__(self, values):
        self.defaults = {a.name: a.default for a in ARGUMENTS}
        self.launch_configurations = {**self.defaults, **values}


def test_launch_file_maps_the_plan_onto_nodes(monkeypatch):
    monkeypatch.setenv('AMENT_PREFIX_PATH', '')
    given = {'sim': 'true', 'namespace': 'robot1', 'model': 'qwen2.5:7b'}
    module, logger = _load_launch_file(monkeypatch, given)
    description = module.generate_launch_description()
    entities = description.args[0]
    declared = [e.args[0] for e in entities if type(e).__name__ == 'DeclareLaunchArgument']
    assert declared == [a.name for a in ARGUMENTS]
    setup = next(e for e in entities if type(e).__name__ == 'OpaqueFunction')
    actions = setup.kwargs['function'](_Context({**given, 'log_levl': 'debug'}))
    assert logger.warnings == [unknown_argument_warnings({'log_levl': ''})[0]]
    assert 'log_levl (did you mean log_level?)' in logger.warnings[0]
    nodes = [a for a in actions if type(a).__name__ == 'Node']
    assert [n.kwargs['name'] for n in nodes] == ['mission_agent', 'gpu_monitor', 'sim_robot',
                                                 'dashboard']
    for node in nodes:
        assert node.kwargs['namespace'] == 'robot1'
        assert node.kwargs['ros_arguments'] == ['--log-level', 'info']
        assert node.kwargs['additional_env'] == {LAUNCHED_ENV: '1'}
        (params_file,) = node.kwargs['parameters']
        values = yaml.safe_load(Path(params_file).read_text(encoding='utf-8'))
        assert list(values) == ['/**']
    agent_file = nodes[0].kwargs['parameters'][0]
    assert yaml.safe_load(Path(agent_file).read_text())['/**']['ros__parameters'][
        'model'] == 'qwen2.5:7b'
    notes = [a for a in actions if type(a).__name__ == 'LogInfo']
    assert any('not installed' in n.kwargs['msg'] for n in notes)
    (handler,) = [a.args[0] for a in actions if type(a).__name__ == 'RegisterEventHandler']
    assert handler.kwargs['target_action'] is nodes[0]


def test_launch_file_ends_the_launch_with_the_agent(monkeypatch):
    import types
    module, logger = _load_launch_file(monkeypatch, {})
    running = types.SimpleNamespace(is_shutdown=False)
    ended = module._on_agent_exit(types.SimpleNamespace(returncode=0), running)
    assert [type(a).__name__ for a in ended] == ['LogInfo', 'EmitEvent']
    shutdown = ended[1].kwargs['event']
    assert 'status 0' in shutdown.kwargs['reason']
    with pytest.raises(module.MissionAgentExited, match='status 2 \\(invalid parameters'):
        module._on_agent_exit(types.SimpleNamespace(returncode=2), running)
    assert logger.lines == [], 'ros2 launch prints the exception: the line is not logged twice'
    during = module._on_agent_exit(types.SimpleNamespace(returncode=0),
                                   types.SimpleNamespace(is_shutdown=True))
    assert [type(a).__name__ for a in during] == ['LogInfo']


def test_hints_use_the_syntax_of_how_the_node_was_started():
    direct, launched = {}, {LAUNCHED_ENV: '1'}
    assert setting_hint('mission_agent', 'backend', 'none', direct) == \
        '--ros-args -p backend:=none'
    assert setting_hint('mission_agent', 'backend', 'none', launched) == 'backend:=none'
    assert setting_hint('dashboard', 'port', '8081', launched) == 'dashboard_port:=8081'
    assert setting_hint('dashboard', 'port', '8081', direct) == '--ros-args -p port:=8081'
    hint = setting_hint('mission_agent', 'validate_on_startup', 'false', launched)
    assert hint == '"validate_on_startup: false" in the params file given as params_file:=FILE'
    argument_names = {a.name for a in ARGUMENTS}
    for node, mapping in PARAMETER_ARGUMENTS.items():
        assert set(mapping.values()) <= argument_names, node


@pytest.mark.parametrize('environ, says', [
    ({'ROS_DISTRO': 'kilted'}, 'sudo apt install ros-kilted-diagnostic-aggregator'),
    ({}, 'on a ROS 2 install, sudo apt install ros-jazzy-diagnostic-aggregator')])
def test_the_aggregator_note_names_a_package_that_exists(environ, says):
    (note,) = [n for n in plan(environ=environ).notes if 'diagnostic_aggregator' in n]
    assert says in note and '$' not in note, note
    with pytest.raises(LaunchPlanError) as refused:
        plan(environ=environ, aggregator='true')
    assert says in str(refused.value) and '$' not in str(refused.value)
