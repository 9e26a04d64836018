"""Operational carbon: the energy an inference draws from the grid times the grid's intensity."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from carbonloop.carbon.parameters import CarbonParameters

PJ_PER_KWH = 3.6e18
"""pJ in one kWh: grid intensities are per kWh, the model's energies are in pJ."""

FloatArray = npt.NDArray[np.float64]


def g_per_pj(params: CarbonParameters) -> float:
    """Use-phase carbon of one pJ (CarbonSpot's k1 = 301 / 3.6e18 with the world grid)."""
    return params.use_ci_g_per_kwh / PJ_PER_KWH


def operational_g(energy_pj: float | FloatArray, params: CarbonParameters) -> float | FloatArray:
    """Carbon of the energy of one inference, identical in the CA and PA scenarios."""
    return energy_pj * g_per_pj(params)
