# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The benchmark executable against the Ollama test double: the report's procedure."""

import json

import pytest

from shadowhound_llm.evaluation.bench_measure import Progress
from shadowhound_llm.evaluation.bench_report import PLOTS, table
from shadowhound_llm.evaluation.quality import load_corpus
from shadowhound_llm.testing.ollama_double import DEFAULT_REPLY, ModelSpec, OllamaDouble
from shadowhound_llm.tools.benchmark import main

EXPECTED = {m.text: m for m in load_corpus()}
PHI4, QWEN = 'phi4:14b', 'qwen2.5-coder:32b'
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def perfect_reply(body):
    """Answer each corpus mission with its expected plan (a perfect model)."""
    text = body['messages'][-1]['content'].removeprefix('Mission: ')
    mission = EXPECTED.get(text)
    if mission is None:  # the warm-decode prompt
        return DEFAULT_REPLY
    if mission.reject:
        return '{"actions":[{"type":"move","distance_m":100}]}'
    actions = [dict(a, text='hello') if a['type'] == 'say' else a for a in mission.actions]
    return json.dumps({'actions': actions})


def two_models(ollama):
    """phi4 all on the GPU at 24 tok/s; qwen 80 % on the GPU at 6.5 tok/s."""
    ollama.script.models[PHI4] = ModelSpec(PHI4, size=9_100_000_000, tokens_per_s=24.0,
                                           prompt_tokens_per_s=350.0, load_duration_s=4.2,
                                           digest='sha256:' + 'a' * 64)
    ollama.script.models[QWEN] = ModelSpec(QWEN, size=19_900_000_000, vram_fraction=0.8,
                                           tokens_per_s=6.5, prompt_tokens_per_s=90.0,
                                           load_duration_s=9.8, family='qwen2',
                                           digest='sha256:' + 'b' * 64)


def bench(ollama, *args):
    return main(['--host', ollama.url, '--telemetry', 'none', *args])


def by_phase(results):
    return {(r['phase'], r['model']): r for r in results['runs']}


def test_perfect_model_scores_100_and_reports_speed(capsys):
    with OllamaDouble() as ollama:
        ollama.script.reply = perfect_reply
        ollama.script.tokens_per_s = 16.0
        code = bench(ollama, '--json')
    results = json.loads(capsys.readouterr().out)
    assert code == 0 and results['verification']['ok']
    baseline = results['runs'][0]
    assert baseline['phase'] == 'baseline' and baseline['model'] == PHI4
    assert baseline['corpus']['quality'] == 100.0
    assert baseline['corpus']['missions'] == len(EXPECTED) == results['missions']
    assert baseline['corpus']['json_valid_pct'] == baseline['corpus']['schema_valid_pct'] == 100
    assert baseline['tokens_per_s_median'] == pytest.approx(16.0)
    assert [r['phase'] for r in results['runs']] == ['baseline', 'final']
    # The headline is task accuracy, with the floors a planner must beat beside it.
    assert baseline['corpus']['accuracy'] == 1.0 and baseline['corpus']['accuracy_ci'][1] == 1.0
    assert set(results['floors']) == {'always_stop', 'always_photo', 'rules'}
    assert results['floors']['always_stop']['accuracy'] < 0.2
    assert results['rule_coverage']['wrong'] == 0


def test_two_models_write_the_three_outputs_with_the_scripted_numbers(tmp_path, capsys):
    out = tmp_path / 'bench'
    with OllamaDouble() as ollama:
        two_models(ollama)
        code = bench(ollama, '--models', f'{PHI4},{QWEN}', '--limit', '6', '--repeats', '2',
                     '--memory-bandwidth-gbs', '273', '--out', str(out))
        url = ollama.url
    printed = capsys.readouterr().out
    assert code == 0 and 'final verification passed' in printed
    results = json.loads((out / 'results.json').read_text())
    runs = by_phase(results)
    assert list(runs) == [('baseline', PHI4), ('model', QWEN), ('final', PHI4)]
    phi4, qwen = runs['baseline', PHI4], runs['model', QWEN]
    assert phi4['tokens_per_s_median'] == pytest.approx(24.0)
    assert qwen['tokens_per_s_median'] == pytest.approx(6.5)
    assert phi4['load_s'] == pytest.approx(4.2) and qwen['load_s'] == pytest.approx(9.8)
    assert phi4['gpu_pct'] == 100 and qwen['gpu_pct'] == 80
    assert phi4['decode']['prompt_tokens_per_s']['median'] == pytest.approx(350.0, rel=0.05)
    assert phi4['roofline']['bound_tokens_per_s'] == pytest.approx(30.0, abs=0.1)
    assert phi4['roofline']['efficiency'] == pytest.approx(0.8, abs=0.01)
    assert qwen['roofline']['bound_as_placed_tokens_per_s'] < qwen['roofline'][
        'bound_tokens_per_s'], 'the CPU share is read at system-memory speed'
    assert len(qwen['corpus']['latencies_s']) == 6 and qwen['corpus']['latency_s']['n'] == 6
    assert results['ollama_version'] == '0.12.6' and results['host'] == url
    assert results['digests'] == {PHI4: 'sha256:' + 'a' * 64, QWEN: 'sha256:' + 'b' * 64}
    assert results['parameters']['models'] == [PHI4, QWEN]
    assert results['parameters']['repeats'] == 2 and results['date'].startswith('20')
    assert results['verification']['baseline_tokens_per_s'] == pytest.approx(24.0)
    md = (out / 'results.md').read_text()
    assert '| baseline | phi4:14b | 4.20 | 100 | 24.0 | 0 | 0.00 | 30.0 | 80% | 350 |' in md
    assert '| model | qwen2.5-coder:32b | 9.80 | 80 | 6.5 |' in md
    assert 'final verification passed' in md
    for name in PLOTS:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000, name


def test_a_double_that_slows_after_a_reload_fails_final_verification(tmp_path, capsys):
    with OllamaDouble() as ollama:
        two_models(ollama)
        ollama.script.after_reload = {'vram_fraction': 0.4, 'tokens_per_s': 5.0}
        code = bench(ollama, '--models', f'{PHI4},{QWEN}', '--limit', '2', '--out',
                     str(tmp_path))
    err = capsys.readouterr().err
    assert code == 1
    assert 'FINAL VERIFICATION FAILED: phi4:14b decodes at 5.0 tok/s at the final check ' \
           'against 24.0 tok/s at the baseline (-79%, allowed -30%)' in err
    assert 'GPU share at the baseline: 100%' in err
    assert 'GPU share at the final check: 40%' in err
    assert 'likely cause: model 60% on CPU' in err
    assert 'clocks at the final check: n/a' in err
    results = json.loads((tmp_path / 'results.json').read_text())
    assert results['verification']['ok'] is False
    assert results['verification']['change'] == pytest.approx(5 / 24 - 1, abs=0.01)
    assert 'FINAL VERIFICATION FAILED' in (tmp_path / 'results.md').read_text()


def test_a_small_drop_within_the_allowance_passes(capsys):
    with OllamaDouble() as ollama:
        two_models(ollama)
        ollama.script.after_reload = {'tokens_per_s': 20.0}
        code = bench(ollama, '--models', f'{PHI4},{QWEN}', '--limit', '1')
    assert code == 0 and '(-17%, allowed -30%)' in capsys.readouterr().out


def test_a_model_that_fails_to_load_is_reported_and_the_run_goes_on(capsys):
    with OllamaDouble() as ollama:
        two_models(ollama)
        ollama.script.models[QWEN].load_error = ('model requires more system memory (21.3 '
                                                 'GiB) than is available (12.0 GiB)')
        code = bench(ollama, '--models', f'{PHI4},{QWEN},missing:7b', '--limit', '1',
                     '--json')
    results = json.loads(capsys.readouterr().out)
    runs = by_phase(results)
    assert code == 0 and results['verification']['ok']
    assert not runs['model', QWEN]['ok'] and 'more system memory' in runs['model', QWEN]['error']
    assert not runs['model', 'missing:7b']['ok'] and '404' in runs['model', 'missing:7b']['error']
    assert runs['final', PHI4]['tokens_per_s_median'] == pytest.approx(24.0)
    assert 'FAILED: Ollama /api/generate answered 500' in table(results)


def test_reload_check_catches_the_thor_slowdown(capsys):
    with OllamaDouble() as ollama:
        ollama.script.version = '0.12.3'
        ollama.script.tokens_per_s = 37.0
        ollama.script.after_reload = {'vram_fraction': 0.4, 'tokens_per_s': 5.0}
        code = bench(ollama, '--model', PHI4, '--limit', '2', '--reload-check', '--json')
    results = json.loads(capsys.readouterr().out)
    assert code == 1
    reload = results['runs'][0]['reload']
    assert reload['degraded'] and reload['ratio'] == pytest.approx(5 / 37, rel=0.01)
    assert '60% on CPU' in reload['cause'] and 'update Ollama' in reload['cause']


def test_unreachable_backend_fails_verification_with_the_url(capsys):
    code = main(['--host', 'http://127.0.0.1:9', '--limit', '3', '--telemetry', 'none'])
    captured = capsys.readouterr()
    assert code == 1
    assert 'FINAL VERIFICATION FAILED: no baseline decode speed for phi4:14b' in captured.err
    assert 'cannot reach Ollama' in captured.err + captured.out
    assert 'Traceback' not in captured.err


def test_bad_arguments_exit_2(capsys):
    assert main(['--models', 'a', '--model', 'b']) == 2
    assert main(['--host', 'ftp://x', '--model', 'b']) == 2
    assert 'error' in capsys.readouterr().err


def test_progress_bar_on_a_terminal(capsys):
    progress = Progress(3, to_stderr=False, enabled=True)
    progress.step('first')
    progress.log('a line that stays')
    progress.step('second')
    progress.close()
    err = capsys.readouterr().err
    assert '2/3' in err and 'a line that stays' in err
    plain = Progress(3, to_stderr=False, enabled=False)
    plain.step('one line per step')
    assert capsys.readouterr().out == 'one line per step\n'


def test_accuracy_figures_appear_in_the_table_when_present():
    run = {'phase': 'baseline', 'model': PHI4, 'ok': True, 'error': '',
           'tokens_per_s_median': 20.0,
           'corpus': {'quality': 80.0, 'accuracy': 0.75, 'accuracy_ci': [0.6, 0.86]}}
    text = table({'runs': [run]})
    assert 'accuracy [95% CI]' in text and '75% [60%, 86%]' in text


def vision_double(ollama):
    ollama.script.models['gemma3:4b'] = ModelSpec(
        'gemma3:4b', size=3_300_000_000, capabilities=('completion', 'vision'),
        image_tokens=256, tokens_per_s=45.0, load_duration_s=2.5)


@pytest.mark.parametrize('max_loaded', [None, 1])
def test_the_vision_model_is_measured_beside_the_planner(capsys, max_loaded):
    with OllamaDouble() as ollama:
        vision_double(ollama)
        ollama.script.max_loaded = max_loaded
        ollama.script.models[PHI4].load_duration_s = 4.2
        code = bench(ollama, '--limit', '2', '--repeats', '2', '--vision-model', 'gemma3:4b',
                     '--vision-max-side', '320', '--json')
    results = json.loads(capsys.readouterr().out)
    assert code == 0
    vision = results['vision']
    assert vision['model'] == 'gemma3:4b' and vision['load_s'] == pytest.approx(2.5)
    assert vision['image'] == {'width': 320, 'height': 240, 'bytes': vision['image']['bytes'],
                               'source': [640, 480]}
    assert vision['prompt_tokens'] > 256  # the image's tokens and the question's
    assert vision['time_to_answer_s']['n'] == 2
    assert vision['tokens_per_s_median'] == pytest.approx(45.0)
    if max_loaded is None:  # both fit: no swap, the planner answers at once
        assert vision['both_resident'] and vision['planner_reload_s'] < 0.01
    else:  # one at a time: the look evicted the planner, which loads again
        assert not vision['both_resident'] and vision['resident'] == ['gemma3:4b']
        assert vision['planner_reload_s'] == pytest.approx(4.2)
