"""SRAM fit (calibrated on CACTI 7), register file and DRAM (docs/costs.md, "Memories")."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.costs import memory
from carbonloop.costs.technology import area_scale, energy_scale, known_nodes
from carbonloop.errors import SpecError

# Stated calibration bounds (docs/costs.md), for every fitted quantity: over the whole CACTI table the
# median relative error stays at or under 5 %, at each node at or under 8 %; the worst point at or under 25 %.
MEDIAN_BOUND = 0.05
MEDIAN_BOUND_PER_NODE = 0.08
WORST_BOUND = 0.25


def test_calibration_error_stays_within_stated_bounds():
    errors = memory.calibration_errors()
    assert {e.quantity for e in errors} == set(memory.SRAM_QUANTITIES)
    overall = [e for e in errors if e.node_nm is None]
    assert all(e.points == 132 for e in overall)  # every row of cacti_sram_points.csv
    for e in errors:
        assert e.median <= (MEDIAN_BOUND if e.node_nm is None else MEDIAN_BOUND_PER_NODE), e
        assert e.worst <= WORST_BOUND, e


def test_stored_coefficients_are_the_least_squares_fit_of_the_packaged_points():
    refit = memory.fit_sram(memory.read_cacti_points())
    stored = memory._sram_fit()
    for q in memory.SRAM_QUANTITIES:
        assert refit["quantities"][q]["coef"] == pytest.approx(stored["quantities"][q]["coef"], rel=1e-9)
        for n, v in stored["quantities"][q]["offset"].items():
            assert refit["quantities"][q]["offset"][n] == pytest.approx(v, rel=1e-9, abs=1e-12)


def test_sram_128x8192_at_28nm_is_close_to_cacti():
    # CACTI 7.0 via hwcomponents-cacti 1.0.40 (costs/data/cacti_sram_points.csv) row 28,128,8192: read 20.6004 pJ, write 19.0988 pJ,
    # area 190037 um^2, access 1.46335 ns
    c = memory.sram(128, 8192, 28)
    assert c.read_pj == pytest.approx(20.6004, rel=0.10)
    assert c.write_pj == pytest.approx(19.0988, rel=0.10)
    assert c.area_mm2 == pytest.approx(0.190037, rel=0.10)
    assert c.access_ns == pytest.approx(1.46335, rel=0.10)


def test_sram_banks_split_the_depth():
    one_bank = memory.sram(128, 2048, 28)
    four = memory.sram(128, 8192, 28, banks=4)
    assert four.read_pj == pytest.approx(one_bank.read_pj)  # one 2048-word bank active per access
    assert four.access_ns == pytest.approx(one_bank.access_ns)
    assert four.area_mm2 == pytest.approx(4 * one_bank.area_mm2)
    assert four.leakage_mw == pytest.approx(4 * one_bank.leakage_mw)


def test_sram_second_port_widens_the_cell():
    one, two = memory.sram(64, 1024, 28), memory.sram(64, 1024, 28, ports=2)
    # f = 1 + 0.5 * (2 - 1) = 1.5: area x 2.25, energy and access time x 1.5, leakage x 8/6
    assert two.area_mm2 == pytest.approx(2.25 * one.area_mm2)
    assert two.read_pj == pytest.approx(1.5 * one.read_pj)
    assert two.write_pj == pytest.approx(1.5 * one.write_pj)
    assert two.access_ns == pytest.approx(1.5 * one.access_ns)
    assert two.leakage_mw == pytest.approx(8 / 6 * one.leakage_mw)


def test_sram_below_22nm_is_the_22nm_fit_moved_by_the_technology_rules():
    base, small = memory.sram(256, 4096, 22), memory.sram(256, 4096, 7)
    # LP7 at 0.8 V: 0.09365*0.64 - 0.03409*0.8 + 0.02043 = 0.053094; 22 nm = LP20 + (2/12)(LP32 - LP20)
    # = 0.124858 + (2/12)(0.456936 - 0.124858) = 0.180204 -> energy x 0.29463
    assert small.read_pj == pytest.approx(base.read_pj * 0.053094 / 0.180204, rel=1e-4)
    assert small.area_mm2 == pytest.approx(base.area_mm2 * area_scale(22, 7))


def test_register_file_by_hand_at_28nm():
    # regfile(8 bits, 4 words, 28 nm):
    #  register bit: 0.009 pJ and 5.98 um^2 at 40 nm, x energy_scale(40, 28) and area_scale(40, 28)
    reg_e = 8 * 0.009 * energy_scale(40, 28)
    reg_a = 4 * 8 * 5.98 * area_scale(40, 28)
    #  4:1 read mux of 8 bits: 0.020412 pJ, 44.208 um^2 (tests/costs/test_logic.py)
    #  decoder to 4 lines: 1 NAND2 per line: 4 * 0.614 um^2; energy 2 * 0.7 fF * 0.81 V^2 = 1.134 fJ
    #  write data lines: 0.5 * 8 bits * 4 rows * 0.7 fF * 0.81 V^2 = 9.072 fJ
    c = memory.regfile(8, 4, 28)
    assert c.read_pj == pytest.approx(reg_e + 0.020412)
    assert c.write_pj == pytest.approx(reg_e + 0.001134 + 0.009072)
    assert c.area_mm2 == pytest.approx((reg_a + 44.208 + 4 * 0.614) * 1e-6)
    # access: clock-to-output 3 * 0.0478 + 2 mux levels * 2 * 0.0478 = 0.3346 ns
    assert c.access_ns == pytest.approx(7 * 0.0478)


# the hwcomponents-cacti 1.0.40 DRAM table, via hwcomponents 1.0.114: energy per access at the default width (pJ)
@pytest.mark.parametrize(
    ("kind", "width", "energy"),
    [
        ("lpddr4", 64, 512.0),
        ("lpddr", 64, 2560.0),
        ("ddr3", 64, 4480.0),
        ("hbm2", 2048, 12800.0),
        ("hbm3", 2048, 8294.4),
        ("dram", 64, 3.7 * 64),
    ],
)
def test_dram_energy_is_pj_per_bit_times_width(kind, width, energy):
    c = memory.dram(kind, width)
    assert c.read_pj == pytest.approx(energy)
    assert c.write_pj == pytest.approx(energy)
    assert (c.area_mm2, c.leakage_mw) == (0.0, 0.0)


def test_derived_dram_types_follow_supply_voltage_squared():
    assert memory.dram_pj_per_bit("ddr4") == pytest.approx(70.0 * (1.2 / 1.5) ** 2, rel=1e-3)
    assert memory.dram_pj_per_bit("lpddr3") == pytest.approx(8.0 * (1.2 / 1.1) ** 2, rel=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"width_bits": 0}, "width_bits"),
        ({"depth": -1}, "depth"),
        ({"ports": 0}, "ports"),
        ({"banks": 128}, "banks"),
        ({"node_nm": 20}, "node_nm"),
    ],
)
def test_bad_sram_parameters_raise_spec_error(kwargs, field):
    args = {"width_bits": 32, "depth": 64, "node_nm": 28} | kwargs
    with pytest.raises(SpecError) as err:
        memory.sram(args.pop("width_bits"), args.pop("depth"), args.pop("node_nm"), **args)
    assert err.value.field == field


widths = st.integers(min_value=1, max_value=4096)
depths = st.integers(min_value=2, max_value=65536)
node_index = st.integers(min_value=0, max_value=len(known_nodes()) - 2)


@settings(max_examples=60, deadline=None)
@given(w=widths, d=depths, model=st.sampled_from([memory.sram, memory.regfile]))
def test_energy_and_area_grow_with_width_and_depth(w, d, model):
    base, wider, deeper = model(w, d, 28), model(2 * w, d, 28), model(w, 2 * d, 28)
    for bigger in (wider, deeper):
        assert bigger.read_pj > base.read_pj
        assert bigger.write_pj > base.write_pj
        assert bigger.area_mm2 > base.area_mm2


@settings(max_examples=60, deadline=None)
@given(w=widths, d=depths, i=node_index, model=st.sampled_from([memory.sram, memory.regfile]))
def test_energy_and_area_shrink_with_smaller_node(w, d, i, model):
    small, big = model(w, d, known_nodes()[i]), model(w, d, known_nodes()[i + 1])
    assert small.read_pj < big.read_pj
    assert small.write_pj < big.write_pj
    assert small.area_mm2 < big.area_mm2


def test_sram_wider_than_calibration_is_macros_side_by_side():
    # 4096 bits = two 2048-bit macros (the widest CACTI point): energy, area, leakage x 2, same access time
    one, two = memory.sram(2048, 8192, 28), memory.sram(4096, 8192, 28)
    assert two.read_pj == pytest.approx(2 * one.read_pj)
    assert two.area_mm2 == pytest.approx(2 * one.area_mm2)
    assert two.access_ns == pytest.approx(one.access_ns)
