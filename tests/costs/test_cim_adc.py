"""ADC survey regression: reproduces the published plug-in points; monotone in bits, node and rate."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonloop.costs.cim.adc import adc_area_um2, adc_energy_pj, adc_figure_of_merit_db
from carbonloop.errors import SpecError

# Independent oracle: hwcomponents-adc 1.0.21 total energy per conversion and area at 28 nm (its model books
# 0.8 E as convert plus 0.2 E x rate as leakage; the sum is E), and the Accelergy ADC plug-in's tabulated
# values at other nodes (accelergy-adc-plug-in @ ff0fb48, as restated with CiMLoop, ISPASS 2024).
PUBLISHED = [
    # node_nm, bits, rate_hz, energy_pj, area_um2 (None: not tabulated)
    (28, 4, 1e8, 0.718666, 2660.01),
    (28, 4, 1e9, 0.718666, 4032.72),
    (28, 6, 1e8, 0.82863, 2775.74),
    (28, 6, 1e9, 0.82863, 4208.18),
    (28, 8, 1e8, 1.33325, 3200.1),
    (28, 10, 1e8, 2.5749, None),
    (28, 10, 1e9, 10.849, None),
    (65, 8, 1e6, 6.4945, 5161),
    (130, 8, 1e6, 23.905, 15171),
    (7, 4, 1e6, 0.0530, 134),
    (22, 8, 1e9, 0.8472, 3334),
    (32, 8, 1e8, 1.7137, 3939),
]


@pytest.mark.parametrize(("node", "bits", "rate", "energy", "area"), PUBLISHED)
def test_regression_reproduces_published_points(node, bits, rate, energy, area) -> None:
    assert adc_energy_pj(bits, rate, node) == pytest.approx(energy, rel=1e-3)
    if area is not None:
        assert adc_area_um2(bits, rate, node) == pytest.approx(area, rel=1e-3)


def test_fom_envelope_by_hand() -> None:
    # 8 b at 1 MHz: min(213.7807 - 2.871903 ln 1e6, 128.3068 + 3.220512 * 8) = min(174.10, 154.07) = 154.07
    assert adc_figure_of_merit_db(8, 1e6) == pytest.approx(128.3068 + 3.220512 * 8)
    # 8 b at 1e10: the speed envelope 213.7807 - 2.871903 * 23.026 = 147.65 binds
    assert adc_figure_of_merit_db(8, 1e10) == pytest.approx(213.7807 - 2.871903 * math.log(1e10))


def test_below_four_bits_energy_is_the_four_bit_floor() -> None:
    assert adc_energy_pj(2, 1e8, 28) == adc_energy_pj(4, 1e8, 28)


@given(
    bits=st.floats(4, 14),
    node=st.floats(5, 180),
    rate=st.floats(1e3, 1e10),
)
def test_energy_grows_with_bits_node_and_rate(bits: float, node: float, rate: float) -> None:
    e = adc_energy_pj(bits, rate, node)
    assert e > 0
    assert adc_energy_pj(bits + 1, rate, node) >= e * 0.999
    assert adc_energy_pj(bits, rate, node * 1.5) > e
    assert adc_energy_pj(bits, min(rate * 2, 1e10), node) >= e * 0.999
    assert adc_area_um2(bits, rate, node) > 0


@pytest.mark.parametrize(
    ("bits", "rate", "node"), [(0, 1e8, 28), (8, 0, 28), (8, 2e10, 28), (8, 1e8, -5), (math.nan, 1e8, 28)]
)
def test_bad_adc_inputs_are_spec_errors(bits, rate, node) -> None:
    with pytest.raises(SpecError):
        adc_energy_pj(bits, rate, node)
