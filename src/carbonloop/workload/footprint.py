"""How many distinct tensor positions a tile of loop extents touches along one affine axis (vectorized).

Shared by the workload (tensor sizes) and the model (tile sizes and overlaps) so both count alike.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np

D = TypeVar("D", int, str)
"""A loop dimension: its index (vectorized paths) or its name (scalar paths)."""


def comb_axis(dims: tuple[D, ...], coefs: tuple[int, ...]) -> tuple[D, D, int] | None:
    """For a two-term axis ``s*i + j`` (after dividing out the gcd): (dim i, dim j, s); else None."""
    if len(dims) != 2:
        return None
    g = math.gcd(abs(coefs[0]), abs(coefs[1]))
    a, b = abs(coefs[0]) // g, abs(coefs[1]) // g
    if b == 1:
        return dims[0], dims[1], a
    if a == 1:
        return dims[1], dims[0], b
    return None


def axis_size(dims: tuple[int, ...], coefs: tuple[int, ...], ext: np.ndarray) -> np.ndarray:
    """Distinct positions along one axis for per-dim extents ``ext`` [N, D] -> [N].

    Single-dim axes and ``s*i + j`` axes are exact (a window narrower than the stride leaves gaps: the
    tile is a comb of ``n`` teeth ``m`` wide); other sums count their bounding interval, as Timeloop.
    """
    if len(dims) == 1:
        return ext[:, dims[0]]
    comb = comb_axis(dims, coefs)
    if comb is not None:
        i, j, stride = comb
        n, m = ext[:, i], ext[:, j]
        return np.minimum(stride * (n - 1) + m, n * m)
    span = np.ones(ext.shape[0], dtype=np.int64)
    for d, c in zip(dims, coefs, strict=True):
        span = span + abs(c) * (ext[:, d] - 1)
    return span


def axis_positions(axis: tuple[tuple[str, int], ...], ext: dict[str, int]) -> int:
    """The same count for one tile, dims by name (scalar path: no numpy per call)."""
    if len(axis) == 1:
        return ext[axis[0][0]]
    dims = tuple(d for d, _ in axis)
    coefs = tuple(c for _, c in axis)
    comb = comb_axis(dims, coefs)
    if comb is not None:
        i, j, stride = comb
        n, m = ext[i], ext[j]
        return min(stride * (n - 1) + m, n * m)
    return 1 + sum(abs(c) * (ext[d] - 1) for d, c in axis)
