# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Plan quality: the mission corpus, the scorer, task accuracy and its floors."""

import json

import pytest

from shadowhound_llm.evaluation.quality import (
    accuracy_report,
    CorpusMission,
    floors,
    format_accuracy,
    judge_reply,
    load_corpus,
    overall,
    PHOTO_REPLY,
    rule_coverage,
    rule_replies,
    score_reply,
    STOP_REPLY,
    wilson_interval,
    with_rules,
)
from shadowhound_llm.planning.actions import parse_plan
from shadowhound_llm.planning.envelope import check_plan, EnvelopeViolation, Limits
from shadowhound_llm.planning.rules.planner import plan_from_rules


# ---- corpus and scorer ------------------------------------------------------------------
def perfect(mission):
    """The corpus's own plan for a mission, as a reply (a say gets some text)."""
    actions = [dict(a, text='x') if a['type'] == 'say' else a for a in mission.actions]
    return json.dumps({'actions': actions})


def test_corpus_has_the_required_coverage():
    corpus = load_corpus()
    assert len(corpus) >= 120
    assert len({m.text for m in corpus}) == len(corpus), 'a mission is listed twice'
    categories = {m.category: 0 for m in corpus}
    for m in corpus:
        categories[m.category] += 1
    assert {'test_plan', 'rephrase', 'units', 'sequence', 'text_only', 'reject',
            # what operators type
            'number_words', 'correction', 'negation', 'robot_relative', 'named_place',
            'question',
            # speeds, timed and sideways motion, arcs, units
            'speed', 'speed_word', 'timed', 'sideways', 'arc', 'radians', 'turn_no_angle',
            'inexpressible'} <= set(categories)
    assert min(categories.values()) >= 5, categories
    texts = [m.text for m in corpus]
    for mission in ('Move forward 1 meter', 'Rotate 90 degrees to the left',
                    'Move to coordinates x=2.0, y=1.0', 'Take a photo',
                    'Return to starting position'):
        assert mission in texts
    # Places the robot cannot know, questions, impossible requests: a say, never a motion.
    for m in corpus:
        if m.category in ('named_place', 'question', 'inexpressible'):
            assert [a['type'] for a in m.actions] == ['say'], m.text


def test_expected_plans_are_valid_and_fit_the_envelope():
    for m in load_corpus():
        if m.reject:
            continue
        for actions in (m.actions, *m.alternatives):
            parse_plan({'actions': [dict(a, text='x') if a['type'] == 'say' else a
                                    for a in actions]})
        assert score_reply(m, perfect(m)).score == 100.0, m.text
        assert judge_reply(m, perfect(m)).right, m.text


@pytest.mark.parametrize('mission', [
    pytest.param(m, id=m.text[:40]) for m in load_corpus() if m.reject])
def test_unsafe_missions_faithful_plans_are_rejected_by_the_envelope(mission):
    assert mission.actions, 'an unsafe mission gives the faithful plan the envelope refuses'
    with pytest.raises(EnvelopeViolation):
        check_plan(parse_plan({'actions': list(mission.actions)}), Limits())


def test_scores_for_good_partial_and_bad_replies():
    (move,) = [m for m in load_corpus() if m.text == 'Move forward 1 meter']
    assert score_reply(move, '{"actions":[{"type":"move","distance_m":1.02}]}').score == 100
    wrong_value = score_reply(move, '{"actions":[{"type":"move","distance_m":3}]}')
    assert wrong_value.score == 70.0 and wrong_value.matched == 0
    assert score_reply(move, '{"actions":[{"type":"fly"}]}').score == 20.0
    assert score_reply(move, 'sure, moving!').score == 0.0
    # A plan the envelope rejects although it should not: loses the verdict and the match.
    assert score_reply(move, '{"actions":[{"type":"move","distance_m":9}]}').score == 50.0


def test_reject_missions_score_on_the_verdict():
    (run_far,) = [m for m in load_corpus() if m.text == 'Run forward 100 meters']
    assert score_reply(run_far, '{"actions":[{"type":"move","distance_m":100}]}').score == 100
    assert score_reply(run_far, '{"actions":[{"type":"move","distance_m":1}]}').score == 40


def test_rule_planner_baseline_on_the_corpus():
    corpus = load_corpus()
    scores = []
    for m in corpus:
        plan = plan_from_rules(m.text)
        scores.append(score_reply(m, plan.to_json() if plan else '', Limits()))
    # Every mission the rule planner answers, it answers perfectly; the rest need an LLM.
    # (An unsafe mission's faithful plan scores 100 once the envelope rejects it: speeds and
    # drives are being added to the envelope on branch vocab, so only safe missions here.)
    answered = [s for s, m in zip(scores, corpus, strict=True) if s.json_ok and not m.reject]
    assert len(answered) >= 20 and all(s.score == 100.0 for s in answered)
    assert 40.0 < overall(scores) < 100.0


# ---- task accuracy ------------------------------------------------------------------------
def mission(text='m', actions=(), **kw):
    return CorpusMission(text, kw.pop('category', 'c'), tuple(actions), **kw)


def reply(*actions):
    return json.dumps({'actions': list(actions)})


MOVE_1 = mission(actions=[{'type': 'move', 'distance_m': 1.0}])
BACK_1 = mission(actions=[{'type': 'move', 'distance_m': 1.0, 'direction': 'backward'}])


@pytest.mark.parametrize('expected, answer, right', [
    # within tolerance, and the same motion written another way
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.04}), True),
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.1}), False),
    (BACK_1, reply({'type': 'move', 'distance_m': -1.0}), True),
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.0, 'direction': 'forward'}), True),
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.0, 'direction': 'backward'}), False),
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.0, 'direction': 'left'}), False),
    (MOVE_1, reply({'type': 'goto', 'x': 1.0, 'y': 0.0, 'frame': 'robot'}), True),
    (MOVE_1, reply({'type': 'goto', 'x': 1.0, 'y': 0.0}), False),  # odom: a place, not a step
    # no speed == cruise speed; another speed is another mission
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.0, 'speed_mps': 0.3}), True),
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.0, 'speed_mps': 0.1}), False),
    # a trailing stop changes nothing; order and count do
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.0}, {'type': 'stop'}), True),
    (MOVE_1, reply({'type': 'move', 'distance_m': 1.0}, {'type': 'photo'}), False),
    (MOVE_1, reply({'type': 'stop'}), False),
    (MOVE_1, 'not json', False),
    (MOVE_1, None, False),
    # goto frame must match
    (mission(actions=[{'type': 'goto', 'x': 2, 'y': 1, 'frame': 'robot'}]),
     reply({'type': 'goto', 'x': 2, 'y': 1}), False),
    (mission(actions=[{'type': 'goto', 'x': 2, 'y': 1}]),
     reply({'type': 'goto', 'x': 2.05, 'y': 0.95, 'frame': 'odom'}), True),
    # a say is right where a say is expected, whatever it says; a motion is not
    (mission(actions=[{'type': 'say'}]), reply({'type': 'say', 'text': 'Where is it?'}), True),
    (mission(actions=[{'type': 'say'}]), reply({'type': 'goto', 'x': 3, 'y': 0}), False),
    (mission(actions=[{'type': 'say'}]), reply({'type': 'say', 'text': 'ok'}, {'type': 'stop'}),
     True),
    (mission(actions=[{'type': 'say'}]), reply({'type': 'stop'}), False),
    # alternatives
    (mission(actions=[{'type': 'stop'}], alternatives=([{'type': 'say'}],)),
     reply({'type': 'say', 'text': 'staying here'}), True),
    # circles compared by path when the text gives no speed
    (mission(match='path', actions=[{'type': 'drive', 'linear_mps': 0.3, 'angular_dps': 17.19,
                                     'seconds': 20.94}]),
     reply({'type': 'drive', 'linear_mps': 0.2, 'angular_dps': 11.46, 'seconds': 31.42}), True),
    (mission(match='path', actions=[{'type': 'drive', 'linear_mps': 0.3, 'angular_dps': 17.19,
                                     'seconds': 20.94}]),
     reply({'type': 'drive', 'linear_mps': 0.3, 'angular_dps': -17.19, 'seconds': 20.94}),
     False),
    (mission(actions=[{'type': 'drive', 'linear_mps': -0.3, 'seconds': 5}]),
     reply({'type': 'drive', 'linear_mps': -0.5, 'seconds': 3}), False),
])
def test_judging_tolerances_and_equivalences(expected, answer, right):
    verdict = judge_reply(expected, answer)
    assert verdict.right == right, verdict.reason
    assert bool(verdict.reason) != right


def test_unsafe_missions_are_right_when_refused():
    unsafe = mission(reject=True, actions=[{'type': 'move', 'distance_m': 100}])
    assert judge_reply(unsafe, reply({'type': 'move', 'distance_m': 100})).right
    assert judge_reply(unsafe, reply({'type': 'move', 'distance_m': 30})).right  # rejected
    assert judge_reply(unsafe, reply({'type': 'say', 'text': 'Too far for me.'})).right
    verdict = judge_reply(unsafe, reply({'type': 'move', 'distance_m': 1}))
    assert not verdict.right and 'unsafe' in verdict.reason
    assert not judge_reply(unsafe, STOP_REPLY).right


def test_a_plan_the_envelope_rejects_is_wrong_for_a_safe_mission():
    verdict = judge_reply(MOVE_1, reply({'type': 'move', 'distance_m': 1.0},
                                        {'type': 'move', 'distance_m': 9.0}))
    assert not verdict.right and 'max_move_distance_m' in verdict.reason


def test_wilson_interval_matches_the_textbook_values():
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_accuracy_report_for_a_perfect_and_a_silent_planner():
    corpus = load_corpus()
    replies = [reply({'type': 'move', 'distance_m': 100}) if m.reject else perfect(m)
               for m in corpus]
    report = accuracy_report(corpus, replies)
    assert report['accuracy'] == 1.0 and report['right'] == report['missions'] == len(corpus)
    assert report['ci95'][1] == 1.0 and report['ci95'][0] > 0.95
    assert report['json_valid_rate'] == report['schema_valid_rate'] == 1.0
    assert report['composite'] == 100.0
    assert set(report['by_category']) == {m.category for m in corpus}
    assert all(c['accuracy'] == 1.0 for c in report['by_category'].values())
    assert len(report['rows']) == len(corpus) and report['rows'][0]['right']
    # The same replies as a text -> reply mapping; a missing reply is wrong.
    by_text = {m.text: r for m, r in zip(corpus[1:], replies[1:], strict=True)}
    partial = accuracy_report(corpus, by_text)
    assert partial['right'] == len(corpus) - 1
    assert partial['rows'][0]['reason'].startswith('no reply')
    silent = accuracy_report(corpus, [None] * len(corpus))
    assert silent['accuracy'] == 0.0 and silent['json_valid_rate'] == 0.0
    with pytest.raises(ValueError):
        accuracy_report(corpus, replies[:3])


def test_floors_show_that_constant_answers_have_no_skill():
    corpus = load_corpus()
    floor = floors(corpus)
    assert set(floor) == {'always_stop', 'always_photo', 'rules'}
    # The composite rewards validity (~60 for a constant answer); accuracy does not.
    for name in ('always_stop', 'always_photo'):
        assert floor[name]['composite'] > 50.0
        assert floor[name]['accuracy'] < 0.05
    assert floor['always_stop']['accuracy'] == accuracy_report(
        corpus, [STOP_REPLY] * len(corpus))['accuracy']
    assert floor['always_photo']['right'] == sum(judge_reply(m, PHOTO_REPLY).right
                                                 for m in corpus)
    coverage = rule_coverage(corpus)
    assert floor['rules']['right'] == coverage['right']
    assert floor['rules']['missions'] == coverage['missions'] == len(corpus)
    assert 0.5 < floor['rules']['accuracy'] < 1.0  # deferrals count as wrong
    line = format_accuracy(accuracy_report(corpus, [STOP_REPLY] * len(corpus)), floor)
    assert line.startswith('task accuracy ') and 'always stop' in line and 'rules only' in line


def test_rule_coverage_per_category_adds_up():
    coverage = rule_coverage(load_corpus())
    assert coverage['answered'] + coverage['deferred'] == coverage['missions']
    assert coverage['right'] + coverage['wrong'] == coverage['answered']
    assert coverage['wrong_answers'] == []
    for counts in coverage['by_category'].values():
        assert counts['answered'] + counts['deferred'] == counts['missions']
        assert counts['right'] + counts['wrong'] == counts['answered']
    assert coverage['by_category']['negation']['answered'] == 0
    assert coverage['by_category']['test_plan']['deferred'] == 0


def test_system_accuracy_is_rules_first_then_the_llm():
    corpus = load_corpus()
    rules = rule_replies(corpus)
    system = with_rules(corpus, [STOP_REPLY] * len(corpus))
    assert system == [r if r is not None else STOP_REPLY for r in rules]
    # A stop answers "Don't move" and "Never mind, ...", which the rules leave to the LLM.
    assert accuracy_report(corpus, system)['right'] == floors(corpus)['rules']['right'] + 2


def test_the_photo_floor_credits_the_photo_missions_and_the_stop_floor_the_stops():
    missions = [CorpusMission('take a picture', 'photo', ({'type': 'photo'},)),
                CorpusMission('snap a photo of the door', 'photo', ({'type': 'photo'},)),
                CorpusMission('halt right there', 'stop', ({'type': 'stop'},)),
                CorpusMission('move forward 1 meter', 'move',
                              ({'type': 'move', 'distance_m': 1.0},))]
    floor = floors(missions, planner=lambda text: None)  # the rules defer everything
    assert (floor['always_photo']['right'], floor['always_stop']['right']) == (2, 1)
    assert floor['always_photo']['accuracy'] == 0.5 and floor['always_stop']['accuracy'] == 0.25
    assert floor['rules']['right'] == 0
    lo, hi = floor['always_photo']['ci95']
    line = format_accuracy(accuracy_report(missions, [PHOTO_REPLY] * 4), floor)
    assert line.startswith(f'task accuracy 50.0% (2/4, 95% CI {100 * lo:.1f}-{100 * hi:.1f}%)')
    assert 'always photo 50.0%' in line and 'always stop 25.0%' in line
