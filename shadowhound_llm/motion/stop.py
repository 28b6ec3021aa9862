# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""How motion ends on each bridge (``stop_mode``), in plain Python.

A zero Twist is a stop for most bridges, but go2_ros2_sdk's driver drops every all-zero
Twist and twist_mux never sends one of its own, so the GO2 would go on executing the last
command for a second or two. What the GO2 obeys:

- ``go2``: a Twist that is non-zero but rounds to zero at the driver's 0.01 resolution
  (``GO2_STOP_TWIST``): the driver forwards it as Move(0, 0, 0), which stops the robot. It
  is sent with a zero Twist after it (so a bridge that honours zeros ends on zero), and
  repeated on the next few control ticks in case one is lost; when go2_interfaces can be
  imported the node also sends StopMove (api_id 1003) on ``webrtc_req``.
- ``zero``: a zero Twist only (the behaviour for every other bridge).
- ``auto``: ``go2`` when go2_interfaces can be imported (the GO2 bridge's own message
  package is installed), else ``zero``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .control import Twist2D, ZERO

STOP_MODES = ('auto', 'zero', 'go2')
# |x| < 0.005 rounds to 0.00 in the driver: forwarded (x != 0) and sent as Move(0, 0, 0).
GO2_STOP_TWIST = Twist2D(linear=0.001)
GO2_STOP_REPEATS = 3  # further control ticks that repeat the stop after the first
STOP_MOVE_API_ID = 1003
SPORT_REQUEST_TOPIC = 'rt/api/sport/request'


def webrtc_req_type() -> Any | None:
    """The bridge's WebRtcReq message class, or None when its package is not installed."""
    try:
        return importlib.import_module('go2_interfaces.msg').WebRtcReq
    except (ImportError, AttributeError):
        return None


def go2_state_type() -> Any | None:
    """The bridge's Go2State message class, or None when go2_interfaces is not installed."""
    try:
        return importlib.import_module('go2_interfaces.msg').Go2State
    except (ImportError, AttributeError):
        return None


def resolve_stop_mode(mode: str, go2_interfaces: bool) -> str:
    """``zero`` or ``go2`` for a configured ``stop_mode`` (``auto`` decided by the import)."""
    if mode == 'auto':
        return 'go2' if go2_interfaces else 'zero'
    return mode


def stop_commands(mode: str) -> list[Twist2D]:
    """The Twists that end motion in a resolved stop mode, in publishing order."""
    return [GO2_STOP_TWIST, ZERO] if mode == 'go2' else [ZERO]


def describe_stop_mode(configured: str, resolved: str, stop_move: bool) -> str:
    """One line for the log and diagnostics: what a stop sends."""
    how = {'zero': 'a zero Twist on cmd_vel',
           'go2': ('a Twist that rounds to zero (the go2 driver sends Move(0, 0, 0)) and a '
                   'zero Twist on cmd_vel' + (', and StopMove on webrtc_req' if stop_move
                                              else '; go2_interfaces not importable, so no '
                                                   'StopMove on webrtc_req'))}[resolved]
    chosen = f'auto -> {resolved}' if configured == 'auto' else resolved
    return f'stop_mode {chosen}: motion ends with {how}'


def stop_move_fields() -> dict[str, Any]:
    """WebRtcReq fields of a StopMove request (fields a message lacks are skipped)."""
    return {'id': 0, 'topic': SPORT_REQUEST_TOPIC, 'api_id': STOP_MOVE_API_ID,
            'parameter': '', 'priority': 1}
