"""The best mappings of a whole network.

Layers run one after the other: network energy and latency are the sums over layers. An objective that
is a weighted sum decomposes, so each layer is searched alone. Network EDP, (sum E) x (sum L), does not:
the best network picks, per layer, a point of its (energy, latency) trade-off that need not be the
layer's own EDP optimum. It is solved exactly from each layer's lower convex hull of (energy, latency)
(search mode ``hull``): sqrt(E x L) is concave, so its minimum over the sums of per-layer points is at an
extreme point of the Minkowski sum of the hulls, and every extreme point is the per-layer minimizer of
E + lambda x L for one lambda >= 0. A scan over every breakpoint lambda of the per-layer hulls visits them all.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Literal

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper.constraints import Constraints
from carbonloop.mapper.objectives import Objective, get_objective
from carbonloop.mapper.search import Budget, FrontPoint, SearchResult, SpaceMemo, search_layer
from carbonloop.model.evaluate import LayerCost, evaluate
from carbonloop.model.mapping import Mapping
from carbonloop.workload.layer import Layer
from carbonloop.workload.network import Network


@dataclass(frozen=True)
class LayerSetup:
    """The accelerator and constraints one layer is searched on."""

    accelerator: Accelerator
    constraints: Constraints | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What tells two setups apart for the same layer shape (an accelerator's name names its
        structure: :func:`carbonloop.mapper.cut_orders.split_memory` renames what it splits)."""
        return (self.accelerator.name, repr(self.constraints))  # Constraints may hold dicts: unhashable


@dataclass(frozen=True)
class LayerChoice:
    """The mapping kept for one layer in the network optimum and its cost."""

    layer: str
    mapping: Mapping
    cost: LayerCost
    search: SearchResult


@dataclass(frozen=True)
class NetworkResult:
    network: str
    accelerator: str
    objective: str
    layers: tuple[LayerChoice, ...]
    energy_pj: float
    latency_cycles: int
    area_mm2: float
    clock_ns: float
    value: float
    optimal: bool
    seconds: float
    evaluated: int
    per_layer_value: float | None = None  # the layer-by-layer optimum's network value (EDP, deadline)
    network_gain: float | None = None  # 1 - value / per_layer_value
    lambda_lo: float | None = None  # the range of E + lambda x L weights the joint EDP pass searched
    lambda_hi: float | None = None

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.clock_ns


def combine_fronts(
    fronts: list[tuple[FrontPoint, ...]], objective: Objective | None = None
) -> tuple[list[int], float]:
    """Per layer, the index of the front point minimizing the network objective of (sum E, sum L):
    (sum E) x (sum L) by default, exact over convex hulls; for a deadline objective, the best of the
    per-layer minimizers of E + lambda x L over every breakpoint lambda."""
    value = objective.value if objective is not None else (lambda e, lat: e * lat)
    lambdas = {0.0}
    for pts in fronts:
        srt = sorted(pts, key=lambda p: (p.energy_pj, p.latency_cycles))
        for a, b in zip(srt, srt[1:], strict=False):
            dl = a.latency_cycles - b.latency_cycles
            if dl > 0:
                lambdas.add((b.energy_pj - a.energy_pj) / dl)
    cands = sorted(lambdas)
    probes = [0.0] + [x * (1 + 1e-9) + 1e-12 for x in cands] + [x * (1 - 1e-9) for x in cands if x > 0]
    probes.append(float("inf"))
    best: tuple[float, list[int]] | None = None
    for lam in sorted(set(probes)):
        pick = []
        for pts in fronts:
            key: list[tuple[float, float, int]]
            if lam == float("inf"):
                key = [(float(p.latency_cycles), p.energy_pj, i) for i, p in enumerate(pts)]
            else:
                key = [(p.energy_pj + lam * p.latency_cycles, p.latency_cycles, i) for i, p in enumerate(pts)]
            pick.append(min(key)[2])
        e = sum(f[i].energy_pj for f, i in zip(fronts, pick, strict=True))
        lat = sum(f[i].latency_cycles for f, i in zip(fronts, pick, strict=True))
        v = float(value(e, lat))
        if best is None or v < best[0]:
            best = (v, pick)
    assert best is not None
    return best[1], best[0]


def _floors(r: SearchResult) -> tuple[float, float]:
    """A layer's energy and latency floors over its whole mapspace, as its search recorded them."""
    if r.energy_floor_pj is None or r.latency_floor_cycles is None:
        raise ValueError(f"the search of {r.layer} recorded no floors")
    return r.energy_floor_pj, r.latency_floor_cycles


class _ShapeCache:
    """Search results by layer shape: a network's repeated layers (same dims, operands and precisions)
    have the same mapspace, so one search serves them all (relabelled; the search is deterministic).
    A reused result reports the time and evaluations of the search it came from once, then zero."""

    def __init__(self) -> None:
        self._seen: dict[tuple, SearchResult] = {}

    def get(
        self, layer: Layer, search: Callable[[Layer], SearchResult], setup: object = None
    ) -> SearchResult:
        """``setup``: what else the search of ``layer`` depends on (its own accelerator and constraints)."""
        key = (layer.shape_key, setup)
        if key not in self._seen:
            self._seen[key] = search(layer)
            return self._seen[key]
        r = self._seen[key]
        cost = dataclasses.replace(r.cost, layer=layer.name)
        return dataclasses.replace(r, layer=layer.name, cost=cost, seconds=0.0, evaluated=0)


def search_network(
    network: Network,
    acc: Accelerator,
    objective: str | Objective = "edp",
    *,
    constraints: Constraints | None = None,
    budget: Budget | int | float | None = None,
    imperfect: bool = False,
    level: Literal["network", "layer"] = "network",
    on_layer_done: Callable[[int, int, str], None] | None = None,
    max_memory_bytes: int | None = None,
    layer_setups: MappingABC[str, LayerSetup] | None = None,
) -> NetworkResult:
    """Best mapping per layer for a network-level ``objective``.

    ``layer_setups``: per layer name, the accelerator and constraints its search uses instead of ``acc``
    and ``constraints`` (a hierarchy that differs per layer, as ZigZag's per-layer top memory levels make
    it: :mod:`carbonloop.pipeline.top_memory`); its mapping and cost are on that accelerator.

    ``level="layer"`` optimizes a non-decomposing objective layer by layer instead (the usual practice,
    kept for comparison; ``per_layer_value`` always reports it for EDP). ``budget`` applies per
    layer. ``on_layer_done(i, n, name)`` is called after each layer (progress bars).
    ``max_memory_bytes``: the memory ceiling of each layer's search (:func:`search_layer`).
    """
    t0 = time.perf_counter()
    obj = get_objective(objective)
    n = len(network.layers)
    joint = not obj.decomposes and level == "network"
    results: list[SearchResult] = []
    # under a deadline, each layer first minimizes its energy (its share of a*E); latency only matters
    # if the sum then misses the period, which the joint pass below handles
    first = Objective(f"{obj.name} (energy pass)", "weighted", obj.a, 0.0) if obj.kind == "deadline" else obj
    same_shape = _ShapeCache()
    memo = SpaceMemo()  # the energy and hull passes of a layer shape search the same spaces

    setups = dict(layer_setups or {})

    def setup_of(layer: Layer) -> LayerSetup:
        return setups.get(layer.name) or LayerSetup(acc, constraints)

    def alone(layer: Layer) -> SearchResult:
        own = setup_of(layer)
        return search_layer(
            layer,
            own.accelerator,
            first,
            constraints=own.constraints,
            budget=budget,
            imperfect=imperfect,
            max_memory_bytes=max_memory_bytes,
            memo=memo,
        )

    for i, layer in enumerate(network.layers):
        results.append(same_shape.get(layer, alone, setup_of(layer).key))
        if on_layer_done is not None and not joint:
            on_layer_done(i, n, layer.name)
    per_layer_value: float | None = None
    network_gain: float | None = None
    lam_range: tuple[float, float] | None = None
    deadline_met_alone = False
    if not obj.decomposes:
        e_sep = sum(r.cost.energy_pj for r in results)
        l_sep = sum(r.cost.latency_cycles for r in results)
        per_layer_value = float(obj.value(e_sep, l_sep))
        if obj.kind == "deadline" and l_sep <= obj.period_cycles:
            # each layer at its least energy already meets the deadline: a*sum(E_min) + b*P is the bound
            deadline_met_alone = True
            joint = False
    if joint:
        # the network optimum minimizes E + lambda*L per layer for lambda = E*/L*, and
        # E_lb^2 / P0 <= E*/L* <= P0 / L_lb^2 with P0 the per-layer optimum's product (docs/mapper.md)
        # per layer: the least energy and latency bounds over its whole mapspace, from the first pass
        e_lb = sum(_floors(r)[0] for r in results)
        l_lb = sum(_floors(r)[1] for r in results)
        assert per_layer_value is not None  # set above: a joint search never decomposes
        p0 = per_layer_value
        if obj.kind == "deadline":
            # a * E + b * max(P, L): trading energy for latency is worth at most b / a pJ per cycle
            lam_range = (0.0, obj.b / obj.a if obj.a > 0 else float("inf"))
        else:
            lam_range = (e_lb * e_lb / p0, p0 / (l_lb * l_lb))
        hulls: list[SearchResult] = []
        same_shape = _ShapeCache()
        for i, layer in enumerate(network.layers):
            seed = results[i].front

            def hull(layer: Layer, seed: tuple[FrontPoint, ...] = seed) -> SearchResult:
                own = setup_of(layer)
                return search_layer(
                    layer,
                    own.accelerator,
                    obj,
                    constraints=own.constraints,
                    budget=budget,
                    imperfect=imperfect,
                    mode="hull",
                    lam_range=lam_range,
                    seed=seed,
                    max_memory_bytes=max_memory_bytes,
                    memo=memo,
                )

            hulls.append(same_shape.get(layer, hull, setup_of(layer).key))
            if on_layer_done is not None:
                on_layer_done(i, n, layer.name)
        separate, results = results, hulls
    else:
        separate = []
    choices = []
    if joint:
        pick, _ = combine_fronts([r.front for r in results], obj)
        for r, layer, i in zip(results, network.layers, pick, strict=True):
            m = r.front[i].mapping
            choices.append(LayerChoice(layer.name, m, evaluate(layer, setup_of(layer).accelerator, m), r))
    else:
        choices = [LayerChoice(r.layer, r.mapping, r.cost, r) for r in results]
    energy = sum(c.cost.energy_pj for c in choices)
    latency = sum(c.cost.latency_cycles for c in choices)
    if (
        joint and per_layer_value is not None and obj.value(energy, latency) > per_layer_value
    ):  # never worse than per layer
        choices = [LayerChoice(r.layer, r.mapping, r.cost, r) for r in separate]
        energy = sum(c.cost.energy_pj for c in choices)
        latency = sum(c.cost.latency_cycles for c in choices)
    value = float(obj.value(energy, latency)) if not obj.decomposes else sum(r.value for r in results)
    # the hull scan is exact for EDP (a concave network value); under a missed deadline it is the best
    # hull combination, not a proof (choosing per-layer points to just meet a deadline is a knapsack)
    proven = (obj.kind != "deadline" or deadline_met_alone) and obj.monotone
    if per_layer_value is not None and per_layer_value > 0:
        network_gain = 1 - value / per_layer_value
    return NetworkResult(
        network=network.name,
        accelerator=acc.name,
        objective=obj.name,
        layers=tuple(choices),
        energy_pj=float(energy),
        latency_cycles=int(latency),
        area_mm2=acc.area_mm2,
        clock_ns=acc.clock_ns,
        value=value,
        optimal=proven and all(r.optimal for r in results),
        seconds=time.perf_counter() - t0,
        evaluated=sum(r.evaluated for r in results) + sum(r.evaluated for r in separate),
        per_layer_value=per_layer_value,
        network_gain=network_gain,
        lambda_lo=None if lam_range is None else lam_range[0],
        lambda_hi=None if lam_range is None else lam_range[1],
    )
