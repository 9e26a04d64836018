"""What the mapper minimizes: a function of a mapping's energy (pJ) and latency (cycles).

Every objective here but one is monotone (non-decreasing) in both energy and latency, which is what makes
the search's lower bounds valid: a lower bound on energy and one on latency give a lower bound on the
objective. The exception is a deadline with an idle term (below); :meth:`Objective.lower_bound` composes a
valid bound for every kind, and :meth:`Objective.value` is the exact value of a scored mapping. The kinds:

- ``weighted``: ``a * energy_pj + b * latency_cycles`` with ``a, b >= 0`` (``energy`` is a=1, b=0;
  ``latency`` is a=0, b=1). It decomposes over the layers of a network.
- ``edp``: ``energy_pj * latency_cycles``. Over a network it is (total energy) x (total latency), which
  does not decompose per layer (see :mod:`carbonloop.mapper.network`).
- ``deadline``: ``a * energy_pj + b * max(period_cycles, latency_cycles) + idle * max(0, period_cycles -
  latency_cycles)``: carbon under a frame-rate deadline (periodically active use), where only latency
  beyond the period costs, and the wait until the next frame costs ``idle`` per cycle (the chip's idle
  leakage). It does not decompose either: the network's total latency meets the deadline or not. With
  ``idle > 0`` it is not monotone in latency (a slower mapping waits less), so a bound on it must take
  the latency at the end of its range that makes the idle term least (see ``lower_bound``); and it
  equals, exactly, the monotone ``a * (energy_pj - (idle / a) * latency_cycles) + (b + idle) *
  max(period_cycles, latency_cycles)`` (``shifted``).

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
    """``weighted`` -> ``a*E + b*L``; ``edp`` -> ``E*L``; ``deadline`` -> ``a*E + b*max(period, L) +
    idle*max(0, period - L)``."""

    name: str
    kind: Literal["weighted", "edp", "deadline"] = "weighted"
    a: float = 1.0
    b: float = 0.0
    period_cycles: float = 0.0
    idle: float = 0.0
    """``deadline`` only: the cost of one cycle of waiting for the next frame (PA's idle leakage)."""

    def __post_init__(self) -> None:
        if self.idle < 0 or not np.isfinite(self.idle):
            raise SpecError(
                "<objective>", f"{self.name}.idle", f"must be a finite number >= 0 (got {self.idle})"
            )
        if self.idle > 0 and self.kind != "deadline":
            raise SpecError(
                "<objective>", f"{self.name}.idle", "an idle term needs a deadline (a frame period)"
            )

    def value(self, energy_pj: np.ndarray | float, latency_cycles: np.ndarray | float) -> np.ndarray:
        """The exact objective of mappings that reach ``energy_pj`` and ``latency_cycles``."""
        e = np.asarray(energy_pj, dtype=float)
        lat = np.asarray(latency_cycles, dtype=float)
        if self.kind == "edp":
            return e * lat
        if self.kind == "deadline":
            out = self.a * e + self.b * np.maximum(self.period_cycles, lat)
            if self.idle:
                out = out + self.idle * np.maximum(0.0, self.period_cycles - lat)
            return out
        return self.a * e + self.b * lat

    def lower_bound(
        self, energy_lb_pj: np.ndarray | float, latency_lb_cycles: np.ndarray | float
    ) -> np.ndarray:
        """A value no mapping with energy >= ``energy_lb_pj`` and latency >= ``latency_lb_cycles`` beats.

        For a monotone objective that is its value at the bounds. A deadline's idle credit falls as the
        latency grows, so the bound takes the latency in ``[latency_lb, inf)`` that makes the latency
        terms least: ``b*max(T, L) + idle*max(0, T - L)`` is ``b*T + idle*(T - L)`` below the period
        (least at L = T) and ``b*L`` above it (least at max(T, latency_lb)), so its minimum is
        ``b*max(T, latency_lb)`` with no idle term: the bound drops the idle term.
        """
        if self.kind == "deadline" and self.idle:
            e = np.asarray(energy_lb_pj, dtype=float)
            lat = np.asarray(latency_lb_cycles, dtype=float)
            return self.a * e + self.b * np.maximum(self.period_cycles, lat)
        return self.value(energy_lb_pj, latency_lb_cycles)

    @property
    def monotone(self) -> bool:
        """True when the value at (energy, latency) lower bounds is itself a lower bound."""
        return not (self.kind == "deadline" and self.idle > 0)

    @property
    def idle_shift_pj_per_cycle(self) -> float:
        """``idle / a``: the energy per cycle that :meth:`shifted` takes off each mapping's energy."""
        if not self.idle:
            return 0.0
        if self.a <= 0:
            raise SpecError("<objective>", f"{self.name}.a", "an idle term needs an energy weight a > 0")
        return self.idle / self.a

    def shifted(self) -> Objective:
        """The same objective over shifted energies ``E' = E - (idle/a) * L``: a deadline without an idle
        term, ``a*E' + (b + idle)*max(T, L)``, monotone in (E', L) and equal to :meth:`value` at every
        point. Below the period ``a*(E' + s*L) + b*T + idle*(T - L) = a*E' + (b + idle)*T`` (s = idle/a,
        so a*s*L = idle*L cancels); above it ``a*(E' + s*L) + b*L = a*E' + (b + idle)*L``. A model whose
        energies are E' (the leakage rate lowered by s per cycle) lets the mapper search it with its
        ordinary bounds."""
        if self.kind != "deadline" or not self.idle:
            return self
        if self.a <= 0:
            raise SpecError("<objective>", f"{self.name}.a", "an idle term needs an energy weight a > 0")
        return Objective(self.name, "deadline", self.a, self.b + self.idle, self.period_cycles)

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
