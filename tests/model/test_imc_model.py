"""IMC accelerators in the loop-nest model: weights in the cells, bit-serial passes, per-pass macro energy."""

from __future__ import annotations

import dataclasses

import pytest

from carbonloop.costs.imc import imc_macro_cost, imc_pass_energy_pj
from carbonloop.errors import SpecError
from carbonloop.hardware import load_accelerator
from carbonloop.model.conventions import get_conventions
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import mapping_from_data
from carbonloop.workload import conv2d, matmul

ACC = load_accelerator("imc(kind=dimc, rows=32, cols=32, sram_bytes=8KiB)")
SPEC = ACC.array.imc


def _map(sram_t, d1, d2, cells_t=()):
    return mapping_from_data(
        [
            {"level": "dram", "temporal": []},
            {"level": "sram", "temporal": list(sram_t), "spatial": {"D1": list(d1), "D2": list(d2)}},
            {"level": "cells", "temporal": list(cells_t)},
        ]
    )


def test_matmul_on_a_dimc_macro_by_hand():
    # O[m,n] += I[m,k] W[k,n], M=4 rows, N=8 outputs on the wordline, K=16 summed on the bitline.
    layer = matmul("mm", M=4, N=8, K=16)
    cost = evaluate(layer, ACC, _map([["OY", 4]], [["K", 8]], [["C", 16]]))
    a = cost.accesses
    # weights: 128 written once into the cells (M is irrelevant to W: they stay)
    assert a["cells"]["W"] == {"reads": 4 * 128, "fills": 128, "updates": 0}
    assert a["sram"]["W"]["reads"] == 128
    # inputs: 16 per pass, broadcast along the 8 columns; 4 passes
    assert a["sram"]["I"]["reads"] == 64
    # outputs: the bitline sums the 16 rows, 8 results per pass, each complete: 32 updates, and each is
    # read once to go up to DRAM (no accumulation read: every output arrives complete)
    assert a["sram"]["O"] == {"reads": 32, "fills": 0, "updates": 32}
    # compute: 4 passes of 8 cycles (8-bit inputs, 1 bit per cycle)
    assert cost.latency_breakdown_cycles["compute"] == 4 * 8
    # energy of a pass that uses 16 of 32 rows and 8 of 32 columns, from the macro model
    per_pass = sum(imc_pass_energy_pj(SPEC, 16, 8).values())
    assert cost.energy_breakdown_pj["compute"] == pytest.approx(4 * per_pass)
    # cells: 128 weight writes of one 8-bit word each
    write = imc_macro_cost(SPEC).weight_write_energy_pj
    assert cost.energy_breakdown_pj["cells"]["W"] == pytest.approx(128 * write)
    # DRAM 3.7 pJ/bit: W 128 + I 64 reads and O 32 updates of 8 bits
    dram = sum(cost.energy_breakdown_pj["dram"].values())
    assert dram == pytest.approx((128 + 64 + 32) * 8 * 3.7)
    # latency: busiest is compute (32); the cells and the SRAM are single-buffered, so their refills add:
    # the cells are written one macro row per cycle and the weights occupy the 16 rows of C 16 -> 16 cycles
    # (a refill of all 32 rows would take 32: MemoryLevel.written_by_rows);
    # SRAM fills (128 + 64) x 8 b over its 512-bit port -> 3 cycles.  32 + 16 + 3 = 51.
    assert cost.latency_cycles == 51


def test_zigzag_imc_latency_is_compute_plus_row_by_row_weight_loads():
    # ZigZag-IMC (Conventions.imc_stalls_from_ports off, the carbonspot set): compute plus, for every fill
    # of the cells, one write of the mapped rows; no other stall. O[m,n] += I[m,k] W[k,n], M 4, N 64, K 16:
    # N 32 on the wordline, K 16 on the bitline (16 rows), N 2 x M 4 in time with N outer: the weights are
    # loaded twice (once per N block) -> 2 x 16 = 32 stall cycles; compute 8 passes x 8 = 64; total 96
    carbonspot = dataclasses.replace(ACC, conventions=get_conventions("carbonspot"))
    layer = matmul("mm", M=4, N=64, K=16)
    cost = evaluate(layer, carbonspot, _map([["K", 2], ["OY", 4]], [["K", 32]], [["C", 16]]))
    assert cost.accesses["cells"]["W"]["fills"] == 2 * 512
    assert cost.latency_breakdown_cycles["compute"] == 64
    assert cost.latency_breakdown_cycles["stall"] == 2 * 16
    assert cost.latency_cycles == 96
    # with M outer the weights are reloaded for every row of M: 8 fills x 16 rows = 128 stall cycles
    cost = evaluate(layer, carbonspot, _map([["OY", 4], ["K", 2]], [["K", 32]], [["C", 16]]))
    assert cost.latency_breakdown_cycles["stall"] == 8 * 16


def test_fully_unrolled_layer_has_no_temporal_loop():
    layer = conv2d("fc_like", K=32, C=32, OY=1, OX=1)
    cost = evaluate(layer, ACC, _map([], [["K", 32]], [["C", 32]]))
    assert cost.latency_breakdown_cycles["compute"] == 8  # one pass of 8 bit-serial cycles
    assert cost.spatial_utilization == pytest.approx(1 / 1)  # 32 x 32 of the 32 x 32 x 1 cells
    assert cost.accesses["cells"]["W"]["fills"] == 1024


def test_diagonal_mapping_needs_fx_plus_ox_minus_one_input_rows():
    # OX on the wordline with FX on the bitline: rows hold C * (OX + FX - 1) distinct inputs
    layer = conv2d("c", K=1, C=4, OY=8, OX=8, FY=3, FX=3, padding=1)
    ok = evaluate(layer, ACC, _map([["OY", 8], ["FY", 3], ["C", 4]], [["OX", 8]], [["FX", 3]]))
    # 8 + 3 - 1 = 10 input rows per pass; 8 * 3 * 4 = 96 passes
    assert ok.accesses["sram"]["I"]["reads"] == 96 * 10
    # each pass drives 10 rows into the multipliers but each column sums its 3 weights (FX): the trees
    # cost 3 driven inputs, not 10
    per_pass = imc_pass_energy_pj(SPEC, 10, 8, summed_rows=3)
    assert ok.compute_breakdown_pj == pytest.approx({k: 96 * v for k, v in per_pass.items()})
    assert per_pass["adder_trees"] < imc_pass_energy_pj(SPEC, 10, 8)["adder_trees"]
    # C on the bitline too: 4 x (8 + 3 - 1) = 40 rows > 32
    with pytest.raises(SpecError, match="needs 40 macro rows"):
        evaluate(layer, ACC, _map([["OY", 8], ["FY", 3]], [["OX", 8]], [["C", 4], ["FX", 3]]))


def test_a_strided_diagonal_takes_the_rows_its_window_reads():
    # stride 2: OX 8 on the wordline beside FX 3 reads inputs 2 ox + fx, 2 x 7 + 3 = 17 rows (not 10);
    # OX 16 would need 2 x 15 + 3 = 33 > 32 rows. ZigZag-IMC counts OX + FX - 1 whatever the stride
    # (Conventions.strided_diagonal_rows off): 10 and 18 rows, and OX 16 fits
    layer = conv2d("s2", K=1, C=1, OY=16, OX=16, FY=3, FX=3, stride=2, padding=1)
    ox8 = _map([["OY", 16], ["FY", 3], ["OX", 2]], [["OX", 8]], [["FX", 3]])
    ox16 = _map([["OY", 16], ["FY", 3]], [["OX", 16]], [["FX", 3]])
    ours = evaluate(layer, ACC, ox8)
    # 16 x 3 x 2 = 96 passes of 17 driven rows, 8 columns, each column summing its 3 weights
    assert ours.compute_breakdown_pj == pytest.approx(
        {k: 96 * v for k, v in imc_pass_energy_pj(SPEC, 17, 8, summed_rows=3).items()}
    )
    with pytest.raises(SpecError, match="needs 33 macro rows"):
        evaluate(layer, ACC, ox16)
    unit = dataclasses.replace(
        ACC, conventions=dataclasses.replace(ACC.conventions, strided_diagonal_rows=False)
    )
    theirs = evaluate(layer, unit, ox8)
    assert theirs.compute_breakdown_pj == pytest.approx(
        {k: 96 * v for k, v in imc_pass_energy_pj(SPEC, 10, 8, summed_rows=3).items()}
    )
    assert evaluate(layer, unit, ox16).latency_breakdown_cycles["compute"] == 16 * 3 * 8


def test_depthwise_conv_maps_on_the_bitline_with_low_utilization():
    dw = conv2d("dw", K=16, C=16, groups=16, OY=4, OX=4, FY=3, FX=3, padding=1)
    cost = evaluate(dw, ACC, _map([["G", 16], ["OY", 4], ["OX", 4]], [], [["FY", 3], ["FX", 3]]))
    assert cost.macs == 16 * 16 * 9
    assert cost.spatial_utilization == pytest.approx(9 / 1024)


def test_zigzag_counts_a_pointwise_wordline_unrolling_as_its_bitline_rows():
    # a 1x1 conv, K 4 x OX 4 on the wordline beside C 8 on the bitline: the 4 pixels read 4 x 8 = 32
    # distinct inputs, one row each (ours); ZigZag-IMC counts the bitline loops alone, 8 rows, as FX (1)
    # is not on the bitline to pair with OX (Conventions.unpaired_wordline_rows off)
    layer = conv2d("pw", K=4, C=8, OY=4, OX=4)
    nest = _map([["OY", 4]], [["K", 4], ["OX", 4]], [["C", 8]])
    ours = evaluate(layer, ACC, nest)
    # 4 passes (OY) of 32 driven rows, 16 columns, each column summing its 8 weights
    assert ours.compute_breakdown_pj == pytest.approx(
        {k: 4 * v for k, v in imc_pass_energy_pj(SPEC, 32, 16, summed_rows=8).items()}
    )
    bitline = dataclasses.replace(
        ACC, conventions=dataclasses.replace(ACC.conventions, unpaired_wordline_rows=False)
    )
    theirs = evaluate(layer, bitline, nest)
    assert theirs.compute_breakdown_pj == pytest.approx(
        {k: 4 * v for k, v in imc_pass_energy_pj(SPEC, 8, 16, summed_rows=8).items()}
    )
    # with the kernel dim on the bitline the two counts agree: C 2 x (FX 3 + OX 4 - 1) = 12 rows
    conv = conv2d("c3", K=1, C=2, OY=4, OX=4, FY=3, FX=3, padding=1)
    diag = _map([["OY", 4], ["FY", 3]], [["OX", 4]], [["C", 2], ["FX", 3]])
    for acc in (ACC, bitline):
        assert evaluate(conv, acc, diag).compute_breakdown_pj == pytest.approx(
            {k: 12 * v for k, v in imc_pass_energy_pj(SPEC, 12, 4, summed_rows=6).items()}
        )


def test_an_aimc_macro_without_wordline_energy_drops_only_that_component():
    # ZigZag-IMC's AIMC charges DACs, bitlines, multipliers and ADCs, no wordline (ImcMacroSpec.wordline_energy)
    aimc = load_accelerator("imc(kind=aimc, rows=32, cols=32, sram_bytes=8KiB)").array.imc
    with_wl = imc_pass_energy_pj(aimc, 32, 32)
    without = imc_pass_energy_pj(dataclasses.replace(aimc, wordline_energy=False), 32, 32)
    assert with_wl["wordline"] > 0 and without["wordline"] == 0
    assert {k: v for k, v in without.items() if k != "wordline"} == pytest.approx(
        {k: v for k, v in with_wl.items() if k != "wordline"}
    )
    profile = load_accelerator("imc(kind=aimc, rows=32, cols=32, sram_bytes=8KiB, profile=carbonspot)")
    assert profile.array.imc.wordline_energy is False
