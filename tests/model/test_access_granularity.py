"""A memory's minimum access (``min_read_bits`` / ``min_write_bits``): each transfer of b bits is charged
``ceil(b / min) x min`` bits, in every convention set, on the batch path and one mapping at a time.

Oracle: the arithmetic in each test (the transfers are counted by hand), and invariants (a 1-bit minimum
changes nothing, no minimum lowers any energy, the mapper's optimum equals the brute-force one).
The case of the hand-derived tests: ``tpu_like`` (per-PE registers of 8 b words at 0.013608 pJ, a 512 b SRAM
at 84.4465 pJ per read, a 256 b DRAM), 16 PEs used along D1.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.library import load_accelerator
from carbonloop.hardware.yaml import accelerator_from_dict, accelerator_to_dict
from carbonloop.mapper import search_layer
from carbonloop.model.conventions import CARBONLOOP, CARBONSPOT, TIMELOOP, ZIGZAG, Conventions
from carbonloop.model.evaluate import evaluate, evaluate_batch
from carbonloop.model.mapping import LevelMapping, Loop, Mapping, resolve
from carbonloop.model.nest import compile_layer, mapping_arrays
from carbonloop.workload import conv2d
from carbonloop.workload.builders import conv1d, matmul
from tests.mapper.bruteforce import brute_force

from .test_model_properties import SETTINGS, mapped

REG_PJ = 0.013608  # per 8 b register word
SRAM_READ_PJ = 84.4465  # per 512 b SRAM word
SETS = (CARBONLOOP, TIMELOOP, ZIGZAG, CARBONSPOT)


def with_minimum(acc: Accelerator, level: str, read: dict[str, int], write: dict[str, int]) -> Accelerator:
    """``acc`` with one level's minimum reads and writes per operand."""
    memories = tuple(
        dataclasses.replace(m, min_read_bits=tuple(read.items()), min_write_bits=tuple(write.items()))
        if m.name == level
        else m
        for m in acc.memories
    )
    return dataclasses.replace(acc, memories=memories)


def everywhere(acc: Accelerator, bits: dict[tuple[int, str], int]) -> Accelerator:
    """``acc`` with the minimum ``bits[(level, role)]`` for reads and writes of every operand each level keeps."""
    memories = []
    for x, m in enumerate(acc.memories):
        pairs = tuple((r, bits[(x, r)]) for r in ("W", "I", "O") if r in m.operands)
        memories.append(dataclasses.replace(m, min_read_bits=pairs, min_write_bits=pairs))
    return dataclasses.replace(acc, memories=tuple(memories))


# --- an 8-b read on a 16-b-minimum port -----------------------------------------------------------------
# C = 1: no reduction, so every output a register sends up to the SRAM is final (8 b). Each of the 16 PEs
# computes 4 x 4 = 16 outputs, one per cycle: 256 updates and 256 reads that send the output up.
NO_REDUCTION = conv2d("l", K=16, C=1, OY=4, OX=4)
NO_REDUCTION_MAP = Mapping(
    (
        LevelMapping("dram"),
        LevelMapping("sram", (Loop("OY", 4), Loop("OX", 4)), (("D1", (Loop("K", 16),)),)),
        LevelMapping("registers"),
    )
)


@pytest.mark.parametrize("conventions", [CARBONLOOP, ZIGZAG], ids=lambda c: c.name)
def test_an_8_bit_read_from_a_16_bit_minimum_port_costs_a_16_bit_access(conventions):
    acc = dataclasses.replace(load_accelerator("tpu_like"), conventions=conventions)
    plain = evaluate(NO_REDUCTION, acc, NO_REDUCTION_MAP)
    assert plain.accesses["registers"]["O"] == {"reads": 256, "fills": 0, "updates": 256}
    assert plain.word_bits["registers"]["O"] == 8
    # by the bits moved: 256 reads + 256 updates, each one 8 b word of the 8 b register
    assert plain.energy_breakdown_pj["registers"]["O"] == pytest.approx((256 + 256) * REG_PJ, rel=1e-12)
    granular = evaluate(NO_REDUCTION, with_minimum(acc, "registers", {"O": 16}, {}), NO_REDUCTION_MAP)
    # a read moves one output (8 b) per transfer: charged ceil(8 / 16) x 16 = 16 b = 2 words; writes unchanged
    assert granular.energy_breakdown_pj["registers"]["O"] == pytest.approx(
        (256 * 2 + 256) * REG_PJ, rel=1e-12
    )
    # nothing else moves: the other operands and levels cost what they cost
    for level, per_operand in plain.energy_breakdown_pj.items():
        if level in ("compute", "registers"):
            continue
        assert granular.energy_breakdown_pj[level] == pytest.approx(per_operand, rel=1e-12)
    assert granular.latency_cycles == plain.latency_cycles  # a minimum access costs energy, not cycles


# --- CarbonSpot's bw/16 sub-banks on an SRAM ------------------------------------------------------------
# The SRAM loops C 3 > OY 4 > OX 4 with K 16 across the PEs: 48 cycles. Per transfer out of the SRAM: one
# input (8 b, the same for all 16 PEs: one multicast read) per cycle; 16 weights (16 x 8 = 128 b) each time C
# steps; 16 partial sums (16 x 16 = 256 b) read back and 16 updated per cycle; the whole 16 x 4 x 4 final
# output tile (2048 b) sent to DRAM once. Into the SRAM: 48 weights (384 b) and 48 inputs (384 b), once each.
SRAM_CASE = conv2d("l", K=16, C=3, OY=4, OX=4)
SRAM_MAP = Mapping(
    (
        LevelMapping("dram"),
        LevelMapping("sram", (Loop("C", 3), Loop("OY", 4), Loop("OX", 4)), (("D1", (Loop("K", 16),)),)),
        LevelMapping("registers"),
    )
)


def test_carbonspot_sub_banks_round_only_the_transfers_smaller_than_a_sub_bank():
    acc = load_accelerator("tpu_like")
    sub_bank = 512 // 16  # CarbonSpot's SRAM: 16 sub-banks, the smallest access width / 16 = 32 b
    every = {"W": sub_bank, "I": sub_bank, "O": sub_bank}
    plain = evaluate(SRAM_CASE, acc, SRAM_MAP)
    granular = evaluate(SRAM_CASE, with_minimum(acc, "sram", every, every), SRAM_MAP)
    assert plain.accesses["sram"]["I"]["reads"] == 48
    # the input reads: 48 transfers of 8 b, each charged 32 b: 48 x (32 - 8) / 512 of a read more
    extra = 48 * (32 - 8) / 512 * SRAM_READ_PJ
    assert granular.energy_breakdown_pj["sram"]["I"] - plain.energy_breakdown_pj["sram"][
        "I"
    ] == pytest.approx(extra, rel=1e-12)
    # 128 b, 256 b, 384 b and 2048 b transfers are whole sub-banks: weights and outputs cost the same (a
    # per-element rounding would charge each 8 b weight 32 b)
    for op in ("W", "O"):
        assert granular.energy_breakdown_pj["sram"][op] == pytest.approx(
            plain.energy_breakdown_pj["sram"][op], rel=1e-12
        )
    assert granular.energy_pj - plain.energy_pj == pytest.approx(extra, rel=1e-9)


def test_zigzag_truncates_each_total_after_rounding_the_transfers():
    # zigzag (fractional_word_totals off): the input reads above cost int(48 x 32 / 512) = 3 words, against
    # int(48 x 8 / 512) = 0 words without the minimum
    acc = dataclasses.replace(load_accelerator("tpu_like"), conventions=ZIGZAG)
    plain = evaluate(SRAM_CASE, acc, SRAM_MAP)
    granular = evaluate(SRAM_CASE, with_minimum(acc, "sram", {"I": 32}, {}), SRAM_MAP)
    # the 48 inputs written into the SRAM, 384 b, are int(384 / 512) = 0 words too
    assert plain.energy_breakdown_pj["sram"]["I"] == 0.0
    assert granular.energy_breakdown_pj["sram"]["I"] == pytest.approx(3 * SRAM_READ_PJ, rel=1e-12)


# --- the YAML field -------------------------------------------------------------------------------------
def _tpu_dict() -> dict:
    return accelerator_to_dict(load_accelerator("tpu_like"))


def test_yaml_field_takes_one_number_for_every_operand_or_one_per_operand_and_round_trips():
    d = _tpu_dict()
    d["memories"][1]["min_read_bits"] = 32
    d["memories"][2]["min_write_bits"] = {"O": 16}
    acc = accelerator_from_dict(d, "hw.yaml")
    assert acc.memories[1].min_read_bits == (("W", 32), ("I", 32), ("O", 32))
    assert acc.memories[1].min_write_bits == ()
    assert acc.memories[2].write_granularity_bits("O") == 16
    assert acc.memories[2].write_granularity_bits("W") == 1
    assert accelerator_from_dict(accelerator_to_dict(acc), "again.yaml") == acc


def test_absent_field_is_todays_model_bit_for_bit():
    acc = load_accelerator("tpu_like")
    assert not acc.has_access_granularity
    cost = evaluate(SRAM_CASE, acc, SRAM_MAP)
    again = evaluate(SRAM_CASE, accelerator_from_dict(_tpu_dict(), "hw.yaml"), SRAM_MAP)
    assert cost.energy_pj == again.energy_pj and cost.energy_breakdown_pj == again.energy_breakdown_pj


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        (0, "memories[2].min_read_bits", "whole number of bits from 1"),
        (16.5, "memories[2].min_read_bits", "whole number of bits from 1"),
        ("16", "memories[2].min_read_bits", "whole number of bits from 1"),
        (True, "memories[2].min_read_bits", "whole number of bits from 1"),
        ({"O": -8}, "memories[2].min_read_bits.O", "whole number of bits from 1"),
        ({"X": 8}, "memories[2].min_read_bits.X", "unknown operand"),
    ],
)
def test_bad_minimum_is_a_one_line_error_naming_the_field(value, field, message):
    d = _tpu_dict()
    d["memories"][2]["min_read_bits"] = value
    with pytest.raises(SpecError) as err:
        accelerator_from_dict(d, "hw.yaml")
    assert err.value.field == field and message in err.value.message
    assert "\n" not in str(err.value)


def test_minimum_for_an_operand_the_level_does_not_keep_is_refused():
    d = _tpu_dict()
    d["memories"][2]["operands"] = ["W", "I"]
    d["memories"][2]["min_write_bits"] = {"O": 16}
    with pytest.raises(SpecError, match="operand O is not kept by this level"):
        accelerator_from_dict(d, "hw.yaml")


# --- invariants -----------------------------------------------------------------------------------------
def _energies(layer, acc, mapping):
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    parts = {
        (lv, op): e
        for lv, ops in cost.energy_breakdown_pj.items()
        if lv != "compute"
        for op, e in ops.items()
    }
    return cost.energy_pj, parts


@SETTINGS
@given(mapped(), st.sampled_from(SETS))
def test_a_one_bit_minimum_changes_nothing(case, conventions: Conventions):
    layer, acc, m = case
    acc = dataclasses.replace(acc, conventions=conventions)
    ones = everywhere(acc, {(x, r): 1 for x in range(len(acc.memories)) for r in "WIO"})
    assert ones.has_access_granularity  # the granular path is taken
    e0, p0 = _energies(layer, acc, m)
    e1, p1 = _energies(layer, ones, m)
    assert e1 == pytest.approx(e0, rel=1e-12)
    assert p1 == pytest.approx(p0, rel=1e-12, abs=1e-12)


@SETTINGS
@given(mapped(), st.sampled_from(SETS), st.data())
def test_no_minimum_access_ever_lowers_any_energy(case, conventions: Conventions, data):
    layer, acc, m = case
    acc = dataclasses.replace(acc, conventions=conventions)
    bits = {
        (x, r): data.draw(st.sampled_from([1, 2, 3, 8, 16, 24, 64, 512]))
        for x in range(len(acc.memories))
        for r in "WIO"
    }
    e0, p0 = _energies(layer, acc, m)
    e1, p1 = _energies(layer, everywhere(acc, bits), m)
    assert e1 >= e0 * (1 - 1e-12)
    for key, value in p0.items():
        assert p1[key] >= value * (1 - 1e-12) - 1e-12


@SETTINGS
@given(st.data())
def test_batch_scores_equal_one_mapping_at_a_time_with_minimum_accesses(data):
    acc = everywhere(load_accelerator("tpu_like"), {(x, r): 16 * (x + 1) for x in range(3) for r in "WIO"})
    layer = conv2d("l", K=4, C=2, OY=2, OX=2)
    cases = [data.draw(mapped(acc=acc, layer=layer, bypass=False)) for _ in range(4)]
    resolved = [resolve(m, layer, acc) for _, _, m in cases]
    loops = mapping_arrays([r.mapping for r in resolved], layer, acc)
    batch = evaluate_batch(compile_layer(layer), acc, loops, resolved[0].keep)
    for row, r in enumerate(resolved):
        one = evaluate(layer, acc, r.mapping, check_capacity=False)
        assert float(batch.energy_pj[row]) == pytest.approx(one.energy_pj, rel=1e-12)
        assert np.all(batch.level_energy_pj[row] >= 0)


@pytest.mark.parametrize("conventions", [CARBONLOOP, ZIGZAG], ids=lambda c: c.name)
@pytest.mark.parametrize(
    "layer", [conv1d("c1", M=8, P=6, R=3), matmul("mm", M=4, N=6, K=4)], ids=["conv1d", "matmul"]
)
def test_mapper_optimum_with_minimum_accesses_equals_brute_force(layer, conventions):
    # the mapper's bounds (order-free fill counts, with each transfer's rounding, which depends on the
    # tiling only) must stay lower bounds: its proven optimum equals the exhaustive one
    base = dataclasses.replace(load_accelerator("two_level"), conventions=conventions)
    widths = {x: m.width_bits for x, m in enumerate(base.memories)}
    acc = everywhere(base, {(x, r): max(widths[x] // 2, 3) for x in widths for r in "WIO"})
    e, _, _ = brute_force(layer, acc)
    res = search_layer(layer, acc, "energy")
    assert res.optimal and res.gap == 0.0
    assert res.value == pytest.approx(float(e.min()), rel=1e-9)


@pytest.mark.parametrize("conventions", [CARBONLOOP, TIMELOOP, ZIGZAG], ids=lambda c: c.name)
@pytest.mark.parametrize("minimum", [16, 24])
def test_mapper_optimum_on_a_spatial_array_with_minimum_accesses_equals_brute_force(conventions, minimum):
    # a conv1d P=4 R=3 on 4 x 3 register files (tests/data/timeloop): the transfers out of the parent are
    # the union of the children's tiles, and ceil(e b / g) g / (e b) is not monotone in e (24 b: one 8 b
    # word pays 3x, three pay 1x), so a bound that used another union than the true one could exceed it
    import warnings
    from pathlib import Path

    from carbonloop.interop.common import InteropWarning
    from carbonloop.interop.timeloop import load_timeloop

    data = Path(__file__).resolve().parents[1] / "data" / "timeloop"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        layer, acc, _, _ = load_timeloop(
            data / "arch_window_two_stages.yaml", data / "problem_conv1d_p4_r3.yaml", conventions=conventions
        )
    plain = float(brute_force(layer, acc)[0].min())
    acc = everywhere(acc, {(x, r): minimum for x in range(len(acc.memories)) for r in "WIO"})
    e, _, _ = brute_force(layer, acc)
    assert float(e.min()) > plain  # the minimum access matters on this mapspace
    res = search_layer(layer, acc, "energy")
    assert res.optimal and res.gap == 0.0
    assert res.value == pytest.approx(float(e.min()), rel=1e-9)
