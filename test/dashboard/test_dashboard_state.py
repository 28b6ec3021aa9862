# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The dashboard without ROS or a browser: its state, its auth rules, its HTTP API."""

from __future__ import annotations

import json
import math
from pathlib import Path
import threading
import time
from typing import Any

import httpx
import pytest

from shadowhound_llm.common.contract import LLMMetrics, MissionState, MissionStatus
from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.dashboard.config import DashboardConfig, TOKEN_ENV
from shadowhound_llm.dashboard.server import (
    create_app,
    host_allowed,
    HttpServer,
    Hub,
    origin_ok,
    token_ok,
)
from shadowhound_llm.dashboard.state import (
    DashboardState,
    gpu_sample,
    llm_reference,
    PageEvent,
    safe_photo_name,
)

TOKEN = 'correct-horse-battery'


def _status(mission_id: str, state: str, text: str = 'Move forward 1 meter', **extra: Any
            ) -> MissionStatus:
    return MissionStatus(mission_id=mission_id, state=MissionState(state), text=text, **extra)


# ---- configuration --------------------------------------------------------------------------
def test_a_non_loopback_host_without_a_token_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    problems = DashboardConfig(host='0.0.0.0').problems()
    assert len(problems) == 1 and 'not a loopback address' in problems[0]
    assert 'token' in problems[0]
    assert DashboardConfig(host='0.0.0.0', token=TOKEN).problems() == []
    assert DashboardConfig(host='127.0.0.1').problems() == []
    assert DashboardConfig(host='::1').problems() == []


def test_the_token_may_come_from_the_environment_and_is_never_in_the_repr(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    config = DashboardConfig(host='192.168.12.5')
    assert config.problems() == [] and config.effective_token == TOKEN
    assert TOKEN not in repr(config) and TOKEN not in str(config)
    assert DashboardConfig(token='short').problems()  # too short to be a real secret


def test_dashboard_defaults_follow_the_agent_config():
    config = DashboardConfig()
    assert (config.host, config.port, config.token) == ('127.0.0.1', 8080, '')
    assert config.geofence_radius_m == AgentConfig.max_goto_radius_m
    assert config.max_mission_chars == AgentConfig.max_mission_chars


# ---- auth rules -----------------------------------------------------------------------------
def test_token_check():
    assert token_ok(None, '')  # no token configured: open (loopback only)
    assert token_ok(f'Bearer {TOKEN}', TOKEN)
    assert not token_ok(None, TOKEN)
    assert not token_ok('Bearer wrong', TOKEN)
    assert not token_ok(TOKEN, TOKEN)  # must be a Bearer header
    assert not token_ok(f'Bearer {TOKEN}x', TOKEN)


def test_loopback_binding_serves_only_loopback_host_names():
    for host in ('127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'localhost'):
        assert host_allowed(host, '127.0.0.1'), host
    for host in ('evil.example:8080', '192.168.1.4:8080', None):
        assert not host_allowed(host, '127.0.0.1'), host
    assert host_allowed('robot.local:8080', '0.0.0.0')  # token-protected instead


def test_writes_from_another_site_are_refused():
    assert origin_ok(None, '127.0.0.1:8080')  # curl and scripts send no Origin
    assert origin_ok('http://127.0.0.1:8080', '127.0.0.1:8080')
    assert not origin_ok('http://evil.example', '127.0.0.1:8080')
    assert not origin_ok('null', '127.0.0.1:8080')


def test_photo_names_are_plain_file_names():
    assert safe_photo_name('photo_20260101_120000_001.png')
    for bad in ('../etc/passwd', '..png', '.hidden.png', 'a/b.png', 'x.txt', '', 'a..png'):
        assert not safe_photo_name(bad), bad


# ---- state ----------------------------------------------------------------------------------
def _pair(event: PageEvent) -> tuple[str, dict]:
    assert isinstance(event, PageEvent)
    return event.kind, event.data


def test_mission_views_current_history_and_stop_requests():
    state = DashboardState(history_len=3)
    state.on_pose(Pose2D(0.0, 0.0, 0.0), 0.0)
    plan = {'actions': [{'type': 'move', 'distance_m': 1.0}, {'type': 'goto', 'x': 2.0, 'y': 1.0},
                        {'type': 'return_home'}]}
    state.on_status(_status('a', 'received'))
    state.on_status(_status('a', 'executing', plan=plan, step=0, planner='rules',
                            home={'x': 0.0, 'y': 0.0, 'yaw_deg': 0.0}, message='moving'))
    kind, event = _pair(state.on_status(_status('a', 'executing', plan=plan, step=1,
                                                message='moving'))[0])
    assert kind == 'missions'
    current = event['current']
    assert (current['id'], current['state'], current['step'], current['planner']) == \
        ('a', 'executing', 1, 'rules')
    assert current['messages'] == ['moving']  # repeated messages are shown once
    assert current['targets'] == [{'x': 2.0, 'y': 1.0, 'step': 1, 'kind': 'goto'},
                                  {'x': 0.0, 'y': 0.0, 'step': 2, 'kind': 'home'}]
    # STOP while it runs: the cancelled mission stays current, the stop request goes to history
    state.on_status(_status('s', 'received', text='stop'))
    state.on_status(_status('a', 'cancelled', plan=plan, step=1, message='cancelled'))
    event = state.on_status(_status('s', 'succeeded', text='stop'))[0].data
    assert event['current']['id'] == 'a' and event['current']['state'] == 'cancelled'
    assert [m['id'] for m in event['history']] == ['s', 'a']  # newest first
    for i in range(5):
        state.on_status(_status(f'm{i}', 'succeeded'))
    event = state.on_status(_status('m9', 'failed', reason='stalled'))[0].data
    assert len(event['history']) == 3 and event['current']['id'] == 'm9'
    assert event['current']['reason'] == 'stalled'  # the code, for the page to act on
    assert event['history'][1]['reason'] is None  # m4 succeeded


def test_goto_in_the_robot_frame_is_placed_from_the_pose_where_the_step_began():
    state = DashboardState()
    state.on_pose(Pose2D(1.0, 1.0, math.pi / 2), 0.0)
    plan = {'actions': [{'type': 'goto', 'x': 1.0, 'y': 0.0, 'frame': 'robot'}]}
    event = state.on_status(_status('r', 'executing', plan=plan, step=0))[0].data
    target = event['current']['targets'][0]
    assert target['x'] == pytest.approx(1.0) and target['y'] == pytest.approx(2.0)


def test_photo_from_a_status_is_listed_by_file_name_only():
    state = DashboardState()
    events = state.on_status(_status('p', 'succeeded', text='Take a photo',
                                     photo='/home/op/.shadowhound/photos/photo_1.png'))
    photos = dict(map(_pair, events))['photos']['photos']
    assert [p['name'] for p in photos] == ['photo_1.png']
    assert dict(map(_pair, events))['missions']['current']['photo'] == 'photo_1.png'


def test_the_answer_of_a_look_is_kept_with_its_mission_for_the_page():
    state = DashboardState()
    plan = {'actions': [{'type': 'look'}]}
    state.on_status(_status('v', 'executing', text='What do you see?', plan=plan, step=0))
    event = state.on_status(_status('v', 'succeeded', text='What do you see?', plan=plan,
                                    answer='A red door, open.'))[0].data
    assert event['current']['answer'] == 'A red door, open.'
    event = state.on_status(_status('w', 'succeeded', text='move 1 m'))[0].data
    assert event['current']['answer'] is None  # the page shows the newest one with an answer
    assert event['history'][1]['answer'] == 'A red door, open.'


def test_trail_grows_every_few_centimetres_and_pose_events_carry_only_new_points():
    state = DashboardState(trail_len=100)
    for i in range(101):  # 1 m in 1 cm steps over 2 s
        state.on_pose(Pose2D(i * 0.01, 0.0, 0.0), i * 0.02)
    kind, event = _pair(state.pose_event(2.0))
    assert kind == 'pose' and event['trail_from'] == 0
    assert 40 <= len(event['trail']) <= 55  # a point every 2 cm, not every odom message
    assert event['trail'][-1][0] == pytest.approx(1.0, abs=0.02)
    assert event['pose']['x'] == pytest.approx(1.0)
    assert event['speed_mps'] == pytest.approx(0.5, abs=0.05)
    assert state.pose_event(2.0) is None  # nothing new
    state.on_pose(Pose2D(1.1, 0.0, 0.0), 2.1)
    event = state.pose_event(2.1).data
    assert event['trail_from'] == len(state.trail) - 1 and len(event['trail']) == 1
    snap = state.snapshot(2.1)
    assert snap['trail_from'] + len(snap['trail']) == state.trail_end


def test_commanded_zero_is_pushed_at_once_and_motion_is_throttled():
    state = DashboardState()
    assert state.on_cmd(0.3, 0.0, 0.0, 0.00) is not None
    assert state.on_cmd(0.3, 0.0, 0.0, 0.05) is None  # same motion, within 0.2 s
    kind, event = _pair(state.on_cmd(0.0, 0.0, 0.0, 0.06))
    assert kind == 'cmd' and event['zero'] is True
    assert state.on_cmd(0.3, 0.0, 0.1, 0.07).data['zero'] is False


def test_diagnostics_rows_turn_stale_and_gpu_figures_are_read():
    state = DashboardState(stale_after_s=5.0)
    statuses = [
        {'name': 'gpu_monitor: Memory', 'level': 0, 'message': '3 of 8 GiB', 'hardware_id': 'thor',
         'values': {'used [MiB]': '3072', 'total [MiB]': '8192', 'GPU share [MiB]': 'n/a'}},
        {'name': 'gpu_monitor: Thermal', 'level': 1, 'message': 'hot', 'hardware_id': 'thor',
         'values': {'gpu [°C]': '86.0', 'cpu [°C]': '70.5'}},
        {'name': 'gpu_monitor: LLM throughput', 'level': 0, 'message': 'ok',
         'hardware_id': 'thor', 'values': {'baseline tokens/s': '15.2',
                                           'roofline tokens/s': '21.0'}},
    ]
    events = dict(map(_pair, state.on_diagnostics(statuses, 10.0)))
    assert [r['level'] for r in events['diagnostics']['rows']] == ['OK', 'WARN', 'OK']
    assert events['gpu']['mem_used_mib'] == 3072 and events['gpu']['temp_c'] == 86.0
    rows = {r['name']: r for r in state.diagnostic_rows(16.0)}
    assert rows['gpu_monitor: Thermal']['level'] == 'STALE'
    assert rows['gpu_monitor: Thermal']['reported'] == 'WARN'
    assert rows['gpu_monitor: Memory']['values']['total [MiB]'] == '8192'
    assert state.llm_reference() == {'baseline_tokens_per_s': 15.2,
                                      'roofline_tokens_per_s': 21.0}
    assert gpu_sample([{'name': 'x: GPU', 'values': {}}], 0.0) is None
    assert llm_reference([])['baseline_tokens_per_s'] is None


def test_metrics_points_are_numbered_so_a_page_can_drop_duplicates():
    state = DashboardState()
    first = state.on_metrics(LLMMetrics(backend='ollama', model='phi4:14b', tokens_per_s=15.0),
                             1.0).data
    second = state.on_metrics(LLMMetrics(backend='ollama', model='phi4:14b',
                                         tokens_per_s=float('nan')), 2.0).data
    assert second['seq'] == first['seq'] + 1 and second['tokens_per_s'] is None
    json.dumps(state.snapshot(3.0), allow_nan=False)  # the page gets valid JSON only


# ---- HTTP API (real uvicorn on loopback) ----------------------------------------------------
class PlainBackend:
    """A backend with no ROS behind it: records what the HTTP side asks for."""

    def __init__(self, token: str, photo_dir: Path) -> None:
        self.token = token
        self.max_mission_chars = 50
        self.sent: list[tuple[str, str, bool]] = []
        self.stops = 0
        self.cancels = 0
        self.photo_dir = photo_dir
        self.state = DashboardState()
        self.refusal = ''  # set: every send raises as a client the DDS refuses does

    def _refuse(self) -> None:
        if self.refusal:
            raise ConnectionError(self.refusal)

    def snapshot(self) -> dict[str, Any]:
        return {**self.state.snapshot(0.0), 'config': {'token_required': bool(self.token)}}

    def send_mission(self, text: str, planner: str, dry_run: bool) -> str:
        self._refuse()
        self.sent.append((text, planner, dry_run))
        return f'id{len(self.sent)}'

    def stop(self) -> str:
        self._refuse()
        self.stops += 1
        return 'stop1'

    def cancel(self) -> None:
        self._refuse()
        self.cancels += 1

    def agent_count(self) -> int:
        return 1

    def photo_path(self, name: str) -> Path | None:
        from shadowhound_llm.dashboard.node import photo_in_folder
        return photo_in_folder(str(self.photo_dir), name)


@pytest.fixture
def served(tmp_path):
    """Start a dashboard HTTP server around a PlainBackend; yields (backend, hub, base URL)."""
    started = []

    def start(token: str = '') -> tuple[PlainBackend, Hub, str]:
        backend, hub = PlainBackend(token, tmp_path), Hub()
        server = HttpServer(create_app(backend, hub, '127.0.0.1'), '127.0.0.1', 0)
        port = server.start()
        started.append((server, hub))
        return backend, hub, f'http://127.0.0.1:{port}'
    yield start
    for server, hub in started:
        hub.close()
        server.stop()


def test_with_a_token_every_api_request_needs_it_and_the_page_shell_does_not(served):
    backend, _, url = served(TOKEN)
    good = {'Authorization': f'Bearer {TOKEN}'}
    with httpx.Client(base_url=url, timeout=5.0) as http:
        assert http.get('/').status_code == 200  # the page shell: no data in it
        assert 'app.js' in http.get('/').text
        for path in ('/api/mission', '/api/stop', '/api/cancel'):
            refused = http.post(path, json={'text': 'Move forward 1 meter'})
            assert refused.status_code == 401, path
            assert http.post(path, json={'text': 'x'},
                             headers={'Authorization': 'Bearer nope-nope'}).status_code == 401
        assert http.get('/api/state').status_code == 401
        assert backend.sent == [] and backend.stops == 0 and backend.cancels == 0
        assert http.post('/api/mission', json={'text': 'Move forward 1 meter'},
                         headers=good).json()['id'] == 'id1'
        assert http.post('/api/stop', json={}, headers=good).status_code == 200
        assert http.get('/api/state', headers=good).status_code == 200
    assert backend.sent == [('Move forward 1 meter', 'auto', False)] and backend.stops == 1


def test_stop_and_cancel_take_any_post_that_passes_the_checks(served):
    backend, _, url = served(TOKEN)
    good = {'Authorization': f'Bearer {TOKEN}'}
    with httpx.Client(base_url=url, timeout=5.0) as http:
        assert http.post('/api/stop', headers=good).status_code == 200  # no body at all
        assert http.post('/api/stop', content='stop', headers={
            **good, 'Content-Type': 'text/plain'}).status_code == 200
        assert http.post('/api/cancel', headers=good).status_code == 200
        assert http.post('/api/stop').status_code == 401  # the token still counts
        assert http.post('/api/stop', headers={**good, 'Origin': 'http://evil.example'}
                         ).status_code == 403
    assert backend.stops == 2 and backend.cancels == 1


def test_a_request_the_dds_refuses_is_a_503_that_names_the_topic(served):
    backend, _, url = served()
    backend.refusal = ('/mission_command: the DDS refused the message for 1 s: Failed to '
                       'publish: cannot publish data')
    with httpx.Client(base_url=url, timeout=5.0) as http:
        for path in ('/api/mission', '/api/stop', '/api/cancel'):
            reply = http.post(path, json={'text': 'Move forward 1 meter'})
            assert reply.status_code == 503, path
            assert reply.json()['error'] == backend.refusal, path
        backend.refusal = ''
        assert http.post('/api/mission', json={'text': 'Move forward 1 meter'}).json()['id']
    assert backend.sent == [('Move forward 1 meter', 'auto', False)]


def test_mission_requests_are_checked_and_sent_as_data(served):
    backend, _, url = served()
    with httpx.Client(base_url=url, timeout=5.0) as http:
        assert http.post('/api/mission', json={'text': 'x' * 51}).status_code == 413
        assert http.post('/api/mission', json={'text': '   '}).status_code == 400
        assert http.post('/api/mission', json={'text': 'a', 'planner': 'gpt'}).status_code == 400
        assert http.post('/api/mission', json={'text': 'a', 'extra': 1}).status_code == 400
        assert http.post('/api/mission', json={'text': 'a' * 400_000}).status_code == 413
        # a form post or text/plain (what another web site could send) is refused
        assert http.post('/api/mission', content='{"text": "a"}',
                         headers={'Content-Type': 'text/plain'}).status_code == 415
        assert http.post('/api/mission', json={'text': 'a'},
                         headers={'Origin': 'http://evil.example'}).status_code == 403
        assert http.get('/', headers={'Host': 'evil.example'}).status_code == 421
        sent = http.post('/api/mission', json={'text': '<script>x</script>', 'planner': 'rules'})
        assert sent.status_code == 200
        page = http.get('/')
        assert "script-src 'self'" in page.headers['content-security-policy']
    assert backend.sent == [('<script>x</script>', 'rules', False)]


def test_photos_are_served_only_from_the_photo_folder(served, tmp_path):
    (tmp_path / 'photo_1.png').write_bytes(b'\x89PNG fake')
    (tmp_path.parent / 'secret.png').write_bytes(b'secret')
    (tmp_path / 'link.png').symlink_to(tmp_path.parent / 'secret.png')
    _, _, url = served()
    with httpx.Client(base_url=url, timeout=5.0) as http:
        assert http.get('/api/photos/photo_1.png').content == b'\x89PNG fake'
        assert http.get('/api/photos/..%2Fsecret.png').status_code == 404
        assert http.get('/api/photos/link.png').status_code == 404  # points outside
        assert http.get('/api/photos/missing.png').status_code == 404


def test_camera_frames_are_downscaled_jpeg_data_urls():
    import base64
    import io

    from PIL import Image

    from shadowhound_llm.common.camera import ImageFrame
    from shadowhound_llm.dashboard.node import encode_frame

    frame = ImageFrame(640, 480, 'bgr8', 640 * 3, bytes([10, 20, 200]) * 640 * 480, 0.0)
    url, width, height = encode_frame(frame, 320)
    assert (width, height) == (320, 240) and url.startswith('data:image/jpeg;base64,')
    image = Image.open(io.BytesIO(base64.b64decode(url.split(',', 1)[1])))
    assert image.size == (320, 240)
    red, _, blue = image.getpixel((160, 120))
    assert red > 150 and blue < 60  # bgr8 read as BGR
    with pytest.raises(ValueError, match='unsupported'):
        encode_frame(ImageFrame(4, 4, '16UC1', 8, bytes(32), 0.0), 320)


def test_events_stream_starts_with_a_snapshot_then_pushes(served):
    backend, hub, url = served()
    lines: list[str] = []
    got_push = threading.Event()

    def read() -> None:
        with httpx.stream('GET', f'{url}/api/events', timeout=10.0) as response:
            for line in response.iter_lines():
                lines.append(line)
                if line.startswith('event: cmd'):
                    got_push.set()
                    return
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 5.0
    while hub.count == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert hub.count == 1, 'the page never connected'
    hub.publish(PageEvent('cmd', {'zero': True}))
    assert got_push.wait(5.0), lines
    reader.join(2.0)
    assert lines[0] == 'event: snapshot'
    assert json.loads(lines[1][len('data: '):])['config'] == {'token_required': False}


def test_api_state_gives_the_heading_in_degrees_beside_radians(served):
    backend, _, url = served()
    backend.state.on_pose(Pose2D(1.0, 2.0, math.pi / 2), 0.0)
    with httpx.Client(base_url=url, timeout=5.0) as http:
        pose = http.get('/api/state').json()['pose']
    assert pose == {'x': 1.0, 'y': 2.0, 'yaw': round(math.pi / 2, 4), 'yaw_deg': 90.0}
