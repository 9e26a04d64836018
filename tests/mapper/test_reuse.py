"""Reuse across a sweep (mapper/reuse.py): a neighbouring design's best mapping, scored on this design, is a
ceiling that prunes harder and never changes the result."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optimality import array_4x4

from carbonloop.mapper import reuse, search_layer, search_network
from carbonloop.model.evaluate import evaluate
from carbonloop.workload.builders import conv2d, matmul
from carbonloop.workload.network import Network

LAYER = conv2d("cv", K=4, C=4, OY=4, OX=1, FY=3)


@pytest.fixture(autouse=True)
def _empty_memory():
    reuse.forget()
    yield
    reuse.forget()


def _same(a, b):
    assert a.mapping == b.mapping
    assert a.value == b.value and a.cost.energy_pj == b.cost.energy_pj
    assert a.cost.latency_cycles == b.cost.latency_cycles
    assert a.optimal and b.optimal


def test_neighbour_ceiling_scores_fewer_mappings_and_finds_the_same_optimum():
    small, large = array_4x4(buf_bits=1024), array_4x4(buf_bits=2048)
    alone = search_layer(LAYER, large, "edp")
    neighbour = search_layer(LAYER, small, "edp").mapping
    cost = evaluate(LAYER, large, neighbour)  # the 1 Kib buffer's best fits the 2 Kib one
    ceiling = cost.energy_pj * cost.latency_cycles
    assert ceiling >= alone.value
    seeded = search_layer(LAYER, large, "edp", ceiling=ceiling)
    _same(seeded, alone)
    # measured on this deterministic case (same inputs, same counts on every run): the ceiling prunes
    # before the first incumbent exists
    assert (alone.evaluated, seeded.evaluated) == (EVALUATED_ALONE, EVALUATED_SEEDED)
    assert seeded.evaluated < alone.evaluated


def test_ceiling_below_the_optimum_is_detected_and_the_search_runs_without_it():
    acc = array_4x4()
    alone = search_layer(LAYER, acc, "edp")
    _same(search_layer(LAYER, acc, "edp", ceiling=alone.value * 0.5), alone)
    # the ceiling equal to the optimum keeps the optimum's mapping (never pruned by the ceiling)
    _same(search_layer(LAYER, acc, "edp", ceiling=alone.value), alone)


def test_ceiling_is_ignored_with_a_budget_and_in_hull_mode():
    acc = array_4x4()
    a = search_layer(LAYER, acc, "edp", budget=50)
    b = search_layer(LAYER, acc, "edp", budget=50, ceiling=1.0)
    assert (a.mapping, a.evaluated) == (b.mapping, b.evaluated)
    h = search_layer(LAYER, acc, "edp", mode="hull")
    hc = search_layer(LAYER, acc, "edp", mode="hull", ceiling=1.0)
    assert [(p.energy_pj, p.latency_cycles) for p in h.front] == [
        (p.energy_pj, p.latency_cycles) for p in hc.front
    ]


BUFFERS = [512, 1024, 2048, 4096]
LAYERS = [LAYER, conv2d("st", K=2, C=4, OY=4, OX=2, FY=2, stride=2), matmul("mm", M=4, N=8, K=6)]


@settings(max_examples=8, deadline=None)
@given(
    order=st.permutations(range(len(BUFFERS))),
    objective=st.sampled_from(["edp", "energy", "latency"]),
    li=st.integers(0, len(LAYERS) - 1),
)
def test_sweep_with_reuse_gives_the_results_of_fresh_searches_in_any_order(order, objective, li):
    layer = LAYERS[li]
    reuse.forget()
    fresh = {b: search_layer(layer, array_4x4(buf_bits=b), objective) for b in BUFFERS}
    with reuse.sweep_reuse():
        swept = {BUFFERS[i]: search_layer(layer, array_4x4(buf_bits=BUFFERS[i]), objective) for i in order}
    for b in BUFFERS:
        _same(swept[b], fresh[b])
    assert sum(r.evaluated for r in swept.values()) <= sum(r.evaluated for r in fresh.values())


def test_network_search_in_a_sweep_equals_the_fresh_one():
    net = Network("n", (LAYER, LAYERS[1], LAYERS[2]))
    fresh = {b: search_network(net, array_4x4(buf_bits=b), "edp") for b in BUFFERS}
    with reuse.sweep_reuse():
        swept = {b: search_network(net, array_4x4(buf_bits=b), "edp") for b in reversed(BUFFERS)}
    for b in BUFFERS:
        assert swept[b].energy_pj == fresh[b].energy_pj
        assert swept[b].latency_cycles == fresh[b].latency_cycles
        assert [c.mapping for c in swept[b].layers] == [c.mapping for c in fresh[b].layers]


EVALUATED_ALONE, EVALUATED_SEEDED = 225, 9


def _hull(layer, acc, phantoms):
    from carbonloop.mapper.search import _search_layer

    return _search_layer(
        layer,
        acc,
        "edp",
        constraints=None,
        budget=None,
        imperfect=False,
        mode="hull",
        lam_range=(0.0, float("inf")),
        seed=(),
        max_memory_bytes=None,
        ceiling=None,
        phantoms=phantoms,
    )


def test_hull_phantoms_from_a_neighbour_prune_and_keep_the_exact_hull():
    small, large = array_4x4(buf_bits=1024), array_4x4(buf_bits=2048)
    alone = _hull(LAYER, large, ())
    neighbour = _hull(LAYER, small, ())
    pts = []
    for p in neighbour.front:
        c = evaluate(LAYER, large, p.mapping)
        pts.append((c.energy_pj, float(c.latency_cycles)))
    seeded = _hull(LAYER, large, tuple(pts))
    assert [(p.energy_pj, p.latency_cycles, p.mapping) for p in seeded.front] == [
        (p.energy_pj, p.latency_cycles, p.mapping) for p in alone.front
    ]
    assert seeded.evaluated < alone.evaluated
    # a phantom no mapping reaches (below the hull) is caught: the search reports it instead of a result
    assert _hull(LAYER, large, ((1.0, 1.0),)) is None


@settings(max_examples=6, deadline=None)
@given(order=st.permutations(range(len(BUFFERS))), li=st.integers(0, len(LAYERS) - 1))
def test_hull_sweep_with_reuse_gives_the_fresh_fronts_in_any_order(order, li):
    layer = LAYERS[li]
    reuse.forget()
    fresh = {b: search_layer(layer, array_4x4(buf_bits=b), "edp", mode="hull") for b in BUFFERS}
    with reuse.sweep_reuse():
        swept = {
            BUFFERS[i]: search_layer(layer, array_4x4(buf_bits=BUFFERS[i]), "edp", mode="hull") for i in order
        }
    for b in BUFFERS:
        assert [(p.energy_pj, p.latency_cycles, p.mapping) for p in swept[b].front] == [
            (p.energy_pj, p.latency_cycles, p.mapping) for p in fresh[b].front
        ]
