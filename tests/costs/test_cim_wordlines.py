"""Rule 2c of costs/cim/macro.py (published wordline facts) and the readout of differential pairs."""

from __future__ import annotations

import pytest

from carbonloop.costs.cim.macro import CimMacroSpec, cim_macro_cost, wordline_switch_energy_fj
from carbonloop.costs.cim.peripherals import DIGITAL_ACTIVITY, add_energy_fj, logic
from carbonloop.errors import SpecError

# A small NeuRRAM-cell macro (Wan et al., Nature 608:504-512, 2022: 1T1R, 130 nm, 1.8 V): 4 rows x 2
# magnitude-encoded 4-b weights (one 4-b cell each), one input bit at full density
SMALL = dict(
    device="rram_1t1r_neurram", rows=4, cols=2, input_bits=1, weight_bits=4, bits_per_cell=4, dac_bits=1,
    adc_bits=4, weight_encoding="magnitude", node_nm=130, vdd_v=1.8, cycle_ns=1000.0,
    input_distribution="mean=1", weight_distribution="mean=0.5",
)  # fmt: skip
# NeuRRAM's published wordline: 1.5 fF per access gate + 0.6 fF RRAM coupling per cell, a 48-fF driver,
# switched between 0.9 and 2.2 V (Fig. 12(b); capacitances as restated in mit-emze/cimloop @ dcf91a6,
# workspace/models/arch/1_macro/wan_nature_2022/arch.yaml)
NEURRAM_WL = dict(
    wordline_cap_per_cell_ff=2.1, wordline_driver_cap_ff=48.0, wordline_low_v=0.9, wordline_high_v=2.2
)


def test_published_wordline_facts_replace_the_estimates() -> None:
    cost = cim_macro_cost(CimMacroSpec(**SMALL, **NEURRAM_WL))
    # per wordline: (2 cells x 2.1 fF + 48 fF) x (2.2 - 0.9) V x 2.2 V = 52.2 x 2.86 = 149.292 fJ; 4 rows,
    # one enable each
    assert cost.energy_per_pass_pj["wordlines"] == pytest.approx(4 * 52.2 * 1.3 * 2.2 / 1000, rel=1e-12)
    assert cost.energy_per_pass_pj["wordlines"] == pytest.approx(0.597168)


def test_without_published_facts_the_line_is_geometric_and_the_driver_a_fanout_4_chain() -> None:
    spec = CimMacroSpec(**SMALL)
    # gate as wide as the cell side (sqrt(125.74) x 0.13 um = 1.4577 um) at 1 fF/um + 0.2 fF/um of wire
    per_cell = 1.2 * 125.74**0.5 * 0.13
    # rails 0 -> V_dd = 1.8 V: (2 x 1.7493 fF) x 5/3 x 1.8 x 1.8 per wordline
    assert wordline_switch_energy_fj(spec, per_cell, 2) == pytest.approx(2 * per_cell * 5 / 3 * 3.24)
    assert cim_macro_cost(spec).energy_per_pass_pj["wordlines"] == pytest.approx(
        4 * 2 * per_cell * 5 / 3 * 3.24 / 1000, rel=1e-12
    )


def test_neurram_wordline_energy_per_op_from_its_published_capacitances() -> None:
    # 256 wordlines of 256 cells per core, one switching per magnitude bit, 256 x 128 MACs = 65536 ops:
    # 256 x (256 x 2.1 + 48) fF x 1.3 V x 2.2 V / 65536 = 6.542 fJ/op per magnitude bit; the chip's
    # Fig. 12(b) gives 7.2-7.7 fJ/op per bit at 2-7 magnitude bits
    spec = CimMacroSpec(**{**SMALL, "rows": 256, "cols": 256}, **NEURRAM_WL)
    per_op_fj = 256 * wordline_switch_energy_fj(spec, 0.0, 256) / 65536
    assert per_op_fj == pytest.approx(256 * 585.6 * 2.86 / 65536, rel=1e-12)
    assert per_op_fj == pytest.approx(6.542, abs=1e-3)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"wordline_low_v": -0.1}, "wordline_low_v"),
        ({"wordline_low_v": 1.9}, "wordline_low_v"),  # above V_dd (the default high level)
        ({"wordline_high_v": 0.0}, "wordline_high_v"),
        ({"wordline_cap_per_cell_ff": -1.0}, "wordline_cap_per_cell_ff"),
        ({"wordline_driver_cap_ff": float("nan")}, "wordline_driver_cap_ff"),
        ({"pair_readout": "both"}, "pair_readout"),
    ],
)
def test_bad_wordline_and_pair_fields_are_one_line_spec_errors(override: dict, field: str) -> None:
    with pytest.raises(SpecError) as err:
        CimMacroSpec(**{**SMALL, **override})
    assert err.value.field == field


def test_a_pair_read_column_by_column_doubles_the_conversions_and_subtracts_once() -> None:
    # ISAAC cell (Shafiee et al., ISCA 2016) at 32 nm: 64 rows x 16 signed 8-b weights, two-part
    # (differential) encoding at 2 b/cell: 4 columns per device, 8 per weight pair; 8 bit-serial inputs
    base = dict(
        device="rram_1t1r_isaac", rows=64, cols=16, input_bits=8, weight_bits=8, bits_per_cell=2, dac_bits=1,
        adc_bits=8, weight_encoding="two_part", node_nm=32, vdd_v=1.0, cycle_ns=100.0,
        input_distribution="uniform", weight_distribution="gaussian",
    )  # fmt: skip
    diff = cim_macro_cost(CimMacroSpec(**base))
    each = cim_macro_cost(CimMacroSpec(**base, pair_readout="each"))
    assert diff.counts["physical_columns"] == each.counts["physical_columns"] == 128
    # one conversion per column pair (64) or per column (128), per input bit (8)
    assert diff.counts["conversions"] == 64 * 8
    assert each.counts["conversions"] == 128 * 8
    assert each.energy_per_pass_pj["adc"] == pytest.approx(2 * diff.energy_per_pass_pj["adc"], rel=1e-12)
    assert each.area_mm2["adc"] == pytest.approx(2 * diff.area_mm2["adc"], rel=1e-12)
    # digital side per weight and input bit: 4 slice columns -> 3 shift-adds (difference); 2 x 3 shift-adds
    # and 1 subtraction = 7 adds (each), all 8 + 3 x 2 = 14 bits wide
    g = logic(32.0, 1.0)
    per_add_fj = add_energy_fj(g, 14)
    assert per_add_fj == pytest.approx(14 * (g.fa_energy_fj + g.dff_energy_fj) * DIGITAL_ACTIVITY)
    assert diff.energy_per_pass_pj["shift_add"] == pytest.approx(16 * 3 * 8 * per_add_fj / 1000, rel=1e-12)
    assert each.energy_per_pass_pj["shift_add"] == pytest.approx(16 * 7 * 8 * per_add_fj / 1000, rel=1e-12)
    # the array side does not change
    for name in ("wordlines", "row_drivers", "cells"):
        assert each.energy_per_pass_pj[name] == diff.energy_per_pass_pj[name]
