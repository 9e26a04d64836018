"""Temporal mapspace: tile factors per level, loop orders per level, and their exact pruning.

For one spatial candidate and one keep/bypass pattern, a temporal mapping gives every dim a factor per
memory level (the factors of a dim times its spatial factor make its size; imperfect: at least its size,
the outermost level taking the ceiling) and every level an order of its dims with factor > 1.

Three exact reductions (docs/mapper.md proves each against the model's counting rules):

1. **Capacity**: tilings are generated from the innermost level out; a tile that overflows its level
   is dropped with every larger tile there (footprints grow with extents), so only fitting tilings exist.
2. **Loop-order equivalence and dominance**: an order matters to an operand only through its *open
   region*, the innermost loops of the level up to the first loop that is relevant to the operand
   without a sliding window. Orders with equal open regions give identical counts; for an operand
   without window loops in its region, a larger region (a superset of loops) never costs more.
   :func:`level_orders` keeps one order per non-dominated combination of open regions.
3. **Lower bounds**: :func:`lower_bound_scores` gives, for a tiling, energy and latency no order can
   beat (every transition above the deepest loop relevant to the operand without a window refills the
   whole tile; window and irrelevant loops are assumed free). The search visits tilings in order of
   that bound and stops when it cannot beat the best found.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.accesses import FillCounter, axis_overlap, footprint
from carbonloop.model.capacity import capacity_bits_for
from carbonloop.model.evaluate import evaluate_batch
from carbonloop.model.factors import divisors
from carbonloop.model.nest import CompiledLayer, LoopArrays, relocated_axes, stack_loops
from carbonloop.workload.footprint import axis_size

# --- operand relevance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OperandClass:
    """Per operand: dims relevant without a window (``nw``), in a window axis (``win``), irrelevant."""

    nw: frozenset[int]
    win: frozenset[int]


def operand_classes(cl: CompiledLayer) -> tuple[OperandClass, ...]:
    out = []
    for op in cl.operands:
        win = {d for dims, _ in op.axes if len(dims) > 1 for d in dims}
        nw = {d for dims, _ in op.axes if len(dims) == 1 for d in dims} - win
        out.append(OperandClass(frozenset(nw), frozenset(win)))
    return tuple(out)


# --- loop orders -----------------------------------------------------------------------------------

_Status = tuple[
    tuple[bool, frozenset[int], tuple[int, ...]], ...
]  # per operand: closed, irrelevant set, window seq


def _dominates(a: _Status, b: _Status) -> bool:
    for (_, pa, sa), (_, pb, sb) in zip(a, b, strict=True):
        if sa or sb:
            if (pa, sa) != (pb, sb):
                return False
        elif not pa >= pb:
            return False
    return True


@lru_cache(maxsize=4096)
def level_orders(active: tuple[int, ...], classes: tuple[OperandClass, ...]) -> tuple[tuple[int, ...], ...]:
    """Orders (outermost first) of the dims ``active`` at one level, one per non-dominated count outcome.

    Built innermost-first: an operand's region stays open while the loops placed are irrelevant to it or
    in one of its window axes; the first loop relevant to it without a window closes it. Loops placed
    after every operand is closed are appended in index order (their order changes no count).
    """
    if len(active) <= 1:
        return (tuple(active),)
    found: dict[_Status, tuple[int, ...]] = {}
    seen: set[tuple[frozenset[int], _Status]] = set()

    def dfs(placed: tuple[int, ...], remaining: frozenset[int], status: _Status) -> None:
        state = (remaining, status)
        if state in seen:
            return
        seen.add(state)
        if not remaining or all(s[0] for s in status):
            inner_first = placed + tuple(sorted(remaining))
            found.setdefault(status, tuple(reversed(inner_first)))
            return
        for d in sorted(remaining):
            new: list[tuple[bool, frozenset[int], tuple[int, ...]]] = []
            for (closed, prefix, seq), c in zip(status, classes, strict=True):
                if closed:
                    new.append((closed, prefix, seq))
                elif d in c.nw:
                    new.append((True, prefix, seq))
                elif d in c.win or seq:
                    new.append((False, prefix, seq + (d,)))
                else:
                    new.append((False, prefix | {d}, seq))
            dfs(placed + (d,), remaining - {d}, tuple(new))

    dfs((), frozenset(active), tuple((False, frozenset(), ()) for _ in classes))
    keys = list(found)
    keep = [k for k in keys if not any(o != k and _dominates(o, k) for o in keys)]
    return tuple(found[k] for k in keep)


# --- tilings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Space:
    """One spatial candidate and keep pattern of a layer on an accelerator."""

    cl: CompiledLayer
    acc: Accelerator
    keep: tuple[frozenset[str], ...]
    spatial_loops: tuple[tuple[int, int, int], ...]  # (dim, factor, level) in nest order
    temporal_sizes: np.ndarray  # [D] what the temporal loops must cover
    imperfect: bool
    spatial_axes: tuple[int, ...] = ()  # array axis index of each spatial loop, same order
    # a spatial factor (fixed by the user) does not divide its dim: the mapping pads it, whatever the mode
    padded: bool = False
    # per dim, the outermost level that may hold its temporal loops (empty: any level). A level holding an
    # operand whole (``Constraints.resident``) holds every loop relevant to it: none sits above it
    top_level_by_dim: tuple[int, ...] = ()

    def with_axes(self, loops: LoopArrays) -> LoopArrays:
        """Attach each spatial loop's array axis: rows list a space's spatial loops in one fixed order."""
        if not self.spatial_axes:
            return dataclasses.replace(loops, axis=np.full(loops.dim.shape, -1, dtype=np.int64))
        rank = np.cumsum(loops.spatial, axis=1) - 1
        table = np.array(self.spatial_axes, dtype=np.int64)
        axis = np.where(loops.spatial, table[np.clip(rank, 0, len(table) - 1)], -1)
        return dataclasses.replace(loops, axis=axis)

    @property
    def L(self) -> int:
        return len(self.acc.memories)

    def spatial_rows(self) -> LoopArrays:
        """One row holding only the space's spatial loops (with their array axes)."""
        loops = self.spatial_loops or ((0, 1, 0),)
        return self.with_axes(
            LoopArrays(
                np.array([[d for d, _, _ in loops]], dtype=np.int64),
                np.array([[f for _, f, _ in loops]], dtype=np.int64),
                np.array([[lv for _, _, lv in loops]], dtype=np.int64),
                np.full((1, len(loops)), bool(self.spatial_loops)),
            )
        )

    def spatial_at(self, level: int) -> np.ndarray:
        s = np.ones(self.cl.D, dtype=np.int64)
        for d, f, lv in self.spatial_loops:
            if lv >= level:
                s[d] *= f
        return s

    def spatial_only_at(self, level: int) -> np.ndarray:
        s = np.ones(self.cl.D, dtype=np.int64)
        for d, f, lv in self.spatial_loops:
            if lv == level:
                s[d] *= f
        return s

    @cached_property
    def capacity_bits(self) -> np.ndarray:
        """Usable bits per instance of each level [L] under this space's unrolling: the model's own rule
        (:func:`carbonloop.model.capacity.capacity_bits_for`; a diagonal input register holds more), so
        the tilings enumerated, the bounds and the model's fit agree."""
        return np.asarray(capacity_bits_for(self.acc, self.cl, self.spatial_rows())[0])

    @cached_property
    def relocates(self) -> bool:
        """Some operand counts on its own placement of the spatial loops (spans nested only per operand:
        :func:`carbonloop.model.nest.relocated_axes`); False on every accelerator with nested spans."""
        return bool(self.spatial_loops) and bool(relocated_axes(self.acc, self.keep))

    @cached_property
    def operand_spatial_levels(self) -> tuple[tuple[int, ...], ...]:
        """Per operand (``cl.operands`` order), the level each spatial loop belongs to for that operand:
        the listed level, or the operand's own fan-out level where the model relocates the loop
        (docs/model.md, "Per-operand memories"). The tile of an operand at level x holds exactly the
        spatial loops whose level here is >= x, and its instances there are the product of the others."""
        listed = tuple(lv for _, _, lv in self.spatial_loops)
        if not self.relocates:
            return tuple(listed for _ in self.cl.operands)
        if len(self.spatial_axes) != len(self.spatial_loops):
            raise ValueError("per-operand spatial placement needs the spatial loops' array axes")
        moves = relocated_axes(self.acc, self.keep)
        out = []
        for op in self.cl.operands:
            m = moves.get(op.role, {})
            out.append(tuple(m.get(a, lv) for lv, a in zip(listed, self.spatial_axes, strict=True)))
        return tuple(out)

    @cached_property
    def _operand_spatial_table(self) -> tuple[np.ndarray, np.ndarray]:
        """[O, L + 1, D]: per operand and level, the per-dim product of its spatial loops at or below it;
        and [O, L + 1] the product of its spatial loops above each level (its instances there). Where
        nothing relocates every operand shares one table (read-only views)."""
        L, D, O = self.L, self.cl.D, len(self.cl.operands)
        rows = range(O) if self.relocates else range(1)
        levels = self.operand_spatial_levels
        out = np.ones((len(rows), L + 1, D), dtype=np.int64)
        for oi in rows:
            for (d, f, _), lv in zip(self.spatial_loops, levels[oi], strict=True):
                out[oi, : lv + 1, d] *= f
        inst = (out[:, :1, :] // out).prod(axis=2).astype(float)
        return np.broadcast_to(out, (O, L + 1, D)), np.broadcast_to(inst, (O, L + 1))

    def operand_spatial_at(self, op_index: int, level: int) -> np.ndarray:
        """Per dim [D], the spatial loops inside operand ``op_index``'s tile at ``level`` (its own
        placement; :meth:`spatial_at` where no loop moves). ``level = 0``: every spatial loop."""
        return self._operand_spatial_table[0][op_index, level]

    def operand_instances(self, op_index: int, level: int) -> float:
        """Copies of operand ``op_index``'s tile at ``level``: the product of its spatial loops above it."""
        return float(self._operand_spatial_table[1][op_index, level])


def _tile_bits_lb(space: Space, x: int, temporal_ext: np.ndarray) -> np.ndarray:
    """Bits of the level-x tile whose temporal loops at or below x have per-dim extents ``temporal_ext``
    [N, D], outputs at their smaller precision: each operand's tile holds the spatial loops that are
    inside it for that operand (:meth:`Space.operand_spatial_at`). A lower bound of the model's tile
    bits at x (exact but for the outputs' precision), so pruning on it alone drops only tilings the
    model refuses; a physical memory's virtual levels are checked jointly by the model (its ``fits``)."""
    total = np.zeros(temporal_ext.shape[0], dtype=np.int64)
    shared = None if space.relocates else temporal_ext * space.operand_spatial_at(0, x)[None, :]
    for oi, op in enumerate(space.cl.operands):
        if op.role in space.keep[x]:
            ext = temporal_ext * space.operand_spatial_at(oi, x)[None, :] if shared is None else shared
            total += footprint(op, ext) * min(op.bits, op.partial_bits)
    return total


TILING_ROWS = 65536  # tilings per chunk of :func:`iter_tilings` unless the caller asks for fewer


def _choices(rem: np.ndarray, imperfect: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The factors a level may take for rows whose dim has ``rem`` left to cover, as one flat table:
    (count per row, start of each row's values in the table, table). Perfect: the divisors of ``rem``
    (ascending); imperfect: 1..rem (the table is then empty; value j of a row is j + 1)."""
    if imperfect:
        return rem.astype(np.int64), np.zeros(rem.shape, dtype=np.int64), np.zeros(0, dtype=np.int64)
    uniq, inv = np.unique(rem, return_inverse=True)
    lists = [divisors(int(v)) for v in uniq]
    sizes = np.array([len(t) for t in lists], dtype=np.int64)
    offs = np.cumsum(sizes) - sizes
    table = np.fromiter((u for t in lists for u in t), dtype=np.int64, count=int(sizes.sum()))
    inv = inv.reshape(-1)
    return sizes[inv], offs[inv], table


def iter_tilings(space: Space, max_rows: int = TILING_ROWS) -> Iterator[np.ndarray]:
    """Every tiling whose tiles can fit, as factors [n, L, D] (level 0 takes what is left), in chunks of
    at most ``max_rows`` tilings, in a fixed order: lexicographic in the factors, chosen level by level
    from the innermost, dim by dim, each ascending.

    Depth first over blocks of partial tilings: a block (at most ``max_rows`` rows) is extended by the
    next (level, dim) choice in windows of at most ``max_rows`` (row, factor) pairs, and each window's
    extensions are finished before the next window, so memory stays at O(levels x dims x max_rows)
    whatever the size of the mapspace. A partial tiling whose tile already overflows its level is
    dropped with all its extensions (footprints only grow with extents).
    """
    max_rows = max(1, int(max_rows))
    L, D = space.L, space.cl.D
    T = space.temporal_sizes
    cap = space.capacity_bits
    steps = [(x, d) for x in range(L - 1, 0, -1) if space.keep[x] for d in range(D)]
    # a level keeping nothing holds no loops (docs/mapper.md)
    whole_at = _whole_steps(space, steps)
    if any(x == L and T[d] > 1 for d, x in whole_at.items()):
        return  # a dim held below a bound that no level there may loop over: no tiling exists
    steps = [(x, d) for x, d in steps if whole_at.get(d, 0) <= x]
    stack: list[tuple[int, np.ndarray, np.ndarray, int]] = [
        (0, np.ones((1, D), dtype=np.int64), np.ones((1, L, D), dtype=np.int64), 0)
    ]
    done: list[np.ndarray] = []
    n_done = 0
    while stack:
        step, E, F, start = stack.pop()
        if step == len(steps):
            F = F.copy()
            F[:, 0, :] = -(-T[None, :] // E) if space.imperfect else T[None, :] // E
            done.append(F)
            n_done += F.shape[0]
            if n_done >= max_rows:
                out = np.concatenate(done)
                for a in range(0, out.shape[0], max_rows):
                    yield out[a : a + max_rows]
                done, n_done = [], 0
            continue
        x, d = steps[step]
        if whole_at.get(d) == x:  # the last level this dim's loops may use: it takes what is left
            u_rest = -(-T[d] // E[:, d]) if space.imperfect else T[d] // E[:, d]
            counts, offs, table = np.ones_like(u_rest), np.arange(len(u_rest), dtype=np.int64), u_rest
        else:
            counts, offs, table = _choices(T[d] // E[:, d], space.imperfect)
        cum = np.cumsum(counts)
        total = int(cum[-1])
        stop = min(total, start + max_rows)
        if stop < total:
            stack.append((step, E, F, stop))  # the rest of this block's extensions, after this window's
        pair = np.arange(start, stop, dtype=np.int64)
        rows = np.searchsorted(cum, pair, side="right")
        j = pair - (cum[rows] - counts[rows])
        u = table[offs[rows] + j] if not space.imperfect or whole_at.get(d) == x else j + 1
        E2, F2 = E[rows], F[rows]
        E2[:, d] *= u
        F2[:, x, d] = u
        if np.isfinite(cap[x]):
            ok = _tile_bits_lb(space, x, E2) <= cap[x]
            E2, F2 = E2[ok], F2[ok]
        if E2.shape[0]:
            stack.append((step + 1, E2, F2, 0))
    if done:
        out = np.concatenate(done)
        for a in range(0, out.shape[0], max_rows):
            yield out[a : a + max_rows]


def _whole_steps(space: Space, steps: list[tuple[int, int]]) -> dict[int, int]:
    """Per dim held below a bound (``Space.top_level_by_dim``), the outermost step level that may take its
    loops: the bound, or the first level under it that holds loops. Every factor of the dim is placed
    there or below, none above (level 0 then takes 1)."""
    out: dict[int, int] = {}
    for d, top in enumerate(space.top_level_by_dim):
        if top > 0:
            levels = [x for x, dd in steps if dd == d and x >= top]
            # no level at or under the bound holds loops: the dim stays whole below (factor 1 everywhere)
            out[d] = min(levels) if levels else space.L
    return out


def enumerate_tilings(space: Space) -> np.ndarray:
    """Every tiling whose tiles can fit, as factors [N, L, D] (all of :func:`iter_tilings` at once)."""
    parts = list(iter_tilings(space))
    if not parts:
        return np.ones((0, space.L, space.cl.D), dtype=np.int64)
    return np.concatenate(parts)


def tiling_loops(space: Space, F: np.ndarray) -> LoopArrays:
    """The tilings as loop arrays in a fixed order (every dim at every level, then the spatial loops)."""
    N, L, D = F.shape
    cols_dim, cols_lev, cols_sp, cols_f = [], [], [], []
    for x in range(L):
        for d in range(D):
            cols_dim.append(d)
            cols_lev.append(x)
            cols_sp.append(False)
            cols_f.append(F[:, x, d])
        for d, f, lv in space.spatial_loops:
            if lv == x:
                cols_dim.append(d)
                cols_lev.append(x)
                cols_sp.append(True)
                cols_f.append(np.full(N, f, dtype=np.int64))
    K = len(cols_dim)
    dim = np.broadcast_to(np.array(cols_dim, dtype=np.int64), (N, K))
    lev = np.broadcast_to(np.array(cols_lev, dtype=np.int64), (N, K))
    sp = np.broadcast_to(np.array(cols_sp, dtype=bool), (N, K))
    fac = np.stack(cols_f, axis=1) if K else np.ones((N, 0), dtype=np.int64)
    # drop the factor-1 temporal loops (they change no count): the model's cost grows with the row width
    kept = sp | (fac > 1)
    width = max(1, int(kept.sum(axis=1).max()))
    cols = np.argsort(~kept, axis=1, kind="stable")[:, :width]  # kept loops first, in nest order
    pad = ~np.take_along_axis(kept, cols, axis=1)
    return LoopArrays(
        np.where(pad, 0, np.take_along_axis(dim, cols, axis=1)),
        np.where(pad, 1, np.take_along_axis(fac, cols, axis=1)),
        np.where(pad, L - 1, np.take_along_axis(lev, cols, axis=1)),
        np.where(pad, False, np.take_along_axis(sp, cols, axis=1)),
    )


# --- lower bounds ----------------------------------------------------------------------------------


def _lb_fills(
    op,
    ext: np.ndarray,
    g,
    c: int,
    nw_loop: np.ndarray,
    dim: np.ndarray,
    fixed: np.ndarray | None = None,
    memo: dict | None = None,
) -> np.ndarray:
    """Fewest elements any loop order brings into a tile of extents ``ext`` below level ``c``.

    Loops are loop-major ([K, N]). Let x* be the deepest level above ``c`` holding a loop (factor > 1)
    on a dim the operand depends on through a single-dim axis. Whatever the order, every step of a loop
    above x*, and of each such loop at x*, moves the tile along a single-dim axis, so nothing overlaps and
    the whole tile is refilled (the set S of these loops). Second, on a sliding-window axis ``i + j``
    (unit coefficients) where dim ``j`` has no loop above ``c``, a step of any other loop on ``i`` moves
    the window by at least the tile's extent along ``i`` and nothing moves it back: it brings at least
    that fraction of the tile, and steps at least (factor - 1) x the product of the S loops of the levels
    above it. Every other step is assumed free.

    ``fixed`` [K, N] marks loops whose place is decided: each level's fixed loops are its innermost ones,
    in their true order, after its free loops. When a fixed loop at x* is one of those relevant loops,
    every loop of x* outside it (all free loops among them) steps the tile along it: they join S. And the
    fixed loop q of the deepest level holding transition loops is the innermost of them all: it steps
    (f_q - 1) x (every other transition factor) times, each time moving only its own dim, by its stride,
    so each of its steps brings exactly what the model's overlap rule says for that one move. The bound
    then holds for every order that keeps the fixed loops where they are.

    ``memo``: a dict shared by the calls of one model evaluation (same ``g``, ``dim``, ``fixed``); what
    depends only on the nest, the level and the operand is computed once there (the model asks for the
    child's tile and for the union of the children's tiles with the same transitions).
    """
    size = footprint(op, ext)
    if g.factor.shape[0] == 0:
        return size
    memo = {} if memo is None else memo
    if memo.get("g") is not g:
        memo.clear()
        memo["g"] = g
    key = (c, op.name)
    if key not in memo:
        memo[key] = _lb_structure(op, g, c, nw_loop, fixed, memo)
    trans, full, f_full, product, window_rows = memo[key]
    out = size * product
    ratio = None
    if window_rows:
        tile = memo.setdefault(("tile", c), None)
        if tile is None:
            tile = memo[("tile", c)] = g.extents_below(c)  # [N, D] the tile at level c
        ratio = np.zeros(trans.shape, dtype=float)
        for dims, coefs, i, blocked, on_i in window_rows:
            span = axis_size(dims, coefs, ext).astype(float)
            r = np.where(blocked, 0.0, np.minimum(1.0, tile[:, i] / span))
            ratio = np.maximum(ratio, np.where(on_i, r[None, :], 0.0))
        if not ratio.any():
            ratio = None
    q_new = None
    if fixed is not None:
        deepest = np.where(trans, g.level, -1).max(axis=0)
        q = fixed & trans & ~full & (g.level == deepest[None, :])  # at most one loop per row
        if q.any():
            own = _OwnMove(g, dim)
            overlap = np.ones(trans.shape, dtype=np.int64)
            for dims, coefs in op.axes:
                overlap = overlap * axis_overlap(dims, coefs, ext, own)  # type: ignore[arg-type]
            f_trans = np.where(trans, g.factor, 1)
            q_steps = f_trans.prod(axis=0)[None, :] // f_trans * (g.factor - 1)
            q_new = np.where(q, q_steps * (size[None, :] - overlap), 0)
            if not q_new.any():
                q_new = None
    if ratio is not None or q_new is not None:
        # product of the S loops of strictly higher levels, per loop: exclusive cumprod read at the level start
        above_key = ("above", key)
        if above_key not in memo:
            cum = np.ones((f_full.shape[0] + 1, f_full.shape[1]), dtype=np.int64)
            cum[1:] = np.cumprod(f_full, axis=0)
            memo[above_key] = np.take_along_axis(cum, _level_first(g, memo), axis=0)
        above = memo[above_key]
        per_loop = (g.factor - 1) * above * (0.0 if ratio is None else ratio) * size[None, :]
        extra = per_loop if q_new is None else np.maximum(per_loop, q_new)
        out = out + np.floor(extra.sum(axis=0) * (1 - 1e-12)).astype(np.int64)
    return out


def _level_first(g, memo: dict) -> np.ndarray:
    """Index of the first loop of each loop's level [K, N] (loops are in non-decreasing level order)."""
    if "first" not in memo:
        L = int(g.level.max()) + 1
        starts = np.stack([g.start(x) for x in range(L)])  # [L, N]
        memo["first"] = np.take_along_axis(starts, g.level, axis=0)
    return memo["first"]


def _lb_structure(op, g, c: int, nw_loop: np.ndarray, fixed: np.ndarray | None, memo: dict):
    """What :func:`_lb_fills` needs that does not depend on the tile's extents: the transition loops,
    the set S of loops that refill the whole tile, their factors and product, and per window dim the
    rows where its partner has no loop above ``c`` (blocked) and its own loops outside S."""
    tkey = ("trans", c)
    if tkey not in memo:
        memo[tkey] = (~g.spatial) & (g.level < c) & (g.factor > 1)
    trans = memo[tkey]
    rel = trans & nw_loop
    xstar = np.where(rel, g.level, -1).max(axis=0)
    at_xstar = g.level == xstar[None, :]
    full = trans & ((g.level < xstar[None, :]) | (rel & at_xstar))
    if fixed is not None:
        pos = np.arange(trans.shape[0])[:, None]
        innermost = np.where(rel & fixed & at_xstar, pos, -1).max(axis=0)  # -1: no fixed relevant loop
        full |= trans & at_xstar & (pos < innermost[None, :])
    f_full = np.where(full, g.factor, 1)
    window_rows = []
    for dims, coefs in op.axes:
        if len(dims) < 2 or any(abs(x) != 1 for x in coefs):
            continue
        for i in dims:
            partners = [j for j in dims if j != i]
            blocked = (trans & g.onehot[partners].any(axis=0)).any(axis=0)
            on_i = trans & ~full & g.onehot[i]
            window_rows.append((dims, coefs, i, blocked, on_i))
    return trans, full, f_full, f_full.prod(axis=0), window_rows


class _OwnMove:
    """Transitions as if nothing inside a loop reset when it steps: only its own dim moves, by its
    stride. True of the innermost transition loop, whose steps :func:`_lb_fills` counts exactly."""

    def __init__(self, g, dim: np.ndarray) -> None:
        self.weight = g.factor  # only its shape is read
        self._g, self._dim = g, dim

    def still(self, d: int) -> np.ndarray:
        return self._dim != d

    def shift(self, d: int) -> np.ndarray:
        return np.where(self._dim == d, self._g.stride, 0)


def order_free_fills(
    cl: CompiledLayer, dim: np.ndarray, fixed: np.ndarray | None = None, spatial: np.ndarray | None = None
) -> FillCounter:
    """A fill counter for the model that counts every fill at its minimum over loop orders
    (:func:`_lb_fills`); everything else (reads, updates, bits, tiles, energy, latency) is the model's
    own code, so the bound follows the model as it changes. ``dim`` is the loop-major [K, N] dim table,
    ``fixed`` (same shape) the loops whose place in their level is decided (None: none).

    ``spatial`` (the rows' loop-major spatial flags): give it when the model may count some operand on
    its own nest (spans nested only per operand: :func:`carbonloop.model.nest.relocate_spatial`). That
    nest holds the same loops with spatial ones moved, the temporal loops in the same order, so each
    nest's dim and fixed tables are the rows' permuted alike (temporal loops matched in order); the
    bound's argument is one about any loop nest and holds on each operand's own."""
    classes = operand_classes(cl)
    nw_of = {}
    for op, c in zip(cl.operands, classes, strict=True):
        m = np.zeros(cl.D, dtype=bool)
        m[list(c.nw)] = True
        nw_of[op.name] = m

    memo: dict = {}
    loop_nw: dict[tuple[int, str], np.ndarray] = {}
    tables: dict[int, tuple[object, np.ndarray, np.ndarray | None]] = {}

    def own_tables(g) -> tuple[np.ndarray, np.ndarray | None]:
        if spatial is None:
            return dim, fixed
        hit = tables.get(id(g))
        if hit is None or hit[0] is not g:
            src = np.argsort(spatial, axis=0, kind="stable")  # temporal loops first, in nest order
            dst = np.argsort(g.spatial, axis=0, kind="stable")

            def permute(a: np.ndarray) -> np.ndarray:
                out = np.empty_like(a)
                np.put_along_axis(out, dst, np.take_along_axis(a, src, axis=0), axis=0)
                return out

            g_dim = permute(dim)
            for col in np.flatnonzero(g.spatial.any(axis=1)):  # spatial loops may change order: read them
                g_dim[col] = np.where(g.spatial[col], g.onehot[:, col].argmax(axis=0), g_dim[col])
            hit = (g, g_dim, None if fixed is None else permute(fixed))
            tables[id(g)] = hit
        return hit[1], hit[2]

    def counter(op, ext: np.ndarray, g, child_level: int) -> np.ndarray:
        g_dim, g_fixed = own_tables(g)
        key = (id(g_dim), op.name)
        if key not in loop_nw:
            loop_nw[key] = nw_of[op.name][g_dim]
        return _lb_fills(op, ext, g, child_level, loop_nw[key], g_dim, g_fixed, memo)

    return counter


def lower_bound_scores(space: Space, F: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per tiling: energy and latency lower bounds over all loop orders, and whether its tiles fit."""
    loops = tiling_loops(space, F)
    counter = order_free_fills(space.cl, loops.dim.T, spatial=loops.spatial.T if space.relocates else None)
    res = evaluate_batch(space.cl, space.acc, space.with_axes(loops), space.keep, counter)
    return res.energy_pj, res.latency_cycles, res.fits


# --- rows for the exact model ----------------------------------------------------------------------


def patterns(F: np.ndarray, sid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group tilings by space (``sid``, default one space) and by which dims are active (factor > 1) at
    each level: (pattern id per tiling, masks [P, L, D], space of each pattern)."""
    sid = np.zeros(F.shape[0], dtype=np.int64) if sid is None else sid
    act = F > 1
    flat = act.reshape(act.shape[0], -1)
    if flat.shape[1] <= 62:  # one integer key per tiling: faster than unique rows of booleans
        key = flat.astype(np.int64) @ (np.int64(1) << np.arange(flat.shape[1], dtype=np.int64))
    else:
        _, key = np.unique(flat, axis=0, return_inverse=True)
    _, key = np.unique(key, return_inverse=True)  # dense, so (key, space) fits one integer
    pair = key.reshape(-1).astype(np.int64) * (int(sid.max(initial=0)) + 1) + sid
    _, first, inv = np.unique(pair, return_index=True, return_inverse=True)
    return inv.reshape(-1), act[first], sid[first]


Template = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # dim, level, spatial, factor (0: tiling's)


@dataclass(frozen=True)
class PatternOrders:
    """The loop-order combinations of one activity pattern, grouped by the innermost loop of each level.

    ``exact`` holds one row per combination of kept level orders, sorted by group; group ``g`` is rows
    ``starts[g]:starts[g + 1]``. Groups are numbered in mixed radix over the levels, the deepest level
    with loops most significant, each digit the index of the level's innermost loop among those its kept
    orders end with (:func:`group_keys`); :func:`carbonloop.mapper.pool.group_of` finds a group so.
    """

    exact: Template
    starts: np.ndarray  # [G + 1]

    @property
    def groups(self) -> int:
        return int(self.starts.shape[0] - 1)

    def group_rows(self, g: int) -> Template:
        a, b = int(self.starts[g]), int(self.starts[g + 1])
        return tuple(t[a:b] for t in self.exact)  # type: ignore[return-value]


def _level_rows(spatial_loops: tuple[tuple[int, int, int], ...], x: int, orders: np.ndarray) -> Template:
    """Rows [C, a_x + spatial] of one level: its temporal loops in the given orders, then its spatial loops."""
    C = orders.shape[0]
    dims = [orders]
    levs = [np.full(orders.shape, x, dtype=np.int64)]
    sps = [np.zeros(orders.shape, dtype=bool)]
    facs = [np.zeros(orders.shape, dtype=np.int64)]
    for d, f, lv in spatial_loops:
        if lv == x:
            dims.append(np.full((C, 1), d, dtype=np.int64))
            levs.append(np.full((C, 1), x, dtype=np.int64))
            sps.append(np.ones((C, 1), dtype=bool))
            facs.append(np.full((C, 1), f, dtype=np.int64))
    return (
        np.concatenate(dims, axis=1),
        np.concatenate(levs, axis=1),
        np.concatenate(sps, axis=1),
        np.concatenate(facs, axis=1),
    )


def _join(levels: list[Template]) -> Template:
    return tuple(np.concatenate([lv[i] for lv in levels], axis=1) for i in range(4))  # type: ignore[return-value]


@lru_cache(maxsize=4096)
def _level_table(
    active: tuple[int, ...], classes: tuple[OperandClass, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One level's kept orders [n, a], the group of each [n] (the index of its innermost loop in the
    keys), and the keys: the innermost loops (dims, sorted) the kept orders end with (empty: no loops)."""
    kept = level_orders(active, classes)
    orders = np.array(kept, dtype=np.int64).reshape(len(kept), len(active))
    if not active:
        return orders, np.zeros(orders.shape[0], dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys, group = np.unique(orders[:, -1], return_inverse=True)
    return orders, group.reshape(-1), keys


def _active(mask: np.ndarray, x: int) -> tuple[int, ...]:
    return tuple(int(d) for d in np.flatnonzero(mask[x]))


def group_keys(
    mask: np.ndarray, classes: tuple[OperandClass, ...]
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], tuple[int, ...]]:
    """Per level, the innermost loops (dims, sorted) its kept orders end with (empty: no loops) and how
    many kept orders end with each; and the radix order of levels that numbers :func:`pattern_orders`'
    groups (deepest level with loops first). A group holds the product of its levels' counts of orders."""
    return _group_keys(mask.tobytes(), mask.shape, classes)


@lru_cache(maxsize=65536)
def _group_keys(
    mask: bytes, shape: tuple[int, ...], classes: tuple[OperandClass, ...]
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], tuple[int, ...]]:
    tables, deep = _tables(mask, shape, classes)
    keys, counts = [], []
    for _orders, group, k in tables:
        n = np.bincount(group, minlength=max(1, k.size)).astype(np.int64)
        k = k.copy()
        for arr in (k, n):
            arr.flags.writeable = False
        keys.append(k)
        counts.append(n)
    return tuple(keys), tuple(counts), (deep, *(x for x in range(shape[0]) if x != deep))


def _tables(
    mask_bytes: bytes, shape: tuple[int, ...], classes: tuple[OperandClass, ...]
) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], int]:
    """Each level's order table (:func:`_level_table`) of a pattern, and its deepest level with loops."""
    mask = np.frombuffer(mask_bytes, dtype=bool).reshape(shape)
    tables = [_level_table(_active(mask, x), classes) for x in range(shape[0])]
    with_loops = [x for x in range(shape[0]) if tables[x][2].size]
    return tables, with_loops[-1] if with_loops else shape[0] - 1


def pattern_orders(space: Space, mask: np.ndarray, classes: tuple[OperandClass, ...]) -> PatternOrders:
    """Every combination of kept level orders (:func:`level_orders`) of one pattern, grouped.

    Cached: a network search meets the same patterns again (repeated layer shapes, hull passes)."""
    return _pattern_orders(mask.tobytes(), mask.shape, classes, space.spatial_loops)


@lru_cache(maxsize=2048)
def _pattern_orders(
    mask_bytes: bytes,
    shape: tuple[int, ...],
    classes: tuple[OperandClass, ...],
    spatial_loops: tuple[tuple[int, int, int], ...],
) -> PatternOrders:
    tables, deep = _tables(mask_bytes, shape, classes)
    L = len(tables)
    radix = [deep] + [x for x in range(L) if x != deep]  # the deepest level's choice most significant
    idx_r = np.meshgrid(*[np.arange(tables[x][0].shape[0]) for x in radix], indexing="ij")
    idx = {x: g.reshape(-1) for x, g in zip(radix, idx_r, strict=True)}
    sizes = {x: max(1, tables[x][2].size) for x in range(L)}  # a level without loops: one choice
    group = np.zeros(idx[0].shape, dtype=np.int64)
    for x in radix:  # mixed radix in the bound rows' meshgrid order
        group = group * sizes[x] + tables[x][1][idx[x]]
    rows = np.argsort(group, kind="stable")
    exact = _join([_level_rows(spatial_loops, x, tables[x][0][idx[x][rows]]) for x in range(L)])
    G = math.prod(sizes.values())
    starts = np.searchsorted(group[rows], np.arange(G + 1))
    out = PatternOrders(exact, starts)
    for arr in (*out.exact, out.starts):
        arr.flags.writeable = False  # shared through the cache
    return out


def expand_rows(
    F: np.ndarray, template: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows for tilings F [n, L, D] x every order combination: arrays [n*C, K]."""
    dim, lev, sp, spf = template
    n, C = F.shape[0], dim.shape[0]
    fac = F[:, lev, dim]  # [n, C, K]
    fac = np.where(sp[None], spf[None], fac)
    K = dim.shape[1]
    return (
        np.broadcast_to(dim[None], (n, C, K)).reshape(n * C, K),
        fac.reshape(n * C, K),
        np.broadcast_to(lev[None], (n, C, K)).reshape(n * C, K),
        np.broadcast_to(sp[None], (n, C, K)).reshape(n * C, K),
    )


def stack_padded(parts: list[Template], n_levels: int) -> LoopArrays:
    """Concatenate row blocks of different widths, padding with factor-1 loops at the innermost level."""
    return stack_loops([LoopArrays(*p) for p in parts], n_levels)
