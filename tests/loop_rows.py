"""Loop nests written by hand as rows of (dim, factor, level, spatial), outermost first, stacked into the
model's arrays (shared by the model's and the mapper's tests)."""

from __future__ import annotations

import numpy as np

from carbonloop.model.nest import LoopArrays

Row = list[tuple[int, int, int, bool]]  # (dim index, factor, level, spatial), outermost first


def stack_rows(rows: list[Row], L: int) -> LoopArrays:
    """Stack rows, padding with factor-1 loops at the innermost level (as model/nest.py does)."""
    K = max(1, max(len(r) for r in rows))
    dim = np.zeros((len(rows), K), dtype=np.int64)
    factor = np.ones((len(rows), K), dtype=np.int64)
    level = np.full((len(rows), K), L - 1, dtype=np.int64)
    spatial = np.zeros((len(rows), K), dtype=bool)
    for n, row in enumerate(rows):
        for k, (d, f, lv, sp) in enumerate(row):
            dim[n, k], factor[n, k], level[n, k], spatial[n, k] = d, f, lv, sp
    return LoopArrays(dim, factor, level, spatial)
