# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The adversarial LLM outputs (test/data/adversarial_outputs.yaml) for the core and node tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CORPUS_PATH = Path(__file__).resolve().parent / 'data' / 'adversarial_outputs.yaml'
CORPUS: list[dict[str, Any]] = yaml.safe_load(CORPUS_PATH.read_text(encoding='utf-8'))


def reply_of(entry: dict[str, Any]) -> str:
    """The reply text of a corpus entry (``repeat`` and ``nest`` build the large ones)."""
    if 'reply' in entry:
        return entry['reply']
    if 'repeat' in entry:
        r = entry['repeat']
        return r['head'] + ','.join([r['item']] * r['count']) + r['tail']
    n = entry['nest']
    return n['head'] + n['open'] * n['depth'] + n['close'] * n['depth'] + n['tail']
