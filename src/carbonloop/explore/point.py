"""One exploration task: build the accelerator, map the workload, keep activations on chip, price the carbon.

:func:`evaluate_point` is a plain top-level function of plain values, so it runs the same in this process,
in a process pool or on a Dask worker, and returns a flat JSON-able record. Any failure (a template that
rejects its parameters, a mapper error) becomes a record with ``status: "error"`` and the message: one bad
point never stops a sweep.
"""

from __future__ import annotations

import functools
import time
import traceback
from typing import Any

from carbonloop.explore.space import CARBON_OBJECTIVES, Point

METRIC_COLUMNS = {
    "energy": "energy_pj",
    "latency": "latency_ns",
    "edp": "edp_pj_ns",
    "carbon_ca": "carbon_ca_ex_package_g",
    "carbon_pa": "carbon_pa_ex_package_g",
}
"""The five scenarios ranked in ``results best`` and the column each one minimizes. Carbon is ranked
without the package, as CarbonSpot ranks designs (the package columns are in every record too)."""


@functools.lru_cache(maxsize=8)
def _parameters(name: str) -> Any:
    from carbonloop.carbon import load_parameters

    return load_parameters(name)


@functools.lru_cache(maxsize=32)
def _network(spec: str) -> Any:
    from carbonloop.workload.load import load_workload

    return load_workload(spec)


def _objective(point: Point, acc: Any, dram_gb: float) -> Any:
    """The mapper objective; ``carbon_ca``/``carbon_pa`` become this chip's carbon objective (with the
    workload's frame rate and the space's DRAM)."""
    kind = point.objective.split(":", 1)[0]
    if kind in CARBON_OBJECTIVES:
        from carbonloop.carbon.objectives import carbon_objective

        params = _parameters(point.parameters)
        return carbon_objective(kind, params, acc, fps=point.workload.fps, dram_gb=dram_gb)
    return point.objective


def base_record(point: Point) -> dict[str, Any]:
    """The identifying columns every record has, finished or failed."""
    from carbonloop import __version__

    d = point.design
    return {
        "key": point.key,
        "design_id": d.design_id,
        "design": d.label,
        "accelerator": d.call,
        "template": d.template,
        "accel_type": d.accel_type,
        **{f"p_{k}": v for k, v in d.params},
        "workload": point.workload.name,
        "workload_spec": point.workload.spec,
        "fps": point.workload.fps,
        "space": point.space,
        "suite_size": point.suite_size,
        "objective": point.objective,
        "parameters": point.parameters,
        "dram_bytes": point.dram_bytes,
        "budget": point.budget,
        "version": __version__,
    }


def evaluate_point(point: Point) -> dict[str, Any]:
    """Evaluate one (design, workload) point; never raises for a bad point (the record says why)."""
    t0 = time.perf_counter()
    rec = base_record(point)
    try:
        rec.update(_evaluate(point))
        rec["status"] = "ok"
        rec["error"] = None
    except Exception as err:  # noqa: BLE001 - recorded, the sweep goes on
        rec["status"] = "error"
        rec["error"] = f"{type(err).__name__}: {err}"
        rec["traceback"] = "".join(traceback.format_exception(err)[-6:])
    rec["seconds"] = time.perf_counter() - t0
    return rec


def _evaluate(point: Point) -> dict[str, Any]:
    from carbonloop.carbon import carbon_per_inference
    from carbonloop.hardware.library import load_accelerator
    from carbonloop.mapper import search_network
    from carbonloop.model.interlayer import keep_activations_on_chip

    acc = load_accelerator(point.design.call)
    network = _network(point.workload.spec)
    dram_gb = point.dram_bytes / 2**30
    params = _parameters(point.parameters)
    result = search_network(network, acc, _objective(point, acc, dram_gb), budget=point.budget)
    slowest = max(result.layers, key=lambda c: c.search.seconds)
    costs, report = keep_activations_on_chip(network, acc, [c.cost for c in result.layers])
    energy = float(sum(c.energy_pj for c in costs))
    cycles = int(sum(c.latency_cycles for c in costs))
    latency_ns = cycles * acc.clock_ns
    area = float(acc.area_mm2)
    macs = int(sum(c.macs for c in costs))
    ops = 2 * macs
    carbon = carbon_per_inference(
        energy_pj=energy,
        latency_ns=latency_ns,
        area_mm2=area,
        dram_gb=dram_gb,
        fps=point.workload.fps,
        params=params,
        node_nm=acc.node_nm,
    )
    out: dict[str, Any] = {
        "accelerator_name": acc.name,
        "node_nm": acc.node_nm,
        "layers": len(costs),
        "macs": macs,
        "ops": ops,
        "energy_pj": energy,
        "energy_before_interlayer_pj": float(result.energy_pj),
        "interlayer_saved_pj": float(report.energy_saved_pj),
        "interlayer_dram_bits_saved": int(report.dram_bits_saved),
        "latency_cycles": cycles,
        "clock_ns": float(acc.clock_ns),
        "latency_ns": float(latency_ns),
        "edp_pj_ns": energy * latency_ns,
        "area_mm2": area,
        "tops": ops / latency_ns / 1e3 if latency_ns > 0 else None,
        "tops_per_w": ops / energy if energy > 0 else None,
        "utilization": macs / (cycles * acc.array.pes) if cycles and acc.array.pes else None,
        "carbon_ca_g": float(carbon.ca_g),
        "carbon_pa_g": float(carbon.pa_g),
        "carbon_ca_ex_package_g": float(carbon.ca_ex_package_g),
        "carbon_pa_ex_package_g": float(carbon.pa_ex_package_g),
        "deadline_met": bool(carbon.deadline_met),
        "period_ns": float(carbon.period_ns),
        "search_seconds": float(result.seconds),
        "slowest_layer": slowest.layer,
        "slowest_layer_seconds": float(slowest.search.seconds),
        "evaluated": int(result.evaluated),
        "optimal": bool(result.optimal),
        "mapper_objective": result.objective,
    }
    out["tops_per_mm2"] = out["tops"] / area if out["tops"] is not None and area > 0 else None
    for scenario, parts in carbon.breakdown.items():
        for comp, value in parts.items():
            out[f"{scenario}_{comp}_g"] = float(value)
    for name, value in acc.area_breakdown_mm2().items():
        out[f"area_{name}_mm2"] = float(value)
    return out
