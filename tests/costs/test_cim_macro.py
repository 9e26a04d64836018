"""The CiM macro model: energies per component by hand, data-value dependence, slicing, partial passes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.costs.cim.adc_typical import typical_adc_energy_pj
from carbonloop.costs.cim.macro import CimMacroSpec, cim_macro_cost, cim_pass_energy_pj, supply_delay_factor
from carbonloop.costs.cim.peripherals import logic
from carbonloop.errors import SpecError

# An ISAAC-cell ReRAM macro (Shafiee et al., ISCA 2016 cell: 1333/20000 ohm, 0.2 V, 16 F^2) at 32 nm:
# 64 rows x 16 8-b weights at 2 b/cell (4 columns per weight), bit-serial 8-b inputs, 8-b ADC per column,
# 100 ns per input bit. Weights are a fixed test pattern of mean slice value 0.5.
BASE = dict(
    device="rram_1t1r_isaac",
    rows=64,
    cols=16,
    input_bits=8,
    weight_bits=8,
    bits_per_cell=2,
    dac_bits=1,
    adc_bits=8,
    input_encoding="magnitude",
    weight_encoding="offset",
    node_nm=32,
    vdd_v=1.0,
    read_pulse_ns=1.0,
    cycle_ns=100.0,
    weight_distribution="mean=0.5",
)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _post_relu_bit_sum() -> float:
    """Sum over the 8 input bits of P(bit = 1) for post-ReLU activations, computed here independently:
    pre-activation N(0, s^2), s = 255/4, rounded to 0..255 (clipped), negatives -> 0."""
    s = 255 / 4
    total = 0.0
    for k in range(1, 256):
        hi = math.inf if k == 255 else (k + 0.5) / s
        p = _normal_cdf(hi) - _normal_cdf((k - 0.5) / s)
        total += p * bin(k).count("1")
    return total


def test_dense_uniform_vs_post_relu_inputs_on_a_reram_macro() -> None:
    dense = cim_macro_cost(CimMacroSpec(**BASE, input_distribution="uniform"))
    sparse = cim_macro_cost(CimMacroSpec(**BASE, input_distribution="post_relu"))
    # Expected input pulses per row over a pass = sum of bit densities: uniform 8 x 0.5 = 4;
    # post-ReLU: half the values are 0 and the rest half-normal, sum = 1.5706 (computed above).
    relu_sum = _post_relu_bit_sum()
    assert relu_sum == pytest.approx(1.5706, abs=1e-3)
    # Cells: 64 rows x 64 columns, each pulse draws T V^2 (G_min + G_max)/2 at c = 0.5;
    # R_wire = (64 + 64) x 0.5303 x sqrt(16) = 271.5 ohm -> G = 1/(20000 + 271.5), 1/(1333 + 271.5)
    r_wire = 128 * 4.03e-8 / (40e-9 * 1.9) * 4
    g_avg = 0.5 * (1 / (20000 + r_wire) + 1 / (1333 + r_wire))
    pulse_fj = 1e-9 * 0.2**2 * g_avg * 1e15  # 13.45 fJ
    assert pulse_fj == pytest.approx(13.45, abs=0.01)
    assert dense.energy_per_pass_pj["cells"] == pytest.approx(64 * 64 * pulse_fj * 4 / 1000, rel=1e-9)
    assert sparse.energy_per_pass_pj["cells"] == pytest.approx(64 * 64 * pulse_fj * relu_sum / 1000, rel=1e-6)
    # Input lines: 64 cells of wire each, 0.2 fF/um x (4 F x 32 nm) = 0.0256 fF, charged to V_read = 0.2 V
    # per pulse, plus the driver chain's own nodes (2/3 of the line, rule 2b) at V_dd = 1 V:
    # per pulse (1.6384 fF x 0.04 + 1.0923 fF x 1.0) = 1.1578 fJ; 64 rows x that x pulses
    c_line_ff = 64 * 0.2 * 4 * 0.032
    per_pulse_fj = c_line_ff * 0.04 + (2 / 3) * c_line_ff * 1.0
    assert per_pulse_fj == pytest.approx(1.1578, abs=1e-4)
    assert dense.energy_per_pass_pj["row_drivers"] == pytest.approx(64 * per_pulse_fj * 4 / 1000)
    assert sparse.energy_per_pass_pj["row_drivers"] == pytest.approx(
        64 * per_pulse_fj * relu_sum / 1000, rel=1e-6
    )
    # Wordlines: the access gates (as wide as the 4 F cell side) plus wire, 1.2 fF/um x 0.128 um per cell,
    # and the driver chain (+2/3, rule 2b), enabled once per input bit at V_dd = 1 V whatever the data:
    # 64 x 64 x 0.1536 fF x 5/3 x 8 = 8.39 pJ
    wl_pj = 64 * 64 * 1.2 * 0.128 * (5 / 3) * 1.0 * 8 / 1000
    assert wl_pj == pytest.approx(8.389, abs=1e-3)
    assert dense.energy_per_pass_pj["wordlines"] == pytest.approx(wl_pj)
    assert sparse.energy_per_pass_pj["wordlines"] == pytest.approx(wl_pj)
    # ADC: 64 columns x 8 input bits = 512 conversions at 1/100 ns = 10 MHz, 8 b, 32 nm, each the survey's
    # typical converter (adc_typical.py): exp(-13.720 + 0.4370 x 8 + 1.6225 ln 32 + 0.34058 ln 1e7) = 2.432 pJ;
    # the ADC does not see the data, so it is the same for both
    assert typical_adc_energy_pj(8, 1e7, 32) == pytest.approx(2.432, rel=2e-3)
    assert dense.energy_per_pass_pj["adc"] == pytest.approx(512 * typical_adc_energy_pj(8, 1e7, 32))
    # with the survey's best-case envelope instead: the plug-in's tabulated 1.7137 pJ per conversion
    envelope = cim_macro_cost(CimMacroSpec(**BASE, input_distribution="uniform", adc_estimate="envelope"))
    assert envelope.energy_per_pass_pj["adc"] == pytest.approx(512 * 1.7137, rel=1e-4)
    assert sparse.energy_per_pass_pj["adc"] == dense.energy_per_pass_pj["adc"]
    # The whole difference is the data-dependent part scaled by the bit densities
    data_part = dense.energy_per_pass_pj["cells"] + dense.energy_per_pass_pj["row_drivers"]
    expected_drop = data_part * (1 - relu_sum / 4)
    assert dense.total_energy_pj - sparse.total_energy_pj == pytest.approx(expected_drop, rel=1e-6)
    assert sparse.tops_per_w > dense.tops_per_w


def test_zero_gating_skips_the_row_side_of_zero_inputs() -> None:
    # Offset-encoded inputs: a zero is the code 128 (one bit set), so without gating it still pulses a row.
    spec = dict(BASE, input_encoding="offset", input_distribution="post_relu")
    plain = cim_macro_cost(CimMacroSpec(**spec))
    gated = cim_macro_cost(CimMacroSpec(**spec, zero_gating=True))
    assert gated.energy_per_pass_pj["cells"] < plain.energy_per_pass_pj["cells"]
    assert gated.energy_per_pass_pj["adc"] == plain.energy_per_pass_pj["adc"]


def test_slicing_counts() -> None:
    cost = cim_macro_cost(CimMacroSpec(**BASE, input_distribution="uniform"))
    # 8-b weights at 2 b/cell: 4 columns per weight, 16 x 4 = 64 physical columns; 8 bit-serial input slices
    assert cost.counts["columns_per_weight"] == 4
    assert cost.counts["physical_columns"] == 64
    assert cost.cycles_per_pass == 8
    # TOPS = 2 x 64 x 16 MACs / (8 x 100 ns)
    assert cost.tops == pytest.approx(2 * 64 * 16 / 800e-9 / 1e12)


def test_differential_signed_weights_use_two_devices_but_one_conversion() -> None:
    spec = dict(BASE, weight_distribution="gaussian", weight_encoding="two_part", bits_per_cell=4)
    cost = cim_macro_cost(CimMacroSpec(**spec, input_distribution="uniform"))
    # 8-b signed weight: 7 magnitude bits -> 2 slices of 4 b, on a positive and a negative device
    assert cost.counts["columns_per_weight"] == 4
    assert cost.counts["conversions"] == 16 * 2 * 8


def test_column_sharing_multiplies_the_rounds_not_the_conversions() -> None:
    one = cim_macro_cost(CimMacroSpec(**BASE, input_distribution="uniform"))
    shared = cim_macro_cost(CimMacroSpec(**BASE, input_distribution="uniform", columns_per_adc=8))
    assert shared.cycles_per_pass == 8 * one.cycles_per_pass
    assert shared.counts["adcs"] == one.counts["adcs"] / 8
    assert shared.counts["conversions"] == one.counts["conversions"]


def test_analog_input_accumulation_converts_once_per_pass() -> None:
    cost = cim_macro_cost(CimMacroSpec(**BASE, input_distribution="uniform", input_accumulation="analog"))
    assert cost.counts["conversions"] == 64  # 64 columns x 1 conversion
    assert cost.energy_per_pass_pj["accumulators"] == 0.0


def test_sram_charge_domain_cell_energy_by_hand() -> None:
    # Jia's cell: 2 fF per bitcell charged when input bit and weight bit are both one: C V^2 a c per slice
    spec = CimMacroSpec(
        device="sram_cap_jia",
        rows=16,
        cols=4,
        input_bits=1,
        weight_bits=1,
        adc_bits=8,
        node_nm=65,
        vdd_v=0.85,
        cycle_ns=1350,
        input_distribution="mean=0.2",
        weight_distribution="mean=0.4",
    )
    cost = cim_macro_cost(spec)
    assert cost.energy_per_pass_pj["cells"] == pytest.approx(16 * 4 * 2.0 * 0.85**2 * 0.2 * 0.4 / 1000)


def test_supply_sweep_scales_the_adc_by_v_squared_and_the_cycle_by_the_alpha_power_law() -> None:
    nominal = cim_macro_cost(CimMacroSpec(**BASE, input_distribution="uniform", vdd_nominal_v=1.0))
    high = cim_macro_cost(
        CimMacroSpec(**dict(BASE, vdd_v=1.2), input_distribution="uniform", vdd_nominal_v=1.0)
    )
    # t ~ V/(V - 0.35)^1.3: 1.2/1.0 x (0.65/0.85)^1.3 = 0.8443; ADC energy x 1.2^2 (rate changes too)
    factor = 1.2 * (0.65 / 0.85) ** 1.3
    assert supply_delay_factor(1.2, 1.0) == pytest.approx(factor)
    assert high.cycle_ns == pytest.approx(100 * factor)
    rate = 1e9 / (100 * factor)
    assert high.energy_per_pass_pj["adc"] == pytest.approx(512 * typical_adc_energy_pj(8, rate, 32) * 1.44)
    assert nominal.energy_per_pass_pj["adc"] == pytest.approx(512 * typical_adc_energy_pj(8, 1e7, 32))


def test_digital_macro_has_no_adc() -> None:
    spec = CimMacroSpec(
        **dict(BASE, device="sram_6t", bits_per_cell=1, adc_bits=None), input_distribution="uniform"
    )
    cost = cim_macro_cost(spec)
    assert cost.energy_per_pass_pj["adc"] == 0.0
    assert cost.energy_per_pass_pj["adder_trees"] > 0
    # the tree of 64 1-b inputs has 64*2 - (1 + 6 + 1) = 120 full adders (closed form N(B+1) - (B+log2N+1))
    g = logic(32.0, 1.0)
    p = 0.5 * 0.5
    assert cost.energy_per_pass_pj["adder_trees"] == pytest.approx(
        128 * 8 * 120 * g.fa_energy_fj * 2 * p * (1 - p) / 1000
    )


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 64), cols=st.integers(1, 16))
def test_partial_pass_never_costs_more_than_a_full_one(rows: int, cols: int) -> None:
    spec = CimMacroSpec(**BASE, input_distribution="post_relu")
    full = cim_macro_cost(spec).energy_per_pass_pj
    part = cim_pass_energy_pj(spec, rows, cols)
    for name, value in part.items():
        assert 0 <= value <= full[name] + 1e-12
    assert spec.pass_energy_pj(rows, cols) == part
    # cells scale with the used fraction of the array
    assert part["cells"] == pytest.approx(full["cells"] * rows / 64 * cols / 16)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"rows": 0}, "rows"),
        ({"device": "flash_nor"}, "device"),
        ({"adc_bits": 40}, "adc_bits"),
        ({"dac_kind": "pwm"}, "dac_kind"),
        ({"device": "sram_6t", "bits_per_cell": 2}, "bits_per_cell"),
        ({"input_encoding": "xnor"}, "encoding"),
        ({"vdd_v": -1.0}, "vdd_v"),
        ({"weight_distribution": "mean=2"}, "mean"),
        ({"dac_bits": 9}, "dac_bits"),
    ],
)
def test_bad_specs_are_one_line_spec_errors(override: dict, field: str) -> None:
    with pytest.raises(SpecError) as err:
        CimMacroSpec(**{**BASE, "input_distribution": "uniform", **override})
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_mapped_rows_out_of_range_is_a_spec_error() -> None:
    spec = CimMacroSpec(**BASE, input_distribution="uniform")
    with pytest.raises(SpecError):
        cim_pass_energy_pj(spec, 65, 1)


def test_r2r_ladder_dac_power_matches_the_published_check_values() -> None:
    from carbonloop.costs.cim.peripherals import r2r_area_um2, r2r_energy_fj, r2r_power_uw

    # 8-b ladder, 0.5 V, 5 kOhm (check values restated with CiMLoop's X2X_ladder model, after Wang JSSC'23):
    # code 1 -> 16.67 uW; 37 -> 42.88 uW; 128 -> 12.50 uW (MSB alone: V^2/(4R) = 0.25/20000); 255 -> 16.67 uW
    assert r2r_power_uw(128, 8, 0.5, 5000) == pytest.approx(0.25 / 20000 * 1e6)
    assert r2r_power_uw(1, 8, 0.5, 5000) == pytest.approx(16.67, abs=0.01)
    assert r2r_power_uw(37, 8, 0.5, 5000) == pytest.approx(42.88, abs=0.01)
    assert r2r_power_uw(255, 8, 0.5, 5000) == pytest.approx(16.67, abs=0.01)
    # uniform codes at 0.7 V: 70.78 uW mean; held 1 ns -> 70.78 fJ
    assert r2r_energy_fj(tuple([1 / 256] * 256), 8, 0.7, 5000, 1.0) == pytest.approx(70.78, abs=0.01)
    # area 0.7e-14 m^2/ohm x 8 x 5000 ohm = 280 um^2 at 22 nm (Wang: 37200 um^2 / 128 DACs = 291)
    assert r2r_area_um2(8, 5000, 22) == pytest.approx(280.0)


def test_r2r_macro_dac_energy_is_rows_times_mean_ladder_power_times_cycle() -> None:
    from carbonloop.costs.cim.peripherals import r2r_power_uw

    spec = CimMacroSpec(
        device="sram_6t",
        rows=4,
        cols=2,
        input_bits=2,
        weight_bits=1,
        dac_bits=2,
        dac_kind="r2r",
        dac_unit_ohm=1000.0,
        adc_bits=4,
        node_nm=22,
        vdd_v=1.0,
        cycle_ns=10.0,
        input_distribution="uniform",
        weight_distribution="mean=0.5",
    )
    # 2-b codes 0..3 equally likely: mean power over the four codes, held one 10 ns cycle, 4 rows
    mean_uw = sum(r2r_power_uw(c, 2, 1.0, 1000.0) for c in range(4)) / 4
    assert cim_macro_cost(spec).energy_per_pass_pj["dac"] == pytest.approx(4 * mean_uw * 1e-6 * 10e-9 * 1e12)


def test_a_measured_adc_replaces_the_survey() -> None:
    # Jia's measured 1.79 pJ per conversion at 0.85 V (JSSC 2020, Table I) as an input: 512 conversions
    # of the BASE macro cost 512 x 1.79 pJ at its 1.0 V nominal supply, and (1.2/1.0)^2 more at 1.2 V
    spec = dict(BASE, adc_energy_pj=1.79, adc_area_um2=1941.0, vdd_nominal_v=1.0)
    cost = cim_macro_cost(CimMacroSpec(**spec, input_distribution="uniform"))
    assert cost.energy_per_pass_pj["adc"] == pytest.approx(512 * 1.79)
    assert cost.area_mm2["adc"] == pytest.approx(64 * 1941.0 * 1e-6)
    hot = cim_macro_cost(CimMacroSpec(**dict(spec, vdd_v=1.2), input_distribution="uniform"))
    assert hot.energy_per_pass_pj["adc"] == pytest.approx(512 * 1.79 * 1.44)


def test_line_drivers_are_sized_by_logical_effort() -> None:
    from carbonloop.costs.cim.peripherals import line_driver_area_um2

    g = logic(22.0, 0.8)
    # a fan-out-4 chain driving 30 fF: stages sum to 30 / 3 fF of input capacitance = 30 / (3 C_nand2)
    # NAND2 units; a tiny load still needs one unit
    assert line_driver_area_um2(g, 30.0) == pytest.approx(30.0 / (3 * g.nand2_cap_ff) * g.nand2_area_um2)
    assert line_driver_area_um2(g, 0.01) == pytest.approx(g.nand2_area_um2)
    # a 1T1R macro has a wordline driver and an input-line driver per row
    spec = CimMacroSpec(**BASE, input_distribution="uniform")
    gate_ff = 64 * 1.2 * 0.128  # 64 physical columns of (gate + wire) at 0.128 um pitch
    line_ff = 64 * 0.2 * 0.128
    g32 = logic(32.0, 1.0)
    expected_um2 = 64 * (line_driver_area_um2(g32, gate_ff) + line_driver_area_um2(g32, line_ff))
    assert cim_macro_cost(spec).area_mm2["row_drivers"] == pytest.approx(expected_um2 * 1e-6)


@settings(max_examples=40, deadline=None)
@given(
    lo=st.floats(0.0, 1.0),
    hi=st.floats(0.0, 1.0),
    device=st.sampled_from(["rram_1t1r_isaac", "rram_1t1r_neurram", "sram_6t", "sram_cap_jia", "ecram"]),
    dac_kind=st.sampled_from(["pulse", "voltage", "r2r"]),
)
def test_denser_inputs_never_cost_less(lo: float, hi: float, device: str, dac_kind: str) -> None:
    """Every data-dependent term grows with the input slice value; the rest does not depend on it. The
    exception is the R-2R ladder: its static power depends on the code's bit pattern, not its size
    (8 b: code 1 draws 16.67 uW, code 128 only 12.5 uW), so it is left out for r2r."""
    lo, hi = sorted((lo, hi))
    spec = dict(BASE, device=device, bits_per_cell=1 if device.startswith("sram") else 2)
    spec.update(dac_kind=dac_kind, dac_bits=4)
    low = cim_macro_cost(CimMacroSpec(**spec, input_distribution=f"mean={lo}"))
    high = cim_macro_cost(CimMacroSpec(**spec, input_distribution=f"mean={hi}"))
    for name, value in low.energy_per_pass_pj.items():
        if name == "dac" and dac_kind == "r2r":
            continue
        assert value <= high.energy_per_pass_pj[name] * (1 + 1e-9) + 1e-12, name


def test_phases_integrate_bits_in_the_neuron_and_convert_once_per_phase() -> None:
    # NeuRRAM's scheme (Wan et al., Nature 608:504-512, 2022): 7 magnitude bits in two phases of 4 and 3
    # bits; bit k of a phase is integrated 2^k times, so a phase of k bits takes 2^k - 1 integration steps.
    spec = dict(
        BASE,
        input_bits=8,
        input_encoding="magnitude",
        input_distribution="uniform_signed",
        dac_bits=1,
        input_accumulation="analog",
        slices_per_conversion=4,
        adc_bits=10,
        cycle_ns=None,
        pulse_period_ns=270.0,
        adc_step_ns=300.0,
        round_overhead_ns=300.0,
    )
    cost = cim_macro_cost(CimMacroSpec(**spec))
    # pass = (15 + 7) x 0.27 us + 2 x (10 x 0.3 us + 0.3 us) = 5.94 + 6.6 = 12.54 us over 2 conversion rounds
    assert cost.cycles_per_pass == 2
    assert cost.pass_ns == pytest.approx(15 * 270 + 7 * 270 + 2 * (10 * 300 + 300))
    assert cost.counts["conversions"] == 64 * 2  # 64 columns (4 per weight) x 2 phases
    # the row side sees one pulse per magnitude bit, not 2^k: the same as a plain bit-serial macro
    serial = cim_macro_cost(
        CimMacroSpec(**dict(spec, input_accumulation="digital", slices_per_conversion=None))
    )
    for name in ("wordlines", "row_drivers", "cells"):
        assert cost.energy_per_pass_pj[name] == pytest.approx(serial.energy_per_pass_pj[name])
    assert serial.counts["conversions"] == 64 * 7  # one per bit when the bits are added digitally


def test_phase_split_is_as_even_as_possible() -> None:
    from carbonloop.costs.cim.macro import phase_slices

    assert phase_slices(7, 4) == (4, 3)
    assert phase_slices(5, 3) == (3, 2)
    assert phase_slices(4, 2) == (2, 2)
    assert phase_slices(3, 3) == (3,)
    with pytest.raises(SpecError) as err:
        CimMacroSpec(**BASE, input_distribution="uniform", slices_per_conversion=2)
    assert err.value.field == "slices_per_conversion"


def test_current_domain_bitline_swing_does_not_grow_with_the_pulse_count() -> None:
    # A current-domain SRAM column is precharged once per round; its swing is the column's result, full
    # swing V_dd at full scale, so C_bl V^2 a c per cell and round whether the input came as 1 or 15 pulses.
    spec = dict(BASE, device="sram_6t", bits_per_cell=1, dac_kind="pulse", weight_distribution="mean=0.5")
    one_pulse = cim_macro_cost(
        CimMacroSpec(**dict(spec, input_bits=4, dac_bits=1), input_distribution="mean=0.6")
    )
    pulses = cim_macro_cost(
        CimMacroSpec(**dict(spec, input_bits=4, dac_bits=4), input_distribution="mean=0.6")
    )
    g = logic(32.0, 1.0)
    # 64 rows x (16 weights x 8 bit columns), 4 bit-serial rounds or 1 pulse-count round, a = 0.6, c = 0.5
    cells = 64 * 128
    assert one_pulse.energy_per_pass_pj["cells"] == pytest.approx(
        cells * g.sram_bl_cap_ff * 4 * 0.6 * 0.5 / 1000
    )
    assert pulses.energy_per_pass_pj["cells"] == pytest.approx(
        cells * g.sram_bl_cap_ff * 1 * 0.6 * 0.5 / 1000
    )
    # the wordline, a digital line, is charged per pulse with its driver chain (5/3 of the line, rule 2b):
    # 15 x 0.6 pulses per row
    c_row_ff = 128 * g.sram_wl_cap_ff
    assert pulses.energy_per_pass_pj["row_drivers"] == pytest.approx(
        64 * c_row_ff * (5 / 3) * 15 * 0.6 / 1000
    )


def test_pulse_counter_is_clocked_on_every_pulse_slot_whatever_the_input() -> None:
    # 64 rows x a 4-b counter x 15 pulse slots x the flip-flop's C V^2, the same at zero and full input
    spec = dict(BASE, device="sram_6t", bits_per_cell=1, input_bits=4, dac_bits=4, dac_kind="pulse")
    zero = cim_macro_cost(CimMacroSpec(**spec, input_distribution="mean=0"))
    full = cim_macro_cost(CimMacroSpec(**spec, input_distribution="mean=1"))
    g = logic(32.0, 1.0)
    assert zero.energy_per_pass_pj["dac"] == pytest.approx(64 * 4 * 15 * g.dff_cap_ff * 1.0 / 1000)
    assert full.energy_per_pass_pj["dac"] == zero.energy_per_pass_pj["dac"]


def test_c2c_ladder_in_every_mac_unit() -> None:
    # Wang et al. (IEEE JSSC 58(4), 2023): one C-2C ladder per 8-b weight, unit C = 2 fF. The shunt caps
    # (2C) of the weight's one bits take the input voltage v V_dd: 2C x 8 bits x c x V_dd x v V_dd per MAC.
    spec = CimMacroSpec(
        device="sram_c2c_wang",
        rows=64,
        cols=16,
        input_bits=8,
        weight_bits=8,
        dac_bits=8,
        dac_kind="r2r",
        adc_bits=8,
        weight_combine="analog",
        combine_scheme="c2c_unit",
        combine_unit_cap_ff=2.0,
        input_encoding="offset",
        weight_encoding="offset",
        node_nm=22,
        vdd_v=1.0,
        cycle_ns=4.661,
        input_distribution="mean=0.5",
        weight_distribution="mean=0.25",
    )
    cost = cim_macro_cost(spec)
    assert cost.energy_per_pass_pj["combine_caps"] == pytest.approx(64 * 16 * 2 * 2.0 * 8 * 0.25 * 0.5 / 1000)
    # area: 3 x 8 unit caps (8 of C, 8 of 2C) per MAC unit at 2.3 fF/um^2 (22 nm): 1024 x 48 / 2.3 um^2
    assert cost.area_mm2["combine_caps"] == pytest.approx(1024 * 48 / 2.3 * 1e-6)
    # a partial pass scales the per-unit ladders with rows x columns
    part = cim_pass_energy_pj(spec, 32, 8)
    assert part["combine_caps"] == pytest.approx(cost.energy_per_pass_pj["combine_caps"] / 4)
