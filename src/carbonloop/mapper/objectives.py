"""What the mapper minimizes: a function of a mapping's energy (pJ) and latency (cycles).

Every objective here is monotone (non-decreasing) in both energy and latency, which is what makes the
search's lower bounds valid: a lower bound on energy and one on latency give a lower bound on the
objective. Two families:

- ``weighted``: ``a * energy_pj + b * latency_cycles`` with ``a, b >= 0`` (``energy`` is a=1, b=0;
  ``latency`` is a=0, b=1). It decomposes over the layers of a network.
- ``edp``: ``energy_pj * latency_cycles``. Over a network it is (total energy) x (total latency), which
  does not decompose per layer (see :mod:`carbonloop.mapper.network`).
- ``deadline``: ``a * energy_pj + b * max(period_cycles, latency_cycles)``: carbon under a frame-rate
  deadline (periodically active use), where only latency beyond the period costs. It does not decompose
  either: the network's total latency meets the deadline or not.

New named objectives are one line: ``register_weighted("carbon_ca", a=..., b=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from carbonloop.errors import SpecError
from carbonloop.specio import finite_number


@dataclass(frozen=True)
class Objective:
    """``weighted`` -> ``a*E + b*L``; ``edp`` -> ``E*L``; ``deadline`` -> ``a*E + b*max(period, L)``."""

    name: str
    kind: Literal["weighted", "edp", "deadline"] = "weighted"
    a: float = 1.0
    b: float = 0.0
    period_cycles: float = 0.0

    def value(self, energy_pj: np.ndarray | float, latency_cycles: np.ndarray | float) -> np.ndarray:
        e = np.asarray(energy_pj, dtype=float)
        lat = np.asarray(latency_cycles, dtype=float)
        if self.kind == "edp":
            return e * lat
        if self.kind == "deadline":
            return self.a * e + self.b * np.maximum(self.period_cycles, lat)
        return self.a * e + self.b * lat

    @property
    def decomposes(self) -> bool:
        """True when the network value is the sum of the layers' values."""
        return self.kind == "weighted"


_REGISTRY: dict[str, Callable[[dict[str, float]], Objective]] = {}


def register(name: str, factory: Callable[[dict[str, float]], Objective]) -> None:
    """Register a named objective; ``factory`` receives the ``key=value`` parameters of the spec."""
    _REGISTRY[name] = factory


def register_weighted(name: str, *, a: float, b: float) -> None:
    """One-line registration of ``a * energy_pj + b * latency_cycles`` under ``name``."""
    if a < 0 or b < 0:
        raise SpecError("<objective>", name, f"weights must be >= 0 (got a={a}, b={b})")
    register(name, lambda _params: Objective(name, "weighted", float(a), float(b)))


def _weighted(params: dict[str, float]) -> Objective:
    unknown = set(params) - {"a", "b"}
    if unknown:
        raise SpecError("<objective>", "weighted", f"unknown parameters {sorted(unknown)} (use a=..., b=...)")
    # finite: a NaN or infinite weight would rank every mapping equal (or as NaN) and hide it
    a = finite_number(params.get("a", 1.0), "<objective>", "weighted.a", low=0.0)
    b = finite_number(params.get("b", 0.0), "<objective>", "weighted.b", low=0.0)
    if a < 0 or b < 0 or (a == 0 and b == 0):
        raise SpecError("<objective>", "weighted", f"need a, b >= 0, not both 0 (got a={a}, b={b})")
    return Objective(f"weighted:a={a:g},b={b:g}", "weighted", a, b)


register_weighted("energy", a=1.0, b=0.0)
register_weighted("latency", a=0.0, b=1.0)
register("edp", lambda _params: Objective("edp", "edp"))
register("weighted", _weighted)


def names() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def get_objective(spec: str | Objective) -> Objective:
    """``"edp"``, ``"energy"``, ``"latency"``, ``"weighted:a=1,b=0.5"`` or any registered name."""
    if isinstance(spec, Objective):
        return spec
    base, _, arg_text = str(spec).strip().partition(":")
    if base not in _REGISTRY:
        raise SpecError(
            "<objective>", "objective", f"unknown objective {spec!r} (known: {', '.join(names())})"
        )
    params: dict[str, float] = {}
    for item in filter(None, (s.strip() for s in arg_text.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise SpecError("<objective>", "objective", f"parameter {item!r} must be KEY=VALUE")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            raise SpecError(
                "<objective>", f"objective.{key.strip()}", f"must be a number (got {value!r})"
            ) from None
    return _REGISTRY[base](params)
