"""The mapper's proofs hold on per-operand memories (issue 15, item 1): its optimum equals the
independent brute force (bruteforce.py, every mapping scored by the model) on

- CarbonSpot's output-stationary array (W registers shared along D2, I along D1, O private) and its
  weight-stationary one (W private, I shared along D1, O along D2), whose spans nest only per operand;
- an array where one operand's fan-out moves past another operand's buffer (``skewed_array``);
- an SRAM split into virtual levels (one physical memory, joint capacity);
- the search over the order of the cuts (the least of the 13 variants' brute-force optima).

Layers are drawn by hypothesis (small dims, so the brute force stays in the thousands of mappings).
The hardware is CarbonSpot's register sharing (Sun et al., IEEE TCAD 2025; KULeuven-MICAS/carbonspot
@ 0839b49, its OS and WS digital arrays) at 2x2 PEs, with energies chosen here (not CarbonSpot's).
"""

from __future__ import annotations

import dataclasses
import math
from functools import partial

import numpy as np
import pytest
from bruteforce import brute_force
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from carbonloop.hardware import accelerator_from_dict
from carbonloop.mapper import Constraints, cut_order_variants, get_objective, search_cut_orders, search_layer
from carbonloop.mapper.cut_orders import ordered_partitions
from carbonloop.mapper.search import make_space
from carbonloop.mapper.spatial import spatial_candidates
from carbonloop.model.evaluate import evaluate
from carbonloop.model.nest import compile_layer
from carbonloop.workload.builders import conv2d

from ..memory_specs import memory_spec

OBJECTIVES = ("energy", "latency", "edp")


_mem = partial(memory_spec, read_pj=0.2, write_pj=0.3)


def _outer(sram_bits: int) -> list[dict]:
    return [
        _mem("DRAM", "WIO", ["D1", "D2"], read_pj=50.0, write_pj=60.0),
        _mem("SRAM", "WIO", ["D1", "D2"], sram_bits, read_pj=5.0, write_pj=6.0, read_bw_bits=16),
    ]


def os_array(sram_bits: int = 256, w_bits: int = 8, i_bits: int = 16, o_bits: int = 16):
    """CarbonSpot's output-stationary PE array: W register shared along D2, I along D1, O private."""
    regs = [
        _mem("Wreg", "W", ["D2"], w_bits),
        _mem("Ireg", "I", ["D1"], i_bits),
        _mem("Oreg", "O", [], o_bits),
    ]
    return accelerator_from_dict(
        {
            "name": "os",
            "array": {"axes": {"D1": 2, "D2": 2}, "mac_pj": 0.5},
            "memories": _outer(sram_bits) + regs,
        }
    )


def ws_array(sram_bits: int = 256, w_bits: int = 16, i_bits: int = 16, o_bits: int = 16):
    """CarbonSpot's weight-stationary PE array: W private, I shared along D1, O along D2 (adder tree)."""
    regs = [
        _mem("Ireg", "I", ["D1"], i_bits),
        _mem("Oreg", "O", ["D2"], o_bits),
        _mem("Wreg", "W", [], w_bits),
    ]
    return accelerator_from_dict(
        {
            "name": "ws",
            "array": {"axes": {"D1": 2, "D2": 2}, "mac_pj": 0.5},
            "memories": _outer(sram_bits) + regs,
        }
    )


def skewed_array(o_bits: int = 64, w_bits: int = 32, i_bits: int = 32):
    """An output buffer shared along D1 between the SRAM and private W registers, then I registers shared
    along D1 (D1 is listed at them): W's D1 loop moves up to the SRAM for W, past the output buffer's
    loops, so W's own nest holds the loops of a level W does not keep at other positions than the
    shared nest (the case where the bounds must read each operand's nest, not the shared one)."""
    return accelerator_from_dict(
        {
            "name": "skewed",
            "array": {"axes": {"D1": 2, "D2": 2}, "mac_pj": 0.5},
            "memories": _outer(4096)
            + [
                _mem("Obuf", "O", ["D1"], o_bits, read_pj=1.0, write_pj=1.2),
                _mem("Wreg", "W", [], w_bits),
                _mem("Ireg", "I", ["D1"], i_bits),
            ],
        }
    )


def shared_sram(sram_bits: int = 64, reg_bits: int = 32):
    """DRAM > SRAM > a register per PE, every level serving all three operands, on two PEs."""
    return accelerator_from_dict(
        {
            "name": "shared",
            "array": {"axes": {"D1": 2}, "mac_pj": 0.5},
            "memories": [
                _mem("DRAM", "WIO", ["D1"], read_pj=50.0, write_pj=60.0),
                _mem(
                    "SRAM",
                    "WIO",
                    ["D1"],
                    sram_bits,
                    read_pj=5.0,
                    write_pj=6.0,
                    read_bw_bits=16,
                    write_bw_bits=8,
                ),
                _mem("reg", "WIO", [], reg_bits),
            ],
        }
    )


# the 13 ordered partitions of {W, I, O}, blocks outermost first, written out (Fubini's number a(3))
ORDERS_WIO = (
    ("WIO",),
    ("W", "IO"),
    ("IO", "W"),
    ("I", "WO"),
    ("WO", "I"),
    ("O", "WI"),
    ("WI", "O"),
    ("W", "I", "O"),
    ("W", "O", "I"),
    ("I", "W", "O"),
    ("I", "O", "W"),
    ("O", "W", "I"),
    ("O", "I", "W"),
)


def split(acc, name: str, blocks: tuple[str, ...]):
    """``acc`` with level ``name`` cut into virtual levels, one per block (built here, not by the mapper)."""
    if len(blocks) == 1:
        return acc
    at = acc.level_index(name)
    mem = acc.memories[at]
    parts = tuple(
        dataclasses.replace(mem, name=f"{name}.{b}", operands=frozenset(b), physical=name) for b in blocks
    )
    return dataclasses.replace(acc, memories=acc.memories[:at] + parts + acc.memories[at + 1 :])


layers = st.builds(
    lambda k, c, ox, fx, stride: conv2d("l", K=k, C=c, OY=1, OX=ox, FY=1, FX=fx, stride=stride),
    st.sampled_from([1, 2, 4]),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([1, 2]),
    st.sampled_from([1, 2]),
)
ORACLE = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def assert_mapper_equals_brute_force(layer, acc, **kw) -> None:
    e, lat, maps = brute_force(layer, acc, **kw)
    constraints = Constraints(bypass=kw.get("bypass", False))
    imperfect = kw.get("imperfect", False)
    if not len(e):
        with pytest.raises(SpecError, match="no mapping of"):
            search_layer(layer, acc, "edp", constraints=constraints, imperfect=imperfect)
        return
    for objective in OBJECTIVES:
        obj = get_objective(objective)
        best = float(obj.value(e, lat).min())
        res = search_layer(layer, acc, objective, constraints=constraints, imperfect=imperfect)
        assert res.optimal and res.gap == 0.0
        assert res.value == pytest.approx(best, rel=1e-9), (acc.name, layer.dims, objective)
        cost = evaluate(layer, acc, res.mapping)  # the mapping really scores that, capacity checked
        assert float(obj.value(cost.energy_pj, cost.latency_cycles)) == pytest.approx(best, rel=1e-9)


@ORACLE
@given(
    layers,
    st.sampled_from([64, 256]),
    st.sampled_from([8, 16]),
    st.sampled_from([8, 16, 32]),
    st.sampled_from([16, 32]),
)
def test_os_array_optimum_equals_brute_force(layer, sram_bits, w_bits, i_bits, o_bits):
    assert_mapper_equals_brute_force(layer, os_array(sram_bits, w_bits, i_bits, o_bits))


@ORACLE
@given(
    layers,
    st.sampled_from([64, 256]),
    st.sampled_from([8, 16, 32]),
    st.sampled_from([8, 16, 32]),
    st.sampled_from([16, 32]),
)
def test_ws_array_optimum_equals_brute_force(layer, sram_bits, w_bits, i_bits, o_bits):
    assert_mapper_equals_brute_force(layer, ws_array(sram_bits, w_bits, i_bits, o_bits))


@ORACLE
@given(layers, st.sampled_from([16, 64]), st.sampled_from([8, 32]))
def test_skewed_array_optimum_equals_brute_force(layer, o_bits, w_bits):
    assert_mapper_equals_brute_force(layer, skewed_array(o_bits, w_bits, 16))


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(layers, st.booleans())
def test_os_array_with_bypass_and_imperfect_factors_equals_brute_force(layer, imperfect):
    assert_mapper_equals_brute_force(
        layer, os_array(256, 8, 16, 32), bypass=not imperfect, imperfect=imperfect
    )


@ORACLE
@given(layers, st.sampled_from([32, 64, 128]), st.sampled_from(ORDERS_WIO[7:]))
def test_virtual_levels_optimum_equals_brute_force(layer, sram_bits, order):
    # three virtual levels of one SRAM: each operand cuts it at its own loop, the three tiles share it
    assert_mapper_equals_brute_force(layer, split(shared_sram(sram_bits), "SRAM", order))


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(layers, st.sampled_from([32, 64, 128]), st.sampled_from(OBJECTIVES))
def test_cut_order_search_equals_least_brute_force_optimum_over_the_13_orders(layer, sram_bits, objective):
    acc = shared_sram(sram_bits)
    obj = get_objective(objective)
    optima = []
    for order in ORDERS_WIO:
        e, lat, _ = brute_force(layer, split(acc, "SRAM", order))
        optima.append(float(obj.value(e, lat).min()) if len(e) else math.inf)
    if not np.isfinite(min(optima)):
        with pytest.raises(SpecError, match="no mapping of"):
            search_cut_orders(layer, acc, objective, memories=["SRAM"])
        return
    res = search_cut_orders(layer, acc, objective, memories=["SRAM"])
    assert res.variants == 13 and res.result.optimal
    assert res.result.value == pytest.approx(min(optima), rel=1e-9)
    cost = evaluate(layer, res.accelerator, res.result.mapping)
    assert float(obj.value(cost.energy_pj, cost.latency_cycles)) == pytest.approx(min(optima), rel=1e-9)
    # never worse than one cut for all (the unsplit SRAM, the first variant)
    assert res.result.value <= optima[0] * (1 + 1e-12)


def test_splitting_the_sram_finds_a_strictly_better_mapping_than_one_cut():
    # K=4, C=3, FX=2 on two PEs with a 64-bit SRAM: the brute force of the unsplit SRAM and of the best
    # order differ (so the cut-order search is not the one-cut search under another name)
    layer = conv2d("l", K=4, C=3, OY=1, OX=1, FY=1, FX=2)
    acc = shared_sram(64)
    e0, l0, _ = brute_force(layer, acc)
    res = search_cut_orders(layer, acc, "energy", memories=["SRAM"])
    assert res.result.value < float(e0.min()) * (1 - 1e-6)
    assert res.accelerator.has_virtual_levels


def test_ordered_partitions_of_three_operands_are_the_13_orders():
    got = [tuple("".join(b) for b in p) for p in ordered_partitions("WIO")]
    assert sorted(got) == sorted(ORDERS_WIO) and len(got) == 13 and got[0] == ("WIO",)
    assert len(list(ordered_partitions("WI"))) == 3  # WI, W|I, I|W
    variants = cut_order_variants(shared_sram(), ["SRAM"])
    assert len(variants) == 13 and variants[0] == shared_sram()
    names = [tuple(m.name for m in v.memories) for v in variants]
    assert ("DRAM", "SRAM.O", "SRAM.I", "SRAM.W", "reg") in names
    assert len(cut_order_variants(shared_sram(), ["SRAM", "reg"])) == 13 * 13


@pytest.mark.parametrize(
    ("memories", "message"),
    [
        (["DRAM"], "outermost level"),
        (["nope"], "unknown memory level 'nope'"),
        (["SRAM", "SRAM"], "named twice"),
        ([], "at least one"),
    ],
)
def test_cut_orders_refuse_bad_memories_in_one_line(memories, message):
    with pytest.raises(SpecError, match=message) as err:
        search_cut_orders(
            conv2d("l", K=2, C=1, OY=1, OX=1, FY=1, FX=1), shared_sram(), "edp", memories=memories
        )
    assert "\n" not in str(err.value)


def test_a_register_shared_along_the_other_axis_holds_one_word_per_pe_column():
    # O[k][ox] += W[k][c] * I[c][ox], K=2, C=3, OX=2 on the 2x2 OS array with 8-bit W and I registers:
    # the full unrolling (K on D1, OX on D2) keeps one W word per Wreg (Wreg is private along D1) and
    # one I word per Ireg. 2*3*2 = 12 MACs on 4 PEs: 3 cycles. Sizing Wreg's tile with the D1 unrolling
    # inside it (2 words = 16 bits > 8) would wrongly drop that mapping and its 3 cycles.
    layer = conv2d("l", K=2, C=3, OY=1, OX=2, FY=1, FX=1)
    acc = os_array(sram_bits=256, w_bits=8, i_bits=8, o_bits=16)
    res = search_layer(layer, acc, "latency")
    assert res.cost.latency_breakdown_cycles["compute"] == 3
    assert res.cost.spatial_utilization == 1.0
    assert res.cost.tile_bits["Wreg"]["W"] == 8
    # the mapper's own sizing agrees: W's D1 loop (K) belongs to the SRAM for W, inside W's SRAM tile only
    cl = compile_layer(layer)
    cand = next(
        c
        for c in spatial_candidates(layer, acc, Constraints())
        if c.factors() == {"K": 2, "OX": 2} and dict(c.unrolling)["D1"] == (("K", 2),)
    )
    space = make_space(cl, acc, cand, tuple(m.operands for m in acc.memories), False)
    w = next(i for i, op in enumerate(cl.operands) if op.role == "W")
    k = cl.dims.index("K")
    assert space.operand_spatial_at(w, acc.level_index("Wreg"))[k] == 1
    assert space.operand_spatial_at(w, acc.level_index("SRAM"))[k] == 2
    assert space.operand_instances(w, acc.level_index("Wreg")) == 2.0  # one Wreg per K (private along D1)


# --- each bound against the exact model on per-operand spans ----------------------------------------

bound_layers = st.builds(
    lambda k, c, oy, ox, fy, stride: conv2d("r", K=k, C=c, OY=oy, OX=ox, FY=fy, FX=1, stride=stride),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 2),
)
arrays = st.sampled_from(
    [os_array(4096, 32, 32, 64), ws_array(4096, 32, 32, 64), skewed_array(), skewed_array()]
)


@settings(max_examples=16, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(bound_layers, arrays, st.integers(0, 3))
def test_order_group_bounds_hold_on_each_operands_own_nest(layer, acc, cand_index):
    # both tiers of group bounds (fixed innermost loops, read on each operand's relocated nest) are never
    # above any order they stand for and never below the order-free bound (tests/mapper/test_search.py)
    from test_search import _check_group_bounds

    cands = spatial_candidates(layer, acc)
    _check_group_bounds(acc, layer, cand_index=min(cand_index, len(cands) - 1), step=3, limit=40)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(bound_layers, arrays, st.integers(0, 5))
def test_tiling_bound_with_the_pair_extra_holds_on_each_operands_own_nest(layer, acc, cand_index):
    from .test_energy_bounds import _bounds_and_exact

    e0, extra, exact = _bounds_and_exact(acc, layer, cand_index, limit=40, step=3)
    ok = ~np.isnan(exact)
    assert (extra >= 0).all()
    assert ((e0 + extra)[ok] <= exact[ok] * (1 + 1e-12)).all()


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(layers, st.sampled_from([os_array(256, 8, 16, 32), ws_array(256, 16, 16, 16)]), st.booleans())
def test_candidate_bound_never_exceeds_any_mapping_of_the_candidate_per_operand(layer, acc, imperfect):
    # the cheap bound (with the MACs' reads of each operand's innermost level from its own instances and
    # the refill floor of capacity-limited levels) against the brute force, candidate by candidate
    from carbonloop.mapper.search import _cheap_bound, keep_patterns

    from .test_energy_bounds import least_energy_per_candidate

    least = least_energy_per_candidate(layer, acc, imperfect)
    cl = compile_layer(layer)
    keep = keep_patterns(acc, Constraints())[0]
    for cand in spatial_candidates(layer, acc, imperfect=imperfect):
        key = tuple(sorted((axis, tuple(sorted(loops))) for axis, loops in cand.unrolling if loops))
        if key in least:
            bound = _cheap_bound(make_space(cl, acc, cand, keep, imperfect), layer)[0]
            assert bound <= least[key] * (1 + 1e-12), (cand.label(), bound, least[key])


def test_carbonspot_os_yaml_maps_a_full_array_with_one_word_per_register():
    # tests/mapper/data/carbonspot_os_16x16.yaml: 16x16 OS array, W register per PE row shared along Y,
    # I register per column shared along X, O private. K=16 fixed on X and OX=16 on Y use all 256 PEs:
    # 16*2*16 = 512 MACs / 256 PEs = 2 cycles of compute; each W and I register holds one 8-bit word
    # (16 bits double-buffered: 8 usable), so the C loop must sit above them. Sized from the shared nest,
    # W's register would take in the K unrolling of X (16 words) and nothing would fit.
    from pathlib import Path

    from carbonloop.hardware.library import load_accelerator

    acc = load_accelerator(str(Path(__file__).parent / "data" / "carbonspot_os_16x16.yaml"))
    assert not acc.spans_nested
    layer = conv2d("l", K=16, C=2, OY=1, OX=16, FY=1, FX=1)
    full = Constraints(spatial={"X": [("K", 16)], "Y": [("OX", 16)]})
    res = search_layer(layer, acc, "latency", constraints=full)
    assert res.optimal
    assert res.cost.latency_breakdown_cycles["compute"] == 2 and res.cost.spatial_utilization == 1.0
    assert res.cost.tile_bits["w_reg"]["W"] == 8 and res.cost.tile_bits["i_reg"]["I"] == 8
    assert res.cost.tile_bits["o_reg"]["O"] <= 16
