"""Logic models against the Aladdin table points (Shao et al., ISCA 2014) as hwcomponents-library 1.0.58 gives them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonloop.costs import logic
from carbonloop.costs.technology import known_nodes
from carbonloop.errors import SpecError

# Aladdin tables (Shao et al., ISCA 2014) in hwcomponents-library 1.0.58, via hwcomponents 1.0.114, AladdinIntMAC: (node, adder width) -> (pJ/MAC, um^2, uW)
MAC_POINTS = {
    (28, 16): (0.530094, 293.22, 3.66193),
    (28, 8): (0.499086, 255.191, 3.30755),
    (40, 16): (0.8975, 535.875, 6.2),
    (40, 8): (0.845, 466.375, 5.6),
    (45, 16): (1.03282, 783.202, 7.13483),
    (45, 8): (0.972408, 681.625, 6.44436),
    (65, 16): (1.28138, 1174.8, 8.85187),
    (65, 8): (1.20642, 1022.44, 7.99524),
}
# Aladdin tables (Shao et al., ISCA 2014) in hwcomponents-library 1.0.58, via hwcomponents 1.0.114, AladdinAdder: (node, width) -> (pJ/add, um^2)
ADDER_POINTS = {
    (28, 16): (0.0620166, 76.0579),
    (28, 32): (0.124033, 152.116),
    (40, 16): (0.105, 139.0),
    (40, 32): (0.21, 278.0),
    (45, 32): (0.241663, 406.308),
    (65, 32): (0.299821, 609.462),
}
# Aladdin tables (Shao et al., ISCA 2014) in hwcomponents-library 1.0.58, via hwcomponents 1.0.114, AladdinRegister: node -> (pJ/bit, um^2/bit, latency ns)
REGISTER_POINTS = {
    28: (0.00531571, 3.27213, 0.7),
    40: (0.009, 5.98, 1.0),
    45: (0.010357, 8.74, 1.125),
    65: (0.0128495, 13.11, 1.625),
}


@pytest.mark.parametrize(("node", "acc"), sorted(MAC_POINTS))
def test_mac_matches_aladdin_points(node, acc):
    energy, area, leak = MAC_POINTS[(node, acc)]
    c = logic.mac(8, 8, node, acc)
    # 40 nm is the table's own node: exact. Other nodes: energy and leakage within 3 % (our LP 20 nm
    # energy fit vs hwcomponents' HP one), area within 16 % (we interpolate Stillmaker-Baas area factors
    # linearly in node, hwcomponents interpolates the table rows): see docs/costs.md.
    e_tol, a_tol = (1e-9, 1e-9) if node == 40 else (0.03, 0.16)
    assert c.energy_pj == pytest.approx(energy, rel=e_tol)
    assert c.leakage_uw == pytest.approx(leak, rel=e_tol)
    assert c.area_um2 == pytest.approx(area, rel=a_tol)


@pytest.mark.parametrize(("node", "width"), sorted(ADDER_POINTS))
def test_adder_matches_aladdin_points(node, width):
    energy, area = ADDER_POINTS[(node, width)]
    c = logic.adder(width, node)
    e_tol, a_tol = (1e-9, 1e-9) if node == 40 else (0.03, 0.16)
    assert c.energy_pj == pytest.approx(energy, rel=e_tol)
    assert c.area_um2 == pytest.approx(area, rel=a_tol)


@pytest.mark.parametrize("node", sorted(REGISTER_POINTS))
def test_register_matches_aladdin_points(node):
    energy, area, latency = REGISTER_POINTS[node]
    read, write, area_um2, _, latency_ns = logic.register(16, node)
    tol = 1e-9 if node == 40 else 0.03
    assert read / 16 == pytest.approx(energy, rel=tol)
    assert write / 16 == pytest.approx(energy, rel=tol)
    assert area_um2 / 16 == pytest.approx(area, rel=1e-9 if node == 40 else 0.16)
    assert latency_ns == pytest.approx(latency, rel=1e-9)


def test_multiplier_is_quadratic_and_adder_linear_in_width():
    # Aladdin 32x32 multiplier 12.68 pJ at 40 nm -> a 4x8 multiplier is 32/1024 of it = 0.39625 pJ
    assert logic.multiplier(4, 8, 40).energy_pj == pytest.approx(12.68 * 32 / 1024)
    # 32-bit adder 0.21 pJ -> 1 bit 0.0065625 pJ
    assert logic.adder(1, 40).energy_pj == pytest.approx(0.21 / 32)


def test_ripple_adder_delay_by_hand_at_28nm():
    # two XOR2 (0.11472 ns) + 15 carry stages of two NAND2 (0.0478 ns): 0.22944 + 1.434 = 1.66344 ns
    assert logic.adder(16, 28).delay_ns == pytest.approx(1.66344)


def test_mux_by_hand_at_28nm():
    # 4:1 mux of 8-bit words: 2 levels; data cap 8*2*3*0.7 = 33.6 fF, select cap 8*3*0.7 = 16.8 fF;
    # energy = 0.5 * 50.4 fF * 0.9^2 V^2 = 20.412 fJ; area = 8 * 3 mux2 * 3 NAND2 * 0.614 = 44.208 um^2
    c = logic.mux(4, 8, 28)
    assert c.energy_pj == pytest.approx(0.020412)
    assert c.area_um2 == pytest.approx(44.208)
    assert c.delay_ns == pytest.approx(2 * 2 * 0.0478)
    assert logic.mux(1, 8, 28).area_um2 == 0.0


def test_comparator_costs_an_adder_chain():
    assert logic.comparator(12, 28) == logic.adder(12, 28)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_widths_raise_spec_error(bad):
    with pytest.raises(SpecError, match="positive integer"):
        logic.mac(bad, 8, 28)


widths = st.integers(min_value=1, max_value=64)


@given(a=widths, b=widths)
def test_mac_grows_with_width(a, b):
    small, wider = logic.mac(a, b, 28), logic.mac(a + 1, b, 28)
    assert wider.energy_pj > small.energy_pj
    assert wider.area_um2 > small.area_um2
    assert wider.delay_ns > small.delay_ns


@given(a=widths, b=widths, i=st.integers(min_value=0, max_value=len(known_nodes()) - 2))
def test_mac_shrinks_with_smaller_node(a, b, i):
    small_node, big_node = known_nodes()[i], known_nodes()[i + 1]
    s, g = logic.mac(a, b, small_node), logic.mac(a, b, big_node)
    assert s.energy_pj < g.energy_pj
    assert s.area_um2 < g.area_um2
