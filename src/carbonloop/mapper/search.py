"""The best mapping of one layer: spatial candidates x keep patterns x tilings x loop orders, branch and bound.

Every mapping of the mapspace (docs/mapper.md) is either scored by the exact model
(:func:`carbonloop.model.evaluate.evaluate_batch`, thousands of rows per call) or provably no better than
one that was: its spatial candidate, or its tiling, has a lower bound on the objective at least the best
value found, or its loop order is dominated (:func:`carbonloop.mapper.temporal.level_orders`). With a
budget, the search stops early and reports the best found, the proven lower bound and the gap.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper.constraints import Constraints
from carbonloop.mapper.objectives import Objective, get_objective
from carbonloop.mapper.spatial import SpatialCandidate, select_first, spatial_candidates
from carbonloop.mapper.temporal import (
    PatternOrders,
    Space,
    coarse_count,
    coarse_orders,
    enumerate_tilings,
    expand_rows,
    lower_bound_scores,
    operand_classes,
    order_bound_scores,
    pattern_orders,
    patterns,
    stack_padded,
)
from carbonloop.model.evaluate import LayerCost, evaluate, evaluate_batch
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.model.nest import CompiledLayer, LoopArrays, compile_layer
from carbonloop.workload.layer import Layer

CHUNK_ROWS = 16384
_REL_TOL = 1e-9


@dataclass(frozen=True)
class Budget:
    """Stop after this many scored mappings or seconds (whichever first); None: no limit."""

    evaluations: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class FrontPoint:
    energy_pj: float
    latency_cycles: int
    mapping: Mapping


@dataclass(frozen=True)
class SearchResult:
    """The best mapping of a layer for an objective, with how it was found and how good it is proven."""

    layer: str
    objective: str
    mapping: Mapping
    cost: LayerCost
    value: float
    evaluated: int
    seconds: float
    optimal: bool
    gap: float  # (value - lower_bound) / value; 0 when optimal
    lower_bound: float
    front: tuple[FrontPoint, ...]  # non-dominated (energy, latency) points scored (exact hull in "hull" mode)
    spatial_candidates: int = 0
    spatial_searched: int = 0
    extra: dict[str, object] = field(default_factory=dict)


def _as_budget(budget: Budget | int | float | None) -> Budget:
    if budget is None or isinstance(budget, Budget):
        return budget or Budget()
    if isinstance(budget, bool):
        raise SpecError("<search>", "budget", "must be a number of evaluations, seconds or a Budget")
    if isinstance(budget, int):
        return Budget(evaluations=budget)
    return Budget(seconds=float(budget))


def keep_patterns(acc: Accelerator, constraints: Constraints) -> list[tuple[frozenset[str], ...]]:
    """Which operands each level keeps: what it can keep, or (bypass search) every subset of that."""
    base = [frozenset(m.operands) for m in acc.memories]
    if not constraints.bypass:
        return [tuple(base)]
    options: list[list[frozenset[str]]] = [[base[0]]]
    for ops in base[1:]:
        subsets = [
            frozenset(s) for r in range(len(ops), -1, -1) for s in itertools.combinations(sorted(ops), r)
        ]
        options.append(subsets)
    return [tuple(p) for p in itertools.product(*options)]


def make_space(
    cl: CompiledLayer,
    acc: Accelerator,
    cand: SpatialCandidate,
    keep: tuple[frozenset[str], ...],
    imperfect: bool,
) -> Space:
    index = {d: i for i, d in enumerate(cl.dims)}
    axes = acc.array.axis_names
    tagged = []
    for axis, unrolled in cand.unrolling:
        for d, f in unrolled:
            tagged.append((index[d], f, acc.fanout_level(axis), axes.index(axis)))
    tagged.sort(key=lambda t: t[2])  # stable: axis order within a level, as the mapping lists them
    loops = [(d, f, lv) for d, f, lv, _ in tagged]
    sp = np.ones(cl.D, dtype=np.int64)
    for d, f, _ in loops:
        sp[d] *= f
    temporal = -(-cl.sizes // sp)
    return Space(
        cl, acc, keep, tuple(loops), temporal.astype(np.int64), imperfect, tuple(a for *_, a in tagged)
    )


def row_mapping(
    layer: Layer,
    acc: Accelerator,
    cand: SpatialCandidate,
    keep: tuple[frozenset[str], ...],
    row,
    imperfect: bool,
) -> Mapping:
    dim, fac, lev, sp = row
    names = layer.dim_names
    levels = []
    for x, m in enumerate(acc.memories):
        temporal = tuple(
            Loop(names[int(d)], int(f))
            for d, f, lv, s in zip(dim, fac, lev, sp, strict=True)
            if lv == x and not s and f > 1
        )
        spatial = tuple(
            (axis, tuple(Loop(d, f) for d, f in loops))
            for axis, loops in cand.unrolling
            if loops and acc.fanout_level(axis) == x
        )
        k = None if keep[x] == frozenset(m.operands) else frozenset(keep[x])
        levels.append(LevelMapping(m.name, temporal, spatial, k))
    return Mapping(tuple(levels), imperfect, source="<mapper>")


class _Incumbent:
    """The best point so far (objective mode) or the lower convex hull of scored points (hull mode)."""

    def __init__(
        self,
        obj: Objective,
        mode: Literal["objective", "hull"],
        lam_range: tuple[float, float] = (0.0, math.inf),
    ):
        self.obj, self.mode, self.lam_range = obj, mode, lam_range
        self.best = math.inf
        self.best_ref: tuple | None = None
        self.points: list[tuple[float, float, tuple]] = []  # (energy, latency, ref), kept non-dominated

    def prunable(self, e: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if self.mode == "objective":
            if not math.isfinite(self.best):
                return np.zeros(e.shape, dtype=bool)
            return self.obj.value(e, lat) >= self.best * (1 - _REL_TOL)
        hull = self._hull()
        if not hull:
            return np.zeros(e.shape, dtype=bool)
        lo, hi = self.lam_range
        if lo == 0.0 and hi == math.inf:
            he = np.array([p[0] for p in hull])
            hl = np.array([p[1] for p in hull])
            bound = np.interp(e, he, hl, left=np.inf, right=hl[-1])
            return lat >= bound * (1 - _REL_TOL) - 1e-9
        # only weights lambda in [lo, hi] matter: prune when the node's best E + lambda*L cannot beat the
        # hull's at any of them (a convex function of lambda: check the ends and the hull's breakpoints)
        lams = {lo, hi}
        for a, b in zip(hull, hull[1:], strict=False):
            lam = (b[0] - a[0]) / (a[1] - b[1])
            if lo < lam < hi:
                lams.add(lam)
        he = np.array([p[0] for p in hull])
        hl = np.array([p[1] for p in hull])
        ok = np.ones(e.shape, dtype=bool)
        for lam in sorted(lams):
            if lam == math.inf:
                ok &= lat >= hl.min() * (1 - _REL_TOL)
                continue
            h = float((he + lam * hl).min())
            ok &= (e + lam * lat) >= h * (1 - _REL_TOL)
        return ok

    def _hull(self) -> list[tuple[float, float, tuple]]:
        pts = sorted(self.points, key=lambda p: (p[0], p[1]))
        hull: list[tuple[float, float, tuple]] = []
        for p in pts:
            if hull and p[1] >= hull[-1][1]:
                continue  # dominated (same or more latency at more energy)
            while len(hull) >= 2:
                (x1, y1, _), (x2, y2, _) = hull[-2], hull[-1]
                # drop the middle point when it is on or above the segment from hull[-2] to p
                if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) <= 0:
                    hull.pop()
                else:
                    break
            hull.append(p)
        return hull

    def offer(self, e: np.ndarray, lat: np.ndarray, make_ref) -> None:
        """Scored points ``e``, ``lat`` (rows of one batch, in stable order); ``make_ref(j)`` names row j."""
        vals = self.obj.value(e, lat)
        i = int(np.argmin(vals))
        if vals[i] < self.best * (1 - _REL_TOL) or self.best_ref is None:
            self.best, self.best_ref = float(vals[i]), make_ref(i)
        order = np.lexsort((np.arange(e.shape[0]), lat, e))
        cand = []
        best_l = math.inf
        for j in order:
            if lat[j] < best_l:
                cand.append((float(e[j]), float(lat[j]), j))
                best_l = lat[j]
        merged = sorted(
            [(p[0], p[1], 0, k, p[2]) for k, p in enumerate(self.points)]
            + [(c[0], c[1], 1, k, c[2]) for k, c in enumerate(cand)]
        )
        keep = []
        best_l = math.inf
        for pe, pl, new, _, ref in merged:
            if pl < best_l:
                keep.append((pe, pl, make_ref(ref) if new else ref))
                best_l = pl
        self.points = keep
        if self.mode == "hull":
            self.points = self._hull()


class _Run:
    """One layer's search state: the incumbent, the budget, and what was scored or left unexplored.

    A space (spatial candidate x keep pattern) is searched in two stages. Tilings are visited in order of
    their order-free bound; for a chunk of them, every group of loop orders (those sharing the innermost
    loop of every level) gets a tighter bound (:func:`order_bound_scores`), and only the groups that can
    still beat the incumbent are expanded into their orders and scored exactly, best bound first.
    """

    def __init__(self, inc: _Incumbent, obj: Objective, cl: CompiledLayer, acc: Accelerator, bud: Budget):
        self.inc, self.obj, self.cl, self.acc, self.bud = inc, obj, cl, acc, bud
        self.t0 = time.perf_counter()
        self.evaluated = 0  # mappings scored exactly
        self.bounded = 0  # (tiling, order group) bounds computed
        self.pending_lb: list[float] = []  # lower bounds of parts left unexplored because of the budget
        self.out_of_budget = False

    def exhausted(self) -> bool:
        bud = self.bud
        if bud.evaluations is not None and self.evaluated >= bud.evaluations:
            return True
        return bud.seconds is not None and time.perf_counter() - self.t0 >= bud.seconds

    def _rows_left(self) -> int:
        """Rows for the next exact batch: a full batch, or what is left of an evaluation budget."""
        if self.bud.evaluations is None:
            return CHUNK_ROWS
        return max(1, min(CHUNK_ROWS, self.bud.evaluations - self.evaluated))

    def _stop(self, *bounds: np.ndarray) -> None:
        self.out_of_budget = True
        rest = [b for b in bounds if b.size]
        if rest:
            self.pending_lb.append(float(min(b.min() for b in rest)))

    def search_space(self, space: Space, F: np.ndarray, e_lb, l_lb, classes, make_ref) -> None:
        inc, obj = self.inc, self.obj
        order = np.argsort(obj.value(e_lb, l_lb), kind="stable")
        F, e_lb, l_lb = F[order], e_lb[order], l_lb[order]
        pid, masks = patterns(F)
        orders: dict[int, PatternOrders] = {}

        def po(p: int) -> PatternOrders:
            if p not in orders:
                orders[p] = pattern_orders(space, masks[p], classes)
            return orders[p]

        groups = np.full(len(masks), -1, dtype=np.int64)  # order groups per pattern, counted on demand
        alive = np.ones(F.shape[0], dtype=bool)
        pos = 0
        while pos < F.shape[0]:
            alive[pos:] &= ~inc.prunable(e_lb[pos:], l_lb[pos:])
            nxt = np.flatnonzero(alive[pos:])[:CHUNK_ROWS] + pos
            if nxt.size == 0:
                return
            pos = int(nxt[0])
            if self.exhausted():
                rest = np.flatnonzero(alive[pos:]) + pos
                self._stop(obj.value(e_lb[rest], l_lb[rest]))
                return
            for p in np.unique(pid[nxt]):
                if groups[p] < 0:
                    groups[p] = coarse_count(masks[p], classes)
            cum = np.cumsum(groups[pid[nxt]])
            take = nxt[: int(np.searchsorted(cum, CHUNK_ROWS, side="left")) + 1]
            alive[take] = False
            pos = int(take[-1]) + 1
            self._search_groups(space, F, take, pid, masks, classes, po, make_ref)
            if self.out_of_budget:
                rest = np.flatnonzero(alive[pos:]) + pos
                self._stop(obj.value(e_lb[rest], l_lb[rest]))
                return

    def _search_groups(self, space, F, take, pid, masks, classes, po, make_ref) -> None:
        """Bound the tilings ``take`` per coarse order group, then per group, and score the groups that
        can still win, best bound first."""
        inc, obj = self.inc, self.obj
        blocks, tiles, pats, cgrps = [], [], [], []
        for p in np.unique(pid[take]):
            sel = take[pid[take] == p]
            rows_c, fixed_c = coarse_orders(space, masks[p], classes)
            Gc = rows_c[0].shape[0]
            blocks.append((F[sel], rows_c, fixed_c))
            tiles.append(np.repeat(sel, Gc))
            pats.append(np.full(sel.size * Gc, p))
            cgrps.append(np.tile(np.arange(Gc), sel.size))
        e0, l0 = order_bound_scores(space, blocks)
        self.bounded += e0.size
        keep = ~inc.prunable(e0, l0)
        t0, p0, c0 = np.concatenate(tiles)[keep], np.concatenate(pats)[keep], np.concatenate(cgrps)[keep]
        # second tier: every group of the surviving coarse groups
        tiles, pats, grps, es, ls = [], [], [], [], []
        key = p0 * (int(c0.max(initial=0)) + 1) + c0
        blocks, rows = [], 0
        for k in np.unique(key):
            sel = np.flatnonzero(key == k)
            orders = po(int(p0[sel[0]]))
            bound, fixed, gids = orders.fine_bounds(int(c0[sel[0]]))
            blocks.append((F[t0[sel]], bound, fixed))
            tiles.append(np.repeat(t0[sel], gids.size))
            pats.append(np.full(sel.size * gids.size, p0[sel[0]]))
            grps.append(np.tile(gids, sel.size))
            rows += sel.size * gids.size
            if rows >= CHUNK_ROWS:
                e1, l1 = order_bound_scores(space, blocks)
                es.append(e1)
                ls.append(l1)
                blocks, rows = [], 0
        if blocks:
            e1, l1 = order_bound_scores(space, blocks)
            es.append(e1)
            ls.append(l1)
        if not es:
            return
        e1, l1 = np.concatenate(es), np.concatenate(ls)
        self.bounded += e1.size
        t, p_, g = np.concatenate(tiles), np.concatenate(pats), np.concatenate(grps)
        keep = ~inc.prunable(e1, l1)
        t, p_, g, e1, l1 = t[keep], p_[keep], g[keep], e1[keep], l1[keep]
        order = np.argsort(obj.value(e1, l1), kind="stable")
        t, p_, g, e1, l1 = t[order], p_[order], g[order], e1[order], l1[order]
        size = np.array([po(int(a)).starts[b + 1] - po(int(a)).starts[b] for a, b in zip(p_, g, strict=True)])
        alive = np.ones(t.size, dtype=bool)
        pos = 0
        while pos < t.size:
            alive[pos:] &= ~inc.prunable(e1[pos:], l1[pos:])
            nxt = np.flatnonzero(alive[pos:])
            if nxt.size == 0:
                return
            pos += int(nxt[0])
            if self.exhausted():
                rest = np.flatnonzero(alive[pos:]) + pos
                self._stop(obj.value(e1[rest], l1[rest]))
                return
            cum = np.cumsum(np.where(alive[pos:], size[pos:], 0))
            end = min(pos + int(np.searchsorted(cum, self._rows_left(), side="left")) + 1, t.size)
            sel = np.flatnonzero(alive[pos:end]) + pos
            alive[pos:end] = False
            pos = end
            parts = []
            key = p_[sel] * (int(g.max()) + 1) + g[sel]
            for k in np.unique(key):
                rows = sel[key == k]
                parts.append(expand_rows(F[t[rows]], po(int(p_[rows[0]])).group_rows(int(g[rows[0]]))))
            self._score(space, stack_padded(parts, space.L), make_ref)

    def _score(self, space: Space, loops: LoopArrays, make_ref) -> None:
        res = evaluate_batch(self.cl, self.acc, space.with_axes(loops), space.keep)
        self.evaluated += loops.N
        ok = res.fits
        if ok.any():
            idx = np.flatnonzero(ok)
            self.inc.offer(
                res.energy_pj[idx],
                res.latency_cycles[idx].astype(float),
                lambda j, idx=idx, loops=loops: make_ref(loops, int(idx[j])),
            )


def _cheap_bound(space: Space, obj: Objective, layer: Layer) -> tuple[float, float]:
    """Energy and latency no mapping of a spatial candidate can beat: its MACs and temporal iterations."""
    acc = space.acc
    T = int(np.prod(space.temporal_sizes))
    used = math.prod(f for _, f, _ in space.spatial_loops) if space.spatial_loops else 1
    e = T * used * acc.array.mac_pj
    m0 = acc.memories[0]
    for op in layer.operands:
        fp = layer.footprint(op)
        bits = op.bits if op.role != "O" else min(op.bits, op.psum_bits)
        e += fp * bits / m0.width_bits * (m0.read_pj if op.role != "O" else m0.update_pj)
    return e, float(T * acc.array.cycles_per_mac)


def search_layer(
    layer: Layer,
    acc: Accelerator,
    objective: str | Objective = "edp",
    *,
    constraints: Constraints | None = None,
    budget: Budget | int | float | None = None,
    imperfect: bool = False,
    mode: Literal["objective", "hull"] = "objective",
    lam_range: tuple[float, float] = (0.0, math.inf),
    seed: tuple[FrontPoint, ...] = (),
) -> SearchResult:
    """Best mapping of ``layer`` on ``acc`` for ``objective`` (see :mod:`carbonloop.mapper.objectives`).

    ``mode="hull"`` prunes only what cannot reach the lower convex hull of (energy, latency): the result's
    ``front`` is then that hull exactly (what network-level EDP needs), and ``mapping`` the objective's
    best on it. ``lam_range`` limits the hull to the part where some ``E + lambda*L`` with lambda in the
    range is minimal (exact there; network EDP needs only the range its optimum can lie in). ``seed``:
    already scored points of this layer on this accelerator (e.g. an earlier search's front) to prune with. ``budget``: a :class:`Budget`, an int (evaluations) or a float (seconds).
    """
    t0 = time.perf_counter()
    obj = get_objective(objective)
    constraints = constraints or Constraints()
    bud = _as_budget(budget)
    cl = compile_layer(layer)
    classes = operand_classes(cl)
    cands = spatial_candidates(layer, acc, constraints, imperfect=imperfect)
    keeps = keep_patterns(acc, constraints)
    first = select_first(cands, constraints)
    inc = _Incumbent(obj, mode, lam_range)
    if seed:
        pts = sorted(seed, key=lambda p: (p.energy_pj, p.latency_cycles))
        inc.offer(
            np.array([p.energy_pj for p in pts]),
            np.array([float(p.latency_cycles) for p in pts]),
            lambda j: ("mapping", pts[j].mapping),
        )
    run = _Run(inc, obj, cl, acc, bud)
    searched = 0
    spaces: list[tuple[int, int, Space]] = [
        (ci, ki, make_space(cl, acc, c, k, imperfect))
        for ci, c in enumerate(cands)
        for ki, k in enumerate(keeps)
    ]
    cheap = [_cheap_bound(s, obj, layer) for _, _, s in spaces]

    # floors: energy and latency no mapping of the layer can beat, whatever the objective (each space
    # gives the least of its tilings' bounds when they are computed, else its cheap bound)
    e_floor, l_floor = math.inf, math.inf
    for si, (ci, ki, space) in enumerate(spaces):
        ce, clat = cheap[si]
        if run.out_of_budget or run.exhausted():
            run.out_of_budget = True
            e_floor, l_floor = min(e_floor, ce), min(l_floor, clat)
            if not inc.prunable(np.array([ce]), np.array([clat]))[0]:
                run.pending_lb.append(float(obj.value(ce, clat)))
            continue
        if ci >= first and inc.prunable(np.array([ce]), np.array([clat]))[0]:
            e_floor, l_floor = min(e_floor, ce), min(l_floor, clat)
            continue
        F = enumerate_tilings(space)
        if F.shape[0] == 0:
            continue
        e_lb, l_lb, fits = lower_bound_scores(space, F)
        F, e_lb, l_lb = F[fits], e_lb[fits], l_lb[fits]
        if F.shape[0] == 0:
            continue
        e_floor, l_floor = min(e_floor, float(e_lb.min())), min(l_floor, float(l_lb.min()))
        searched += 1
        run.search_space(
            space, F, e_lb, l_lb, classes, lambda loops, i, ci=ci, ki=ki: (ci, ki, loops_row(loops, i))
        )
    if inc.best_ref is None:
        raise SpecError(
            "<mapper>",
            f"layers.{layer.name}",
            f"no mapping of {layer.name} fits {acc.name} (every tile overflows)",
        )

    def build(ref: tuple) -> Mapping:
        if ref[0] == "mapping":
            return ref[1]
        ci, ki, row = ref
        return row_mapping(layer, acc, cands[ci], keeps[ki], row, imperfect)

    if mode == "hull":
        front_pts = inc._hull()
        vals = [float(obj.value(p[0], p[1])) for p in front_pts]
        bi = int(np.argmin(vals))
        best_ref, best_val = front_pts[bi][2], vals[bi]
    else:
        front_pts = inc.points
        best_ref, best_val = inc.best_ref, inc.best
    mapping = build(best_ref)
    cost = evaluate(layer, acc, mapping)
    lower = min([best_val, *run.pending_lb])
    gap = 0.0 if best_val <= 0 else max(0.0, (best_val - lower) / best_val)
    front = tuple(FrontPoint(p[0], int(p[1]), build(p[2])) for p in front_pts)
    return SearchResult(
        layer=layer.name,
        objective=obj.name,
        mapping=mapping,
        cost=cost,
        value=float(obj.value(cost.energy_pj, cost.latency_cycles)),
        evaluated=run.evaluated,
        seconds=time.perf_counter() - t0,
        optimal=not run.pending_lb,
        gap=gap,
        lower_bound=lower,
        front=front,
        spatial_candidates=len(cands),
        spatial_searched=searched,
        extra={"energy_floor_pj": e_floor, "latency_floor_cycles": l_floor},
    )


def loops_row(loops: LoopArrays, j: int) -> tuple:
    return (loops.dim[j].copy(), loops.factor[j].copy(), loops.level[j].copy(), loops.spatial[j].copy())
