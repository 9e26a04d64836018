"""MLPerf-Tiny networks on the IMC presets through `carbonloop evaluate` (the mapper searches)."""

from __future__ import annotations

import json

import pytest

from carbonloop.cli import run
from carbonloop.costs.imc import imc_macro_cost, imc_template_spec


@pytest.mark.parametrize("preset, kind", [("dimc_28nm", "dimc"), ("aimc_28nm", "aimc")])
def test_ds_cnn_on_imc_preset_gives_costs_with_a_macro_breakdown(capsys, preset, kind):
    assert run(["evaluate", "-w", "ds_cnn", "-a", preset, "--json", "--no-interlayer"]) == 0
    doc = json.loads(capsys.readouterr().out)
    macro = imc_macro_cost(imc_template_spec(kind, 128))
    # the accelerator runs at the macro's clock; every layer takes whole bit-serial passes
    assert doc["clock_ns"] == pytest.approx(macro.clock_ns)
    for layer in doc["layers"]:
        assert layer["latency_breakdown_cycles"]["compute"] % macro.cycles_per_mac_pass == 0
        parts = layer["compute_breakdown_pj"]
        assert sum(parts.values()) == pytest.approx(layer["energy_breakdown_pj"]["compute"])
        assert layer["accesses"]["cells"]["W"]["fills"] >= 1  # weights are written into the macro
    adc = sum(layer["compute_breakdown_pj"]["adc"] for layer in doc["layers"])
    assert (adc > 0) == (kind == "aimc")  # only the analog macro has ADCs
    assert doc["energy_pj"] == pytest.approx(sum(layer["energy_pj"] for layer in doc["layers"]))
    # the pointwise 64x64 layers fill 64 of 128 rows and columns at best: utilization at most 1/4
    pw = next(layer for layer in doc["layers"] if layer["name"] == "pw1")
    assert 0 < pw["spatial_utilization"] <= 0.25 + 1e-12
