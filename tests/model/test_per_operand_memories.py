"""Per-operand memories (docs/model.md, "Per-operand memories"): spans nested only along each operand's
chain, and virtual levels of one physical memory cut by each operand at its own loop.

Counts are derived by hand on tiny layers and checked against the literal loop-nest walker
(reference_sim.py), which reads the spans directly and moves no loop.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from carbonloop.hardware import accelerator_from_dict
from carbonloop.model.conventions import get_conventions
from carbonloop.model.evaluate import evaluate, evaluate_batch
from carbonloop.model.mapping import LevelMapping, Mapping, mapping_from_data, resolve
from carbonloop.model.nest import compile_layer, mapping_arrays, relocated_axes
from carbonloop.workload import conv2d

from .reference_sim import simulate
from .test_model_properties import TINY_ARRAY, mapped


def _mem(name: str, ops: list[str], spans: list[str], size: int | None = None, **kw) -> dict:
    spec = {"name": name, "width_bits": 8, "read_pj": 1.0, "write_pj": 2.0, "operands": ops, "spans": spans}
    if size is not None:
        spec["size_bits"] = size
    return {**spec, **kw}


def os_array(sram_bits: int = 1 << 16) -> object:
    """CarbonSpot's output-stationary PE array (issue 15): W registers shared along D2, I registers along
    D1, O registers private; SRAM and DRAM above serve all three and span the whole array."""
    return accelerator_from_dict(
        {
            "name": "os",
            "array": {"axes": {"D1": 2, "D2": 2}, "mac_pj": 0.5},
            "memories": [
                _mem("DRAM", ["W", "I", "O"], ["D1", "D2"]),
                _mem("SRAM", ["W", "I", "O"], ["D1", "D2"], sram_bits),
                _mem("Wreg", ["W"], ["D2"], 8),
                _mem("Ireg", ["I"], ["D1"], 8),
                _mem("Oreg", ["O"], [], 16),
            ],
        }
    )


def test_non_nested_register_sharing_counts_multicasts_by_hand():
    # O[k][ox] += W[k][c] * I[c][ox], K=2, C=3, OX=2 on a 2x2 OS array: D1 unrolls K, D2 unrolls OX.
    layer = conv2d("l", K=2, C=3, OY=1, OX=2, FY=1, FX=1)
    acc = os_array()
    mapping = mapping_from_data(
        [
            {"level": "DRAM"},
            {"level": "SRAM", "temporal": [["C", 3]]},
            {"level": "Wreg", "spatial": {"D2": [["OX", 2]]}},
            {"level": "Ireg", "spatial": {"D1": [["K", 2]]}},
        ]
    )
    cost = evaluate(layer, acc, mapping)
    a = cost.accesses
    # W: one Wreg per K (private along D1), shared along D2 (OX is irrelevant to W): each holds W[k][c],
    # 1 element, refilled at each of the 3 C steps: 2 x 3 = 6 fills; the SRAM reads each W once, 6.
    # Compute: 3 steps x 2 registers, each read once for its 2 PEs along D2 (a multicast): 6 reads.
    assert a["Wreg"]["W"] == {"reads": 6, "fills": 6, "updates": 0}
    assert a["SRAM"]["W"]["reads"] == 6
    # I: one Ireg per OX (private along D2), shared along D1 (K irrelevant): the same numbers.
    assert a["Ireg"]["I"] == {"reads": 6, "fills": 6, "updates": 0}
    assert a["SRAM"]["I"]["reads"] == 6
    # O: 4 private registers, each accumulates 3 products: 4 x 3 = 12 updates, 12 - 4 first = 8 reads
    # plus 4 drain reads to the SRAM (which receives 4 updates of final sums) = 12.
    assert a["Oreg"]["O"] == {"reads": 12, "fills": 0, "updates": 12}
    assert a["SRAM"]["O"]["updates"] == 4
    # Each W register holds one 8-bit word (it would be 16 if it took in the K unrolling of D1).
    assert cost.tile_bits["Wreg"]["W"] == 8 and cost.tile_bits["Ireg"]["I"] == 8
    assert cost.accesses == simulate(layer, acc, mapping)
    # instances in use: SRAM 1, Wreg 2 (one per K), Ireg 2 (one per OX), Oreg 4
    res = resolve(mapping, layer, acc)
    batch = evaluate_batch(compile_layer(layer), acc, mapping_arrays([res.mapping], layer, acc), res.keep)
    assert batch.counts.instances[0].tolist() == [1, 1, 2, 2, 4]


def test_only_the_operand_with_a_level_between_is_relocated():
    # D1 (listed at Ireg) moves up to the SRAM for W only: W's chain has Wreg between SRAM and Ireg.
    # D2 (listed at Wreg) would move to the SRAM for I and O, but neither keeps a level in between.
    acc = os_array()
    keep = tuple(m.operands for m in acc.memories)
    assert relocated_axes(acc, keep) == {"W": {0: 1}}


def test_the_os_example_evaluates_on_a_3x3_conv():
    layer = conv2d("l", K=4, C=2, OY=2, OX=4, FY=3, FX=3)
    acc = accelerator_from_dict(
        {
            "name": "os",
            "array": {"axes": {"D1": 4, "D2": 4}, "mac_pj": 0.5},
            "memories": [
                _mem("DRAM", ["W", "I", "O"], ["D1", "D2"]),
                _mem("SRAM", ["W", "I", "O"], ["D1", "D2"], 1 << 16),
                _mem("Wreg", ["W"], ["D2"], 8),
                _mem("Ireg", ["I"], ["D1"], 8),
                _mem("Oreg", ["O"], [], 16),
            ],
        }
    )
    mapping = mapping_from_data(
        [
            {"level": "DRAM"},
            {"level": "SRAM", "temporal": [["OY", 2], ["C", 2], ["FY", 3], ["FX", 3]]},
            {"level": "Wreg", "spatial": {"D2": [["OX", 4]]}},
            {"level": "Ireg", "spatial": {"D1": [["K", 4]]}},
        ]
    )
    cost = evaluate(layer, acc, mapping)
    # every PE does one MAC a cycle: 4*2*2*4*3*3 = 576 MACs on 16 PEs = 36 cycles of compute
    assert cost.latency_breakdown_cycles["compute"] == 36
    assert cost.spatial_utilization == 1.0
    # compute reads of W: 36 steps x 4 W registers (one per K), each feeding its 4 PEs along D2
    assert cost.accesses["Wreg"]["W"]["reads"] == 36 * 4
    assert cost.accesses == simulate(layer, acc, mapping)


def test_a_register_too_small_for_its_own_tile_is_refused():
    # Wreg of 8 bits holds one W; unrolling C on D2 (relevant to W) would need 2 words per register.
    layer = conv2d("l", K=2, C=2, OY=1, OX=1, FY=1, FX=1)
    mapping = mapping_from_data(
        [
            {"level": "DRAM"},
            {"level": "SRAM"},
            {"level": "Wreg", "spatial": {"D2": [["C", 2]]}},
            {"level": "Ireg", "spatial": {"D1": [["K", 2]]}},
        ]
    )
    with pytest.raises(SpecError, match="'Wreg' holds 8 bits"):
        evaluate(layer, os_array(), mapping)


def virtual_sram(sram_bits: int) -> object:
    """One SRAM cut by each operand at its own loop: SRAM.O > SRAM.I > SRAM.W, then the MACs."""
    sram = {"physical": "SRAM", "area_mm2": 2.0, "leakage_mw": 1.0}
    return accelerator_from_dict(
        {
            "name": "virtual",
            "array": {"axes": {"D1": 1}, "mac_pj": 0.5},
            "memories": [
                _mem("DRAM", ["W", "I", "O"], ["D1"]),
                _mem("SRAM.O", ["O"], ["D1"], sram_bits, **sram),
                _mem("SRAM.I", ["I"], ["D1"], sram_bits, **sram),
                _mem("SRAM.W", ["W"], ["D1"], sram_bits, **sram),
            ],
        }
    )


# O[k] += W[k][c] * I[c], K=4, C=4; nest K2 (DRAM) > C2 (SRAM.O) > K2 (SRAM.I) > C2 (SRAM.W)
CUT_LAYER = conv2d("l", K=4, C=4, OY=1, OX=1, FY=1, FX=1)
CUT_MAPPING = mapping_from_data(
    [
        {"level": "DRAM", "temporal": [["K", 2]]},
        {"level": "SRAM.O", "temporal": [["C", 2]]},
        {"level": "SRAM.I", "temporal": [["K", 2]]},
        {"level": "SRAM.W", "temporal": [["C", 2]]},
    ]
)


def test_two_operands_cut_one_sram_at_different_loops_by_hand():
    acc = virtual_sram(64)
    cost = evaluate(CUT_LAYER, acc, CUT_MAPPING)
    a, t = cost.accesses, cost.tile_bits
    # The K2 listed at SRAM.I is inside I's SRAM tile but outside W's: I holds I[c] over the inner C2 (the
    # K2 is irrelevant to I) = 2 words, 16 bits; W holds W[k][c] over the inner C2 only = 2 words, 16 bits;
    # O holds O[k] over the K2 inside it = 2 partial sums of 16 bits (the C2 at SRAM.O accumulates in it),
    # 32 bits.
    assert (t["SRAM.O"]["O"], t["SRAM.I"]["I"], t["SRAM.W"]["W"]) == (32, 16, 16)
    # W: every loop above its tile is relevant (K, C, K): 2 x 2 x 2 tiles of 2 = 16 fills = 16 DRAM reads.
    assert a["SRAM.W"]["W"] == {"reads": 16, "fills": 16, "updates": 0}
    assert a["DRAM"]["W"]["reads"] == 16
    # I: above its tile K2 then C2; the K step resets C, so all 4 tiles are new: 4 x 2 = 8 fills.
    assert a["SRAM.I"]["I"] == {"reads": 16, "fills": 8, "updates": 0}
    assert a["DRAM"]["I"]["reads"] == 8
    # O: 2 tiles (K2 above) of 2 sums, each written up once: 4 DRAM updates; 16 MAC updates, 16 - 4 first
    # = 12 reads for accumulation plus 4 drain reads.
    assert a["SRAM.O"]["O"] == {"reads": 16, "fills": 0, "updates": 16}
    assert a["DRAM"]["O"]["updates"] == 4
    assert a == simulate(CUT_LAYER, acc, CUT_MAPPING)


def test_virtual_levels_share_one_capacity_area_and_leakage():
    # 32 + 16 + 16 = 64 bits fit a 64-bit SRAM; each level alone fits 56 bits but together they do not.
    with pytest.raises(SpecError, match=r"SRAM\.O 32 \+ SRAM\.I 16 \+ SRAM\.W 16 = 64 bits but it holds 56"):
        evaluate(CUT_LAYER, virtual_sram(56), CUT_MAPPING)
    acc = virtual_sram(64)
    assert acc.area_mm2 == pytest.approx(2.0)  # once, not 3 x 2.0
    assert acc.area_breakdown_mm2() == {"DRAM": 0.0, "SRAM": 2.0, "array": 0.0}
    cost = evaluate(CUT_LAYER, acc, CUT_MAPPING)
    # 1 mW x 1 ns per cycle, once for the physical SRAM
    assert cost.leakage_pj == {"SRAM.O": pytest.approx(cost.latency_cycles * 1.0)}


PER_OPERAND = os_array(1 << 20)
I_ABOVE_W = accelerator_from_dict(
    {
        "name": "i_above_w",
        "array": {"axes": {"D1": 2, "D2": 3}, "mac_pj": 0.5},
        "memories": [
            _mem("DRAM", ["W", "I", "O"], ["D1", "D2"]),
            _mem("SRAM", ["W", "I", "O"], ["D1", "D2"], 1 << 20),
            _mem("Ireg", ["I"], ["D1"], 1 << 10),
            _mem("Wreg", ["W"], ["D2"], 1 << 10),
            _mem("Oreg", ["O"], [], 1 << 10),
        ],
    }
)
WALK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@WALK
@given(mapped(acc=PER_OPERAND, bypass=False))
def test_counts_equal_the_loop_nest_walk_with_per_operand_spans(case):
    layer, acc, mapping = case
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    assert cost.accesses == simulate(layer, acc, mapping)


@WALK
@given(mapped(acc=I_ABOVE_W, bypass=False))
def test_counts_equal_the_loop_nest_walk_when_the_windowed_operand_moves(case):
    # inputs (sliding windows) are the operand whose spatial loops move here
    assert relocated_axes(I_ABOVE_W, tuple(m.operands for m in I_ABOVE_W.memories)) == {"I": {1: 1}}
    layer, acc, mapping = case
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    assert cost.accesses == simulate(layer, acc, mapping)


@WALK
@given(mapped(acc=virtual_sram(1 << 20), bypass=False))
def test_counts_equal_the_loop_nest_walk_with_virtual_levels(case):
    layer, acc, mapping = case
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    assert cost.accesses == simulate(layer, acc, mapping)


def cut_gb_at_one_loop(mapping: Mapping) -> Mapping:
    """``mapping`` on the gb split into gb.O > gb.I > gb.W with every gb loop at gb.W: each operand cuts
    the gb at the same loop, so the split moves exactly what the unsplit gb moves."""
    gb = mapping.level("gb")
    levels: list[LevelMapping] = []
    for lm in mapping.levels:
        if lm.level == "gb":
            levels += [
                LevelMapping("gb.O"),
                LevelMapping("gb.I"),
                LevelMapping("gb.W", gb.temporal, gb.spatial),
            ]
        else:
            levels.append(lm)
    return Mapping(tuple(levels))


def _split(acc, name: str, conventions: str):
    """``acc`` with level ``name`` split into virtual levels O > I > W of one physical memory."""
    at = acc.level_index(name)
    mem = acc.memories[at]
    parts = tuple(
        dataclasses.replace(mem, name=f"{name}.{r}", operands=frozenset(r), physical=name) for r in "OIW"
    )
    return dataclasses.replace(
        acc,
        memories=acc.memories[:at] + parts + acc.memories[at + 1 :],
        conventions=get_conventions(conventions),
    )


@WALK
@given(mapped(acc=TINY_ARRAY, bypass=False), st.sampled_from(["carbonloop", "zigzag"]))
def test_virtual_levels_cut_at_one_loop_change_nothing(case, conventions):
    # All three operands cut the gb at the same loop (the outer virtual levels hold no loop of their own):
    # the same tiles, counts and energy as the unsplit gb; under ZigZag's latency model (ports and
    # double-buffering decided per physical memory) the same cycles too.
    layer, acc, mapping = case
    acc = dataclasses.replace(acc, conventions=get_conventions(conventions))
    split = _split(acc, "gb", conventions)
    whole = evaluate(layer, acc, mapping, check_capacity=False)
    parts = evaluate(layer, split, cut_gb_at_one_loop(mapping), check_capacity=False)
    for role in ("O", "I", "W"):
        name = next(o.name for o in layer.operands if o.role == role)
        assert parts.accesses[f"gb.{role}"][name] == whole.accesses["gb"][name]
    assert parts.energy_pj == pytest.approx(whole.energy_pj, rel=1e-12)
    assert parts.latency_cycles == whole.latency_cycles  # one memory's ports, split or not
