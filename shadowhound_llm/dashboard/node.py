# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""dashboard: a ROS node and the dashboard's HTTP server in one process.

The node speaks only the package's public interface, through the mission client:
``mission_command`` (structured requests with an id), ``mission_cancel``,
``mission_status``, ``odom``, ``camera/image_raw``, ``llm_metrics``, ``/diagnostics``; it
also watches ``cmd_vel`` (read-only) to show the commanded speed, and reads the agent's
``max_goto_radius_m`` and ``photo_dir`` through its parameter services. The ROS executor
runs on the main thread (``run_node``); uvicorn serves on its own thread. Callbacks only
update the plain-Python ``DashboardState`` and queue page events; nothing here blocks.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
import re
import time
from typing import Any
import uuid

from geometry_msgs.msg import Twist
from rclpy.node import Node
from rclpy.parameter_client import AsyncParameterClient

from ..common.camera import ImageFrame
from ..common.contract import PlannerChoice
from ..common.mission_link import (
    ClientEvent,
    DiagnosticsReceived,
    MetricsReceived,
    PoseReceived,
    StatusReceived,
)
from ..nodes import conversions as conv
from ..nodes.launch_setup import setting_hint
from ..nodes.mission_client import MissionClient
from ..nodes.ros_common import (
    CMD_VEL_QOS,
    ConfigError,
    declare_dataclass_params,
    node_usage,
    run_node,
)
from .config import DashboardConfig, TOKEN_ENV
from .server import create_app, HttpServer, Hub
from .state import DashboardState, PageEvent, safe_photo_name

POSE_PERIOD_S = 0.1
AGENT_PARAMS_PERIOD_S = 2.0
AGENT_PARAMS_REFRESH_S = 10.0


class DashboardNode(Node):
    """The dashboard node: feeds DashboardState from the topics, serves it over HTTP."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__('dashboard', **kwargs)
        self.exit_code: int | None = None
        try:
            self.config: DashboardConfig = declare_dataclass_params(self, DashboardConfig)
        except ConfigError as exc:
            message = self._redact(str(exc))
            if message.startswith('parameter token:'):
                message += (f' (a token ROS reads as a number must be quoted, or given in '
                            f'${TOKEN_ENV}, which also keeps it out of process listings)')
            raise ConfigError(message) from None
        cfg = self.config
        self.token = cfg.effective_token
        self.max_mission_chars = cfg.max_mission_chars
        self.test_plan = _test_plan_texts()
        self.state = DashboardState(history_len=cfg.history_len, stale_after_s=cfg.stale_after_s,
                                    geofence_radius_m=cfg.geofence_radius_m)
        self.state.limits['photo_dir'] = cfg.photo_dir
        self.hub = Hub()
        self.client = MissionClient(self, diagnostics=True, camera=True, trajectory_len=2)
        self.client.add_listener(self._on_event)
        self.create_subscription(Twist, 'cmd_vel', self._on_cmd, CMD_VEL_QOS)
        self.create_timer(POSE_PERIOD_S, self._push_pose)
        self.create_timer(1.0 / cfg.camera_max_hz, self._push_frame)
        self._frame_encoded = -1.0
        self._params = AsyncParameterClient(self, cfg.agent_node)
        self._params_pending: float | None = None
        self._params_next = 0.0
        self.create_timer(0.5, self._poll_agent_params)
        self.server = HttpServer(create_app(self, self.hub, cfg.host), cfg.host, cfg.port)
        try:
            self.port = self.server.start()
        except OSError as exc:
            other = cfg.port + 1 if 0 < cfg.port < 65535 else 8081
            self.get_logger().error(f'dashboard: {exc} (another dashboard running? start with '
                                    f'{setting_hint("dashboard", "port", str(other))})')
            self.server = None
            self.exit_code = 1
            return
        access = ('a token is required for every API request' if self.token
                  else 'no token: reachable from this machine only')
        self.get_logger().info(f'dashboard at {self.server.url} ({access})')

    @property
    def url(self) -> str:
        """The dashboard's address (http://host:port/)."""
        return self.server.url if self.server is not None else ''

    def _redact(self, text: str) -> str:
        """The message with the token, where it appears as a whole word, as <token>.

        Only whole words: a short token ("a") would otherwise turn every "a" of the message
        into <token>, garbling it and telling the token's letters. A token of one or two
        characters is no secret and is not looked for.
        """
        raw = getattr(self, '_parameter_overrides', {}).get('token')
        for secret in (getattr(raw, 'value', None), os.environ.get(TOKEN_ENV)):
            if secret is not None and len(str(secret)) >= 3:
                text = re.sub(rf'(?<!\w){re.escape(str(secret))}(?!\w)', '<token>', text)
        return text

    # ---- ROS side -----------------------------------------------------------------------
    def _on_event(self, event: ClientEvent) -> None:
        if isinstance(event, StatusReceived):
            for page_event in self.state.on_status(event.status):
                self.hub.publish(page_event)
        elif isinstance(event, PoseReceived):
            self.state.on_pose(event.pose, event.time)
        elif isinstance(event, DiagnosticsReceived):
            for page_event in self.state.on_diagnostics(event.statuses, event.time):
                self.hub.publish(page_event)
            self.hub.publish(PageEvent('llm', self.state.llm_reference()))
        elif isinstance(event, MetricsReceived):
            self.hub.publish(self.state.on_metrics(event.metrics, event.time))

    def _on_cmd(self, msg: Twist) -> None:
        cmd = conv.twist_from_msg(msg)
        event = self.state.on_cmd(cmd.linear, cmd.lateral, cmd.angular, time.monotonic())
        if event is not None:
            self.hub.publish(event)

    def _push_pose(self) -> None:
        event = self.state.pose_event(time.monotonic())
        if event is not None:
            self.hub.publish(event)

    def _push_frame(self) -> None:
        frame = self.client.frame
        if frame is None or frame.received <= self._frame_encoded or self.hub.count == 0:
            return  # nothing new, or nobody watching: no encoding work
        self._frame_encoded = frame.received
        try:
            data, width, height = encode_frame(frame, self.config.camera_width_px)
        except ValueError as exc:
            self.get_logger().warning(f'camera frame not shown: {exc}',
                                      throttle_duration_sec=30.0)
            return
        self.hub.publish(self.state.set_frame(data, width, height, time.time()))

    def _poll_agent_params(self) -> None:
        now = time.monotonic()
        if self._params_pending is not None and now - self._params_pending < 5.0:
            return
        if now < self._params_next or not self._params.services_are_ready():
            return
        self._params_pending = now
        future = self._params.get_parameters(['max_goto_radius_m', 'photo_dir'])
        future.add_done_callback(self._on_agent_params)

    def _on_agent_params(self, future: Any) -> None:
        self._params_pending = None
        try:
            values = future.result().values
            radius, photo_dir = float(values[0].double_value), str(values[1].string_value)
        except Exception as exc:  # a different agent, or one that went away mid-call
            self.get_logger().debug(f'agent parameters unavailable: {exc}')
            self._params_next = time.monotonic() + AGENT_PARAMS_PERIOD_S
            return
        self._params_next = time.monotonic() + AGENT_PARAMS_REFRESH_S
        source = f'{self.config.agent_node} max_goto_radius_m'
        event = self.state.set_limits(radius, source, photo_dir or self.config.photo_dir)
        if event is not None:
            self.hub.publish(event)

    # ---- what the HTTP side calls (DashboardBackend) ------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Everything the page shows, plus what it needs to know about this dashboard."""
        snap = self.state.snapshot(time.monotonic())
        snap['config'] = {'max_mission_chars': self.max_mission_chars,
                          'test_plan': self.test_plan, 'token_required': bool(self.token),
                          'agent_node': self.config.agent_node}
        snap['agents'] = self.agent_count()
        return snap

    def send_mission(self, text: str, planner: str, dry_run: bool) -> str:
        """A structured request on mission_command with a dashboard id."""
        choice: PlannerChoice = planner  # type: ignore[assignment]  # checked by the form
        return self.client.send(text, f'dash-{uuid.uuid4().hex[:8]}', choice, dry_run)

    def stop(self) -> str:
        """'stop' (no LLM involved) and mission_cancel: the robot stops at once."""
        return self.client.stop()

    def cancel(self) -> None:
        """mission_cancel."""
        self.client.cancel()

    def agent_count(self) -> int:
        """Agents subscribed to mission_command."""
        return self.client.agent_count()

    def photo_path(self, name: str) -> Path | None:
        """A saved photo, only from the photo folder and only a plain image file name."""
        return photo_in_folder(self.state.limits.get('photo_dir') or self.config.photo_dir,
                               name)

    def destroy_node(self) -> None:
        """Stop the HTTP server (ending every page's stream) before the node goes."""
        self.hub.close()
        if self.server is not None:
            self.server.stop()
            self.server = None
        super().destroy_node()


def photo_in_folder(folder: str, name: str) -> Path | None:
    """folder/name if name is a plain image file name and the file is really in folder."""
    if not safe_photo_name(name):
        return None
    base = Path(os.path.expanduser(folder)).resolve()
    path = (base / name).resolve()
    if path.parent != base or not path.is_file():
        return None
    return path


def encode_frame(frame: ImageFrame, max_width: int) -> tuple[str, int, int]:
    """A camera frame as a JPEG data URL, downscaled to max_width; ValueError if unusable."""
    image = frame.to_image().convert('RGB')
    if image.width > max_width:
        image = image.resize((max_width, max(1, round(image.height * max_width / image.width))))
    out = io.BytesIO()
    image.save(out, format='JPEG', quality=75)
    return ('data:image/jpeg;base64,' + base64.b64encode(out.getvalue()).decode('ascii'),
            image.width, image.height)


def _test_plan_texts() -> list[str]:
    from ..evaluation.robot_test_cases import TEST_PLAN
    return [mission.text for mission in TEST_PLAN]


def main(args: list[str] | None = None) -> int:
    """Entry point: ros2 run shadowhound_llm dashboard."""
    return run_node(DashboardNode, args,
                    usage=node_usage('dashboard', DashboardConfig, __doc__.splitlines()[0]),
                    name='dashboard')


if __name__ == '__main__':
    raise SystemExit(main())
