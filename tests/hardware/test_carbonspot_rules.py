"""The carbonspot hardware profile: one test per CarbonSpot rule, the arithmetic by hand.

Rules from KULeuven-MICAS/carbonspot @ 0839b49 (expr.py: memory_hierarchy_dut_*, digital_array,
adder_tree_delay, get_imc_param_setting); published numbers from its committed Tiny sweep
(no_cme_expr_res_tiny.pkl), shipped as carbonloop's explore/data/carbonspot_dse_results.csv.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonloop.costs import memory
from carbonloop.costs.carbonspot_logic import rca_adder_tree_delay_ns, ws_clock_ns
from carbonloop.costs.carbonspot_memory import carbonspot_dram_access_pj, carbonspot_sram_cost
from carbonloop.costs.imc import imc_macro_cost
from carbonloop.errors import SpecError
from carbonloop.explore.validate import load_reference
from carbonloop.hardware.carbonspot import (
    RULES,
    CarbonSpotRules,
    digital_sram_width_bits,
    dram_width_bits,
    imc_sram_width_bits,
    register_area_per_instance_mm2,
    rules_from_profile,
    sram_access_granularity_bits,
)
from carbonloop.hardware.imc import carbonspot_cell_write_pj, imc
from carbonloop.hardware.templates import digital

DFF_AREA_MM2 = 0.000003684  # CarbonSpot tech_28nm dff_area (6 x NAND2 0.614 um2)
FULL_ADDER_MM2 = 3 * 0.000000614 + 2 * 0.0000014736  # 3 NAND2 + 2 XOR2 = 4.7892 um2


def _tiny(acc_type: str) -> object:
    ref = load_reference()
    return ref[(ref["suite"] == "tiny") & (ref["workload"] == "resnet8") & (ref["acc_type"] == acc_type)]


def test_sram_width_is_one_column_of_inputs_or_one_row_of_outputs():
    # digital 32x64: max(64 cols x 8 b, 32 rows x 16 b) = max(512, 512); 128x32: max(256, 2048) = 2048
    assert digital_sram_width_bits(32, 64) == 512
    assert digital_sram_width_bits(128, 32) == 2048
    # IMC, bitline 32 rows x 8 b inputs vs wordline 64 cols x (8 + 8) b, 2 macros: max(512, 2048) = 2048
    assert imc_sram_width_bits(32, 64, 8, 8, 2) == 2048
    # sub-banks: 2048 / 16 = 128 b
    assert sram_access_granularity_bits(2048) == 128


def test_dram_is_one_row_of_weights_wide_at_3_7_pj_per_bit():
    assert dram_width_bits(128) == 1024  # 128 x 8 b
    assert dram_width_bits(64, 8, 4) == 2048  # 64 x 8 b x 4 macros
    assert carbonspot_dram_access_pj(1024) == pytest.approx(3788.8)  # 3.7 x 1024


def test_sram_is_a_32_bit_cacti_access_scaled_to_the_width_and_to_28nm():
    # 8 KiB read 512 b wide: 65536 / 512 = 128 rows; CACTI 7 at 32 b x 128 rows, 32 nm (the shipped run):
    # read 0.428052 pJ, write 0.871989 pJ, area 0.00105729 mm2
    cost = carbonspot_sram_cost(8192 * 8, 512)
    assert cost.rows == 128
    # energy x 512/32 x 0.81 = x 12.96; area x 2 x 512/32 x 0.81 = x 25.92
    assert cost.read_pj == pytest.approx(0.428052 * 12.96)
    assert cost.write_pj == pytest.approx(0.871989 * 12.96)
    assert cost.area_mm2 == pytest.approx(0.00105729 * 25.92)
    # between the runs' row counts, log-log: 768 rows lie 0.585 of the way from 512 to 1024
    t = math.log(768 / 512) / math.log(2)
    area_768 = math.exp(math.log(0.00406692) + t * math.log(0.00741668 / 0.00406692))
    assert carbonspot_sram_cost(768 * 512, 512).area_mm2 == pytest.approx(area_768 * 25.92)
    # outside the runs (16 rows), our CACTI fit
    assert carbonspot_sram_cost(16 * 512, 512).area_mm2 == pytest.approx(
        memory.sram(32, 16, 32).area_mm2 * 25.92
    )


@pytest.mark.parametrize("suite,pairs", [("tiny", 26), ("mobile", 30)])
def test_sram_rule_gives_the_published_sram_areas(suite: str, pairs: int):
    # published SRAM area = area_mem_area_mm2 - one set of registers (32 b x dff, counted once); CACTI 7 run
    # as CarbonSpot's ZigZag runs it gives every (SRAM, array) pair of both suites to its printed digits
    ref = load_reference()
    rows = ref[(ref["suite"] == suite) & (ref["acc_type"] == "pdigital_os")].drop_duplicates(
        ["dim", "sram_size_B"]
    )
    assert len(rows) == pairs
    for _, r in rows.iterrows():
        dim, size = int(r["dim"]), int(r["sram_size_B"])
        published = r["area_mem_area_mm2"] - 32 * DFF_AREA_MM2
        ours = carbonspot_sram_cost(size * 8, digital_sram_width_bits(dim, dim)).area_mm2
        assert ours == pytest.approx(published, rel=2e-5), (dim, size)


def test_sram_rule_refuses_a_size_that_is_not_whole_rows():
    with pytest.raises(SpecError, match="not a whole number of 512-bit rows"):
        carbonspot_sram_cost(1000, 512)


def test_ws_clock_adds_the_adder_tree_delay():
    # N = 32: (log2 32 - 1) x 2 XOR2 + (XOR2 + 2 NAND2) + (16 - 2) x 2 NAND2
    #       = 4 x 0.22944 + 0.21032 + 1.3384 = 2.46648 ns; clock 5 + 2.46648 = 7.46648 ns
    assert rca_adder_tree_delay_ns(32) == pytest.approx(2.46648)
    assert ws_clock_ns(32) == pytest.approx(7.46648)
    # N = 1024: 9 x 0.22944 + 0.21032 + 1.3384 = 3.61368 ns
    assert ws_clock_ns(1024) == pytest.approx(8.61368)
    # and every published weight-stationary clock of the Tiny sweep
    for _, r in _tiny("pdigital_ws").iterrows():
        assert ws_clock_ns(int(r["dim"])) == pytest.approx(r["tclk_ns"], rel=1e-5)


def test_template_clock_under_the_profile():
    assert digital(32, 32, 32768, "ws", profile="carbonspot").clock_ns == pytest.approx(7.46648)
    assert digital(32, 32, 32768, "os", profile="carbonspot").clock_ns == 5.0
    assert digital(32, 32, 32768, "ws").clock_ns == 5.0  # carbonloop's profile: the MAC clock


def test_ws_adder_trees_are_as_wide_as_the_published_areas_say():
    # one tree per column of N = 32 inputs of 64 b: 32 x 65 - (64 + 5 + 1) = 2010 full adders
    acc = digital(32, 32, 32768, "ws", profile="carbonspot")
    assert acc.array.extra_area_mm2 == pytest.approx(32 * 2010 * FULL_ADDER_MM2)
    # the published WS minus OS PE area, every array size: D2 trees of N x 65 - (65 + log2 N) adders
    os_rows = _tiny("pdigital_os").set_index(["dim", "sram_size_B"])
    for _, r in _tiny("pdigital_ws").iterrows():
        n = int(r["dim"])
        extra = r["area_pe_area_mm2"] - os_rows.loc[(n, r["sram_size_B"]), "area_pe_area_mm2"]
        assert n * (n * 65 - (65 + math.log2(n))) * FULL_ADDER_MM2 == pytest.approx(extra, rel=1e-3)


def test_registers_area_is_counted_once_under_the_profile():
    # 32 b per PE x 3.684 um2: carbonloop 1024 PEs x 117.888 um2 = 0.120717 mm2; CarbonSpot 117.888 um2
    spread = register_area_per_instance_mm2(32, DFF_AREA_MM2, 1024, once=True)
    assert spread * 1024 == pytest.approx(32 * DFF_AREA_MM2)
    ours = digital(32, 32, 32768, "os").area_breakdown_mm2()["registers"]
    shared = digital(32, 32, 32768, "os", profile="carbonspot-per_operand_registers")
    assert ours == pytest.approx(1024 * 32 * DFF_AREA_MM2)
    assert shared.area_breakdown_mm2()["registers"] == pytest.approx(32 * DFF_AREA_MM2)
    # per-operand registers (the profile's default): W 8 b + I 8 b + O 16 b, each level once = 32 b
    parts = digital(32, 32, 32768, "os", profile="carbonspot").area_breakdown_mm2()
    assert parts["w_reg"] + parts["i_reg"] + parts["o_reg"] == pytest.approx(32 * DFF_AREA_MM2)


def test_digital_area_under_the_profile_matches_the_published_sweep():
    # 26 (SRAM, dim) pairs each of OS and WS: PE array + SRAM rule + registers once + WS trees
    for acc_type, flow in (("pdigital_os", "os"), ("pdigital_ws", "ws")):
        for _, r in _tiny(acc_type).iterrows():
            d, s = int(r["dim"]), int(r["sram_size_B"])
            area = digital(d, d, s, flow, profile="carbonspot").area_mm2
            assert area == pytest.approx(r["area_mm2"], rel=1e-4)


def test_imc_sram_has_four_ports_and_cells_cost_by_the_cacti_rule():
    ours, theirs = imc("dimc", 32, 32, 1, 32768), imc("dimc", 32, 32, 1, 32768, profile="carbonspot")
    sram_ours, sram_theirs = ours.memories[1], theirs.memories[1]
    assert (sram_ours.read_ports, sram_ours.write_ports) == (1, 1)
    assert (sram_theirs.read_ports, sram_theirs.write_ports) == (4, 4)
    # cells: 32 x 32 weights of 8 b read 32 x 8 = 256 b wide, 32 rows: CACTI's 32 b x 32 rows run
    # (0.000372419 mm2) x 2 x 8 x 0.81
    cells = 0.000372419 * 2 * 8 * 0.81
    assert theirs.array.area_breakdown_mm2["cells"] == pytest.approx(cells)
    assert ours.array.area_breakdown_mm2["cells"] == pytest.approx(32 * 32 * 8 * 0.25e-6)  # 0.25 um2/bit
    diff = theirs.array.extra_area_mm2 - ours.array.extra_area_mm2
    assert diff == pytest.approx(cells - 32 * 32 * 8 * 0.25e-6)


def test_profile_names_parse_and_unknown_ones_are_one_line_errors():
    assert rules_from_profile("carbonloop") is None
    assert rules_from_profile("carbonspot") == CarbonSpotRules()
    flipped = rules_from_profile("carbonspot-ws_clock")
    assert flipped is not None and not flipped.ws_clock and flipped.sram_cost
    with pytest.raises(SpecError, match="unknown carbonspot rule 'clock'"):
        rules_from_profile("carbonspot-clock")
    with pytest.raises(SpecError, match="unknown profile 'zigzag'"):
        digital(32, 32, 32768, profile="zigzag")
    with pytest.raises(SpecError, match="28 nm"):
        imc("dimc", 32, 32, 1, 32768, node_nm=22, profile="carbonspot")


@given(st.sets(st.sampled_from(RULES)))
def test_a_profile_name_round_trips(off):
    rules = CarbonSpotRules(**dict.fromkeys(off, False))
    assert rules_from_profile(rules.name) == rules


def test_the_default_profile_is_the_default_template():
    for flow in ("os", "ws"):
        assert digital(64, 64, 131072, flow) == digital(64, 64, 131072, flow, profile="carbonloop")
    assert imc("aimc", 64, 64, 1, 131072) == imc("aimc", 64, 64, 1, 131072, profile="carbonloop")


def test_the_profile_gives_the_sram_its_sub_bank_minimum_access_and_the_flip_removes_it():
    # digital 32x32: SRAM width max(32 x 8, 32 x 16) = 512 b; 16 sub-banks: 512 // 16 = 32 b per access
    sram = next(m for m in digital(32, 32, 8192, "os", profile="carbonspot").memories if m.name == "sram")
    assert sram.width_bits == 512
    assert {sram.read_granularity_bits(r) for r in ("W", "I", "O")} == {32}
    assert dict(sram.min_write_bits) == {"W": 32, "I": 32, "O": 32}
    # IMC 32x32 DIMC, 1 macro: max(32 rows x 8 b, 32 cols x (8 + 8) b) = 512 b -> 32 b
    shared = imc("dimc", 32, 32, 1, 8192, profile="carbonspot").memories[1]
    assert shared.width_bits == 512 and shared.write_granularity_bits("I") == 32
    off = digital(32, 32, 8192, "os", profile="carbonspot-sram_granularity")
    assert next(m for m in off.memories if m.name == "sram").min_read_bits == ()
    default = digital(32, 32, 8192, "os")
    assert next(m for m in default.memories if m.name == "sram").min_read_bits == ()


def test_a_weight_write_into_the_cells_is_a_cacti_row_write_over_its_weights():
    # 32x32 macro: the cell array is 32 rows of 32 x 8 = 256 b; CACTI's 32 b x 32 rows write 0.399485 pJ,
    # x 256/32 x 0.81 = 2.58866 pJ a row, / 32 weights = 0.0809 -> 0.081 (CarbonSpot rounds to 3 decimals)
    small = imc("aimc", 32, 32, 1, 8192, profile="carbonspot")
    assert carbonspot_cell_write_pj(small.array.imc) == 0.081
    assert next(m for m in small.memories if m.name == "cells").write_pj == 0.081
    # 1024x1024: 1024 rows of 8192 b; 1.85462 pJ x 8192/32 x 0.81 / 1024 = 0.37556 -> 0.376
    big = imc("aimc", 1024, 1024, 1, 524288, profile="carbonspot")
    assert carbonspot_cell_write_pj(big.array.imc) == 0.376
    ours = imc("aimc", 1024, 1024, 1, 524288)
    assert next(m for m in ours.memories if m.name == "cells").write_pj == pytest.approx(
        imc_macro_cost(ours.array.imc).weight_write_energy_pj
    )  # our macro model's write without the rule
