# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Camera questions the rule planner answers with one ``look``, no text LLM needed.

"What do you see?", "describe what is in front of you", "is the door open?", "how many
chairs can you see?", "tell me what is on the table": the whole text is one question about
the view, so the plan is one ``look`` whose question is the operator's own words (the
generic "what do you see" forms get the default question). A look never moves the robot;
still, a text that also names a motion or a photo ("turn left and describe the room") is
left to the LLM, which plans the motion first.
"""

from __future__ import annotations

from ..actions import Look
from .words import read_words, tokenize

# "what do you see" and its phrasings: the default question (describe what is in front).
_DESCRIBE = ('what do you see', 'what can you see', 'what are you seeing',
             'what are you looking at', 'what is in front of you', "what ' s in front of you",
             'what is ahead of you', "what ' s ahead of you", 'what is ahead', "what ' s ahead",
             'what do you see in front of you', 'what can you see in front of you',
             'describe what you see', 'describe what you can see',
             'describe what is in front of you', "describe what ' s in front of you",
             'tell me what you see', 'tell me what you can see',
             'tell me what is in front of you', "tell me what ' s in front of you",
             'describe your surroundings', 'describe the view', 'describe the scene',
             'look ahead and describe what you see', 'look and describe what you see')
_DESCRIBE_TAILS = ('', 'right now', 'now', 'at the moment')
# Openings of a question about the view (the model gets the operator's words).
_ASKS = ('is there', 'are there', 'is the', 'are the', 'is a', 'is an', 'is anyone',
         'is anybody', 'is someone', 'is something', 'can you see', 'do you see',
         'what colour', 'what color', 'how many', 'what is on', "what ' s on", 'who is',
         'what is the', "what ' s the", 'what kind of', 'which')
# Commands that ask for a description (no question mark needed).
# ("describe what you are" asks about the robot itself: a say, the LLM's to write.)
_DESCRIBE_COMMANDS = ('describe the', 'describe what is', "describe what ' s",
                      'describe everything', 'tell me what is', "tell me what ' s",
                      'tell me whether', 'tell me if', 'tell me how many', 'look at',
                      'read the', 'read what')
_LEADS = ('hey robot', 'robot', 'ok', 'okay', 'please', 'hey', ',')
_TRAILS = ('please', 'thanks', 'thank you', ',')
# Words of motion or photo commands: such a text is not only a question (the LLM plans it).
_ACTION_WORDS = frozenset(
    'move turn go walk drive rotate spin step strafe run trot march head navigate proceed '
    'travel advance retreat reverse return come pivot sidestep slide shift yaw goto forward '
    'forwards backward backwards stop halt wait pause take snap photograph photo picture '
    'capture shoot grab follow approach find search fetch bring sit lie jump'.split())
MAX_QUESTION_CHARS = 500


def look_question(text: str) -> Look | None:
    """One ``look`` for a text that is only a question about the view, else None."""
    toks = tokenize(text)
    asked = False
    while toks and toks[-1] in ('.', '!', '?'):
        asked = asked or toks[-1] == '?'
        toks.pop()
    toks = _strip(toks)
    if not toks or any(t in _ACTION_WORDS for t in toks):
        return None
    if any(t in ('.', '!', '?', ';') for t in toks):
        return None  # several sentences: the LLM reads them together
    for phrase in _DESCRIBE:
        found = read_words(toks, 0, phrase)
        if found is not None and ' '.join(toks[found[1]:]) in _DESCRIBE_TAILS:
            return Look()
    question = ' '.join(text.split())
    if len(question) > MAX_QUESTION_CHARS:
        return None
    if read_words(toks, 0, *_DESCRIBE_COMMANDS) is not None and len(toks) > 1:
        return Look(question=question)
    if asked and read_words(toks, 0, *_ASKS) is not None and len(toks) > 2:
        return Look(question=question)
    return None


def _strip(toks: list[str]) -> list[str]:
    """Without leading greetings and politeness, nor trailing thanks."""
    changed = True
    while changed and toks:
        changed = False
        lead = read_words(toks, 0, *_LEADS)
        if lead is not None:
            toks, changed = toks[lead[1]:], True
        for trail in _TRAILS:
            words = trail.split()
            if toks[-len(words):] == words:
                toks, changed = toks[:-len(words)], True
    return toks
