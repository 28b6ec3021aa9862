# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Every decision of ``mission.launch.py``, in plain Python the tests call.

``plan_launch(args, config_dir)`` turns the launch arguments (strings, as ``ros2 launch``
gives them) into a :class:`LaunchPlan`: which nodes start, in which namespace, with which
parameters and log level. The launch file only maps the plan onto ``launch_ros`` actions,
because launch_ros has no wheel on the package index and cannot run in the tests.

Parameters reach each node as one generated params file (``write_params_file``) under the
``/**`` key, so a parameter file whose section is named ``mission_agent:`` still applies
when the node runs in a namespace (``/robot1/mission_agent`` would not match it), and
string values such as ``keep_alive: "-1"`` stay strings (launch_ros would turn a string
parameter that looks like a number into a number).
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
import difflib
import os
from pathlib import Path
import re
import shutil
import signal
import tempfile
from typing import Any, Callable, Mapping

import yaml

from ..backends.registry import backend_choices, BACKENDS, launch_overrides, VISION_LAUNCH_ARGS
from ..common.hosts import HostError, is_loopback, parse_host
from ..common.params import AgentConfig

PACKAGE = 'shadowhound_llm'
AGGREGATOR_PACKAGE = 'diagnostic_aggregator'
AGGREGATOR_NODE = 'analyzers'  # aggregator_node names itself "analyzers"
TOKEN_ENV = 'SHADOWHOUND_DASHBOARD_TOKEN'
LOG_LEVELS = ('debug', 'info', 'warn', 'error', 'fatal')
# mission_agent parameters a launch argument may override (only when the argument is given):
# the backend choice and each registered backend's own (its registry entry's launch_args).
AGENT_OVERRIDES = launch_overrides()
# Set in the environment of the package's nodes by mission.launch.py and `up`: a node's hints
# then name launch arguments (backend:=none) instead of --ros-args -p.
LAUNCHED_ENV = 'SHADOWHOUND_LAUNCHED'
# node -> {parameter: the launch argument that sets it}
PARAMETER_ARGUMENTS: dict[str, dict[str, str]] = {
    'mission_agent': {name: name for name in AGENT_OVERRIDES},
    'dashboard': {'host': 'dashboard_host', 'port': 'dashboard_port',
                  'token': 'dashboard_token'},
}


class LaunchPlanError(ValueError):
    """Launch arguments that cannot work; the message names the argument and the fix."""


@dataclass(frozen=True)
class Argument:
    """One launch argument: its name, default (a string, as ros2 launch passes it) and help."""

    name: str
    default: str
    description: str


def backend_arguments() -> tuple[Argument, ...]:
    """The launch arguments of the backend choice and of every registered backend."""
    out = [Argument('backend', '', f'{" | ".join(backend_choices())}; empty: the params file '
                    f'decides'),
           Argument('fallback_backend', '', 'backend tried when the primary fails; empty: the '
                    'params file decides')]
    for backend in BACKENDS.values():
        out += [Argument(name, '', description) for name, description in backend.launch_args
                if name not in {a.name for a in out}]
    out += [Argument(name, '', description) for name, description in VISION_LAUNCH_ARGS]
    return tuple(out)


_OTHER_ARGUMENTS: tuple[Argument, ...] = (
    Argument('params_file', '', 'mission_agent parameters; empty: config/mission_agent.yaml'),
    Argument('gpu_monitor_params_file', '', 'gpu_monitor parameters; empty: '
             'config/gpu_monitor.yaml'),
    Argument('sim_params_file', '', 'sim_robot parameters; empty: config/sim_robot.yaml'),
    Argument('aggregator_params_file', '', 'diagnostic_aggregator analyzers; empty: '
             'config/diagnostic_aggregator.yaml'),
    Argument('sim', 'false', 'true: also start sim_robot (no GO2 needed)'),
    Argument('gpu_monitor', 'true', 'start gpu_monitor (GPU and LLM health on /diagnostics)'),
    Argument('aggregator', 'auto', 'auto | true | false: start diagnostic_aggregator (what '
             'rqt_robot_monitor shows); auto: when it is installed'),
    Argument('dashboard', 'true', 'start the web dashboard'),
    Argument('dashboard_host', '127.0.0.1', 'dashboard address; not loopback needs a token'),
    Argument('dashboard_port', '8080', 'dashboard TCP port'),
    Argument('dashboard_token', '', f'dashboard token (or ${TOKEN_ENV}); required when '
             'dashboard_host is not a loopback address'),
    Argument('namespace', '', 'namespace for every node and relative topic (e.g. robot1)'),
    Argument('log_level', 'info', 'log level of every node: debug | info | warn | error | '
             'fatal'),
)


def launch_arguments() -> tuple[Argument, ...]:
    """Every launch argument: the backends' (from the registry), then the rest."""
    return backend_arguments() + _OTHER_ARGUMENTS


ARGUMENTS: tuple[Argument, ...] = launch_arguments()
DEFAULTS = {a.name: a.default for a in ARGUMENTS}
DEFAULT_FILES = {  # node -> (argument naming its params file, default file in config/)
    'mission_agent': ('params_file', 'mission_agent.yaml'),
    'gpu_monitor': ('gpu_monitor_params_file', 'gpu_monitor.yaml'),
    'sim_robot': ('sim_params_file', 'sim_robot.yaml'),
    AGGREGATOR_NODE: ('aggregator_params_file', 'diagnostic_aggregator.yaml'),
}


@dataclass(frozen=True)
class NodePlan:
    """One node to start: what launch_ros.actions.Node needs, already decided."""

    package: str
    executable: str
    name: str
    namespace: str
    parameters: dict[str, Any]
    ros_arguments: tuple[str, ...] = ()
    required: bool = False          # the launch ends when it exits
    params_source: str = ''         # the params file its parameters came from

    @property
    def env(self) -> dict[str, str]:
        """Variables the launch adds to the node's environment."""
        return {LAUNCHED_ENV: '1'} if self.package == PACKAGE else {}


@dataclass(frozen=True)
class LaunchPlan:
    """The nodes to start and the lines to log first."""

    nodes: tuple[NodePlan, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        """The node names, in start order."""
        return [n.name for n in self.nodes]

    def node(self, name: str) -> NodePlan | None:
        """The plan of one node, or None when it does not start."""
        return next((n for n in self.nodes if n.name == name), None)


def launched(environ: Mapping[str, str] | None = None) -> bool:
    """True in a node that mission.launch.py or `up` started."""
    return (os.environ if environ is None else environ).get(LAUNCHED_ENV) == '1'


def setting_hint(node: str, parameter: str, value: str,
                 environ: Mapping[str, str] | None = None) -> str:
    """How to start ``node`` with ``parameter`` set, in the syntax of how it was started.

    Run directly: ``--ros-args -p NAME:=VALUE``. Under the launch or `up`: the launch
    argument that sets it, else its line in the node's params file and the argument that
    names that file.
    """
    if not launched(environ):
        return f'--ros-args -p {parameter}:={value}'
    argument = PARAMETER_ARGUMENTS.get(node, {}).get(parameter)
    if argument:
        return f'{argument}:={value}'
    file_argument = DEFAULT_FILES.get(node, ('',))[0]
    where = (f'the params file given as {file_argument}:=FILE' if file_argument
             else 'a params file')
    return f'"{parameter}: {value}" in {where}'


# ---- the plan ---------------------------------------------------------------------------
def plan_launch(args: Mapping[str, str], config_dir: str | Path,
                environ: Mapping[str, str] | None = None,
                installed: Callable[[str], bool] | None = None) -> LaunchPlan:
    """Decide the whole launch from its arguments (missing ones take their defaults).

    ``config_dir`` holds the package's default parameter files; ``environ`` supplies
    ``$OLLAMA_HOST`` and the dashboard token; ``installed(package)`` says whether a ROS
    package is installed (for ``aggregator:=auto``). Raises LaunchPlanError.
    """
    env = os.environ if environ is None else environ
    installed = installed or package_installed
    defaults = {a.name: a.default for a in launch_arguments()}
    unknown = sorted(set(args) - set(defaults))
    if unknown:
        raise LaunchPlanError(f'unknown launch argument(s): '
                              f'{", ".join(_with_suggestion(name) for name in unknown)}')
    a = {**defaults, **{k: str(v).strip() for k, v in args.items()}}
    namespace = normalise_namespace(a['namespace'], 'namespace:=')
    ros_args = ('--log-level', _log_level(a['log_level']))
    config_dir = Path(config_dir)
    notes: list[str] = []

    agent_values, agent_file = _node_params('mission_agent', a, config_dir, namespace)
    overrides, host = _agent_overrides(a, agent_values, env)
    if _flag(a, 'sim'):
        sim_values, _ = _node_params('sim_robot', a, config_dir, namespace)
        if (sim_values.get('bridge_model', 'go2') == 'go2'
                and agent_values.get('stop_mode', 'auto') == 'auto'):
            # The simulated go2 bridge drops zero Twists like the real one, and the message
            # package that lets auto recognise the GO2 is not there: stop it as a GO2.
            overrides['stop_mode'] = 'go2'
            notes.append('sim_robot models the go2 bridge: mission_agent stop_mode go2')
    nodes = [NodePlan(PACKAGE, 'mission_agent', 'mission_agent', namespace,
                      {**agent_values, **overrides}, ros_args, True, agent_file)]
    if _flag(a, 'gpu_monitor'):
        values, source = _node_params('gpu_monitor', a, config_dir, namespace)
        # Watch the agent's server unless your own gpu_monitor file names another one.
        if a['ollama_host'] or not (a['gpu_monitor_params_file'] and 'ollama_host' in values):
            values['ollama_host'] = host
            chosen = {**agent_values, **overrides}
            used = {str(chosen.get(k, getattr(AgentConfig, k)) or '')
                    for k in ('backend', 'fallback_backend')}
            if not a['ollama_host'] and 'ollama' not in used:
                values['ollama_host'] = ''  # nothing to watch: Ollama models OK, not watched
                notes.append('gpu_monitor: no Ollama to watch (the agent uses none)')
        nodes.append(NodePlan(PACKAGE, 'gpu_monitor', 'gpu_monitor', namespace, values,
                              ros_args, params_source=source))
    if _flag(a, 'sim'):
        values, source = _node_params('sim_robot', a, config_dir, namespace)
        nodes.append(NodePlan(PACKAGE, 'sim_robot', 'sim_robot', namespace, values, ros_args,
                              params_source=source))
    nodes += _aggregator(a, config_dir, namespace, ros_args, installed, notes, env)
    if _flag(a, 'dashboard'):
        nodes.append(_dashboard(a, namespace, ros_args, env))
    return LaunchPlan(tuple(nodes), tuple(notes))


def _agent_overrides(a: Mapping[str, str], file_values: Mapping[str, Any],
                     env: Mapping[str, str]) -> tuple[dict[str, Any], str]:
    """Overrides for the given arguments, and the Ollama URL the agent will use."""
    overrides: dict[str, Any] = {}
    hosts = {b.host_param: b for b in BACKENDS.values()}
    for name in launch_overrides():
        if not a.get(name) or name == 'ollama_host':  # Ollama's host: below ($OLLAMA_HOST)
            continue
        if name in hosts:
            try:
                overrides[name] = hosts[name].normalise_host(a[name])
            except HostError as exc:
                raise LaunchPlanError(f'{name}:=: {exc}') from None
        else:
            try:  # typed as the parameter is (a launch argument is always a string)
                overrides[name] = getattr(AgentConfig.from_mapping({name: a[name]}), name)
            except ValueError as exc:
                raise LaunchPlanError(f'{name}:={a[name]!r}: {exc}') from None
    choices = backend_choices()
    for name in ('backend', 'fallback_backend'):
        if name in overrides and overrides[name] not in choices:
            raise LaunchPlanError(f'{name}:={overrides[name]!r}: use one of '
                                  f'{", ".join(choices)}')
    from_file = not a['ollama_host'] and a['params_file'] and 'ollama_host' in file_values
    if a['ollama_host']:
        source, raw = 'ollama_host:=', a['ollama_host']
    elif from_file:
        source, raw = f'ollama_host in {a["params_file"]}', str(file_values['ollama_host'])
    elif env.get('OLLAMA_HOST', '').strip():
        source, raw = '$OLLAMA_HOST', env['OLLAMA_HOST']
    else:
        source, raw = 'the default params file', str(file_values.get('ollama_host', ''))
    try:
        host = parse_host(raw)
    except HostError as exc:
        raise LaunchPlanError(f'{source}: {exc}') from None
    if source in ('ollama_host:=', '$OLLAMA_HOST'):  # a params file's value stays as written
        overrides['ollama_host'] = host
    return overrides, host


def _aggregator(a: Mapping[str, str], config_dir: Path, namespace: str,
                ros_args: tuple[str, ...], installed: Callable[[str], bool],
                notes: list[str], env: Mapping[str, str]) -> list[NodePlan]:
    choice = a['aggregator'].lower()
    distro = env.get('ROS_DISTRO', '')
    install = (f'sudo apt install ros-{distro}-diagnostic-aggregator' if distro else
               'on a ROS 2 install, sudo apt install ros-jazzy-diagnostic-aggregator (your '
               'distribution in place of jazzy)')
    if choice not in ('auto', 'true', 'false'):
        raise LaunchPlanError(f'aggregator:={a["aggregator"]!r}: use auto, true or false')
    if choice == 'false':
        return []
    if not installed(AGGREGATOR_PACKAGE):
        if choice == 'true':
            raise LaunchPlanError(
                f'aggregator:=true but diagnostic_aggregator is not installed: {install} (or '
                f'aggregator:=false)')
        notes.append('diagnostic_aggregator is not installed: rqt_robot_monitor (which shows '
                     '/diagnostics_agg) will stay empty; rqt_runtime_monitor shows the raw '
                     f'/diagnostics. To install it: {install}.')
        return []
    values, source = _node_params(AGGREGATOR_NODE, a, config_dir, namespace)
    if namespace:
        notes.append('diagnostic_aggregator publishes the global /diagnostics_agg: with '
                     'several robots on one ROS domain, start it in one launch only '
                     '(aggregator:=false in the others)')
    return [NodePlan(AGGREGATOR_PACKAGE, 'aggregator_node', AGGREGATOR_NODE, namespace, values,
                     ros_args, params_source=source)]


def _dashboard(a: Mapping[str, str], namespace: str, ros_args: tuple[str, ...],
               env: Mapping[str, str]) -> NodePlan:
    host = a['dashboard_host'] or '127.0.0.1'
    try:
        port = int(a['dashboard_port'])
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise LaunchPlanError(f'dashboard_port:={a["dashboard_port"]!r}: use a TCP port '
                              f'1..65535')
    token = a['dashboard_token'] or env.get(TOKEN_ENV, '')
    if not is_loopback(host) and not token:
        raise LaunchPlanError(f'dashboard_host:={host} is reachable from other machines: give '
                              f'dashboard_token:=SECRET (or set ${TOKEN_ENV}), or '
                              f'dashboard:=false')
    values: dict[str, Any] = {'host': host, 'port': port}
    if a['dashboard_token']:  # from $SHADOWHOUND_DASHBOARD_TOKEN the node reads it itself,
        values['token'] = a['dashboard_token']  # so it stays out of parameter files
    return NodePlan(PACKAGE, 'dashboard', 'dashboard', namespace, values, ros_args)


# ---- arguments --------------------------------------------------------------------------
def _with_suggestion(name: str) -> str:
    close = difflib.get_close_matches(name, [a.name for a in launch_arguments()], n=1,
                                      cutoff=0.7)
    return f'{name} (did you mean {close[0]}?)' if close else name


def unknown_argument_warnings(configurations: Mapping[str, str]) -> list[str]:
    """Lines naming launch configurations that are none of this launch's arguments.

    ``ros2 launch`` takes any ``NAME:=VALUE`` without a word, so a misspelled argument
    (``namspace:=robot1``) would silently do nothing. Under launch they are warnings, not
    errors: a parent launch file that includes this one may hold configurations of its own.
    """
    unknown = sorted(set(configurations) - {a.name for a in launch_arguments()})
    return [f'{_with_suggestion(name)} is not an argument of mission.launch.py: ignored '
            f'(`ros2 launch shadowhound_llm mission.launch.py -s` lists them)'
            for name in unknown]

_TRUE, _FALSE = ('true', '1', 'yes', 'on'), ('false', '0', 'no', 'off')
_NAME_TOKEN = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def _flag(a: Mapping[str, str], name: str) -> bool:
    value = a[name].lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise LaunchPlanError(f'{name}:={a[name]!r}: use true or false')


def normalise_namespace(text: str, what: str = 'namespace ') -> str:
    """'' or a relative namespace without slashes at the ends ('robot1', 'fleet/robot1').

    Raises LaunchPlanError (a ValueError) naming ``what`` for a name ROS would refuse.
    """
    ns = text.strip().strip('/')
    if ns and not all(_NAME_TOKEN.match(part) for part in ns.split('/')):
        raise LaunchPlanError(f'{what}{text!r}: use letters, digits and underscores, '
                              f'not starting with a digit (e.g. robot1)')
    return ns


def _log_level(text: str) -> str:
    level = {'warning': 'warn'}.get(text.lower(), text.lower())
    if level not in LOG_LEVELS:
        raise LaunchPlanError(f'log_level:={text!r}: use one of {", ".join(LOG_LEVELS)}')
    return level


# ---- parameter files --------------------------------------------------------------------
def _node_params(node: str, a: Mapping[str, str], config_dir: Path,
                 namespace: str) -> tuple[dict[str, Any], str]:
    """The node's parameters from its file (the argument's, else the default), and the path."""
    arg, default_name = DEFAULT_FILES[node]
    path = Path(os.path.expanduser(a[arg])) if a[arg] else config_dir / default_name
    if not path.is_file():
        raise LaunchPlanError(f'{arg}:={path}: no such file')
    try:
        data = yaml.safe_load(path.read_text(encoding='utf-8')) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LaunchPlanError(f'{arg}:={path}: not a readable YAML file ({exc})') from None
    return node_section(data, node, namespace, str(path)), str(path)


def node_section(data: Any, node: str, namespace: str = '', where: str = 'file'
                 ) -> dict[str, Any]:
    """One node's ``ros__parameters`` from a ROS 2 params file, as ROS would apply them.

    Sections apply from the least to the most specific: ``/**``, ``/**/node``, ``node``
    (``/node``), then ``/namespace/node``.
    """
    if not isinstance(data, dict):
        raise LaunchPlanError(f'{where}: expected a mapping of node names')
    keys = ['/**', '**', f'/**/{node}', f'**/{node}', node, f'/{node}']
    if namespace:
        keys += [f'/{namespace}/{node}', f'{namespace}/{node}']
    values: dict[str, Any] = {}
    found = False
    for key in keys:
        section = data.get(key)
        if isinstance(section, dict) and isinstance(section.get('ros__parameters'), dict):
            values.update(section['ros__parameters'])
            found = True
    if not found:
        raise LaunchPlanError(f'{where}: no "{node}: ros__parameters:" section')
    return values


def write_params_file(node: NodePlan, directory: str | Path) -> str:
    """Write the node's parameters as a ROS 2 params file that applies in any namespace.

    Strings stay strings (YAML quotes ``'-1'`` and ``''``), nested mappings become dotted
    parameter names as ROS reads them. Returns the path.
    """
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f'{(node.namespace + "/") if node.namespace else ""}{node.name}.yaml'
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = yaml.safe_dump({'/**': {'ros__parameters': node.parameters}}, sort_keys=False,
                          allow_unicode=True)
    # Owner-only: the dashboard's token may be in it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as f:
        f.write(text)
    os.chmod(path, 0o600)  # an older file of the same name keeps its mode otherwise
    return str(path)


def params_directory() -> str:
    """A folder for the generated params files: owner-only, removed when the process exits."""
    directory = tempfile.mkdtemp(prefix='shadowhound-launch-')  # mode 0700
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def package_installed(package: str, environ: Mapping[str, str] | None = None) -> bool:
    """True when the ament index on $AMENT_PREFIX_PATH lists the package."""
    env = os.environ if environ is None else environ
    for prefix in filter(None, env.get('AMENT_PREFIX_PATH', '').split(os.pathsep)):
        if (Path(prefix) / 'share' / 'ament_index' / 'resource_index' / 'packages'
                / package).is_file():
            return True
    return False


# ---- when mission_agent exits -----------------------------------------------------------
@dataclass(frozen=True)
class AgentExit:
    """What the launch does when mission_agent exits: a line to log, and whether it failed.

    ``ros2 launch`` exits 0 unless an error is raised inside the launch, and then 1: it
    cannot pass on the agent's own status, so a failed agent is raised as an error (status
    1) and the line says which status the agent had.
    """

    returncode: int | None
    failed: bool
    message: str
    end_launch: bool = True
    cause: str = ''                 # how the agent ended, without what the launch does


_REASONS = {
    1: 'the LLM backend failed validation at start-up, or a fatal error; its last lines '
       'above say which',
    2: 'invalid parameters; its log above names them',
}


def agent_exit(returncode: int | None, shutting_down: bool = False) -> AgentExit:
    """Decide what to do when mission_agent's process exits with ``returncode``."""
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f'signal {-returncode}'
        what = f'mission_agent was killed by {name} (status {returncode})'
    elif returncode == 0:
        what = 'mission_agent exited (status 0)'
    else:
        reason = _REASONS.get(returncode) if returncode is not None else None
        what = f'mission_agent exited with status {returncode}' + (
            f' ({reason})' if reason else '')
    if shutting_down:
        return AgentExit(returncode, False, f'{what} while the launch was ending', False, what)
    failed = returncode != 0
    return AgentExit(returncode, failed, f'{what}: ending the launch'
                     + (', exit status 1' if failed else ''), cause=what)
