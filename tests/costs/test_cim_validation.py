"""`validate cim`: every shipped published point is compared; the agreement that holds is held here, and
the documented outliers (docs/cim.md, "Where the model misses") are asserted to still be outliers."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from carbonloop.cli.validate_cim import validate_cim_command
from carbonloop.costs.cim.validation import load_published_macros, summary, validate_cim_macros
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
    # per phase: 0.27 us x (2^b - 1) integration steps + 0.3 us x ADC bits + 0.3 us, 48 cores of 256 x 128:
    # 2-b inputs (1 magnitude bit, 4-b ADC): 0.27 + 1.2 + 0.3 = 1.77 us -> 2 x 1572864 / 1.77 us = 1.777 TOPS
    assert _point("wan_nature_2022", "tops", "input_bits=2, adc_bits=4, dac_bits=1") == pytest.approx(
        2 * 256 * 128 * 48 / 1.77e-6 / 1e12 / 1.7931, rel=1e-9
    )
    wan = [p for p in validate_cim_macros(["wan_nature_2022"]) if p.quantity == "tops"]
    assert len(wan) == 14
    assert all(abs(p.ratio - 1) < 0.2 for p in wan)


def test_supply_scaling_of_throughput() -> None:
    # alpha-power law with one threshold: Sinangil 0.8 -> 1.0 V within 6 %; Jia 0.85 -> 1.2 V is 44 % low
    # (its cycle is set by analog settling that speeds up more than logic, docs/cim.md)
    assert _point("sinangil_jssc_2021", "tops", "vdd_v=1.0") == pytest.approx(1.056, abs=0.01)
    assert _point("jia_jssc_2020", "tops", "vdd_v=1.2") < 0.6


def test_energy_efficiency_where_the_physics_agrees() -> None:
    # Sinangil at its full-activity point (output 15): within 7 % at 0.8 and 1.0 V
    hi = "input_distribution=mean=0.968, weight_distribution=mean=0.968"
    assert _point("sinangil_jssc_2021", "tops_per_w", f"vdd_v=0.8, {hi}") == pytest.approx(1.0, abs=0.07)
    assert _point("sinangil_jssc_2021", "tops_per_w", f"vdd_v=1.0, {hi}") == pytest.approx(1.0, abs=0.07)
    # NeuRRAM, all 14 published settings (1-8 input bits, one- and two-phase): TOPS/W within 37 %
    wan = [p for p in validate_cim_macros(["wan_nature_2022"]) if p.quantity == "tops_per_w"]
    assert len(wan) == 14
    assert all(abs(p.ratio - 1) < 0.37 for p in wan)


def test_documented_outliers_are_still_outliers() -> None:
    # docs/cim.md lists why: no fixed per-cycle (control, precharge) energy -> Sinangil at zero data is ~4x
    # too efficient; the ADC survey envelope is 3.6x Jia's measured ADC and the CiM array energy of Jia is
    # not reached by C V^2 of its capacitors -> ADC share 93 % vs 15.6 %.
    zero = "input_distribution=mean=0, weight_distribution=mean=0"
    assert _point("sinangil_jssc_2021", "tops_per_w", f"vdd_v=0.8, {zero}") > 3
    jia_share = [p for p in validate_cim_macros(["jia_jssc_2020"]) if p.quantity == "energy_share_pct:ADC"]
    assert all(p.model > 80 for p in jia_share)


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
    # Fig. 13(b), 0.65-1.0 V at full activity: C V^2 everywhere and (V/V_nom)^2 ADC: within 13 %
    assert all(abs(p.ratio - 1) < 0.13 for p in volt)
    # Fig. 13(a): energy rises with the data value in the model as measured, but the model has no
    # data-independent per-cycle energy: 0.25x at zero data, 0.94x at output 15 (docs/cim.md)
    ratios = [p.ratio for p in data]
    assert ratios == sorted(ratios)
    assert ratios[0] < 0.3 and ratios[-1] > 0.9
    models = [p.model for p in data]
    assert models == sorted(models)
