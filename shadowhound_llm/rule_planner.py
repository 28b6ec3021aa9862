# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Deterministic planner for unambiguous simple commands: no LLM, no waiting.

It answers only when the whole text is made of commands it understands; anything else
returns None ("needs a language model"). It never guesses a distance or a direction
that the text does not give.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .plan import Goto, Move, Photo, Plan, ReturnHome, Rotate, Stop, Wait

_STOP_RE = re.compile(
    r'^\W*(?:(?:emergency|e)[\s-]*stop|stop(?:\s+(?:now|moving|the\s+robot|immediately))?'
    r'|halt|freeze|abort)\W*$', re.I)

_WORD_NUMBERS = {
    'zero': 0.0, 'a': 1.0, 'an': 1.0, 'one': 1.0, 'two': 2.0, 'three': 3.0, 'four': 4.0,
    'five': 5.0, 'six': 6.0, 'seven': 7.0, 'eight': 8.0, 'nine': 9.0, 'ten': 10.0,
    'half a': 0.5, 'half an': 0.5,
}
_NUM = r'(?P<num>[-+]?\d+(?:\.\d+)?|\.\d+|half an?|an?|zero|one|two|three|four|five|six|seven|' \
       r'eight|nine|ten)'
_LEN_UNIT = r'(?P<unit>m|meters?|metres?|cm|centimeters?|centimetres?|mm|millimeters?)'
_ANGLE_UNIT = r'(?:degrees?|deg|°)'
_FWD = r'(?P<dir>forwards?|ahead|straight(?:\s+ahead)?|backwards?|back)'
_MOVE_VERB = r'(?:move|go|walk|drive|step|head|travel|run|back\s+up)'
_LEFT_RIGHT = r'(?P<side>left|right|counter[-\s]?clockwise|anti[-\s]?clockwise|clockwise)'
_TURN_VERB = r'(?:turn|rotate|spin|pivot)'
_COORD = r'(?P<x>[-+]?\d+(?:\.\d+)?)'
_COORD_Y = r'(?P<y>[-+]?\d+(?:\.\d+)?)'
_PLEASE = r'(?:please\s+)?'


def _number(text: str) -> float:
    text = text.lower()
    return _WORD_NUMBERS[text] if text in _WORD_NUMBERS else float(text)


def _length_m(num: str, unit: str) -> float:
    unit = unit.lower()
    scale = 0.01 if unit.startswith('c') else 0.001 if unit.startswith('m') and unit not in (
        'm', 'meter', 'meters', 'metre', 'metres') else 1.0
    return _number(num) * scale


def _sign_of_side(side: str | None) -> float:
    if side is None:
        return 1.0
    side = side.lower().replace('-', '').replace(' ', '')
    return -1.0 if side in ('right', 'clockwise') else 1.0


def _move(m: re.Match) -> Any:
    sign = -1.0 if m['dir'] and m['dir'].lower().startswith('back') else 1.0
    return Move(distance_m=sign * abs(_length_m(m['num'], m['unit'])))


def _back_up(m: re.Match) -> Any:
    return Move(distance_m=-abs(_length_m(m['num'], m['unit'])))


def _rotate(m: re.Match) -> Any:
    return Rotate(angle_deg=_sign_of_side(m['side']) * abs(_number(m['num'])))


def _quarter(m: re.Match) -> Any:
    angle = {'quarter': 90.0, 'half': 180.0, 'full': 360.0}[m['amount'].lower()]
    return Rotate(angle_deg=_sign_of_side(m['side']) * angle)


def _turn_side(m: re.Match) -> Any:
    return Rotate(angle_deg=_sign_of_side(m['side']) * 90.0)


def _goto(m: re.Match) -> Any:
    return Goto(x=float(m['x']), y=float(m['y']))


def _wait(m: re.Match) -> Any:
    seconds = _number(m['num'])
    if m['unit'].lower().startswith('m'):
        seconds *= 60.0
    return Wait(seconds=seconds)


# Each clause pattern is tried at the current position; the whole text must be consumed.
_CLAUSES: list[tuple[re.Pattern, Callable[[re.Match], Any]]] = [
    (re.compile(rf'{_MOVE_VERB}\s+{_FWD}\s+(?:by\s+|for\s+)?{_NUM}\s*{_LEN_UNIT}\b', re.I),
     _move),
    (re.compile(rf'{_MOVE_VERB}\s+{_NUM}\s*{_LEN_UNIT}\s+{_FWD}\b', re.I), _move),
    (re.compile(rf'back\s+up\s+(?:by\s+)?{_NUM}\s*{_LEN_UNIT}\b', re.I), _back_up),
    (re.compile(rf'{_TURN_VERB}\s+(?:to\s+the\s+)?{_LEFT_RIGHT}\s+(?:by\s+)?{_NUM}\s*'
                rf'{_ANGLE_UNIT}', re.I), _rotate),
    (re.compile(rf'{_TURN_VERB}\s+(?:by\s+)?{_NUM}\s*{_ANGLE_UNIT}(?:\s+(?:to\s+the\s+)?'
                rf'{_LEFT_RIGHT})?', re.I), _rotate),
    (re.compile(rf'(?:{_TURN_VERB}|make|do)\s+(?:a\s+)?(?P<amount>quarter|half|full)'
                rf'(?:[-\s]turn)?(?:\s+(?:to\s+the\s+)?{_LEFT_RIGHT})?', re.I), _quarter),
    (re.compile(r'turn\s+(?:a\s+)?(?P<amount>quarter|half|full)(?:\s+turn)?'
                rf'(?:\s+(?:to\s+the\s+)?{_LEFT_RIGHT})?', re.I), _quarter),
    (re.compile(r'(?:turn|spin)\s+(?P<amount>around)', re.I),
     lambda m: Rotate(angle_deg=180.0)),
    (re.compile(rf'turn\s+{_LEFT_RIGHT}(?=\s*(?:$|,|;|\.|\s+then\b|\s+and\b))', re.I),
     _turn_side),
    (re.compile(r'(?:go|move|navigate|drive|walk|head)\s+to\s+(?:the\s+)?(?:coordinates?|point|'
                r'position)?\s*\(?\s*x\s*[=:]\s*' + _COORD + r'\s*(?:m\b)?\s*,?\s*(?:and\s+)?'
                r'y\s*[=:]\s*' + _COORD_Y + r'\s*(?:m\b)?\s*\)?', re.I), _goto),
    (re.compile(r'(?:go|move|navigate|drive|walk|head)\s+to\s+(?:the\s+)?(?:coordinates?|point|'
                r'position)?\s*\(\s*' + _COORD + r'\s*,\s*' + _COORD_Y + r'\s*\)', re.I), _goto),
    (re.compile(r'(?:take|snap|capture|grab)\s+(?:a|one|the)\s+(?:photo|picture|pic|snapshot|'
                r'image)(?:graph)?|photograph(?:\s+it)?', re.I), lambda m: Photo()),
    (re.compile(r'(?:return|go|come|head|walk|drive|move)\s+(?:back\s+)?(?:home|to\s+(?:the\s+)?'
                r'(?:start(?:ing)?(?:\s+(?:position|point|pose|location))?|origin|home|'
                r'beginning))', re.I), lambda m: ReturnHome()),
    (re.compile(rf'(?:wait|pause|hold|stay|stand\s+still)\s+(?:for\s+)?{_NUM}\s*'
                r'(?P<unit>seconds?|secs?|s|minutes?|mins?)\b', re.I), _wait),
    (re.compile(r'(?:emergency\s+)?stop|halt', re.I), lambda m: Stop()),
]

_LEAD = re.compile(r'\s*(?:please\s+|(?:can|could|would)\s+you\s+|now\s+|first\s+|then\s+'
                   r'|and\s+then\s+|after\s+that,?\s+|finally,?\s+)*', re.I)
_SEPARATOR = re.compile(r'\s*(?:,\s*and\s+then|,\s*then|,\s*and|and\s+then|then|and|;|,|\.)'
                        r'\s*|\s*$', re.I)
_TRAIL = re.compile(r'[\s.!?,;]*(?:please)?[\s.!?]*$', re.I)


def is_stop_command(text: str) -> bool:
    """True for 'stop', 'halt', 'stop now', 'emergency stop' (any case, punctuation ignored)."""
    return bool(_STOP_RE.match(text.strip()))


def plan_from_rules(text: str) -> Plan | None:
    """A plan for a text made only of simple commands, or None when it needs an LLM."""
    body = _TRAIL.sub('', text.strip())
    if not body:
        return None
    pos, actions = 0, []
    while pos < len(body):
        pos = _LEAD.match(body, pos).end()
        for pattern, build in _CLAUSES:
            m = pattern.match(body, pos)
            if m:
                actions.append(build(m))
                pos = m.end()
                break
        else:
            return None
        sep = _SEPARATOR.match(body, pos)
        if sep is None or (sep.end() == pos and pos < len(body)):
            return None
        pos = sep.end()
    if not actions:
        return None
    return Plan(actions=actions)
