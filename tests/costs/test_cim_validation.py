"""`validate cim`: every shipped published point is compared; the agreement that holds is held here, and
the documented outliers (docs/cim.md, "Where the model misses") are asserted to still be outliers."""

from __future__ import annotations

import dataclasses
import json

import pytest
import typer
from typer.testing import CliRunner

from carbonloop.cli.validate_cim import validate_cim_command
from carbonloop.costs.cim.adc_typical import typical_adc_energy_pj
from carbonloop.costs.cim.macro import cim_macro_cost
from carbonloop.costs.cim.validation import (
    load_published_macros,
    macro_spec,
    model_value,
    summary,
    validate_cim_macros,
)
from carbonloop.errors import SpecError


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(validate_cim_command)
    return app


def _point(macro: str, quantity: str, setting: str) -> float:
    pts = [p for p in validate_cim_macros([macro]) if p.quantity == quantity and p.setting == setting]
    assert pts, (macro, quantity, setting)
    assert len({p.ratio for p in pts}) == 1  # a setting published twice (NeuRRAM one/two-phase) agrees
    return pts[0].ratio


def test_every_published_point_is_compared_once() -> None:
    points = validate_cim_macros()
    shipped = sum(len(m.points) for m in load_published_macros())
    assert len(points) == shipped >= 25
    assert {p.macro for p in points} == {
        "jia_jssc_2020",
        "sinangil_jssc_2021",
        "wang_vlsi_2022",
        "wan_nature_2022",
    }
    for p in points:
        assert p.published > 0 and p.model >= 0


def test_json_output_has_the_documented_schema(tmp_path) -> None:
    result = CliRunner().invoke(_app(), ["--json", "--plot", str(tmp_path / "cim.png")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) == {"points"}
    for p in doc["points"]:
        assert set(p) == {"macro", "quantity", "setting", "published", "model", "ratio"}
        assert p["ratio"] == pytest.approx(p["model"] / p["published"])
    assert (tmp_path / "cim.png").stat().st_size > 0


def test_unknown_macro_and_bad_plot_format_are_spec_errors() -> None:
    with pytest.raises(SpecError, match="jia_jssc_2020"):
        validate_cim_macros(["nope"])
    result = CliRunner().invoke(_app(), ["--plot", "x.gif"])
    assert isinstance(result.exception, SpecError)


def test_throughput_follows_the_slicing_rule() -> None:
    # Jia: 1.35 us per input bit at 0.85 V: 1, 2, 4 input bits = 0.874, 0.437, 0.2185 1b-TOPS (Fig. 10),
    # within 0.1 %; the 8-b point is memory bound on the chip (0.0932 published, 0.1092 model: +17 %)
    for bits, setting in ((1, "vdd_v=0.85"), (2, "input_bits=2"), (4, "input_bits=4")):
        assert _point("jia_jssc_2020", "tops", setting) == pytest.approx(1.0, abs=1e-3), bits
    assert _point("jia_jssc_2020", "tops", "input_bits=8") == pytest.approx(1.17, abs=0.01)


def test_neurram_throughput_follows_its_phases_and_steps() -> None:
    # per phase: 0.27 us x (2^k - 1) integration steps + 0.3 us x ADC bits + 0.3 us, 48 cores of 256 x 128:
    # 2-b inputs (1 magnitude bit, 4-b ADC): 0.27 + 1.2 + 0.3 = 1.77 us -> 2 x 1572864 / 1.77 us = 1.777 TOPS
    assert _point(
        "wan_nature_2022", "tops", "input_bits=2, adc_bits=4, slices_per_conversion=1"
    ) == pytest.approx(2 * 256 * 128 * 48 / 1.77e-6 / 1e12 / 1.7931, rel=1e-9)
    # 8-b inputs, two phases of 4 + 3 magnitude bits, 10-b ADC: (15 + 7) x 0.27 + 2 x (3.0 + 0.3) = 12.54 us
    assert _point(
        "wan_nature_2022", "tops", "input_bits=8, adc_bits=10, slices_per_conversion=4"
    ) == pytest.approx(2 * 256 * 128 * 48 / 12.54e-6 / 1e12 / 0.2639, rel=1e-9)
    wan = [p for p in validate_cim_macros(["wan_nature_2022"]) if p.quantity == "tops"]
    assert len(wan) == 14
    assert all(abs(p.ratio - 1) < 0.10 for p in wan)


def test_supply_scaling_of_throughput() -> None:
    # alpha-power law with one threshold: Sinangil 0.8 -> 1.0 V within 6 %; Jia 0.85 -> 1.2 V is 44 % low
    # (its measured cycle speeds up 2.5x, more than any CMOS delay with a 0.35 V threshold, docs/cim.md)
    assert _point("sinangil_jssc_2021", "tops", "vdd_v=1.0") == pytest.approx(1.056, abs=0.01)
    assert _point("jia_jssc_2020", "tops", "vdd_v=1.2") < 0.6


def test_energy_efficiency_held_per_macro() -> None:
    # NeuRRAM, all 14 published settings (1-8 input bits, one- and two-phase): with its published wordline
    # (rule 2c) and its 256 neurons per core (one conversion per column) the model is 1.63-1.73x too
    # efficient at 1-6 bits in one phase and 0.89-1.20x in two phases at 5-8 bits (1.11-2.32x before): the
    # survey converter grows with the bits, the chip's neuron with its busy time (docs/cim.md)
    wan = [p for p in validate_cim_macros(["wan_nature_2022"]) if p.quantity == "tops_per_w"]
    assert len(wan) == 14
    two_phase = {
        "input_bits=5, adc_bits=7, slices_per_conversion=2",
        "input_bits=6, adc_bits=8, slices_per_conversion=3",
        "input_bits=7, adc_bits=9, slices_per_conversion=3",
        "input_bits=8, adc_bits=10, slices_per_conversion=4",
    }
    assert all(0.88 < p.ratio < 1.21 for p in wan if p.setting in two_phase)
    assert all(1.62 < p.ratio < 1.74 for p in wan if p.setting not in two_phase)
    # Sinangil, Table I: within 2 % at 0.8 V for outputs 6 and 15 (0.986x), 1.25x at output 0 (the fixed
    # per-cycle remainder); at 1.0 V 0.86x (output 15) and 1.07x (output 0), and 0.67x at output 6, whose
    # published 321 TOPS/W breaks the trend of the other five (docs/cim.md: it was 0.85x before rule 2b)
    sin = {
        p.setting: p.ratio for p in validate_cim_macros(["sinangil_jssc_2021"]) if p.quantity == "tops_per_w"
    }
    assert len(sin) == 6
    at_08 = [r for k, r in sin.items() if k.startswith("vdd_v=0.8") and "mean=0," not in k]
    assert all(r == pytest.approx(0.986, abs=0.01) for r in at_08)
    assert all(0.66 < r < 1.26 for r in sin.values())
    # Wang (JSSC'23 measured 16.38 TOPS/W): the typical 22-nm 8-b converter (3.76 pJ against its measured
    # 2.66 pJ) brings it to 1.10x (1.89x with the survey envelope's 0.85 pJ)
    assert _point("wang_vlsi_2022", "tops_per_w", "nominal") == pytest.approx(1.101, abs=0.01)


def test_neurram_components_against_its_published_breakdown() -> None:
    # Fig. 12(b) in fJ per op at each setting = published share x 1000 / published TOPS/W. The wordline
    # (its published capacitances and 0.9 <-> 2.2 V levels, rule 2c) is 0.73-0.91x of the chip's, the
    # input pulses (Ohm's law in the cells + driven input lines) 0.58-0.71x; the shares are all within
    # 17 pp, 7.2 pp on average (10.3 pp before this rule set)
    pts = [p for p in validate_cim_macros(["wan_nature_2022"]) if p.quantity.startswith("energy_share_pct")]
    assert len([p for p in pts if p.quantity.endswith("WL switching")]) == 8
    errors = [p.error for p in pts]
    assert sum(errors) / len(errors) < 0.073
    assert max(errors) < 0.172
    neurram = next(m for m in load_published_macros() if m.name == "wan_nature_2022")
    for bits, published_fj in ((1, 8.990), (4, 21.756), (8, 50.525)):
        adc, k = {1: (3, 1), 4: (6, 3), 8: (10, 4)}[bits]
        cost = cim_macro_cost(
            macro_spec(neurram, {"input_bits": bits, "adc_bits": adc, "slices_per_conversion": k})
        )
        magnitude_bits = max(1, bits - 1)
        # 48 cores x 256 wordlines x (256 x 2.1 + 48) fF x 1.3 V x 2.2 V per magnitude bit
        expected_pj = 48 * 256 * 585.6 * 1.3 * 2.2 * magnitude_bits / 1000
        assert cost.energy_per_pass_pj["wordlines"] == pytest.approx(expected_pj, rel=1e-9)
        per_op_fj = cost.energy_per_pass_pj["wordlines"] * 1000 / (2 * cost.macs_per_pass)
        assert 0.72 < per_op_fj / published_fj < 0.92


def test_documented_outliers_are_still_outliers() -> None:
    # docs/cim.md lists why: the CiM array energy of Jia is not reached by C V^2 of its capacitors and its
    # driven input lines (162 pJ against 2483 pJ per cycle), so even the typical converter (3.16 pJ, 1.77x
    # its measured 1.79 pJ) takes 83-85 % of the energy against 15.6 % published, and the macro is ~3x too
    # efficient.
    jia_share = [p for p in validate_cim_macros(["jia_jssc_2020"]) if p.quantity == "energy_share_pct:ADC"]
    assert all(p.model > 80 for p in jia_share)
    assert _point("jia_jssc_2020", "tops_per_w", "vdd_v=0.85") > 2.5


def test_summary_reports_mean_and_worst_error_per_family() -> None:
    s = summary(validate_cim_macros())
    assert set(s) >= {"tops", "tops_per_w", "area_share_pct"}
    for family in s.values():
        assert 0 <= family["mean_error"] <= family["worst_error"]


def test_sinangil_supply_sweep_and_data_value_sweep() -> None:
    pts = [p for p in validate_cim_macros(["sinangil_jssc_2021"]) if p.quantity == "energy_pj"]
    volt = [p for p in pts if p.setting.startswith("vdd_v=")]
    data = [p for p in pts if not p.setting.startswith("vdd_v=")]
    assert len(volt) == 8 and len(data) == 9
    # Fig. 13(b), output 15 at 0.65-1.0 V: within 4 % at every supply (0.73-0.76x before the wordline
    # drivers' own energy, rule 2b: the "missing fifth" was the read-wordline driver chains)
    assert all(0.95 < p.ratio < 1.03 for p in volt)
    # Fig. 13(a), 0.8 V: outputs 4-15 within 5 %, outputs 1-2 0.87-0.90x, output 0 0.80x: a value-
    # independent 0.67 pJ per cycle is still missing (ADC 1.55 + counters 1.14 = 2.69 of 3.36 pJ measured)
    by_output = [p.ratio for p in data]
    assert by_output[0] == pytest.approx(0.800, abs=0.005)
    assert all(0.86 < r < 0.91 for r in by_output[1:3])
    assert all(0.95 < r < 1.05 for r in by_output[3:])
    models = [p.model for p in data]
    assert models == sorted(models)
    # the measured rise from output 0 to output 15 is 2.32x; the model's is now 2.95x (2.22x before):
    # its data-dependent part is 18 % high (+5.24 pJ against +4.44 measured), its fixed part 20 % short
    assert data[-1].model / data[0].model == pytest.approx(2.95, abs=0.03)
    assert data[-1].model - data[0].model == pytest.approx(5.24, abs=0.05)
    assert data[-1].published / data[0].published == pytest.approx(2.32, abs=0.01)


def test_overall_agreement_is_held() -> None:
    # The agreement reached with the rules of docs/cim.md (no per-macro factor), held so it cannot
    # silently worsen: throughput 6.2 % mean (one point, Jia at 1.2 V, over 25 %); TOPS/W 52.0 % mean,
    # 203 % worst (Jia, whose array energy is missing; 88.3 % / 214 % before rules 2b-2c and NeuRRAM's 256
    # neurons); energy shares 12.2 pp (15.2 before); Sinangil's energies 4.4 % (23.2 % before). The area
    # shares got worse, 23.4 -> 25.7 pp: NeuRRAM's 256 neurons are now 256 survey converters of 7324 um2
    # each against its whole 1270-um2 neuron (docs/cim.md says so), and the bound moved with them. The
    # issue's targets (10 % / 25 %, 10 pp) are not met for TOPS/W and the breakdowns, for the reasons
    # listed point by point in docs/cim.md.
    s = summary(validate_cim_macros())
    assert s["tops"]["mean_error"] < 0.065
    assert s["tops_per_w"]["mean_error"] < 0.53
    assert s["tops_per_w"]["worst_error"] < 2.04
    assert s["energy_share_pct"]["mean_error"] < 0.125
    assert s["area_share_pct"]["mean_error"] < 0.26
    assert s["energy_pj"]["mean_error"] < 0.045
    assert s["energy_pj"]["worst_error"] < 0.201
    over = [p for p in validate_cim_macros() if p.quantity == "tops" and p.error > 0.25]
    assert [(p.macro, p.setting) for p in over] == [("jia_jssc_2020", "vdd_v=1.2")]


def test_adc_energy_per_conversion_is_a_validation_quantity() -> None:
    # Jia at 0.85 V: 256 conversions per 1.35-us cycle, each the typical 8-b, 65-nm converter at 740.7 kHz
    # (3.164 pJ, tests/costs/test_cim_adc_typical.py); the paper's 1.79 pJ (Table I) is 0.57x of it
    jia = next(m for m in load_published_macros() if m.name == "jia_jssc_2020")
    cost = cim_macro_cost(macro_spec(jia))
    assert model_value(cost, "adc_pj_per_conversion", jia) == pytest.approx(
        typical_adc_energy_pj(8, 1 / 1.35e-6, 65), rel=1e-9
    )
    assert model_value(cost, "adc_pj_per_conversion", jia) == pytest.approx(3.164, rel=1e-3)
    no_adc = cim_macro_cost(dataclasses.replace(macro_spec(jia), adc_bits=None))
    with pytest.raises(SpecError, match="no ADC"):
        model_value(no_adc, "adc_pj_per_conversion", jia)
