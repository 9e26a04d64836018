"""ADC energy per conversion and area from the ADC survey's best-case envelope (resolution, sample rate, node).

The CiM model uses it with ``adc_estimate="envelope"``; its default is the survey's typical converter
(``adc_typical.py``), because published CiM converters are not envelope designs. The area regression below
serves both.

The regression is the one fitted to B. Murmann's "ADC Performance Survey 1997-2023" by the Accelergy ADC
plug-in (Accelergy-Project/accelergy-adc-plug-in @ ff0fb48, ``adc_data/model.yaml``; used by CiMLoop,
Andrulis et al. ISPASS 2024, and by hwcomponents-adc 1.0.21). Our own implementation of its published form:

1. Schreier figure of merit, the survey's best-case envelope: FOM = min(213.78 - 2.8719 ln f,
   128.31 + 3.2205 min(ceil(B), 20)) dB. The first term is the speed limit (above ~1 GS/s at 8 b
   energy per conversion grows with the rate); the second is the technology/architecture limit at low
   resolution. FOM_S = SNDR + 10 log10(BW/P) with BW = f/2 gives P/f = 1/(2 10^((FOM - SNDR)/10)).
2. SNDR = 6.02 B + 1.76 dB (ideal quantiser, B = ENOB).
3. A residual node/resolution factor exp(26.05 + 1.880 ln T - 2.829 ln B - 1.470) (T in nm), fitted to the
   survey residuals: thermal-noise-limited energy ~4^B is in step 1, and switched capacitance grows
   with the node (~T^1.9, close to the C ~ T^2 of constant-field scaling) at low B.

Why the form is valid: above ~10 b, ADC energy per conversion is bounded by kT/C noise, so E ~ 4^ENOB
(the Schreier FOM); below it the energy is set by the comparator and logic switched capacitance, which is
what the node term captures. The fit targets the *best achievable* ADC (envelopes at the survey's 80th
percentile, residual shifts at the 20th/10th), so it is a lower bound for a typical design: macros with
a measured ADC energy above it (CiMLoop scales Jia's by 0.275, Sinangil's by 3.5) show how far real CiM
ADCs sit from the envelope, typically 0.3-3.5x. Fit error against the survey is not published with the
coefficients; this implementation reproduces the plug-in's tabulated points (65 nm 8 b 6.4945 pJ,
28 nm 4/6/8/10 b 0.7187/0.8286/1.3332/2.5749 pJ) to < 0.1 % (tests/costs/test_cim_adc.py).

Area per ADC (um^2) = exp(1.3462 + 0.99328 ln T + 0.18072 ln f + 0.29912 ln E_pJ): area grows
~linearly with node, weakly with rate (more parallel stages) and with the energy (bigger capacitors).
"""

from __future__ import annotations

import math

from carbonloop.errors import SpecError

FOM_FREQ_DB = (213.7807, -2.871903)  # a + b ln f
FOM_CAP_DB = (128.3068, 3.220512)  # a + b min(ceil(B), 20)
RESIDUAL = (26.04962, 1.880037, -2.829126, -1.470202)  # const, ln T, ln B, offset
AREA = (1.346192, 0.9932795, 0.1807154, 0.2991243)  # const, ln T, ln f, ln E_pJ
MIN_BITS = 4.0  # the survey fit is not valid below 4 b ENOB (plug-in's own limit)
MAX_RATE_HZ = 1e10  # fitted maximum per-ADC rate


def check_adc_inputs(bits: float, rate_hz: float, node_nm: float) -> None:
    """A SpecError unless resolution, per-ADC rate (at most the fitted 1e10 Hz) and node are usable."""
    if not math.isfinite(bits) or bits <= 0:
        raise SpecError("<cim adc>", "adc_bits", f"must be positive, got {bits!r}")
    if not math.isfinite(rate_hz) or rate_hz <= 0 or rate_hz > MAX_RATE_HZ:
        raise SpecError("<cim adc>", "rate_hz", f"per-ADC rate must be in (0, 1e10] Hz, got {rate_hz!r}")
    if not math.isfinite(node_nm) or node_nm <= 0:
        raise SpecError("<cim adc>", "node_nm", f"must be positive, got {node_nm!r}")


def adc_figure_of_merit_db(bits: float, rate_hz: float) -> float:
    """Schreier FOM of the survey's best-case envelope at ``bits`` ENOB and ``rate_hz`` per ADC."""
    k = min(math.ceil(bits), 20)
    return min(FOM_FREQ_DB[0] + FOM_FREQ_DB[1] * math.log(rate_hz), FOM_CAP_DB[0] + FOM_CAP_DB[1] * k)


def adc_energy_pj(bits: float, rate_hz: float, node_nm: float) -> float:
    """Energy per conversion (pJ) of one ADC of ``bits`` resolution at ``rate_hz`` in a ``node_nm`` process.

    Below 4 b the fit is not valid; the energy is taken at 4 b (a comparator-dominated converter does
    not get cheaper than the 4-b envelope point) so that 1-3 b sense amplifiers are not extrapolated.
    """
    check_adc_inputs(bits, rate_hz, node_nm)
    b = max(bits, MIN_BITS)
    sndr_db = 6.0206 * b + 1.7609
    e0 = 1.0 / (2.0 * 10 ** ((adc_figure_of_merit_db(b, rate_hz) - sndr_db) / 10.0))
    c, kt, kb, off = RESIDUAL
    return e0 * math.exp(c + kt * math.log(node_nm) + kb * math.log(b) + off)


def adc_area_um2(bits: float, rate_hz: float, node_nm: float) -> float:
    """Area (um^2) of one ADC of ``bits`` resolution at ``rate_hz`` in a ``node_nm`` process."""
    return adc_area_um2_from_energy(adc_energy_pj(bits, rate_hz, node_nm), rate_hz, node_nm)


def adc_area_um2_from_energy(energy_pj: float, rate_hz: float, node_nm: float) -> float:
    """The survey area regression (um^2) of a converter of ``energy_pj`` per conversion at rate and node."""
    if not math.isfinite(energy_pj) or energy_pj <= 0:
        raise SpecError("<cim adc>", "energy_pj", f"must be positive, got {energy_pj!r}")
    c, kt, kf, ke = AREA
    return math.exp(c + kt * math.log(node_nm) + kf * math.log(rate_hz) + ke * math.log(energy_pj))
