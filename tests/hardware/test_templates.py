"""The parametric digital template and the new presets."""

from __future__ import annotations

import math

import pytest

from carbonloop.costs.resolve import resolve_memory
from carbonloop.errors import SpecError
from carbonloop.hardware.library import load_accelerator
from carbonloop.hardware.templates import ws_adder_tree_area_mm2


def test_digital_template_numbers_follow_carbonspot():
    acc = load_accelerator("digital(rows=32,cols=16,sram_bytes=65536,dataflow=os)")
    assert acc.array.axes == (("D1", 32), ("D2", 16))
    assert acc.array.mac_pj == 0.25 and acc.clock_ns == 5.0
    dram, sram, regs = acc.memories
    assert dram.width_bits == 32 * 8 and dram.read_pj == pytest.approx(3.7 * 256)
    assert sram.width_bits == max(16 * 8, 32 * 16) and sram.size_bits == 65536 * 8
    ref = resolve_memory("sram", node_nm=28, width_bits=512, depth=1024)
    assert sram.read_pj == pytest.approx(ref.read_pj) and sram.area_mm2 == pytest.approx(ref.area_mm2)
    assert regs.size_bits == 32 and regs.read_pj == pytest.approx(0.0021 * 0.81 * 8)
    assert acc.hints["spatial"] == {"D1": ["K"], "D2": ["OX", "OY"]}
    assert acc.instances(2) == 32 * 16


def test_weight_stationary_template_adds_adder_trees_and_its_hints():
    os_ = load_accelerator("digital(rows=32,cols=32,sram_bytes=64KiB,dataflow=os)")
    ws = load_accelerator("digital(rows=32,cols=32,sram_bytes=64KiB,dataflow=ws)")
    tree = (3 * 0.614e-6 + 2 * 1.4736e-6) * (32 * 17 - (16 + math.log2(32) + 1)) * 32
    assert ws_adder_tree_area_mm2(32, 32) == pytest.approx(tree)
    assert ws.area_mm2 - os_.area_mm2 == pytest.approx(tree)
    assert ws.hints["spatial"] == {"D1": ["K", "OX", "OY"], "D2": ["C", "FX", "FY"]}


def test_node_changes_the_sram_cost():
    a = load_accelerator("digital(rows=16,cols=16,sram_bytes=32768,node_nm=28)")
    b = load_accelerator("digital(rows=16,cols=16,sram_bytes=32768,node_nm=65)")
    assert b.memories[1].read_pj > a.memories[1].read_pj


@pytest.mark.parametrize(
    "spec",
    [
        "digital(rows=0,cols=4,sram_bytes=1024)",
        "digital(rows=4,cols=4,sram_bytes=1024,dataflow=xx)",
        "digital(rows=4,cols=4)",
        "analog(rows=4)",
        "digital(rows=4,cols=4,sram_bytes=100)",
    ],
)
def test_bad_template_calls_raise_spec_errors(spec):
    with pytest.raises(SpecError):
        load_accelerator(spec)


def test_presets_load_with_their_documented_structure():
    tpu = load_accelerator("tpu_like")
    assert tpu.array.pes == 1024 and tpu.memories[1].size_bits == 256 * 1024 * 8
    ey = load_accelerator("eyeriss_like")
    assert dict(ey.array.axes) == {"D1": 12, "D2": 14}
    glb = ey.memories[ey.level_index("global_buffer")]
    assert glb.size_bits == 128 * 1024 * 8 and "W" not in glb.operands
    assert [sorted(m.operands) for m in ey.memories[2:]] == [["I"], ["W"], ["O"]]
    assert all(ey.instances(i) == 168 for i in (2, 3, 4))
    edge = load_accelerator("edge_tpu_like")
    assert edge.array.pes == 4096 and edge.clock_ns == 2.0
