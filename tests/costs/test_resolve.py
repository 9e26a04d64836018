"""The resolution API the hardware loader calls (costs/resolve.py)."""

from __future__ import annotations

import dataclasses

import pytest

from carbonloop.costs import logic, memory
from carbonloop.costs.resolve import ComponentCost, known_models, resolve_mac, resolve_memory
from carbonloop.errors import SpecError


def test_known_models_are_the_issue_4_set():
    assert set(known_models()) == {
        "sram",
        "regfile",
        "register",
        "dram",
        "dram/lpddr4",
        "dram/lpddr",
        "dram/lpddr3",
        "dram/ddr3",
        "dram/ddr4",
        "dram/hbm2",
        "dram/hbm3",
        "mac",
        "mac/int",
    }


def test_sram_resolves_to_the_fit_with_its_source():
    c = resolve_memory("sram", node_nm=28, width_bits=128, depth=8192)
    m = memory.sram(128, 8192, 28)
    assert (c.read_pj, c.write_pj, c.area_mm2, c.access_ns, c.leakage_mw) == (
        m.read_pj,
        m.write_pj,
        m.area_mm2,
        m.access_ns,
        m.leakage_mw,
    )
    assert c.source == "sram fit (CACTI 7 calibration), 28 nm"
    # CACTI 7.0 via hwcomponents-cacti 1.0.40 (costs/data/cacti_sram_points.csv) row 28,128,8192: read 20.6004 pJ
    assert c.read_pj == pytest.approx(20.6004, rel=0.10)


def test_carbonspot_dram_is_37_pj_per_bit():
    # KULeuven-MICAS/carbonspot @ 0839b49 expr.py memory_hierarchy_dut_*: DRAM 3.7 pJ/bit; 512 bits -> 1894.4 pJ
    c = resolve_memory("dram", node_nm=28, width_bits=512, depth=1)
    assert c.read_pj == pytest.approx(1894.4)
    assert c.write_pj == pytest.approx(1894.4)
    assert c.area_mm2 == 0.0
    assert "3.7 pJ/bit" in c.source


def test_model_names_ignore_case_and_spaces():
    a = resolve_memory(" DRAM/HBM2 ", node_nm=28, width_bits=1024, depth=1)
    assert a.read_pj == pytest.approx(6.25 * 1024)


def test_register_and_regfile_resolve():
    reg = resolve_memory("register", node_nm=40, width_bits=16, depth=4)
    # AladdinRegister (hwcomponents-library 1.0.58): 0.009 pJ/bit and 5.98 um^2/bit at 40 nm
    assert reg.read_pj == pytest.approx(16 * 0.009)
    assert reg.area_mm2 == pytest.approx(4 * 16 * 5.98e-6)
    rf = resolve_memory("regfile", node_nm=28, width_bits=32, depth=64, ports=2, banks=2)
    assert rf.read_pj == pytest.approx(memory.regfile(32, 64, 28, ports=2, banks=2).read_pj)


def test_mac_is_energy_per_mac():
    c = resolve_mac("mac", node_nm=40, a_bits=8, b_bits=8)
    # AladdinIntMAC (hwcomponents-library 1.0.58) at 40 nm, adder 16: 0.8975 pJ, 535.875 um^2
    assert c.read_pj == pytest.approx(0.8975)
    assert c.area_mm2 == pytest.approx(535.875e-6)
    assert c.write_pj == 0.0
    assert resolve_mac("mac/int", node_nm=40, a_bits=8, b_bits=8, acc_bits=8).read_pj == pytest.approx(0.845)
    assert c.access_ns == pytest.approx(logic.mac(8, 8, 40).delay_ns)


def test_component_cost_is_frozen():
    c = resolve_mac("mac", node_nm=28, a_bits=4, b_bits=4)
    assert isinstance(c, ComponentCost)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.read_pj = 0.0


@pytest.mark.parametrize(
    ("call", "field", "text"),
    [
        (lambda: resolve_memory("sramm", node_nm=28, width_bits=8, depth=64), "model", "'sramm'"),
        (lambda: resolve_memory("mac", node_nm=28, width_bits=8, depth=64), "model", "'mac'"),
        (lambda: resolve_memory("dram/gddr5", node_nm=28, width_bits=8, depth=1), "model", "'dram/gddr5'"),
        (lambda: resolve_memory("sram", node_nm=20, width_bits=8, depth=64), "node_nm", "20"),
        (lambda: resolve_memory("sram", node_nm=28, width_bits=0, depth=64), "width_bits", "0"),
        (lambda: resolve_memory("regfile", node_nm=28, width_bits=8, depth=4, banks=8), "banks", "8"),
        (lambda: resolve_memory("dram", node_nm=28, width_bits=8, depth=1, ports=0), "ports", "0"),
        (lambda: resolve_mac("sram", node_nm=28, a_bits=8, b_bits=8), "model", "'sram'"),
        (lambda: resolve_mac("mac", node_nm=28, a_bits=0, b_bits=8), "a_bits", "0"),
        (lambda: resolve_mac("mac", node_nm=28, a_bits=8, b_bits=8, acc_bits=-4), "acc_bits", "-4"),
    ],
)
def test_bad_input_raises_spec_error_naming_the_value(call, field, text):
    with pytest.raises(SpecError) as err:
        call()
    assert err.value.field == field
    assert text in err.value.message
