"""Loop nests as arrays: N candidate mappings of one layer, each a row of K loops, outermost first.

This is the form the vectorized model scores. A loop is (dim index, factor, level index, spatial flag).
Rows are padded with factor-1 loops, which change no count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model import factors
from carbonloop.model.mapping import Mapping
from carbonloop.workload.layer import Layer, Operand

IntArray = np.ndarray


@dataclass(frozen=True)
class CompiledOperand:
    """An operand's axes as dim indices and coefficients (size-1 dims dropped)."""

    name: str
    role: str
    axes: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]  # per axis: (dim indices, coefficients)
    bits: int
    partial_bits: int
    relevant_dims: tuple[int, ...]


def unit_window_steps(op: CompiledOperand) -> CompiledOperand:
    """``op`` with every sliding-window axis at unit steps (``2 ox + fx`` read as ``ox + fx``): the rows a
    diagonal mapping takes as ZigZag-IMC counts them (``Conventions.strided_diagonal_rows`` off)."""
    axes = tuple((dims, (1,) * len(coefs)) if len(dims) > 1 else (dims, coefs) for dims, coefs in op.axes)
    return replace(op, axes=axes)


@dataclass(frozen=True)
class CompiledLayer:
    layer: Layer
    dims: tuple[str, ...]
    sizes: np.ndarray  # [D]
    operands: tuple[CompiledOperand, ...]
    reduction: tuple[int, ...]  # dims irrelevant to the output

    @property
    def D(self) -> int:
        return len(self.dims)


def compile_layer(layer: Layer) -> CompiledLayer:
    dims = layer.dim_names
    index = {d: i for i, d in enumerate(dims)}
    ops = []
    for o in layer.operands:
        axes = tuple(
            (tuple(index[d] for d, _ in axis), tuple(c for _, c in axis)) for axis in layer.effective_axes(o)
        )
        relevant = tuple(sorted({i for a, _ in axes for i in a}))
        ops.append(CompiledOperand(o.name, o.role, axes, o.bits, o.psum_bits, relevant))
    out: Operand = layer.output
    red = tuple(index[d] for d in dims if layer.relevance(out, d) == "irrelevant")
    return CompiledLayer(layer, dims, np.array([s for _, s in layer.dims], dtype=np.int64), tuple(ops), red)


@dataclass(frozen=True)
class LoopArrays:
    """``dim``, ``factor``, ``level``: int arrays [N, K]; ``spatial``: bool [N, K]; ``axis``: the array
    axis index of each spatial loop, -1 for temporal loops (needed only where the compute cost depends
    on which axis is used, as in an IMC macro)."""

    dim: IntArray
    factor: IntArray
    level: IntArray
    spatial: np.ndarray
    axis: IntArray | None = None

    @property
    def N(self) -> int:
        return int(self.dim.shape[0])

    @property
    def K(self) -> int:
        return int(self.dim.shape[1])

    def take(self, rows: np.ndarray) -> LoopArrays:
        axis = None if self.axis is None else self.axis[rows]
        return LoopArrays(self.dim[rows], self.factor[rows], self.level[rows], self.spatial[rows], axis)

    def spatial_extents(self, D: int) -> np.ndarray:
        """Per-dim product of every spatial factor, all axes together [N, D]."""
        out = np.ones((self.N, D), dtype=np.int64)
        rows = np.broadcast_to(np.arange(self.N)[:, None], self.dim.shape)
        np.multiply.at(out, (rows[self.spatial], self.dim[self.spatial]), self.factor[self.spatial])
        return out

    def axis_extents(self, axis: int, D: int) -> np.ndarray:
        """Per-dim product of the spatial factors on one array axis [N, D]."""
        if self.axis is None:
            raise ValueError("these loop arrays carry no array-axis information")
        out = np.ones((self.N, D), dtype=np.int64)
        on = self.axis == axis
        rows = np.arange(self.N)
        for k in np.flatnonzero(on.any(axis=0)):  # the few columns holding loops of this axis
            sel = on[:, k]
            np.multiply.at(out, (rows[sel], self.dim[sel, k]), self.factor[sel, k])
        return out


Row = tuple[int, int, int, bool, int]  # dim index, factor, level, spatial, array axis (-1: temporal)


def prime_factors(n: int) -> list[int]:
    """``12 -> [2, 2, 3]``: the finest loop factors a dimension can be split into (Pollard's rho in
    :mod:`carbonloop.model.factors`, fast for any size the mapper accepts)."""
    return factors.prime_factors(n)


def nest_rows(mapping: Mapping, layer: Layer, acc: Accelerator) -> list[Row]:
    """The loops of a (resolved, complete) mapping in nest order: temporal then spatial, per level."""
    index = {d: i for i, d in enumerate(layer.dim_names)}
    axes = acc.array.axis_names
    rows: list[Row] = []
    for li, lm in enumerate(mapping.levels):
        for lp in lm.temporal:
            rows.append((index[lp.dim], lp.factor, li, False, -1))
        for axis, loops in lm.spatial:
            for lp in loops:
                rows.append((index[lp.dim], lp.factor, li, True, axes.index(axis)))
    return rows


def stack_rows(batch: list[list[Row]], n_levels: int) -> LoopArrays:
    """Pad rows to a common K (factor-1 loops at the innermost level) and stack them."""
    K = max(1, max((len(r) for r in batch), default=1))
    N = len(batch)
    dim = np.zeros((N, K), dtype=np.int64)
    factor = np.ones((N, K), dtype=np.int64)
    level = np.full((N, K), n_levels - 1, dtype=np.int64)
    spatial = np.zeros((N, K), dtype=bool)
    axis = np.full((N, K), -1, dtype=np.int64)
    for n, rows in enumerate(batch):
        for k, (d, f, lv, sp, ax) in enumerate(rows):
            dim[n, k], factor[n, k], level[n, k], spatial[n, k], axis[n, k] = d, f, lv, sp, ax
    return LoopArrays(dim, factor, level, spatial, axis)


def stack_loops(parts: list[LoopArrays], n_levels: int) -> LoopArrays:
    """Concatenate loop arrays of different widths (with their array axes), padding with factor-1 loops
    at the innermost level. Each output array is allocated once and every part copied into its rows (the
    mapper stacks a hundred or more small parts per model call)."""
    K = max(1, max(p.K for p in parts))
    N = sum(p.N for p in parts)
    dim = np.zeros((N, K), dtype=np.int64)
    factor = np.ones((N, K), dtype=np.int64)
    level = np.full((N, K), n_levels - 1, dtype=np.int64)
    spatial = np.zeros((N, K), dtype=bool)
    axis = np.full((N, K), -1, dtype=np.int64)
    row = 0
    for p in parts:
        n, k = p.dim.shape
        end = row + n
        dim[row:end, :k] = p.dim
        factor[row:end, :k] = p.factor
        level[row:end, :k] = p.level
        spatial[row:end, :k] = p.spatial
        if p.axis is not None:
            axis[row:end, :k] = p.axis
        row = end
    return LoopArrays(dim, factor, level, spatial, axis)


def mapping_arrays(mappings: list[Mapping], layer: Layer, acc: Accelerator) -> LoopArrays:
    return stack_rows([nest_rows(m, layer, acc) for m in mappings], len(acc.memories))


def relocated_axes(acc: Accelerator, keep: tuple[frozenset[str], ...]) -> dict[str, dict[int, int]]:
    """Per operand role, the array axes (index -> level) whose spatial loops fan that operand out from a
    level other than the one the mapping lists them at (docs/model.md, "Per-operand memories").

    A spatial loop over axis ``a`` is listed at the innermost level spanning ``a``; for an operand it
    belongs to the innermost level of the operand's chain spanning ``a``. The move matters only when a
    level of the operand's chain lies between the two (below its own fan-out level, at or above the
    listed one): then that level's tile must not contain the loop. With nested spans (every level spans a
    subset of the level above) no chain level can lie there, so nothing moves."""
    out: dict[str, dict[int, int]] = {}
    if acc.spans_nested:
        return out
    for role in ("W", "I", "O"):
        chain = [x for x, kept in enumerate(keep) if role in kept]
        if not chain:
            continue
        moves = {}
        for ai, axis in enumerate(acc.array.axis_names):
            if not any(axis in m.spans for m in acc.memories):
                continue
            listed = acc.fanout_level(axis)
            home = acc.operand_fanout_level(axis, chain)
            if any(home < x <= listed for x in chain):
                moves[ai] = home
        if moves:
            out[role] = moves
    return out


def relocate_spatial(loops: LoopArrays, moves: dict[int, int]) -> LoopArrays:
    """The same loops with the spatial loops of the array axes in ``moves`` (axis index -> level) placed at
    that level, after its temporal loops.

    Spatial loops do not step in time: every transition of the nest, and so every fill and read count, is
    set by the temporal loops and their order alone. Where a spatial loop sits decides only which tiles
    contain it (the tile of a level is the loops at or below it) and how many instances lie below each
    level; moving it up to the operand's own fan-out level is exactly "this operand's copies at the levels
    in between are private along that axis". When a temporal loop between the two levels runs over the
    same dim as the moved loop, the moved nest also deals that dim's indices out in another order (each
    copy a contiguous block rather than every f-th index): the same iterations, relabelled, which
    changes no count except the overlap of sliding windows between consecutive tiles."""
    if loops.axis is None:
        raise ValueError("relocating spatial loops needs their array axes")
    level = loops.level.copy()
    for ai, lv in moves.items():
        level = np.where(loops.spatial & (loops.axis == ai), lv, level)
    key = level * 2 + loops.spatial.astype(np.int64)  # per level: temporal loops first, then spatial
    order = np.argsort(key, axis=1, kind="stable")

    def take(a: np.ndarray) -> np.ndarray:
        return np.take_along_axis(a, order, axis=1)

    return LoopArrays(take(loops.dim), take(loops.factor), take(level), take(loops.spatial), take(loops.axis))


def operand_loop_arrays(
    loops: LoopArrays, acc: Accelerator, keep: tuple[frozenset[str], ...]
) -> dict[str, LoopArrays]:
    """Each operand's own loop nest where its spatial placement differs from the shared one (empty for
    accelerators with nested spans: one shared nest, the same numbers and speed as before)."""
    moves = relocated_axes(acc, keep)
    cache: dict[tuple, LoopArrays] = {}
    out = {}
    for role, m in moves.items():
        key = tuple(sorted(m.items()))
        if key not in cache:
            cache[key] = relocate_spatial(loops, m)
        out[role] = cache[key]
    return out
