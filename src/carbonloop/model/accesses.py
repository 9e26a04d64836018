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
from dataclasses import dataclass, field

import numpy as np

from carbonloop.model.conventions import CARBONLOOP, Conventions
from carbonloop.model.nest import CompiledLayer, CompiledOperand, LoopArrays
from carbonloop.workload.footprint import axis_size, comb_axis


def _excl_cumprod(a: np.ndarray) -> np.ndarray:
    """Product of the entries before each position along axis 0."""
    out = np.ones_like(a)
    if a.shape[0] > 1:
        out[1:] = np.cumprod(a[:-1], axis=0)
    return out


@dataclass(frozen=True)
class NestGeometry:
    """Per-batch quantities shared by every operand and level.

    Loops are in nest order with non-decreasing level, so "the loops at or below level x" is a suffix of
    each row and "the loops above level x" a prefix: per-dim products and counts over such sets are read
    from running products and sums. Arrays are loop-major ([K, N], per-dim tables [D, K, N]) so each
    step runs over the whole batch. What several levels or operands share (the extents below each level,
    per-dim running counts of stepping loops and of reset shifts) is kept in ``memo``, built once.
    """

    onehot: np.ndarray  # [D, K, N] bool
    stride: np.ndarray  # [K, N] index step of each loop in its dim
    factor: np.ndarray  # [K, N]
    level: np.ndarray  # [K, N]
    spatial: np.ndarray  # [K, N]
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def extents_below(self, x: int) -> np.ndarray:
        """Per-dim product of the loops at or below level ``x`` (temporal and spatial) [N, D] (int64):
        the tile of one instance of level x; ``x = 0``: everything the nest covers."""
        key = ("extents", x)
        if key not in self.memo:  # a level beyond the deepest with loops: nothing below it
            self.memo[key] = np.ones((self.factor.shape[1], self.onehot.shape[0]), dtype=np.int64)
        return self.memo[key]

    def start(self, x: int) -> np.ndarray:
        """Index of the first loop at level >= x, per row [N]."""
        key = ("start", x)
        if key not in self.memo:
            self.memo[key] = (self.level < x).sum(axis=0)
        return self.memo[key]

    def dim_is(self, d: int) -> np.ndarray:
        return self.onehot[d]

    def at(self, table: np.ndarray, k: np.ndarray) -> np.ndarray:
        """``table[d, k[n], n]`` as an int64 array [N, D]."""
        return table[:, k, np.arange(table.shape[2])].T.astype(np.int64)

    def spatial_above(self, k: np.ndarray) -> np.ndarray:
        """Per-dim product of the spatial loops before index ``k[n]`` of each row [N, D] (int64). Spatial
        loops are few: only the columns holding one are visited."""
        K, N = self.factor.shape
        D = self.onehot.shape[0]
        out = np.ones((N, D), dtype=np.int64)
        rows = np.arange(N)
        for col in np.flatnonzero(self.spatial.any(axis=1)):
            sel = self.spatial[col] & (col < k)
            out[rows[sel], self.onehot[:, col, sel].argmax(axis=0)] *= self.factor[col, sel]
        return out

    def _cumulative(self, name: str, d: int, values) -> np.ndarray:
        """``[K+1, N]`` running sums (a leading zero row) of ``values()`` [K, N] for dim ``d``, kept."""
        key = (name, d)
        if key not in self.memo:
            v = values()
            cs = np.zeros((v.shape[0] + 1, v.shape[1]), dtype=v.dtype)
            np.cumsum(v, axis=0, out=cs[1:])
            self.memo[key] = cs
        return self.memo[key]

    def stepping_count(self, d: int) -> np.ndarray:
        """Running count of the temporal loops on ``d`` with factor > 1 [K+1, N]."""
        return self._cumulative(
            "steps", d, lambda: ((~self.spatial) & (self.factor > 1) & self.onehot[d]).astype(np.int32)
        )

    def reset_sum(self, d: int) -> np.ndarray:
        """Running sum of ``(factor - 1) x stride`` of the temporal loops on ``d`` [K+1, N]: how far a
        loop's reset moves the index back."""
        if "reset_shift" not in self.memo:  # how far each temporal loop's reset moves its dim back
            self.memo["reset_shift"] = np.where(self.spatial, 0, (self.factor - 1) * self.stride)
        back = self.memo["reset_shift"]
        return self._cumulative("resets", d, lambda: np.where(self.onehot[d], back, 0))


def geometry(loops: LoopArrays, D: int) -> NestGeometry:
    """The batch's geometry. Strides and the per-dim extents below each level come from one pass over
    the K loops, innermost first, with a running per-dim product [D, N] (K small steps over the batch
    rather than cumulative products over a [D, K, N] table)."""
    N, K = loops.dim.shape
    dim, factor = loops.dim.T.copy(), loops.factor.T.copy()
    level, spatial = loops.level.T.copy(), loops.spatial.T.copy()
    onehot = dim[None] == np.arange(D)[:, None, None]  # [D, K, N]
    rows = np.arange(N)
    run = np.ones((D, N), dtype=np.int64)  # product of the loops from k inward, per dim
    stride = np.ones((K, N), dtype=np.int64)
    n_levels = int(level.max(initial=0)) + 1
    starts = [(level < x).sum(axis=0) for x in range(n_levels + 1)]
    extents = [np.ones((N, D), dtype=np.int64) for _ in range(n_levels + 1)]
    for x in range(n_levels + 1):
        at = starts[x] == K
        extents[x][at] = run.T[at]
    for k in range(K - 1, -1, -1):
        d = dim[k]
        stride[k] = run[d, rows]
        run[d, rows] *= factor[k]
        for x in range(n_levels + 1):
            at = starts[x] == k
            if at.any():
                extents[x][at] = run.T[at]
    g = NestGeometry(onehot, stride, factor, level, spatial)
    for x in range(n_levels + 1):
        g.memo[("start", x)] = starts[x]
        g.memo[("extents", x)] = extents[x]
    return g


class Transitions:
    """Tile transitions above one level: how often each loop steps and the index shift it causes.

    A single-dim axis only needs to know whether its dim moves at a step (it moves when the stepping
    loop is on that dim or when a transition loop of that dim inside it resets); the exact shift is
    computed only for the dims of sliding windows. The transition loops are the prefix of each row
    before the child level's first loop, so both come from the geometry's running sums over the whole
    row, read at that index (``end``): what lies between a loop and the end of the prefix.
    """

    def __init__(self, g: NestGeometry, child_level: int, overlap_after_reset: bool = True) -> None:
        trans = (~g.spatial) & (g.level < child_level)
        f = np.where(trans, g.factor, 1)
        self.weight = _excl_cumprod(f) * (f - 1)  # [K, N] steps of each transition loop
        self._g = g
        self._trans = trans
        self._end = g.start(child_level)[None, :]  # [1, N] index of the first loop below the transitions
        self.overlap_after_reset = overlap_after_reset
        self._moves_d: dict[int, np.ndarray] = {}
        self._resets: np.ndarray | None = None
        self._shift: dict[int, np.ndarray] = {}
        self._moved: dict[tuple, tuple] = {}  # per window axis: its moves (window_moves)
        self._still_all: dict[tuple, np.ndarray] = {}
        self._steps: np.ndarray | None = None

    def _after(self, table: np.ndarray) -> np.ndarray:
        """From running sums [K+1, N]: the sum over the transition loops strictly inside each loop
        [K, N] (0 or less at loops that are not transitions, whose steps count nothing)."""
        return np.take_along_axis(table, self._end, axis=0) - table[1:]

    @property
    def resets(self) -> np.ndarray:
        """[K, N]: a step of k resets an inner transition loop (some stepping loop lies inside it)."""
        if self._resets is None:
            g = self._g
            stepping = (self._trans & (g.factor > 1)).astype(np.int32)
            cs = np.zeros((stepping.shape[0] + 1, stepping.shape[1]), dtype=np.int32)
            np.cumsum(stepping, axis=0, out=cs[1:])
            self._resets = self._after(cs) > 0
        return self._resets

    def _moves(self, d: int) -> np.ndarray:
        """[K, N]: dim d moves at a step of k (k is on d, or a stepping loop on d inside it resets)."""
        if d not in self._moves_d:
            self._moves_d[d] = self._g.onehot[d] | (self._after(self._g.stepping_count(d)) > 0)
        return self._moves_d[d]

    def still(self, d: int) -> np.ndarray:
        return ~self._moves(d)

    def still_all(self, dims: tuple[int, ...]) -> np.ndarray:
        """None of ``dims`` moves at a step of each loop [K, N] (computed once per set of dims)."""
        if dims not in self._still_all:
            moves = self._moves(dims[0])
            for d in dims[1:]:
                moves = moves | self._moves(d)
            self._still_all[dims] = ~moves
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
        """:func:`_window_moves` of a window axis, computed once (the child's tile and the union of the
        children's tiles move alike)."""
        key = (dims, coefs, g)
        if key not in self._moved:
            self._moved[key] = _window_moves(dims, coefs, g, self)
        return self._moved[key]

    def shift(self, d: int) -> np.ndarray:
        """Index change of dim ``d`` at a step of each loop [K, N]: its own stride if the loop is on
        ``d``, less how far the loops on ``d`` inside it (transitions only) move back on reset."""
        if d not in self._shift:
            g = self._g
            back = np.maximum(self._after(g.reset_sum(d)), 0)
            self._shift[d] = np.where(g.onehot[d], g.stride, 0) - back
        return self._shift[d]


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
        return np.where(tr.still(d), ext[:, d][None, :], 0)
    if not getattr(tr, "overlap_after_reset", True):  # the mapper's order-free bound credits every overlap
        return np.where(tr.resets, 0, _window_overlap(dims, coefs, ext, tr))
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
        return np.clip(span - abs_moved, 0, None)
    i, j, s = comb
    n, m = ext[:, i][None, :], ext[:, j][None, :]
    wide = m >= s  # [1, N]: the window covers its stride (a dense interval)
    if wide.all():
        out = np.clip(span - abs_moved, 0, None)
    else:
        q, r = np.divmod(moved, s)
        teeth = np.clip(m - r, 0, None) * np.clip(n - np.abs(q), 0, None) + np.clip(
            m - s + r, 0, None
        ) * np.clip(n - np.abs(q + 1), 0, None)
        out = np.where(wide, np.clip(span - abs_moved, 0, None), teeth) if wide.any() else teeth
    return out if aligned is None else np.where(aligned, out, 0)


def _window_moves(dims: tuple[int, ...], coefs: tuple[int, ...], g: int, tr) -> tuple:
    """(aligned or None, move / g, |move / g|) of a window axis at a step of each loop [K, N]: positions
    are multiples of g, so a move that is not one shares nothing (None: every move is aligned)."""
    moved = np.zeros(tr.weight.shape, dtype=np.int64)
    for d, c in zip(dims, coefs, strict=True):
        moved = moved + c * tr.shift(d)
    if g > 1:
        aligned = moved % g == 0
        moved = moved // g
        return aligned, moved, np.abs(moved)
    return None, moved, np.abs(moved)


def footprint(op: CompiledOperand, ext: np.ndarray) -> np.ndarray:
    """Elements of ``op`` in a tile with per-dim extents ``ext`` [N, D]."""
    total = np.ones(ext.shape[0], dtype=np.int64)
    for dims, coefs in op.axes:
        total = total * axis_size(dims, coefs, ext)
    return total


def fills(op: CompiledOperand, ext: np.ndarray, tr: Transitions) -> np.ndarray:
    """Elements brought into a tile of extents ``ext`` over all transitions ``tr`` (first tile included).

    The single-dim axes overlap all together or not at all (their extent when none of their dims moves,
    else nothing), so they are one mask and one product; each window axis has its own overlap."""
    size = footprint(op, ext)
    single = tuple(dims[0] for dims, _ in op.axes if len(dims) == 1)
    windows = [(dims, coefs) for dims, coefs in op.axes if len(dims) > 1]
    if not windows:  # sum of weight x (size - [still] x size): two per-row sums kept on tr
        return size + size * (tr.steps - tr.still_steps(single))
    if single:
        plain = np.ones(ext.shape[0], dtype=np.int64)
        for d in single:
            plain = plain * ext[:, d]
        overlap = np.where(tr.still_all(single), plain[None, :], 0)
    else:
        overlap = np.ones(tr.weight.shape, dtype=np.int64)
    for dims, coefs in windows:
        overlap = overlap * axis_overlap(dims, coefs, ext, tr)
    new = size[None, :] - overlap
    return size + (tr.weight * new).sum(axis=0)


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
    for lv, ax in sorted({(int(lv), int(a)) for lv, a in zip(g.level[sel], axis[sel], strict=True)}):
        stage = sel & (g.level == lv) & (axis == ax)
        for dims, coefs in op.axes:
            spans, steps = [], []
            for d, c in zip(dims, coefs, strict=True):
                on = stage & g.dim_is(d)
                spans.append(np.where(on, g.factor, 1).prod(axis=0))
                inner = np.where(on, g.stride, np.iinfo(np.int64).max).min(axis=0)
                steps.append(np.where(spans[-1] > 1, abs(c) * inner, 1))
            if len(dims) == 2:
                out = out * distinct_offsets(spans[0], spans[1], steps[0], steps[1])
            else:
                out = out * np.prod(spans, axis=0)
    return out


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
    """What every operand counted on one loop nest shares: geometry, tiles and instances per level."""

    def __init__(self, cl: CompiledLayer, loops: LoopArrays, L: int, conventions: Conventions) -> None:
        g = geometry(loops, cl.D)
        self.g = g
        self.axis = (loops.axis if loops.axis is not None else np.where(loops.spatial, 0, -1)).T
        starts = [g.start(x) for x in range(L + 1)]
        full = g.extents_below(0)
        self.sp_before = [g.spatial_above(starts[x]) for x in range(L + 1)]  # spatial loops above level x
        self.tile_ext = [g.extents_below(x) for x in range(L)]  # loops at or below level x
        self.seen_ext = [full // self.sp_before[x] for x in range(L)]  # all a level-x instance ever sees
        self.inst = np.stack([self.sp_before[x].prod(axis=1) for x in range(L)], axis=1)  # [N, L]
        self._conventions = conventions
        self._trans: dict[int, Transitions] = {}

    def tr(self, x: int) -> Transitions:
        if x not in self._trans:
            self._trans[x] = transitions(self.g, x, self._conventions.overlap_after_reset)
        return self._trans[x]


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

    sp = base.g.spatial
    T = np.where(sp, 1, base.g.factor).prod(axis=0)
    spatial_used = base.sp_before[L].prod(axis=1)

    red = list(cl.reduction)
    group_end = {x: grp[-1] + 1 for grp in (physical_groups or tuple((x,) for x in range(L))) for x in grp}
    for oi, op in enumerate(cl.operands):
        v = view_of(own[op.role]) if op.role in own else base
        g, axis, sp_before = v.g, v.axis, v.sp_before
        tile_ext, seen_ext, o_inst = v.tile_ext, v.seen_ext, v.inst
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
            op_tile_bits[:, x, oi] = footprint(op, tile_ext[x]) * bits[:, x, oi]
        for p, c in zip(chain, chain[1:], strict=False):

            def count(ext: np.ndarray, op: CompiledOperand = op, c: int = c, v: _NestView = v) -> np.ndarray:
                if fill_counter is not None:
                    return fill_counter(op, ext, v.g, c)
                return fills(op, ext, v.tr(c))

            f_child = count(tile_ext[c])
            between = sp_before[c] // sp_before[p]  # spatial fan-out from p down to c
            if not (between > 1).any():
                f_union = f_child
            elif conventions.merge_overlapping_multicast:
                f_union = count(tile_ext[c] * between)
            else:  # Timeloop: only identical child tiles share a read
                f_union = distinct_child_tiles(op, g, axis, p, c) * f_child
            if burst is not None:
                child_tile = footprint(op, tile_ext[c])
                if not (between > 1).any():
                    union_tile = child_tile
                elif conventions.merge_overlapping_multicast:
                    union_tile = footprint(op, tile_ext[c] * between)
                else:
                    union_tile = distinct_child_tiles(op, g, axis, p, c) * child_tile
                burst[0][:, p, oi] = union_tile
                burst[2][:, c, oi] = child_tile
                if is_out:
                    burst[1][:, c, oi] = child_tile
                    burst[3][:, p, oi] = union_tile
            if is_out:
                first_c = o_inst[:, c] * footprint(op, seen_ext[c])
                first_p = o_inst[:, p] * footprint(op, seen_ext[p])
                fill[:, c, oi] += o_inst[:, c] * f_child - first_c
                if conventions.drain_reads:
                    reads[:, c, oi] += o_inst[:, c] * f_child
                    if drain is not None:
                        drain[:, c, oi] += o_inst[:, c] * f_child
                upd[:, p, oi] += o_inst[:, p] * f_union
                reads[:, p, oi] += o_inst[:, p] * f_union - first_p
                last_bits[:, c] += footprint(op, tile_ext[c]) * bits[:, c, oi]
            else:
                fill[:, c, oi] += o_inst[:, c] * f_child
                reads[:, p, oi] += o_inst[:, p] * f_union
                first_bits[:, c] += footprint(op, tile_ext[c]) * bits[:, c, oi]
        last = chain[-1]
        compute_union = sp_before[L] // sp_before[last]
        if conventions.merge_overlapping_multicast:
            per_cycle = footprint(op, compute_union)
        else:
            per_cycle = distinct_child_tiles(op, g, axis, last, L)
        n = o_inst[:, last] * T * per_cycle
        if burst is not None:
            burst[0][:, last, oi] = per_cycle
            if is_out:
                burst[3][:, last, oi] = per_cycle
        if is_out:
            upd[:, last, oi] += n
            reads[:, last, oi] += n - o_inst[:, last] * footprint(op, seen_ext[last])
            if first_out is not None:
                for x in chain:
                    first_out[:, x] = o_inst[:, x] * footprint(op, seen_ext[x])
        else:
            reads[:, last, oi] += n
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
