"""Technology table and scaling rules (docs/costs.md, "Technology")."""

from __future__ import annotations

import pytest

from carbonloop.costs.technology import (
    NODE_28NM,
    TechNode,
    area_scale,
    delay_scale,
    energy_scale,
    known_nodes,
    tech_node,
)
from carbonloop.errors import SpecError


def test_28nm_row_is_carbonspot_gate_set():
    # KULeuven-MICAS/carbonspot @ 0839b49, expr.py get_imc_param_setting, tech_param_28nm (pF x 1000 = fF, mm2 x 1e6 = um2)
    t = tech_node(28)
    assert t is NODE_28NM
    assert (t.vdd_v, t.nand2_cap_ff, t.xor2_cap_ff, t.dff_cap_ff) == (0.9, 0.7, 1.05, 2.1)
    assert (t.nand2_area_um2, t.xor2_area_um2, t.dff_area_um2) == (0.614, 1.4736, 3.684)
    assert (t.nand2_delay_ns, t.xor2_delay_ns) == (0.0478, 0.11472)
    assert (t.sram_cell_wl_cap_ff, t.sram_cell_bl_cap_ff) == (0.35, 0.35)


def test_table_holds_the_nine_nodes_of_issue_4():
    assert known_nodes() == (7, 14, 16, 22, 28, 32, 40, 45, 65)
    assert all(isinstance(tech_node(n), TechNode) and tech_node(n).node_nm == n for n in known_nodes())


def test_area_scaling_reads_stillmaker_baas_table_4():
    # Stillmaker & Baas 2017, Table 4, 65 nm row: 45 nm = 0.66, 32 nm = 0.31, 7 nm = 0.039
    assert area_scale(65, 45) == pytest.approx(0.66, rel=1e-12)
    assert area_scale(65, 32) == pytest.approx(0.31, rel=1e-12)
    assert area_scale(65, 7) == pytest.approx(0.039, rel=1e-12)
    # 28 nm interpolated between 32 (0.31) and 20 (0.14): 0.31 + (4/12) (0.14 - 0.31) = 0.253333
    assert area_scale(65, 28) == pytest.approx(0.31 + 4 / 12 * (0.14 - 0.31), rel=1e-12)


def test_energy_scaling_is_stillmaker_baas_polynomial_at_08v():
    # E(V) = a V^2 + b V + c at V = 0.8:
    #   LP45: 1.103*0.64 - 0.362*0.8 + 0.2767    = 0.693020
    #   LP32: 0.9559*0.64 - 0.7823*0.8 + 0.471   = 0.456936
    #   LP20: 0.2632*0.64 - 0.14*0.8 + 0.06841   = 0.124858
    # 40 nm = LP32 + 8/13 (LP45 - LP32) = 0.602218; 28 nm = LP32 + 4/12 (LP20 - LP32) = 0.346243
    e40 = 0.456936 + 8 / 13 * (0.693020 - 0.456936)
    e28 = 0.456936 + 4 / 12 * (0.124858 - 0.456936)
    assert energy_scale(40, 28) == pytest.approx(e28 / e40, rel=1e-5)
    # AladdinRegister (hwcomponents-library 1.0.58): 0.00531571 pJ/bit at 28 nm vs 0.009 at 40 nm
    # (hwcomponents uses the HP 20 nm fit, we the LP one): same factor within 3 %
    assert energy_scale(40, 28) == pytest.approx(0.00531571 / 0.009, rel=0.03)


def test_delay_scales_linearly_with_node():
    # AladdinRegister (hwcomponents-library 1.0.58): latency 0.7 ns at 28 nm, 1.0 at 40, 1.625 at 65
    assert delay_scale(40, 28) == pytest.approx(0.7)
    assert delay_scale(40, 65) == pytest.approx(1.625)
    assert tech_node(14).nand2_delay_ns == pytest.approx(0.0478 * 14 / 28)


def test_derived_gate_energy_follows_energy_rule_at_each_node():
    base = NODE_28NM.switch_energy_pj(NODE_28NM.nand2_cap_ff)  # 0.7 fF * 0.81 V^2 = 0.567 fJ
    assert base == pytest.approx(0.000567)
    for n in known_nodes():
        t = tech_node(n)
        assert t.switch_energy_pj(t.nand2_cap_ff) == pytest.approx(base * energy_scale(28, n), rel=1e-12)
        assert t.dff_area_um2 == pytest.approx(3.684 * area_scale(28, n), rel=1e-12)


def test_energy_area_and_delay_shrink_with_every_smaller_node():
    nodes = known_nodes()
    for small, big in zip(nodes, nodes[1:], strict=False):
        s, b = tech_node(small), tech_node(big)
        assert s.switch_energy_pj(s.nand2_cap_ff) < b.switch_energy_pj(b.nand2_cap_ff)
        assert s.nand2_area_um2 < b.nand2_area_um2
        assert s.nand2_delay_ns < b.nand2_delay_ns


@pytest.mark.parametrize("bad", [20, 10, 90, 0, "x"])
def test_unknown_node_raises_spec_error_naming_it(bad):
    with pytest.raises(SpecError, match=f"unknown node {bad}"):
        tech_node(bad)
