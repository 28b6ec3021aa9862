# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Numeric command-line values with their ranges: a value out of range is a usage error.

Used as argparse ``type=``: argparse turns the refusal into ``argument --NAME: MESSAGE`` and
exit status 2, before anything runs. A non-finite value (nan, inf) is refused everywhere.
"""

from __future__ import annotations

import argparse
from dataclasses import fields
import math
from typing import Callable


def number(low: float | None = None, high: float | None = None, *, integer: bool = False,
           low_open: bool = False, high_open: bool = False) -> Callable[[str], float]:
    """A converter for a number in [low, high] (``low_open``/``high_open``: that end excluded)."""
    kind = 'an integer' if integer else 'a number'
    bounds = []
    if low is not None:
        bounds.append(f'{">" if low_open else "≥"} {low:g}')
    if high is not None:
        bounds.append(f'{"<" if high_open else "≤"} {high:g}')
    wanted = kind + (' ' + ' and '.join(bounds) if bounds else '')

    def convert(text: str) -> float:
        try:
            value: float = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'expected {wanted}, got {text!r}') from None
        if not math.isfinite(value) or (
                low is not None and (value <= low if low_open else value < low)) or (
                high is not None and (value >= high if high_open else value > high)):
            raise argparse.ArgumentTypeError(f'expected {wanted}, got {text!r}')
        return value

    convert.__name__ = wanted  # argparse names the type in some messages
    return convert


positive = number(0.0, low_open=True)
non_negative = number(0.0)
positive_int = number(1, integer=True)
non_negative_int = number(0, integer=True)
fraction = number(0.0, 1.0, low_open=True)  # a ratio in (0, 1]
tcp_port = number(0, 65535, integer=True)


def of_param(config_cls: type, name: str) -> Callable[[str], float]:
    """The converter for a command-line flag that sets node parameter ``name``: its range."""
    spec = next(f for f in fields(config_cls) if f.name == name)
    return number(spec.metadata['min_value'], spec.metadata['max_value'],
                  integer=type(spec.default) is int)
