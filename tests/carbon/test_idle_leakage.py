"""PA idle leakage: the chip waits for the next frame leaking, times ``idle_power_fraction`` (issue 15, item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carbonloop import evaluate
from carbonloop.carbon import carbon_per_inference, load_parameters
from carbonloop.carbon.parameters import IDLE_POWER_FRACTION_DEFAULT
from carbonloop.cli import run
from carbonloop.errors import SpecError
from carbonloop.hardware.yaml import accelerator_from_dict

ROOT = Path(__file__).resolve().parents[2]
CS = load_parameters("carbonspot")
G_PER_PJ = 301 / 3.6e18  # CarbonSpot's world grid, 301 g/kWh, over 3.6e18 pJ per kWh


def test_pa_charges_idle_power_times_the_wait_for_the_next_frame():
    # 0.5 mW leaking for the 4 ms period (default) minus a 1 ms inference: 0.5 x 3e6 ns = 1.5e6 pJ
    res = carbon_per_inference(energy_pj=2e6, latency_ns=1e6, area_mm2=1.0, params=CS, idle_power_mw=0.5)
    assert CS.idle_power_fraction == IDLE_POWER_FRACTION_DEFAULT == 1.0
    assert res.idle_energy_pj == pytest.approx(1.5e6)
    assert res.breakdown["pa"]["idle_leakage"] == pytest.approx(1.5e6 * G_PER_PJ)
    assert res.breakdown["ca"]["idle_leakage"] == 0.0  # continuously active: never idle
    plain = carbon_per_inference(energy_pj=2e6, latency_ns=1e6, area_mm2=1.0, params=CS)
    assert res.pa_g - plain.pa_g == pytest.approx(1.5e6 * G_PER_PJ, rel=1e-12)
    assert res.ca_g == plain.ca_g
    assert res.embodied_pa_g == pytest.approx(plain.embodied_pa_g, rel=1e-12)  # idle is operational


def test_the_power_gating_fraction_scales_the_idle_term_and_a_missed_deadline_has_none():
    gated = load_parameters("carbonspot", {"idle_power_fraction": 0.1})
    # 0.5 mW x 0.1 x (4e6 - 1e6) ns = 1.5e5 pJ
    res = carbon_per_inference(energy_pj=2e6, latency_ns=1e6, area_mm2=1.0, params=gated, idle_power_mw=0.5)
    assert res.idle_energy_pj == pytest.approx(1.5e5)
    # a 5 ms inference misses the 4 ms frame: no wait, no idle leakage
    late = carbon_per_inference(energy_pj=2e6, latency_ns=5e6, area_mm2=1.0, params=CS, idle_power_mw=0.5)
    assert late.idle_energy_pj == 0.0 and late.breakdown["pa"]["idle_leakage"] == 0.0
    # a frame rate sets the period: 500 fps = 2e6 ns; 0.5 mW x (2e6 - 1e6) ns = 5e5 pJ
    fast = carbon_per_inference(
        energy_pj=2e6, latency_ns=1e6, area_mm2=1.0, params=CS, idle_power_mw=0.5, fps=500
    )
    assert fast.idle_energy_pj == pytest.approx(5e5)


def test_the_pipeline_charges_the_chips_leakage_between_frames():
    spec = yaml.safe_load((ROOT / "src/carbonloop/hardware/presets/two_level.yaml").read_text())
    spec["memories"][1]["leakage_mw"] = 0.25
    acc = accelerator_from_dict(spec)
    mapping = str(ROOT / "examples" / "conv1d_ws.yaml")
    result = evaluate("conv1d:M=32,P=16,R=3", acc, mapping=mapping, carbon="carbonspot", fps=1000)
    carbon = result.carbon.result
    # 1655 cycles at 1 ns (1536 MACs + 119 refill stalls); the period of 1000 fps is 1e6 ns;
    # idle: 0.25 mW (one buffer instance) x 1 x (1e6 - 1655) ns = 249 586.25 pJ
    assert result.latency_ns == 1655.0 and carbon.idle_power_mw == 0.25
    assert carbon.idle_energy_pj == pytest.approx(0.25 * (1e6 - 1655))
    assert result.to_record()["pa_idle_leakage_g"] == pytest.approx(249_586.25 * G_PER_PJ)
    # the inference's own leakage (0.25 mW x 1655 ns = 413.75 pJ) is in its energy, so in "operational"
    assert result.leakage_pj == pytest.approx(413.75)
    assert carbon.breakdown["pa"]["operational"] == pytest.approx(result.energy_pj * G_PER_PJ)
    # CarbonSpot's conventions leave leakage out: no idle power either
    zz = evaluate("conv1d:M=32,P=16,R=3", acc, mapping=mapping, carbon="carbonspot", conventions="carbonspot")
    assert zz.carbon.result.idle_power_mw == 0.0 and zz.carbon.result.breakdown["pa"]["idle_leakage"] == 0.0


@pytest.mark.parametrize("value", [1.5, -0.1, float("nan"), float("inf"), "half"])
def test_bad_power_gating_fractions_are_refused_naming_the_field(value):
    with pytest.raises(SpecError) as info:
        load_parameters("carbonspot", {"idle_power_fraction": value})
    assert info.value.field == "idle_power_fraction"


def test_a_bad_fraction_in_a_file_is_one_line_and_exit_code_2(tmp_path, capsys):
    f = tmp_path / "gated.yaml"
    f.write_text("base: carbonspot\nidle_power_fraction: 2\n")
    code = run(
        ["carbon", "--energy-pj", "1e6", "--latency-ns", "1e5", "--area-mm2", "1", "--parameters", str(f)]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(f"error: {f}: idle_power_fraction: ") and "\n" not in err, err


def test_a_negative_idle_power_is_refused():
    with pytest.raises(SpecError) as info:
        carbon_per_inference(energy_pj=1.0, latency_ns=1.0, area_mm2=1.0, params=CS, idle_power_mw=-1.0)
    assert info.value.field == "idle_power_mw"
