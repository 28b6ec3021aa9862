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
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import re
from typing import Callable

from pydantic import ValidationError

from .params import AgentConfig
from .plan import Drive, Goto, Move, Photo, Plan, ReturnHome, Rotate, Stop, Wait
from .rule_words import (
    ANGLE_UNITS,
    at,
    LENGTH_UNITS,
    read_number,
    read_quantity,
    read_radians_of_pi,
    read_signed,
    read_speed,
    read_words,
    skip,
    TIME_UNITS,
    tokenize,
    Tokens,
)

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

_TRANSLATE_VERBS = {
    'move': None, 'go': None, 'walk': None, 'drive': None, 'travel': None, 'run': None,
    'proceed': None, 'head': None, 'trot': None, 'step': None, 'advance': 'forward',
    'reverse': 'backward', 'retreat': 'backward', 'back up': 'backward', 'back': 'backward',
    'strafe': 'sideways', 'sidestep': 'sideways', 'side step': 'sideways', 'shift': 'sideways',
    'slide': 'sideways',
}
# Verbs that may walk sideways: "go left" or "drive right" may mean "turn, then walk".
# ("walk left" too; "walk sideways to the left" is clear.)
_LATERAL_VERBS = frozenset({'move', 'step', 'strafe', 'sidestep', 'side step', 'shift',
                            'slide'})
_DIRECTIONS = {
    'forward': 'forward', 'forwards': 'forward', 'ahead': 'forward', 'straight': 'forward',
    'straight ahead': 'forward', 'straight forward': 'forward', 'straight on': 'forward',
    'in the forward direction': 'forward', 'backward': 'backward', 'backwards': 'backward',
    'back': 'backward', 'in reverse': 'backward', 'in the backward direction': 'backward',
    'left': 'left', 'leftward': 'left', 'leftwards': 'left', 'to the left': 'left',
    'to your left': 'left', 'right': 'right', 'rightward': 'right', 'rightwards': 'right',
    'to the right': 'right', 'to your right': 'right',
}
_SIDES = {
    'left': 1, 'to the left': 1, 'to your left': 1, 'counterclockwise': 1,
    'counter clockwise': 1, 'anticlockwise': 1, 'anti clockwise': 1, 'ccw': 1,
    'right': -1, 'to the right': -1, 'to your right': -1, 'clockwise': -1, 'cw': -1,
}
_TURN_AMOUNTS = {'quarter': 90.0, 'half': 180.0, 'full': 360.0, 'complete': 360.0}
_TURN_NOUNS = ('turn', 'rotation', 'spin', 'revolution')
_GO_VERBS = ('go', 'move', 'navigate', 'drive', 'walk', 'head', 'travel', 'proceed', 'run')
_SPEED_WORDS = ('slowly', 'slow', 'fast', 'quickly')

_default_config: AgentConfig | None = None


@dataclass
class _Slots:
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


class _Reader:
    """The state of one parse: tokens, configuration and the actions so far."""

    def __init__(self, toks: Tokens, config: AgentConfig) -> None:
        self.toks = toks
        self.config = config
        self.actions: list[object] = []
        self.kinds: list[str] = []  # per action: 'bare_side', 'unsided' or ''

    # ---- slots: each reads one phrase into an empty slot, or returns None -------------
    def slot_direction(self, i: int, s: _Slots) -> int | None:
        found = read_words(self.toks, i, *_DIRECTIONS)
        if found is None or s.direction is not None:
            return None
        s.direction, s.said_direction = _DIRECTIONS[found[0]], found[0]
        return found[1]

    def slot_distance(self, i: int, s: _Slots) -> int | None:
        j = skip(self.toks, i, 'by', 'for')
        found = read_quantity(self.toks, j, LENGTH_UNITS)
        if found is None or s.distance_m is not None:
            return None
        s.distance_m = found[0]
        return found[1]

    def slot_seconds(self, i: int, s: _Slots) -> int | None:
        if at(self.toks, i) != 'for':
            return None
        found = read_quantity(self.toks, i + 1, TIME_UNITS, articles=False)
        if found is None or s.seconds is not None:
            return None
        s.seconds = found[0]
        return found[1]

    def slot_speed(self, i: int, s: _Slots) -> int | None:
        if at(self.toks, i) in _SPEED_WORDS:
            found: tuple[str, float, int] | None = ('word', 0.0, i + 1)
        elif at(self.toks, i) in ('at', 'with'):
            j = skip(self.toks, i + 1, 'a speed of', 'a constant speed of', 'speed',
                     'a rate of')
            found = read_speed(self.toks, j)
        else:
            return None
        if found is None or s.speed is not None:
            return None
        kind, value, j = found
        s.speed = ('word', self.toks[i]) if kind == 'word' else (kind, value)
        return j

    def slot_side(self, i: int, s: _Slots) -> int | None:
        found = read_words(self.toks, i, *_SIDES)
        if found is None or s.side is not None:
            return None
        s.side = _SIDES[found[0]]
        return found[1]

    def slot_angle(self, i: int, s: _Slots) -> int | None:
        j = skip(self.toks, i, 'by', 'through')
        found = read_radians_of_pi(self.toks, j) or read_quantity(self.toks, j, ANGLE_UNITS)
        if found is None:
            amount = read_words(self.toks, j, *[f'{a} {w}' for a in ('a', 'one', '')
                                                for w in _TURN_AMOUNTS])
            if amount is None:
                return None
            k = skip(self.toks, amount[1], *_TURN_NOUNS, 'circle')
            found = (_TURN_AMOUNTS[amount[0].split()[-1]], k)
        if s.angle_deg is not None:
            return None
        s.angle_deg = found[0]
        return found[1]

    def slot_in_place(self, i: int, s: _Slots) -> int | None:
        found = read_words(self.toks, i, 'in place', 'on the spot')
        return found[1] if found else None

    def fill(self, i: int, s: _Slots, *slots: Callable[[int, _Slots], int | None]) -> int:
        """Read slots in any order until none applies; the position after the last one."""
        while True:
            for slot in slots:
                j = slot(i, s)
                if j is not None:
                    i = j
                    break
            else:
                return i

    # ---- speeds -------------------------------------------------------------------------
    def linear_speed(self, s: _Slots) -> float | None | bool:
        """m/s said, None for none, False when the speed said is not a linear one."""
        if s.speed is None:
            return None
        if s.speed[0] == 'word':
            return self.config.speed_word(str(s.speed[1]))[0]
        return round(s.speed[1], 3) if s.speed[0] == 'linear' else False

    def angular_speed(self, s: _Slots) -> float | None | bool:
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

    # ---- clauses: each returns (action, position after it, kind) or None ---------------
    def clause_translate(self, i: int) -> tuple[object, int, str] | None:
        s = _Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, *_TRANSLATE_VERBS)
        if verb is None:
            return None
        implied = _TRANSLATE_VERBS[verb[0]]
        j = self.fill(verb[1], s, self.slot_direction, self.slot_distance, self.slot_seconds,
                      self.slot_speed, self.slot_sideways, self.slot_again)
        # A bare "back" after a turn may mean "return" (turn around and go back 2 m).
        kind = 'back' if 'back' in (verb[0], s.said_direction) else ''
        if (s.distance_m is None) == (s.seconds is None):
            return None
        direction = s.direction
        if implied == 'sideways':
            if direction not in ('left', 'right'):
                return None
        elif implied and direction and direction != implied:
            return None
        direction = direction or implied
        if direction is None and s.distance_m is not None and verb[0] not in ('step', 'head'):
            direction = 'forward'
        if direction is None or (direction in ('left', 'right')
                                 and verb[0] not in _LATERAL_VERBS and not s.sideways):
            return None
        if s.sideways and direction not in ('left', 'right'):
            return None
        speed = self.linear_speed(s)
        if speed is False:
            return None
        if s.distance_m is not None:
            return self._move(s.distance_m, direction, speed), j, kind
        v = speed or self.cruise()[0]
        sign = -1.0 if direction in ('backward', 'right') else 1.0
        if direction in ('forward', 'backward'):
            return Drive(linear_mps=sign * v, seconds=s.seconds), j, kind
        return Drive(lateral_mps=sign * v, seconds=s.seconds), j, kind

    def slot_again(self, i: int, s: _Slots) -> int | None:
        """'again' says nothing the rest of the clause does not ("turn left again")."""
        if at(self.toks, i) != 'again' or s.again:
            return None
        s.again = True
        return i + 1

    def slot_sideways(self, i: int, s: _Slots) -> int | None:
        if at(self.toks, i) != 'sideways' or s.sideways:
            return None
        s.sideways = True
        return i + 1

    @staticmethod
    def _move(distance_m: float, direction: str, speed: float | None) -> Move:
        d = round(distance_m, 4)
        extra = {'speed_mps': speed} if speed else {}
        if direction in ('forward', 'backward'):
            return Move(distance_m=d if direction == 'forward' else -d, **extra)
        return Move(distance_m=d, direction=direction, **extra)

    def clause_back_again(self, i: int) -> tuple[object, int, str] | None:
        j = skip(self.toks, i, 'go', 'come', 'walk', 'move')
        if at(self.toks, j) != 'back':
            return None
        j = skip(self.toks, j + 1, 'again')
        last = self.actions[-1] if self.actions else None
        if not isinstance(last, Move) or last.direction != 'forward':
            return None
        return last.model_copy(update={'distance_m': -last.distance_m}), j, ''

    def clause_rotate(self, i: int) -> tuple[object, int, str] | None:
        s = _Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, 'turn', 'rotate', 'spin', 'pivot')
        if verb is None:
            return None
        j = self.fill(verb[1], s, self.slot_side, self.slot_angle, self.slot_seconds,
                      self.slot_speed, self.slot_in_place, self.slot_around, self.slot_again)
        if s.around:
            if verb[0] != 'turn' or s.angle_deg is not None:
                return None
            s.angle_deg = 180.0
        return self._rotation(s, j, bare_ok=verb[0] != 'spin')

    def slot_around(self, i: int, s: _Slots) -> int | None:
        if at(self.toks, i) != 'around' or s.around:
            return None
        s.around = True
        return i + 1

    def _rotation(self, s: _Slots, j: int, bare_ok: bool) -> tuple[object, int, str] | None:
        speed = self.angular_speed(s)
        if speed is False or (s.angle_deg is not None and s.seconds is not None):
            return None
        extra = {'speed_dps': speed} if speed else {}
        if s.seconds is not None:
            if s.side is None:
                return None
            w = speed or self.cruise()[1]
            return Drive(angular_dps=s.side * w, seconds=s.seconds), j, ''
        kind = ''
        if s.angle_deg is None:
            if s.side is None or not bare_ok:
                return None
            s.angle_deg, kind = 90.0, 'bare_side'
        elif s.side is None:
            kind = 'unsided'
        side = 1 if s.side is None else s.side
        return Rotate(angle_deg=side * round(s.angle_deg, 2), **extra), j, kind

    def clause_perform_turn(self, i: int) -> tuple[object, int, str] | None:
        s = _Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, 'perform', 'do', 'make', 'execute', 'complete')
        if verb is None or at(self.toks, verb[1]) not in ('a', 'an', 'one'):
            return None
        j = verb[1] + 1
        bare = read_words(self.toks, j, '180', '360')
        if bare and not read_words(self.toks, bare[1], *_TURN_NOUNS, *ANGLE_UNITS):
            s.angle_deg, j = float(bare[0]), bare[1]
        else:
            j = self.fill(j, s, self.slot_side, self.slot_pre_angle)
            noun = read_words(self.toks, j, *_TURN_NOUNS)
            if noun is None:
                return None
            j = noun[1]
        j = self.fill(j, s, self.slot_side, self.slot_of_angle, self.slot_speed,
                      self.slot_in_place)
        return self._rotation(s, j, bare_ok=True)

    def slot_pre_angle(self, i: int, s: _Slots) -> int | None:
        """'90 degree' / 'quarter' / 'half' / 'full' before the noun of 'make a ... turn'."""
        amount = read_words(self.toks, i, *_TURN_AMOUNTS)
        found = (_TURN_AMOUNTS[amount[0]], amount[1]) if amount else read_quantity(
            self.toks, i, ANGLE_UNITS, articles=False)
        if found is None or s.angle_deg is not None:
            return None
        s.angle_deg = found[0]
        return found[1]

    def slot_of_angle(self, i: int, s: _Slots) -> int | None:
        if at(self.toks, i) != 'of':
            return None
        return self.slot_angle(i + 1, s)

    def clause_arc(self, i: int) -> tuple[object, int, str] | None:
        s = _Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, 'walk', 'move', 'drive', 'go', 'run', 'travel',
                          'trot', 'make', 'do', 'trace')
        if verb is None:
            return None
        j = skip(self.toks, verb[1], 'in', 'along')
        if at(self.toks, j) not in ('a', 'an', 'one'):
            return None
        j += 1
        amount = read_words(self.toks, j, 'full', 'complete', 'half', 'quarter')
        if amount:
            j = amount[1]
        shape = read_words(self.toks, j, 'circle', 'semicircle', 'semi circle', 'arc')
        if shape is None:
            return None
        sweep = {'circle': 360.0, 'semicircle': 180.0, 'semi circle': 180.0, 'arc': None}[
            shape[0]]
        if amount:
            if shape[0] in ('semicircle', 'semi circle'):
                return None
            sweep = {'full': 360.0, 'complete': 360.0, 'half': 180.0, 'quarter': 90.0}[
                amount[0]]
        j = self.fill(shape[1], s, self.slot_radius, self.slot_side, self.slot_speed,
                      self.slot_of_sweep)
        if s.sweep_deg is not None:
            if sweep is not None:
                return None
            sweep = s.sweep_deg
        speed = self.linear_speed(s)
        if speed is False or s.radius_m is None or s.side is None or not sweep \
                or s.radius_m <= 0:
            return None
        v = speed or self.cruise()[0]
        w = math.degrees(v / s.radius_m)
        seconds = math.radians(sweep) * s.radius_m / v
        return Drive(linear_mps=v, angular_dps=s.side * round(w, 2),
                     seconds=round(seconds, 2)), j, ''

    def slot_radius(self, i: int, s: _Slots) -> int | None:
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

    def slot_of_sweep(self, i: int, s: _Slots) -> int | None:
        if at(self.toks, i) != 'of' or s.sweep_deg is not None:
            return None
        found = read_quantity(self.toks, i + 1, ANGLE_UNITS)
        if found is None:
            return None
        s.sweep_deg = found[0]
        return found[1]

    def clause_goto(self, i: int) -> tuple[object, int, str] | None:
        s = _Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, *_GO_VERBS)
        if verb is None:
            return None
        j = skip(self.toks, verb[1], 'over')
        if at(self.toks, j) != 'to':
            return None
        j = skip(self.toks, j + 1, 'the', 'a')
        j = skip(self.toks, j, 'coordinates', 'coordinate', 'point', 'position', 'location')
        found = self._coordinates(j)
        if found is None:
            return None
        x, y, j = found
        j = self.fill(j, s, self.slot_speed)
        speed = self.linear_speed(s)
        if speed is False:
            return None
        extra = {'speed_mps': speed} if speed else {}
        return Goto(x=x, y=y, **extra), j, ''

    def _coordinates(self, i: int) -> tuple[float, float, int] | None:
        toks = self.toks
        close = at(toks, i) == '('
        j = i + 1 if close else i
        values: dict[str, float] = {}
        if at(toks, j) not in ('x', 'y'):  # '(1, -1)'
            first = read_signed(toks, j)
            if not close or first is None or at(toks, first[1]) != ',':
                return None
            second = read_signed(toks, first[1] + 1)
            if second is None:
                return None
            values, j = {'x': first[0], 'y': second[0]}, second[1]
        else:
            while at(toks, j) in ('x', 'y') and at(toks, j) not in values:
                name = toks[j]
                k = skip(toks, j + 1, '=', ':', 'is')
                found = read_signed(toks, k)
                if found is None:
                    return None
                values[name], j = found[0], skip(toks, found[1], 'm')
                if len(values) == 1:
                    j = skip(toks, skip(toks, j, ','), 'and')
        if set(values) != {'x', 'y'}:
            return None
        if close:
            if at(toks, j) != ')':
                return None
            j += 1
        return values['x'], values['y'], j

    def clause_goto_relative(self, i: int) -> tuple[object, int, str] | None:
        s = _Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, *_GO_VERBS)
        if verb is None or at(self.toks, verb[1]) != 'to':
            return None
        j = verb[1] + 1
        if at(self.toks, j) not in ('the', 'a'):
            return None
        noun = read_words(self.toks, j + 1, 'point', 'spot', 'position', 'location', 'place')
        if noun is None:
            return None
        j = skip(self.toks, noun[1], 'that is', 'which is', 'located')
        offsets: dict[str, float] = {}
        unit: float | None = None
        while True:
            part = self._offset(j, unit)
            if part is None:
                return None
            axis, value, unit, j = part
            if axis in offsets:
                return None
            offsets[axis] = value
            k = skip(self.toks, j, 'and')
            if k == j or self._offset(k, unit) is None:
                break
            j = k
        j = self.fill(j, s, self.slot_speed)
        speed = self.linear_speed(s)
        if speed is False:
            return None
        extra = {'speed_mps': speed} if speed else {}
        return Goto(x=offsets.get('x', 0.0), y=offsets.get('y', 0.0), frame='robot',
                    **extra), j, ''

    def _offset(self, i: int, unit: float | None) -> tuple[str, float, float, int] | None:
        """'2 m ahead', '1 meter to the left', 'one to the right' (unit of the first part)."""
        number = read_number(self.toks, i)
        if number is None:
            return None
        value, j = number
        if at(self.toks, j) in LENGTH_UNITS:
            unit, j = LENGTH_UNITS[self.toks[j]], j + 1
        if unit is None:
            return None
        ahead = read_words(self.toks, j, 'ahead', 'ahead of you', 'forward', 'in front',
                           'in front of you', 'straight ahead', 'behind', 'behind you')
        if ahead:
            sign = -1.0 if ahead[0].startswith('behind') else 1.0
            return 'x', round(sign * value * unit, 4), unit, ahead[1]
        side = read_words(self.toks, j, 'to the left', 'to your left', 'left', 'to the right',
                          'to your right', 'right')
        if side:
            sign = 1.0 if side[0].endswith('left') else -1.0
            return 'y', round(sign * value * unit, 4), unit, side[1]
        return None

    def clause_return_home(self, i: int) -> tuple[object, int, str] | None:
        s = _Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, 'return', 'go', 'come', 'head', 'walk', 'drive',
                          'move', 'navigate', 'travel', 'run')
        if verb is None:
            return None
        j = skip(self.toks, verb[1], 'back')
        place = read_words(self.toks, j, 'home', 'to home', 'to where you started',
                           *[f'to {a}{p}' for a in ('', 'the ', 'your ')
                             for p in ('start', 'starting point', 'starting position',
                                       'starting pose', 'starting location', 'start point',
                                       'start position', 'start location', 'beginning',
                                       'home position', 'home')])
        if place is None:
            return None
        j = self.fill(place[1], s, self.slot_speed)
        speed = self.linear_speed(s)
        if speed is False:
            return None
        if speed:
            if 'speed_mps' not in ReturnHome.model_fields:
                return None  # the vocabulary cannot say "fast" for return_home yet
            return ReturnHome(speed_mps=speed), j, ''
        return ReturnHome(), j, ''

    def clause_photo(self, i: int) -> tuple[object, int, str] | None:
        toks = self.toks
        if at(toks, i) == 'photograph':
            return Photo(), skip(toks, i + 1, 'it', 'this'), ''
        verb = read_words(toks, i, 'take', 'snap', 'capture', 'grab', 'shoot')
        if verb is None:
            return None
        j = verb[1]
        another = at(toks, j) == 'another'
        if not another:
            j = skip(toks, j, 'a', 'one', 'the')
        else:
            j += 1
        nouns = ('photo', 'picture', 'pic', 'snapshot', 'image', 'photograph')
        noun = read_words(toks, j, *nouns, *(('one',) if another else ()))
        if noun is None or (another and not any(isinstance(a, Photo) for a in self.actions)):
            return None
        j = skip(toks, noun[1], 'of what is in front of you', 'of what you see',
                 'of your surroundings', 'of the view')
        return Photo(), j, ''

    def clause_wait(self, i: int) -> tuple[object, int, str] | None:
        toks = self.toks
        verb = read_words(toks, i, 'wait', 'pause', 'hold', 'stay', 'stand still', 'hold still',
                          'stay still', 'stay put', 'remain still', 'stay here', 'wait here',
                          'wait there')
        if verb is None:
            return None
        j = skip(toks, verb[1], 'for')
        found = read_quantity(toks, j, TIME_UNITS, articles=False)
        if found is None:
            return None
        return Wait(seconds=round(found[0], 3)), found[1], ''

    def clause_stop(self, i: int) -> tuple[object, int, str] | None:
        verb = read_words(self.toks, i, 'stop', 'halt')
        if verb is None:
            return None
        return Stop(), skip(self.toks, verb[1], 'there', 'here', 'now'), 'stop'

    # ---- the whole text -------------------------------------------------------------------
    def clauses(self) -> tuple[Callable[[int], tuple[object, int, str] | None], ...]:
        """Every clause reader, tried at each position."""
        return (self.clause_translate, self.clause_back_again, self.clause_rotate,
                self.clause_perform_turn, self.clause_arc, self.clause_goto,
                self.clause_goto_relative, self.clause_return_home, self.clause_photo,
                self.clause_wait, self.clause_stop)

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
            readings = {(r[0].model_dump_json(), r[1]) for r in found}  # type: ignore
            if len(readings) != 1:
                return None  # not understood, or understood two ways
            action, i, kind = found[0]
            if self.kinds and {self.kinds[-1], kind} == {'bare_side', 'unsided'}:
                return None  # "turn right and rotate 180 degrees": one turn or two?
            if self.kinds and self.kinds[-1] == 'stop':
                return None  # a stop ends the plan: nothing may follow it
            if kind == 'back' and any(isinstance(a, Rotate) for a in self.actions):
                return None  # "turn around and go back 2 m": backward, or return?
            self.actions.append(action)
            self.kinds.append(kind)
            if i < len(toks) and not self._separated(i):
                return None
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
    actions = _Reader(toks, config).parse()
    return Plan(actions=actions) if actions else None
