"""Spatial mapping candidates: which layer dims unroll over each array axis, and by how much.

The spatial mapspace of a layer on an accelerator (docs/mapper.md): for every array axis, either nothing,
one dim, or a *mix* of up to ``max_mixed`` dims (``[[C, 4], [FX, 3]]``), each with a factor > 1, the
product of an axis's factors at most the axis size. The dims allowed on an axis come from the user's
constraints, else from a named dataflow, else from the accelerator's ``hints: {spatial: ...}``, else every
dim of the layer. Over all axes, the factors of one dim multiply to a divisor of its size (perfect), or
in imperfect mode to at most its size, each factor one of the padding-minimal values ``ceil(size/t)``.
Loops the user fixes on an axis (``Constraints.spatial``) are taken as given, also when their product does
not divide a dim (ZigZag's OX 2 on two axes of a 14-wide layer): that dim is then padded to a multiple of
it, and the free axes unroll, by the same rule, what the fixed loops leave (``ceil(size / fixed)``).

Candidates are ranked by spatial utilization (PEs used / PEs), then by the bandwidth they demand from the
levels that fan out to the array (less first), then by a stable order. The search visits them in that
order; see :mod:`carbonloop.mapper.search` for which ones it may skip (never one that can still win).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper.constraints import Constraints
from carbonloop.model.factors import divisors
from carbonloop.workload.layer import Layer

DEFAULT_MAX_MIXED = 2
"""Dims mixed on one axis unless the constraints or the accelerator's ``hints.max_mixed`` say otherwise:
two keeps the spatial candidates few (every pair of hinted dims, each with every factor)."""

DATAFLOWS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # (dims allowed on the first array axis, dims allowed on the second)
    "output_stationary": (("K",), ("OX", "OY", "B")),
    "weight_stationary": (("K", "OX", "OY"), ("C", "FX", "FY")),
    "input_stationary": (("C", "FX", "FY"), ("OX", "OY", "B")),
    "row_stationary": (("FY", "C"), ("OY", "K")),
}
ALIASES = {
    "os": "output_stationary",
    "ws": "weight_stationary",
    "is": "input_stationary",
    "rs": "row_stationary",
}


@dataclass(frozen=True)
class SpatialCandidate:
    """One unrolling: per array axis, the loops ``((dim, factor), ...)`` (axes in the array's order)."""

    unrolling: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    used: int
    utilization: float
    demand_bits: float  # bits per cycle the fan-out levels deliver if nothing is reused below them

    def factors(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, loops in self.unrolling:
            for d, f in loops:
                out[d] = out.get(d, 1) * f
        return out

    def label(self) -> str:
        parts = [
            f"{axis}:" + "x".join(f"{d}{f}" for d, f in loops) for axis, loops in self.unrolling if loops
        ]
        return " ".join(parts) or "none"


def dataflow_hints(name: str, acc: Accelerator) -> dict[str, tuple[str, ...]]:
    key = ALIASES.get(name, name)
    if key not in DATAFLOWS:
        raise SpecError(
            "<constraints>", "dataflow", f"unknown dataflow {name!r} (known: {', '.join(DATAFLOWS)})"
        )
    axes = acc.array.axis_names
    return {axis: DATAFLOWS[key][i] for i, axis in enumerate(axes[:2])}


def allowed_dims(layer: Layer, acc: Accelerator, constraints: Constraints) -> dict[str, tuple[str, ...]]:
    """Per axis, the layer dims (size > 1) that may unroll there."""
    dims = [d for d, s in layer.dims if s > 1]
    if constraints.hints is not None:
        hints: dict[str, tuple[str, ...]] = {a: tuple(v) for a, v in constraints.hints.items()}
    elif constraints.dataflow is not None:
        hints = dataflow_hints(constraints.dataflow, acc)
    else:
        raw = acc.hints.get("spatial") if isinstance(acc.hints, dict) else None
        hints = {a: tuple(v) for a, v in raw.items()} if isinstance(raw, dict) else {}
    out = {}
    for axis in acc.array.axis_names:
        if axis in hints:
            named = tuple(d for d in hints[axis] if d in dims)
            # on a digital array, a hint for output channels (K) also admits channel groups (G): a
            # depthwise conv has no K, and its groups are its output channels (an IMC wordline cannot
            # take G: its inputs are broadcast, a group's are not)
            if "K" in hints[axis] and "G" in dims and "G" not in named and not acc.array.is_imc:
                named = (*named, "G")
            # hints name dims by convention (K, C, OX ...); a layer with other names (conv1d's M, P, R)
            # is not constrained by them
            known = bool(named) or any(d in layer.sizes for d in hints[axis])
            out[axis] = named if known else tuple(dims)
        else:
            out[axis] = tuple(dims)
    return out


def _factor_options(size: int, limit: int, imperfect: bool) -> list[int]:
    """Factors > 1 and <= ``limit`` a dim of ``size`` may unroll by: its divisors (perfect), or the
    padding-minimal values ceil(size / t) (imperfect; u is one iff ceil(size / ceil(size / u)) == u).
    Work grows with the divisor count or the axis size, never with ``size`` itself."""
    if imperfect:
        return [u for u in range(2, min(size, limit) + 1) if -(-size // -(-size // u)) == u]
    return [u for u in divisors(size) if 1 < u <= limit]


def _axis_options(
    dims: tuple[str, ...], sizes: dict[str, int], axis_size: int, max_mixed: int, imperfect: bool
) -> list[tuple[tuple[str, int], ...]]:
    order = {d: i for i, d in enumerate(sizes)}
    opts: list[tuple[tuple[str, int], ...]] = [()]
    ds = sorted(dims, key=order.__getitem__)
    for r in range(1, max_mixed + 1):
        for combo in itertools.combinations(ds, r):
            choices = [_factor_options(sizes[d], axis_size, imperfect) for d in combo]
            for fs in itertools.product(*choices):
                if math.prod(fs) <= axis_size:
                    opts.append(tuple(zip(combo, fs, strict=True)))
    return opts


def _fixed_factors(constraints: Constraints, sizes: dict[str, int], axes: set[str]) -> dict[str, int]:
    """Per dim, the product of the factors ``constraints.spatial`` fixes on ``axes`` (validated)."""
    out: dict[str, int] = {}
    for axis in sorted(axes):
        assert constraints.spatial is not None
        for d, f in constraints.spatial[axis]:
            if str(d) in sizes and int(f) >= 1:
                out[str(d)] = out.get(str(d), 1) * int(f)
    return out


def padded_dims(layer: Layer, factors: dict[str, int]) -> tuple[str, ...]:
    """The dims whose spatial factors do not divide them: the mapping pads them (``imperfect``)."""
    return tuple(d for d, f in factors.items() if layer.sizes[d] % f)


def _demand_bits(layer: Layer, factors: dict[str, int]) -> float:
    return float(sum(layer.footprint(o, factors) * o.bits for o in layer.operands))


def hinted_max_mixed(acc: Accelerator) -> int:
    """The accelerator's ``hints.max_mixed`` (a positive integer), else :data:`DEFAULT_MAX_MIXED`."""
    value = acc.hints.get("max_mixed", DEFAULT_MAX_MIXED)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(acc.name, "hints.max_mixed", f"must be a positive integer (got {value!r})")
    return value


def spatial_candidates(
    layer: Layer, acc: Accelerator, constraints: Constraints | None = None, *, imperfect: bool = False
) -> list[SpatialCandidate]:
    """Every spatial candidate of the mapspace, best-ranked first (deterministic order). An accelerator
    whose hints name ``spatial_generator: zigzag`` has only the unrollings ZigZag v2's generator gives the
    layer (:mod:`carbonloop.mapper.zigzag_spatial`), unless the constraints fix the unrolling."""
    constraints = constraints or Constraints()
    if constraints.spatial is None and constraints.generated_spatial and generated_spatial(acc):
        return zigzag_candidates(layer, acc, constraints, imperfect=imperfect)
    sizes = layer.sizes
    axes = acc.array.axis_names
    allowed = allowed_dims(layer, acc, constraints)
    fixed_axes = {a for a in axes if constraints.spatial is not None and a in constraints.spatial}
    fixed = _fixed_factors(constraints, sizes, fixed_axes)
    # what the fixed loops leave of each dim: the free axes unroll that (a fixed product that does not
    # divide a dim pads it, as the user asked; the free factors follow the mode's rule on what is left)
    left = {d: -(-n // fixed.get(d, 1)) for d, n in sizes.items()}
    max_mixed = constraints.max_mixed or hinted_max_mixed(acc)
    per_axis: list[list[tuple[tuple[str, int], ...]]] = []
    for axis in axes:
        n = acc.array.axis_size(axis)
        if axis in fixed_axes:
            assert constraints.spatial is not None
            pinned = tuple((str(d), int(f)) for d, f in constraints.spatial[axis])
            for d, f in pinned:
                if d not in sizes:
                    raise SpecError("<constraints>", f"spatial.{axis}", f"unknown dimension {d!r}")
                if f < 1:
                    raise SpecError("<constraints>", f"spatial.{axis}", f"factor of {d} must be >= 1")
            if math.prod(f for _, f in pinned) > n:
                raise SpecError("<constraints>", f"spatial.{axis}", f"unrolls more than the axis size {n}")
            per_axis.append([tuple((d, f) for d, f in pinned if f > 1)])
        else:
            per_axis.append(_axis_options(allowed[axis], left, n, max_mixed, imperfect))
    out = []
    for choice in itertools.product(*per_axis):
        factors: dict[str, int] = {}
        free: dict[str, int] = {}
        for axis, loops in zip(axes, choice, strict=True):
            for d, f in loops:
                factors[d] = factors.get(d, 1) * f
                if axis not in fixed_axes:
                    free[d] = free.get(d, 1) * f
        ok = all((left[d] % f == 0) if not imperfect else (f <= left[d]) for d, f in free.items())
        if imperfect and ok:
            # padding-minimal totals only: the product must itself be ceil(size / t) for some t
            ok = all(math.ceil(left[d] / math.ceil(left[d] / f)) == f for d, f in free.items())
        if not ok:
            continue
        used = math.prod(factors.values()) if factors else 1
        out.append(
            SpatialCandidate(
                tuple(zip(axes, choice, strict=True)),
                used,
                used / acc.array.pes,
                _demand_bits(layer, factors),
            )
        )
    # stable ranking: utilization desc, demand asc, then generation order
    ranked = sorted(enumerate(out), key=lambda t: (-t[1].used, t[1].demand_bits, t[0]))
    return [c for _, c in ranked]


def generated_spatial(acc: Accelerator) -> bool:
    """The accelerator's hints name ZigZag's spatial generator (``spatial_generator: zigzag``)."""
    value = acc.hints.get("spatial_generator") if isinstance(acc.hints, dict) else None
    if value is None:
        return False
    if value != "zigzag":
        raise SpecError(acc.name, "hints.spatial_generator", f"unknown generator {value!r} (known: zigzag)")
    return True


def zigzag_candidates(
    layer: Layer, acc: Accelerator, constraints: Constraints, *, imperfect: bool
) -> list[SpatialCandidate]:
    """The candidates of ZigZag's generated unrollings, each pinned on every axis (a factor that does not
    divide its dim pads it, as ZigZag rounds a partial unrolling up), best-ranked first."""
    from carbonloop.mapper.zigzag_spatial import zigzag_spatial_unrollings

    out: list[SpatialCandidate] = []
    for unrolling in zigzag_spatial_unrollings(layer, acc):
        pinned = {a: [(d, f) for d, f in unrolling.get(a, ())] for a in acc.array.axis_names}
        for cand in spatial_candidates(layer, acc, replace(constraints, spatial=pinned), imperfect=imperfect):
            if cand not in out:
                out.append(cand)
    ranked = sorted(enumerate(out), key=lambda t: (-t[1].used, t[1].demand_bits, t[0]))
    return [c for _, c in ranked]


def select_first(cands: list[SpatialCandidate], constraints: Constraints) -> int:
    """How many of the ranked candidates the search always visits (the rest only if they can still win)."""
    if not cands:
        return 0
    if constraints.utilization_slack is not None:
        best = cands[0].utilization
        return sum(1 for c in cands if c.utilization >= best * (1 - constraints.utilization_slack) - 1e-12)
    return min(constraints.top_spatial, len(cands))
