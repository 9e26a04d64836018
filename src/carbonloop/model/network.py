"""Costs of a whole network: one LayerCost per layer, totals and the document the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.evaluate import LayerCost


@dataclass(frozen=True)
class NetworkCost:
    """Per-layer costs of a network on an accelerator; layers run one after another."""

    workload: str
    accelerator: Accelerator
    layers: tuple[LayerCost, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def energy_pj(self) -> float:
        return sum(c.energy_pj for c in self.layers)

    @property
    def latency_cycles(self) -> int:
        return sum(c.latency_cycles for c in self.layers)

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.accelerator.clock_ns

    @property
    def macs(self) -> int:
        return sum(c.macs for c in self.layers)

    @property
    def area_mm2(self) -> float:
        return self.accelerator.area_mm2

    def to_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "accelerator": self.accelerator.name,
            "energy_pj": self.energy_pj,
            "latency_cycles": self.latency_cycles,
            "latency_ns": self.latency_ns,
            "clock_ns": self.accelerator.clock_ns,
            "area_mm2": self.area_mm2,
            "macs": self.macs,
            "layers": [c.to_dict() for c in self.layers],
            **self.extra,
        }
