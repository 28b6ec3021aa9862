# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""One mission-text and request check: the agent, the plan tool and the dashboard agree."""

import json
from pathlib import Path

import httpx
import pytest

from shadowhound_llm.common.contract import (
    check_mission_text,
    MissionState,
    MissionTextError,
    parse_command,
    Reason,
    RequestError,
)
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.dashboard.server import create_app, HttpServer, Hub
from shadowhound_llm.dashboard.state import DashboardState
from shadowhound_llm.mission.agent import AgentCore
from shadowhound_llm.tools.plan_cli import main as plan_main

LIMIT = AgentConfig.max_mission_chars


class Backend:
    """The dashboard's view of the node, recording what it is asked to send."""

    def __init__(self, max_chars: int) -> None:
        self.token = ''
        self.max_mission_chars = max_chars
        self.sent: list[tuple[str, str, bool]] = []
        self.state = DashboardState()

    def snapshot(self):
        return self.state.snapshot(0.0)

    def send_mission(self, text: str, planner: str, dry_run: bool) -> str:
        self.sent.append((text, planner, dry_run))
        return f'id{len(self.sent)}'

    def stop(self) -> str:
        return 'stop'

    def cancel(self) -> None:
        pass

    def agent_count(self) -> int:
        return 1

    def photo_path(self, name: str) -> Path | None:
        return None


@pytest.fixture
def dashboard():
    backend, hub = Backend(LIMIT), Hub()
    server = HttpServer(create_app(backend, hub, '127.0.0.1'), '127.0.0.1', 0)
    port = server.start()
    with httpx.Client(base_url=f'http://127.0.0.1:{port}', timeout=5.0) as http:
        yield backend, http
    hub.close()
    server.stop()


def agent_verdict(data: str) -> tuple[str, str]:
    core = AgentCore(AgentConfig(backend='none'))
    try:
        final = core.submit(data, 0.0).statuses[-1]
        verdicts.append(final.reason)
        return final.state.value, final.message
    finally:
        core.close()


verdicts: list[Reason | None] = []


@pytest.mark.parametrize('body', [
    {'text': 'move forward 1 m', 'dry_run': 'yes'},
    {'text': 'move forward 1 m', 'dry_run': 1},
    {'text': 'move forward 1 m', 'planner': 'gpt'},
    {'text': 5},
    {'text': 'move forward 1 m', 'speed': 2},
])
def test_a_request_the_agent_refuses_the_dashboard_refuses_too(dashboard, body):
    backend, http = dashboard
    state, message = agent_verdict(json.dumps(body))
    assert state == MissionState.REJECTED.value and 'malformed mission request' in message
    reply = http.post('/api/mission', json=body)
    assert reply.status_code == 400
    # the same words (the dashboard names the id itself, so does not list it as allowed)
    assert reply.json()['error'].split(' (allowed')[0] == message.split(' (allowed')[0]
    assert backend.sent == []


def test_the_dashboard_still_sends_typed_requests_and_names_its_id_itself(dashboard):
    backend, http = dashboard
    assert http.post('/api/mission', json={'text': ' Move forward 1 meter ', 'dry_run': True,
                                           'planner': 'rules'}).status_code == 200
    refused = http.post('/api/mission', json={'text': 'Move forward 1 meter', 'id': 'x'})
    assert refused.status_code == 400 and "unknown field 'id'" in refused.json()['error']
    assert backend.sent == [('Move forward 1 meter', 'rules', True)]


@pytest.mark.parametrize('text, too_long', [('', False), ('  \n ', False),
                                            ('x' * (LIMIT + 1), True)])
def test_empty_and_over_long_texts_are_refused_alike_everywhere(dashboard, capsys, text,
                                                                too_long):
    with pytest.raises(MissionTextError) as info:
        check_mission_text(text, LIMIT)
    words = str(info.value)
    assert info.value.too_long == too_long
    assert words == ('empty mission text' if not too_long else
                     f'mission text is {LIMIT + 1} characters; the limit is {LIMIT} '
                     f'(max_mission_chars)')
    # the agent, with the same reason code
    assert agent_verdict(text) == ('rejected', words)
    assert verdicts[-1] == info.value.reason == (Reason.TEXT_TOO_LONG if too_long
                                                 else Reason.EMPTY_TEXT)
    # the plan tool: bad arguments, nothing planned (no backend is asked)
    assert plan_main([text, '--backend', 'none']) == 2
    out = capsys.readouterr()
    assert out.out == '' and words in out.err
    # the dashboard: 400 for empty, 413 for too long, nothing sent
    backend, http = dashboard
    reply = http.post('/api/mission', json={'text': text})
    assert reply.status_code == (413 if too_long else 400)
    assert reply.json()['error'] == words and backend.sent == []


def test_a_text_at_the_limit_is_planned_by_every_entry_point(dashboard, capsys):
    text = 'move forward 1 meter'.ljust(LIMIT, '.')
    check_mission_text(text, LIMIT)
    assert parse_command(text).text == text
    assert plan_main([text, '--backend', 'none']) in (0, 1)  # planned or no rule: not refused
    assert 'max_mission_chars' not in capsys.readouterr().err
    backend, http = dashboard
    assert http.post('/api/mission', json={'text': text}).status_code == 200
    assert len(backend.sent[0][0]) == LIMIT


def test_a_malformed_json_request_is_a_request_error():
    with pytest.raises(RequestError, match='not a valid JSON object'):
        parse_command('{"text": ')


def test_a_request_id_of_64_characters_is_echoed_and_one_of_65_is_refused():
    core = AgentCore(AgentConfig(backend='none'))
    try:
        longest = 'a' * 64
        out = core.submit(json.dumps({'text': 'turn left 10 degrees', 'id': longest,
                                      'dry_run': True}), 0.0)
        assert out.statuses and all(s.mission_id == longest for s in out.statuses)
        assert out.statuses[-1].state == MissionState.SUCCEEDED
    finally:
        core.close()
    state, message = agent_verdict(json.dumps({'text': 'turn left 10 degrees', 'id': 'a' * 65}))
    assert state == MissionState.REJECTED.value and 'malformed mission request' in message
    assert verdicts[-1] == Reason.MALFORMED
