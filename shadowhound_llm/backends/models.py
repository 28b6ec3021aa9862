# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Ollama's loaded models (``/api/ps``), typed once, and the one rule for matching names.

Validation, the diagnostics, the degradation detector and the benchmark all read loaded
models through ``LoadedModel``: its CPU share is computed here, as ``ollama ps`` shows it,
and the advice for a model that landed partly on the CPU is written here once.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

GIB = 1024 ** 3
# Ollama sized the GPU share from free memory (page cache ignored) before this version.
FIXED_MEMAVAILABLE_VERSION = (0, 12, 6)
PAGE_CACHE_FIX = ('drop the page cache left by earlier unloads (unified memory): '
                  '`sync; echo 3 | sudo tee /proc/sys/vm/drop_caches`, then reload the model')


def version_tuple(text: str | None) -> tuple[int, ...]:
    """'0.12.6-rc1' -> (0, 12, 6); as far as the leading numbers go."""
    nums = []
    for part in (text or '').split('-')[0].split('.')[:3]:
        try:
            nums.append(int(part))
        except ValueError:
            break
    return tuple(nums)


# The first Ollama version with each feature the client relies on: (version, what it is).
FEATURES: dict[str, tuple[tuple[int, int, int], str]] = {
    'schema': ((0, 5, 0), 'JSON-schema structured output (`format` as a schema object)'),
    'think': ((0, 9, 0), "switching a reasoning model's thinking off (`think`)"),
    'ps_context': ((0, 10, 0), 'reporting the loaded context length (/api/ps)'),
}


def has_feature(version: str | None, feature: str) -> bool:
    """True unless ``version`` is known and older than the feature needs."""
    have = version_tuple(version)
    return not have or have >= FEATURES[feature][0]


def too_old(version: str | None, feature: str) -> str | None:
    """'Ollama 0.4.7 is too old for ...: upgrade to >= 0.5.0', or None when it is new enough."""
    if has_feature(version, feature):
        return None
    need, what = FEATURES[feature]
    return (f'Ollama {version} is too old for {what}: upgrade to >= '
            f'{".".join(map(str, need))}')


def offload_advice(ollama_version: str | None) -> str:
    """What to do about a model partly on the CPU, for this Ollama version."""
    advice = PAGE_CACHE_FIX
    if ollama_version and version_tuple(ollama_version) < FIXED_MEMAVAILABLE_VERSION:
        advice += (f'; or update Ollama ({ollama_version} < 0.12.6 sizes the GPU share from '
                   f'free memory, later versions from MemAvailable)')
    return advice


def same_model(a: str | None, b: str | None) -> bool:
    """True when two model names denote the same model ('phi4' is 'phi4:latest')."""
    if not a or not b:
        return False

    def norm(name: str) -> str:
        return name if ':' in name else f'{name}:latest'
    return norm(a) == norm(b)


class LoadedModel(BaseModel):
    """One entry of ``/api/ps``: a model in memory, its size and how much is in VRAM."""

    model_config = ConfigDict(extra='ignore')

    name: str = ''
    model: str = ''
    size: int = 0
    size_vram: int = 0
    context_length: int | None = None
    expires_at: str | None = None
    digest: str | None = None

    @property
    def label(self) -> str:
        """The name to show (name, else model)."""
        return self.name or self.model or '?'

    def matches(self, name: str | None) -> bool:
        """True when this entry is the named model."""
        return same_model(self.name, name) or same_model(self.model, name)

    @property
    def cpu_pct(self) -> int:
        """Percent of the model on the CPU, rounded as ``ollama ps`` shows it."""
        if self.size <= 0 or self.size_vram >= self.size:
            return 0
        return round((self.size - self.size_vram) / self.size * 100)

    @property
    def size_gib(self) -> float:
        """Total size in memory, GiB."""
        return self.size / GIB

    @property
    def vram_gib(self) -> float:
        """Share in VRAM, GiB."""
        return self.size_vram / GIB

    def offload_summary(self) -> str:
        """'60% of phi4:14b is on the CPU (3.6 of 9.1 GiB in VRAM)'."""
        return (f'{self.cpu_pct}% of {self.label} is on the CPU ({self.vram_gib:.1f} of '
                f'{self.size_gib:.1f} GiB in VRAM)')


def loaded_models(raw: list[dict[str, Any]]) -> list[LoadedModel]:
    """Typed /api/ps entries."""
    return [LoadedModel.model_validate(m) for m in raw if isinstance(m, dict)]


def find_loaded(models: list[LoadedModel] | None, name: str | None) -> LoadedModel | None:
    """The loaded entry for a model name, if it is loaded."""
    return next((m for m in models or [] if m.matches(name)), None)
