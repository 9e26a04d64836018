"""What the ``carbon_pa`` objective minimizes is what ``carbonloop evaluate`` and ``carbonloop carbon``
report (issue 15, item 6): the PA carbon with the idle leakage between frames, on a leaking chip.

The chip is the ``two_level`` course machine with its buffer leaking 5 mW (a value chosen here), the
period 100 ns (10 MHz frames), above the run time, so the chip waits and leaks between frames.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from carbonloop import evaluate
from carbonloop.carbon import load_parameters
from carbonloop.carbon.objectives import PICOGRAM, carbon_objective
from carbonloop.cli import run
from carbonloop.hardware.yaml import accelerator_from_dict

ROOT = Path(__file__).resolve().parents[2]
WORKLOAD = "conv1d:M=4,P=4,R=2"
FPS = 1e7  # T = 100 ns
LEAK_MW = 5.0


def leaky_spec() -> dict:
    spec = yaml.safe_load((ROOT / "src/carbonloop/hardware/presets/two_level.yaml").read_text())
    spec["memories"][1]["leakage_mw"] = LEAK_MW
    return spec


def test_evaluate_and_carbon_report_the_pa_carbon_the_objective_minimizes(tmp_path, capsys):
    acc_file = tmp_path / "leaky.yaml"
    acc_file.write_text(yaml.safe_dump(leaky_spec()))
    args = ["evaluate", "-w", WORKLOAD, "-a", str(acc_file), "--objective", "carbon_pa", "--fps", "1e7"]
    assert run([*args, "--parameters", "carbonspot", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    c = doc["carbon"]
    energy_pj, latency_ns = c["energy_pj"], c["latency_ns"]
    # the chip leaks 5 mW whenever it waits: 5 mW x (100 ns - t) x idle_power_fraction 1 (pJ = mW x ns)
    assert c["idle_power_mw"] == LEAK_MW and latency_ns < 100.0
    assert c["idle_energy_pj"] == pytest.approx(LEAK_MW * (100.0 - latency_ns), rel=1e-12)
    assert c["breakdown"]["pa"]["idle_leakage"] > 0

    # the objective the mapper minimized, at the reported energy and cycles, is the reported PA carbon
    params = load_parameters("carbonspot")
    acc = accelerator_from_dict(leaky_spec())
    obj = carbon_objective("carbon_pa", params, acc, fps=FPS, idle_power_mw=LEAK_MW)
    cycles = latency_ns / acc.clock_ns
    assert float(obj.value(energy_pj, cycles)) / PICOGRAM == pytest.approx(c["pa_g"], rel=1e-12, abs=0)

    # `carbonloop carbon` on the same energy, latency, area, DRAM and idle power reports the same PA carbon
    dram_gb = acc.dram_bits / 8 / 2**30
    assert run([
        "carbon", "--energy-pj", repr(energy_pj), "--latency-ns", repr(latency_ns),
        "--area-mm2", repr(acc.area_mm2), "--dram-gb", repr(dram_gb), "--fps", "1e7",
        "--idle-power-mw", repr(LEAK_MW), "--parameters", "carbonspot", "--json",
    ]) == 0  # fmt: skip
    alone = json.loads(capsys.readouterr().out)
    assert alone["pa_g"] == pytest.approx(c["pa_g"], rel=1e-12, abs=0)
    assert alone["breakdown"]["pa"]["idle_leakage"] == pytest.approx(
        c["breakdown"]["pa"]["idle_leakage"], rel=1e-12, abs=0
    )

    # and the pipeline's search value (pg) is that PA carbon too
    result = evaluate(WORKLOAD, acc, objective="carbon_pa", carbon=params, fps=FPS)
    assert result.search is not None and result.search.optimal
    assert result.search.value / PICOGRAM == pytest.approx(c["pa_g"], rel=1e-12, abs=0)
