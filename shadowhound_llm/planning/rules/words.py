# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Words for the rule planner: tokens, the lexicon, numbers (digits or words) and units.

``normalise`` rewrites each phrasing of a word as that word ("keep moving" -> move,
"in a clockwise direction" -> clockwise, "at a velocity of" -> at) and drops fillers
("for a distance of 2 m" -> for 2 m), so the clause readers see few words.

Every reader takes a token list and a position and returns what it read with the position
after it, or None when the tokens there are not what it reads. None is the normal answer:
the rule planner defers to the LLM as soon as one token is not understood.

Numbers are unsigned on purpose: "move backward -1 meter" has no deterministic reading.
Only coordinates (``read_signed``) take a sign.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Sequence

Tokens = Sequence[str]

_TOKEN_RE = re.compile(r'\d+(?:\.\d+)?|\.\d+|[a-z]+|\S')

# Units, to SI (metres, seconds) or degrees.
LENGTH_UNITS = {
    'm': 1.0, 'meter': 1.0, 'meters': 1.0, 'metre': 1.0, 'metres': 1.0,
    'cm': 0.01, 'centimeter': 0.01, 'centimeters': 0.01, 'centimetre': 0.01,
    'centimetres': 0.01, 'mm': 0.001, 'millimeter': 0.001, 'millimeters': 0.001,
    'millimetre': 0.001, 'millimetres': 0.001, 'km': 1000.0, 'kilometer': 1000.0,
    'kilometers': 1000.0, 'kilometre': 1000.0, 'kilometres': 1000.0,
    'ft': 0.3048, 'foot': 0.3048, 'feet': 0.3048, 'inch': 0.0254, 'inches': 0.0254,
    'yd': 0.9144, 'yds': 0.9144, 'yard': 0.9144, 'yards': 0.9144,
}
ANGLE_UNITS = {
    'degree': 1.0, 'degrees': 1.0, 'deg': 1.0, 'degs': 1.0,
    'radian': math.degrees(1.0), 'radians': math.degrees(1.0), 'rad': math.degrees(1.0),
    'rads': math.degrees(1.0),
}
TIME_UNITS = {
    's': 1.0, 'sec': 1.0, 'secs': 1.0, 'second': 1.0, 'seconds': 1.0,
    'min': 60.0, 'mins': 60.0, 'minute': 60.0, 'minutes': 60.0,
    'hr': 3600.0, 'hrs': 3600.0, 'hour': 3600.0, 'hours': 3600.0,
}
# Single-token speed units.
_SPEED_WORD_UNITS = {'mps': ('linear', 1.0), 'dps': ('angular', 1.0)}

_ONES = {'zero': 0, 'one': 1, 'two': 2, 'three': 3, 'four': 4, 'five': 5, 'six': 6,
         'seven': 7, 'eight': 8, 'nine': 9}
_TEENS = {'ten': 10, 'eleven': 11, 'twelve': 12, 'thirteen': 13, 'fourteen': 14,
          'fifteen': 15, 'sixteen': 16, 'seventeen': 17, 'eighteen': 18, 'nineteen': 19}
_TENS = {'twenty': 20, 'thirty': 30, 'forty': 40, 'fifty': 50, 'sixty': 60, 'seventy': 70,
         'eighty': 80, 'ninety': 90}

NUMBER_WORDS = frozenset({*_ONES, *_TEENS, *_TENS})


def tokenize(text: str) -> list[str]:
    """Lower-case tokens: numbers, words and single punctuation marks.

    "forty-five" and "counter-clockwise" lose their hyphen, "90-degree" too; a minus sign
    before a digit stays a token of its own (and so makes most commands unreadable).
    Apostrophes split words ("don't" -> don ' t), so contractions are never understood.
    """
    text = text.lower().replace('°', ' degrees ').replace('º', ' degrees ')
    text = text.replace('π', ' pi ')
    text = re.sub(r'(?<=[a-z0-9])-(?=[a-z])', ' ', text)
    return _TOKEN_RE.findall(text)


def at(toks: Tokens, i: int) -> str:
    """The token at i, or '' past the end."""
    return toks[i] if 0 <= i < len(toks) else ''


@functools.lru_cache(maxsize=512)
def _phrase_index(phrases: tuple[str, ...]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Phrases by their first word, longest first (built once per phrase list)."""
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase in phrases:
        words = tuple(phrase.split())
        if words:
            index.setdefault(words[0], []).append((words, phrase))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


class PhraseSet:
    """Phrases indexed once, for ``read_words`` and ``skip`` on hot paths."""

    __slots__ = ('index',)

    def __init__(self, *phrases: str) -> None:
        self.index = _phrase_index(tuple(phrases))


def read_words(toks: Tokens, i: int, *phrases: str | PhraseSet) -> tuple[str, int] | None:
    """The longest of the phrases (space-separated words, or one PhraseSet) found at i."""
    if i >= len(toks):
        return None
    first = phrases[0] if phrases else None
    index = first.index if isinstance(first, PhraseSet) else \
        _phrase_index(phrases)  # type: ignore[arg-type]
    for words, phrase in index.get(toks[i], ()):
        if tuple(toks[i:i + len(words)]) == words:
            return phrase, i + len(words)
    return None


def skip(toks: Tokens, i: int, *phrases: str | PhraseSet) -> int:
    """Position after an optional phrase at i (i itself when none is there)."""
    found = read_words(toks, i, *phrases)
    return found[1] if found else i


def _read_integer_words(toks: Tokens, i: int) -> tuple[float, int] | None:
    """'seven', 'forty five', 'one hundred and eighty', 'a hundred', 'two hundred seventy'."""
    value, j = 0, i
    if at(toks, j) in ('a', 'one') and at(toks, j + 1) == 'hundred' or \
            at(toks, j) in _ONES and at(toks, j + 1) == 'hundred':
        value = 100 * (1 if at(toks, j) == 'a' else _ONES[at(toks, j)])
        j += 2
        rest_at = j + 1 if at(toks, j) == 'and' else j
        rest = _read_under_hundred(toks, rest_at)
        if rest is not None:
            value, j = value + rest[0], rest[1]
        return float(value), j
    return _read_under_hundred(toks, i)


def _read_under_hundred(toks: Tokens, i: int) -> tuple[float, int] | None:
    word = at(toks, i)
    if word in _TENS:
        if at(toks, i + 1) in _ONES and at(toks, i + 1) != 'zero':
            return float(_TENS[word] + _ONES[at(toks, i + 1)]), i + 2
        return float(_TENS[word]), i + 1
    if word in _TEENS:
        return float(_TEENS[word]), i + 1
    if word in _ONES:
        return float(_ONES[word]), i + 1
    return None


def _is_digits(token: str) -> bool:
    return bool(token) and (token[0].isdigit() or (token[0] == '.' and len(token) > 1))


def read_number(toks: Tokens, i: int, articles: bool = True) -> tuple[float, int] | None:
    """An unsigned number: '2', '0.5', 'two', 'forty five', 'half a', 'one and a half'.

    ``articles``: whether 'a'/'an'/'a single' count as one ('a meter'), which is right before
    a unit of length or angle but an idiom before time ('wait a minute').
    """
    word = at(toks, i)
    if _is_digits(word):
        value, j = float(word), i + 1
    elif word == 'half' and at(toks, i + 1) in ('a', 'an'):
        return 0.5, i + 2
    elif word in ('a', 'an') and at(toks, i + 1) in ('half', 'quarter'):
        if at(toks, i + 2) == 'of':  # 'a quarter of a meter'
            if at(toks, i + 3) not in ('a', 'an'):
                return None
            return (0.5 if at(toks, i + 1) == 'half' else 0.25), i + 4
        return (0.5 if at(toks, i + 1) == 'half' else 0.25), i + 2
    elif word == 'quarter' and read_words(toks, i + 1, 'of a', 'of an'):
        return 0.25, i + 3
    elif word in _ONES and at(toks, i + 1) == ('quarter' if word == 'one' else 'quarters'):
        j = i + 2  # 'three quarters of a meter', 'one quarter meter'
        return _ONES[word] / 4.0, j + 2 if read_words(toks, j, 'of a', 'of an') else j
    elif word == 'point' and at(toks, i + 1) in _ONES:  # 'point five meters'
        digits = []
        while at(toks, i + 1 + len(digits)) in _ONES:
            digits.append(str(_ONES[at(toks, i + 1 + len(digits))]))
        return float(f'0.{"".join(digits)}'), i + 1 + len(digits)
    elif word in ('a', 'an') and at(toks, i + 1) == 'single':
        return (1.0, i + 2) if articles else None
    elif word in ('a', 'an') and at(toks, i + 1) != 'hundred':
        return (1.0, i + 1) if articles else None
    else:
        found = _read_integer_words(toks, i)
        if found is None:
            return None
        value, j = found
        if at(toks, j) == 'point':  # 'one point five'
            digits = []
            while at(toks, j + 1 + len(digits)) in _ONES:
                digits.append(str(_ONES[at(toks, j + 1 + len(digits))]))
            if not digits:
                return None
            value, j = float(f'{int(value)}.{"".join(digits)}'), j + 1 + len(digits)
    if read_words(toks, j, 'and a half', 'and one half'):
        value, j = value + 0.5, j + 3
    elif read_words(toks, j, 'and a quarter'):
        value, j = value + 0.25, j + 3
    return value, j


def read_signed(toks: Tokens, i: int) -> tuple[float, int] | None:
    """A coordinate in digits with an optional sign ('-1.5', '+2', '3')."""
    sign = 1.0
    if at(toks, i) in ('-', '+'):
        sign, i = (-1.0 if at(toks, i) == '-' else 1.0), i + 1
    if not _is_digits(at(toks, i)):
        return None
    return sign * float(toks[i]), i + 1


# The units that 'a' or 'an' may count ('a meter'; 'a degrees' is a slip, not a number).
_SINGULAR_UNITS = frozenset(
    'meter metre centimeter centimetre millimeter millimetre kilometer kilometre foot inch '
    'yard degree radian second minute hour'.split())


def read_quantity(toks: Tokens, i: int, units: dict[str, float],
                  articles: bool = True) -> tuple[float, int] | None:
    """A number followed by one of the units, converted ('50 cm' -> 0.5)."""
    found = read_number(toks, i, articles)
    if found is None or at(toks, found[1]) not in units:
        return None
    value, j = found
    if at(toks, j + 1) in ('/', 'per'):
        return None  # '2 meters per second' is a speed
    if at(toks, i) in ('a', 'an') and value == 1.0 and toks[j] not in _SINGULAR_UNITS:
        return None
    return value * units[toks[j]], j + 1


def read_radians_of_pi(toks: Tokens, i: int) -> tuple[float, int] | None:
    """'pi radians', 'pi/2 rad', '2 pi radians' as degrees; pi only with a radian unit."""
    j, factor = i, 1.0
    if _is_digits(at(toks, j)) and at(toks, j + 1) == 'pi':
        factor, j = float(toks[j]), j + 1
    if at(toks, j) != 'pi':
        return None
    j += 1
    if at(toks, j) == '/' and _is_digits(at(toks, j + 1)) and float(toks[j + 1]) > 0:
        factor, j = factor / float(toks[j + 1]), j + 2
    if at(toks, j) not in ('radian', 'radians', 'rad', 'rads'):
        return None
    return math.degrees(math.pi * factor), j + 1


def read_speed(toks: Tokens, i: int) -> tuple[str, float, int] | None:
    """'0.2 m/s', '20 cm per second', '30 deg/s', '0.5 rad/s', '0.3 mps'.

    Returns ('linear', m/s, j) or ('angular', deg/s, j).
    """
    found = read_number(toks, i, articles=False)
    if found is None:
        return None
    value, j = found
    if at(toks, j) in _SPEED_WORD_UNITS:
        kind, scale = _SPEED_WORD_UNITS[toks[j]]
        return kind, value * scale, j + 1
    unit = at(toks, j)
    if unit in LENGTH_UNITS:
        kind, scale = 'linear', LENGTH_UNITS[unit]
    elif unit in ANGLE_UNITS:
        kind, scale = 'angular', ANGLE_UNITS[unit]
    else:
        return None
    per = read_words(toks, j + 1, '/', 'per', 'a')
    if per is None or at(toks, per[1]) not in TIME_UNITS:
        return None
    return kind, value * scale / TIME_UNITS[toks[per[1]]], per[1] + 1


# ---- the lexicon: every phrasing of a word becomes that word; fillers become nothing ----
def _speed_phrases() -> dict[str, str]:
    """'at a velocity of', 'maintaining a speed of', 'with an angular speed of' -> 'at'."""
    out = {}
    for lead in ('at', 'with', 'maintaining', 'keeping', 'holding'):
        for article in ('a ', 'an ', 'the ', ''):
            for adjective in ('', 'constant ', 'steady ', 'linear ', 'angular ', 'rotational ',
                              'rotation ', 'turning '):
                for noun in ('speed', 'velocity', 'rate', 'pace'):
                    out[f'{lead} {article}{adjective}{noun} of'] = 'at'
    for article in ('a ', ''):
        for adjective, word in (('slow', 'slowly'), ('low', 'slowly'), ('fast', 'fast'),
                                ('quick', 'fast'), ('high', 'fast')):
            for noun in ('speed', 'pace'):
                out[f'at {article}{adjective} {noun}'] = word
    return out


def _side_phrases() -> dict[str, str]:
    """'in a clockwise direction' -> 'clockwise', 'towards the left' -> 'left'."""
    out = {}
    for word, canonical in (('clockwise', 'clockwise'), ('counterclockwise', 'counterclockwise'),
                            ('counter clockwise', 'counterclockwise'),
                            ('anticlockwise', 'counterclockwise'),
                            ('anti clockwise', 'counterclockwise'), ('left', 'left'),
                            ('right', 'right'), ('forward', 'forward'),
                            ('backward', 'backward'), ('reverse', 'backward')):
        for article in ('a ', 'the ', ''):
            out[f'in {article}{word} direction'] = canonical
    for toward in ('toward', 'towards'):
        for article in ('the', 'your'):
            for side in ('left', 'right'):
                out[f'{toward} {article} {side}'] = side
    for lead in ('to', 'toward', 'towards', 'on'):
        for article in ('the', 'your'):
            for side in ('left', 'right'):
                for noun in ('side', 'hand side'):
                    out[f'{lead} {article} {side} {noun}'] = side
    return out


def _verb_phrases() -> dict[str, str]:
    """'keep moving', 'continue to walk' -> the verb; 'take a left' -> 'turn left'."""
    out = {}
    for verb, gerund in (('move', 'moving'), ('go', 'going'), ('walk', 'walking'),
                         ('drive', 'driving'), ('travel', 'traveling'),
                         ('travel', 'travelling'), ('turn', 'turning'), ('rotate', 'rotating'),
                         ('spin', 'spinning'), ('reverse', 'reversing'),
                         ('back up', 'backing up'), ('strafe', 'strafing'),
                         ('advance', 'advancing'), ('head', 'heading'),
                         ('proceed', 'proceeding'), ('step', 'stepping')):
        # 'keep turning left' has no end: as 'spin left', it needs an angle or a time.
        kept = 'spin' if verb in ('turn', 'rotate', 'spin') else verb
        for lead in ('keep', 'keep on', 'continue', 'carry on', 'start', 'begin'):
            out[f'{lead} {gerund}'] = kept
        out[f'continue to {verb}'] = kept
    for verb in ('take', 'make', 'hang', 'do'):
        for side in ('left', 'right'):
            out[f'{verb} a {side}'] = f'turn {side}'
            out[f'{verb} a {side} turn'] = f'turn {side}'
        for article in ('a ', 'an ', ''):
            out[f'{verb} {article}u turn'] = 'turn around'
    for way in ('the other way', 'the opposite way', 'the opposite direction',
                'the other direction', 'backwards', 'backward', 'behind you'):
        out[f'face {way}'] = 'turn around'
    for article in ('a ', 'a complete ', 'a full ', ''):
        for noun in ('stop', 'halt', 'standstill'):
            out[f'come to {article}{noun}'] = 'stop'
            out[f'bring yourself to {article}{noun}'] = 'stop'
    return out


LEXICON: dict[str, str] = {
    **_speed_phrases(), **_side_phrases(), **_verb_phrases(),
    # directions said another way
    'to the front': 'forward', 'frontward': 'forward', 'frontwards': 'forward',
    'to the rear': 'backward', 'rearward': 'backward', 'rearwards': 'backward',
    'to the back': 'backward',
    # words that add nothing a plan can hold
    'yourself': '', 'kindly': '', 'just': '', 'simply': '', 'right away': '',
    'in a straight line': '', 'along a straight line': '', 'the robot': '',
    'rapidly': 'quickly', 'swiftly': 'quickly',
    'emergency stop': 'stop', 'e stop': 'stop', 'freeze': 'stop',
    # one spelling per word
    'counter clockwise': 'counterclockwise', 'anti clockwise': 'counterclockwise',
    'anticlockwise': 'counterclockwise', 'cms': 'cm',
}
# Fillers that only stand before a number: 'for a distance of 2 m', 'by an angle of 30 deg'.
BEFORE_NUMBER: dict[str, str] = {
    **{f'{article} {noun} of': '' for article in ('a', 'an', 'a total', 'the')
       for noun in ('distance', 'angle', 'duration', 'period', 'time', 'length', 'total')},
    'a total of': '', 'for the next': 'for', 'during': 'for', 'over a distance of': '',
    # 'with angular velocity 0.5 rad/s', 'at speed 0.2 m/s'
    **{f'{lead} {article}{adjective}{noun}': 'at' for lead in ('at', 'with')
       for article in ('a ', 'an ', '') for adjective in ('', 'constant ', 'linear ', 'angular ')
       for noun in ('speed', 'velocity')},
}
# Fillers that only start a step: 'tell the robot to turn left'.
AT_STEP_START: dict[str, str] = {
    **{f'{verb} the robot': '' for verb in ('make', 'have', 'let')},
    **{f'{verb} the robot to': '' for verb in ('tell', 'command', 'instruct', 'ask', 'get')},
    **{f'i {want} {who} to': '' for want in ('want', 'need', 'would like')
       for who in ('the robot', 'you')},
    **{f'{who} {must}': '' for who in ('the robot', 'you')
       for must in ('should', 'must', 'need to', 'needs to', 'have to', 'has to')},
}
_NUMBER_STARTS = frozenset({*NUMBER_WORDS, 'a', 'an', 'half', 'quarter', 'point', 'pi'})
_STEP_ENDS = frozenset({',', ';', '.', '!', 'and', 'then', 'please', 'now'})


def _lexicon_index() -> dict[str, list[tuple[tuple[str, ...], tuple[str, ...], str]]]:
    """Lexicon entries by their first word, longest first, with where they apply."""
    index: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], str]]] = {}
    for table, where in ((LEXICON, ''), (BEFORE_NUMBER, 'number'), (AT_STEP_START, 'start')):
        for phrase, canonical in table.items():
            words = tuple(phrase.split())
            index.setdefault(words[0], []).append((words, tuple(canonical.split()), where))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


_LEXICON_INDEX = _lexicon_index()


def normalise(toks: Tokens) -> list[str]:
    """The tokens with each phrasing of a word replaced by that word, fillers left out.

    "keep going forward, maintaining a speed of 0.2 m/s, for a duration of 5 s" becomes
    "go forward , at 0.2 m / s , for 5 s". A phrase maps to one meaning wherever it
    stands (fillers of a quantity only before a number, 'tell the robot to' only where a
    step starts), so normalising never changes what a command says: a word it does not
    replace stays, and the planner defers on it.
    """
    index = _LEXICON_INDEX
    out: list[str] = []
    i, n = 0, len(toks)
    while i < n:
        for words, canonical, where in index.get(toks[i], ()):
            if tuple(toks[i:i + len(words)]) != words:
                continue
            if where == 'number':
                after = at(toks, i + len(words))
                if not (_is_digits(after) or after in _NUMBER_STARTS):
                    continue
            elif where == 'start' and out and out[-1] not in _STEP_ENDS:
                continue
            out.extend(canonical)
            i += len(words)
            break
        else:
            out.append(toks[i])
            i += 1
    return out
