"""Invariants of the model over random layers and valid mappings (hypothesis).

The strongest check compares the closed-form counts with a literal loop-nest walk (reference_sim.py).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonloop.hardware import accelerator_from_dict, load_preset
from carbonloop.model.evaluate import evaluate, evaluate_batch
from carbonloop.model.mapping import LevelMapping, Loop, Mapping, resolve
from carbonloop.model.nest import compile_layer, mapping_arrays, prime_factors
from carbonloop.workload import conv1d, conv2d, matmul
from carbonloop.workload.layer import Layer

from .reference_sim import simulate

TWO_LEVEL = load_preset("two_level")
TINY_ARRAY = accelerator_from_dict(
    {
        "name": "tiny_array",
        "array": {"axes": {"X": 2, "Y": 3}, "mac_pj": 0.3},
        "memories": [
            {"name": "dram", "width_bits": 16, "read_pj": 50, "write_pj": 60, "operands": ["W", "I", "O"]},
            {
                "name": "gb",
                "size_bits": 1 << 20,
                "width_bits": 16,
                "read_pj": 3,
                "write_pj": 4,
                "spans": ["X", "Y"],
            },
            {
                "name": "reg",
                "size_bits": 1 << 12,
                "width_bits": 8,
                "read_pj": 0.1,
                "write_pj": 0.2,
                "spans": [],
            },
        ],
    }
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def layers(draw) -> Layer:
    kind = draw(st.sampled_from(["conv1d", "conv2d", "matmul", "dwconv"]))
    s = st.integers(1, 4)
    if kind == "conv1d":
        return conv1d("l", M=draw(s), P=draw(st.integers(1, 6)), R=draw(st.integers(1, 3)))
    if kind == "matmul":
        return matmul("l", M=draw(s), N=draw(s), K=draw(s))
    if kind == "dwconv":
        c = draw(st.integers(2, 4))
        return conv2d(
            "l", K=c, C=c, groups=c, OY=draw(st.integers(1, 3)), OX=draw(st.integers(1, 3)), FY=2, FX=2
        )
    return conv2d(
        "l", K=draw(s), C=draw(st.integers(1, 3)), OY=draw(st.integers(1, 3)), OX=draw(st.integers(1, 3)),
        FY=draw(st.integers(1, 3)), FX=draw(st.integers(1, 2)), stride=draw(st.sampled_from([1, 2])),
    )  # fmt: skip


@st.composite
def mapped(draw, acc=None, layer=None, bypass=True) -> tuple[Layer, object, Mapping]:
    acc = acc or draw(st.sampled_from([TWO_LEVEL, TINY_ARRAY]))
    layer = layer or draw(layers())
    L = len(acc.memories)
    temporal: list[list[Loop]] = [[] for _ in range(L)]
    spatial: dict[str, list[Loop]] = {a: [] for a in acc.array.axis_names}
    used = dict.fromkeys(acc.array.axis_names, 1)
    for d, size in layer.dims:
        for p in prime_factors(size):
            slots = [("t", x) for x in range(L)] + [
                ("s", a) for a in acc.array.axis_names if used[a] * p <= acc.array.axis_size(a)
            ]
            kind, where = draw(st.sampled_from(slots))
            if kind == "t":
                temporal[where].append(Loop(d, p))
            else:
                spatial[where].append(Loop(d, p))
                used[where] *= p
    levels = []
    for x, m in enumerate(acc.memories):
        order = draw(st.permutations(temporal[x]))
        sp = tuple((a, tuple(lps)) for a, lps in spatial.items() if lps and acc.fanout_level(a) == x)
        keep = None
        if x > 0 and bypass:
            keep = frozenset(draw(st.sets(st.sampled_from(["W", "I", "O"]))))
        levels.append(LevelMapping(m.name, tuple(order), sp, keep))
    return layer, acc, Mapping(tuple(levels))


@SETTINGS
@given(mapped())
def test_counts_equal_a_literal_loop_nest_walk(case):
    layer, acc, mapping = case
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    expected = simulate(layer, acc, mapping)
    for level, ops in expected.items():
        for op, counts in ops.items():
            assert cost.accesses[level][op] == counts, (level, op)


@SETTINGS
@given(mapped(acc=TWO_LEVEL))
def test_innermost_reads_of_w_and_i_equal_the_macs(case):
    layer, acc, mapping = case
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    res = resolve(mapping, layer, acc)
    for role in ("W", "I"):
        last = max(x for x in range(len(acc.memories)) if role in res.keep[x])
        assert cost.accesses[acc.memories[last].name][role]["reads"] == layer.macs


@SETTINGS
@given(mapped())
def test_every_element_leaves_the_outermost_level_at_least_once(case):
    layer, acc, mapping = case
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    top = cost.accesses[acc.memories[0].name]
    for o in layer.operands:
        moved = top[o.name]["updates"] if o.role == "O" else top[o.name]["reads"]
        assert moved >= layer.footprint(o)


@SETTINGS
@given(mapped(), st.integers(0, 5), st.floats(1.01, 3.0))
def test_energy_is_monotone_in_every_unit_cost(case, which, scale):
    layer, acc, mapping = case
    base = evaluate(layer, acc, mapping, check_capacity=False).energy_pj
    mems = list(acc.memories)
    x = which % len(mems)
    field = ["read_pj", "write_pj", "update_pj"][which % 3]
    mems[x] = dataclasses.replace(mems[x], **{field: getattr(mems[x], field) * scale + 0.01})
    bigger = dataclasses.replace(acc, memories=tuple(mems))
    assert evaluate(layer, bigger, mapping, check_capacity=False).energy_pj >= base
    pricier_mac = dataclasses.replace(
        acc, array=dataclasses.replace(acc.array, mac_pj=acc.array.mac_pj * scale)
    )
    assert evaluate(layer, pricier_mac, mapping, check_capacity=False).energy_pj > base


@SETTINGS
@given(mapped())
def test_renaming_dimensions_changes_nothing(case):
    layer, acc, mapping = case
    names = {d: f"zz_{i}" for i, d in enumerate(reversed(layer.dim_names))}
    renamed_layer = layer.renamed(names)
    renamed = Mapping(
        tuple(
            LevelMapping(
                lm.level,
                tuple(Loop(names[lp.dim], lp.factor) for lp in lm.temporal),
                tuple((a, tuple(Loop(names[lp.dim], lp.factor) for lp in loops)) for a, loops in lm.spatial),
                lm.keep,
            )
            for lm in mapping.levels
        )
    )
    a = evaluate(layer, acc, mapping, check_capacity=False)
    b = evaluate(renamed_layer, acc, renamed, check_capacity=False)
    assert a.accesses == b.accesses
    assert a.energy_pj == b.energy_pj
    assert a.latency_cycles == b.latency_cycles


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_vectorized_batch_equals_one_mapping_at_a_time(data):
    # one layer, several mappings (different orders, tilings and loop counts) padded into one batch
    layer = data.draw(layers())
    same = [data.draw(mapped(acc=TINY_ARRAY, layer=layer, bypass=False))[2] for _ in range(5)]
    keep = resolve(same[0], layer, TINY_ARRAY).keep
    resolved = [resolve(m, layer, TINY_ARRAY).mapping for m in same]
    batch = evaluate_batch(
        compile_layer(layer), TINY_ARRAY, mapping_arrays(resolved, layer, TINY_ARRAY), keep
    )
    for i, m in enumerate(same):
        one = evaluate(layer, TINY_ARRAY, m, check_capacity=False)
        assert batch.energy_pj[i] == pytest.approx(one.energy_pj, rel=1e-12)
        assert int(batch.latency_cycles[i]) == one.latency_cycles
        assert np.all(batch.counts.reads[i] >= 0)
