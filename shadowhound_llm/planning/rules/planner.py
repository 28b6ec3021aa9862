# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Deterministic planner for plain commands: no LLM, no waiting, never a guess.

It answers only when every word of the text belongs to commands it understands; anything
else returns None ("needs a language model"). It never guesses a distance, an angle or a
direction that the text does not give, and never reads past a word it does not know: a
negation, a correction ("no wait, 2 meters"), a condition ("unless", "if"), an object, a
place, a question or a signed number ("move backward -1 meter") all make it defer.

What it reads (the same conventions as the planning prompt):
- distances in m, cm, mm, km, feet, inches, yards; angles in degrees or radians
  ("pi/2 radians" too); numbers in digits or words ("forty five", "one and a half");
- "turn left/right" with no angle is 90 degrees, "turn around" 180, a quarter/half/full
  turn 90/180/360; an angle with no side is + (counter-clockwise), as in the plan;
- sideways steps: "move 2 meters to the left", "strafe right 50 cm" (move direction
  left/right; "go/drive/head left" defers: it may mean turning first);
- speeds: "slowly"/"fast" are ``AgentConfig.speed_word``; "at 0.2 m/s", "at 30 deg/s";
- timed motion: "reverse for 5 seconds" is a ``drive`` at the given speed, else at cruise
  (``cruise_linear_speed``, ``cruise_angular_speed``); a timed turn needs a side;
- circles and arcs with a radius and a side: a ``drive`` at the given speed, else cruise;
- points relative to the robot ("the point 2 m ahead and 1 m to the left"): goto frame robot;
  coordinates ("x=2, y=1", "(1, -1)"): goto in the odom frame;
- sequences joined by commas, "and", "then"; "... and back again" after a straight move;
  "stop" only as the last step.

Every clause reader is tried at each position; a text read two ways defers too. The words
are in ``rule_words`` (tokens, numbers, units), the phrases in ``rule_slots`` and the
commands in ``rule_clauses``; this module joins clauses into a plan.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from ...common.params import AgentConfig
from ..actions import MOTION_TYPES, Plan, Rotate
from .clauses import ClauseReader
from .slots import SPEED_WORDS
from .words import read_words, skip, tokenize

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
                         'please', 'now'})
_LEADS = ('please', 'now', 'first', 'then', 'next', 'finally', 'also', 'after that',
          'and then', 'can you', 'could you', 'would you', 'will you')
_POLITE = ('can you', 'could you', 'would you', 'will you')
_TRAILS = ('please', 'thanks', 'thank you')

# A clause said a speed when it holds one of these (only the speed slot reads them).
_SPEED_TOKENS = frozenset({*SPEED_WORDS, 'at', 'speed'})

_default_config: AgentConfig | None = None


class _Planner(ClauseReader):
    """One parse of one text: clause after clause, separators between them."""

    def __init__(self, toks: list[str], config: AgentConfig) -> None:
        super().__init__(toks, config)
        self.speed_said: list[bool] = []

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
            found = []
            for clause in self.clauses():
                try:
                    result = clause(i)
                except (ValidationError, ValueError, ArithmeticError):
                    result = None  # a value the vocabulary refuses (e.g. seconds 0): defer
                if result is not None and self.at_boundary(result[1]):
                    found.append(result)
            if not found:
                return None  # not understood
            start = i
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
            self.speed_said.append(any(t in _SPEED_TOKENS for t in toks[start:i]))
            if i < len(toks) and not self._separated(i):
                return None
        motions = [said for a, said in zip(self.actions, self.speed_said, strict=True)
                   if a.type in MOTION_TYPES]  # type: ignore[attr-defined]
        if 0 < sum(motions) < len(motions):
            return None  # "slowly move 1 m and turn left": is the turn slow too?
        return self.actions or None

    def _skip_leads(self, i: int) -> int:
        while True:
            j = skip(self.toks, i, *_LEADS, ',', ';', '.', '!', 'and')
            if j == i:
                return i
            i = j

    def _separated(self, i: int) -> bool:
        return self._skip_leads(i) > i


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
    return toks


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
    if toks is None:
        return None
    actions = _Planner(toks, config).parse()
    return Plan(actions=actions) if actions else None
