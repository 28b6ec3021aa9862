# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Small rclpy helpers shared by the nodes: parameter declaration, QoS, the run loop."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import fields
import signal
import sys
import threading
from typing import Any, Callable, Iterator, TypeVar

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
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


class ConfigError(ValueError):
    """Parameters an operator must fix before the node can run."""


def declare_dataclass_params(node: Node, config_cls: type[T],
                             checks: Callable[[T], list[str]] | None = None) -> T:
    """Declare every field of a parameter dataclass (with its description) and read it back.

    ``checks``: further problems beside the dataclass's own (the backend registry's).
    """
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
    try:
        config = config_cls.from_mapping(values)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    problems = config.problems() if hasattr(config, 'problems') else []
    problems += checks(config) if checks else []
    if problems:
        raise ConfigError('; '.join(problems))
    return config


def run_node(factory: Callable[[], Node], args: list[str] | None = None,
             on_shutdown: Callable[[Node], Any] | None = None) -> int:
    """Init rclpy, spin the node until SIGINT/SIGTERM, call on_shutdown while ROS still works.

    rclpy's own signal handlers shut the context down before user code runs, which would
    make a last zero Twist impossible; so the node installs its own handlers. The executor
    spins on a thread of its own, and the main thread waits on an Event: a signal wakes that
    wait at once (an rcl wait would only notice it at its next timeout), so on_shutdown runs
    within a millisecond of SIGINT/SIGTERM. A node ends itself by setting ``exit_code``.
    """
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
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
        print(f'[ERROR] invalid parameters: {exc}', file=sys.stderr)
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
