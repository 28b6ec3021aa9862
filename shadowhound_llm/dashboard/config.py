# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Parameters of the dashboard node (in the style of ``shadowhound_llm.common.params``).

Plain Python. ``token`` protects the HTTP API: required when ``host`` is not a loopback
address; with a token set, every API request (reads included) must carry it as
``Authorization: Bearer <token>``. The token may also come from the environment variable
``SHADOWHOUND_DASHBOARD_TOKEN`` (kept out of ``ps`` listings); it is never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
import os

from ..common.hosts import is_loopback
from ..common.params import _Params, AgentConfig, param

TOKEN_ENV = 'SHADOWHOUND_DASHBOARD_TOKEN'
MIN_TOKEN_CHARS = 8


@dataclass(frozen=True)
class DashboardConfig(_Params):
    """Typed dashboard parameters; each field carries its description and range."""

    NODE = 'dashboard'

    host: str = param('127.0.0.1', 'Address the HTTP server binds to; anything but a loopback '
                      'address needs a token (read-only: start-up only)', read_only=True)
    port: int = param(8080, 'HTTP port (0 picks a free one; read-only: start-up only)', 0, 65535,
                      read_only=True)
    token: str = param('', 'Bearer token every API request must carry ("" = none; also from $'
                       + TOKEN_ENV + '; never logged; read-only)', read_only=True)
    agent_node: str = param('mission_agent', 'Node whose max_goto_radius_m and photo_dir are '
                            'read (parameter services)')
    geofence_radius_m: float = param(
        AgentConfig.max_goto_radius_m, "Geofence radius drawn when the agent's "
        'max_goto_radius_m cannot be read (m)', 0.0, 1000.0)
    photo_dir: str = param(AgentConfig.photo_dir, 'Folder the saved photos are served from when '
                           "the agent's photo_dir cannot be read")
    max_mission_chars: int = param(AgentConfig.max_mission_chars,
                                   'Longest mission text the page may send', 1, 100000)
    camera_max_hz: float = param(2.0, 'Most camera frames per second pushed to the page', 0.1,
                                 30.0, read_only=True)
    camera_width_px: int = param(320, 'Camera frames wider than this are downscaled', 16, 4096)
    stale_after_s: float = param(5.0, 'A /diagnostics status not refreshed this long is STALE',
                                 0.5, 600.0)
    history_len: int = param(20, 'Finished missions listed on the page', 1, 1000)

    def problems(self) -> list[str]:
        """Every value an operator must fix before the dashboard may start."""
        out = super().problems()
        token = self.effective_token
        if not is_loopback(self.host) and not token:
            out.append(f'host={self.host!r} is not a loopback address: set a token (parameter '
                       f'token, or ${TOKEN_ENV}) so that only operators who know it can send '
                       f'missions; or keep host=127.0.0.1')
        if token and len(token) < MIN_TOKEN_CHARS:
            out.append(f'the token is too short: use at least {MIN_TOKEN_CHARS} characters')
        if token and (not token.isprintable() or ' ' in token):
            out.append('the token must be printable characters without spaces')
        return out

    @property
    def effective_token(self) -> str:
        """The token parameter, else $SHADOWHOUND_DASHBOARD_TOKEN, else '' (no token)."""
        return self.token or os.environ.get(TOKEN_ENV, '')

    def __repr__(self) -> str:
        # The dataclass repr would print the token into any log line that shows the config.
        return f'DashboardConfig(host={self.host!r}, port={self.port}, token=<hidden>)'
