# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Deterministic planner for plain commands: no LLM, no waiting, never a guess.

It answers only when every word of the text belongs to commands it understands; anything
else returns None ("needs a language model"). It never guesses a distance, an angle or a
direction that the text does not give, and never reads past a word it does not know: a
negation, a correction ("no wait, 2 meters"), a condition ("unless", "if"), an object, a
place, a question or a signed number ("move backward -1 meter") all make it defer.

A small grammar over normalised words:

    text    := lead* clause (connective lead* clause)*
    clause  := lead-slot* [','] VERB slot*       (slots in any order, a comma between two)
             | slot*                              (the verb of the clause before: "..., then
                                                   right 1 m"; it must give its own direction)
    slot    := direction | side | distance | angle | duration | speed | radius | ...

1. ``words.tokenize`` splits the text; ``words.normalise`` maps each phrasing of a
   word onto that word and drops fillers ("keep moving" -> move, "in a clockwise
   direction" -> clockwise, "at a velocity of" -> at, "for a distance of" -> for,
   "take a left" -> turn left, "come to a stop" -> stop).
2. ``clauses`` holds one reader per command (translate, turn, arc, goto, wait, photo,
   return home, stop): a verb and the slots of ``slots``, each slot read at most once;
   a text that is only a question about the view ("what do you see?", "is the door
   open?") is one ``look`` (``look.py``).
3. This module joins clauses with connectives (commas, "and", "then", "after that", ...)
   and defers when a text reads two ways.

What it reads (the same conventions as the planning prompt, docs/PLANS.md):
- distances in m, cm, mm, km, feet, inches, yards; angles in degrees or radians
  ("pi/2 radians" too); numbers in digits or words ("forty five", "one and a half");
- "turn left/right" with no angle is 90 degrees, "turn around" 180, a quarter/half/full
  turn 90/180/360;
- a side the words do not give is counter-clockwise (+, REP-103), for an angle ("spin 90
  degrees"), a timed turn and a circle alike; a bare turn needs left or right;
- sideways steps: "move 2 meters to the left", "strafe right 50 cm" (move direction
  left/right; "go/drive/head left" defers: it may mean turning first);
- speeds: "slowly"/"fast" are ``AgentConfig.speed_word``; "at 0.2 m/s", "at 30 deg/s";
- timed motion: "reverse for 5 seconds" is a ``drive`` at the given speed, else at cruise
  (``cruise_linear_speed``, ``cruise_angular_speed``);
- circles and arcs with a radius: a ``drive`` at the given speed, else cruise;
- points relative to the robot ("the point 2 m ahead and 1 m to the left"): goto frame robot;
  coordinates ("x=2, y=1", "(1, -1)"): goto in the odom frame;
- "... and back again" after a straight move; "stop" only as the last step.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from ...common.params import AgentConfig
from ..actions import MOTION_TYPES, Plan, Rotate
from .clauses import ClauseReader
from .look import look_question
from .slots import SPEED_WORDS
from .words import normalise, PhraseSet, read_words, skip, TIME_UNITS, tokenize

_STOP_RE = re.compile(
    r'^\W*(?:(?:emergency|e)[\s-]*stop|stop(?:\s+(?:now|moving|the\s+robot|immediately))?'
    r'|halt|freeze|abort)\W*$', re.I)

# Words no clause uses: seeing one, the planner defers at once (the grammar would too).
_DEFER_WORDS = frozenset(
    'not no never don doesn didn won cannot unless if until till while when whenever except '
    'instead actually sorry mean meant scratch undo cancel but or maybe perhaps about '
    'approximately roughly nearly almost either neither nor without minus plus '
    'times twice thrice more less few couple several some any'.split())
_SEPARATORS = frozenset({',', ';', '.', '!', 'and', 'then', 'next', 'finally', 'also',
                         'please', 'now', 'afterwards', 'afterward', 'lastly',
                         'subsequently', 'thereafter'})
_LEADS = ('please', 'now', 'first', 'then', 'next', 'finally', 'also', 'after that',
          'and then', 'can you', 'could you', 'would you', 'will you', 'afterwards',
          'afterward', 'lastly', 'subsequently', 'thereafter', 'first of all', 'to start',
          'go ahead and', "i ' d like you to", 'ok', 'okay', 'alright', 'robot', 'hey robot',
          'firstly', 'secondly', 'thirdly', 'second ,', 'third ,', 'fourth ,', 'fifth ,',
          'last ,', "let ' s")
_LEAD_SET = PhraseSet(*_LEADS, ',', ';', '.', '!', 'and')
_POLITE = ('can you', 'could you', 'would you', 'will you')
_TRAILS = ('please', 'thanks', 'thank you')

# A clause said a speed when it holds one of these (only the speed slot reads them).
_SPEED_TOKENS = frozenset({*SPEED_WORDS, 'at', 'speed', 'mps', 'dps'})

_default_config: AgentConfig | None = None


class _Planner(ClauseReader):
    """One parse of one text: clause after clause, separators between them."""

    def __init__(self, toks: list[str], config: AgentConfig) -> None:
        super().__init__(toks, config)
        self.speed_said: list[bool] = []
        self.starts: list[int] = []  # where each clause starts

    def at_boundary(self, i: int) -> bool:
        """Whether a clause may end at i: the end of the text or a separator."""
        return i >= len(self.toks) or self.toks[i] in _SEPARATORS or \
            read_words(self.toks, i, 'after that') is not None

    def parse(self) -> list[object] | None:
        """The actions of the whole text, or None as soon as anything is not understood."""
        toks, i = self.toks, 0
        while True:
            i = self._skip_leads(i)
            if i >= len(toks):
                break
            found = self._read_clause(i)
            if not found and self.actions and self.verb_at.get(self.starts[-1]):
                # "strafe left 1 m, then right 1 m": the verb of the clause before, once.
                verb = self.verb_at[self.starts[-1]].split()
                self.toks = toks = [*toks[:i], *verb, *toks[i:]]
                self.elliptic = True
                found = self._read_clause(i)
                self.elliptic = False
            if not found:
                return None  # not understood
            start = i
            self.starts.append(start)
            action, i, kind = found[0]
            if any(other[1] != i or other[0] != action for other in found[1:]):
                return None  # understood two ways
            if self.kinds and {self.kinds[-1], kind} == {'bare_side', 'unsided'}:
                return None  # "turn right and rotate 180 degrees": one turn or two?
            if self.kinds and self.kinds[-1] == 'stop':
                return None  # a stop ends the plan: nothing may follow it
            if kind == 'back' and any(isinstance(a, Rotate) for a in self.actions):
                return None  # "turn around and go back 2 m": backward, or return?
            self.actions.append(action)
            self.kinds.append(kind)
            self.speed_said.append(_says_speed(toks[start:i]))
            if i < len(toks) and not self._separated(i):
                return None
        motions = [said for a, said in zip(self.actions, self.speed_said, strict=True)
                   if a.type in MOTION_TYPES]  # type: ignore[attr-defined]
        if 0 < sum(motions) < len(motions):
            return None  # "slowly move 1 m and turn left": is the turn slow too?
        return self.actions or None

    def _read_clause(self, i: int) -> list[tuple[object, int, str]]:
        """Every reading of a clause at i that ends where a clause may end."""
        found, verb = [], None
        for clause in self.clauses_at(i):
            self.verb_at.pop(i, None)
            try:
                result = clause(self, i)
            except (ValidationError, ValueError, ArithmeticError):
                result = None  # a value the vocabulary refuses (e.g. seconds 0): defer
            if result is not None and self.at_boundary(result[1]):
                found.append(result)
                verb = verb or self.verb_at.get(i)
        self.verb_at.pop(i, None)
        if verb:
            self.verb_at[i] = verb  # only a reading that was kept lends its verb
        return found

    def _skip_leads(self, i: int) -> int:
        while True:
            j = skip(self.toks, i, _LEAD_SET)
            if j == i:
                return i
            i = j

    def _separated(self, i: int) -> bool:
        return self._skip_leads(i) > i


def _says_speed(toks: list[str]) -> bool:
    """Whether a clause's tokens say a speed: a speed word, 'at', or a rate ('0.2 m/s')."""
    return any(t in _SPEED_TOKENS or (t in ('/', 'per') and k + 1 < len(toks)
                                      and toks[k + 1] in TIME_UNITS)
               for k, t in enumerate(toks))


def is_stop_command(text: str) -> bool:
    """True for 'stop', 'halt', 'stop now', 'emergency stop' (any case, punctuation ignored)."""
    return bool(_STOP_RE.match(text.strip()))


def _tokens(text: str) -> list[str] | None:
    """The tokens of a command, without politeness; None for a question or a deferred word."""
    toks = tokenize(text)
    while toks and toks[-1] in ('.', '!', '?'):
        question = toks[-1] == '?'
        toks.pop()
        if question and not read_words(toks, 0, *_POLITE):
            return None  # "move forward 1 meter?" is not an order
    while True:
        trail = next((t for t in _TRAILS if toks[-len(t.split()):] == t.split()), None)
        if not toks or trail is None:
            break
        del toks[-len(trail.split()):]
        while toks and toks[-1] in (',', '.', '!'):
            toks.pop()
    if not toks or any(t in _DEFER_WORDS or t == '?' for t in toks):
        return None
    return normalise(toks)


def plan_from_rules(text: str, config: AgentConfig | None = None) -> Plan | None:
    """A plan for a text made only of plain commands, or None when it needs an LLM.

    ``config`` gives the speed words' and the cruise speeds (timed motion and arcs without
    a speed); the defaults of ``AgentConfig`` when absent.
    """
    global _default_config
    if config is None:
        if _default_config is None:
            _default_config = AgentConfig()
        config = _default_config
    toks = _tokens(text)
    actions = _Planner(toks, config).parse() if toks is not None else None
    if not actions:  # a question about the view ("what do you see?") is one look
        look = look_question(text)
        actions = [look] if look is not None else None
    return Plan(actions=actions) if actions else None


# One command per clause reader, parsed at import: the phrase tables they read are built
# then, so the first mission costs what every mission costs.
_WARM_UP = ('slowly move forward 1 m at 0.2 m/s, then back again', 'turn left for 2 s',
            'rotate 90 degrees clockwise', 'make a quarter turn', 'walk in a circle of '
            'radius 1 m to the left', 'go to x=1, y=2', 'go to the point 1 m ahead',
            'return home', 'take a photo', 'wait 2 s', 'stop')


def _warm_up() -> None:
    for text in _WARM_UP:
        plan_from_rules(text)


_warm_up()
