"""Carbon as the mapper's objective: values agree with the carbon model; the carbon optimum is never worse."""

from __future__ import annotations

import pytest

from carbonloop.carbon import carbon_per_inference, load_parameters
from carbonloop.carbon.objectives import PICOGRAM, carbon_objective
from carbonloop.hardware import load_accelerator
from carbonloop.mapper import search_layer, search_network
from carbonloop.workload import conv2d, zoo

PARAMS = load_parameters("carbonspot")
ACC = load_accelerator("os_array_16x16")
DRAM_GB = 0.0  # os_array_16x16's DRAM has no stated capacity


def _carbon(energy_pj: float, cycles: int, fps: float | None):
    return carbon_per_inference(
        energy_pj=energy_pj, latency_ns=cycles * ACC.clock_ns, area_mm2=ACC.area_mm2, dram_gb=DRAM_GB,
        fps=fps, params=PARAMS, node_nm=ACC.node_nm,
    )  # fmt: skip


def test_ca_objective_is_the_ca_carbon_of_the_mapping():
    layer = conv2d("c", K=16, C=8, OY=8, OX=8, FY=3, FX=3, padding=1)
    obj = carbon_objective("carbon_ca", PARAMS, ACC)
    best = search_layer(layer, ACC, obj)
    assert best.value / PICOGRAM == pytest.approx(
        _carbon(best.cost.energy_pj, best.cost.latency_cycles, None).ca_g
    )
    edp = search_layer(layer, ACC, "edp")
    assert _carbon(best.cost.energy_pj, best.cost.latency_cycles, None).ca_g <= _carbon(
        edp.cost.energy_pj, edp.cost.latency_cycles, None
    ).ca_g * (1 + 1e-12)


def test_pa_objective_with_a_met_deadline_is_the_energy_optimum():
    net = zoo.get("autoencoder")
    obj = carbon_objective("carbon_pa", PARAMS, ACC, fps=1.0)
    pa = search_network(net, ACC, obj)
    energy = search_network(net, ACC, "energy")
    assert pa.energy_pj == pytest.approx(energy.energy_pj)
    assert pa.optimal
    # value = a*E + b*period: the PA carbon of that mapping at 1 inference per second
    assert pa.value / PICOGRAM == pytest.approx(_carbon(pa.energy_pj, pa.latency_cycles, 1.0).pa_g, rel=1e-9)


def test_pa_objective_past_the_deadline_charges_latency():
    obj = carbon_objective("carbon_pa", PARAMS, ACC, fps=1e6)  # a 1 us period, 200 cycles at 5 ns
    assert obj.period_cycles == pytest.approx(1e3 / ACC.clock_ns)
    # beyond the period, one more cycle costs b; within it nothing
    assert float(obj.value(0.0, 2 * obj.period_cycles)) == pytest.approx(obj.b * 2 * obj.period_cycles)
    assert float(obj.value(0.0, obj.period_cycles / 2)) == pytest.approx(obj.b * obj.period_cycles)
