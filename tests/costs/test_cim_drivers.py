"""Rule 2b of costs/cim/macro.py: a driven line costs its driver chain's own switched capacitance.

A fan-out-4 inverter chain (the delay-optimal stage effort; I. Sutherland, R. Sproull, D. Harris, Logical
Effort, 1999) driving C_L has stage inputs C_L/4 + C_L/16 + ... = C_L/3, and each stage's output carries
diffusion capacitance gamma = 1 times its input (parasitic delay p_inv = 1, ibid.): 2/3 C_L switches inside
the chain on every transition it passes to the line.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonloop.costs.cim.macro import CimMacroSpec, cim_macro_cost
from carbonloop.costs.cim.peripherals import driver_chain_cap_ff, logic


def test_driver_chain_switches_two_thirds_of_its_load() -> None:
    # 30 fF line: gates 30/4 + 30/16 + ... = 10 fF, diffusion another 10 fF -> 20 fF
    assert driver_chain_cap_ff(30.0) == pytest.approx(20.0)
    assert driver_chain_cap_ff(0.0) == 0.0


@given(load=st.floats(0.0, 1e6))
def test_driver_chain_is_linear_in_the_load(load: float) -> None:
    assert driver_chain_cap_ff(load) == pytest.approx(load * 2.0 / 3.0)


def test_sram_wordline_pulses_cost_five_thirds_of_the_line() -> None:
    # 6T SRAM macro at 28 nm, 0.9 V: 32 rows x 8 one-bit weights, 1 input bit of density 0.5 (mean=0.5)
    spec = CimMacroSpec(
        device="sram_6t", rows=32, cols=8, input_bits=1, weight_bits=1, dac_bits=1, adc_bits=4,
        node_nm=28, vdd_v=0.9, cycle_ns=10.0, input_distribution="mean=0.5", weight_distribution="mean=0.5",
    )  # fmt: skip
    g = logic(28.0, 0.9)
    # per row: the line of 8 cells' C_wl + 2/3 of it in the driver, 0.81 V^2, 0.5 pulse; 32 rows
    c_line = 8 * g.sram_wl_cap_ff
    expected_pj = 32 * (c_line * 5 / 3) * 0.81 * 0.5 / 1000
    assert cim_macro_cost(spec).energy_per_pass_pj["row_drivers"] == pytest.approx(expected_pj, rel=1e-12)


def test_reram_input_line_pays_its_chain_at_the_logic_supply() -> None:
    # NeuRRAM-like cell (0.5 V read) at 130 nm, 1.8 V logic: 16 rows x 4 weights at 4 b/cell, 1 input bit
    spec = CimMacroSpec(
        device="rram_1t1r_neurram", rows=16, cols=4, input_bits=1, weight_bits=4, bits_per_cell=4,
        dac_bits=1, adc_bits=4, node_nm=130, vdd_v=1.8, cycle_ns=100.0, weight_encoding="magnitude",
        input_distribution="mean=1", weight_distribution="mean=0.5",
    )  # fmt: skip
    cost = cim_macro_cost(spec)
    # cell side sqrt(125.74) x 0.13 um = 1.4577 um; input line = wire only, 0.2 fF/um x 1.4577 um x 4 cells
    side_um = 125.74**0.5 * 0.13
    c_line = 4 * 0.2 * side_um
    assert c_line == pytest.approx(1.1662, abs=1e-4)
    # one pulse per row: line at V_read^2 = 0.25 plus chain 2/3 C at 1.8^2 = 3.24 -> 0.2915 + 2.5190 fJ
    per_pulse_fj = c_line * 0.25 + (2 / 3) * c_line * 3.24
    assert per_pulse_fj == pytest.approx(2.8105, abs=1e-4)
    assert cost.energy_per_pass_pj["row_drivers"] == pytest.approx(16 * per_pulse_fj / 1000, rel=1e-12)
    # the wordline (gates as wide as the cell side + wire: 1.2 fF/um) at V_dd, once per input bit, x 5/3
    c_gate = 4 * 1.2 * side_um
    assert cost.energy_per_pass_pj["wordlines"] == pytest.approx(16 * c_gate * 5 / 3 * 3.24 / 1000, rel=1e-12)
