"""The figures of merit designs are compared by.

- carbon per inference (CA or PA; CarbonSpot's metric),
- tCDP = total carbon x delay (Elgamal et al., arXiv 2305.01831 / CORDOBA, HPCA'25), with total carbon the
  per-task operational + amortized embodied carbon,
- CDP = embodied carbon x delay and CEP = embodied carbon x energy (ACT, Gupta et al. ISCA'22: there "C" is
  the embodied carbon of the device).
Units stay in the names: g_ns = grams x nanoseconds, g_pj = grams x picojoules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carbonloop.carbon.scenarios import CarbonResult, Value


def tcdp_g_ns(total_carbon_g: Value, delay_ns: Value) -> Value:
    """Total carbon (operational + amortized embodied) x delay: lower is better on both axes at once."""
    return total_carbon_g * delay_ns


def cdp_g_ns(embodied_g: Value, delay_ns: Value) -> Value:
    """ACT's carbon-delay product (C = embodied carbon)."""
    return embodied_g * delay_ns


def cep_g_pj(embodied_g: Value, energy_pj: Value) -> Value:
    """ACT's carbon-energy product (C = embodied carbon)."""
    return embodied_g * energy_pj


def per_task_g(result: CarbonResult, inferences: float) -> dict[str, Value]:
    """Carbon of a task made of ``inferences`` inferences (all terms scale linearly)."""
    return {
        "ca_g": result.ca_g * inferences,
        "pa_g": result.pa_g * inferences,
        "ca_ex_package_g": result.ca_ex_package_g * inferences,
        "pa_ex_package_g": result.pa_ex_package_g * inferences,
    }


def design_metrics(result: CarbonResult) -> dict[str, Any]:
    """tCDP, CDP and CEP of one result for both scenarios (JSON-ready)."""

    def f(x: Value) -> Any:
        return x.tolist() if isinstance(x, np.ndarray) else float(x)

    t, e = result.latency_ns, result.energy_pj
    return {
        "tcdp_ca_g_ns": f(tcdp_g_ns(result.ca_g, t)),
        "tcdp_pa_g_ns": f(tcdp_g_ns(result.pa_g, t)),
        "cdp_ca_g_ns": f(cdp_g_ns(result.embodied_ca_g, t)),
        "cdp_pa_g_ns": f(cdp_g_ns(result.embodied_pa_g, t)),
        "cep_ca_g_pj": f(cep_g_pj(result.embodied_ca_g, e)),
        "cep_pa_g_pj": f(cep_g_pj(result.embodied_pa_g, e)),
    }
