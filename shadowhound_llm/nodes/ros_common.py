# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Small rclpy helpers shared by the nodes and tools: parameters, QoS, the run loops.

``run_node`` runs a node executable; ``tool_session`` starts rclpy for a command-line tool.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import fields
import difflib
import os
import re
import signal
import sys
import threading
import time
from typing import Any, Callable, Iterator, TypeVar

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
import rclpy
from rclpy._rclpy_pybind11 import RCLError
from rclpy.context import Context
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
import rclpy.logging
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions

T = TypeVar('T')

# RELIABLE: twist_mux on the GO2 bridge subscribes RELIABLE and would never connect to a
# BEST_EFFORT publisher (the prototype's bug).
CMD_VEL_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
STATUS_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                        durability=DurabilityPolicy.TRANSIENT_LOCAL)
# A BEST_EFFORT subscription matches both RELIABLE and BEST_EFFORT publishers.
SENSOR_QOS = QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT)
COMMAND_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
# mission_agent's mission_command queue: RELIABLE, deep enough that a burst of missions
# arriving while its executor is busy (a loaded host) is queued, not overwritten.
MISSION_QUEUE_QOS = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE)


class ConfigError(ValueError):
    """Parameters an operator must fix before the node can run."""


def declare_dataclass_params(node: Node, config_cls: type[T],
                             checks: Callable[[T], list[str]] | None = None) -> T:
    """Declare every field of a parameter dataclass (with its description) and read it back.

    ``checks``: further problems beside the dataclass's own (the backend registry's).
    An integer given for a floating-point parameter (``-p max_linear_speed:=1``) is taken as
    that number, at start-up and at run time; a parameter given at start-up that the node
    does not have (a misspelling) is reported with the closest name.
    """
    _accept_integers_for_floats(node, config_cls)
    values = {}
    for f in fields(config_cls):
        meta = f.metadata
        descriptor = ParameterDescriptor(description=meta.get('description', ''),
                                         read_only=bool(meta.get('read_only', False)))
        lo, hi = meta.get('min_value'), meta.get('max_value')
        if isinstance(f.default, float) and lo is not None:
            descriptor.floating_point_range = [FloatingPointRange(
                from_value=float(lo), to_value=float(hi), step=0.0)]
        elif isinstance(f.default, int) and not isinstance(f.default, bool) and lo is not None:
            descriptor.integer_range = [IntegerRange(from_value=int(lo), to_value=int(hi), step=1)]
        try:
            values[f.name] = node.declare_parameter(f.name, f.default, descriptor).value
        except Exception as exc:  # rclpy raises several types for out-of-range or wrong type
            raise ConfigError(f'parameter {f.name}: {exc}') from None
    _report_unknown_overrides(node, config_cls)
    try:
        config = config_cls.from_mapping(values)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    problems = config.problems() if hasattr(config, 'problems') else []
    problems += checks(config) if checks else []
    if problems:
        raise ConfigError('; '.join(problems))
    return config


# Parameters every rclpy node has, beside the ones the node declares.
_ROS_OWN_PARAMETERS = ('use_sim_time', 'start_type_description_service')


def _accept_integers_for_floats(node: Node, config_cls: type) -> None:
    """Widen INTEGER values of DOUBLE parameters (overrides now, ``param set`` later).

    rclpy types a parameter by its default and refuses ``1`` for a parameter declared as
    ``0.5``; an operator means 1.0.
    """
    floats = {f.name for f in fields(config_cls) if isinstance(f.default, float)}
    overrides = getattr(node, '_parameter_overrides', {})
    for name in floats & set(overrides):
        if overrides[name].type_ == Parameter.Type.INTEGER:
            overrides[name] = Parameter(name, Parameter.Type.DOUBLE, float(overrides[name].value))

    def widen(params: list[Parameter]) -> list[Parameter]:
        return [Parameter(p.name, Parameter.Type.DOUBLE, float(p.value))
                if p.name in floats and p.type_ == Parameter.Type.INTEGER else p
                for p in params]
    node.add_pre_set_parameters_callback(widen)


def _report_unknown_overrides(node: Node, config_cls: type) -> None:
    """Warn about start-up parameters the node does not have (they would do nothing)."""
    known = [f.name for f in fields(config_cls)]
    for name in sorted(getattr(node, '_parameter_overrides', {})):
        if name in known or name in _ROS_OWN_PARAMETERS or name.startswith('qos_overrides.'):
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
        node.get_logger().warning(
            f'unknown parameter {name!r} ignored'
            + (f' (did you mean {close[0]!r}?)' if close else '')
            + f'; `--help` lists the parameters of {node.get_name()}')


def _rcl_reason(exc: Exception) -> str:
    """Rcl's error without the C source locations (", at /project/src/...")."""
    return re.sub(r',? at /\S+:\d+', '', str(exc)).replace('failed to initialize rcl: ', '')


def node_usage(executable: str, config_cls: type, summary: str) -> str:
    """The node's --help: how to start it and every parameter with default and range."""
    lines = [f'usage: ros2 run shadowhound_llm {executable} [--ros-args -p NAME:=VALUE ... '
             f'--params-file FILE]',
             f'       python -m shadowhound_llm {executable} [--ros-args ...]', '',
             summary.strip(), '', 'parameters (default; range; r/o = read-only at run time):']
    for f in fields(config_cls):
        meta = f.metadata
        default = f.default
        shown = ('true' if default else 'false') if isinstance(default, bool) else repr(default)
        extra = []
        if meta.get('min_value') is not None:
            extra.append(f'{meta["min_value"]:g} .. {meta["max_value"]:g}')
        if meta.get('read_only'):
            extra.append('r/o')
        lines.append(f'  {f.name} ({shown}{"; " if extra else ""}{"; ".join(extra)})')
        lines.append(f'      {meta.get("description", "")}')
    return '\n'.join(lines)


def wants_help(args: list[str] | None) -> bool:
    """True when -h/--help comes before any --ros-args."""
    argv = list(sys.argv[1:] if args is None else args)
    if '--ros-args' in argv:
        argv = argv[:argv.index('--ros-args')]
    return '-h' in argv or '--help' in argv


def _logged_name(args: list[str] | None, default: str) -> str:
    """The node's name as its log lines show it (``-r __node:=NAME`` renames it)."""
    for arg in args or []:
        for key in ('__node:=', '__name:='):
            if arg.startswith(key) and arg[len(key):]:
                return arg[len(key):]
    return default


def run_node(factory: Callable[[], Node], args: list[str] | None = None,
             on_shutdown: Callable[[Node], Any] | None = None, usage: str = '',
             name: str = '') -> int:
    """Init rclpy, spin the node until SIGINT/SIGTERM, call on_shutdown while ROS still works.

    rclpy's own signal handlers shut the context down before user code runs, which would
    make a last zero Twist impossible; so the node installs its own handlers. The executor
    spins on a thread of its own, and the main thread waits on an Event: a signal wakes that
    wait at once (an rcl wait would only notice it at its next timeout), so on_shutdown runs
    within a millisecond of SIGINT/SIGTERM. A node ends itself by setting ``exit_code``.
    With -h or --help, prints ``usage`` and returns 0 without starting anything. Errors
    before the node exists are logged like its own lines, under ``name`` (or its remap).
    """
    if usage and wants_help(args):
        print(usage)
        return 0
    logger = rclpy.logging.get_logger(
        _logged_name(sys.argv if args is None else args, name or 'node'))
    try:
        rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    except RCLError as exc:
        logger.error(f'the --ros-args could not be read: {_rcl_reason(exc)}. A value YAML '
                     f"reads otherwise needs quotes, e.g. -p host:=\"'::'\"")
        return 2
    stop = threading.Event()

    def request_stop(_signum: int, _frame: Any) -> None:
        stop.set()

    old = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    node = executor = thread = None
    code = 0
    try:
        node = factory()
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        thread = threading.Thread(target=executor.spin, name='ros-spin', daemon=True)
        thread.start()
        while not stop.wait(0.05):
            if getattr(node, 'exit_code', None) is not None or not rclpy.ok():
                break
            if not thread.is_alive():  # a callback raised: the traceback is already printed
                code = 1
                break
        code = getattr(node, 'exit_code', None) or code
    except ConfigError as exc:
        logger.error(f'invalid parameters: {exc}')
        code = 2
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            if on_shutdown is not None and rclpy.ok():
                on_shutdown(node)
            if executor is not None:
                executor.shutdown(timeout_sec=2.0)
            if thread is not None:
                thread.join(timeout=2.0)
            node.destroy_node()
        rclpy.try_shutdown()
        for s, handler in old.items():
            signal.signal(s, handler)
    return code


@contextmanager
def spinning(node: Node) -> Iterator[SingleThreadedExecutor]:
    """Spin the node on its own executor in a background thread for the ``with`` block.

    On the way out the executor is shut down and the thread joined: a thread still inside
    spin when the process exits makes it abort ("terminate called without an active
    exception", exit status 134).
    """
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    try:
        yield executor
    finally:
        executor.shutdown()
        thread.join(timeout=5.0)


class ToolSession:
    """rclpy for a command-line tool: its own context, its nodes, one executor thread."""

    def __init__(self, context: Context, executor: SingleThreadedExecutor) -> None:
        self.context = context
        self.executor = executor
        self.nodes: list[Node] = []

    def node(self, name: str, namespace: str | None = None) -> Node:
        """A new node in this session, spinning from now on."""
        node = Node(name, namespace=namespace or None, context=self.context)
        self.nodes.append(node)
        self.executor.add_node(node)
        return node


@contextmanager
def tool_session(args: list[str] | None = None,
                 domain_id: int | None = None) -> Iterator[ToolSession]:
    """Start rclpy for a tool (``robot_test``, ``mission``, the demo, the fleet); end it after.

    No rclpy signal handlers: Ctrl-C must leave ROS up long enough for the tool to stop the
    robot (the tool handles KeyboardInterrupt or SIGINT itself). ``args`` are ROS arguments
    (``['prog', '--ros-args', ...]``), ``domain_id`` a ROS_DOMAIN_ID other than the
    environment's. Nodes made with ``session.node()`` spin on one background thread; on the
    way out the executor stops and the thread is joined before the nodes are destroyed (a
    thread still inside spin when the process exits makes it abort), then the context ends.
    """
    context = Context()
    rclpy.init(args=args, context=context, domain_id=domain_id,
               signal_handler_options=SignalHandlerOptions.NO)
    executor = SingleThreadedExecutor(context=context)
    thread = threading.Thread(target=executor.spin, name='ros-spin', daemon=True)
    session = ToolSession(context, executor)
    thread.start()
    try:
        yield session
    finally:
        executor.shutdown(timeout_sec=5.0)
        thread.join(timeout=5.0)
        for node in session.nodes:
            node.destroy_node()
        context.try_shutdown()


def config_change(config: T, params: list[Any],
                  checks: Callable[[T], list[str]] | None = None) -> tuple[T | None, str]:
    """The config with ``ros2 param set`` values applied, or (None, the reason it is refused).

    ROS has already checked read-only flags, types and ranges against the descriptors; this
    adds the checks between parameters (``live_problems``).
    """
    try:
        new = config.replaced(**{p.name: p.value for p in params})
    except (TypeError, ValueError) as exc:
        return None, str(exc)
    problems = new.live_problems() + (checks(new) if checks else [])
    if problems:
        return None, '; '.join(problems)
    return new, ''


def diagnostics_identity(node: Node, hardware: str) -> tuple[str, str]:
    """Status-name prefix and hardware_id for a node's diagnostics.

    With a namespace both say which robot they belong to ("robot1/gpu_monitor: GPU",
    "thor-01 (robot1)"), so two robots' statuses never overwrite each other in rqt.
    """
    namespace = node.get_namespace().strip('/')
    if not namespace:
        return node.get_name(), hardware
    return f'{namespace}/{node.get_name()}', f'{hardware} ({namespace})'


def log_line(logger: Any, level: str, text: str) -> None:
    """Log at a named level (debug, info, warning, error, fatal).

    One call site per severity: rclpy refuses a call site whose severity changes.
    """
    if level == 'debug':
        logger.debug(text)
    elif level == 'info':
        logger.info(text)
    elif level == 'warning':
        logger.warning(text)
    elif level == 'error':
        logger.error(text)
    else:
        logger.fatal(text)


class GuardedPublisher:
    """Publishes on one topic and survives the DDS refusing a message.

    Fast DDS can refuse a write (rclpy raises RCLError "cannot publish data"), for example
    when the host is so loaded that its writer cannot make room in the history in time. A
    node must not die of it: ``publish`` returns the refusal, and the log gets a warning the
    first time and then at most one every ``report_every_s`` per topic, with a count.
    """

    def __init__(self, pub: Any, logger: Any, report_every_s: float = 10.0) -> None:
        self.pub = pub
        self.topic = pub.topic_name
        self._logger = logger
        self._every_s = report_every_s
        self._refused = 0  # since the last warning
        self._reported: float | None = None

    def publish(self, msg: Any, consequence: str = 'the message was dropped') -> str | None:
        """Publish ``msg``; None when it went out, else why the DDS refused it."""
        try:
            self.pub.publish(msg)
            return None
        except RCLError as exc:
            error = _rcl_reason(exc)
        self._refused += 1
        now = time.monotonic()
        if self._reported is None or now - self._reported >= self._every_s:
            count = (f' ({self._refused} refused since the last warning)'
                     if self._reported is not None else '')
            self._logger.warning(f'{self.topic}: the DDS refused a message: {error}; '
                                 f'{consequence}{count}')
            self._reported, self._refused = now, 0
        return error

    def publish_within(self, msg: Any, within_s: float = 1.0) -> None:
        """Publish ``msg``, trying again for ``within_s``; raises ConnectionError if refused.

        For a message that must not be lost (a mission request, a cancel).
        """
        deadline = time.monotonic() + within_s
        while (error := self.publish(msg, 'trying again')) is not None:
            if time.monotonic() >= deadline:
                raise ConnectionError(f'{self.topic}: the DDS refused the message for '
                                      f'{within_s:g} s: {error}')
            time.sleep(0.02)


def nodes_on_domain(domain_id: int, wait_s: float = 1.0, until_first: bool = False) -> list[str]:
    """The ROS nodes that other processes run on ``domain_id``, as discovery finds them.

    A probe node joins the domain for ``wait_s`` and lists everyone else; with
    ``until_first`` it returns as soon as it has seen one (and whoever arrived with it).
    Discovery over shared memory usually takes a few hundred milliseconds, but when the
    first exchange is missed a node is only seen at its next periodic announcement (every
    3 s by Fast DDS's default): listen longer than that to tell a free domain for sure.
    Call it with the DDS environment already set (``common.local_dds.apply_local_dds``).
    """
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=domain_id,
               signal_handler_options=SignalHandlerOptions.NO)
    probe_name = f'domain_probe_{os.getpid()}'
    seen: set[str] = set()
    try:
        probe = rclpy.create_node(probe_name, context=context)
        try:
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and not (until_first and seen):
                for name, namespace in probe.get_node_names_and_namespaces():
                    if name != probe_name:
                        seen.add(f'{namespace.rstrip("/")}/{name}')
                time.sleep(0.05)
        finally:
            probe.destroy_node()
    finally:
        rclpy.shutdown(context=context)
    return sorted(seen)
