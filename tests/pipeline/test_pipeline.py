"""``carbonloop.evaluate``: the one pipeline behind the CLI, the interop paths and every exploration point."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import carbonloop
from carbonloop import SpecError, evaluate
from carbonloop.cli import run
from carbonloop.explore import evaluate_point, load_space
from carbonloop.explore.run import select_points
from carbonloop.model.evaluate import evaluate as evaluate_mapping
from carbonloop.model.mapping import load_mapping
from carbonloop.pipeline import LayerResult, Metrics

ROOT = Path(__file__).resolve().parents[2]
WS = str(ROOT / "examples" / "conv1d_ws.yaml")


def test_public_api_is_small_and_curated():
    assert set(carbonloop.__all__) == {
        "SpecError",
        "WorkloadResult",
        "__version__",
        "evaluate",
        "explore",
        "load_accelerator",
        "load_results",
        "load_workload",
    }
    for name in carbonloop.__all__:
        assert getattr(carbonloop, name) is not None


def test_api_and_cli_give_the_same_document_to_the_last_digit(capsys):
    """Search + inter-layer residency + carbon on a 10-layer network: the CLI prints what the API returns."""
    argv = ["evaluate", "-w", "ds_cnn", "-a", "dimc_28nm", "--objective", "edp", "--carbon", "--fps", "10"]
    assert run([*argv, "--json"]) == 0
    cli_doc = json.loads(capsys.readouterr().out)
    api = evaluate("ds_cnn", "dimc_28nm", objective="edp", carbon="carbonspot", fps=10)
    api_doc = json.loads(json.dumps(api.to_dict()))
    for doc in (cli_doc, api_doc):  # search times differ from run to run; everything else must not
        doc["search"].pop("seconds")
        for layer in doc["layers"]:
            layer["search"].pop("seconds")
    assert cli_doc == api_doc
    assert api_doc["interlayer"]["resident"], "DS-CNN's activations fit dimc_28nm's SRAM: some stay on chip"


def test_an_exploration_record_is_the_pipeline_record():
    """The utilization disagreement of old (0.0144 by the model's formula, 0.0018 in the exploration's
    record for DS-CNN on a DIMC design) cannot come back: a point's record is ``WorkloadResult.to_record()``."""
    point = next(
        p
        for p in select_points(load_space("tiny"))
        if p.workload.name == "ds_cnn" and p.design.label == "dimc 32x32 8KiB"
    )
    rec = evaluate_point(point)
    assert rec["status"] == "ok", rec.get("error")
    direct = evaluate(
        "ds_cnn",
        point.design.call,
        objective=point.objective,
        carbon=point.parameters,
        fps=point.workload.fps,
        dram_gb=point.dram_bytes / 2**30,
    ).to_record()
    for column, value in direct.items():
        if column not in ("search_seconds", "slowest_layer_seconds", "slowest_layer"):
            assert rec[column] == value, column
    # the network's utilization is the latency-weighted mean of the layers' (each the model's formula)
    result = evaluate("ds_cnn", point.design.call, objective="edp")
    weighted = sum(r.cost.utilization * r.cost.latency_cycles for r in result.layers) / result.latency_cycles
    assert rec["utilization"] == pytest.approx(weighted, rel=1e-12)


def test_metrics_by_hand():
    """Two layers: 1000 MACs at utilization 0.5 over 100 cycles, 3000 MACs at 1.0 over 300 cycles."""
    base = evaluate("conv1d:M=32,P=16,R=3", "two_level", mapping=WS).layers[0].cost
    a = dataclasses.replace(base, layer="a", macs=1000, latency_cycles=100, utilization=0.5)
    b = dataclasses.replace(base, layer="b", macs=3000, latency_cycles=300, utilization=1.0)
    energy_pj, latency_ns, area_mm2 = 8000.0, 400.0, 2.0  # 400 cycles at 1 ns
    m = Metrics.of((LayerResult(a), LayerResult(b)), energy_pj, latency_ns, area_mm2)
    assert m.ops == 8000  # 2 x (1000 + 3000)
    assert m.tops == pytest.approx(8000 / 400 / 1e3)  # 20 ops/ns = 20 GOP/s = 0.02 TOP/s
    assert m.tops_per_w == pytest.approx(1.0)  # 8000 ops / 8000 pJ = 1 op/pJ = 1 TOP/s/W
    assert m.tops_per_mm2 == pytest.approx(0.01)
    assert m.edp_pj_ns == pytest.approx(3.2e6)
    assert m.utilization == pytest.approx((0.5 * 100 + 1.0 * 300) / 400)  # 0.875, busy PE-cycles share


def test_given_mapping_has_no_search_record_and_matches_the_model():
    result = evaluate("conv1d:M=32,P=16,R=3", "two_level", mapping=WS)
    assert result.search is None and result.optimal is None and result.interlayer is None
    assert result.layers[0].search is None
    layer = carbonloop.load_workload("conv1d:M=32,P=16,R=3").layers[0]
    direct = evaluate_mapping(layer, carbonloop.load_accelerator("two_level"), load_mapping(WS))
    assert result.layers[0].cost == direct


def test_unproven_search_prints_its_gap_on_stderr_and_keeps_it_in_json(capsys):
    argv = ["evaluate", "-w", "resnet8", "-a", "tpu_like", "--budget", "3", "--json", "--no-interlayer"]
    assert run(argv) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    unproven = [lay for lay in doc["layers"] if not lay["search"]["optimal"]]
    assert unproven, "3 mappings per layer cannot prove ResNet8's layers optimal"
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning: layer ")]
    assert len(warnings) == len(unproven)
    first = unproven[0]
    assert (
        f"warning: layer {first['name']}: mapping not proven optimal, up to {first['search']['gap']:.1%}"
        in (warnings[0])
    )
    assert all(0 < lay["search"]["gap"] <= 1 for lay in unproven)


def test_a_carbon_objective_carries_its_carbon_block():
    result = evaluate("conv1d:M=32,P=16,R=3", "two_level", objective="carbon_ca")
    assert result.carbon is not None and result.carbon.parameters.name == "carbonspot"
    assert result.to_record()["carbon_ca_g"] == pytest.approx(float(result.carbon.result.ca_g))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"budget": 0}, "budget"),
        ({"budget": True}, "budget"),
        ({"conventions": "nosuch"}, "conventions"),
        ({"objective": "nosuch"}, "objective"),
    ],
)
def test_bad_arguments_are_one_spec_error(kwargs, field):
    with pytest.raises(SpecError) as err:
        evaluate("conv1d:M=32,P=16,R=3", "two_level", **kwargs)
    assert err.value.field == field


def test_conventions_travel_on_the_accelerator_into_model_and_mapper():
    """``conventions="timeloop"`` scores the given mapping, and the searched one, under Timeloop's rules."""
    from carbonloop.model.conventions import TIMELOOP

    layer = carbonloop.load_workload("conv1d:M=32,P=16,R=3").layers[0]
    acc = carbonloop.load_accelerator("two_level")
    given = evaluate(layer, acc, mapping=WS, conventions="timeloop")
    assert given.conventions == "timeloop" and given.accelerator.conventions == TIMELOOP
    timeloop_acc = dataclasses.replace(acc, conventions=TIMELOOP)
    assert given.layers[0].cost == evaluate_mapping(layer, timeloop_acc, load_mapping(WS))
    exact = evaluate(layer, acc, mapping=WS)
    assert exact.conventions == "carbonloop" and exact.layers[0].cost != given.layers[0].cost
    searched = evaluate(layer, acc, objective="energy", conventions="timeloop")
    assert searched.optimal
    chosen = searched.layers[0].cost
    assert chosen == evaluate_mapping(layer, timeloop_acc, chosen.mapping)
    assert chosen.energy_pj <= given.energy_pj  # the optimum is no worse than the WS nest, same rules
