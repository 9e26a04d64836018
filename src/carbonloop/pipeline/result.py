"""What one evaluation returns: :class:`WorkloadResult`, per-layer results, figures of merit, search records.

Every number a user reads (the CLI's table and ``--json``, an exploration record, the report) is a field or
a property here, defined once: ``to_dict()`` is the ``evaluate --json`` document and ``to_record()`` the
flat row an exploration stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbonloop.carbon.section import CarbonReport
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.level_order import physical_level
from carbonloop.model.evaluate import LayerCost
from carbonloop.model.interlayer import InterLayerReport
from carbonloop.pipeline.leakage import counted_leakage_pj


@dataclass(frozen=True)
class SearchRecord:
    """How a layer's mapping was found: mappings scored, time, and how far it is proven from the optimum."""

    evaluated: int
    seconds: float
    optimal: bool
    gap: float
    """(value - proven lower bound) / value; 0 when the mapping is proven optimal."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluated": self.evaluated,
            "seconds": self.seconds,
            "optimal": self.optimal,
            "gap": self.gap,
        }


@dataclass(frozen=True)
class NetworkSearch:
    """The mapper's run over the whole workload (absent when the mappings were given)."""

    objective: str
    evaluated: int
    seconds: float
    optimal: bool
    value: float
    """The objective's value for the whole workload (before inter-layer residency)."""

    def to_dict(self) -> dict[str, Any]:
        return {"evaluated": self.evaluated, "seconds": self.seconds, "optimal": self.optimal}


@dataclass(frozen=True)
class LayerResult:
    """One layer's cost under its mapping, and the search that chose the mapping (None when given)."""

    cost: LayerCost
    search: SearchRecord | None = None

    @property
    def name(self) -> str:
        return self.cost.layer

    def to_dict(self, leakage_pj: dict[str, float] | None = None) -> dict[str, Any]:
        """The layer's JSON; ``leakage_pj`` (per level, the part of the energy that is leakage) becomes the
        ``leakage`` entry of its energy breakdown and its ``leakage_pj`` total, so the breakdown adds up."""
        out = self.cost.to_dict()
        if leakage_pj is not None:
            out["energy_breakdown_pj"] = {**out["energy_breakdown_pj"], "leakage": dict(leakage_pj)}
            out["leakage_pj"] = float(sum(leakage_pj.values()))
        if self.search is not None:
            out["search"] = self.search.to_dict()
        return out


@dataclass(frozen=True)
class Metrics:
    """Figures of merit of a workload run, each defined once here.

    - ``ops`` = 2 x MACs (a multiply and an add);
    - ``tops`` = ops / latency: ops per ns / 1e3 is 1e12 ops per second;
    - ``tops_per_w`` = ops / energy: ops per pJ is 1e12 ops per joule, i.e. TOP/s per W;
    - ``utilization`` = busy PE-cycles / (PEs x cycles), the latency-weighted mean of the layers'
      utilizations (each layer's is the model's: iterations x cycles per MAC / (PEs x its cycles)).
    """

    macs: int
    ops: int
    edp_pj_ns: float
    tops: float | None
    tops_per_w: float | None
    tops_per_mm2: float | None
    utilization: float | None

    @classmethod
    def of(
        cls, layers: tuple[LayerResult, ...], energy_pj: float, latency_ns: float, area_mm2: float
    ) -> Metrics:
        macs = sum(r.cost.macs for r in layers)
        ops = 2 * macs
        cycles = sum(r.cost.latency_cycles for r in layers)
        tops = ops / latency_ns / 1e3 if latency_ns > 0 else None
        busy = sum(r.cost.utilization * r.cost.latency_cycles for r in layers)
        return cls(
            macs=macs,
            ops=ops,
            edp_pj_ns=energy_pj * latency_ns,
            tops=tops,
            tops_per_w=ops / energy_pj if energy_pj > 0 else None,
            tops_per_mm2=tops / area_mm2 if tops is not None and area_mm2 > 0 else None,
            utilization=busy / cycles if cycles > 0 else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "macs": self.macs,
            "ops": self.ops,
            "edp_pj_ns": self.edp_pj_ns,
            "tops": self.tops,
            "tops_per_w": self.tops_per_w,
            "tops_per_mm2": self.tops_per_mm2,
            "utilization": self.utilization,
        }


@dataclass(frozen=True)
class InterLayer:
    """Activations kept on chip between layers: which outputs stayed, and what that saved."""

    report: InterLayerReport
    energy_before_pj: float
    """The workload's energy with every activation going through DRAM (layers costed alone)."""

    def to_dict(self) -> dict[str, Any]:
        return self.report.to_dict()


@dataclass(frozen=True)
class WorkloadResult:
    """The cost of a workload on an accelerator: per-layer results, totals, metrics, carbon, search."""

    workload: str
    accelerator: Accelerator
    conventions: str
    layers: tuple[LayerResult, ...]
    interlayer: InterLayer | None = None
    search: NetworkSearch | None = None
    carbon: CarbonReport | None = None
    not_costed: tuple[str, ...] = ()
    """Layers of the workload the conventions leave uncosted on this accelerator (ZigZag's additions and
    poolings on an IMC array: :func:`carbonloop.pipeline.inputs.layers_costed`); not in ``layers``."""

    @property
    def energy_pj(self) -> float:
        return float(sum(r.cost.energy_pj for r in self.layers))

    @property
    def latency_cycles(self) -> int:
        return int(sum(r.cost.latency_cycles for r in self.layers))

    @property
    def leakage_breakdown_pj(self) -> dict[str, float]:
        """Leakage per memory level summed over the layers: the part of ``energy_pj`` that is static power
        over the run time (every level is listed; all 0 under conventions that leave leakage out)."""
        names = self.accelerator.level_names
        out = dict.fromkeys(names, 0.0)
        for r in self.layers:
            # a layer scored on its own order of levels names a split memory's virtual levels
            for level, pj in counted_leakage_pj(r.cost, self.accelerator).items():
                key = physical_level(level, names)
                out[key] = out.get(key, 0.0) + pj
        return out

    @property
    def leakage_pj(self) -> float:
        """The workload's leakage energy, included in ``energy_pj``."""
        return float(sum(self.leakage_breakdown_pj.values()))

    @property
    def clock_ns(self) -> float:
        return float(self.accelerator.clock_ns)

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.clock_ns

    @property
    def area_mm2(self) -> float:
        return float(self.accelerator.area_mm2)

    @property
    def macs(self) -> int:
        return int(sum(r.cost.macs for r in self.layers))

    @property
    def metrics(self) -> Metrics:
        return Metrics.of(self.layers, self.energy_pj, self.latency_ns, self.area_mm2)

    @property
    def costs(self) -> tuple[LayerCost, ...]:
        return tuple(r.cost for r in self.layers)

    @property
    def optimal(self) -> bool | None:
        """Whether every mapping is proven optimal (None when the mappings were given, not searched)."""
        return None if self.search is None else self.search.optimal

    def unproven(self) -> list[tuple[str, SearchRecord]]:
        """The layers whose mapping is not proven optimal, with their search records (gap to the bound)."""
        return [(r.name, r.search) for r in self.layers if r.search is not None and not r.search.optimal]

    def to_dict(self) -> dict[str, Any]:
        """The ``carbonloop evaluate --json`` document."""
        out: dict[str, Any] = {
            "workload": self.workload,
            "accelerator": self.accelerator.name,
            "conventions": self.conventions,
            "energy_pj": self.energy_pj,
            "leakage_pj": self.leakage_pj,
            "leakage_breakdown_pj": self.leakage_breakdown_pj,
            "latency_cycles": self.latency_cycles,
            "latency_ns": self.latency_ns,
            "clock_ns": self.clock_ns,
            "area_mm2": self.area_mm2,
            "macs": self.macs,
            "metrics": self.metrics.to_dict(),
            "layers": [r.to_dict(counted_leakage_pj(r.cost, self.accelerator)) for r in self.layers],
        }
        if self.not_costed:
            out["not_costed"] = list(self.not_costed)
        if self.search is not None:
            out["objective"] = self.search.objective
            out["search"] = self.search.to_dict()
        if self.interlayer is not None:
            out["interlayer"] = self.interlayer.to_dict()
        if self.carbon is not None:
            out["carbon"] = self.carbon.to_dict()
        return out

    def to_record(self) -> dict[str, Any]:
        """The flat row an exploration stores for this result (the columns of ``results export``)."""
        acc = self.accelerator
        m = self.metrics
        energy = self.energy_pj
        rec: dict[str, Any] = {
            "accelerator_name": acc.name,
            "node_nm": acc.node_nm,
            "conventions": self.conventions,
            "layers": len(self.layers),
            "macs": m.macs,
            "ops": m.ops,
            "energy_pj": energy,
            "leakage_pj": self.leakage_pj,
            "energy_before_interlayer_pj": self.interlayer.energy_before_pj if self.interlayer else energy,
            "interlayer_saved_pj": float(self.interlayer.report.energy_saved_pj) if self.interlayer else 0.0,
            "interlayer_dram_bits_saved": int(self.interlayer.report.dram_bits_saved)
            if self.interlayer
            else 0,
            "latency_cycles": self.latency_cycles,
            "clock_ns": self.clock_ns,
            "latency_ns": self.latency_ns,
            "edp_pj_ns": m.edp_pj_ns,
            "area_mm2": self.area_mm2,
            "tops": m.tops,
            "tops_per_w": m.tops_per_w,
            "tops_per_mm2": m.tops_per_mm2,
            "utilization": m.utilization,
        }
        if self.carbon is not None:
            c = self.carbon.result
            rec.update(
                carbon_ca_g=float(c.ca_g),
                carbon_pa_g=float(c.pa_g),
                carbon_ca_ex_package_g=float(c.ca_ex_package_g),
                carbon_pa_ex_package_g=float(c.pa_ex_package_g),
                deadline_met=bool(c.deadline_met),
                period_ns=float(c.period_ns),
            )
        if self.search is not None:
            searched = [r for r in self.layers if r.search is not None]
            slowest = max(searched, key=lambda r: r.search.seconds if r.search else 0.0)
            rec.update(
                search_seconds=self.search.seconds,
                slowest_layer=slowest.name,
                slowest_layer_seconds=slowest.search.seconds if slowest.search else 0.0,
                evaluated=self.search.evaluated,
                optimal=self.search.optimal,
                mapper_objective=self.search.objective,
            )
        if self.carbon is not None:
            for scenario, parts in self.carbon.result.breakdown.items():
                for comp, value in parts.items():
                    rec[f"{scenario}_{comp}_g"] = float(value)
        for name, value in acc.area_breakdown_mm2().items():
            rec[f"area_{name}_mm2"] = float(value)
        return rec
