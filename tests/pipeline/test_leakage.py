"""Leakage in the energy (default conventions), left out under ZigZag's and CarbonSpot's, its breakdown
entries, and the mapper's optimum with it (issue 15, item 6)."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop import evaluate
from carbonloop.hardware.yaml import accelerator_from_dict
from carbonloop.mapper import get_objective, search_layer
from carbonloop.pipeline.leakage import chip_leakage_mw
from carbonloop.workload.builders import conv1d

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mapper"))
from bruteforce import brute_force  # noqa: E402  (the mapper tests' independent brute force)
from test_optimality import array_4x4  # noqa: E402  (the mapper tests' 4x4 array)

ROOT = Path(__file__).resolve().parents[2]
WS = str(ROOT / "examples" / "conv1d_ws.yaml")
LAYER = "conv1d:M=32,P=16,R=3"


def two_level(buffer_leakage_mw: float, clock_ns: float = 2.0):
    """The ``two_level`` course machine (8 b SRAM -> 64 x 8 b buffer -> one MAC) with a leaking buffer."""
    spec = yaml.safe_load((ROOT / "src/carbonloop/hardware/presets/two_level.yaml").read_text())
    spec["clock_ns"] = clock_ns
    spec["memories"][1]["leakage_mw"] = buffer_leakage_mw
    return accelerator_from_dict(spec)


def test_leakage_is_static_power_over_the_run_time_in_the_default_energy():
    acc = two_level(0.25)
    leaky = evaluate(LAYER, acc, mapping=WS)
    tight = evaluate(LAYER, two_level(0.0), mapping=WS)
    cost = leaky.layers[0].cost
    # cycles: 32 x 16 x 3 = 1536 MACs on one MAC, plus refill stalls of the single-buffered buffer:
    # fills of 96 weights + 142 inputs = 238 words x 8 b = 1904 b at 2 write ports x 8 b = 16 b per cycle:
    # ceil(1904 / 16) = 119 cycles -> 1655 cycles.
    assert cost.latency_cycles == 1536 + 119
    # leakage = 0.25 mW x 2 ns per cycle x 1655 cycles x 1 instance = 827.5 pJ (mW x ns = pJ)
    assert leaky.leakage_pj == pytest.approx(827.5)
    assert leaky.leakage_breakdown_pj == {"main_memory": 0.0, "buffer": pytest.approx(827.5)}
    assert leaky.energy_pj - tight.energy_pj == pytest.approx(827.5)
    assert tight.leakage_pj == 0.0


def test_the_json_breakdown_has_a_leakage_entry_and_adds_up_to_the_energy():
    result = evaluate(LAYER, two_level(0.25), mapping=WS)
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["leakage_pj"] == pytest.approx(827.5)
    assert doc["leakage_breakdown_pj"]["buffer"] == pytest.approx(827.5)
    layer = doc["layers"][0]
    parts = layer["energy_breakdown_pj"]
    assert parts["leakage"] == {"buffer": pytest.approx(827.5)} and layer["leakage_pj"] == pytest.approx(
        827.5
    )
    total = parts["compute"] + sum(
        sum(v.values()) for k, v in parts.items() if k != "compute" and isinstance(v, dict)
    )
    assert total == pytest.approx(layer["energy_pj"], rel=1e-12)
    assert result.to_record()["leakage_pj"] == pytest.approx(827.5)


@pytest.mark.parametrize("conventions", ["zigzag", "carbonspot"])
def test_zigzag_and_carbonspot_conventions_leave_leakage_out(conventions):
    result = evaluate(LAYER, two_level(0.25), mapping=WS, conventions=conventions)
    cost = result.layers[0].cost
    # the model still computes the buffer's leakage over ZigZag's latency, but the energy does not count it:
    # the energy is exactly the access and MAC energies
    assert cost.leakage_pj["buffer"] == pytest.approx(0.25 * 2.0 * cost.latency_cycles)
    accesses = sum(sum(v.values()) for k, v in cost.energy_breakdown_pj.items() if k != "compute")
    assert cost.energy_pj == pytest.approx(accesses + cost.energy_breakdown_pj["compute"], rel=1e-12)
    assert result.leakage_pj == 0.0 and result.to_record()["leakage_pj"] == 0.0
    assert result.to_dict()["layers"][0]["energy_breakdown_pj"]["leakage"] == {}
    assert chip_leakage_mw(result.accelerator) == 0.0


@settings(max_examples=25, deadline=None)
@given(
    leak_mw=st.floats(min_value=0.0, max_value=50.0, allow_nan=False),
    clock_ns=st.floats(min_value=0.1, max_value=20.0, allow_nan=False),
)
def test_leakage_adds_power_times_cycles_times_clock_to_a_fixed_mapping(leak_mw, clock_ns):
    """Invariant: for a given mapping, leakage changes nothing but adds leakage_mw x clock_ns x cycles."""
    leaky = evaluate(LAYER, two_level(leak_mw, clock_ns), mapping=WS, interlayer=False)
    tight = evaluate(LAYER, two_level(0.0, clock_ns), mapping=WS, interlayer=False)
    assert leaky.latency_cycles == tight.latency_cycles
    assert leaky.energy_pj - tight.energy_pj == pytest.approx(
        leak_mw * clock_ns * leaky.latency_cycles, abs=1e-9
    )
    assert leaky.leakage_pj >= 0.0


@pytest.mark.parametrize("objective", ["energy", "edp"])
def test_the_mapper_still_finds_the_brute_force_optimum_with_leakage(objective):
    """Leakage makes energy depend on latency; the mapper's bounds stay lower bounds (a non-negative term
    over a latency bound), so its proven optimum is the brute force's."""
    layer = conv1d("c1", M=8, P=6, R=3)
    acc = two_level(5.0, clock_ns=1.0)  # 5 pJ per cycle: ~12x a buffer access, so latency matters
    e, lat, _ = brute_force(layer, acc)
    best = float(get_objective(objective).value(e, lat).min())
    res = search_layer(layer, acc, objective)
    assert res.optimal and res.value == pytest.approx(best, rel=1e-9)
    # every mapping of the mapspace pays exactly 5 mW x 1 ns x its cycles more than without leakage
    e0, _, _ = brute_force(layer, two_level(0.0, clock_ns=1.0))
    assert np.allclose(e - e0, 5.0 * 1.0 * lat, rtol=1e-12)


def test_the_cli_table_prints_the_leakage_entry(tmp_path, capsys):
    from carbonloop.cli import run

    spec = yaml.safe_load((ROOT / "src/carbonloop/hardware/presets/two_level.yaml").read_text())
    spec["clock_ns"], spec["memories"][1]["leakage_mw"] = 2.0, 0.25
    acc = tmp_path / "leaky.yaml"
    acc.write_text(yaml.safe_dump(spec))
    assert run(["evaluate", "-w", LAYER, "-a", str(acc), "--mapping", WS]) == 0
    out = capsys.readouterr().out
    # 827.5 pJ of leakage (0.25 mW x 2 ns x 1655 cycles) in an energy of 9050.6 pJ: 9.143 %
    assert "leakage 827.5 pJ (9.143% of the energy): buffer 827.5" in out
    assert run(["evaluate", "-w", LAYER, "-a", str(acc), "--mapping", WS, "--conventions", "zigzag"]) == 0
    assert "leakage: left out of the energy under the 'zigzag' conventions" in capsys.readouterr().out


def array_4x4_leaky():
    """tests/mapper's ``array_4x4`` (DRAM -> shared buffer -> 16 per-PE registers on a 4x4 array) with the
    buffer (2 mW) and every register (0.5 mW) leaking: 16 register instances leak whether the mapping uses
    them or not."""
    base = array_4x4()
    leak_mw = {"buffer": 2.0, "regs": 0.5}
    return dataclasses.replace(
        base,
        name="array_4x4_leaky",
        memories=tuple(dataclasses.replace(m, leakage_mw=leak_mw.get(m.name, 0.0)) for m in base.memories),
    )


@pytest.mark.parametrize("objective", ["energy", "edp", "weighted:a=1,b=0.5"])
def test_the_mapper_optimum_with_leakage_on_a_spatial_array(objective):
    from carbonloop.workload.builders import conv2d

    layer = conv2d("cv", K=4, C=2, OY=3, OX=1, FY=2)
    acc = array_4x4_leaky()
    e, lat, _ = brute_force(layer, acc)
    # every mapping pays (2 mW x 1 buffer + 0.5 mW x 16 registers) x 1 ns = 10 pJ per cycle
    e0, _, _ = brute_force(
        layer,
        dataclasses.replace(
            acc, memories=tuple(dataclasses.replace(m, leakage_mw=0.0) for m in acc.memories)
        ),
    )
    assert np.allclose(e - e0, 10.0 * lat, rtol=1e-12)
    best = float(get_objective(objective).value(e, lat).min())
    res = search_layer(layer, acc, objective)
    assert res.optimal and res.value == pytest.approx(best, rel=1e-9)
