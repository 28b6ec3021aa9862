# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""demo: the robot test plan on the simulated GO2, no robot and no network needed.

Starts ``sim_robot`` and ``mission_agent`` as child processes with DDS confined to shared
memory, sends the five test-plan missions, prints a table and writes a trajectory PNG.
The LLM backend is the best one available: Ollama (if check_backend passes at $OLLAMA_HOST
or localhost), else the embedded tiny model (llama.cpp + Gemma 3 270M, if installed), else
none (rule planner only). With an LLM, one extra mission shows the LLM path.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
import os
from pathlib import Path
import sys
import time
from typing import Any

from ..backends import OllamaClient, validate_ollama
from ..hosts import default_ollama_host
from ..local_dds import apply_local_dds
from ..processes import start_node, stop_node
from ..testing import llama_server

LLM_MISSION = 'Describe what you are'
PHI4_HINT = ('for phi4:14b planning, install Ollama, run `ollama pull phi4:14b` and run the '
             'demo again (OLLAMA_HOST selects another server)')


def choose_backend(stack: ExitStack, out: Path) -> tuple[dict[str, Any], str]:
    """Agent parameters for the best LLM backend here, and a sentence saying which and why."""
    host = default_ollama_host()
    client = OllamaClient(host, timeout_s=60.0)
    try:
        report = validate_ollama(client)
    finally:
        client.close()
    if report.ok:
        return ({'backend': 'ollama', 'ollama_host': host},
                f'LLM backend: Ollama {client.model} at {host} (check_backend passed)')
    why_not = report.first_failure().message
    tiny_missing = llama_server.available()
    if not tiny_missing:
        print('demo: starting the embedded tiny model (llama.cpp + Gemma 3 270M)...')
        server = stack.enter_context(llama_server.LlamaServer(log_path=out / 'llama.log'))
        return ({'backend': 'openai', 'openai_base_url': server.url,
                 'openai_model': llama_server.MODEL_ALIAS,
                 'openai_response_format': 'json_object', 'llm_timeout_s': 60.0},
                f'LLM backend: embedded tiny model {llama_server.MODEL_ALIAS} via llama.cpp '
                f'(a weak 270M base model; Ollama not usable: {why_not}); {PHI4_HINT}')
    return ({'backend': 'none'},
            f'LLM backend: none — rule planner only (Ollama not usable: {why_not}; tiny model: '
            f'{tiny_missing}); {PHI4_HINT}')


def main(args: list[str] | None = None) -> int:
    """Run the demo; exit 0 when every test-plan mission passed."""
    parser = argparse.ArgumentParser(prog='demo', description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='out/demo', help='folder for the PNG, photos and logs')
    parser.add_argument('--timeout', type=float, default=60.0, help='seconds per mission')
    parser.add_argument('--no-llm', action='store_true', help='rule planner only')
    opts = parser.parse_args(args)
    out = Path(opts.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = apply_local_dds()
    print(f'demo: DDS on shared memory only (ROS_DOMAIN_ID={env["ROS_DOMAIN_ID"]}); '
          f'logs in {out}')
    with ExitStack() as stack:
        if opts.no_llm:
            llm_params, backend_note = {'backend': 'none'}, 'LLM backend: none (--no-llm)'
        else:
            llm_params, backend_note = choose_backend(stack, out)
        print(f'demo: {backend_note}')
        agent_params = {'photo_dir': str(out / 'photos'), 'validate_on_startup': False,
                        **llm_params}
        procs = [start_node('sim_robot', {}, out / 'sim_robot.log', env),
                 start_node('mission_agent', agent_params, out / 'mission_agent.log', env)]
        stack.callback(lambda: [stop_node(p) for p in procs])
        return _run(out, opts.timeout, backend_note, llm_params['backend'] != 'none')


def _run(out: Path, timeout: float, backend_note: str, with_llm: bool) -> int:
    import rclpy

    from ..nodes.ros_common import spinning
    from . import robot_test
    rclpy.init()
    client = robot_test.MissionClient('demo_client')
    try:
        with spinning(client):
            if not client.wait_ready(30.0):
                print('demo: sim_robot or mission_agent did not come up within 30 s; see the logs '
                      f'in {out}', file=sys.stderr)
                return 1
            time.sleep(0.5)
            results = robot_test.run_test_plan(client, timeout)
            print()
            print(robot_test.format_table(results))
            planners = sorted({r.planner for r in results if r.planner})
            print(f'\nplanner for the test plan: {", ".join(planners) or "n/a"} (simple commands '
                  f'never wait for an LLM)')
            if with_llm:
                extra = client.run(LLM_MISSION, timeout)
                print(f'LLM mission "{LLM_MISSION}": {extra.state} via {extra.planner or "n/a"} '
                      f'— {extra.message}')
            png = out / 'trajectory.png'
            robot_test.plot_trajectory(client.trajectory, results, str(png))
            photos = sorted((out / 'photos').glob('*.png')) if (out / 'photos').exists() else []
            print(f'trajectory: {png}')
            if photos:
                print(f'photo: {photos[-1]}')
            ok = all(robot_test.passed(r) for r in results)
            print(backend_note)
            print(f'result: {"all test-plan missions passed" if ok else "SOME MISSIONS FAILED"} '
                  f'({sum(robot_test.passed(r) for r in results)}/{len(results)})')
            return 0 if ok else 1
    finally:
        client.destroy_node()
        rclpy.try_shutdown()
        os.environ.pop('ROS_DOMAIN_ID', None)


if __name__ == '__main__':
    raise SystemExit(main())
