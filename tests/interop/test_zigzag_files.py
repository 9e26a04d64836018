"""ZigZag 3.x files as users have them: ONNX workloads, ``DIM, 1`` items, spatial-only mappings, per-operand
memory hierarchies and IMC operational arrays (docs/interop.md). Every file here is written for the test."""

from __future__ import annotations

import copy
import itertools
import json
import math
import warnings
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.cli import run
from carbonloop.cli.interop_eval import complete_zigzag_mappings, zigzag_cost
from carbonloop.costs.imc import imc_macro_cost, imc_pass_energy_pj
from carbonloop.errors import SpecError
from carbonloop.interop.common import InteropWarning
from carbonloop.interop.zigzag import (
    ZigZagConstraints,
    _allocate,
    common_hierarchy_spans,
    is_onnx_file,
    load_zigzag,
)
from carbonloop.interop.zigzag_alloc import zigzag_cuts, zigzag_nest
from carbonloop.interop.zigzag_loma import (
    divisors,
    fill_free_axes,
    innermost_memories_hold,
    limited_factors,
    loma_chain_mappings,
    loma_costs,
    prime_factors,
)
from carbonloop.model.evaluate import evaluate, evaluate_many
from carbonloop.model.mapping import LevelMapping, Loop, Mapping

from ..model.reference_sim import simulate

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "zigzag"
ACC = yaml.safe_load((EX / "accelerator.yaml").read_text())
WL = yaml.safe_load((EX / "workload.yaml").read_text())
SPATIAL_ONLY = [
    {"name": "default", "spatial_mapping": {"D1": ["K, 4"], "D2": ["C, 4"]}},
    {"name": "Gemm", "spatial_mapping": {"D1": ["K, 4"], "D2": ["OX, 2", "C, 2"]}},
]

pytestmark = pytest.mark.filterwarnings("ignore::carbonloop.interop.common.InteropWarning")


# --- 1. ONNX workloads ------------------------------------------------------------------------------
def _onnx_model(path: Path) -> Path:
    """x[1,4,8,8] -> Conv 8x4x3x3 (pad 1) -> Relu -> MaxPool 2x2/2 -> Flatten -> Gemm 10x128."""
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    def init(name: str, shape: list[int]):
        return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)

    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "w2"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[init("w1", [8, 4, 3, 3]), init("w2", [10, 128])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)
    return path


def test_onnx_workload_is_read_as_zigzag_reads_it_even_without_the_extension(tmp_path):
    path = _onnx_model(tmp_path / "tiny.model")  # no .onnx: detected by its bytes
    assert is_onnx_file(path) and not is_onnx_file(EX / "workload.yaml")
    with pytest.warns(InteropWarning, match="DummyNodes: 1 pool layers"):
        net, _, maps = load_zigzag(accelerator=ACC, workload=path, mapping=SPATIAL_ONLY)
    conv, fc = net.layers
    # ZigZag's ONNX parser keeps Conv and Gemm only; the pooling layer is not costed.
    assert [lay.info["operator_type"] for lay in net.layers] == ["Conv", "Gemm"]
    assert conv.sizes == {"K": 8, "C": 4, "OY": 8, "OX": 8, "FY": 3, "FX": 3}
    # 128 = 8 channels x 4 x 4 pooled pixels, flattened
    assert fc.sizes == {"K": 10, "C": 128}
    # ZigZag's ONNX precision: 8-bit weights and activations, 16-bit partial sums
    assert (conv.output.bits, conv.output.psum_bits, conv.operand("W").bits) == (8, 16, 8)
    # the Gemm entry's OX, 2 is dropped (no OX in a Gemm), its spatial part kept for the search
    assert maps["fc"] == ZigZagConstraints(
        "fc", (("D1", (Loop("K", 4),)), ("D2", (Loop("C", 2),))), (), {}, "no temporal_ordering"
    )


def test_cli_evaluates_an_onnx_workload_with_zigzag_files(tmp_path, capsys):
    wl = _onnx_model(tmp_path / "tiny.onnx")
    acc = tmp_path / "acc.yaml"
    acc.write_text(yaml.safe_dump(ACC, sort_keys=False))
    mp = tmp_path / "map.yaml"
    mp.write_text(yaml.safe_dump(SPATIAL_ONLY[:1]))
    argv = ["evaluate", "--accelerator", str(acc), "--workload", str(wl), "--mapping", str(mp), "--json"]
    assert run(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [layer["name"] for layer in doc["layers"]] == ["conv", "fc"]
    # conv: 8*4*8*8*9 = 18432 MACs; fc: 10*128 = 1280
    assert [layer["macs"] for layer in doc["layers"]] == [18432, 1280]


# --- 2. DIM, 1 items and dimensions a layer does not have ---------------------------------------------
POOL_WL = [
    {
        "id": 0,
        "name": "pool",
        "operator_type": "Pooling",
        "equation": "O[b][g][oy][ox]+=W[fx][fy]*I[b][g][iy][ix]",
        "dimension_relations": ["ix=1*ox+1*fx", "iy=1*oy+1*fy"],
        "loop_dims": ["B", "G", "OY", "OX", "FX", "FY"],
        "loop_sizes": [1, 4, 2, 2, 2, 2],
        "operand_precision": {"W": 0, "I": 8, "O": 8, "O_final": 8},
        "operand_source": {"I": 0, "W": 0},
    }
]


def test_a_dim_one_item_on_a_layer_without_that_dim_is_a_silent_no_op():
    mp = [
        {
            "name": "Pooling",
            "spatial_mapping": {"D1": ["G, 4"], "D2": ["C, 1"]},
            "temporal_ordering": [["FX", 2], ["FY", 2], ["OX", 2], ["OY", 2]],
        }
    ]
    with pytest.warns(InteropWarning) as record:
        _, _, maps = load_zigzag(accelerator=ACC, workload=POOL_WL, mapping=mp)
    assert not [w for w in record if "spatial_mapping" in str(w.message)]
    m = maps["pool"]
    assert isinstance(m, Mapping)
    assert m.level("sram_8KB").spatial == (("D1", (Loop("G", 4),)),)  # D2 unused: C, 1 changed nothing


def test_a_larger_factor_on_a_missing_dim_is_dropped_with_a_warning():
    mp = [{"name": "default", "spatial_mapping": {"D1": ["G, 4"], "D2": ["C, 2"]}}]
    with pytest.warns(InteropWarning, match=r"D2\[0\]: C is not a dimension of pool .*dropped"):
        _, _, maps = load_zigzag(accelerator=ACC, workload=POOL_WL, mapping=mp)
    assert maps["pool"].spatial == (("D1", (Loop("G", 4),)), ("D2", ()))  # type: ignore[union-attr]


def test_a_temporal_item_on_a_missing_dim_is_dropped_with_a_warning():
    mp = [{"name": "default", "spatial_mapping": {"D1": ["K, 4"]}, "temporal_ordering": [["Q", 8]]}]
    with pytest.warns(InteropWarning, match=r"temporal_ordering\[0\]: Q is not a dimension"):
        _, _, maps = load_zigzag(accelerator=ACC, workload=WL, mapping=mp)
    assert isinstance(maps["conv_small"], ZigZagConstraints)


def test_a_zero_factor_is_refused_in_one_line():
    mp = [{"name": "default", "spatial_mapping": {"D1": ["K, 0"]}}]
    with pytest.raises(SpecError, match="at least 1") as err:
        load_zigzag(accelerator=ACC, workload=WL, mapping=mp)
    assert "\n" not in str(err.value)


# --- 3. Spatial-only mappings: the mapper completes them -------------------------------------------------
def _zigzag_style_orderings(layer, acc, spatial):
    """Every complete temporal ordering ZigZag's LOMA could write for conv_small (prime factors OX 2, 2, 2 and
    FX 3 in every order), allocated innermost-first as the importer reads a complete ordering."""
    by_level = {acc.fanout_level(a): [] for a, _ in spatial}
    for axis, loops in spatial:
        by_level[acc.fanout_level(axis)].append((axis, loops))
    out = []
    for perm in set(itertools.permutations([("OX", 2), ("OX", 2), ("OX", 2), ("FX", 3)])):
        temporal = _allocate(layer, acc, by_level, [Loop(d, f) for d, f in perm])
        levels = tuple(
            LevelMapping(m.name, tuple(temporal[i]), tuple(by_level.get(i, ())))
            for i, m in enumerate(acc.memories)
        )
        out.append(evaluate(layer, acc, Mapping(levels, False, "test")))
    return out


def test_spatial_only_mapping_is_completed_for_latency_no_worse_than_any_zigzag_ordering():
    net, acc, maps = load_zigzag(accelerator=ACC, workload=WL, mapping=SPATIAL_ONLY[:1])
    layer = net.layers[0]
    given = maps["conv_small"]
    assert isinstance(given, ZigZagConstraints)
    complete, searched = complete_zigzag_mappings(net, acc, maps)
    found = evaluate(layer, acc, complete["conv_small"])
    assert searched["conv_small"].optimal
    # the spatial part is the file's: K 4 on D1, C 4 on D2, at the SRAM (the level that spans both)
    assert complete["conv_small"].level("sram_8KB").spatial == (
        ("D1", (Loop("K", 4),)),
        ("D2", (Loop("C", 4),)),
    )
    # 384 MACs on 16 PEs: no mapping computes in fewer than 24 cycles
    assert found.latency_cycles >= 384 // 16
    candidates = _zigzag_style_orderings(layer, acc, given.spatial)
    assert len(candidates) == 4  # 4!/3! distinct orders of OX, OX, OX, FX
    assert found.latency_cycles <= min(c.latency_cycles for c in candidates)


def test_evaluate_with_a_spatial_only_mapping_searches_instead_of_refusing(tmp_path):
    mp = tmp_path / "map.yaml"
    mp.write_text(yaml.safe_dump(SPATIAL_ONLY[:1]))
    result, _ = zigzag_cost(EX / "accelerator.yaml", EX / "workload.yaml", mp)
    full, _ = zigzag_cost(EX / "accelerator.yaml", EX / "workload.yaml", EX / "mapping.yaml")
    # the example's hand-written ordering (FX, then OX) takes 99 cycles; the search finds no slower one
    assert full.latency_cycles == 99
    assert result.latency_cycles <= 99 and result.costs[0].macs == 384


# --- 4. Per-operand hierarchies: the smallest common hierarchy -----------------------------------------
AXES = ["D1", "D2", "D3"]


@given(st.lists(st.lists(st.sampled_from(AXES), unique=True), min_size=1, max_size=6))
def test_common_hierarchy_spans_nest_and_only_shrink_below_the_top(spans):
    levels = [{"name": f"m{i}", "spans": list(s)} for i, s in enumerate(spans)]
    notes = common_hierarchy_spans(levels, AXES)
    assert set(levels[0]["spans"]) == set(AXES)  # one outermost memory serves the whole array
    for before, level in zip(spans[1:], levels[1:], strict=True):
        assert set(level["spans"]) <= set(before)  # never shared more widely than the file says
    for outer, inner in itertools.pairwise(levels):
        assert set(inner["spans"]) <= set(outer["spans"])
    changed = sum(set(b) != set(lv["spans"]) for b, lv in zip(spans, levels, strict=True))
    assert len(notes) == changed


def _per_operand_registers() -> dict:
    """The example with an input register per C column shared by the 4 K PEs (D1) and an accumulator per K
    row summing the C column (D2): siblings shared along different dimensions, per operand."""
    acc = copy.deepcopy(ACC)
    acc["memories"]["o_reg"]["served_dimensions"] = ["D2"]
    i_reg = copy.deepcopy(acc["memories"]["w_reg"])
    i_reg["operands"] = ["I1"]
    i_reg["ports"][0]["allocation"] = ["I1, fh", "I1, tl"]
    i_reg["served_dimensions"] = ["D1"]
    acc["memories"] = {"i_reg": i_reg, **acc["memories"]}
    return acc


def test_sibling_registers_shared_differently_are_read_as_they_are():
    mapping = yaml.safe_load((EX / "mapping.yaml").read_text())  # a complete ordering: FX, then OX
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteropWarning)  # no approximation warned (the ports note aside)
        warnings.filterwarnings("ignore", "(?s).*ignored memories", InteropWarning)
        net, a, maps = load_zigzag(accelerator=_per_operand_registers(), workload=WL, mapping=mapping)
    spans = {m.name: m.spans for m in a.memories}
    assert spans == {
        "dram": ("D1", "D2"),
        "sram_8KB": ("D1", "D2"),
        "o_reg": ("D2",),
        "i_reg": ("D1",),
        "w_reg": (),
    }
    assert not a.spans_nested
    assert [a.instances(i) for i in range(2, 5)] == [4, 4, 16]
    layer = net.layers[0]
    cost = evaluate(layer, a, maps["conv_small"])
    # FX 3 sits at o_reg (it fits neither register of one element), OX 8 at the SRAM; 24 cycles.
    # O: 4 accumulators (one per K) each take the C-sum of 4 PEs every cycle: 4 x 24 = 96 updates; each of
    # the 32 outputs (K4 x OX8) gets FX=3 updates, 2 read back first (64), and is sent up once (32).
    assert cost.accesses["o_reg"]["O"] == {"reads": 64 + 32, "fills": 0, "updates": 96}
    # I: 4 registers (one per C) each feed the 4 K PEs of their column (a multicast): the window ix = ox + fx
    # moves at each of the 24 steps: 24 fills and 24 reads per register.
    assert cost.accesses["i_reg"]["I"] == {"reads": 96, "fills": 96, "updates": 0}
    # W: per PE; FX moves the weight at every step (an OX step resets FX): 16 x 24 = 384 fills.
    assert cost.accesses["w_reg"]["W"]["fills"] == 384
    assert cost.accesses == simulate(layer, a, maps["conv_small"])


def test_sibling_registers_left_to_the_mapper_are_read_as_they_are_and_searched():
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteropWarning)  # no approximation warned (the ports note aside)
        warnings.filterwarnings("ignore", "(?s).*ignored memories", InteropWarning)
        net, a, maps = load_zigzag(
            accelerator=_per_operand_registers(), workload=WL, mapping=SPATIAL_ONLY[:1]
        )
    assert not a.spans_nested and isinstance(maps["conv_small"], ZigZagConstraints)
    assert {m.name: m.spans for m in a.memories}["i_reg"] == ("D1",)
    complete, searched = complete_zigzag_mappings(net, a, maps)
    layer = net.layers[0]
    found = evaluate(layer, a, complete["conv_small"])
    assert searched["conv_small"].optimal
    # Oracle: the example's own complete mapping has the same spatial part (K 4 on D1, C 4 on D2) and scores
    # 24 compute cycles (test above); the search minimizes latency, then energy, over a mapspace that holds
    # it, so it can be no worse, and what it returns really scores what it reports.
    _, _, given = load_zigzag(
        accelerator=_per_operand_registers(),
        workload=WL,
        mapping=yaml.safe_load((EX / "mapping.yaml").read_text()),
    )
    reference = evaluate(layer, a, given["conv_small"])
    assert reference.latency_breakdown_cycles["compute"] == 24
    assert (found.latency_cycles, found.energy_pj) <= (reference.latency_cycles, reference.energy_pj)
    assert (found.latency_cycles, found.energy_pj) == (
        searched["conv_small"].cost.latency_cycles,
        pytest.approx(searched["conv_small"].cost.energy_pj, rel=1e-12),
    )


# --- 5. IMC operational arrays through the macro model ---------------------------------------------------
def _imc_accelerator(kind: str = "analog") -> dict:
    port = {
        "name": "rw_port_1",
        "type": "read_write",
        "bandwidth_min": 8,
        "bandwidth_max": 8,
        "allocation": [],
    }

    def mem(size, ops, served, r=0.0, w=0.0, bw=8):
        return {
            "size": size,
            "r_cost": r,
            "w_cost": w,
            "area": 0,
            "latency": 1,
            "operands": ops,
            "served_dimensions": served,
            "ports": [{**port, "bandwidth_min": bw, "bandwidth_max": bw}],
        }

    array = {
        "is_imc": True,
        "imc_type": kind,
        "input_precision": [8, 8],
        "bit_serial_precision": 2 if kind == "analog" else 1,
        "dimensions": ["D1", "D2"],
        "sizes": [16, 64],
    }
    if kind == "analog":
        array["adc_resolution"] = 5
    cells = mem(8, ["I2"], [], w=0.1)
    cells["latency"] = 0  # ZigZag's own IMC files write 0 here
    return {
        "name": "imc_test",
        "memories": {
            "cells": cells,
            "rf_in": mem(8, ["I1"], ["D1"], 0.02, 0.02),
            "rf_out": mem(16, ["O"], ["D2"], 0.02, 0.02, 16),
            "sram": mem(1 << 20, ["I1", "I2", "O"], ["D1", "D2"], 10.0, 12.0, 512),
            "dram": mem(1 << 30, ["I1", "I2", "O"], ["D1", "D2"], 100.0, 100.0, 64),
        },
        "operational_array": array,
    }


IMC_WL = [
    {
        "id": 0,
        "name": "conv",
        "operator_type": "Conv",
        "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
        "dimension_relations": ["ix=1*ox+1*fx", "iy=1*oy+1*fy"],
        "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
        "loop_sizes": [1, 16, 64, 1, 4, 1, 1],
        "operand_precision": {"W": 8, "I": 8, "O": 16, "O_final": 8},
        "operand_source": {"I": 0, "W": 0},
    }
]
IMC_MAP = [
    {
        "name": "default",
        "spatial_mapping": {"D1": ["K, 16"], "D2": ["C, 64"]},
        "temporal_ordering": [["OX", 4]],
    }
]


@pytest.mark.parametrize("kind", ["analog", "digital"])
def test_imc_operational_array_is_priced_by_the_macro_model_without_unit_energy(kind):
    _, a, _ = load_zigzag(accelerator=_imc_accelerator(kind), workload=IMC_WL, mapping=IMC_MAP)
    spec = a.array.imc
    # ZigZag: the first (sorted) dimension is the wordline (output channels: cols), the second the bitline
    # (summed inputs: rows), the rest the macro count
    assert (spec.cols, spec.rows, spec.macros) == (16, 64, 1)
    assert spec.kind == ("aimc" if kind == "analog" else "dimc")
    assert spec.adc_bits == (5 if kind == "analog" else None)
    assert (spec.input_bits, spec.weight_bits, spec.group_depth) == (8, 8, 1)
    # 8-bit inputs, 2 (analog) or 1 (digital) bit per cycle: 4 or 8 cycles per pass
    assert a.array.cycles_per_mac == (4 if kind == "analog" else 8)
    assert a.array.axes == (("D1", 16), ("D2", 64), ("D3", 1))
    assert a.clock_ns == imc_macro_cost(spec).clock_ns


def test_imc_compute_energy_is_one_macro_pass_per_temporal_step():
    net, a, maps = load_zigzag(accelerator=_imc_accelerator(), workload=IMC_WL, mapping=IMC_MAP)
    cost = evaluate(net.layers[0], a, maps["conv"])
    per_pass = imc_pass_energy_pj(a.array.imc, 64, 16)  # all 64 rows and 16 columns hold the layer
    # OX = 4 temporal steps, each one full-precision pass of the macro
    assert cost.compute_breakdown_pj == pytest.approx({k: 4 * v for k, v in per_pass.items()})


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (lambda d: d["operational_array"].update(imc_type="quantum"), "expected analog or digital"),
        (lambda d: d["memories"]["cells"].update(size=12), "not a multiple of the weight bits 8"),
        (lambda d: d["operational_array"].pop("adc_resolution"), "adc_resolution"),
        (
            lambda d: d["operational_array"].update(dimensions=["D1", "D2", "D3", "D4"], sizes=[4, 4, 2, 2]),
            "a wordline, a bitline and a macro dimension",
        ),
    ],
)
def test_bad_imc_fields_are_refused_in_one_line(patch, message):
    acc = _imc_accelerator()
    patch(acc)
    with pytest.raises(SpecError, match=message) as err:
        load_zigzag(accelerator=acc, workload=IMC_WL, mapping=IMC_MAP)
    assert "\n" not in str(err.value)


# --- ZigZag's own loop orders seed the search ------------------------------------------------------------
@given(st.integers(min_value=1, max_value=100_000))
def test_prime_factors_multiply_back_and_are_prime(n):
    fs = prime_factors(n)
    assert math.prod(fs) == n and fs == sorted(fs)
    assert all(f > 1 and all(f % p for p in range(2, math.isqrt(f) + 1)) for f in fs)


@given(
    st.dictionaries(
        st.sampled_from(["B", "K", "C", "OX", "OY", "FX", "FY", "G"]), st.integers(1, 5000), min_size=1
    )
)
def test_limited_factors_keep_each_dimension_and_respect_the_limit(remaining):
    factors = limited_factors(remaining, 6)
    # at most 6 loops, unless the dimensions alone (one loop each) are more than that
    assert len(factors) <= max(6, sum(n > 1 for n in remaining.values()))
    for d, n in remaining.items():
        assert math.prod(f for e, f in factors if e == d) == n


def test_limited_factors_merge_the_smallest_primes_of_the_richest_dimension():
    # OX 112 = 2^4 x 7 and K 2: six factors are 2, 2, 2, 2, 7 (OX) and 2 (K); 112 needs one merge: 2x2
    assert sorted(limited_factors({"OX": 112, "K": 2}, 5)) == [
        ("K", 2),
        ("OX", 2),
        ("OX", 2),
        ("OX", 4),
        ("OX", 7),
    ]


def test_loma_orders_are_every_distinct_order_of_the_prime_factors():
    net, acc, maps = load_zigzag(accelerator=ACC, workload=WL, mapping=SPATIAL_ONLY[:1])
    layer, given_ = net.layers[0], maps["conv_small"]
    spatial = {a: [(lp.dim, lp.factor) for lp in loops] for a, loops in given_.spatial}
    costs = loma_costs(layer, acc, spatial)
    # OX 8 = 2 x 2 x 2 and FX 3: 4! / 3! = 4 distinct orders (innermost first). With FX innermost the
    # 16-bit o_reg keeps a partial sum over FX (cut 1) and the 8-bit w_reg one weight (cut 0): the file's
    # order. With k OX loops innermost, w_reg keeps its weight over them (cut k) and o_reg nothing (OX 2
    # makes 2 x 16 b): w_reg cuts above o_reg, so those three nests are scored with the registers swapped.
    assert len(costs) == 4 and len({c.mapping for c, _ in costs}) == 4
    assert (
        sorted(own.level_names for _, own in costs)
        == [("dram", "sram_8KB", "o_reg", "w_reg")] + [("dram", "sram_8KB", "w_reg", "o_reg")] * 3
    )


def test_zigzag_allocates_each_operand_on_its_own_and_cuts_are_the_chain():
    """ZigZag's allocator by hand (zigzag/opt/loma/memory_allocator.py, 3.9.1) on conv_small (K 4, C 4,
    OX 8, FX 3; K 4 on D1, C 4 on D2), the order OX 2, FX 3, OX 2, OX 2 (innermost first), with the
    weight register widened to 24 bits:
    - w_reg (W, 24 b, per PE): the tile after i loops and the words left to fetch (loops left x tile):
      i=0: 8 b, 24 x 8 = 192; i=1 (OX): 8 b, 12 x 8 = 96; i=2 (FX 3): 24 b, 4 x 24 = 96; i=3: 24 b, 48;
      i=4: 24 b, 0 -> W cuts at 4 (the register keeps its 3 weights for every OX).
    - o_reg (O, 16 b): i=0: one partial sum of 16 b (C and FX are summed above); i=1 adds OX 2: 2 x 16 =
      32 b > 16 -> O cuts at 0.
    - sram_8KB and dram: every loop left (the SRAM holds all tiles, and nothing left to fetch is 0 words).
    The register of W (cut 4) then lies above the one of O (cut 0): the chain is dram > sram_8KB > w_reg >
    o_reg, the file's order with its two registers swapped, and every temporal loop is w_reg's."""
    acc_file = copy.deepcopy(ACC)
    acc_file["memories"]["w_reg"]["size"] = 24
    net, acc, maps = load_zigzag(accelerator=acc_file, workload=WL, mapping=SPATIAL_ONLY[:1])
    layer = net.layers[0]
    spatial = {"D1": [("K", 4)], "D2": [("C", 4)]}
    order = [Loop("OX", 2), Loop("FX", 3), Loop("OX", 2), Loop("OX", 2)]
    cuts = zigzag_cuts(layer, acc, spatial, order)
    names = {o.role: o.name for o in layer.operands}
    assert acc.level_names == ("dram", "sram_8KB", "o_reg", "w_reg")
    assert cuts[3] == {names["W"]: 4} and cuts[2] == {names["O"]: 0}
    assert cuts[1] == {names["W"]: 4, names["I"]: 4, names["O"]: 4}
    nest = zigzag_nest(layer, acc, spatial, order, imperfect=False)
    assert nest is not None
    variant, mapping = nest
    assert variant.level_names == ("dram", "sram_8KB", "w_reg", "o_reg")
    assert mapping.level("w_reg").temporal == tuple(reversed(order))
    assert mapping.level("sram_8KB").spatial == (("D1", (Loop("K", 4),)), ("D2", (Loop("C", 4),)))
    cost = evaluate(layer, variant, mapping)
    # each of the 16 PEs reads its 3 weights from the SRAM once (48 reads), and the literal loop-nest
    # walker counts every level's accesses on the swapped chain as the model does
    assert cost.accesses == simulate(layer, variant, mapping)
    assert cost.accesses["sram_8KB"]["W"]["reads"] == 48


def test_free_axes_get_the_most_utilizing_hinted_unrolling():
    net, acc, _ = load_zigzag(accelerator=ACC, workload=WL, mapping=SPATIAL_ONLY[:1])
    layer = net.layers[0]  # K 4, C 4, OX 8, FX 3 on a 4 x 4 array
    # D1 holds K 4; D2 is free with hints C and FX: C 4 fills its 4 PEs (FX 3 uses 3; C 2 x FX 3 = 6 > 4)
    assert fill_free_axes(layer, acc, {"D1": [("K", 4)]}, {"D2": ["C", "FX"]}) == {
        "D1": [("K", 4)],
        "D2": [("C", 4)],
    }
    # with FX as the only hint, 3 of the 4 PEs: FX's divisors are 1 and 3
    assert fill_free_axes(layer, acc, {"D1": [("K", 4)]}, {"D2": ["FX"]})["D2"] == [("FX", 3)]
    # a hint naming no dimension of the layer leaves the axis unused
    assert fill_free_axes(layer, acc, {"D1": [("K", 4)]}, {"D2": ["G"]})["D2"] == []
    assert divisors(12) == [1, 2, 3, 4, 6, 12] and divisors(1) == [1]


def test_free_axes_take_zigzags_padded_unrollings_and_fit_the_innermost_memories():
    """ZigZag 3.9.1's generator unrolls a dim by the divisors of min(its size, the axis size), padded where
    that does not divide the size, and limits an unrolling to what each operand's innermost memory holds
    (``limit_unrolling_to_mem_capacity``); the seeds' unrolling follows both."""
    wl = copy.deepcopy(WL)
    wl[0]["loop_sizes"] = [1, 4, 4, 1, 6, 1, 3]  # OX 6
    net, acc, _ = load_zigzag(accelerator=ACC, workload=wl, mapping=SPATIAL_ONLY[:1])
    layer = net.layers[0]
    # OX 6 on the 4-wide D2: divisors(min(6, 4)) = 1, 2, 4 -> OX 4 (4 PEs, two steps in time, 2 padded
    # columns), where the divisors of 6 alone would give OX 3
    assert fill_free_axes(layer, acc, {"D1": [("K", 4)]}, {"D2": ["OX"]})["D2"] == [("OX", 4)]
    # an 8-bit weight register shared along D2 holds one weight: C and FX (which index W) cannot unroll
    # there, OX (which W ignores) can
    shared = copy.deepcopy(ACC)
    shared["memories"]["w_reg"]["served_dimensions"] = ["D2"]
    net, acc, _ = load_zigzag(accelerator=shared, workload=WL, mapping=SPATIAL_ONLY[:1])
    layer = net.layers[0]  # K 4, C 4, OX 8, FX 3
    assert fill_free_axes(layer, acc, {"D1": [("K", 4)]}, {"D2": ["C", "FX"]})["D2"] == []
    assert fill_free_axes(layer, acc, {"D1": [("K", 4)]}, {"D2": ["C", "OX"]})["D2"] == [("OX", 4)]
    # by hand: C 4 under one w_reg instance is 4 weights x 8 b = 32 b > 8 b; OX 4 is 1 weight (8 b); the
    # per-PE output register (16 b, shared along nothing) sees one partial sum either way
    assert not innermost_memories_hold(layer, acc, {"D1": [("K", 4)], "D2": [("C", 4)]})
    assert innermost_memories_hold(layer, acc, {"D1": [("K", 4)], "D2": [("OX", 4)]})


@settings(max_examples=25, deadline=None)
@given(
    w_reg_bits=st.sampled_from([8, 24, 48]),
    o_reg_bits=st.sampled_from([16, 32, 64]),
    order=st.permutations([("OX", 2), ("OX", 2), ("OX", 2), ("FX", 3)]),
)
def test_zigzag_nests_on_their_own_chain_count_as_the_literal_walker(w_reg_bits, o_reg_bits, order):
    """Whatever chain ZigZag's allocation makes of an order (registers swapped, the SRAM split), the model
    counts every level's accesses on it as the literal loop-nest walker does, and each operand's tile at
    each level is ZigZag's cut (the loops inside it are the innermost ``cut`` of the order)."""
    acc_file = copy.deepcopy(ACC)
    acc_file["memories"]["w_reg"]["size"] = w_reg_bits
    acc_file["memories"]["o_reg"]["size"] = o_reg_bits
    net, acc, _ = load_zigzag(accelerator=acc_file, workload=WL, mapping=SPATIAL_ONLY[:1])
    layer = net.layers[0]
    loops = [Loop(d, f) for d, f in order]
    nest = zigzag_nest(layer, acc, {"D1": [("K", 4)], "D2": [("C", 4)]}, loops, imperfect=False)
    assert nest is not None
    variant, mapping = nest
    cost = evaluate(layer, variant, mapping)
    assert cost.accesses == simulate(layer, variant, mapping)
    cuts = zigzag_cuts(layer, acc, {"D1": [("K", 4)], "D2": [("C", 4)]}, loops)
    role = {o.name: o.role for o in layer.operands}
    for x, per_op in enumerate(cuts):
        for op, cut in per_op.items():
            # the level of the variant that is this memory (or its virtual level) keeping this operand
            at = next(
                y
                for y, m in enumerate(variant.memories)
                if m.physical_name == acc.memories[x].name and role[op] in m.operands
            )
            inside = [lp for lm in mapping.levels[at:] for lp in lm.temporal]
            assert sorted((lp.dim, lp.factor) for lp in inside) == sorted(order[:cut])


@pytest.mark.parametrize("w_reg_bits", [8, 24])
def test_batched_scoring_equals_one_by_one(w_reg_bits):
    """``evaluate_many`` (ZigZag's candidate nests scored in one model call per keep pattern) gives each
    mapping exactly :func:`evaluate`'s cost, and None where evaluate refuses it: every distinct LOMA order
    of the example layer read into the file's chain, an 8-bit weight register overflowing for some."""
    acc_file = copy.deepcopy(ACC)
    acc_file["memories"]["w_reg"]["size"] = w_reg_bits
    net, acc, _ = load_zigzag(accelerator=acc_file, workload=WL, mapping=SPATIAL_ONLY[:1])
    layer = net.layers[0]
    mappings = loma_chain_mappings(layer, acc, {"D1": [("K", 4)], "D2": [("C", 4)]})
    mappings.append(Mapping((LevelMapping("nowhere"),), False, "t"))  # invalid: an unknown level
    batched = evaluate_many(layer, acc, mappings)
    refused = 0
    for mapping, cost in zip(mappings, batched, strict=True):
        try:
            alone = evaluate(layer, acc, mapping)
        except SpecError:
            assert cost is None
            refused += 1
            continue
        assert cost == alone
    assert refused >= 1 and len(mappings) > refused
