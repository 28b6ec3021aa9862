# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Helpers the benchmark scripts share."""


def percentile(values, q):
    """The q-th percentile (0..100) as the nearest rank of the sorted values."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100.0 * (len(values) - 1))))]
