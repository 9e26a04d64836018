"""The slicing rule of the CiM macro model (rule 6 of costs/cim/macro.py, rule 9 of docs/cim.md): a layer
wider than the macro runs sliced across weight slots and input passes (costs/cim/slicing.py; CiMLoop,
Andrulis et al., ISPASS 2024, Sec. III-C; ISAAC, Shafiee et al., ISCA 2016, Sec. IV), and the accelerator
the mapper sees follows (hardware/cim.py)."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import carbonloop
from carbonloop.costs.cim.adc_typical import typical_adc_energy_pj
from carbonloop.costs.cim.macro import CimMacroSpec, cim_macro_cost, cim_pass_energy_pj
from carbonloop.costs.cim.peripherals import DIGITAL_ACTIVITY, add_area_um2, logic
from carbonloop.costs.cim.slicing import slices_needed
from carbonloop.errors import SpecError
from carbonloop.hardware.cim import at_layer_precision, cim
from carbonloop.hardware.library import load_accelerator
from carbonloop.workload.zoo import get as get_network

# Sinangil et al., IEEE JSSC 56(1), 2021 (the cim_sinangil_7nm preset's macro): 64 rows x 16 4-b weight
# slots, a 4-b pulse-count DAC (15 pulse slots), each slot's 4 bit columns combined by binary-weighted
# capacitors (1+2+4+8 = 15 fF) into one 4-b conversion, 5.5 ns per cycle at 0.8 V. Test patterns of mean
# slice value 0.5 (the paper's own way of measuring, Fig. 13) keep the statistics exact: every input
# slice and every weight column is 0.5.
SINANGIL = dict(
    device="sram_8t",
    rows=64,
    cols=16,
    input_bits=4,
    weight_bits=4,
    dac_bits=4,
    dac_kind="pulse",
    adc_bits=4.0,
    weight_combine="analog",
    weight_encoding="magnitude",
    node_nm=7.0,
    vdd_v=0.8,
    cycle_ns=5.5,
    input_distribution="mean=0.5",
    weight_distribution="mean=0.5",
)


def test_slice_counts_are_ceilings_of_the_layer_over_the_macro_precision() -> None:
    assert slices_needed(8, 4) == 2  # Sinangil: an 8-b weight over two 4-b slots
    assert slices_needed(16, 8) == 2
    assert slices_needed(6, 4) == 2  # 6 b still needs a second slot
    assert slices_needed(4, 4) == 1
    assert slices_needed(2, 4) == 1  # a narrower layer fills one slot


def test_an_8_bit_layer_on_sinangils_4_bit_macro_by_hand() -> None:
    native = CimMacroSpec(**SINANGIL)
    sliced = native.at_precision(8, 8)
    assert (sliced.weight_slots, sliced.input_passes, sliced.weights_per_row) == (2, 2, 8)
    cost = cim_macro_cost(sliced)
    e = cost.energy_per_pass_pj
    g = logic(7.0, 0.8)
    v2 = 0.8**2
    # a pass: 64 rows x (16 slots / 2) = 512 MACs of 8b x 8b, 2 passes of the 4-b DAC = 2 cycles of 5.5 ns
    assert cost.macs_per_pass == 64 * 8 == 512
    assert cost.cycles_per_pass == 2
    assert cost.cycle_ns == pytest.approx(5.5)
    assert cost.pass_ns == pytest.approx(11.0)
    # every slot of every layer weight converts once per input pass: 8 x 2 x 2 = 32 conversions of 4 b at
    # the cycle rate (1 / 5.5 ns), the survey's typical converter at 7 nm
    assert cost.counts["conversions"] == 32
    assert e["adc"] == pytest.approx(32 * typical_adc_energy_pj(4.0, 1e9 / 5.5, 7.0), rel=1e-12)
    # cells (current domain): 64 rows x 64 columns (16 slots x 4 bit columns), C_bl V^2 x input slice 0.5 x
    # weight column 0.5, once per pass (2 passes)
    assert e["cells"] == pytest.approx(64 * 64 * g.sram_bl_cap_ff * v2 * 0.5 * 0.5 * 2 / 1000, rel=1e-12)
    # wordlines: 64 rows, each loaded by 64 cells' C_wl and its driver chain (5/3 of the line, rule 2b of
    # costs/cim/macro.py), 0.5 x 15 = 7.5 pulses per pass, 2 passes
    assert e["row_drivers"] == pytest.approx(
        64 * 64 * g.sram_wl_cap_ff * (5 / 3) * v2 * 7.5 * 2 / 1000, rel=1e-12
    )
    # pulse counters: 64 rows x 4 flip-flops clocked on 15 slots, 2 passes
    assert e["dac"] == pytest.approx(64 * 4 * 15 * g.dff_energy_fj * 2 / 1000, rel=1e-12)
    # binary-weighted capacitors: 16 slots x 15 fF x V^2 x 0.5 x 0.5, 2 passes
    assert e["combine_caps"] == pytest.approx(16 * 15.0 * v2 * 0.5 * 0.5 * 2 / 1000, rel=1e-12)
    # shift-and-add of the two slots: 8 weights x 1 add x 2 conversion rounds, 4 + 4 = 8 bits wide
    # (the high slot's 4-b result shifted by the 4 bits of the low slot)
    per_bit_fj = (g.fa_energy_fj + g.dff_energy_fj) * DIGITAL_ACTIVITY
    assert e["shift_add"] == pytest.approx(8 * 1 * 2 * 8 * per_bit_fj / 1000, rel=1e-12)
    # accumulation of the two passes: 8 weights x 2 rounds, Bi + Bw + log2(64) = 8 + 8 + 6 = 22 bits
    assert e["accumulators"] == pytest.approx(8 * 2 * 22 * per_bit_fj / 1000, rel=1e-12)
    # per 8b x 8b MAC: everything on the macro's side is the 4-b macro's per-MAC energy x 4 (2 slots x 2
    # passes), plus the digital combination
    base = cim_macro_cost(native)
    analog_side = ("row_drivers", "dac", "cells", "combine_caps", "adc")
    for name in analog_side:
        per_mac_sliced = e[name] / cost.macs_per_pass
        per_mac_native = base.energy_per_pass_pj[name] / base.macs_per_pass
        assert per_mac_sliced == pytest.approx(4 * per_mac_native, rel=1e-12)
    digital_fj = (e["shift_add"] + e["accumulators"]) * 1000 / 512
    assert cost.energy_per_mac_fj == pytest.approx(4 * base.energy_per_mac_fj + digital_fj, rel=1e-12)
    # area: the same physical macro, plus the adders the slicing needs (8 shift-add adders of 8 b and 8
    # pass accumulators of 22 b; the 4-b macro converts once per MAC and needs neither)
    assert base.area_mm2["shift_add"] == base.area_mm2["accumulators"] == 0
    for name in ("cells", "row_drivers", "dac", "combine_caps", "adc"):
        assert cost.area_mm2[name] == base.area_mm2[name]
    assert cost.area_mm2["shift_add"] == pytest.approx(8 * add_area_um2(g, 8) * 1e-6, rel=1e-12)
    assert cost.area_mm2["accumulators"] == pytest.approx(8 * add_area_um2(g, 22) * 1e-6, rel=1e-12)


def test_the_mapper_sees_the_sliced_macro() -> None:
    # capacity of the cell level in layer weights, cycles and energy per MAC: what cim() builds for 8 b
    kw = {k: str(v) for k, v in {**SINANGIL, "node_nm": 7, "adc_bits": 4}.items()}
    acc = cim(**kw, layer_weight_bits="8", layer_input_bits="8", sram_bytes="65536")
    native = cim(**kw, sram_bytes="65536")
    assert dict(acc.array.axes) == {"D1": 8, "D2": 64, "M": 1}  # 16 slots / 2 per weight
    assert dict(native.array.axes) == {"D1": 16, "D2": 64, "M": 1}
    cells = acc.memories[-1]
    assert (cells.name, cells.size_bits, cells.width_bits) == ("cells", 8, 8)  # one 8-b weight per instance
    assert native.memories[-1].size_bits == 4
    assert acc.array.cycles_per_mac == 2 and native.array.cycles_per_mac == 1
    spec = acc.array.imc
    assert acc.array.mac_pj == pytest.approx(cim_macro_cost(spec).energy_per_mac_fj / 1000)
    assert acc.array.precision_bits == {"W": 8, "I": 8}
    # the accelerator re-sliced for a layer is the one built for it, and back
    resliced = at_layer_precision(native, 8, 8)
    assert resliced.array == acc.array
    assert resliced.memories[-1] == cells
    assert resliced.clock_ns == acc.clock_ns
    assert at_layer_precision(acc, 4, 4).array.imc == native.array.imc
    assert at_layer_precision(native, 4, 4) is native  # at the macro's precision: unchanged


def test_a_layer_at_or_below_the_macros_precision_is_the_macro_unchanged() -> None:
    native = CimMacroSpec(**SINANGIL)
    assert native.at_precision(4, 4) is native
    assert native.at_precision(2, 3) is native
    assert CimMacroSpec(**SINANGIL, layer_weight_bits=4, layer_input_bits=2) == native
    assert cim_macro_cost(CimMacroSpec(**SINANGIL, layer_weight_bits=3)) is cim_macro_cost(native)


def test_a_row_too_narrow_for_one_sliced_weight_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as err:
        CimMacroSpec(**{**SINANGIL, "cols": 1}, layer_weight_bits=8)
    assert err.value.field == "layer_weight_bits"
    assert "needs 2 weight slots but a row has 1" in err.value.message
    with pytest.raises(SpecError) as err:
        cim(layer_weight_bits="eight")
    assert err.value.field == "layer_weight_bits"


def test_a_partial_pass_of_the_sliced_macro_scales_like_any_other() -> None:
    sliced = CimMacroSpec(**SINANGIL).at_precision(8, 8)
    full = cim_pass_energy_pj(sliced, 64, 8)
    half = cim_pass_energy_pj(sliced, 64, 4)
    assert half["adc"] == pytest.approx(full["adc"] / 2)
    assert half["row_drivers"] == pytest.approx(full["row_drivers"])  # the rows are driven anyway
    with pytest.raises(SpecError):
        cim_pass_energy_pj(sliced, 64, 9)  # 8 layer weights per row


# --- the invariant --------------------------------------------------------------------------------------

_MEANS = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])


@st.composite
def _macro_and_widths(draw: st.DrawFn) -> tuple[dict, int, int]:
    """A macro (random device, cell bits, DAC, ADC sharing, combination) and the slice counts."""
    device, cell_bits = draw(
        st.sampled_from([("sram_6t", 1), ("rram_1t1r_neurosim", 1), ("rram_1t1r_neurosim", 2)])
    )
    combine = draw(st.sampled_from(["digital", "analog_c2c"]))
    weight_bits = draw(st.integers(1, 6))
    input_bits = draw(st.integers(1, 6))
    kw, ki = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    per_row = draw(st.integers(1, 4))
    spec = dict(
        device=device,
        rows=draw(st.sampled_from([16, 64, 128])),
        cols=per_row * kw,
        input_bits=input_bits,
        weight_bits=weight_bits,
        bits_per_cell=cell_bits if device.startswith("rram") else None,
        dac_bits=draw(st.integers(1, input_bits)),
        dac_kind=draw(st.sampled_from(["pulse", "voltage"])),
        adc_bits=draw(st.sampled_from([None, 4.0, 6.0])),
        columns_per_adc=draw(st.sampled_from([1, 4])),
        weight_encoding="offset",
        input_encoding="offset",
        node_nm=22.0,
        vdd_v=0.85,
        read_pulse_ns=10.0,
        input_distribution=f"mean={draw(_MEANS)}",
        weight_distribution=f"mean={draw(_MEANS)}",
    )
    if combine == "analog_c2c" and spec["adc_bits"] is not None:
        spec.update(weight_combine="analog", combine_scheme="c2c_unit", device="sram_6t", bits_per_cell=None)
    return spec, kw, ki


@settings(max_examples=60, deadline=None)
@given(_macro_and_widths())
def test_slicing_never_costs_less_than_the_unsliced_macro_of_the_same_width(case) -> None:
    # an n-bit layer (n = kw x Bw, m = ki x Bi) on a macro of Bw x Bi sliced kw x ki ways, against a
    # macro built for n x m with the same physical row (cols slots of Bw = cols / kw weights of n bits):
    # the slices repeat the macro's slicing (its column rule, its DAC slices, one conversion per slot)
    # and add the digital combination, so per MAC neither energy nor cycles can go down
    fields, kw, ki = case
    macro = CimMacroSpec(**fields)
    sliced = macro.at_precision(kw * macro.weight_bits, ki * macro.input_bits)
    wide = CimMacroSpec(
        **{
            **fields,
            "cols": fields["cols"] // kw,
            "weight_bits": kw * macro.weight_bits,
            "input_bits": ki * macro.input_bits,
        }
    )
    a, b = cim_macro_cost(sliced), cim_macro_cost(wide)
    assert a.macs_per_pass == b.macs_per_pass
    assert a.energy_per_mac_fj >= b.energy_per_mac_fj * (1 - 1e-12)
    assert a.cycles_per_pass * a.cycle_ns >= b.cycles_per_pass * b.cycle_ns * (1 - 1e-12)
    # k = 1 is the identity: the same spec, the same cost
    assert macro.at_precision(macro.weight_bits, macro.input_bits) is macro
    if (kw, ki) == (1, 1):
        assert sliced is macro


def test_binary_weighted_slots_charge_fewer_capacitors_than_one_wide_bank() -> None:
    # the one component slicing makes cheaper (why the invariant above excludes binary_column macros):
    # a slot's bank of 2^4 - 1 = 15 unit capacitors twice is 30 units, one 8-b bank 2^8 - 1 = 255 units
    sliced = CimMacroSpec(**SINANGIL).at_precision(8, 4)
    wide = CimMacroSpec(**{**SINANGIL, "cols": 8, "weight_bits": 8})
    caps_sliced = cim_macro_cost(sliced).energy_per_pass_pj["combine_caps"]
    caps_wide = cim_macro_cost(wide).energy_per_pass_pj["combine_caps"]
    assert caps_sliced / caps_wide == pytest.approx(2 * 15 / 255, rel=1e-12)
    # and yet the sliced macro costs more per MAC: two conversions per weight instead of one
    assert cim_macro_cost(sliced).energy_per_mac_fj > cim_macro_cost(wide).energy_per_mac_fj


# --- the mapper and the model ----------------------------------------------------------------------------


def test_an_8_bit_layer_maps_onto_the_sliced_sinangil_preset_with_the_macro_energy() -> None:
    acc = load_accelerator("cim_sinangil_7nm")
    spec = acc.array.imc
    assert (spec.weight_slots, spec.input_passes, spec.weights_per_row) == (2, 2, 8)
    layer = next(layer for layer in get_network("ds_cnn").layers if layer.name == "pw1")  # C = K = 64, 8 b
    assert {o.role: o.bits for o in layer.operands if o.role in "WI"} == {"W": 8, "I": 8}
    result = carbonloop.evaluate(layer, acc, objective="energy", interlayer=False, budget=2000)
    lay = result.to_dict()["layers"][0]
    parts = lay["compute_breakdown_pj"]
    # 64 x 64 x 125 MACs over full passes of 64 rows x 8 weights: 1000 passes, 2 cycles each
    assert lay["spatial_utilization"] == pytest.approx(1.0)
    passes = layer.macs / (64 * 8)
    assert passes == 1000
    full = cim_pass_energy_pj(spec, 64, 8)
    for name, value in parts.items():
        assert value == pytest.approx(passes * full[name], rel=1e-9)
    assert lay["latency_breakdown_cycles"]["compute"] == 1000 * 2


def test_the_presets_wider_than_the_zoo_are_unchanged_by_the_rule() -> None:
    # every other CiM preset computes at 8 b or more: the slicing rule leaves them as they were
    for name in ("cim_rram_22nm", "cim_sram_22nm", "cim_jia_65nm", "cim_wang_22nm"):
        spec = load_accelerator(name).array.imc
        assert (spec.layer_weight_bits, spec.layer_input_bits) == (None, None)
        assert (spec.weight_slots, spec.input_passes) == (1, 1)
        assert spec.weights_per_row == spec.cols
        assert dataclasses.replace(spec).at_precision(8, 8) == spec
        assert math.isfinite(cim_macro_cost(spec).energy_per_mac_fj)


def test_a_16_bit_layer_on_the_reram_preset_is_its_bits_per_cell_rule_at_16_bits() -> None:
    # cim_rram_22nm: 128 x 128 8-b weights at 2 b/cell (4 columns each, 512 columns), bit-serial 8-b inputs,
    # 5-b ADCs shared by 8 columns, 16 macros. A 16-b layer takes 2 slots = 8 columns per weight, so a row
    # holds 512 / 8 = 64 weights, and 2 passes of 8 input bits = 16 slices, each 8 ADC rounds: 128 cycles
    # per pass (64 for the 8-b macro). A digitally combined slot is one more set of columns: the sliced
    # macro is the bits-per-cell rule at 16 b on the same 512 columns, component for component
    acc = load_accelerator("cim_rram_22nm")
    spec = dataclasses.replace(acc.array.imc, input_distribution="mean=0.5", weight_distribution="mean=0.5")
    sliced = spec.at_precision(16, 16)
    wide = dataclasses.replace(spec, cols=64, weight_bits=16, input_bits=16)
    a, b = cim_macro_cost(sliced), cim_macro_cost(wide)
    assert (sliced.weight_slots, sliced.input_passes, sliced.weights_per_row) == (2, 2, 64)
    assert a.cycles_per_pass == 16 * 8 == 128
    assert cim_macro_cost(spec).cycles_per_pass == 64
    # 64 weights x 8 columns x 16 slices x 16 macros
    assert a.counts["conversions"] == 64 * 8 * 16 * 16 == 131072
    assert a.energy_per_pass_pj == b.energy_per_pass_pj
    assert a.area_mm2 == b.area_mm2
    assert a.weight_write_energy_pj == pytest.approx(2 * cim_macro_cost(spec).weight_write_energy_pj)
    # what the mapper sees: 64 weights per row, a 16-b weight per cell instance, 2x the cycles per MAC
    acc16 = at_layer_precision(acc, 16, 16)
    assert dict(acc16.array.axes) == {"D1": 64, "D2": 128, "M": 16}
    assert acc16.memories[-1].size_bits == 16
    assert acc16.array.cycles_per_mac == 2 * acc.array.cycles_per_mac
    assert acc16.memories[:-1] == acc.memories[:-1]  # DRAM and SRAM as built
