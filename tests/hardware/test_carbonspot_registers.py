"""CarbonSpot's per-operand registers under the ``carbonspot`` profile (rule ``per_operand_registers``).

Source of every number: KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py``,
``memory_hierarchy_dut_for_pdigital_os`` / ``_ws`` / ``_imc``: ``reg_W1`` and ``rf_I1`` 8 b with 1 read +
1 write port, ``rf_O1`` 16 b (IMC ``Bi + Bw``) with 2 + 2, ``r_cost=0``, ``w_cost = dff_cap * vdd**2 *
bits`` with dff_cap = 3 x 0.7 fF and vdd = 0.9 V, area ``dff_area * bits`` with dff_area = 6 x 0.614 um2;
served dimensions OS: O none, W D2, I D1; WS: W none, I D1, O D2; IMC: I D1 (wordline), O D2 (bitline).
Counts are derived by hand in each test.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.hardware.carbonspot import carbonspot_registers, register_instances
from carbonloop.hardware.imc import imc
from carbonloop.hardware.templates import digital, digital_spec
from carbonloop.hardware.yaml import accelerator_from_dict
from carbonloop.mapper import search_layer
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import mapping_from_data
from carbonloop.workload import conv2d

DFF_WRITE_PJ_PER_BIT = 3 * 0.7e-3 * 0.9**2  # 0.001701 pJ
DFF_AREA_MM2_PER_BIT = 6 * 0.614e-6  # 3.684 um2


def _levels(acc):
    return [
        (m.name, sorted(m.operands), m.spans, m.size_bits, m.read_ports, m.write_ports) for m in acc.memories
    ]


def test_the_default_profile_and_the_rule_turned_back_keep_one_shared_register():
    for profile in ("carbonloop", "carbonspot-per_operand_registers"):
        acc = digital(4, 4, 8192, "os", profile=profile)
        assert [m.name for m in acc.memories] == ["dram", "sram", "registers"]
        reg = acc.memories[2]
        assert reg.size_bits == 32 and reg.operands == frozenset("WIO") and reg.spans == ()
    assert digital(4, 4, 8192, "os", profile="carbonspot-per_operand_registers").name.endswith(
        "carbonspot-per_operand_registers"
    )
    assert [m.name for m in imc("dimc", 32, 32, 1, 8192).memories] == ["dram", "sram", "cells"]
    assert [
        m.name for m in imc("dimc", 32, 32, 1, 8192, profile="carbonspot-per_operand_registers").memories
    ] == [
        "dram",
        "sram",
        "cells",
    ]


def test_os_registers_levels_spans_ports_costs():
    acc = digital(4, 2, 8192, "os", profile="carbonspot")  # D1 = 4 rows, D2 = 2 cols
    assert _levels(acc)[2:] == [
        ("o_reg", ["O"], (), 16, 2, 2),
        ("w_reg", ["W"], ("D2",), 8, 1, 1),
        ("i_reg", ["I"], ("D1",), 8, 1, 1),
    ]
    o, w, i = acc.memories[2:]
    # read for free, written at dff_cap x vdd^2 per bit: 8 b -> 0.013608 pJ, 16 b -> 0.027216 pJ
    assert (w.read_pj, i.read_pj, o.read_pj) == (0.0, 0.0, 0.0)
    assert w.write_pj == pytest.approx(8 * DFF_WRITE_PJ_PER_BIT) == pytest.approx(0.013608)
    assert o.write_pj == pytest.approx(0.027216) and o.update_pj == pytest.approx(0.027216)
    # register_area_once (on): each level's bits once in total, spread over its instances:
    # W one per row (4), I one per column (2), O one per PE (8); the sum is 32 b of flip-flops.
    assert w.area_mm2 * 4 == pytest.approx(8 * DFF_AREA_MM2_PER_BIT)
    assert i.area_mm2 * 2 == pytest.approx(8 * DFF_AREA_MM2_PER_BIT)
    assert o.area_mm2 * 8 == pytest.approx(16 * DFF_AREA_MM2_PER_BIT)


def test_registers_area_per_pe_when_register_area_once_is_off():
    acc = digital(4, 2, 8192, "os", profile="carbonspot-register_area_once")
    o, w, i = acc.memories[2:]
    assert (o.area_mm2, w.area_mm2, i.area_mm2) == pytest.approx(
        (16 * DFF_AREA_MM2_PER_BIT, 8 * DFF_AREA_MM2_PER_BIT, 8 * DFF_AREA_MM2_PER_BIT)
    )


def test_ws_registers_levels_spans_ports():
    acc = digital(4, 2, 8192, "ws", profile="carbonspot")
    assert _levels(acc)[2:] == [
        ("w_reg", ["W"], (), 8, 1, 1),
        ("i_reg", ["I"], ("D1",), 8, 1, 1),
        ("o_reg", ["O"], ("D2",), 16, 2, 2),
    ]


def test_imc_registers_under_the_cells():
    acc = imc("dimc", rows=32, cols=16, macros=2, sram_bytes=8192, profile="carbonspot")
    # axes D1 = cols = 16 (wordline), D2 = rows = 32 (bitline), M = 2 macros
    assert _levels(acc)[2:] == [
        ("cells", ["W"], (), 8, 1, 1),
        ("i_reg", ["I"], ("D1",), 8, 1, 1),
        ("o_reg", ["O"], ("D2",), 16, 2, 2),  # Bi + Bw = 8 + 8
    ]
    i, o = acc.memories[3:]
    assert i.write_pj == pytest.approx(0.013608) and o.write_pj == pytest.approx(0.027216)
    # once per level: I has 32 x 2 = 64 instances (one per bitline row per macro), O 16 x 2 = 32
    assert i.area_mm2 * 64 == pytest.approx(8 * DFF_AREA_MM2_PER_BIT)
    assert o.area_mm2 * 32 == pytest.approx(16 * DFF_AREA_MM2_PER_BIT)
    # CarbonSpot's published IMC memory area lacks exactly these 24 b against the digital 32 b: 88.4 um2
    assert i.area_mm2 * 64 + o.area_mm2 * 32 == pytest.approx(24 * 3.684e-6)


def test_os_register_counts_by_hand():
    # O[k][ox] += W[k][c] * I[c][ox], K=2, C=3, OX=2 on the 2x2 OS template: D1 unrolls K, D2 unrolls OX.
    layer = conv2d("l", K=2, C=3, OY=1, OX=2, FY=1, FX=1)
    mapping = mapping_from_data(
        [
            {"level": "dram"},
            {"level": "sram", "temporal": [["C", 3]]},
            {"level": "o_reg"},
            {"level": "w_reg", "spatial": {"D2": [["OX", 2]]}},
            {"level": "i_reg", "spatial": {"D1": [["K", 2]]}},
        ]
    )
    cost = evaluate(layer, digital(2, 2, 1024, "os", profile="carbonspot"), mapping)
    a = cost.accesses
    # W: one register per row (per K), broadcast along D2 to the 2 OX PEs; refilled at each of the 3 C
    # steps: 2 x 3 = 6 fills, and 6 reads (each read feeds both PEs of its row), not 12.
    assert a["w_reg"]["W"] == {"reads": 6, "fills": 6, "updates": 0}
    assert a["i_reg"]["I"] == {"reads": 6, "fills": 6, "updates": 0}  # one per column, the same
    # O: 4 private registers, 3 products each: 12 updates; stationary across C (irrelevant to O) although
    # the C loop sits at the SRAM: the SRAM receives only the 4 final sums.
    assert a["o_reg"]["O"]["updates"] == 12 and a["sram"]["O"]["updates"] == 4
    # energy: reads free, 6 + 6 writes of 8 b and 12 updates of 16 b
    e = cost.energy_breakdown_pj
    assert e["w_reg"]["W"] == pytest.approx(6 * 0.013608)
    assert e["i_reg"]["I"] == pytest.approx(6 * 0.013608)
    assert e["o_reg"]["O"] == pytest.approx(12 * 0.027216)
    # the shared 32-bit register of the default template is private to each PE: each of the 4 PEs fills
    # its own copy of W and of I at each C step, 4 x 3 = 12 each
    shared = digital(2, 2, 1024, "os", profile="carbonspot-per_operand_registers")
    one_reg = mapping_from_data(
        [
            {"level": "dram"},
            {"level": "sram", "temporal": [["C", 3]], "spatial": {"D1": [["K", 2]], "D2": [["OX", 2]]}},
            {"level": "registers"},
        ]
    )
    b = evaluate(layer, shared, one_reg).accesses
    assert b["registers"]["W"]["fills"] == 12 and b["registers"]["I"]["fills"] == 12


def test_ws_register_counts_by_hand():
    # K=2 on D1 (rows), C=2 on D2 (columns, summed by the row's adder tree), OX=3 in time.
    layer = conv2d("l", K=2, C=2, OY=1, OX=3, FY=1, FX=1)
    mapping = mapping_from_data(
        [
            {"level": "dram"},
            {"level": "sram", "temporal": [["OX", 3]]},
            {"level": "w_reg"},
            {"level": "i_reg", "spatial": {"D1": [["K", 2]]}},
            {"level": "o_reg", "spatial": {"D2": [["C", 2]]}},
        ]
    )
    a = evaluate(layer, digital(2, 2, 1024, "ws", profile="carbonspot"), mapping).accesses
    # W: 4 private registers, each filled once (OX is irrelevant to W), read by its PE at each of 3 steps
    assert a["w_reg"]["W"] == {"reads": 12, "fills": 4, "updates": 0}
    # I: one register per column (per C), broadcast along D1 to both K rows: 2 x 3 fills and reads
    assert a["i_reg"]["I"] == {"reads": 6, "fills": 6, "updates": 0}
    # O: one register per row (per K) after the adder tree, which sums the 2 columns: 2 x 3 = 6 updates,
    # each a final sum sent to the SRAM
    assert a["o_reg"]["O"]["updates"] == 6 and a["sram"]["O"]["updates"] == 6


def _reordered(dataflow: str, first: str):
    """The carbonspot OS/WS template with the register of ``first`` outermost (the others in order)."""
    spec = digital_spec(2, 2, 1024, dataflow, profile="carbonspot")
    regs = sorted(spec["memories"][2:], key=lambda m: m["operands"] != [first])
    return accelerator_from_dict(
        {**spec, "memories": spec["memories"][:2] + regs, "conventions": "carbonspot"}
    )


@settings(max_examples=8, deadline=None)
@given(
    st.sampled_from(["os", "ws"]),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([1, 2, 4]),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([1, 3]),
)
def test_the_register_order_does_not_change_the_optimum(dataflow, k, c, ox, fx):
    # A one-element register keeps its element across every loop irrelevant to it wherever the loop is
    # listed (it is refilled only when a relevant loop steps), so which register is outermost changes no
    # count: the exact optimum is the same for every order (docs/validation.md, per_operand_registers).
    layer = conv2d("l", K=k, C=c, OY=1, OX=ox, FY=1, FX=fx)
    values = []
    for first in "WIO":
        res = search_layer(layer, _reordered(dataflow, first), "edp")
        assert res.optimal
        values.append((res.cost.energy_pj, res.cost.latency_cycles))
    # the same sums in another order: equal to the last bits of a double, not to a rounding boundary
    energy, latency = values[0]
    assert all(e == pytest.approx(energy, rel=1e-12) and lat == latency for e, lat in values)


def test_register_instances_and_families():
    assert register_instances(("D2",), {"D1": 4, "D2": 2}) == 4
    assert register_instances((), {"D1": 4, "D2": 2, "M": 3}) == 24
    assert [r.operand for r in carbonspot_registers("os")] == ["O", "W", "I"]
    assert [dataclasses.astuple(r)[1] for r in carbonspot_registers("imc", 4, 8)] == [4, 12]
    with pytest.raises(Exception, match="no CarbonSpot registers"):
        carbonspot_registers("gemm")


def test_weight_diagonal_mapping_rule_sets_the_ws_input_register_only():
    # CarbonSpot's zigzag/api.py runs ZigZag with enable_weight_diagonal_mapping=True; ZigZag applies it
    # when the input's and the output's innermost memories each serve one array dim: WS (I along D1,
    # O along D2), not OS (O private)
    ws = digital(4, 4, 8192, "ws", profile="carbonspot")
    assert [(m.name, m.diagonal_inputs) for m in ws.memories[2:]] == [
        ("w_reg", False),
        ("i_reg", True),
        ("o_reg", False),
    ]
    off = digital(4, 4, 8192, "ws", profile="carbonspot-weight_diagonal_mapping")
    assert not any(m.diagonal_inputs for m in off.memories)
    assert off.name.endswith("carbonspot-weight_diagonal_mapping")
    os_ = digital(4, 4, 8192, "os", profile="carbonspot")
    assert not any(m.diagonal_inputs for m in os_.memories)
    assert [r.diagonal_inputs for r in carbonspot_registers("os", diagonal=True)] == [False, False, False]
    assert [r.diagonal_inputs for r in carbonspot_registers("imc", diagonal=True)] == [True, False]
    for kind in ("aimc", "dimc"):  # the IMC templates build them: I along the wordline feeds diagonals
        on = imc(kind, 32, 32, 1, 8192, profile="carbonspot")
        assert [(m.name, m.diagonal_inputs) for m in on.memories[3:]] == [("i_reg", True), ("o_reg", False)]
        flip = imc(kind, 32, 32, 1, 8192, profile="carbonspot-weight_diagonal_mapping")
        assert not any(m.diagonal_inputs for m in flip.memories)
    # the YAML form carries the key, and reads back the same accelerator
    spec = digital_spec(4, 4, 8192, "ws", profile="carbonspot")
    assert [m.get("diagonal_inputs", False) for m in spec["memories"]] == [False, False, False, True, False]
    assert accelerator_from_dict(spec).memories == ws.memories
