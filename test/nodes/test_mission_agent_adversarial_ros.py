# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""A sample of the adversarial corpus through the real node, watched by the invariant monitor.

The whole corpus runs against the agent core (test/mission/test_agent_adversarial.py); here
the first entry of every category goes through mission_agent on the simulated GO2, once
through the Ollama API and once through the OpenAI-compatible streaming path.
"""

from __future__ import annotations

from adversarial import CORPUS, reply_of
from core_loop import STATS
import pytest
import reliability

pytestmark = pytest.mark.ros
guarded, stats = reliability.guarded, reliability.stats
SAMPLE = [next(e for e in CORPUS if e['category'] == c)
          for c in dict.fromkeys(e['category'] for e in CORPUS)]
SAMPLE += [e for e in CORPUS if e.get('repeat', {}).get('count') == 10000][:1]


@pytest.mark.slow
@pytest.mark.parametrize('path', ['ollama', 'openai'])
def test_corpus_sample_through_the_node(guarded, ollama_module, path):
    params = {'validate_on_startup': False, 'backend': path}
    if path == 'ollama':
        params['ollama_host'] = ollama_module.url
    else:
        params.update(openai_base_url=f'{ollama_module.url}/v1', openai_model='phi4:14b')
    h = guarded(params)
    client = h.probe.client
    for entry in SAMPLE:
        ollama_module.script.reply = reply_of(entry)
        mission_id = client.send('do what the operator wants', planner='llm')
        final = h.monitor.wait(lambda mid=mission_id: h.monitor.terminal_of(mid), 60.0)
        STATS.outputs_tried += 1
        where = f'{entry["id"]}: {final.state.value if final else "timeout"}: ' \
                f'{final.message[:200] if final else ""}'
        assert final is not None, where
        if entry['expect'] == 'succeeded':
            assert final.state.value == 'succeeded', where
        elif entry['expect'] == 'refused':
            assert final.state.value in ('failed', 'rejected'), where
            assert any(w in final.message for w in entry.get('words', [])), where
        assert h.stopped(2.0), where
        back = client.run('return home', 60.0)  # keep the robot inside the geofence
        assert back.succeeded, back.final
