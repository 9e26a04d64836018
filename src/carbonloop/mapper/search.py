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
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper import reuse
from carbonloop.mapper.cheap_bounds import CheapBounds, CheapView, base_bound, energy_monotone
from carbonloop.mapper.constraints import Constraints
from carbonloop.mapper.energy_bounds import candidate_extra_energy
from carbonloop.mapper.incumbent import Incumbent
from carbonloop.mapper.objectives import Objective, get_objective
from carbonloop.mapper.pool import Pool, Run, default_max_memory_bytes, limits_for
from carbonloop.mapper.spatial import (
    SpatialCandidate,
    generated_spatial,
    padded_dims,
    select_first,
    spatial_candidates,
)
from carbonloop.mapper.temporal import Space, operand_classes
from carbonloop.model.capacity import capacity_bits, diagonal_rows_fit, has_diagonal_levels
from carbonloop.model.evaluate import LayerCost, evaluate
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.model.nest import CompiledLayer, LoopArrays, compile_layer
from carbonloop.workload.layer import Layer

POOL_SPACES = 32  # spaces whose tilings are searched together (beyond the always-searched ones)


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
    # what no mapping of the layer can beat, whatever the objective (None: not recorded)
    energy_floor_pj: float | None = None
    latency_floor_cycles: float | None = None


def _as_budget(budget: Budget | int | float | None) -> Budget:
    if budget is None or isinstance(budget, Budget):
        return budget or Budget()
    if isinstance(budget, bool):
        raise SpecError("<search>", "budget", "must be a number of evaluations, seconds or a Budget")
    if isinstance(budget, int):
        return Budget(evaluations=budget)
    return Budget(seconds=float(budget))


MAX_MACS = 2**53  # a layer's MAC count (product of its dim sizes) at most this (exact in int64 and float)
MAX_IMPERFECT_DIM = 2**16  # with imperfect factors a dim's temporal factors are every integer up to it


def check_sizes(layer: Layer, imperfect: bool) -> None:
    """Refuse layers whose counts could overflow the model's integers, and imperfect-factor searches
    whose mapspace grows linearly with a dim's size (perfect factors are divisors: any size is fast)."""
    macs = math.prod(s for _, s in layer.dims)
    if macs > MAX_MACS:
        raise SpecError(
            "<mapper>",
            f"layers.{layer.name}.dims",
            f"{macs} MACs is above the mapper's limit 2**53 (product of the dim sizes)",
        )
    if imperfect:
        for d, s in layer.dims:
            if s > MAX_IMPERFECT_DIM:
                raise SpecError(
                    "<mapper>",
                    f"layers.{layer.name}.dims.{d}",
                    f"{s} is above {MAX_IMPERFECT_DIM}, the limit for imperfect factors (use perfect factors)",
                )


def _as_memory(max_memory_bytes: int | None) -> int:
    if max_memory_bytes is None:
        return default_max_memory_bytes()
    if isinstance(max_memory_bytes, bool) or not isinstance(max_memory_bytes, int) or max_memory_bytes <= 0:
        raise SpecError(
            "<search>", "max_memory_bytes", f"must be a positive number of bytes, got {max_memory_bytes!r}"
        )
    return max_memory_bytes


def keep_patterns(acc: Accelerator, constraints: Constraints) -> list[tuple[frozenset[str], ...]]:
    """Which operands each level keeps: what it can keep, or (bypass search) every subset of that."""
    base: list[frozenset[str]] = [frozenset(m.operands) for m in acc.memories]
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
    top_level_by_dim: tuple[int, ...] = (),
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
    for di, f, _ in loops:
        sp[di] *= f
    temporal = -(-cl.sizes // sp)
    return Space(
        cl,
        acc,
        keep,
        tuple(loops),
        temporal.astype(np.int64),
        imperfect,
        tuple(a for *_, a in tagged),
        padded=bool(np.any(cl.sizes % sp)),
        top_level_by_dim=top_level_by_dim,
    )


def resident_top_levels(acc: Accelerator, cl: CompiledLayer, constraints: Constraints) -> tuple[int, ...]:
    """Per dim, the outermost level that may hold its temporal loops under ``constraints.resident``: a
    level holding an operand whole holds every loop of the dims the operand's footprint depends on (its
    relevant dims, sliding windows included), so none of them loops above it. Empty without residents."""
    if not constraints.resident:
        return ()
    top = [0] * cl.D
    names = acc.level_names
    for level, roles in constraints.resident:
        if level not in names:
            raise SpecError(
                "<mapper>", "constraints.resident", f"unknown memory level {level!r} (levels: {list(names)})"
            )
        x = names.index(level)
        missing = set(roles) - set(acc.memories[x].operands)
        if missing:
            raise SpecError(
                "<mapper>",
                "constraints.resident",
                f"level {level!r} does not keep {sorted(missing)} (keeps {sorted(acc.memories[x].operands)})",
            )
        for op in cl.operands:
            if op.role in roles:
                for d in op.relevant_dims:
                    top[d] = max(top[d], x)
    return tuple(top)


def _keeps_residents(keep: tuple[frozenset[str], ...], acc: Accelerator, constraints: Constraints) -> bool:
    names = acc.level_names
    return all(set(roles) <= keep[names.index(level)] for level, roles in constraints.resident)


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
    return Mapping(tuple(levels), imperfect or bool(padded_dims(layer, cand.factors())), source="<mapper>")


def _cheap_bound(space: Space, layer: Layer) -> tuple[float, float]:
    """Energy and latency no mapping of a spatial candidate can beat: its compute energy and temporal
    iterations (both fixed by the unrolling; on an IMC macro the pass energy of the rows and columns it
    uses) plus every operand moved once at the outermost level (:func:`base_bound`), plus what the MACs
    read from the inner levels and the refills no tile of a capacity-limited level avoids
    (``candidate_extra_energy``). A search reads these through :class:`CheapBounds`, which computes the
    extra only where the base does not settle the question."""
    e, lat = base_bound(space, layer)
    e += candidate_extra_energy(space, operand_classes(space.cl))
    return e, lat


@dataclass(frozen=True)
class Prepared:
    """What a search of one layer shape on one accelerator builds before any tiling is visited: its
    spatial candidates, keep patterns, spaces (candidate x pattern) and each space's cheap bound (its
    costly part computed on first use and kept for the next search of the shape)."""

    cands: list[SpatialCandidate]
    keeps: list[tuple[frozenset[str], ...]]
    spaces: list[tuple[int, int, Space]]
    cheap: CheapBounds


class SpaceMemo:
    """:class:`Prepared` by layer shape, for the searches of one network on one accelerator with one set
    of constraints: its energy pass and its hull pass search the same mapspaces, whose cheap bounds
    (``candidate_extra_energy``, the costliest part) depend on neither the objective nor the mode."""

    def __init__(self) -> None:
        self._by_shape: dict[tuple, tuple[Accelerator, Constraints, Prepared]] = {}

    def get(
        self, layer: Layer, acc: Accelerator, constraints: Constraints, imperfect: bool, cl: CompiledLayer
    ) -> Prepared:
        """The layer shape's :class:`Prepared`, built on first use (or when ``acc`` or ``constraints``
        differ from the memo's: it then serves the new ones)."""
        key = (layer.shape_key, imperfect, acc.name, repr(constraints))  # per-layer setups alternate
        hit = self._by_shape.get(key)
        if hit is not None and hit[0] is acc and hit[1] == constraints:
            return hit[2]
        prepared = prepare(layer, acc, constraints, imperfect, cl)
        self._by_shape[key] = (acc, constraints, prepared)
        return prepared


def prepare(
    layer: Layer, acc: Accelerator, constraints: Constraints, imperfect: bool, cl: CompiledLayer
) -> Prepared:
    cands = spatial_candidates(layer, acc, constraints, imperfect=imperfect)
    top = resident_top_levels(acc, cl, constraints)
    # a level holding an operand whole keeps it (a bypass pattern that drops it is not this mapspace)
    keeps = [k for k in keep_patterns(acc, constraints) if _keeps_residents(k, acc, constraints)]
    spaces = [
        (ci, ki, make_space(cl, acc, c, k, imperfect, top))
        for ci, c in enumerate(cands)
        for ki, k in enumerate(keeps)
    ]
    if has_diagonal_levels(acc):  # an unrolling whose diagonal lacks input rows fits no tiling: not searched
        spaces = [t for t in spaces if diagonal_rows_fit(acc, cl, t[2].spatial_rows())[0]]
    return Prepared(cands, keeps, spaces, CheapBounds([s for _, _, s in spaces], layer, acc))


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
    max_memory_bytes: int | None = None,
    ceiling: float | None = None,
    memo: SpaceMemo | None = None,
) -> SearchResult:
    """Best mapping of ``layer`` on ``acc`` for ``objective`` (see :mod:`carbonloop.mapper.objectives`).

    ``mode="hull"`` prunes only what cannot reach the lower convex hull of (energy, latency): the result's
    ``front`` is then that hull exactly (what network-level EDP needs), and ``mapping`` the objective's
    best on it. ``lam_range`` limits the hull to the part where some ``E + lambda*L`` with lambda in the
    range is minimal (exact there; network EDP needs only the range its optimum can lie in). ``seed``:
    already scored points of this layer on this accelerator (e.g. an earlier search's front) to prune with.
    ``budget``: a :class:`Budget`, an int (evaluations) or a float (seconds); it bounds the time spent
    enumerating and bounding tilings too. ``max_memory_bytes``: a ceiling for the search's arrays
    (default: a quarter of physical memory); a lower one makes the search work in smaller chunks, with
    the same result.

    ``ceiling`` (objective mode, exact search): an objective value some mapping of the mapspace is known
    to reach (e.g. a neighbouring design's best mapping scored on ``acc``). Everything whose bound is above
    it is pruned; it is never returned, so the result is the one found without it, with fewer mappings
    scored (docs/mapper.md, "Reuse across a sweep"). If nothing scored reaches it (it came from outside
    the mapspace) the search runs again without it. Inside :func:`carbonloop.mapper.reuse.sweep_reuse`
    the ceiling comes from the best mappings of earlier searches of the same layer shape and structure,
    and in hull mode the fronts of earlier hull searches give phantom points that prune the same way.

    ``memo``: shared by searches of layers on the same ``acc`` with the same ``constraints`` (a network's
    passes), so each layer shape's spaces and cheap bounds are built once; results are unchanged.
    """
    bud = _as_budget(budget)
    exact = bud.evaluations is None and bud.seconds is None
    key = None
    phantoms: tuple[tuple[float, float], ...] = ()
    if exact and reuse.active():
        key = reuse.structure_key(layer, acc, (constraints, imperfect, mode))
        if mode == "objective" and ceiling is None:
            ceiling = reuse.ceiling(key, layer, acc, get_objective(objective))
        if mode == "hull":
            phantoms = reuse.points(key, layer, acc)
    usable = ceiling if mode == "objective" and exact else None

    def run(
        limit: float | None,
        known: tuple[tuple[float, float], ...] = (),
        cons: Constraints | None = constraints,
    ) -> SearchResult | None:
        return _search_layer(
            layer,
            acc,
            objective,
            constraints=cons,
            budget=budget,
            imperfect=imperfect,
            mode=mode,
            lam_range=lam_range,
            seed=seed,
            max_memory_bytes=max_memory_bytes,
            ceiling=limit,
            phantoms=known,
            memo=memo,
        )

    try:
        res = run(usable, phantoms)
    except NothingFits:
        cons = constraints or Constraints()
        if cons.spatial is not None or not cons.generated_spatial or not generated_spatial(acc):
            raise
        # none of the generated unrollings fits the hardware (an SRAM smaller than one unrolled weight
        # tile): the layer is searched over the hints' whole mapspace instead, so the point is kept
        res = run(None, (), replace(cons, generated_spatial=False))
    if res is None:  # the ceiling was below this mapspace's optimum: not a bound, search without it
        res = run(None)
        assert res is not None
    if key is not None:
        if mode == "hull":
            reuse.remember(key, *(p.mapping for p in res.front), keep=0)
        else:
            reuse.remember(key, res.mapping)
    return res


class NothingFits(SpecError):
    """No mapping of the layer's mapspace fits the hardware (every tile overflows)."""


def _element_overflows(layer: Layer, acc: Accelerator, spaces: list[Space]) -> str:
    """Why nothing fits when some level cannot hold even one element of an operand it keeps (e.g. a CiM
    macro's 4-bit cells under a layer's 8-bit weights): the tile of such a level is at least one element,
    so the cause is the precision, not the mapping. Empty when every level holds one element of each.
    Capacity is the most any space's unrolling gives a level (the model's rule, ``Space.capacity_bits``)."""
    capacity = capacity_bits(acc)
    if spaces:
        capacity = np.max([s.capacity_bits for s in spaces], axis=0)
    for x, mem in enumerate(acc.memories):
        for operand in layer.operands:
            if mem.keeps(operand.role) and operand.bits > capacity[x]:
                return (
                    f": level {mem.name!r} holds {capacity[x]:g} bits per instance but one {operand.name} element"
                    f" of {layer.name} is {operand.bits} bits (the layer's precision exceeds the hardware's)"
                )
    return ""


def _search_layer(
    layer: Layer,
    acc: Accelerator,
    objective: str | Objective,
    *,
    constraints: Constraints | None,
    budget: Budget | int | float | None,
    imperfect: bool,
    mode: Literal["objective", "hull"],
    lam_range: tuple[float, float],
    seed: tuple[FrontPoint, ...],
    max_memory_bytes: int | None,
    ceiling: float | None,
    phantoms: tuple[tuple[float, float], ...] = (),
    memo: SpaceMemo | None = None,
) -> SearchResult | None:
    """:func:`search_layer` with an explicit ``ceiling``; None when the ceiling pruned every mapping that
    reaches it (it was below the optimum)."""
    t0 = time.perf_counter()
    obj = get_objective(objective)
    constraints = constraints or Constraints()
    bud = _as_budget(budget)
    check_sizes(layer, imperfect)
    limits = limits_for(_as_memory(max_memory_bytes), len(acc.memories), len(layer.dims))
    cl = compile_layer(layer)
    classes = operand_classes(cl)
    prepared = (memo or SpaceMemo()).get(layer, acc, constraints, imperfect, cl)
    cands, keeps, spaces, cheap = prepared.cands, prepared.keeps, prepared.spaces, prepared.cheap
    first = select_first(cands, constraints)
    inc = Incumbent(obj, mode, lam_range, ceiling=ceiling, phantoms=phantoms)
    if seed:
        pts = sorted(seed, key=lambda p: (p.energy_pj, p.latency_cycles))
        inc.offer(
            np.array([p.energy_pj for p in pts]),
            np.array([float(p.latency_cycles) for p in pts]),
            lambda j: ("mapping", pts[j].mapping),
        )
    run = Run(inc, obj, cl, acc, classes, bud.evaluations, bud.seconds, t0)
    # floors: energy and latency no mapping of the layer can beat, whatever the objective (each space
    # gives the least of its tilings' bounds when they are computed, else its cheap bound)
    floor = [math.inf, math.inf]
    skipped: list[int] = []  # spaces not searched: their cheap bounds are floors
    after_budget: list[int] = []  # spaces reached once the budget ran out

    def prunable(e: float, lat: float) -> bool:
        return bool(inc.prunable(np.array([e]), np.array([lat]))[0])

    def make_ref(si: int, loops: LoopArrays, j: int) -> tuple:
        ci, ki, _ = spaces[si]
        return (ci, ki, loops_row(loops, j))

    # a space prunable at its base energy is prunable at its full cheap energy when the incumbent's test
    # is non-decreasing in energy: objective mode, and hull mode over a lambda range other than the whole
    # [0, inf) (whose interpolation along the hull is not provably monotone in float arithmetic)
    prune_by_base = (
        cheap.lazy
        and energy_monotone(obj)
        and (mode == "objective" or (lam_range[0] >= 0 and lam_range != (0.0, math.inf)))
    )
    # the best `first` candidates always; then the others, cheapest bound first, a few spaces per pool,
    # each only while its cheap bound can still beat the incumbent. The order is computed only as far as
    # the waves take it: once the incumbent prunes every space left, even at its base energy, none of
    # them would be searched (the incumbent only improves), and the order of the rest no longer matters
    always = [si for si, (ci, _, _) in enumerate(spaces) if ci < first]
    order = cheap.order([si for si, (ci, _, _) in enumerate(spaces) if ci >= first], obj)
    wave, wave_no = always, 0
    searched = 0
    while True:
        for ki in range(len(keeps)):
            members = []
            for si in wave:
                if spaces[si][1] != ki:
                    continue
                if run.exhausted():
                    run.out_of_budget = True
                    after_budget.append(si)
                elif wave_no > 0 and prunable(*cheap[si]):
                    skipped.append(si)
                else:
                    members.append(si)
            if not members:
                continue
            pool = Pool(
                cl, acc, [spaces[si][2] for si in members], members, CheapView(cheap, members), limits
            )
            run.search(pool, make_ref)
            # a pool where no tiling fits moves neither floor (its spaces hold no mapping)
            floor[0], floor[1] = min(floor[0], pool.e_floor), min(floor[1], pool.l_floor)
            searched += pool.searched
        wave_no += 1
        left = order.remaining()
        if left and run.exhausted():
            run.out_of_budget = True
            after_budget.extend(left)
            break
        if prune_by_base and (
            not left
            or inc.prunable(
                np.array([cheap.known_energy(si) for si in left]),
                np.array([cheap.latency[si] for si in left]),
            ).all()
        ):
            skipped.extend(left)
            break
        wave = order.take(POOL_SPACES)
        if not wave:
            break
    # what the budget left: each space the incumbent cannot prune leaves its cheap bound unexplored
    unexplored = cheap.least_unpruned_bound(after_budget, obj, prunable, prune_by_base)
    if unexplored is not None:
        run.pending_lb.append(unexplored)
    skipped += after_budget
    floor[0] = cheap.min_energy(skipped, below=floor[0])
    floor[1] = min([floor[1], *(cheap.latency[si] for si in skipped)])
    e_floor, l_floor = floor
    if (ceiling is not None and not inc.reached_ceiling()) or not inc.phantoms_reached():
        return None
    if inc.best_ref is None:
        raise NothingFits(
            "<mapper>",
            f"layers.{layer.name}",
            f"no mapping of {layer.name} fits {acc.name} (every tile overflows){_element_overflows(layer, acc, [s for _, _, s in spaces])}",
        )

    def build(ref: tuple) -> Mapping:
        if ref[0] == "mapping":
            return ref[1]
        ci, ki, row = ref
        return row_mapping(layer, acc, cands[ci], keeps[ki], row, imperfect)

    if mode == "hull":
        front_pts = inc.hull()
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
        energy_floor_pj=e_floor,
        latency_floor_cycles=l_floor,
    )


def loops_row(loops: LoopArrays, j: int) -> tuple:
    return (loops.dim[j].copy(), loops.factor[j].copy(), loops.level[j].copy(), loops.spatial[j].copy())
