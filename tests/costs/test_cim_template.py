"""The cim(...) template, the CiM presets, and one layer mapped on a ReRAM and an SRAM CiM accelerator."""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources

import pytest

import carbonloop
from carbonloop.costs.cim.macro import cim_macro_cost, cim_pass_energy_pj
from carbonloop.errors import SpecError
from carbonloop.hardware.cim import cim
from carbonloop.hardware.library import parse_call
from carbonloop.specio import load_yaml
from carbonloop.workload.zoo import get as get_network

PRESETS = ("cim_rram_22nm", "cim_sram_22nm", "cim_jia_65nm", "cim_sinangil_7nm", "cim_wang_22nm")


def _preset_call(name: str) -> str:
    ref = resources.files("carbonloop.hardware") / "presets" / f"{name}.yaml"
    with resources.as_file(ref) as path:
        return str(load_yaml(path)["template"])


@pytest.mark.parametrize("name", PRESETS)
def test_every_cim_preset_builds_from_its_template_call(name: str) -> None:
    call_name, kwargs = parse_call(_preset_call(name))
    assert call_name == "cim"
    acc = cim(**kwargs)
    spec = acc.array.imc
    cost = cim_macro_cost(spec)
    assert acc.clock_ns == pytest.approx(cost.cycle_ns)
    assert acc.array.cycles_per_mac == cost.cycles_per_pass
    assert acc.array.extra_area_mm2 == pytest.approx(cost.total_area_mm2)
    # the wordline axis holds layer weights: every slot (cols) unless the preset runs a wider layer
    # sliced (cim_sinangil_7nm: 16 4-b slots hold 8 8-b weights; the slicing rule, tests/costs/test_cim_slicing.py)
    assert dict(acc.array.axes) == {"D1": spec.cols // spec.weight_slots, "D2": spec.rows, "M": spec.macros}


def test_template_arguments_arrive_as_text_and_are_converted() -> None:
    acc = cim(device="rram_1t1r_neurram", rows="64", cols="32", node_nm="22", vdd_v="0.8", adc_bits="none")
    spec = acc.array.imc
    assert (spec.rows, spec.cols, spec.vdd_v, spec.adc_bits) == (64, 32, 0.8, None)
    # the cells level programs a weight at the cell model's energy (ReRAM: T_set V_set^2 G per column)
    assert acc.memories[-1].write_pj == pytest.approx(cim_macro_cost(spec).weight_write_energy_pj)
    assert acc.memories[-1].write_pj > 0


def test_adc_estimate_reaches_the_spec() -> None:
    # the survey's typical converter by default; the envelope on request: at 22 nm, 5 b, the envelope's
    # node term makes its converter cheaper than the typical one
    typical = cim(adc_bits="5", node_nm="22").array.imc
    envelope = cim(adc_bits="5", node_nm="22", adc_estimate="envelope").array.imc
    assert (typical.adc_estimate, envelope.adc_estimate) == ("typical", "envelope")
    e_typ = cim_macro_cost(typical).energy_per_pass_pj["adc"]
    e_env = cim_macro_cost(envelope).energy_per_pass_pj["adc"]
    assert e_env < e_typ


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"device": "nope"}, "device"),
        ({"rows": "many"}, "rows"),
        ({"vdd_v": "-1"}, "vdd_v"),
        ({"zero_gating": "maybe"}, "zero_gating"),
        ({"sram_bytes": "16"}, "sram_bytes"),
        ({"adc_estimate": "median"}, "adc_estimate"),
    ],
)
def test_bad_template_arguments_are_spec_errors(kwargs: dict, field: str) -> None:
    with pytest.raises(SpecError) as err:
        cim(**kwargs)
    assert err.value.field == field


@lru_cache(maxsize=256)
@pytest.mark.parametrize("device", ["rram_1t1r_neurosim", "sram_6t"])
def test_a_layer_maps_onto_a_cim_accelerator_with_the_macro_energy(device: str) -> None:
    acc = cim(device=device, rows=64, cols=32, macros=2, adc_bits=5, node_nm=22, sram_bytes=65536)
    net = get_network("ds_cnn")
    layer = next(layer for layer in net.layers if layer.name == "pw1")  # 1x1 conv, C = K = 64
    result = carbonloop.evaluate(layer, acc, objective="energy", interlayer=False, budget=2000)
    doc = result.to_dict()
    lay = doc["layers"][0]
    parts = lay["compute_breakdown_pj"]
    assert sum(parts.values()) == pytest.approx(lay["energy_breakdown_pj"]["compute"])
    # pw1 (K = C = 64, 25x5 outputs) fills the 64 rows, 32 columns and 2 macros exactly (best energy):
    # 64 x 64 x 125 MACs / (64 x 32 x 2) = 125 full passes, each 8 bit-serial cycles, each costing the
    # macro model's full-pass energy, component by component
    spec = acc.array.imc
    assert lay["spatial_utilization"] == pytest.approx(1.0)
    passes = layer.macs / (spec.rows * spec.cols * spec.macros)
    assert passes == 125
    full = cim_pass_energy_pj(spec, spec.rows, spec.cols)
    for name, value in parts.items():
        assert value == pytest.approx(passes * full[name], rel=1e-9)
    assert lay["latency_breakdown_cycles"]["compute"] == 125 * cim_macro_cost(spec).cycles_per_pass


def test_reram_rows_are_programmed_one_set_pulse_each() -> None:
    # NeuroSim RRAM cell: 50 ns SET pulse; 10 ns read pulse + 5-b SAR at 64 rows -> cycle c ns;
    # a 64-row macro reloads in 64 x ceil(50 / c) cycles: write bandwidth 8 b / 64 / ceil(50 / c) per cycle
    acc = cim(device="rram_1t1r_neurosim", rows=64, cols=32, adc_bits=5, read_pulse_ns=10, sram_bytes=65536)
    cycles = math.ceil(50 / acc.clock_ns)
    assert cycles > 1
    assert acc.memories[-1].write_bw_bits == pytest.approx(8 / 64 / cycles)
    sram = cim(device="sram_6t", rows=64, cols=32, adc_bits=5, sram_bytes=65536)
    assert sram.memories[-1].write_bw_bits == pytest.approx(8 / 64)


def test_phase_and_c2c_arguments_reach_the_spec() -> None:
    acc = cim(
        device="rram_1t1r_neurram",
        rows="256",
        cols="128",
        input_bits="8",
        weight_bits="4",
        bits_per_cell="4",
        input_accumulation="analog",
        slices_per_conversion="4",
        node_nm="65",  # the buffer model's node table stops at 65 nm (NeuRRAM's 130 nm is outside it)
        vdd_v="1.2",
        input_distribution="uniform_signed",
    )
    spec = acc.array.imc
    assert spec.slices_per_conversion == 4
    # 7 magnitude bits in phases of 4 + 3: two conversions per pass
    assert cim_macro_cost(spec).cycles_per_pass == 2
    call_name, kwargs = parse_call(_preset_call("cim_wang_22nm"))
    wang = cim(**kwargs).array.imc
    assert (wang.combine_scheme, wang.combine_unit_cap_ff) == ("c2c_unit", 2.0)
    with pytest.raises(SpecError) as err:
        cim(slices_per_conversion="2")  # needs input_accumulation=analog
    assert err.value.field == "slices_per_conversion"
