# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Slots of the rule planner's clauses: the phrases a command may carry, each read once.

A slot reads one phrase ("2 meters", "to the left", "at 0.2 m/s", "slowly") into an empty
field of ``Slots`` and returns the position after it, or None. A clause fills its slots in
any order; a second phrase for a filled slot stops the clause there, and the planner then
defers ("move forward 1 meter backwards"). See ``planner`` for what is read.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Callable

from ...common.params import AgentConfig
from .words import (
    ANGLE_UNITS,
    at,
    LENGTH_UNITS,
    NUMBER_WORDS,
    PhraseSet,
    read_quantity,
    read_radians_of_pi,
    read_speed,
    read_words,
    skip,
    TIME_UNITS,
    Tokens,
)

DIRECTIONS = {
    'forward': 'forward', 'forwards': 'forward', 'ahead': 'forward', 'straight': 'forward',
    'straight ahead': 'forward', 'straight forward': 'forward', 'straight on': 'forward',
    'in the forward direction': 'forward', 'backward': 'backward', 'backwards': 'backward',
    'back': 'backward', 'in reverse': 'backward', 'in the backward direction': 'backward',
    'left': 'left', 'leftward': 'left', 'leftwards': 'left', 'to the left': 'left',
    'to your left': 'left', 'right': 'right', 'rightward': 'right', 'rightwards': 'right',
    'to the right': 'right', 'to your right': 'right',
}
SIDES = {
    'left': 1, 'to the left': 1, 'to your left': 1, 'counterclockwise': 1,
    'counter clockwise': 1, 'anticlockwise': 1, 'anti clockwise': 1, 'ccw': 1,
    'right': -1, 'to the right': -1, 'to your right': -1, 'clockwise': -1, 'cw': -1,
}
# The side words that also give a bare turn its 90 degrees ('turn left'; not 'turn clockwise').
SIDE_WORDS = frozenset({'left', 'to the left', 'to your left', 'right', 'to the right',
                        'to your right'})
TURN_AMOUNTS = {'quarter': 90.0, 'half': 180.0, 'full': 360.0, 'complete': 360.0}
TURN_NOUNS = ('turn', 'rotation', 'spin', 'revolution')
SPEED_WORDS = ('slowly', 'slow', 'fast', 'quickly')
# The words a slot before the verb starts with, besides numbers in digits.
LEAD_WORDS = frozenset({*SPEED_WORDS, 'at', 'with', 'for', 'a', 'an', 'half', 'quarter',
                        *NUMBER_WORDS})
ANGLE_AMOUNTS = tuple(f'{a} {w}' for a in ('a', 'one', '') for w in TURN_AMOUNTS)


_DIRECTION_SET = PhraseSet(*DIRECTIONS)
_SIDE_SET = PhraseSet(*SIDES)
_ANGLE_AMOUNT_SET = PhraseSet(*ANGLE_AMOUNTS)


@dataclass
class Slots:
    """What a clause said, before it becomes an action; each slot is filled at most once."""

    direction: str | None = None
    distance_m: float | None = None
    seconds: float | None = None
    speed: tuple[str, float | str] | None = None  # ('linear', m/s), ('angular', deg/s), word
    side: int | None = None
    angle_deg: float | None = None
    around: bool = False
    radius_m: float | None = None
    sweep_deg: float | None = None
    sideways: bool = False
    again: bool = False
    said_direction: str = ''
    said_side: str = ''


class SlotReader:
    """Tokens, configuration and the actions read so far; the slot readers."""

    def __init__(self, toks: Tokens, config: AgentConfig) -> None:
        self.toks = toks
        self.config = config
        self.actions: list[object] = []
        self.kinds: list[str] = []  # per action: 'bare_side', 'unsided' or ''
        self.verb_at: dict[int, str] = {}  # a motion clause's verb, by where it starts
        self.elliptic = False  # reading a clause with the verb of the one before

    def slot_direction(self, i: int, s: Slots) -> int | None:
        """'forward', 'back', 'to the left', 'in the forward direction'."""
        found = read_words(self.toks, i, _DIRECTION_SET)
        if found is None or s.direction is not None:
            return None
        s.direction, s.said_direction = DIRECTIONS[found[0]], found[0]
        return found[1]

    def slot_distance(self, i: int, s: Slots) -> int | None:
        """'2 meters', 'by 50 cm', 'for 3 feet'."""
        j = skip(self.toks, i, 'by', 'for')
        found = read_quantity(self.toks, j, LENGTH_UNITS)
        if found is None or s.distance_m is not None:
            return None
        s.distance_m = found[0]
        return found[1]

    def slot_seconds(self, i: int, s: Slots) -> int | None:
        """'for 5 seconds', '10 s', 'for two minutes' (never 'a minute': an idiom)."""
        found = read_quantity(self.toks, skip(self.toks, i, 'for'), TIME_UNITS, articles=False)
        if found is None or s.seconds is not None:
            return None
        s.seconds = found[0]
        return found[1]

    def slot_speed(self, i: int, s: Slots) -> int | None:
        """'slowly', 'fast', 'at 0.2 m/s', '0.2 m/s', 'at a speed of 30 degrees per second'."""
        if at(self.toks, i) in SPEED_WORDS:
            found: tuple[str, float, int] | None = ('word', 0.0, i + 1)
        elif at(self.toks, i) in ('at', 'with'):
            j = skip(self.toks, i + 1, 'a speed of', 'a constant speed of', 'speed',
                     'a rate of')
            found = read_speed(self.toks, j)
        else:
            found = read_speed(self.toks, i)  # '0.2 m/s' on its own
        if found is None or s.speed is not None:
            return None
        kind, value, j = found
        s.speed = ('word', self.toks[i]) if kind == 'word' else (kind, value)
        return j if kind == 'word' else skip(self.toks, j, 'speed', 'velocity')

    def slot_side(self, i: int, s: Slots) -> int | None:
        """'left', 'to your right', 'clockwise', 'counter-clockwise'."""
        found = read_words(self.toks, i, _SIDE_SET)
        if found is None or s.side is not None:
            return None
        s.side, s.said_side = SIDES[found[0]], found[0]
        return found[1]

    def slot_angle(self, i: int, s: Slots) -> int | None:
        """'90 degrees', 'by 1.57 radians', 'for 45 degrees', 'pi/2 radians', 'a quarter turn'."""
        j = skip(self.toks, i, 'by', 'through', 'for')
        found = read_radians_of_pi(self.toks, j) or read_quantity(self.toks, j, ANGLE_UNITS)
        if found is None:
            amount = read_words(self.toks, j, _ANGLE_AMOUNT_SET)
            if amount is None:
                return None
            k = skip(self.toks, amount[1], *TURN_NOUNS, 'circle')
            found = (TURN_AMOUNTS[amount[0].split()[-1]], k)
        if s.angle_deg is not None:
            return None
        s.angle_deg = found[0]
        return found[1]

    def slot_in_place(self, i: int, s: Slots) -> int | None:
        """'in place', 'on the spot': nothing to add to a rotation."""
        found = read_words(self.toks, i, 'in place', 'on the spot')
        return found[1] if found else None

    def slot_again(self, i: int, s: Slots) -> int | None:
        """'again' says nothing the rest of the clause does not ("turn left again")."""
        if at(self.toks, i) != 'again' or s.again:
            return None
        s.again = True
        return i + 1

    def slot_sideways(self, i: int, s: Slots) -> int | None:
        """'sideways': the direction must then be left or right."""
        if at(self.toks, i) != 'sideways' or s.sideways:
            return None
        s.sideways = True
        return i + 1

    def slot_around(self, i: int, s: Slots) -> int | None:
        """'around' ('turn around' is 180 degrees)."""
        if at(self.toks, i) != 'around' or s.around:
            return None
        s.around = True
        return i + 1

    def slot_pre_angle(self, i: int, s: Slots) -> int | None:
        """'90 degree' / 'quarter' / 'half' / 'full' before the noun of 'make a ... turn'."""
        amount = read_words(self.toks, i, *TURN_AMOUNTS)
        found = (TURN_AMOUNTS[amount[0]], amount[1]) if amount else read_quantity(
            self.toks, i, ANGLE_UNITS, articles=False)
        if found is None or s.angle_deg is not None:
            return None
        s.angle_deg = found[0]
        return found[1]

    def slot_of_angle(self, i: int, s: Slots) -> int | None:
        """'of 270 degrees' after 'a rotation'."""
        if at(self.toks, i) != 'of':
            return None
        return self.slot_angle(i + 1, s)

    def slot_radius(self, i: int, s: Slots) -> int | None:
        """'of radius 1 m', 'with a radius of 2 m', 'with a 1 meter radius', diameters."""
        j = skip(self.toks, i, 'of', 'with', 'having')
        j = skip(self.toks, j, 'a', 'the')
        found, scale = None, 1.0
        word = read_words(self.toks, j, 'radius', 'diameter')
        if word:  # 'with a radius of 2 m'
            scale = 0.5 if word[0] == 'diameter' else 1.0
            found = read_quantity(self.toks, skip(self.toks, word[1], 'of'), LENGTH_UNITS)
        else:  # 'with a 2 m radius', '1 meter in radius'
            found = read_quantity(self.toks, j, LENGTH_UNITS, articles=False)
            if found is not None:
                after = read_words(self.toks, skip(self.toks, found[1], 'in'), 'radius',
                                   'diameter')
                if after is None:
                    return None
                scale = 0.5 if after[0] == 'diameter' else 1.0
                found = (found[0], after[1])
        if found is None or s.radius_m is not None:
            return None
        s.radius_m = found[0] * scale
        return found[1]

    def slot_of_sweep(self, i: int, s: Slots) -> int | None:
        """'of 90 degrees' after 'an arc'."""
        if at(self.toks, i) != 'of' or s.sweep_deg is not None:
            return None
        found = read_quantity(self.toks, i + 1, ANGLE_UNITS)
        if found is None:
            return None
        s.sweep_deg = found[0]
        return found[1]

    def fill(self, i: int, s: Slots, *slots: Callable[[int, Slots], int | None]) -> int:
        """Read slots in any order until none applies; the position after the last one.

        A comma may stand before a speed or a duration ("go forward, at 0.2 m/s, for 5 s");
        any other comma ends the clause ("forward 2 m, backward 1 m" is two steps).
        """
        while True:
            comma = at(self.toks, i) == ','
            for slot in slots:
                if comma and slot.__name__ not in ('slot_speed', 'slot_seconds'):
                    continue
                j = slot(i + 1 if comma else i, s)
                if j is not None:
                    i = j
                    break
            else:
                return i

    def lead(self, i: int, s: Slots) -> int:
        """The slots that may come before a verb ("slowly", "at 0.2 m/s, ...", "for 5 s,")."""
        if at(self.toks, i).isalpha() and at(self.toks, i) not in LEAD_WORDS:
            return i  # a verb, or a word no slot starts with
        j = self.fill(i, s, self.slot_speed, self.slot_seconds)
        return j + 1 if j > i and at(self.toks, j) == ',' else j

    def linear_speed(self, s: Slots) -> float | None | bool:
        """m/s said, None for none, False when the speed said is not a linear one."""
        if s.speed is None:
            return None
        if s.speed[0] == 'word':
            return self.config.speed_word(str(s.speed[1]))[0]
        return round(s.speed[1], 3) if s.speed[0] == 'linear' else False

    def angular_speed(self, s: Slots) -> float | None | bool:
        """deg/s said, None for none, False when the speed said is not an angular one."""
        if s.speed is None:
            return None
        if s.speed[0] == 'word':
            return self.config.speed_word(str(s.speed[1]))[1]
        return round(s.speed[1], 2) if s.speed[0] == 'angular' else False

    def cruise(self) -> tuple[float, float]:
        """(m/s, deg/s) at cruise: what timed motion and arcs use when no speed is said."""
        return (self.config.cruise_linear_speed,
                round(math.degrees(self.config.cruise_angular_speed), 1))
