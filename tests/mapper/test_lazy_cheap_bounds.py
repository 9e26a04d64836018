"""Lazy cheap bounds (mapper/cheap_bounds.py): the order, floors and budget bounds a search reads from them
are the eager ones, and a search gives the same result whether the extras are computed lazily or all.

The CarbonSpot profiles here leave out ZigZag's spatial generator (``carbonspot-zigzag_spatial_generator``):
it gives a layer one or two unrollings, and these tests need the whole spatial mapspace the hints allow."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.hardware.imc import imc
from carbonloop.hardware.templates import digital
from carbonloop.mapper import Constraints, get_objective, search_layer
from carbonloop.mapper.cheap_bounds import CheapBounds, LazyOrder
from carbonloop.mapper.search import SpaceMemo, _cheap_bound
from carbonloop.model.nest import compile_layer
from carbonloop.workload import zoo
from carbonloop.workload.builders import conv2d

SEARCHED_PROFILE = "carbonspot-zigzag_spatial_generator"


class Synthetic(CheapBounds):
    """A CheapBounds over given base energies, extras and latencies (no spaces), counting refinements."""

    def __init__(self, base: list[float], extra: list[float], lat: list[float]) -> None:
        self.base_energy, self.latency, self._hidden = list(base), list(lat), list(extra)
        self._extra: list[float | None] = [None] * len(base)
        self.lazy = True
        self.refinements = 0

    def __len__(self) -> int:
        return len(self.base_energy)

    def energy(self, i: int) -> float:
        if self._extra[i] is None:
            self._extra[i] = self._hidden[i]
            self.refinements += 1
        return self.base_energy[i] + self._hidden[i]


def test_order_by_full_bound_refines_only_what_precedes_the_taken_ones():
    # energy objective: full = base + extra = [1+10, 5+0, 2+0, 7+0] = [11, 5, 2, 7] -> order 2, 1, 3, 0
    cheap = Synthetic([1.0, 5.0, 2.0, 7.0], [10.0, 0.0, 0.0, 0.0], [1.0] * 4)
    order = LazyOrder(cheap, [0, 1, 2, 3], get_objective("energy"))
    # the first: base 1 (space 0) is refined to 11, then base 2 (space 2) to 2, which is now on top
    assert order.next() == 2
    assert cheap.refinements == 2
    assert order.next() == 1  # base 5 refined to 5; 7 and 11 stay above it
    assert cheap.refinements == 3
    assert order.take(5) == [3, 0]
    assert order.remaining() == []


def test_ties_keep_index_order_as_a_stable_sort_does():
    # full energies [3, 3, 3]; space 0 reaches 3 only with its extra: still first (index order)
    cheap = Synthetic([1.0, 3.0, 3.0], [2.0, 0.0, 0.0], [1.0] * 3)
    assert LazyOrder(cheap, [0, 1, 2], get_objective("energy")).take(3) == [0, 1, 2]


values = st.integers(min_value=0, max_value=6).map(float)  # small integers: many ties


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(values, values, st.integers(min_value=1, max_value=4).map(float)), max_size=25),
    objective=st.sampled_from(["energy", "latency", "edp", "weighted:a=1,b=50"]),
    threshold=st.floats(min_value=0, max_value=40),
)
def test_lazy_readers_equal_the_eager_ones(rows, objective, threshold):
    obj = get_objective(objective)
    base = [r[0] for r in rows]
    extra = [r[1] for r in rows]
    lat = [r[2] for r in rows]
    full = [b + x for b, x in zip(base, extra, strict=True)]
    n = len(rows)
    expected = sorted(range(n), key=lambda i: float(obj.lower_bound(full[i], lat[i])))
    assert LazyOrder(Synthetic(base, extra, lat), list(range(n)), obj).take(n + 1) == expected
    assert Synthetic(base, extra, lat).min_energy(range(n), below=threshold) == min([threshold, *full])

    def prunable(e: float, la: float) -> bool:  # non-decreasing in energy, as the incumbent's test
        return float(obj.lower_bound(e, la)) >= threshold

    kept = [float(obj.lower_bound(full[i], lat[i])) for i in range(n) if not prunable(full[i], lat[i])]
    for by_base in (False, True):
        got = Synthetic(base, extra, lat).least_unpruned_bound(range(n), obj, prunable, by_base)
        assert got == (min(kept) if kept else None)


@pytest.mark.parametrize("profile", ["carbonloop", SEARCHED_PROFILE])
def test_cheap_bounds_are_the_eager_ones_bit_for_bit(profile):
    acc = digital(32, 32, 32768, "ws", profile=profile)
    layer = zoo.get("mobilenet_v1").layers[8]  # pw4: K=64, C=32, OY=OX=12
    prepared = SpaceMemo().get(layer, acc, Constraints(), False, compile_layer(layer))
    spaces = [s for _, _, s in prepared.spaces]
    assert len(spaces) > 20
    assert [prepared.cheap[i] for i in range(len(spaces))] == [_cheap_bound(s, layer) for s in spaces]


def _result_fields(r) -> tuple:
    return (
        r.value,
        r.cost.energy_pj,
        r.cost.latency_cycles,
        r.mapping,
        r.evaluated,
        r.optimal,
        r.gap,
        r.lower_bound,
        r.energy_floor_pj,
        r.latency_floor_cycles,
        r.spatial_searched,
        tuple((p.energy_pj, p.latency_cycles, p.mapping) for p in r.front),
    )


CASES = [
    (digital(32, 32, 32768, "ws", profile=SEARCHED_PROFILE), zoo.get("mobilenet_v1").layers[8]),
    (imc("dimc", 32, 32, 1, 32768, profile=SEARCHED_PROFILE), zoo.get("resnet8").layers[8]),
    (digital(32, 32, 32768, "os"), conv2d("c", K=16, C=8, OY=8, OX=8, FY=3, FX=3)),
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize(
    "objective,kw",
    [
        ("energy", {}),
        ("edp", {}),
        ("latency", {"budget": 300}),
        ("weighted:a=1,b=50", {"budget": 300}),
        ("edp", {"mode": "hull"}),
        ("edp", {"mode": "hull", "lam_range": (1.0, 1e4)}),
    ],
)
def test_a_search_is_the_same_with_every_extra_computed_first(case, objective, kw):
    """The eager path (``lazy`` off: every extra computed, sorted, each space checked at its full bound,
    as the search did before the bounds were lazy) is the oracle for the lazy one."""
    acc, layer = CASES[case]
    eager_memo, lazy_memo = SpaceMemo(), SpaceMemo()
    cl = compile_layer(layer)
    eager_cheap = eager_memo.get(layer, acc, Constraints(), False, cl).cheap
    eager_cheap.lazy = False
    eager = search_layer(layer, acc, objective, memo=eager_memo, **kw)
    lazy = search_layer(layer, acc, objective, memo=lazy_memo, **kw)
    assert _result_fields(lazy) == _result_fields(eager)
    # the eager path computes every extra it reads (all but the always-searched spaces' when no budget
    # stops them); the lazy one never more
    lazy_cheap = lazy_memo.get(layer, acc, Constraints(), False, cl).cheap
    assert lazy_cheap.refined_count() <= eager_cheap.refined_count()


def test_lazy_search_leaves_most_extras_uncomputed_on_a_large_array():
    # 256x256 array: hundreds of unrollings of pw4, most pruned at their base bound once a good mapping
    # is found (EDP: the latency part of the bound alone rules most out)
    acc = digital(256, 256, 65536, "ws", profile=SEARCHED_PROFILE)
    layer = zoo.get("mobilenet_v1").layers[8]
    memo = SpaceMemo()
    r = search_layer(layer, acc, "edp", memo=memo)
    cheap = memo.get(layer, acc, Constraints(), False, compile_layer(layer)).cheap
    assert r.optimal
    assert cheap.refined_count() < len(cheap)
    assert math.isfinite(r.energy_floor_pj or math.nan)
