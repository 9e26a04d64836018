"""ADC energy per conversion of a *typical* published converter: a least-squares regression over the survey.

Why a second ADC model: the survey regression of ``adc.py`` (the Accelergy plug-in's) is the survey's
best-case envelope (80th-percentile FOM, 10th/20th-percentile residuals) with a node term ~T^1.88; the
converters of published CiM macros are ordinary converters, not envelope designs, and the envelope misses
them in both directions (Jia's 65-nm 8-b SAR 1.79 pJ against 6.49 pJ, Wang's 22-nm 8-b 2.66 pJ against
0.85 pJ). A regression through the middle of the same survey — the expected converter, not the best one —
is the estimate a macro model needs when it does not know the converter.

The data: B. Murmann, "ADC Performance Survey 1997-2023" (github.com/bmurmann/ADC-survey; the ISSCC and
VLSI designs that report rate, node, area, power and SNDR, 215 converters, shipped in
``adc_survey_points.csv``). The fit, over the converters of at most ``MAX_FIT_ENOB`` effective bits (the
resolutions CiM macros use, 1-10 b; above ~10 b kT/C noise sets the energy, E ~ 4^ENOB, another regime):

    ln E_pJ = c0 + c_b ENOB + c_t ln(node_nm) + c_f ln(rate_hz)

Each term has a physical reason: a conversion resolves 2^ENOB levels with a capacitive DAC and comparator
decisions that grow with the resolution (c_b ~ 0.44 per bit, between the comparator-limited ~B and the
Walden 2^B = 0.69 per bit); switched capacitance per device shrinks with the node (c_t ~ 1.6, close to the
C ~ T^2 of constant-field scaling net of the supply); a faster converter spends more per conversion on its
comparator bandwidth and references (c_f ~ 0.34). The fit's residual spread (rms 1.4 in ln E, a factor ~4)
is the survey's own scatter: one converter design can sit 4x either side of the estimate.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from carbonloop.costs.cim.adc import adc_area_um2_from_energy, check_adc_inputs
from carbonloop.errors import SpecError

_DATA = "adc_survey_points.csv"
MAX_FIT_ENOB = 10.0  # the CiM resolutions; above it the converters are thermal-noise bound


@dataclass(frozen=True)
class SurveyPoint:
    rate_hz: float
    node_nm: float
    area_um2: float
    energy_pj: float
    enob: float


@dataclass(frozen=True)
class TypicalAdcFit:
    """ln E_pJ = intercept + per_bit * ENOB + per_ln_node * ln T_nm + per_ln_rate * ln f_Hz."""

    intercept: float
    per_bit: float
    per_ln_node: float
    per_ln_rate: float
    rms_ln_residual: float
    points: int
    min_enob: float

    def energy_pj(self, enob: float, rate_hz: float, node_nm: float) -> float:
        return math.exp(
            self.intercept
            + self.per_bit * enob
            + self.per_ln_node * math.log(node_nm)
            + self.per_ln_rate * math.log(rate_hz)
        )


def _parse(text: str, source: str) -> tuple[SurveyPoint, ...]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    out = []
    for i, row in enumerate(csv.DictReader(lines)):
        try:
            point = SurveyPoint(
                rate_hz=float(row["rate_hz"]),
                node_nm=float(row["node_nm"]),
                area_um2=float(row["area_um2"]),
                energy_pj=float(row["energy_pj"]),
                enob=float(row["enob"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise SpecError(
                source, f"row {i + 1}", f"needs numeric rate_hz, node_nm, area_um2, energy_pj, enob ({err})"
            ) from None
        if min(point.rate_hz, point.node_nm, point.area_um2, point.energy_pj, point.enob) <= 0:
            raise SpecError(source, f"row {i + 1}", "every value must be positive")
        out.append(point)
    return tuple(out)


@cache
def survey_points() -> tuple[SurveyPoint, ...]:
    """The shipped survey converters."""
    text = (resources.files("carbonloop.costs.cim") / _DATA).read_text(encoding="utf-8")
    return _parse(text, _DATA)


def fit_typical_adc(points: tuple[SurveyPoint, ...], max_enob: float = MAX_FIT_ENOB) -> TypicalAdcFit:
    """Ordinary least squares of ln E on (1, ENOB, ln node, ln rate) over the points of <= ``max_enob``."""
    used = [p for p in points if p.enob <= max_enob]
    if len(used) < 5:
        raise SpecError("<adc survey>", "points", f"need >= 5 converters of <= {max_enob} b, got {len(used)}")
    x = np.array([[1.0, p.enob, math.log(p.node_nm), math.log(p.rate_hz)] for p in used])
    y = np.log([p.energy_pj for p in used])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ coef
    return TypicalAdcFit(
        intercept=float(coef[0]),
        per_bit=float(coef[1]),
        per_ln_node=float(coef[2]),
        per_ln_rate=float(coef[3]),
        rms_ln_residual=float(np.sqrt(np.mean(residual**2))),
        points=len(used),
        min_enob=min(p.enob for p in used),
    )


@cache
def typical_fit() -> TypicalAdcFit:
    """The regression over the shipped survey (computed once)."""
    return fit_typical_adc(survey_points())


def typical_adc_energy_pj(bits: float, rate_hz: float, node_nm: float) -> float:
    """Expected energy per conversion (pJ) of a published ``bits``-ENOB converter at ``rate_hz`` and node.

    Below the survey's lowest resolution (3.4 ENOB) the energy is taken there: the survey has no 1-3 b
    converters to extrapolate to (a sense amplifier is cheaper, but not by this regression's slope).
    """
    check_adc_inputs(bits, rate_hz, node_nm)
    fit = typical_fit()
    return fit.energy_pj(max(bits, fit.min_enob), rate_hz, node_nm)


def typical_adc_area_um2(bits: float, rate_hz: float, node_nm: float) -> float:
    """Area (um^2): the plug-in's survey area regression (node, rate, energy) at the typical energy."""
    return adc_area_um2_from_energy(typical_adc_energy_pj(bits, rate_hz, node_nm), rate_hz, node_nm)
