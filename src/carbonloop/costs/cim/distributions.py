"""Operand value distributions -> encoded bits -> expected bit densities and slice values.

A distribution is a probability mass function over the integers ``-(L-1)/2 .. (L-1)/2`` (L odd bins, the
middle one is zero), the histogram layout of CiMLoop's workloads (Andrulis et al., ISPASS 2024, Sec. III-C;
mit-emze/cimloop @ d6e1390, ``workspace/models/include/slicing_encoding.py``). A histogram coarser than the
operand (fewer bits) stands for the wider operand: each missing low-order bit takes the entry's mean bit
density (CiMLoop's rule), so a 15-bin histogram describes an 8-bit activation.

Encodings (value -> bits, most significant first; ``n = log2(L + 1)`` bits of the histogram):

* ``magnitude``: |v| on n-1 bits; the sign is carried by the hardware (signed pulses or a second cycle).
* ``offset``: v + (L-1)/2 on n bits (a bias is subtracted after the MAC).
* ``two_part``: differential / two-cycle: each value becomes two equally likely slots, one holding |v|,
  the other zeros (a positive and a negative device, or a positive and a negative input cycle); it
  doubles the encoded bits of a signed operand.

Tensors are independent (one pmf per tensor), as in CiMLoop (Sec. III-D1). Everything here is computed
once per (distribution, encoding, bits, slice width), so the mapper's speed does not depend on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from carbonloop.errors import SpecError

ENCODINGS = ("magnitude", "offset", "two_part")
_SOURCE = "<cim distribution>"


@dataclass(frozen=True)
class Distribution:
    """A pmf over the L = 2^n - 1 integer levels centred on zero (``probs[(L-1)//2]`` is P(0))."""

    probs: tuple[float, ...]
    name: str = "histogram"

    def __post_init__(self) -> None:
        n_bins = len(self.probs)
        if n_bins < 1 or not math.log2(n_bins + 1).is_integer():
            raise SpecError(
                _SOURCE, self.name, f"a histogram has 2^n - 1 bins (1, 3, 7, 15 ...), got {n_bins}"
            )
        if any((not math.isfinite(p)) or p < 0 for p in self.probs) or sum(self.probs) <= 0:
            raise SpecError(_SOURCE, self.name, "bins must be finite, >= 0, and not all zero")
        total = sum(self.probs)
        object.__setattr__(self, "probs", tuple(p / total for p in self.probs))

    @property
    def levels(self) -> int:
        return len(self.probs)

    @property
    def bits(self) -> int:
        """n: the histogram's resolution in bits (offset encoding)."""
        return int(math.log2(self.levels + 1))

    @property
    def half(self) -> int:
        return (self.levels - 1) // 2

    @property
    def signed(self) -> bool:
        """Any mass left of zero."""
        return any(p > 0 for p in self.probs[: self.half])

    @property
    def zero_probability(self) -> float:
        return self.probs[self.half]

    def values(self) -> tuple[tuple[int, float], ...]:
        """(value, probability) pairs with non-zero probability."""
        return tuple((i - self.half, p) for i, p in enumerate(self.probs) if p > 0)


def histogram(bins: Any, name: str = "histogram") -> Distribution:
    """A distribution from a list of bin weights (need not be normalised)."""
    if not isinstance(bins, (list, tuple)) or not all(
        isinstance(b, (int, float)) and not isinstance(b, bool) for b in bins
    ):
        raise SpecError(_SOURCE, name, "a histogram is a list of numbers")
    return Distribution(tuple(float(b) for b in bins), name)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def uniform(bits: int = 8, signed: bool = False) -> Distribution:
    """Every code equally likely: dense data (the worst case for data-value-dependent energy)."""
    half = 2 ** (bits - 1) - 1 if signed else 2**bits - 1
    levels = 2 * half + 1
    probs = [0.0] * levels
    for v in range(-half if signed else 0, half + 1):
        probs[v + half] = 1.0
    return Distribution(tuple(probs), f"uniform{bits}{'s' if signed else ''}")


def gaussian(bits: int = 8, sigmas_full_scale: float = 3.0) -> Distribution:
    """Signed weights ~ N(0, s^2) quantised to ``bits`` (sign + magnitude), full scale = 3 s (clipped):
    trained DNN weights are near-gaussian around zero (e.g. the weight distributions shown by Han, Mao, Dally, Deep Compression, ICLR 2016)."""
    half = 2 ** (bits - 1) - 1
    s = half / sigmas_full_scale
    probs = []
    for v in range(-half, half + 1):
        lo = -math.inf if v == -half else (v - 0.5) / s
        hi = math.inf if v == half else (v + 0.5) / s
        probs.append(_normal_cdf(hi) - _normal_cdf(lo))
    return Distribution(tuple(probs), f"gaussian{bits}")


def post_relu(bits: int = 8, sigmas_full_scale: float = 4.0) -> Distribution:
    """Activations after a ReLU: a zero-mean gaussian pre-activation (full scale 4 s, clipped) with every
    negative value set to zero, so P(0) ~ 0.5 and the positive codes follow a half-normal. Half of a
    ReLU network's activations are zero on average (activation sparsity of ReLU CNNs measured by
    M. Rhu et al., Compressing DMA Engine, HPCA 2018)."""
    top = 2**bits - 1
    s = top / sigmas_full_scale
    probs = [0.0] * (2 * top + 1)
    for v in range(0, top + 1):
        lo = -math.inf if v == 0 else (v - 0.5) / s
        hi = math.inf if v == top else (v + 0.5) / s
        probs[top + v] = _normal_cdf(hi) - _normal_cdf(lo)
    return Distribution(tuple(probs), f"post_relu{bits}")


def uniform_signed(bits: int = 8) -> Distribution:
    """Every signed code equally likely."""
    return uniform(bits, signed=True)


DEFAULTS = {
    "uniform": uniform,
    "uniform_signed": uniform_signed,
    "gaussian": gaussian,
    "post_relu": post_relu,
}


def named(name: str, bits: int) -> Distribution:
    """A default distribution by name at ``bits`` resolution."""
    if name not in DEFAULTS:
        raise SpecError(
            _SOURCE, "distribution", f"unknown distribution {name!r} (known: {', '.join(DEFAULTS)})"
        )
    return DEFAULTS[name](bits)


def resolve(value: str | tuple[float, ...] | Distribution, bits: int) -> Distribution:
    """A distribution from a default's name, a histogram tuple, or a distribution."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, str):
        return named(value, bits)
    return histogram(list(value))


# --- encodings ----------------------------------------------------------------------------------------


def encoded_bits(dist: Distribution, encoding: str, operand_bits: int) -> int:
    """Bits a value of an ``operand_bits``-bit operand occupies after ``encoding`` (two-part doubles a
    signed operand; magnitude drops the sign bit of a signed one)."""
    if encoding not in ENCODINGS:
        raise SpecError(_SOURCE, "encoding", f"unknown encoding {encoding!r} (known: {', '.join(ENCODINGS)})")
    if encoding == "offset" or not dist.signed:
        return operand_bits
    if encoding == "magnitude":
        return max(operand_bits - 1, 1)
    return 2 * (operand_bits - 1)


def _entries(dist: Distribution, encoding: str) -> list[tuple[float, tuple[int, ...]]]:
    """(probability, bits MSB first) of every encoded slot at the histogram's own resolution."""
    n = dist.bits
    out: list[tuple[float, tuple[int, ...]]] = []
    for v, p in dist.values():
        if encoding == "offset":
            width, code = n, v + dist.half
        else:
            width, code = (n - 1 if dist.signed else n), abs(v)
            if not dist.signed:  # unsigned: magnitude of the non-negative half, n - 1 bits suffice
                width = max(n - 1, 1)
        bits = tuple((code >> (width - 1 - j)) & 1 for j in range(width))
        if encoding == "two_part" and dist.signed:
            out.append((p / 2, bits))
            out.append((p / 2, (0,) * width))
        else:
            out.append((p, bits))
    return out


def _expand(bits: tuple[int, ...], total: int) -> list[float]:
    """``bits`` widened to ``total`` positions: missing low-order bits take the entry's mean density."""
    if len(bits) >= total:
        return [float(b) for b in bits[:total]]  # a finer histogram: keep its most significant bits
    density = sum(bits) / len(bits) if bits else 0.0
    return [float(b) for b in bits] + [density] * (total - len(bits))


@dataclass(frozen=True)
class BitStatistics:
    """Expected statistics of an operand as the hardware sees it, per slice of ``slice_bits`` bits.

    ``slice_values``: mean slice value in [0, 1] per slice (MSB slice first);
    ``slice_squares``: mean squared slice value (for voltage-mode drivers, E ~ V^2);
    ``slice_nonzero``: probability a slice is not all zeros (what zero-gating skips);
    ``bit_density``: probability of a one per encoded bit (MSB first);
    ``copies``: 2 for a two-part (differential) signed operand, whose slices are repeated on a second
    device or cycle (the statistics above are per copy, the zero copy included), else 1.
    """

    encoded_bits: int
    slice_bits: int
    slice_values: tuple[float, ...]
    slice_squares: tuple[float, ...]
    slice_nonzero: tuple[float, ...]
    bit_density: tuple[float, ...]
    copies: int = 1
    slice_code_pmf: tuple[tuple[float, ...], ...] = ()
    """Per slice, the probability of each code 0 .. 2^w - 1 (for converters whose energy is not linear in
    the code, e.g. a resistor-ladder DAC); density-filled bits are independent Bernoulli draws."""

    @property
    def slices(self) -> int:
        return len(self.slice_values)

    @property
    def mean_value(self) -> float:
        return sum(self.slice_values) / self.slices

    @property
    def mean_square(self) -> float:
        return sum(self.slice_squares) / self.slices

    @property
    def mean_nonzero(self) -> float:
        return sum(self.slice_nonzero) / self.slices


@cache
def bit_statistics(dist: Distribution, encoding: str, operand_bits: int, slice_bits: int) -> BitStatistics:
    """Slice and bit statistics of ``dist`` encoded on ``operand_bits`` and cut into ``slice_bits`` slices.

    A slice of width w with bits b_j (MSB first) has value sum_j b_j 2^(w-1-j) / (2^w_max - 1), in [0, 1]
    (CiMLoop's normalisation). Missing low-order bits of a coarse histogram are filled with the entry's
    mean bit density, so slice squares and zero-probabilities of those bits are estimates (bits treated as
    independent Bernoulli draws of that density).
    """
    if slice_bits < 1 or operand_bits < 1:
        raise SpecError(_SOURCE, "slice_bits", "bits and slice widths must be positive")
    total = encoded_bits(dist, encoding, operand_bits)
    # a two-part operand's slots each hold total/2 bits; the two slots are separate cycles or devices
    copies = 2 if encoding == "two_part" and dist.signed else 1
    width = total // copies
    entries = [(p, _expand(bits, width)) for p, bits in _entries(dist, encoding)]
    widths = [min(slice_bits, width - s) for s in range(0, width, slice_bits)]
    norm = 2 ** min(slice_bits, width) - 1
    values, squares, nonzero, pmfs = [], [], [], []
    start = 0
    for w in widths:
        mean = sq = nz = 0.0
        pmf = [0.0] * (2**w)
        for p, bits in entries:
            _add_code_pmf(pmf, p, bits[start : start + w])
            part = bits[start : start + w]
            weights = [2 ** (w - 1 - j) / norm for j in range(w)]
            m = sum(b * wt for b, wt in zip(part, weights, strict=True))
            var = sum(b * (1 - b) * wt * wt for b, wt in zip(part, weights, strict=True))
            mean += p * m
            sq += p * (m * m + var)
            nz += p * (1.0 - math.prod(1.0 - b for b in part))
        values.append(mean)
        squares.append(sq)
        nonzero.append(nz)
        pmfs.append(tuple(pmf))
        start += w
    density = tuple(sum(p * bits[j] for p, bits in entries) for j in range(width))
    return BitStatistics(
        total, slice_bits, tuple(values), tuple(squares), tuple(nonzero), density, copies, tuple(pmfs)
    )


def _add_code_pmf(pmf: list[float], p: float, bits: list[float]) -> None:
    """Add probability ``p`` of a slice whose bits (MSB first) are one with the given probabilities."""
    w = len(bits)
    probs = {0: p}
    for j, b in enumerate(bits):
        weight = 1 << (w - 1 - j)
        nxt: dict[int, float] = {}
        for code, q in probs.items():
            if b < 1.0:
                nxt[code] = nxt.get(code, 0.0) + q * (1.0 - b)
            if b > 0.0:
                nxt[code + weight] = nxt.get(code + weight, 0.0) + q * b
        probs = nxt
    for code, q in probs.items():
        pmf[code] += q


def fixed_mean_statistics(mean: float, operand_bits: int, slice_bits: int) -> BitStatistics:
    """Statistics of a test pattern whose every slice has the value ``mean`` in [0, 1] (how macro papers
    measure energy at a set average input or weight value, e.g. Sinangil et al., JSSC 2021, Fig. 13)."""
    if not 0.0 <= mean <= 1.0:
        raise SpecError(_SOURCE, "mean", f"a mean slice value is in [0, 1], got {mean!r}")
    n = math.ceil(operand_bits / slice_bits)
    nz = 1.0 if mean > 0 else 0.0
    codes = 2**slice_bits
    pmf = [0.0] * codes
    pmf[round(mean * (codes - 1))] = 1.0  # the pattern's code
    return BitStatistics(
        operand_bits,
        slice_bits,
        (mean,) * n,
        (mean * mean,) * n,
        (nz,) * n,
        (mean,) * operand_bits,
        1,
        (tuple(pmf),) * n,
    )


def parse_fixed_mean(value: object) -> float | None:
    """``"mean=0.25"`` -> 0.25; anything else -> None."""
    if isinstance(value, str) and value.startswith("mean="):
        try:
            return float(value[5:])
        except ValueError:
            raise SpecError(_SOURCE, "distribution", f"bad fixed mean {value!r} (use mean=<0..1>)") from None
    return None


def histogram_from_values(values: Any, bits: int, name: str = "values") -> Distribution:
    """The histogram of measured values (e.g. a layer's trained weights) quantised to ``bits``:
    symmetric linear quantisation by the largest magnitude (the usual per-tensor int quantiser), signed if
    any value is negative (2^(bits-1) - 1 levels each side), else unsigned (2^bits - 1 levels)."""
    import numpy as np

    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise SpecError(_SOURCE, name, "needs at least one value, all finite")
    if not 1 <= bits <= 16:
        raise SpecError(_SOURCE, name, f"bits must be in [1, 16], got {bits}")
    signed = bool((arr < 0).any())
    half = 2 ** (bits - 1) - 1 if signed else 2**bits - 1
    half = max(half, 1)
    peak = float(np.abs(arr).max())
    codes = np.zeros(arr.shape, dtype=int) if peak == 0 else np.rint(arr / peak * half).astype(int)
    counts = np.bincount(codes + half, minlength=2 * half + 1)
    return Distribution(tuple(float(c) for c in counts), name)


def distributions_from_dict(data: Any, source: str) -> dict[str, Distribution]:
    """``{distributions: {name: [bins ...]}}`` (a YAML file's content) -> named distributions."""
    if not isinstance(data, dict) or not isinstance(data.get("distributions"), dict):
        raise SpecError(
            source, "distributions", "a distributions file maps 'distributions' to named histograms"
        )
    out = {}
    for key, bins in data["distributions"].items():
        try:
            out[str(key)] = histogram(bins, str(key))
        except SpecError as err:
            raise SpecError(source, f"distributions.{key}", err.message) from None
    return out
