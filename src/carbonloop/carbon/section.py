"""The carbon block of a result: per-inference carbon in both scenarios, the figures of merit built on it
and the parameter values used, as one typed value (``evaluate --carbon``, ``carbon``, the pipeline).

It sits above ``scenarios`` (the carbon itself) and ``metrics`` (tCDP, CDP, CEP), so neither of those
imports the other's caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbonloop.carbon.metrics import design_metrics
from carbonloop.carbon.parameters import CarbonParameters
from carbonloop.carbon.scenarios import CarbonResult, carbon_per_inference


@dataclass(frozen=True)
class CarbonReport:
    """Carbon per inference of one design and workload, with the parameters (at the chip's node) behind it."""

    result: CarbonResult
    parameters: CarbonParameters
    fps: float | None
    dram_gb: float

    def to_dict(self) -> dict[str, Any]:
        out = self.result.to_dict()
        out["metrics"] = design_metrics(self.result)
        out["parameter_values"] = self.parameters.summary()
        return out


def carbon_report(
    energy_pj: float,
    latency_ns: float,
    area_mm2: float,
    dram_gb: float,
    fps: float | None,
    params: CarbonParameters,
    node_nm: int | None = None,
    idle_power_mw: float = 0.0,
) -> CarbonReport:
    """Carbon of one inference; ``node_nm`` picks the node row of the parameter set (default: the set's);
    ``idle_power_mw`` is the chip's leakage power, charged between frames under PA."""
    res = carbon_per_inference(
        energy_pj=energy_pj,
        latency_ns=latency_ns,
        area_mm2=area_mm2,
        dram_gb=dram_gb,
        fps=fps,
        params=params,
        node_nm=node_nm,
        idle_power_mw=idle_power_mw,
    )
    used = params if node_nm is None else params.at_node(node_nm)
    return CarbonReport(res, used, fps, dram_gb)
