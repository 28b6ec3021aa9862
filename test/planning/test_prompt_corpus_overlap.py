# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""No scored mission may appear in the planning prompt.

A few-shot example that is (nearly) a corpus mission inflates every quality figure.
"""

from difflib import SequenceMatcher
import re

from shadowhound_llm.evaluation.quality import load_corpus
from shadowhound_llm.planning.prompt import EXAMPLES

NEAR = 0.8


def normalise(text):
    """Lower case, punctuation dropped, single spaces."""
    return ' '.join(re.sub(r'[^\w\s]', ' ', text.lower()).split())


def overlaps(examples, missions):
    """(example, mission, ratio) for every pair that is equal or nearly so."""
    out = []
    for example in examples:
        a = normalise(example)
        for mission in missions:
            b = normalise(mission)
            ratio = 1.0 if a == b else SequenceMatcher(None, a, b).ratio()
            if ratio >= NEAR:
                out.append((example, mission, round(ratio, 2)))
    return out


def test_the_check_catches_copies_and_near_copies():
    corpus = ['Move forward 1 meter', 'Walk a one-meter square to the left']
    assert overlaps(['move forward 1 meter!'], corpus)[0][2] == 1.0
    assert overlaps(['Move forward 1 metre'], corpus)
    assert overlaps(['walk a one meter square to the right'], corpus)
    assert overlaps(['Describe what you are'], corpus) == []


def test_prompt_examples_are_not_scored_missions():
    examples = [text for text, _ in EXAMPLES]
    assert examples, 'prompt.EXAMPLES is empty'
    assert overlaps(examples, [m.text for m in load_corpus()]) == []
