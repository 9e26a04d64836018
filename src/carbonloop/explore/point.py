"""One exploration task: one call of the pipeline (``carbonloop.evaluate``) and its flat record.

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

from carbonloop.explore.space import Point

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
        "conventions": point.conventions,
        "version": __version__,
        "model_fingerprint": point.model_fingerprint,
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
    from carbonloop.pipeline import evaluate

    result = evaluate(
        _network(point.workload.spec),
        point.design.call,
        objective=point.objective,
        carbon=_parameters(point.parameters),
        fps=point.workload.fps,
        dram_gb=point.dram_bytes / 2**30,
        budget=point.budget,
        conventions=point.conventions,
    )
    return result.to_record()
