# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Clauses of the rule planner: one command each ("move forward 1 m", "turn left").

A clause reader returns (action, position after it, kind) or None. ``kind`` tells the
planner what the clause leaves open: 'bare_side' (a turn with no angle), 'unsided' (an angle
with no side), 'back' (a bare "back"), 'stop', or ''. See ``planner`` for what is read.
"""

from __future__ import annotations

import math
from typing import Callable

from ..actions import Drive, Goto, Move, Photo, ReturnHome, Rotate, Stop, Wait
from .slots import SIDE_WORDS, SlotReader, Slots, TURN_NOUNS
from .words import (
    ANGLE_UNITS,
    at,
    LENGTH_UNITS,
    PhraseSet,
    read_number,
    read_quantity,
    read_signed,
    read_words,
    skip,
    TIME_UNITS,
)

Clause = tuple[object, int, str]

_TRANSLATE_VERBS = {
    'move': None, 'go': None, 'walk': None, 'drive': None, 'travel': None, 'run': None,
    'proceed': None, 'head': None, 'trot': None, 'step': None, 'advance': 'forward',
    'continue': None, 'march': None, 'navigate': None,
    # a direction first, as in a list of steps: 'forward 1 m, back 50 cm'
    'forward': 'forward', 'forwards': 'forward', 'backward': 'backward',
    'backwards': 'backward',
    'reverse': 'backward', 'retreat': 'backward', 'back up': 'backward', 'back': 'backward',
    'strafe': 'sideways', 'sidestep': 'sideways', 'side step': 'sideways', 'shift': 'sideways',
    'slide': 'sideways',
}
# Verbs that may walk sideways: "go left" or "drive right" may mean "turn, then walk".
# ("walk left" too; "walk sideways to the left" is clear.)
_LATERAL_VERBS = frozenset({'move', 'step', 'strafe', 'sidestep', 'side step', 'shift',
                            'slide'})
_GO_VERBS = ('go', 'move', 'navigate', 'drive', 'walk', 'head', 'travel', 'proceed', 'run',
             'goto')
_ROTATE_VERBS = ('turn', 'rotate', 'spin', 'pivot', 'yaw')
_PERFORM_VERBS = ('perform', 'do', 'make', 'execute', 'complete')
_ARC_VERBS = ('walk', 'move', 'drive', 'go', 'run', 'travel', 'trot', 'make', 'do', 'trace')
_HOME_VERBS = ('return', 'go', 'come', 'head', 'walk', 'drive', 'move', 'navigate', 'travel',
               'run')
_PHOTO_VERBS = ('take', 'snap', 'capture', 'grab', 'shoot')
_WAIT_VERBS = ('wait', 'pause', 'hold', 'stay', 'stand still', 'hold still', 'stay still',
               'stay put', 'remain still', 'stay here', 'wait here', 'wait there', 'hold on',
               'hang on', 'stay where you are', 'remain where you are', 'stay in place',
               'wait in place', 'remain in place', 'stand by', 'remain stationary',
               'stay stationary', 'hold position', 'hold your position')
_STOP_VERBS = ('stop', 'halt')
_BACK_AGAIN_VERBS = ('go', 'come', 'walk', 'move')
_HOME_PLACES = ('home', 'to where you started', *[
    f'to {a}{p}' for a in ('', 'the ', 'your ')
    for p in ('start', 'starting point', 'starting position', 'starting pose',
              'starting location', 'start point', 'start position', 'start location',
              'beginning', 'home position', 'home', 'initial position', 'initial location',
              'initial pose', 'initial point', 'original position', 'original location',
              'starting spot', 'start spot')])


_TRANSLATE_VERBS_SET = PhraseSet(*_TRANSLATE_VERBS)
_ROTATE_VERBS_SET = PhraseSet(*_ROTATE_VERBS)
_GO_VERBS_SET = PhraseSet(*_GO_VERBS)
_HOME_VERBS_SET = PhraseSet(*_HOME_VERBS)
_HOME_PLACES_SET = PhraseSet(*_HOME_PLACES)
_WAIT_VERBS_SET = PhraseSet(*_WAIT_VERBS)
_ARC_VERBS_SET = PhraseSet(*_ARC_VERBS)


class ClauseReader(SlotReader):
    """The clause readers, on top of the slot readers."""

    def clause_translate(self, i: int) -> Clause | None:
        """'move forward 1 m', 'back up 50 cm', 'strafe left 1 m', 'reverse for 5 s'."""
        s, start = Slots(), i
        i = self.lead(i, s)
        verb = read_words(self.toks, i, _TRANSLATE_VERBS_SET)
        if verb is None:
            return None
        implied = _TRANSLATE_VERBS[verb[0]]
        j = self.fill(verb[1], s, self.slot_direction, self.slot_distance, self.slot_seconds,
                      self.slot_speed, self.slot_sideways, self.slot_again)
        # A bare "back" after a turn may mean "return" (turn around and go back 2 m).
        kind = 'back' if 'back' in (verb[0], s.said_direction) else ''
        if (s.distance_m is None) == (s.seconds is None) or (self.elliptic and not s.direction):
            return None  # an elliptic clause says its own direction: "then 2 m" defers
        self.verb_at[start] = verb[0]
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

    @staticmethod
    def _move(distance_m: float, direction: str, speed: float | None) -> Move:
        d = round(distance_m, 4)
        extra = {'speed_mps': speed} if speed else {}
        if direction in ('forward', 'backward'):
            return Move(distance_m=d if direction == 'forward' else -d, **extra)
        return Move(distance_m=d, direction=direction, **extra)

    def clause_back_again(self, i: int) -> Clause | None:
        """'(and) back again' after a straight move: the same move reversed."""
        j = skip(self.toks, i, *_BACK_AGAIN_VERBS)
        if at(self.toks, j) != 'back':
            return None
        j = skip(self.toks, j + 1, 'again')
        last = self.actions[-1] if self.actions else None
        if not isinstance(last, Move) or last.direction != 'forward':
            return None
        return last.model_copy(update={'distance_m': -last.distance_m}), j, ''

    def clause_rotate(self, i: int) -> Clause | None:
        """'turn left 90 degrees', 'rotate 1.57 rad', 'turn around', 'turn left'."""
        s, start = Slots(), i
        i = self.lead(i, s)
        verb = read_words(self.toks, i, _ROTATE_VERBS_SET)
        if verb is None:
            return None
        j = self.fill(verb[1], s, self.slot_side, self.slot_angle, self.slot_seconds,
                      self.slot_speed, self.slot_in_place, self.slot_around, self.slot_again)
        if self.elliptic and s.side is None:
            return None  # an elliptic turn says its own side: "then 45 degrees" defers
        self.verb_at[start] = verb[0]
        if s.around:  # 'turn around' is 180; 'spin around 360 degrees' says how far
            if s.angle_deg is None and verb[0] == 'turn':
                s.angle_deg = 180.0
            elif s.angle_deg not in (180.0, 360.0):
                return None
        return self._rotation(s, j, bare_ok=verb[0] != 'spin')

    def _rotation(self, s: Slots, j: int, bare_ok: bool) -> Clause | None:
        speed = self.angular_speed(s)
        if speed is False or (s.angle_deg is not None and s.seconds is not None):
            return None
        extra = {'speed_dps': speed} if speed else {}
        kind = 'unsided' if s.side is None else ''
        side = 1 if s.side is None else s.side  # no side said: counter-clockwise (REP-103)
        if s.seconds is not None:
            w = speed or self.cruise()[1]
            return Drive(angular_dps=side * w, seconds=s.seconds), j, kind
        if s.angle_deg is None:
            # 'turn left' is 90 degrees; 'turn clockwise' says no amount at all, and
            # 'turn left at 30 deg/s' may mean turning on and on.
            if s.side is None or not bare_ok or s.said_side not in SIDE_WORDS or \
                    (s.speed is not None and s.speed[0] != 'word'):
                return None
            s.angle_deg, kind = 90.0, 'bare_side'
        return Rotate(angle_deg=side * round(s.angle_deg, 2), **extra), j, kind

    def clause_perform_turn(self, i: int) -> Clause | None:
        """'perform a clockwise rotation of 270 degrees', 'make a left turn'."""
        s = Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, *_PERFORM_VERBS)
        if verb is None or at(self.toks, verb[1]) not in ('a', 'an', 'one'):
            return None
        j = verb[1] + 1
        bare = read_words(self.toks, j, '180', '360')
        if bare and not read_words(self.toks, bare[1], *TURN_NOUNS, *ANGLE_UNITS):
            s.angle_deg, j = float(bare[0]), bare[1]
        else:
            j = self.fill(j, s, self.slot_side, self.slot_pre_angle)
            noun = read_words(self.toks, j, *TURN_NOUNS)
            if noun is None:
                return None
            j = noun[1]
        j = self.fill(j, s, self.slot_side, self.slot_of_angle, self.slot_speed,
                      self.slot_in_place)
        return self._rotation(s, j, bare_ok=True)

    def clause_arc(self, i: int) -> Clause | None:
        """'walk in a circle of radius 1 m to the left', 'drive an arc of 90 degrees...'."""
        s = Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, _ARC_VERBS_SET)
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
        if speed is False or s.radius_m is None or not sweep or s.radius_m <= 0:
            return None
        side = 1 if s.side is None else s.side  # no side said: counter-clockwise (REP-103)
        v = speed or self.cruise()[0]
        w = math.degrees(v / s.radius_m)
        seconds = math.radians(sweep) * s.radius_m / v
        return Drive(linear_mps=v, angular_dps=side * round(w, 2),
                     seconds=round(seconds, 2)), j, 'unsided' if s.side is None else ''

    def clause_goto(self, i: int) -> Clause | None:
        """'go to x=2, y=1', 'navigate to (1, -1)': a goto in the odom frame."""
        s = Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, _GO_VERBS_SET)
        if verb is None:
            return None
        j = skip(self.toks, verb[1], 'over')
        if at(self.toks, j) == 'to':
            j += 1
        elif verb[0] != 'goto':
            return None
        j = skip(self.toks, j, 'the', 'a')
        k = skip(self.toks, j, 'coordinates', 'coordinate', 'point', 'position', 'location')
        found = self._coordinates(k, bare_pair=k > j)
        if found is None:
            return None
        x, y, j = found
        j = self.fill(j, s, self.slot_speed)
        speed = self.linear_speed(s)
        if speed is False:
            return None
        extra = {'speed_mps': speed} if speed else {}
        return Goto(x=x, y=y, **extra), j, ''

    def _coordinates(self, i: int, bare_pair: bool = False) -> tuple[float, float, int] | None:
        """'x=2, y=1', 'x 2 y 1', '(1, -1)'; '1, -1' too after 'coordinates' or 'point'."""
        toks = self.toks
        close = {'(': ')', '[': ']'}.get(at(toks, i))
        j = i + 1 if close else i
        values: dict[str, float] = {}
        if at(toks, j) not in ('x', 'y'):  # '(1, -1)'
            first = read_signed(toks, j)
            if not (close or bare_pair) or first is None or at(toks, first[1]) != ',':
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
            if at(toks, j) != close:
                return None
            j += 1
        return values['x'], values['y'], j

    def clause_goto_relative(self, i: int) -> Clause | None:
        """'go to the point 2 m ahead and 1 m to the left': frame robot."""
        s = Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, _GO_VERBS_SET)
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

    def clause_return_home(self, i: int) -> Clause | None:
        """'return home', 'go back to the start', 'come back to where you started'."""
        s = Slots()
        i = self.fill(i, s, self.slot_speed)
        verb = read_words(self.toks, i, _HOME_VERBS_SET)
        if verb is None:
            return None
        j = skip(self.toks, verb[1], 'back')
        place = read_words(self.toks, j, _HOME_PLACES_SET)
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

    def clause_photo(self, i: int) -> Clause | None:
        """'take a photo', 'snap a picture of what is in front of you'."""
        toks = self.toks
        if at(toks, i) == 'photograph':
            return Photo(), skip(toks, i + 1, 'it', 'this'), ''
        verb = read_words(toks, i, *_PHOTO_VERBS)
        if verb is None:
            return None
        j = verb[1]
        another = at(toks, j) == 'another'
        if not another:
            j = skip(toks, j, 'a', 'an', 'one', 'the')
        else:
            j += 1
        nouns = ('photo', 'picture', 'pic', 'snapshot', 'image', 'photograph')
        noun = read_words(toks, j, *nouns, *(('one',) if another else ()))
        if noun is None or (another and not any(isinstance(a, Photo) for a in self.actions)):
            return None
        j = skip(toks, noun[1], 'of what is in front of you', 'of what you see',
                 'of your surroundings', 'of the view')
        return Photo(), j, ''

    def clause_wait(self, i: int) -> Clause | None:
        """'wait 3 seconds', 'hold still for five seconds'."""
        toks = self.toks
        verb = read_words(toks, i, _WAIT_VERBS_SET)
        if verb is None:
            return None
        j = skip(toks, verb[1], 'for')
        found = read_quantity(toks, j, TIME_UNITS, articles=False)
        if found is None:
            return None
        return Wait(seconds=round(found[0], 3)), found[1], ''

    def clause_stop(self, i: int) -> Clause | None:
        """'stop', 'halt' (the planner accepts it only as the last step)."""
        verb = read_words(self.toks, i, *_STOP_VERBS)
        if verb is None:
            return None
        return Stop(), skip(self.toks, verb[1], 'there', 'here', 'now', 'right there',
                            'right here', 'right now', 'immediately', 'at once',
                            'where you are', 'moving'), 'stop'

    def clauses(self) -> tuple[Callable[[int], Clause | None], ...]:
        """Every clause reader."""
        return tuple(getattr(self, name) for name in CLAUSES)

    def clauses_at(self, i: int) -> tuple[Callable[[ClauseReader, int], Clause | None], ...]:
        """The clause readers (unbound) that may start at i.

        Those of the verb there, else every one (a clause may start with a slot: "slowly
        ...", "for 5 s, ...").
        """
        return _BY_VERB.get(at(self.toks, i), _ALL)


CLAUSES = ('clause_translate', 'clause_back_again', 'clause_rotate', 'clause_perform_turn',
           'clause_arc', 'clause_goto', 'clause_goto_relative', 'clause_return_home',
           'clause_photo', 'clause_wait', 'clause_stop')


def _by_verb() -> dict[str, tuple[Callable[[ClauseReader, int], Clause | None], ...]]:
    """Clause readers by the first word of their verbs (a clause starting with a verb)."""
    verbs = {'clause_translate': _TRANSLATE_VERBS, 'clause_back_again': (*_BACK_AGAIN_VERBS,
                                                                         'back'),
             'clause_rotate': _ROTATE_VERBS, 'clause_perform_turn': _PERFORM_VERBS,
             'clause_arc': _ARC_VERBS, 'clause_goto': _GO_VERBS,
             'clause_goto_relative': _GO_VERBS, 'clause_return_home': _HOME_VERBS,
             'clause_photo': (*_PHOTO_VERBS, 'photograph'), 'clause_wait': _WAIT_VERBS,
             'clause_stop': _STOP_VERBS}
    out: dict[str, list[str]] = {}
    for name in CLAUSES:
        for verb in verbs[name]:
            first = verb.split()[0]
            if name not in out.setdefault(first, []):
                out[first].append(name)
    return {word: tuple(getattr(ClauseReader, n) for n in names) for word, names in out.items()}


_BY_VERB = _by_verb()
_ALL = tuple(getattr(ClauseReader, name) for name in CLAUSES)
VERB_WORDS = frozenset(_BY_VERB)
