"""Embodied carbon of a chip over its whole life: die (ACT's EPA/GPA/MPA over yield), DRAM and package.

The per-inference share of these totals is taken in scenarios.py; here nothing depends on time.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from carbonloop.carbon.parameters import MM2_PER_CM2, CarbonParameters

FloatArray = npt.NDArray[np.float64]


def negative_binomial_yield(
    area_mm2: float | FloatArray, defect_density_per_cm2: float, alpha: float = 10.0
) -> float | FloatArray:
    """Y = (1 + A*D0/alpha)^-alpha: clustered defects, so large dies lose less than Poisson predicts."""
    area_cm2 = np.asarray(area_mm2, dtype=float) / MM2_PER_CM2
    y = (1.0 + area_cm2 * defect_density_per_cm2 / alpha) ** (-alpha)
    return float(y) if np.ndim(y) == 0 else y


def die_yield(
    params: CarbonParameters, area_mm2: float | FloatArray, node_nm: int | None = None
) -> float | FloatArray:
    """The fraction of good dies: the set's fixed value or the negative binomial of the die area."""
    spec = params.yield_spec
    if spec.model == "fixed":
        return spec.value if np.ndim(area_mm2) == 0 else np.full(np.shape(area_mm2), spec.value)
    return negative_binomial_yield(area_mm2, params.defect_density(node_nm), spec.alpha)


def die_g(
    params: CarbonParameters, area_mm2: float | FloatArray, node_nm: int | None = None
) -> dict[str, float | FloatArray]:
    """Lifetime embodied carbon of the die split as ACT does: fab electricity (epa), gases (gpa), materials (mpa).

    Each part = part per mm2 of wafer x area / yield, so a bad yield charges the scrapped dies to the good ones.
    """
    epa, gpa, mpa = params.die_parts_g_per_mm2(node_nm)
    per_good_mm2 = np.asarray(area_mm2, dtype=float) / np.asarray(die_yield(params, area_mm2, node_nm))
    out = {"epa": epa * per_good_mm2, "gpa": gpa * per_good_mm2, "mpa": mpa * per_good_mm2}
    return {k: float(v) if np.ndim(v) == 0 else v for k, v in out.items()}


def dram_g(
    params: CarbonParameters, dram_gb: float | FloatArray, scenario: Literal["ca", "pa"] = "ca"
) -> float | FloatArray:
    """Lifetime embodied carbon of the off-chip DRAM (its area is not in the die area)."""
    return params.dram_g_per_gb_for(scenario) * dram_gb


def package_g(params: CarbonParameters) -> float:
    """ACT's flat packaging footprint of one IC."""
    return params.package_g_per_chip


def g_per_cm2_good_die(
    params: CarbonParameters, node_nm: int | None = None, area_mm2: float = 100.0
) -> float:
    """ACT's CPA: (CI_fab*EPA + GPA + MPA)/Y per cm2 of good die (the unit ACT's sanity tables use)."""
    parts = die_g(params, area_mm2, node_nm)
    return float(sum(float(v) for v in parts.values())) * MM2_PER_CM2 / area_mm2
