"""Exact access counts per memory level and operand, for N mappings at once (docs/model.md).

Conventions (Timeloop's):
- *fills* of a level: elements written into it from its parent, counting only what is new since the
  previous tile (a sliding input window costs its delta; a tile that does not change costs nothing);
- *reads*: elements read out of a level, to its child, to the compute, or (outputs) to send partial sums
  up to its parent;
- *updates*: partial sums written into a level from below; the first update of an output needs no read;
- spatial fan-out of a dim irrelevant to an operand is a multicast (one parent read feeds many
  children); spatial fan-out of a reduction dim is a spatial reduction (one parent update).

The number of new elements is summed over every tile transition of the loop nest in closed form: when
loop q steps (and every loop inside it resets), the tile moves by a per-dim index shift, and overlaps
its predecessor by the product over the operand's axes of ``max(0, extent - |shift|)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from carbonloop.model.conventions import CARBONLOOP, Conventions
from carbonloop.model.nest import CompiledLayer, CompiledOperand, LoopArrays
from carbonloop.workload.footprint import axis_size, comb_axis


def _exclusive_cumprod(a: np.ndarray) -> np.ndarray:
    """Product of the entries before each position along axis 0 ([K, N]; 1 at the first).

    Row by row: numpy's cumulative product along the first axis of a wide [K, N] array runs several times
    slower than K row multiplications (measured in benchmarks/model_throughput.py's batch)."""
    out = np.empty_like(a)
    if a.shape[0]:
        out[0] = 1
    for k in range(1, a.shape[0]):
        np.multiply(out[k - 1], a[k - 1], out=out[k])
    return out


def _suffix_sums(a: np.ndarray) -> np.ndarray:
    """Sum of the entries after each position along axis 0 ([K, N]; 0 at the last), row by row for the
    reason :func:`_exclusive_cumprod` gives."""
    out = np.empty_like(a)
    K = a.shape[0]
    if K:
        out[K - 1] = 0
    for k in range(K - 2, -1, -1):
        np.add(out[k + 1], a[k + 1], out=out[k])
    return out


def _last_index(mask: np.ndarray) -> np.ndarray:
    """Per row, the index of the last True entry along axis 0 [N] (-1 where there is none)."""
    pos = mask * np.arange(1, mask.shape[0] + 1)[:, None]
    last: np.ndarray = pos.max(axis=0, initial=0) - 1
    return last


class NestGeometry:
    """Per-batch quantities shared by every operand and level.

    Loops are in nest order with non-decreasing level, so "the loops at or below level x" is a suffix of
    each row and "the loops above level x" a prefix. Arrays are loop-major ([K, N], per-dim tables
    [D, K, N]) so each step runs over the whole batch. What several levels or operands share (the
    extents below each level, the spatial fan-out above it) is kept in ``memo``, built once.
    """

    def __init__(
        self,
        dim: np.ndarray,
        factor: np.ndarray,
        level: np.ndarray,
        spatial: np.ndarray,
        stride: np.ndarray,
        D: int,
    ) -> None:
        self.dim = dim  # [K, N] dim index of each loop
        self.factor = factor  # [K, N]
        self.level = level  # [K, N]
        self.spatial = spatial  # [K, N] bool
        self.stride = stride  # [K, N] index step of each loop in its dim
        self.D = D
        self.memo: dict = {}
        self._onehot: np.ndarray | None = None

    @property
    def onehot(self) -> np.ndarray:
        """[D, K, N] bool, loop k is on dim d (built on first use: the exact model asks for a few dims)."""
        if self._onehot is None:
            self._onehot = self.dim[None] == np.arange(self.D)[:, None, None]
        return self._onehot

    def extents_below(self, x: int) -> np.ndarray:
        """Per-dim product of the loops at or below level ``x`` (temporal and spatial) [N, D] (int64):
        the tile of one instance of level x; ``x = 0``: everything the nest covers."""
        key = ("extents", x)
        if key not in self.memo:  # a level beyond the deepest with loops: nothing below it
            self.memo[key] = np.ones((self.factor.shape[1], self.D), dtype=np.int64)
        return self.memo[key]

    def spatial_before(self, x: int) -> np.ndarray:
        """Per-dim product of the spatial loops above level ``x`` (at levels < x) [N, D] (int64): the
        fan-out that makes the instances of level x."""
        key = ("spatial_before", x)
        if key not in self.memo:  # beyond the deepest level with loops: every spatial loop is above
            self.memo[key] = self.memo[("spatial_before", self.memo["levels"])]
        return self.memo[key]

    def start(self, x: int) -> np.ndarray:
        """Index of the first loop at level >= x, per row [N]."""
        key = ("start", x)
        if key not in self.memo:
            self.memo[key] = (self.level < x).sum(axis=0)
        return self.memo[key]

    def dim_is(self, d: int) -> np.ndarray:
        return self.dim == d

    def at(self, table: np.ndarray, k: np.ndarray) -> np.ndarray:
        """``table[d, k[n], n]`` as an int64 array [N, D]."""
        return table[:, k, np.arange(table.shape[2])].T.astype(np.int64)

    def spatial_above(self, k: np.ndarray) -> np.ndarray:
        """Per-dim product of the spatial loops before index ``k[n]`` of each row [N, D] (int64). Spatial
        loops are few: only the columns holding one are visited."""
        K, N = self.factor.shape
        out = np.ones((N, self.D), dtype=np.int64)
        rows = np.arange(N)
        for col in np.flatnonzero(self.spatial.any(axis=1)):
            sel = self.spatial[col] & (col < k)
            out[rows[sel], self.dim[col, sel]] *= self.factor[col, sel]
        return out

    @property
    def temporal_iterations(self) -> np.ndarray:
        """Product of the temporal loops' factors [N]."""
        return self.memo["temporal"]


_TABLE_BYTES = 1 << 21
"""Largest per-level product table geometry() builds at once: numpy asks the kernel for huge pages for
arrays of 4 MiB and more, and faulting those in cost ~0.2 s per 11 MiB table (a six-level accelerator,
20 000 rows) on the shared test machine; tables of this size are built a block of rows at a time."""


def geometry(loops: LoopArrays, D: int) -> NestGeometry:
    """The batch's geometry, from two passes over the K loops with per-row running products held in flat
    [D x N] (strides, innermost first) and [2 x levels x D x rows] (each level's temporal and spatial
    products per dim, a block of rows at a time) arrays: one gather, one product and one scatter per loop,
    nothing [D, K, N] wide. The extents below each level, the spatial fan-out above it and the temporal
    iterations are products of the per-level tables."""
    N, K = loops.dim.shape
    dim, factor = np.ascontiguousarray(loops.dim.T), np.ascontiguousarray(loops.factor.T)
    level, spatial = np.ascontiguousarray(loops.level.T), np.ascontiguousarray(loops.spatial.T)
    flat = dim * N + np.arange(N)  # [K, N] position of (dim, row) in a flat [D x N] table
    run = np.ones(D * N, dtype=np.int64)  # product of the loops from k inward, per dim
    stride = np.empty((K, N), dtype=np.int64)
    for k in range(K - 1, -1, -1):
        at = flat[k]
        step = run.take(at, out=stride[k])
        run[at] = step * factor[k]
    n_levels = int(level.max(initial=0)) + 1
    g = NestGeometry(dim, factor, level, spatial, stride, D)
    memo = g.memo
    memo["levels"] = n_levels
    temporal = np.empty(N, dtype=np.int64)
    extents = [np.empty((D, N), dtype=np.int64) for _ in range(n_levels + 1)]
    fanout = [np.empty((D, N), dtype=np.int64) for _ in range(n_levels + 1)]
    rows = max(1, _TABLE_BYTES // (2 * n_levels * D * 8))
    for r0 in range(0, N, rows):
        r1 = min(N, r0 + rows)
        n = r1 - r0
        # (spatial?, level, dim, row) of each loop in the block's flat table
        where = (spatial[:, r0:r1] * n_levels + level[:, r0:r1]) * (D * n) + (
            dim[:, r0:r1] * n + np.arange(n)
        )
        table = np.ones(2 * n_levels * D * n, dtype=np.int64)
        for k in range(K):
            at = where[k]
            table[at] = table[at] * factor[k, r0:r1]
        per_level = table.reshape(2, n_levels, D, n)
        temporal[r0:r1] = per_level[0].reshape(-1, n).prod(axis=0)
        below = np.ones((D, n), dtype=np.int64)
        extents[n_levels][:, r0:r1] = below
        for x in range(n_levels - 1, -1, -1):
            below = below * per_level[0, x] * per_level[1, x]
            extents[x][:, r0:r1] = below
        above = np.ones((D, n), dtype=np.int64)
        fanout[0][:, r0:r1] = above
        for x in range(n_levels):
            above = above * per_level[1, x]
            fanout[x + 1][:, r0:r1] = above
    memo["temporal"] = temporal
    for x in range(n_levels + 1):
        memo[("extents", x)] = extents[x].T
        memo[("spatial_before", x)] = fanout[x].T
    return g


class Transitions:
    """Tile transitions above one level: how often each loop steps and the index shift it causes.

    The transition loops (temporal, above the child level) lie in a prefix of each row, so every table
    here covers only the first ``K`` columns, up to the last transition loop of any row (the spatial loops
    of the level just above the child come after it); a loop of that prefix that is not a transition has
    weight 0 and no step, so it counts nothing. A single-dim axis only
    needs to know whether its dim moves at a step (it moves when the stepping loop is on that dim or when
    a stepping transition loop of that dim inside it resets: it lies before the last such loop); the
    exact shift is computed only for the dims of sliding windows.
    """

    def __init__(self, g: NestGeometry, child_level: int, overlap_after_reset: bool = True) -> None:
        K = int(g.start(child_level).max(initial=0))
        trans = ~g.spatial[:K] & (g.level[:K] < child_level)
        # the spatial loops after the last transition loop step no tile: the tables end there
        K = int(_last_index(trans).max(initial=-1)) + 1
        trans = trans[:K]
        less = (g.factor[:K] - 1) * trans  # factor - 1 of the transition loops, 0 elsewhere
        self.weight = _exclusive_cumprod(less + 1) * less  # [K, N] steps of each transition loop
        self._g = g
        self._dim = g.dim[:K]
        self._stepping = less > 0
        self._back = less * g.stride[:K]  # how far each transition loop's reset moves its dim back
        self.overlap_after_reset = overlap_after_reset
        self._resets: np.ndarray | None = None
        self._steps: np.ndarray | None = None
        self._still_all: dict[tuple, np.ndarray] = {}
        self._moved: dict[tuple, tuple] = {}  # per window axis: its moves (window_moves)

    def _on(self, dims: tuple[int, ...]) -> np.ndarray:
        """[K, N] loop k is on one of ``dims``."""
        if len(dims) == 1:
            return self._dim == dims[0]
        table = np.zeros(self._g.D, dtype=bool)
        table[list(dims)] = True
        on: np.ndarray = table.take(self._dim)
        return on

    def _inside(self, mask: np.ndarray) -> np.ndarray:
        """[K, N]: some loop of ``mask`` lies strictly inside loop k (after it in the row)."""
        return np.arange(mask.shape[0])[:, None] < _last_index(mask)[None, :]

    @property
    def resets(self) -> np.ndarray:
        """[K, N]: a step of k resets an inner transition loop (some stepping loop lies inside it)."""
        if self._resets is None:
            self._resets = self._inside(self._stepping)
        return self._resets

    def still(self, d: int) -> np.ndarray:
        return self.still_all((d,))

    def still_all(self, dims: tuple[int, ...]) -> np.ndarray:
        """None of ``dims`` moves at a step of each loop [K, N] (computed once per set of dims): the loop
        is on none of them and no stepping loop on one of them lies inside it."""
        if dims not in self._still_all:
            on = self._on(dims)
            self._still_all[dims] = ~(on | self._inside(on & self._stepping))
        return self._still_all[dims]

    @property
    def steps(self) -> np.ndarray:
        """Transitions of the whole nest above the child level, per row [N] (the first tile excluded)."""
        if self._steps is None:
            self._steps = self.weight.sum(axis=0)
        return self._steps

    def still_steps(self, dims: tuple[int, ...]) -> np.ndarray:
        """Transitions at which none of ``dims`` moves, per row [N] (0 for no dims: nothing to keep)."""
        key = ("steps", dims)
        if key not in self._still_all:
            self._still_all[key] = (self.weight * self.still_all(dims)).sum(axis=0) if dims else self.steps
        return self._still_all[key]

    def window_moves(self, dims: tuple[int, ...], coefs: tuple[int, ...], g: int) -> tuple:
        """(aligned or None, move / g, |move / g|) of a window axis ``sum c_d x i_d`` at a step of each
        loop [K, N], computed once (the child's tile and the union of the children's tiles move alike).

        A step of loop k moves dim d by its stride if k is on d, less how far the transition loops on d
        inside it move back on reset (``(factor - 1) x stride`` each); weighted by the coefficients this
        is ``c(k) x stride(k)`` less the sum of ``c(j) x back(j)`` over the loops j inside k."""
        key = (dims, coefs, g)
        if key not in self._moved:
            table = np.zeros(self._g.D, dtype=np.int64)
            for d, c in zip(dims, coefs, strict=True):
                table[d] += c
            coef = table.take(self._dim)  # [K, N] coefficient of each loop's dim on the axis
            moved = coef * self._g.stride[: coef.shape[0]]
            moved -= _suffix_sums(coef * self._back)
            comb = comb_axis(dims, coefs)
            if comb is not None and comb[2] > 1:  # a comb may be narrower than its stride: keep the moves
                self._moved[key] = _aligned_moves(moved, g)
            else:  # only |move| is read: computed in place
                aligned = None
                if g > 1:
                    aligned = moved % g == 0
                    np.floor_divide(moved, g, out=moved)
                self._moved[key] = (aligned, None, np.abs(moved, out=moved))
        return self._moved[key]

    def shift(self, d: int) -> np.ndarray:
        """Index change of dim ``d`` at a step of each loop [K, N]: its own stride if the loop is on
        ``d``, less how far the loops on ``d`` inside it (transitions only) move back on reset."""
        on = self._dim == d
        shifted: np.ndarray = on * self._g.stride[: on.shape[0]] - _suffix_sums(on * self._back)
        return shifted


def transitions(g: NestGeometry, child_level: int, overlap_after_reset: bool = True) -> Transitions:
    return Transitions(g, child_level, overlap_after_reset)


def axis_overlap(
    dims: tuple[int, ...], coefs: tuple[int, ...], ext: np.ndarray, tr: Transitions
) -> np.ndarray:
    """Positions shared by an axis tile and the same tile moved by a transition [K, N].

    Without ``overlap_after_reset`` (Timeloop's rule) a sliding window keeps its overlap only at the steps
    of the innermost stepping loop: a transition that resets an inner loop shares nothing."""
    if len(dims) == 1:
        d = dims[0]
        return tr.still(d) * ext[:, d][None, :]
    if not getattr(tr, "overlap_after_reset", True):  # the mapper's order-free bound credits every overlap
        return _window_overlap(dims, coefs, ext, tr) * ~tr.resets
    return _window_overlap(dims, coefs, ext, tr)


def _window_overlap(
    dims: tuple[int, ...], coefs: tuple[int, ...], ext: np.ndarray, tr: Transitions
) -> np.ndarray:
    """Overlap of a sliding-window axis (several dims) between a tile and its moved copy [K, N].

    What depends only on the transitions (the moves, their alignment, quotient and remainder by the
    stride) is kept on ``tr`` and shared by every tile moved by it; arrays only a few rows need (the
    comb of a window narrower than its stride) are computed only when some row needs them."""
    g = math.gcd(*(abs(c) for c in coefs)) if len(coefs) == 2 else 1
    moves = (
        tr.window_moves(dims, coefs, g) if isinstance(tr, Transitions) else _window_moves(dims, coefs, g, tr)
    )
    aligned, moved, abs_moved = moves
    span = axis_size(dims, coefs, ext)[None, :]
    comb = comb_axis(dims, coefs)
    if comb is None:
        out = np.subtract(span, abs_moved)
        np.maximum(out, 0, out=out)
    else:
        i, j, s = comb
        n, m = ext[:, i][None, :], ext[:, j][None, :]
        wide = m >= s  # [1, N]: the window covers its stride (a dense interval)
        if wide.all():
            out = np.subtract(span, abs_moved)
            np.maximum(out, 0, out=out)
        else:
            assert moved is not None  # kept by window_moves for every comb whose stride exceeds 1
            q, r = np.divmod(moved, s)
            teeth = np.clip(m - r, 0, None) * np.clip(n - np.abs(q), 0, None) + np.clip(
                m - s + r, 0, None
            ) * np.clip(n - np.abs(q + 1), 0, None)
            out = np.where(wide, np.clip(span - abs_moved, 0, None), teeth) if wide.any() else teeth
    return out if aligned is None else out * aligned


def _aligned_moves(moved: np.ndarray, g: int) -> tuple:
    """(aligned or None, move / g, |move / g|) of a window axis whose positions are multiples of g: a move
    that is not one shares nothing (None: every move is aligned)."""
    if g > 1:
        aligned = moved % g == 0
        moved = moved // g
        return aligned, moved, np.abs(moved)
    return None, moved, np.abs(moved)


def _window_moves(dims: tuple[int, ...], coefs: tuple[int, ...], g: int, tr) -> tuple:
    """:func:`_aligned_moves` of a window axis at a step of each loop [K, N], for any transitions object
    with ``weight`` and ``shift`` (the mapper's own-move transitions)."""
    moved = np.zeros(tr.weight.shape, dtype=np.int64)
    for d, c in zip(dims, coefs, strict=True):
        moved = moved + c * tr.shift(d)
    return _aligned_moves(moved, g)


def footprint(op: CompiledOperand, ext: np.ndarray) -> np.ndarray:
    """Elements of ``op`` in a tile with per-dim extents ``ext`` [N, D] (a new array)."""
    axes = op.axes
    if len(axes) < 2 or ext.dtype != np.int64:
        total = np.ones(ext.shape[0], dtype=np.int64)
        for dims, coefs in axes:
            total = total * axis_size(dims, coefs, ext)
        return total
    product: np.ndarray = axis_size(*axes[0], ext) * axis_size(*axes[1], ext)  # int64, a new array
    for dims, coefs in axes[2:]:
        product *= axis_size(dims, coefs, ext)
    return product


def fills(
    op: CompiledOperand, ext: np.ndarray, tr: Transitions, size: np.ndarray | None = None
) -> np.ndarray:
    """Elements brought into a tile of extents ``ext`` over all transitions ``tr`` (first tile included;
    ``size``: the tile's footprint, when the caller has it).

    The single-dim axes overlap all together or not at all (their extent when none of their dims moves,
    else nothing), so they are one mask and one product; each window axis has its own overlap. Every
    step brings the tile less its overlap: ``steps x size - sum(weight x overlap)``."""
    if size is None:
        size = footprint(op, ext)
    single = tuple(dims[0] for dims, _ in op.axes if len(dims) == 1)
    windows = [(dims, coefs) for dims, coefs in op.axes if len(dims) > 1]
    if not windows:  # sum of weight x (size - [still] x size): two per-row sums kept on tr
        return size + size * (tr.steps - tr.still_steps(single))
    overlap = None
    if single:
        plain = ext[:, single[0]]
        for d in single[1:]:
            plain = plain * ext[:, d]
        overlap = tr.still_all(single) * plain[None, :]
    for dims, coefs in windows:
        part = axis_overlap(dims, coefs, ext, tr)
        overlap = part if overlap is None else overlap * part
    assert overlap is not None
    return size + tr.steps * size - (tr.weight * overlap).sum(axis=0)


def distinct_offsets(f1: np.ndarray, f2: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many distinct values ``i*a + j*b`` takes for ``i < f1``, ``j < f2`` (a, b >= 1): with g = gcd(a, b),
    ``(i, j)`` and ``(i - b/g, j + a/g)`` give the same value, so every value is a chain of such pairs and
    the count is the pairs less those with a predecessor in range."""
    common = np.gcd(a, b)
    a, b = a // common, b // common
    return f1 * f2 - np.clip(f1 - b, 0, None) * np.clip(f2 - a, 0, None)


def distinct_child_tiles(
    op: CompiledOperand, g: NestGeometry, axis: np.ndarray, lo: int, hi: int
) -> np.ndarray:
    """Distinct tiles of ``op`` among the children of the spatial loops at levels ``lo`` to ``hi - 1`` [N],
    counted one stage at a time (a stage: the spatial loops of one level on one array axis; ``axis`` [K, N],
    -1 for temporal loops) and multiplied over stages, as Timeloop does (``merge_overlapping_multicast``
    off): children whose tiles are the same (they differ only in dims irrelevant to ``op``) are one, but
    overlapping windows are distinct. Within a stage, an axis over two dims (``i*a + j*b``) has
    ``F1*F2 - max(0, F1 - b/g) * max(0, F2 - a/g)`` distinct offsets (g = gcd(a, b): a pair has the same
    offset as its neighbour ``(i - b/g, j + a/g)``), exact when each dim has one loop in the stage; more
    dims on one axis are counted as all distinct."""
    N = g.factor.shape[1]
    out = np.ones(N, dtype=np.int64)
    sel = g.spatial & (g.level >= lo) & (g.level < hi) & (g.factor > 1)
    if not sel.any():
        return out
    levels, axes = g.level[sel].astype(np.int64), axis[sel].astype(np.int64)
    low = int(axes.min())
    span = int(axes.max()) - low + 1
    for key in np.unique(levels * span + (axes - low)).tolist():  # the (level, axis) stages in order
        lv, ax = divmod(key, span)
        stage = sel & (g.level == lv) & (axis == ax + low)
        for dims, coefs in op.axes:
            spans, steps = [], []
            for d, c in zip(dims, coefs, strict=True):
                on = stage & g.dim_is(d)
                spans.append((g.factor * on + ~on).prod(axis=0))
                inner = np.where(on, g.stride, np.iinfo(np.int64).max).min(axis=0)
                steps.append(np.where(spans[-1] > 1, abs(c) * inner, 1))
            if len(dims) == 2:
                out = out * distinct_offsets(spans[0], spans[1], steps[0], steps[1])
            else:
                out = out * np.prod(spans, axis=0)
    return out


def decoupled_window_units(op: CompiledOperand, g: NestGeometry, lo: int) -> np.ndarray:
    """Children holding distinct data of ``op`` under the spatial loops at level ``lo`` and below [N]
    (float), counted as ZigZag does (``decouple_pr_loop`` in ``zigzag/mapping/mapping_assist_funcs.py``,
    the same in the ZigZag v2 of KULeuven-MICAS/carbonspot @ f514704): the spatial loops of a window's two
    dims merge into the window's distinct offsets wherever they are unrolled (any level, any array axis),
    every other relevant dim multiplies; temporal loops and each loop's place in its dim are ignored."""
    N = g.factor.shape[1]
    out = np.ones(N)
    sel = g.spatial & (g.level >= lo) & (g.factor > 1)
    if not sel.any():
        return out
    for dims, coefs in op.axes:
        spans = [np.where(sel & g.dim_is(d), g.factor, 1).prod(axis=0) for d in dims]
        if len(dims) == 2:
            steps = [np.array(max(abs(c), 1)) for c in coefs]
            out = out * distinct_offsets(spans[0], spans[1], steps[0], steps[1])
        else:
            out = out * np.prod(spans, axis=0)
    return out


def decoupled_window_fanout(op: CompiledOperand, g: NestGeometry, parent: int, child: int) -> np.ndarray:
    """Distinct children tiles of ``op`` from ``parent`` down to ``child`` (``child`` = the compute level:
    the MACs) under ZigZag's rule [N] (int64): the distinct units below the parent over those below the
    child, rounded to an integer as ZigZag's ``mem_bw_boost`` is (``round(unit_unique[lv] /
    unit_unique[lv + 1])``, ``zigzag/mapping/spatial_mapping_internal.py``). A window split between the two
    sides is merged only in proportion (OX 32 below the child, FX 3 above: 34/32, rounded to 1)."""
    ratio = decoupled_window_units(op, g, parent) / decoupled_window_units(op, g, child)
    return np.rint(ratio).astype(np.int64)


@dataclass(frozen=True)
class Counts:
    """Counts [N, L, O] (operands in the layer's order) and what the model needs around them."""

    reads: np.ndarray
    fills: np.ndarray
    updates: np.ndarray
    word_bits: np.ndarray  # [N, L, O] precision of the operand's elements at that level
    tile_bits: np.ndarray  # [N, L] bits each instance of a level must hold
    operand_tile_bits: np.ndarray  # [N, L, O] the same, per operand
    temporal_iterations: np.ndarray  # [N]
    spatial_used: np.ndarray  # [N]
    instances: np.ndarray  # [N, L] instances of each level in use
    first_tile_bits: np.ndarray  # [N, L] bits of W/I a level must receive before compute starts
    last_tile_bits: np.ndarray  # [N, L] bits of O a level must send up after compute ends
    drain_reads: np.ndarray | None = None
    """[N, L, O] the part of ``reads`` that sends sums up to the parent (0 for inputs and without
    ``drain_reads``); the rest goes down to the child or the compute. Kept only under conventions that
    price it apart (``drain_reads_at_level_bits`` or ``fractional_word_totals`` off), else None."""
    first_outputs: np.ndarray | None = None
    """[N, L] output elements the instances of each level receive for the first time (the updates that
    need no read: ``reads`` of outputs leave them out). Kept only with ``first_update_needs_no_read``
    off, else None."""
    bursts: Bursts | None = None
    """Elements per transfer of each direction, kept only for memories with a minimum access."""


@dataclass(frozen=True)
class Bursts:
    """Elements one instance of a level moves in one transfer [N, L, O], per direction: what a minimum
    access (``MemoryLevel.min_read_bits``) rounds up. A transfer is ZigZag's period (KULeuven-MICAS/zigzag
    3.9.1 ``zigzag/cost_model/cost_model.py`` ``_calc_memory_access``: the ceiling is taken per period and
    memory unit): a child's tile into the child (``fills``) or up from it (``drain``), the union of the
    children's tiles out of the parent (``reads`` down, ``updates`` from below), and one cycle's operands
    for the PEs below the innermost level. A sliding window moves its delta, a smaller transfer than its
    tile; it is rounded as the same fraction of the tile's rounding (docs/model.md)."""

    reads: np.ndarray
    drain: np.ndarray
    fills: np.ndarray
    updates: np.ndarray
    roles: tuple[str, ...]
    """The role of each operand (the counts' last axis), to look up its minimum access."""


FillCounter = Callable[[CompiledOperand, np.ndarray, NestGeometry, int], np.ndarray]
"""``(operand, tile extents [N, D], geometry, child level) -> elements filled [N]``: replaces the exact
transition sum, e.g. by the mapper's minimum over loop orders (a lower bound for a whole tiling)."""


class _NestView:
    """What every operand counted on one loop nest shares: geometry, tiles and instances per level, and
    the operands' footprints of those tiles (each asked for several times: fills, tile bits, first and
    last tiles)."""

    def __init__(self, cl: CompiledLayer, loops: LoopArrays, L: int, conventions: Conventions) -> None:
        g = geometry(loops, cl.D)
        self.g = g
        self.axis = (loops.axis if loops.axis is not None else np.where(loops.spatial, 0, -1)).T
        full = g.extents_below(0)
        self.sp_before = [g.spatial_before(x) for x in range(L + 1)]  # spatial loops above level x
        self.tile_ext = [g.extents_below(x) for x in range(L)]  # loops at or below level x
        self.seen_ext = [full // self.sp_before[x] for x in range(L)]  # all a level-x instance ever sees
        self.inst = np.stack([self.sp_before[x].prod(axis=1) for x in range(L)], axis=1)  # [N, L]
        self._conventions = conventions
        self._trans: dict[int, Transitions] = {}
        self._footprints: dict[tuple[str, str, int], np.ndarray] = {}

    def tr(self, x: int) -> Transitions:
        if x not in self._trans:
            self._trans[x] = transitions(self.g, x, self._conventions.overlap_after_reset)
        return self._trans[x]

    def release(self, x: int) -> None:
        """Drop the transitions above level ``x`` (every operand counted on this nest is done with them)."""
        self._trans.pop(x, None)

    def footprint(self, op: CompiledOperand, which: str, x: int) -> np.ndarray:
        """:func:`footprint` of ``op`` in the ``tile`` or ``seen`` extents of level ``x``, computed once."""
        key = (op.name, which, x)
        if key not in self._footprints:
            ext = self.tile_ext[x] if which == "tile" else self.seen_ext[x]
            self._footprints[key] = footprint(op, ext)
        return self._footprints[key]


def count_accesses(
    cl: CompiledLayer,
    loops: LoopArrays,
    keep: tuple[frozenset[str], ...],
    fill_counter: FillCounter | None = None,
    conventions: Conventions = CARBONLOOP,
    operand_loops: dict[str, LoopArrays] | None = None,
    physical_groups: tuple[tuple[int, ...], ...] | None = None,
    want_bursts: bool = False,
) -> Counts:
    """Counts of every operand at every level under ``conventions`` (``drain_reads``: the child's reads
    of the sums it sends up are counted; Timeloop leaves them out).

    ``operand_loops`` (role -> loop nest) gives an operand its own placement of the spatial loops
    (:func:`carbonloop.model.nest.relocate_spatial`, per-operand memories); the others use ``loops``.
    ``physical_groups``: level indices per physical memory (virtual levels), for the outputs' precision.
    ``want_bursts``: also the elements per transfer (:class:`Bursts`), for memories with a minimum access."""
    N, L, O = loops.N, len(keep), len(cl.operands)
    views: dict[int, _NestView] = {}

    def view_of(nest: LoopArrays) -> _NestView:
        if id(nest) not in views:
            views[id(nest)] = _NestView(cl, nest, L, conventions)
        return views[id(nest)]

    base = view_of(loops)
    own = operand_loops or {}
    reads = np.zeros((N, L, O), dtype=np.int64)
    fill = np.zeros((N, L, O), dtype=np.int64)
    upd = np.zeros((N, L, O), dtype=np.int64)
    bits = np.zeros((N, L, O), dtype=np.int64)
    op_tile_bits = np.zeros((N, L, O), dtype=np.int64)
    first_bits = np.zeros((N, L), dtype=np.int64)
    last_bits = np.zeros((N, L), dtype=np.int64)
    # kept apart only for the ZigZag rules that price or add to them (model/zigzag_counts.py)
    want_drain = want_bursts or not (
        conventions.drain_reads_at_level_bits and conventions.fractional_word_totals
    )
    want_first = not conventions.first_update_needs_no_read
    drain = np.zeros((N, L, O), dtype=np.int64) if want_drain else None
    first_out = np.zeros((N, L), dtype=np.int64) if want_first else None
    burst = [np.zeros((N, L, O), dtype=np.int64) for _ in range(4)] if want_bursts else None  # r, d, f, u
    inst = base.inst.copy()  # a level kept by a relocated operand takes its instances from that view

    T = base.g.temporal_iterations
    spatial_used = base.sp_before[L].prod(axis=1)

    red = list(cl.reduction)
    group_end = {x: grp[-1] + 1 for grp in (physical_groups or tuple((x,) for x in range(L))) for x in grp}

    def child_fanout(op: CompiledOperand, g: NestGeometry, axis: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """Children holding distinct data of ``op`` below ``lo`` down to ``hi`` (overlap merging off)."""
        if conventions.merge_spatial_windows:
            return decoupled_window_fanout(op, g, lo, hi)
        return distinct_child_tiles(op, g, axis, lo, hi)

    def count_pair(v: _NestView, oi: int, p: int, c: int) -> None:
        """The traffic of operand ``oi`` between level ``p`` and the next level of its chain, ``c``."""
        op = cl.operands[oi]
        g, axis, sp_before, tile_ext, o_inst = v.g, v.axis, v.sp_before, v.tile_ext, v.inst
        is_out = op.role == "O"

        def count(ext: np.ndarray, size: np.ndarray | None = None) -> np.ndarray:
            if fill_counter is not None:
                return fill_counter(op, ext, g, c)
            return fills(op, ext, v.tr(c), size)

        f_child = count(tile_ext[c], v.footprint(op, "tile", c))
        between = sp_before[c] // sp_before[p]  # spatial fan-out from p down to c
        if not (between > 1).any():
            f_union = f_child
        elif conventions.merge_overlapping_multicast:
            f_union = count(tile_ext[c] * between)
        else:  # ZigZag: the unrolled windows merge; Timeloop: only identical child tiles share a read
            f_union = child_fanout(op, g, axis, p, c) * f_child
        if burst is not None:
            child_tile = v.footprint(op, "tile", c)
            if not (between > 1).any():
                union_tile = child_tile
            elif conventions.merge_overlapping_multicast:
                union_tile = footprint(op, tile_ext[c] * between)
            else:
                union_tile = child_fanout(op, g, axis, p, c) * child_tile
            burst[0][:, p, oi] = union_tile
            burst[2][:, c, oi] = child_tile
            if is_out:
                burst[1][:, c, oi] = child_tile
                burst[3][:, p, oi] = union_tile
        if is_out:
            first_c = o_inst[:, c] * v.footprint(op, "seen", c)
            first_p = o_inst[:, p] * v.footprint(op, "seen", p)
            fill[:, c, oi] += o_inst[:, c] * f_child - first_c
            if conventions.drain_reads:
                reads[:, c, oi] += o_inst[:, c] * f_child
                if drain is not None:
                    drain[:, c, oi] += o_inst[:, c] * f_child
            upd[:, p, oi] += o_inst[:, p] * f_union
            reads[:, p, oi] += o_inst[:, p] * f_union - first_p
            last_bits[:, c] += v.footprint(op, "tile", c) * bits[:, c, oi]
        else:
            fill[:, c, oi] += o_inst[:, c] * f_child
            reads[:, p, oi] += o_inst[:, p] * f_union
            first_bits[:, c] += v.footprint(op, "tile", c) * bits[:, c, oi]

    pairs: dict[int, tuple[_NestView, list[tuple[int, int, int]]]] = {}  # per view: (child, operand, parent)
    for oi, op in enumerate(cl.operands):
        v = view_of(own[op.role]) if op.role in own else base
        g, axis, sp_before = v.g, v.axis, v.sp_before
        o_inst = v.inst
        chain = [x for x in range(L) if op.role in keep[x]]
        if v is not base:
            inst[:, chain] = o_inst[:, chain]
        is_out = op.role == "O"
        for x in chain:
            if is_out:
                # what arrives from below: the loops below the level's physical memory (a virtual level's
                # siblings below it are the same memory: their loops are its own) and its spatial fan-out
                c = group_end[x]
                below = g.extents_below(c) * (sp_before[c] // sp_before[x])
                final = np.ones(N, dtype=bool)
                for d in red:
                    final &= below[:, d] >= cl.sizes[d]
                bits[:, x, oi] = np.where(final, op.bits, op.partial_bits)
            else:
                bits[:, x, oi] = op.bits
            op_tile_bits[:, x, oi] = v.footprint(op, "tile", x) * bits[:, x, oi]
        pairs.setdefault(id(v), (v, []))[1].extend((c, oi, p) for p, c in zip(chain, chain[1:], strict=False))
        last = chain[-1]
        compute_union = sp_before[L] // sp_before[last]
        if conventions.merge_overlapping_multicast:
            per_cycle = footprint(op, compute_union)
        else:
            per_cycle = child_fanout(op, g, axis, last, L)
        n = o_inst[:, last] * T * per_cycle
        if burst is not None:
            burst[0][:, last, oi] = per_cycle
            if is_out:
                burst[3][:, last, oi] = per_cycle
        if is_out:
            upd[:, last, oi] += n
            reads[:, last, oi] += n - o_inst[:, last] * v.footprint(op, "seen", last)
            if first_out is not None:
                for x in chain:
                    first_out[:, x] = o_inst[:, x] * v.footprint(op, "seen", x)
        else:
            reads[:, last, oi] += n
    # Level by level on each nest: the transitions above a level serve every operand counted there and are
    # dropped once that level is done (the counts are sums of integers: their order changes nothing).
    for v, tasks in pairs.values():
        ordered = sorted(tasks)
        for i, (c, oi, p) in enumerate(ordered):
            count_pair(v, oi, p, c)
            if i + 1 == len(ordered) or ordered[i + 1][0] != c:
                v.release(c)
    return Counts(
        reads,
        fill,
        upd,
        bits,
        op_tile_bits.sum(axis=2),
        op_tile_bits,
        T,
        spatial_used,
        inst,
        first_bits,
        last_bits,
        drain,
        first_out,
        None
        if burst is None
        else Bursts(burst[0], burst[1], burst[2], burst[3], tuple(o.role for o in cl.operands)),
    )
