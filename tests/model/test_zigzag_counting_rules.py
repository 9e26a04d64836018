"""ZigZag's periodic counting rules (model/zigzag_counts.py), each switch alone on a small hand-derived case.

Oracle: the arithmetic in each test. The case: ``tpu_like`` (16 PEs used along D1, per-PE registers of 8 b
words, a 512 b SRAM, a 256 b DRAM), a 1x1 conv K=16 C=3 OY=4 OX=4 with K across the 16 PEs and the SRAM
loops C 3 > OY 4 > OX 4 (outermost first): T = 3 x 4 x 4 = 48 cycles, each PE holds one weight, one input
and one output at a time, W 8 b, I 8 b, O 8 b final and 16 b partial. The reduction loop C is outermost,
so the SRAM and the registers hold partial sums, DRAM final outputs (ZigZag's psum flags).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given

from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import search_layer
from carbonloop.model.conventions import CARBONLOOP, CARBONSPOT, ZIGZAG
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import LevelMapping, Loop, Mapping, resolve
from carbonloop.model.nest import compile_layer, mapping_arrays
from carbonloop.model.zigzag_counts import partial_levels, stationary_run
from carbonloop.model.zigzag_latency import _Row, unpadded_spatial_factors
from carbonloop.workload import conv2d
from carbonloop.workload.builders import conv1d, matmul
from tests.mapper.bruteforce import brute_force

from .test_model_properties import SETTINGS, mapped

LAYER = conv2d("l", K=16, C=3, OY=4, OX=4)
MAPPING = Mapping(
    (
        LevelMapping("dram"),
        LevelMapping("sram", (Loop("C", 3), Loop("OY", 4), Loop("OX", 4)), (("D1", (Loop("K", 16),)),)),
        LevelMapping("registers"),
    )
)
REG_PJ = 0.013608  # per 8 b register word
SRAM_READ_PJ, SRAM_WRITE_PJ = 84.4465, 103.4536  # per 512 b word
DRAM_PJ = 947.2  # per 256 b word


def _cost(**off: bool):
    """The case under the default conventions with the named switches set as given."""
    acc = dataclasses.replace(
        load_accelerator("tpu_like"), conventions=dataclasses.replace(CARBONLOOP, **off)
    )
    return evaluate(LAYER, acc, MAPPING)


def test_default_counts_of_the_case():
    c = _cost()
    # every MAC reads its weight and input from the PE's register: 16 PEs x 48 cycles = 768
    assert c.accesses["registers"]["W"]["reads"] == c.accesses["registers"]["I"]["reads"] == 768
    # outputs: 768 updates; 16 PEs x 16 outputs = 256 of them are first (nothing read back), 768 sums go
    # up to the SRAM: reads 768 - 256 + 768 = 1280, and 768 - 256 = 512 partial sums come back down
    assert c.accesses["registers"]["O"] == {"reads": 1280, "fills": 512, "updates": 768}
    # SRAM: 768 updates, 768 - 256 read back, 256 final sums sent to DRAM
    assert c.accesses["sram"]["O"] == {"reads": 768, "fills": 0, "updates": 768}


def test_read_per_mac_off_reads_a_register_once_per_run_of_irrelevant_loops():
    c = _cost(read_per_mac=False)
    # the weight (K, C) stays in its register over the innermost OY 4 x OX 4 (irrelevant to it):
    # 16 PEs x 48 / 16 = 48 reads; the input (C, OY, OX) changes every cycle: 768 as before
    assert c.accesses["registers"]["W"]["reads"] == 16 * 48 // (4 * 4) == 48
    assert c.accesses["registers"]["I"]["reads"] == 768
    assert c.energy_breakdown_pj["registers"]["W"] == pytest.approx((48 + 48) * REG_PJ, rel=1e-12)


def test_first_update_needs_no_read_off_mirrors_every_partial_sum_transfer():
    c = _cost(first_update_needs_no_read=False)
    # registers and SRAM hold partial sums: each update reads a sum back, the first included, and every
    # sum a register sends up comes back: register reads 768 back to the MAC + 768 up = 1536, fills 768
    assert c.accesses["registers"]["O"] == {"reads": 768 + 768, "fills": 768, "updates": 768}
    # SRAM: 768 read back to the registers + 256 final sums to DRAM = 1024
    assert c.accesses["sram"]["O"] == {"reads": 768 + 256, "fills": 0, "updates": 768}
    # DRAM holds final outputs: written once each, nothing read back
    assert c.accesses["dram"]["O"] == {"reads": 0, "fills": 0, "updates": 256}


def test_drain_reads_at_level_bits_off_charges_sums_sent_up_at_the_parents_precision():
    exact, zz = _cost(), _cost(drain_reads_at_level_bits=False)
    # the SRAM holds 16 b partial sums; its 256 reads sending final sums to DRAM cost 8 b each, not 16:
    # 256 x (16 - 8) / 512 x 84.4465 pJ less; the registers' sums go to the 16 b SRAM: unchanged
    saved = exact.energy_breakdown_pj["sram"]["O"] - zz.energy_breakdown_pj["sram"]["O"]
    assert saved == pytest.approx(256 * 8 / 512 * SRAM_READ_PJ, rel=1e-12)
    assert zz.energy_breakdown_pj["registers"]["O"] == pytest.approx(
        exact.energy_breakdown_pj["registers"]["O"]
    )
    assert zz.accesses == exact.accesses


def test_fractional_word_totals_off_truncates_each_directions_words():
    exact, zz = _cost(), _cost(fractional_word_totals=False)
    # DRAM weight reads: 48 x 8 / 256 = 1.5 words -> 1; SRAM weight reads and fills 48 x 8 / 512 = 0.75 -> 0
    assert exact.energy_breakdown_pj["dram"]["W"] == pytest.approx(1.5 * DRAM_PJ, rel=1e-12)
    assert zz.energy_breakdown_pj["dram"]["W"] == pytest.approx(1 * DRAM_PJ, rel=1e-12)
    assert zz.energy_breakdown_pj["sram"]["W"] == 0.0
    # SRAM outputs: 768 updates x 16 / 512 = 24 words; reads 768 x 16 / 512 = 24 words, exact either way
    assert zz.energy_breakdown_pj["sram"]["O"] == pytest.approx(24 * SRAM_WRITE_PJ + 24 * SRAM_READ_PJ)


def test_zigzag_sets_combine_the_rules():
    zz = evaluate(LAYER, dataclasses.replace(load_accelerator("tpu_like"), conventions=ZIGZAG), MAPPING)
    cs = evaluate(LAYER, dataclasses.replace(load_accelerator("tpu_like"), conventions=CARBONSPOT), MAPPING)
    assert zz.accesses == cs.accesses  # the same counts; only the word totals differ
    assert zz.accesses["registers"]["W"]["reads"] == 48
    assert zz.accesses["registers"]["O"] == {"reads": 1536, "fills": 768, "updates": 768}
    assert zz.energy_breakdown_pj["dram"]["W"] == pytest.approx(DRAM_PJ)  # 1.5 words truncated
    assert cs.energy_breakdown_pj["dram"]["W"] == pytest.approx(1.5 * DRAM_PJ)  # CarbonSpot's ZigZag keeps it


def test_padded_spatial_loop_keeps_only_the_units_with_data_for_zigzags_transfers():
    cl = compile_layer(conv1d("l", M=10, P=1, R=1))  # dims: M 10 (and size-1 dims)
    m = cl.dims.index("M")
    # M = 10 as 3 steps x 4 units = 12: the units holding data are int(10 / 3) = 3 (ResNet-18 fc: 1000 as
    # 63 x 16 -> 15)
    assert unpadded_spatial_factors([m, m], [3, 4], [False, True], cl) == [3, 3]
    # not padded (2 x 5 = 10), or padded in time only: unchanged
    assert unpadded_spatial_factors([m, m], [2, 5], [False, True], cl) == [2, 5]
    assert unpadded_spatial_factors([m, m], [4, 3], [False, False], cl) == [4, 3]


@SETTINGS
@given(mapped(bypass=True))
def test_vectorized_stationary_run_and_psum_flags_agree_with_the_scalar_latency_path(case):
    layer, acc, mapping = case
    resolved = resolve(mapping, layer, acc)
    cl = compile_layer(layer)
    loops = mapping_arrays([resolved.mapping], layer, acc)
    row = _Row(cl, acc, resolved.keep, loops, 0)
    for oi, op in enumerate(cl.operands):
        if not row.chain(oi):
            continue
        _, mac_st = row.zigzag_levels(oi)
        if op.role != "O":
            assert int(stationary_run(cl, loops, oi)[0]) == mac_st
        # the order-free bound is never below any order's run
        assert int(stationary_run(cl, loops, oi, bound=True)[0]) >= int(stationary_run(cl, loops, oi)[0])
    flags = partial_levels(cl, loops, resolved.keep)[0]
    out = next(i for i, o in enumerate(cl.operands) if o.role == "O")
    chain = row.chain(out)
    # a level holds partial sums only if every level below it in the outputs' chain does
    inner_first = [bool(flags[x]) for x in chain[::-1]]
    assert inner_first == sorted(inner_first, reverse=True)


@pytest.mark.parametrize("conventions", [ZIGZAG, CARBONSPOT], ids=["zigzag", "carbonspot"])
@pytest.mark.parametrize(
    "layer", [conv1d("c1", M=8, P=6, R=3), matmul("mm", M=4, N=6, K=4)], ids=["conv1d", "matmul"]
)
def test_mapper_energy_optimum_under_zigzag_counting_equals_brute_force(layer, conventions):
    acc = dataclasses.replace(load_accelerator("two_level"), conventions=conventions)
    e, _, _ = brute_force(layer, acc)
    res = search_layer(layer, acc, "energy")
    assert res.optimal and res.gap == 0.0
    assert res.value == pytest.approx(float(e.min()), rel=1e-9)
