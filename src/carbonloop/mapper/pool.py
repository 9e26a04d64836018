"""Branch and bound over the tilings of several spaces at once, best bound first.

A space is one spatial candidate with one keep pattern (:class:`carbonloop.mapper.temporal.Space`). Its
tilings are bounded over every loop order (:func:`carbonloop.mapper.temporal.lower_bound_scores`); the
tilings of all the spaces of a pool are then visited together in order of that bound, in chunks. For a
chunk, each coarse order group (the innermost loop of the deepest level with loops fixed) is bounded,
then each group of the surviving coarse groups (the innermost loop of every level fixed), and only the
groups that can still beat the incumbent are expanded into their orders and scored exactly, best bound
first. Pooling the spaces keeps the numpy batches large when a layer has many spatial candidates with
few tilings each (depthwise layers, energy objectives, network hull passes).

Memory stays bounded (docs/mapper.md, "Bounded memory and time"): tilings are streamed in chunks and
bounded one chunk per model call, and a pass keeps only the next ``keep_rows`` tilings in visit order;
the visit order, and so the result, does not depend on the memory ceiling.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper.energy_bounds import pair_refill_energy
from carbonloop.mapper.incumbent import Incumbent
from carbonloop.mapper.objectives import Objective
from carbonloop.mapper.temporal import (
    TILING_ROWS,
    OperandClass,
    PatternOrders,
    Space,
    Template,
    expand_rows,
    group_keys,
    iter_tilings,
    operand_classes,
    order_free_fills,
    pattern_orders,
    patterns,
    tiling_loops,
)
from carbonloop.model.evaluate import evaluate_batch
from carbonloop.model.nest import CompiledLayer, LoopArrays, stack_loops

CHUNK_ROWS = 16384  # coarse bound rows per chunk of tilings (fixed: it decides the visit order)

Ref = tuple  # how the incumbent names a scored row: (space index in the pool's owner, row arrays)


def _rows(space: Space, F: np.ndarray, template: Template) -> LoopArrays:
    return space.with_axes(LoopArrays(*expand_rows(F, template)))


def compact_rows(spaces: list[Space], F: np.ndarray, sid: np.ndarray) -> tuple[LoopArrays, np.ndarray]:
    """The compact rows (:func:`tiling_loops`, with array axes) of tilings ``F`` of several spaces
    (``sid``: the space of each), stacked space by space; and which tiling each row is."""
    parts, tiles = [], []
    for s in np.unique(sid):
        sel = np.flatnonzero(sid == s)
        space = spaces[int(s)]
        parts.append(space.with_axes(tiling_loops(space, F[sel])))
        tiles.append(sel)
    return stack_loops(parts, len(spaces[0].acc.memories)), np.concatenate(tiles)


@dataclass(frozen=True)
class Selection:
    """The next tilings of a pool in visit order (order-free bound, then enumeration index), at most
    ``Limits.keep_rows`` of them. ``complete``: no tiling that can still win was left out."""

    F: np.ndarray  # [n, L, D]
    sid: np.ndarray  # [n] space (index into the pool's spaces)
    e_lb: np.ndarray
    l_lb: np.ndarray
    value: np.ndarray  # the objective of the bounds, the sort key
    index: np.ndarray  # enumeration index within the pool, the tie-break
    complete: bool
    beyond_lb: float  # least objective bound of the tilings left out (inf: none)


def _batch(parts: list[tuple[int, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One (space of each row, tilings) batch from (space, tilings) parts in order."""
    sid = np.concatenate([np.full(F.shape[0], s, dtype=np.int64) for s, F in parts])
    return sid, np.concatenate([F for _, F in parts])


class _Best:
    """The ``limit`` smallest (value, index) of tilings offered in chunks; trims at twice the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.n = 0
        self.cut: tuple[float, int] | None = None  # offers above this key are left out
        self.beyond = math.inf

    def add(self, F, sid, e, lat, value, index) -> None:
        if self.cut is not None:
            v, i = self.cut
            inside = (value < v) | ((value == v) & (index <= i))
            if not inside.all():
                self.beyond = min(self.beyond, float(value[~inside].min()))
                F, sid, e, lat, value, index = (a[inside] for a in (F, sid, e, lat, value, index))
        if index.size:
            self.parts.append((F, sid, e, lat, value, index))
            self.n += int(index.size)
        if self.n > 2 * self.limit:
            self._trim()

    def _trim(self) -> None:
        cols = [np.concatenate(c) for c in zip(*self.parts, strict=True)]
        order = np.lexsort((cols[5], cols[4]))
        if order.size > self.limit:
            left = order[self.limit :]
            self.beyond = min(self.beyond, float(cols[4][left].min()))
            order = order[: self.limit]
            last = order[-1]
            self.cut = (float(cols[4][last]), int(cols[5][last]))
        self.parts = [tuple(c[order] for c in cols)]
        self.n = int(order.size)

    def result(self, L: int, D: int) -> Selection:
        if not self.parts:
            z = np.zeros(0, dtype=np.int64)
            return Selection(
                np.ones((0, L, D), dtype=np.int64), z, z * 0.0, z * 0.0, z * 0.0, z, True, self.beyond
            )
        self._trim()
        F, sid, e, lat, value, index = self.parts[0]
        return Selection(F, sid, e, lat, value, index, self.cut is None, self.beyond)


@dataclass(frozen=True)
class _Summary:
    """What the first pass learned of one chunk of tilings: enough to skip it in a later pass."""

    n: int  # fitting tilings
    e_min: float
    l_min: float
    value_max: float


class Pool:
    """The tilings of several spaces of one keep pattern, streamed in chunks and bounded over all loop
    orders. Nothing of the size of the mapspace is held: a pass keeps the best ``keep_rows`` tilings by
    bound (:class:`Selection`); the first pass also records each chunk's least bounds, so later passes
    skip the chunks the incumbent has ruled out. ``cheap``: per space, an (energy, latency) bound of every
    mapping of the space (stands for the parts a budget stops the first pass before)."""

    def __init__(
        self,
        cl: CompiledLayer,
        acc: Accelerator,
        spaces: list[Space],
        owners: list[int],
        cheap: Sequence[tuple[float, float]],
        limits: Limits,
    ) -> None:
        self.cl, self.acc, self.spaces, self.owners, self.cheap, self.limits = (
            cl,
            acc,
            spaces,
            owners,
            cheap,
            limits,
        )
        self.classes = operand_classes(cl)
        # some operand counts on its own placement of the spatial loops (spans nested only per operand)
        self.relocates = any(space.relocates for space in spaces)
        self.summaries: list[_Summary] | None = None
        self.e_floor = math.inf  # least order-free bounds over every fitting tiling (first pass)
        self.l_floor = math.inf
        self.searched = 0  # spaces with at least one fitting tiling

    def _chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The pool's tilings in enumeration order (space by space), as (space of each row, tilings)
        batches of at most one model call's rows: the tilings of consecutive spaces share a call, so a
        pool of many small spaces (depthwise layers, hull passes) costs few calls, not one per space."""
        spatial = max(len(space.spatial_loops) for space in self.spaces)
        rows = self.limits.rows_per_call(self.spaces[0].L * self.cl.D + spatial)
        parts: list[tuple[int, np.ndarray]] = []
        held = 0
        for s, space in enumerate(self.spaces):
            for F in iter_tilings(space, rows):
                if held and held + F.shape[0] > rows:
                    yield _batch(parts)
                    parts, held = [], 0
                parts.append((s, F))
                held += F.shape[0]
        if parts:
            yield _batch(parts)

    def _bound(self, sid: np.ndarray, F: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Order-free energy and latency bounds and capacity fits of tilings ``F`` of the spaces ``sid``,
        in one model call."""
        loops, tiling = compact_rows(self.spaces, F, sid)
        spatial = loops.spatial.T if self.relocates else None
        res = evaluate_batch(
            self.cl,
            self.acc,
            loops,
            self.spaces[0].keep,
            order_free_fills(self.cl, loops.dim.T, spatial=spatial),
        )
        n = F.shape[0]
        e, lat, fits = np.empty(n), np.empty(n, dtype=res.latency_cycles.dtype), np.empty(n, dtype=bool)
        e[tiling], lat[tiling], fits[tiling] = res.energy_pj, res.latency_cycles, res.fits
        word_bits = np.empty_like(res.counts.word_bits)
        word_bits[tiling] = res.counts.word_bits
        # each operand's best order alone, plus what no order can save on two operands together
        for s in np.unique(sid):
            rows = np.flatnonzero(sid == s)
            e[rows] += pair_refill_energy(self.spaces[int(s)], F[rows], word_bits[rows], self.classes)
        return e, lat, fits

    def select(self, run: Run, after: tuple[float, int] | None) -> Selection:
        """The first ``keep_rows`` tilings in visit order that the incumbent cannot rule out and that
        come after ``after`` (the last tiling taken). A budget that runs out stops the pass: the
        bounds of what was not streamed go to ``run.pending_lb``."""
        inc, obj = run.inc, run.obj
        L, D = self.spaces[0].L, self.cl.D
        best = _Best(self.limits.keep_rows)
        first = self.summaries is None
        summaries: list[_Summary] = [] if first else self.summaries  # type: ignore[assignment]
        if not first:
            todo = [
                k
                for k, sm in enumerate(summaries)
                if sm.n
                and (after is None or sm.value_max >= after[0])
                and not inc.prunable(np.array([sm.e_min]), np.array([sm.l_min]))[0]
            ]
            if not todo:
                return best.result(L, D)
            last = todo[-1]
        seen: set[int] = set()
        offset = 0
        for k, (sid_all, F) in enumerate(self._chunks()):
            s = int(sid_all[0])  # the batch's first space: every later row is of this space or a later one
            if not first:
                if k > last:
                    break
                if k not in todo:
                    offset += summaries[k].n
                    continue
            if run.spent() and (inc.best_ref is not None or best.n):  # something to score must remain
                run.out_of_budget = True
                if first:  # this space's rest and every later space: their cheap bounds
                    rest = [obj.lower_bound(*self.cheap[t]) for t in range(s, len(self.spaces))]
                    self.e_floor = min(
                        [self.e_floor, *(self.cheap[t][0] for t in range(s, len(self.spaces)))]
                    )
                    self.l_floor = min(
                        [self.l_floor, *(self.cheap[t][1] for t in range(s, len(self.spaces)))]
                    )
                else:
                    rest = [obj.lower_bound(summaries[j].e_min, summaries[j].l_min) for j in todo if j >= k]
                run.pending_lb.append(float(min(rest)))
                break
            e, lat, fits = self._bound(sid_all, F)
            F, e, lat, sid = F[fits], e[fits], lat[fits], sid_all[fits]
            n = int(e.size)
            index = np.arange(offset, offset + n, dtype=np.int64)
            offset += n
            value = obj.lower_bound(e, lat)
            if first:
                seen.update(int(x) for x in np.unique(sid))
                summaries.append(
                    _Summary(n, float(e.min()), float(lat.min()), float(value.max()))
                    if n
                    else _Summary(0, 0.0, 0.0, 0.0)
                )
                if n:
                    self.e_floor = min(self.e_floor, float(e.min()))
                    self.l_floor = min(self.l_floor, float(lat.min()))
            if not n:
                continue
            alive = ~inc.prunable(e, lat)
            if after is not None:
                alive &= (value > after[0]) | ((value == after[0]) & (index > after[1]))
            best.add(F[alive], sid[alive], e[alive], lat[alive], value[alive], index[alive])
        else:
            if first:
                self.summaries = summaries
        if first:
            self.searched = len(seen)
        return best.result(L, D)


@dataclass(frozen=True)
class Limits:
    """How much the search holds at once (from a memory ceiling; see :func:`limits_for`)."""

    call_bytes: int  # what one model call over a batch of rows may take
    keep_rows: int  # tilings held between passes (never fewer than a chunk: CHUNK_ROWS)

    def rows_per_call(self, loops: int) -> int:
        """Rows of ``loops`` loops one model call may take (at least 64, at most TILING_ROWS)."""
        return int(min(TILING_ROWS, max(64, self.call_bytes // (ROW_BYTES * max(1, loops)))))


def limits_for(max_memory_bytes: int, n_levels: int, n_dims: int) -> Limits:
    """Chunk sizes that keep the search's arrays within ``max_memory_bytes``: an eighth for one model
    call (about ``ROW_BYTES`` per loop of a row), a 64th for the tilings kept between passes (their
    factors and keys; up to three copies while trimming). Small ceilings give small chunks, never a
    failure: below the floors (CHUNK_ROWS kept tilings, 64 rows per call) the search runs at the floors.
    The chunks of the exact search (CHUNK_ROWS) do not depend on the ceiling: they decide the visit
    order, and with it which of several equal mappings is kept."""
    kept = 8 * (n_levels * n_dims + 5) * 3
    keep_rows = int(max(CHUNK_ROWS, max_memory_bytes // 64 // kept))
    return Limits(max_memory_bytes // 8, keep_rows)


ROW_BYTES = 320  # peak bytes per loop of a row in one bound call (measured: 135 to 250; docs/mapper.md)


def default_max_memory_bytes() -> int:
    """A quarter of the machine's physical memory (4 GiB where the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 4
    except (ValueError, OSError, AttributeError):
        return 4 << 30


class Run:
    """One layer's search state: the incumbent, the budget, and what was scored or left unexplored."""

    def __init__(
        self,
        inc: Incumbent,
        obj: Objective,
        cl: CompiledLayer,
        acc: Accelerator,
        classes: tuple[OperandClass, ...],
        evaluations: int | None,
        seconds: float | None,
        t0: float,
    ):
        self.inc, self.obj, self.cl, self.acc, self.classes = inc, obj, cl, acc, classes
        self.evaluations, self.seconds, self.t0 = evaluations, seconds, t0
        self.evaluated = 0  # mappings scored exactly
        self.pending_lb: list[float] = []  # lower bounds of parts left unexplored because of the budget
        self.out_of_budget = False

    def spent(self) -> bool:
        """The budget (evaluations or seconds) is used up."""
        if self.evaluations is not None and self.evaluated >= self.evaluations:
            return True
        return self.seconds is not None and time.perf_counter() - self.t0 >= self.seconds

    def exhausted(self) -> bool:
        """The budget is spent and a mapping was found (the search goes on until one is: a result
        must exist)."""
        return self.inc.best_ref is not None and self.spent()

    def _rows_left(self) -> int:
        """Rows for the next exact batch: a full batch, or what is left of an evaluation budget."""
        if self.evaluations is None:
            return CHUNK_ROWS
        return max(1, min(CHUNK_ROWS, self.evaluations - self.evaluated))

    def _stop(self, bound: np.ndarray) -> None:
        self.out_of_budget = True
        if bound.size:
            self.pending_lb.append(float(bound.min()))

    def search(self, pool: Pool, make_ref: Callable[[int, LoopArrays, int], Ref]) -> None:
        """Every tiling of the pool, best order-free bound first; ``make_ref(owner, loops, row)``.

        Pass by pass: each takes the next tilings in visit order (at most ``keep_rows``) and visits them
        as if the whole pool were sorted: a chunk whose makeup depends on tilings beyond the selection
        waits for the next pass, so the result does not depend on the memory ceiling."""
        after: tuple[float, int] | None = None
        while True:
            sel = pool.select(self, after)
            if sel.F.shape[0]:
                after = self._visit(pool, sel, make_ref, after)
            if self.out_of_budget:
                if not sel.complete and math.isfinite(sel.beyond_lb):
                    self.pending_lb.append(sel.beyond_lb)
                return
            if sel.complete:
                return

    def _visit(
        self, pool: Pool, sel: Selection, make_ref, after: tuple[float, int] | None
    ) -> tuple[float, int] | None:
        """Today's pass over a sorted selection; returns the key of the last tiling taken."""
        inc, obj = self.inc, self.obj
        F, sid, e_lb, l_lb = sel.F, sel.sid, sel.e_lb, sel.l_lb
        pid, masks, psid = patterns(F, sid)
        orders: dict[int, PatternOrders] = {}

        def po(p: int) -> PatternOrders:
            if p not in orders:
                orders[p] = pattern_orders(pool.spaces[psid[p]], masks[p], self.classes)
            return orders[p]

        # coarse bound rows per tiling: the loops of its deepest level with loops (at least one row)
        active = F > 1
        has = np.any(active, axis=2)  # [N, L]
        deep = np.where(np.any(has, axis=1), F.shape[1] - 1 - np.argmax(has[:, ::-1], axis=1), 0)
        groups = np.maximum(active[np.arange(F.shape[0]), deep].sum(axis=1), 1)
        alive = np.ones(F.shape[0], dtype=bool)
        pos = 0
        while pos < F.shape[0]:
            alive[pos:] &= ~inc.prunable(e_lb[pos:], l_lb[pos:])
            nxt = np.flatnonzero(alive[pos:])[:CHUNK_ROWS] + pos
            if nxt.size == 0:
                return after
            pos = int(nxt[0])
            if self.exhausted():
                rest = np.flatnonzero(alive[pos:]) + pos
                self._stop(obj.lower_bound(e_lb[rest], l_lb[rest]))
                return after
            cum = np.cumsum(groups[nxt])
            cut = int(np.searchsorted(cum, CHUNK_ROWS, side="left"))
            if not sel.complete and not self.out_of_budget and nxt.size < CHUNK_ROWS and cut >= nxt.size:
                return after  # this chunk would also take tilings beyond the selection: next pass
            take = nxt[: cut + 1]
            alive[take] = False
            pos = int(take[-1]) + 1
            after = (float(sel.value[take[-1]]), int(sel.index[take[-1]]))
            chunk = _Chunk(self, pool, F, sid, pid, masks, psid, po, e_lb)
            chunk.search(take, make_ref)
            if self.out_of_budget:
                rest = np.flatnonzero(alive[pos:]) + pos
                self._stop(obj.lower_bound(e_lb[rest], l_lb[rest]))
                return after
        return after

    def score(self, pool: Pool, parts: list[tuple[int, LoopArrays]], make_ref) -> None:
        """Score rows exactly (parts: (space index, rows)) and offer them to the incumbent."""
        loops = stack_loops([p for _, p in parts], len(self.acc.memories))
        row_space = np.concatenate([np.full(p.N, s, dtype=np.int64) for s, p in parts])
        res = evaluate_batch(self.cl, self.acc, loops, pool.spaces[0].keep)
        self.evaluated += loops.N
        ok = res.fits
        if ok.any():
            idx = np.flatnonzero(ok)
            self.inc.offer(
                res.energy_pj[idx],
                res.latency_cycles[idx].astype(float),
                lambda j: make_ref(pool.owners[int(row_space[idx[j]])], loops, int(idx[j])),
            )


def fix_innermost(
    loops: LoopArrays, fixed: np.ndarray, level: np.ndarray
) -> tuple[LoopArrays, np.ndarray, np.ndarray, np.ndarray]:
    """For each row and each temporal loop (factor > 1) of its level ``level[row]``: a copy of the row
    with that loop moved after the level's other temporal loops and marked fixed. Rows lay a level's
    temporal loops out contiguously (compact rows, as :func:`tiling_loops` makes them); a row whose level
    has none is kept once. Returns (rows, fixed, source row, dim of the moved loop or -1)."""
    N, K = loops.dim.shape
    on = ~loops.spatial & (loops.factor > 1) & (loops.level == level[:, None])
    a = np.argmax(on, axis=1)
    n_q = on.sum(axis=1)
    b = a + n_q
    reps = np.maximum(n_q, 1)
    row = np.repeat(np.arange(N), reps)
    j = a[row] + (np.arange(row.size) - np.repeat(np.cumsum(reps) - reps, reps))  # the loop moved
    has_q = n_q[row] > 0
    k = np.arange(K)[None, :]
    ar, br, jr = a[row][:, None], b[row][:, None], j[:, None]
    inside = (k >= ar) & (k < br) & has_q[:, None]
    src = np.where(inside, np.where(k == br - 1, jr, k + (k >= jr)), k)

    def move(arr: np.ndarray) -> np.ndarray:
        return np.take_along_axis(arr[row], src, axis=1)

    axis = loops.axis if loops.axis is not None else np.full(loops.dim.shape, -1, dtype=np.int64)
    out = LoopArrays(move(loops.dim), move(loops.factor), move(loops.level), move(loops.spatial), move(axis))
    new_fixed = move(fixed) | (has_q[:, None] & (k == br - 1))
    q_dim = np.where(has_q, loops.dim[row, np.minimum(j, K - 1)], -1)
    return out, new_fixed, row, q_dim


def group_of(
    masks: np.ndarray, classes: tuple[OperandClass, ...], pattern: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The order group (:func:`pattern_orders` numbering) of rows of the given patterns whose innermost
    loop per level is ``chosen`` [n, L] (-1: no loop there), and how many orders it holds; group -1 (and
    0 orders) where no kept order ends that way."""
    n, L = chosen.shape
    D = masks.shape[2]
    up, idx = np.unique(pattern, return_inverse=True)
    ends = np.zeros((up.size, L, D), dtype=bool)  # which dims a level's kept orders end with
    count = np.zeros((up.size, L, D), dtype=np.int64)  # how many kept orders end with each
    deep = np.zeros(up.size, dtype=np.int64)
    for i, p in enumerate(up):
        keys, counts, radix = group_keys(masks[p], classes)
        deep[i] = radix[0]
        for x in range(L):
            ends[i, x, keys[x]] = True
            count[i, x, keys[x]] = counts[x][: keys[x].size]
    idx = idx.reshape(-1)
    rows = np.arange(n)
    ok = np.ones(n, dtype=bool)
    size = np.ones(n, dtype=np.int64)
    digit = np.zeros((n, L), dtype=np.int64)
    base = np.ones((n, L), dtype=np.int64)
    for x in range(L):
        e = ends[idx, x]  # [n, D]
        has = e.any(axis=1)
        d = np.clip(chosen[:, x], 0, D - 1)
        ok &= ~has | ((chosen[:, x] >= 0) & e[rows, d])
        digit[:, x] = np.where(has, np.cumsum(e, axis=1)[rows, d] - 1, 0)
        base[:, x] = np.where(has, e.sum(axis=1), 1)
        size *= np.where(has, count[idx, x][rows, d], 1)
    dp = deep[idx]
    gid = np.zeros(n, dtype=np.int64)
    for x in range(L):  # the levels other than the deepest, in order, after the deepest's digit
        other = dp != x
        gid = np.where(other, gid * base[:, x] + digit[:, x], gid)
    rest = np.where(np.arange(L)[None, :] != dp[:, None], base, 1).prod(axis=1)
    gid = digit[rows, dp] * rest + gid
    return np.where(ok, gid, -1), np.where(ok, size, 0)


def tier_rows(
    loops: LoopArrays, L: int
) -> Generator[tuple[LoopArrays, np.ndarray, np.ndarray, np.ndarray], np.ndarray | None, None]:
    """The two tiers of bound rows of compact tiling rows: first (rows, fixed, source row, chosen
    innermost loop per level [n, L]) with the innermost loop of each row's deepest level with loops
    fixed; then, from those, with the innermost loop of every level fixed. The caller may prune rows of
    the first tier before asking for the second (send the kept row indices); the second tier's source
    rows index the first tier's rows. ``L``: the number of levels."""
    temporal = ~loops.spatial & (loops.factor > 1)
    deep = np.where(temporal, loops.level, -1).max(axis=1)
    fixed = np.zeros(loops.dim.shape, dtype=bool)
    loops, fixed, row, q = fix_innermost(loops, fixed, deep)
    deep = deep[row]
    chosen = np.full((row.size, L), -1, dtype=np.int64)
    chosen[np.arange(row.size), np.maximum(deep, 0)] = q
    keep = yield loops, fixed, row, chosen
    sel = np.arange(row.size) if keep is None else keep
    loops, fixed, deep, chosen, src = loops.take(sel), fixed[sel], deep[sel], chosen[sel], sel
    for x in range(L):
        other = np.where(deep != x, x, -1)  # -1: no level, the row is kept as it is
        if not (~loops.spatial & (loops.factor > 1) & (loops.level == other[:, None])).any():
            continue
        loops, fixed, row, q = fix_innermost(loops, fixed, other)
        deep, chosen, src = deep[row], chosen[row], src[row]
        chosen[:, x] = np.where(deep != x, q, chosen[:, x])
    yield loops, fixed, src, chosen


class _Chunk:
    """One chunk of a pool's tilings through the coarse groups, the groups and the exact orders.

    Bound rows are built for all tilings at once from their compact rows: first the innermost loop of
    the deepest level with loops is fixed (coarse groups), then, for the survivors, that of every other
    level (groups); a group is found from the fixed loops and expanded into its orders only if it can
    still beat the incumbent.
    """

    def __init__(self, run: Run, pool: Pool, F, sid, pid, masks, psid, po, e_lb: np.ndarray) -> None:
        self.run, self.pool, self.F, self.sid = run, pool, F, sid
        self.pid, self.masks, self.psid, self.po = pid, masks, psid, po
        self.e_lb = e_lb  # each tiling's energy bound over all orders: a group's bound is at least it

    def space(self, p: int) -> Space:
        return self.pool.spaces[int(self.psid[p])]

    def _bound(self, loops: LoopArrays, fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Group bounds of the rows, in batches the memory ceiling allows (each row's bound is its own)."""
        run = self.run
        step = self.pool.limits.rows_per_call(loops.K)
        e_parts, l_parts = [], []
        for a in range(0, loops.N, step):
            part, fx = loops.take(np.arange(a, min(loops.N, a + step))), fixed[a : a + step]
            spatial = part.spatial.T if self.pool.relocates else None
            counter = order_free_fills(run.cl, part.dim.T, fx.T, spatial=spatial)
            res = evaluate_batch(run.cl, run.acc, part, self.pool.spaces[0].keep, counter)
            e_parts.append(res.energy_pj)
            l_parts.append(res.latency_cycles)
        if not e_parts:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        return np.concatenate(e_parts), np.concatenate(l_parts)

    def search(self, take: np.ndarray, make_ref) -> None:
        run = self.run
        inc, obj = run.inc, run.obj
        rows, which = compact_rows(self.pool.spaces, self.F[take], self.sid[take])
        L = len(run.acc.memories)
        tiers = tier_rows(rows, L)
        tiling = take[which]
        loops, fixed, row, _ = next(tiers)  # coarse: the deepest level's innermost loop fixed
        e, lat = self._bound(loops, fixed)
        e = np.maximum(e, self.e_lb[tiling[row]])
        keep = np.flatnonzero(~inc.prunable(e, lat))
        loops, fixed, src, chosen = tiers.send(keep)  # every level's innermost loop fixed
        tiling = tiling[row[src]]
        e, lat = self._bound(loops, fixed) if loops.N else (e[keep], lat[keep])
        e = np.maximum(e, self.e_lb[tiling])
        keep = ~inc.prunable(e, lat)
        tiling, chosen, e, lat = tiling[keep], chosen[keep], e[keep], lat[keep]
        p_ = self.pid[tiling]
        g, size = group_of(self.masks, run.classes, p_, chosen)
        kept = g >= 0  # a choice no kept order makes stands for no mapping
        t, p_, g, size, e, lat = tiling[kept], p_[kept], g[kept], size[kept], e[kept], lat[kept]
        o = np.argsort(obj.lower_bound(e, lat), kind="stable")
        self._score_groups(t[o], p_[o], g[o], size[o], e[o], lat[o], make_ref)

    def _score_groups(self, t, p_, g, size, e1, l1, make_ref) -> None:
        """Expand the (tiling, group) pairs, best bound first, into their orders and score them."""
        run, F = self.run, self.F
        inc, obj = run.inc, run.obj
        alive = np.ones(t.size, dtype=bool)
        pos = 0
        while pos < t.size:
            alive[pos:] &= ~inc.prunable(e1[pos:], l1[pos:])
            nxt = np.flatnonzero(alive[pos:])
            if nxt.size == 0:
                return
            pos += int(nxt[0])
            if run.exhausted():
                rest = np.flatnonzero(alive[pos:]) + pos
                run._stop(obj.lower_bound(e1[rest], l1[rest]))
                return
            cum = np.cumsum(np.where(alive[pos:], size[pos:], 0))
            end = min(pos + int(np.searchsorted(cum, run._rows_left(), side="left")) + 1, t.size)
            sel = np.flatnonzero(alive[pos:end]) + pos
            alive[pos:end] = False
            pos = end
            parts = []
            key = p_[sel] * (int(g.max()) + 1) + g[sel]
            for k in np.unique(key):
                rows = sel[key == k]
                p = int(p_[rows[0]])
                exact = self.po(p).group_rows(int(g[rows[0]]))
                parts.append((int(self.psid[p]), _rows(self.space(p), F[t[rows]], exact)))
            run.score(self.pool, parts, make_ref)
