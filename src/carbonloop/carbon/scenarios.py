"""Carbon per inference under CarbonSpot's two usage scenarios.

CA (continuously active): the chip runs inferences back to back for its whole life, so one inference is
charged ``latency / lifetime`` of the embodied carbon. PA (periodically active): one inference every
``period = 1/FPS``, so it is charged ``period / lifetime``; when the inference is slower than its period
the application needs ``latency / period`` chips, and the share is scaled up by that factor (CarbonSpot's
``calc_cf``), i.e. ``max(period, latency) / lifetime``; ``deadline_met`` records it. The inference's
operational carbon is the same in both. Under PA the chip also waits ``max(0, period - latency)`` for the
next frame, leaking: ``idle_leakage`` charges that wait at the chip's leakage power times the parameter
set's ``idle_power_fraction`` (CA has no idle time, so its entry is 0). All functions accept numpy arrays
for energy, latency and area (one call scores many mappings); scalars in, floats out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from carbonloop.carbon.embodied import die_g, die_yield, dram_g, package_g
from carbonloop.carbon.operational import g_per_pj, operational_g
from carbonloop.carbon.parameters import CarbonParameters
from carbonloop.errors import SpecError

FloatArray = npt.NDArray[np.float64]
Value = float | FloatArray

COMPONENTS = ("operational", "idle_leakage", "epa", "gpa", "mpa", "dram", "package")
"""Breakdown keys, in display order; each scenario's values sum to its total."""


def _checked(name: str, value: Any, *, positive: bool = False) -> FloatArray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise SpecError("<input>", name, f"must be a finite number (got {value!r})")
    bad = arr <= 0 if positive else arr < 0
    if np.any(bad):
        shown = arr[bad].flat[0] if arr.ndim else float(arr)
        raise SpecError("<input>", name, f"must be {'> 0' if positive else '>= 0'} (got {shown:g})")
    return arr


def _out(x: Any) -> Any:
    arr = np.asarray(x)
    if arr.ndim == 0:
        return bool(arr) if arr.dtype == bool else float(arr)
    return arr


@dataclass(frozen=True)
class CarbonResult:
    """Carbon of one inference (g CO2-eq) in both scenarios, with the breakdown users read.

    Fields are floats for scalar inputs and numpy arrays for array inputs.
    """

    ca_g: Value
    pa_g: Value
    ca_ex_package_g: Value
    pa_ex_package_g: Value
    deadline_met: bool | npt.NDArray[np.bool_]
    breakdown: dict[str, dict[str, Value]]
    ca_share: Value
    """Fraction of the lifetime embodied carbon charged under CA (latency / lifetime)."""
    pa_share: Value
    """Fraction charged under PA (max(period, latency) / lifetime)."""
    period_ns: float
    latency_ns: Value
    energy_pj: Value
    die_yield: Value
    parameters: str
    idle_energy_pj: Value = 0.0
    """PA only: the leakage energy between the end of the inference and the next frame (pJ)."""
    idle_power_mw: float = 0.0
    """The chip's leakage power while idle, before the parameter set's ``idle_power_fraction``."""

    @property
    def embodied_ca_g(self) -> Value:
        """Everything but operational carbon, CA."""
        return self.ca_g - self.breakdown["ca"]["operational"] - self.breakdown["ca"]["idle_leakage"]

    @property
    def embodied_pa_g(self) -> Value:
        """Everything but operational carbon (the inference's and the idle leakage's), PA."""
        return self.pa_g - self.breakdown["pa"]["operational"] - self.breakdown["pa"]["idle_leakage"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (arrays become lists)."""

        def conv(x: Any) -> Any:
            if isinstance(x, np.ndarray):
                return x.tolist()
            if isinstance(x, np.generic):
                return x.item()
            return x

        return {
            "ca_g": conv(self.ca_g),
            "pa_g": conv(self.pa_g),
            "ca_ex_package_g": conv(self.ca_ex_package_g),
            "pa_ex_package_g": conv(self.pa_ex_package_g),
            "deadline_met": conv(self.deadline_met),
            "breakdown": {s: {k: conv(v) for k, v in parts.items()} for s, parts in self.breakdown.items()},
            "ca_share": conv(self.ca_share),
            "pa_share": conv(self.pa_share),
            "period_ns": self.period_ns,
            "latency_ns": conv(self.latency_ns),
            "energy_pj": conv(self.energy_pj),
            "die_yield": conv(self.die_yield),
            "parameters": self.parameters,
            "idle_energy_pj": conv(self.idle_energy_pj),
            "idle_power_mw": self.idle_power_mw,
        }


def period_ns_for(fps: float | None, params: CarbonParameters) -> float:
    """The PA period: 1/FPS, or the set's default (CarbonSpot's 4 ms) when no frame rate is given."""
    if fps is None:
        return params.pa_period_ns_default
    if not np.isfinite(fps) or fps <= 0:
        raise SpecError("<input>", "fps", f"must be > 0 (got {fps:g})")
    return 1e9 / fps


def carbon_per_inference(
    *,
    energy_pj: Value,
    latency_ns: Value,
    area_mm2: Value,
    dram_gb: Value = 0.0,
    fps: float | None = None,
    params: CarbonParameters,
    node_nm: int | None = None,
    idle_power_mw: float = 0.0,
) -> CarbonResult:
    """Carbon of one inference of a design from its energy, latency, die area and DRAM capacity.

    ``node_nm`` picks the node row (default: the set's ``node_nm``). ``idle_power_mw``: the chip's
    leakage power, drawn between frames under PA (:func:`idle_energy_pj`). Bad inputs raise SpecError.
    """
    e = _checked("energy_pj", energy_pj)
    t = _checked("latency_ns", latency_ns)
    a = _checked("area_mm2", area_mm2)
    g = _checked("dram_gb", dram_gb)
    period = period_ns_for(fps, params)
    lifetime = params.lifetime_ns

    op = operational_g(e, params)
    idle_pj = idle_energy_pj(idle_power_mw, t, period, params.idle_power_fraction)
    idle_g = operational_g(idle_pj, params)
    die = die_g(params, a, node_nm)
    life_ca = {**die, "dram": dram_g(params, g, "ca"), "package": package_g(params)}
    life_pa = {**die, "dram": dram_g(params, g, "pa"), "package": package_g(params)}

    met = t <= period
    ca_share = t / lifetime
    # CarbonSpot: share = period/lifetime, times latency/period ("more chips needed") when the deadline is
    # missed, i.e. max(period, latency)/lifetime (written so, PA >= CA holds exactly in floating point).
    pa_share = np.maximum(period, t) / lifetime

    ca = {
        "operational": op,
        "idle_leakage": np.zeros_like(idle_g),
        **{k: np.asarray(v) * ca_share for k, v in life_ca.items()},
    }
    pa = {
        "operational": op,
        "idle_leakage": idle_g,
        **{k: np.asarray(v) * pa_share for k, v in life_pa.items()},
    }
    shape = np.broadcast_shapes(e.shape, t.shape, a.shape, g.shape)
    ca = {k: _out(np.broadcast_to(v, shape)) for k, v in ca.items()}
    pa = {k: _out(np.broadcast_to(v, shape)) for k, v in pa.items()}
    ca_total = sum(ca[k] for k in COMPONENTS)
    pa_total = sum(pa[k] for k in COMPONENTS)
    return CarbonResult(
        ca_g=_out(ca_total),
        pa_g=_out(pa_total),
        ca_ex_package_g=_out(ca_total - ca["package"]),
        pa_ex_package_g=_out(pa_total - pa["package"]),
        deadline_met=_out(np.broadcast_to(met, shape)),
        breakdown={"ca": ca, "pa": pa},
        ca_share=_out(np.broadcast_to(ca_share, shape)),
        pa_share=_out(np.broadcast_to(pa_share, shape)),
        period_ns=period,
        latency_ns=_out(t),
        energy_pj=_out(e),
        die_yield=_out(die_yield(params, a, node_nm)),
        parameters=params.name,
        idle_energy_pj=_out(np.broadcast_to(idle_pj, shape)),
        idle_power_mw=float(idle_power_mw),
    )


def idle_energy_pj(idle_power_mw: float, latency_ns: Value, period_ns: float, fraction: float) -> Value:
    """Leakage between frames under PA: ``idle_power_mw x fraction x max(0, period - latency)`` (pJ = mW x
    ns). A chip that misses its deadline never waits, so it pays none (the extra chips PA charges run
    back to back)."""
    p = float(_checked("idle_power_mw", idle_power_mw))
    return p * fraction * np.maximum(0.0, period_ns - np.asarray(latency_ns, dtype=float))


def embodied_lifetime_g(
    params: CarbonParameters,
    area_mm2: float,
    dram_gb: float = 0.0,
    *,
    include_package: bool = True,
    scenario: str = "ca",
    node_nm: int | None = None,
) -> float:
    """Embodied carbon of the whole chip over its life (die + DRAM + package), the amount the scenarios share."""
    if scenario not in ("ca", "pa"):
        raise SpecError("<input>", "scenario", f"must be 'ca' or 'pa' (got {scenario!r})")
    a = float(_checked("area_mm2", area_mm2))
    g = float(_checked("dram_gb", dram_gb))
    total = sum(float(v) for v in die_g(params, a, node_nm).values())
    total += float(dram_g(params, g, "pa" if scenario == "pa" else "ca"))
    if include_package:
        total += package_g(params)
    return total


def ca_weights(
    params: CarbonParameters,
    area_mm2: float,
    dram_gb: float,
    clock_ns: float,
    *,
    include_package: bool = True,
    node_nm: int | None = None,
) -> tuple[float, float]:
    """(g per pJ, g per cycle): the CA carbon of a fixed design is ``a*energy_pj + b*latency_cycles``.

    For a fixed chip (area, DRAM, clock) only energy and cycles vary between mappings, and CA carbon is
    linear in both, so a mapper can rank mappings by this weighted sum without calling the model.
    """
    clk = float(_checked("clock_ns", clock_ns, positive=True))
    life = embodied_lifetime_g(params, area_mm2, dram_gb, include_package=include_package, node_nm=node_nm)
    return g_per_pj(params), life * clk / params.lifetime_ns


def pa_carbon_g(
    params: CarbonParameters,
    *,
    energy_pj: Value,
    latency_cycles: Value,
    area_mm2: float,
    dram_gb: float,
    clock_ns: float,
    fps: float | None,
    include_package: bool = True,
    node_nm: int | None = None,
    idle_power_mw: float = 0.0,
) -> Value:
    """PA carbon of a fixed design for many mappings at once: ``a*E + embodied*max(period, t)/lifetime +
    a*idle_energy_pj`` (the chip's leakage ``idle_power_mw`` x ``idle_power_fraction`` over the wait
    ``max(0, period - t)``), the ``pa_g`` of :func:`carbon_per_inference`.

    Only mappings that miss the deadline pay for their latency; among those meeting it, energy less the
    idle leakage their longer run saves decides.
    """
    a = g_per_pj(params)
    life = embodied_lifetime_g(
        params, area_mm2, dram_gb, include_package=include_package, scenario="pa", node_nm=node_nm
    )
    period = period_ns_for(fps, params)
    t = np.asarray(latency_cycles, dtype=float) * float(_checked("clock_ns", clock_ns, positive=True))
    out = a * np.asarray(energy_pj, dtype=float) + life * np.maximum(period, t) / params.lifetime_ns
    out = out + a * idle_energy_pj(idle_power_mw, t, period, params.idle_power_fraction)
    return _out(out)
