"""A layer: named loop dimensions and operands whose axes are affine in those dimensions.

Relevance of a dimension to an operand (relevant, irrelevant, sliding window) is derived from the axis
relations, never listed by hand, so any loop nest a user writes (``iy = stride*oy + dilation*fy``) is
costed by the same rules as the built-in layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from carbonloop.errors import SpecError
from carbonloop.workload.footprint import axis_positions

Role = Literal["W", "I", "O"]
Relevance = Literal["relevant", "irrelevant", "window"]
ROLES: tuple[Role, ...] = ("W", "I", "O")

NON_MAC_KINDS: frozenset[str] = frozenset({"add", "mul", "max", "pool"})
"""Layer kinds whose loop iterations are single element-wise operations (add, multiply, compare), not
multiply-accumulates: they count in :attr:`Layer.ops` but not in :attr:`Layer.macs`, so the MAC totals
of a network stay the published ones however many residual adds or pooling layers it lists."""

Axis = tuple[tuple[str, int], ...]
"""One tensor axis: a sum of ``coef * dim`` terms (an additive offset such as padding does not matter)."""


@dataclass(frozen=True)
class Operand:
    """A tensor the layer reads or accumulates into.

    ``role`` tells the hardware which port it uses: ``W`` (second input, usually weights), ``I`` (first
    input) or ``O`` (the output, accumulated). ``bits`` is the stored precision; for outputs,
    ``partial_bits`` is the precision of partial sums (defaults to ``bits``). ``constant`` marks model
    parameters (counted as weights); attention's activations-times-activations have none.
    """

    name: str
    role: Role
    axes: tuple[Axis, ...]
    bits: int = 8
    partial_bits: int | None = None
    constant: bool = False

    @property
    def psum_bits(self) -> int:
        """Precision of partial sums (outputs) or of the operand itself (inputs)."""
        return self.partial_bits if self.partial_bits is not None else self.bits

    def dims(self) -> frozenset[str]:
        """Every dimension that indexes this operand."""
        return frozenset(d for axis in self.axes for d, c in axis if c != 0)


@dataclass(frozen=True)
class Layer:
    """One loop nest: ``dims`` (ordered name -> size) and its ``operands``."""

    name: str
    dims: tuple[tuple[str, int], ...]
    operands: tuple[Operand, ...]
    kind: str = "custom"
    info: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        where = f"layers.{self.name}"
        names = [d for d, _ in self.dims]
        if len(set(names)) != len(names):
            raise SpecError("<layer>", f"{where}.dims", f"duplicate dimension in {names}")
        for d, s in self.dims:
            if not isinstance(s, int) or isinstance(s, bool) or s < 1:
                raise SpecError(
                    "<layer>", f"{where}.dims.{d}", f"size must be a positive integer (got {s!r})"
                )
        known = set(names)
        roles = [o.role for o in self.operands]
        if roles.count("O") != 1:
            raise SpecError(
                "<layer>", f"{where}.operands", f"exactly one output (role O) needed, got {roles}"
            )
        if len({o.name for o in self.operands}) != len(self.operands):
            raise SpecError("<layer>", f"{where}.operands", "operand names must be unique")
        for o in self.operands:
            if o.bits < 1 or o.psum_bits < 1:
                raise SpecError("<layer>", f"{where}.operands.{o.name}.bits", f"must be >= 1 (got {o.bits})")
            for axis in o.axes:
                for d, _ in axis:
                    if d not in known:
                        raise SpecError(
                            "<layer>", f"{where}.operands.{o.name}.axes", f"unknown dimension {d!r}"
                        )

    # --- sizes ---------------------------------------------------------------------------------
    @property
    def dim_names(self) -> tuple[str, ...]:
        return tuple(d for d, _ in self.dims)

    @property
    def sizes(self) -> dict[str, int]:
        return dict(self.dims)

    def size(self, dim: str) -> int:
        for d, s in self.dims:
            if d == dim:
                return s
        raise SpecError("<layer>", f"layers.{self.name}.dims", f"unknown dimension {dim!r}")

    @property
    def iterations(self) -> int:
        """Points of the loop nest (the product of all loop sizes)."""
        return math.prod(s for _, s in self.dims)

    @property
    def shape_key(self) -> tuple:
        """What makes two layers the same mapping problem: dims, operands (axes, precisions), kind."""
        return (self.dims, self.operands, self.kind)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the whole nest; 0 for element-wise and pooling kinds (NON_MAC_KINDS)."""
        return 0 if self.kind in NON_MAC_KINDS else self.iterations

    @property
    def ops(self) -> int:
        """Arithmetic operations: 2 per MAC (multiply, add), 1 per iteration of an element-wise/pool nest."""
        return self.iterations if self.kind in NON_MAC_KINDS else 2 * self.iterations

    # --- operands ------------------------------------------------------------------------------
    def operand(self, name_or_role: str) -> Operand:
        """The operand with that name, or else the one with that role."""
        for o in self.operands:
            if o.name == name_or_role:
                return o
        for o in self.operands:
            if o.role == name_or_role:
                return o
        raise SpecError("<layer>", f"layers.{self.name}.operands", f"unknown operand {name_or_role!r}")

    @property
    def output(self) -> Operand:
        return next(o for o in self.operands if o.role == "O")

    def effective_axes(self, operand: Operand) -> tuple[Axis, ...]:
        """Axes with size-1 dims dropped: a 1x1 strided conv's input axis ``2*ox + fx`` is just ``ox``."""
        cache: dict[str, tuple[Axis, ...]] = self.__dict__.setdefault("_effective_axes", {})
        if operand.name not in cache:
            sizes = self.sizes
            out = []
            for axis in operand.axes:
                terms = tuple((d, c) for d, c in axis if c != 0 and sizes[d] > 1)
                if terms:
                    out.append(terms)
            cache[operand.name] = tuple(out)
        return cache[operand.name]

    def relevance(self, operand: Operand | str, dim: str) -> Relevance:
        """``relevant`` (indexes an axis alone), ``window`` (shares an axis: sliding), ``irrelevant``."""
        op = self.operand(operand) if isinstance(operand, str) else operand
        kind: Relevance = "irrelevant"
        for axis in op.axes:
            dims_in_axis = [d for d, c in axis if c != 0 and self.size(d) > 1]
            if dim in dims_in_axis:
                if len(dims_in_axis) > 1:
                    return "window"
                kind = "relevant"
        return kind

    @property
    def reduction_dims(self) -> tuple[str, ...]:
        """Dimensions summed over (irrelevant to the output)."""
        return tuple(d for d in self.dim_names if self.relevance(self.output, d) == "irrelevant")

    def footprint(self, operand: Operand | str, extents: dict[str, int] | None = None) -> int:
        """Elements of ``operand`` touched by a tile with the given per-dim extents (default: all).

        Counted by the same rule as the model (carbonloop.workload.footprint): exact for single-dim axes and for
        ``stride*o + f`` windows (with gaps when the window is narrower than the stride), the bounding
        interval otherwise.
        """
        op = self.operand(operand) if isinstance(operand, str) else operand
        ext = self.sizes if extents is None else {**self.sizes, **extents}
        total = 1
        for axis in self.effective_axes(op):
            total *= axis_positions(axis, ext)
        return total

    @property
    def weights(self) -> int:
        """Number of constant parameters (weight values) of the layer."""
        return sum(self.footprint(o) for o in self.operands if o.constant)

    @property
    def weight_bits(self) -> int:
        """Bits of the layer's weight (``W``) operands, each at its own precision."""
        return sum(self.footprint(o) * o.bits for o in self.operands if o.role == "W")

    def renamed(self, mapping: dict[str, str]) -> Layer:
        """The same layer with dimensions renamed (used to show results do not depend on names)."""
        dims = tuple((mapping.get(d, d), s) for d, s in self.dims)
        ops = tuple(
            Operand(
                o.name,
                o.role,
                tuple(tuple((mapping.get(d, d), c) for d, c in axis) for axis in o.axes),
                o.bits,
                o.partial_bits,
                o.constant,
            )
            for o in self.operands
        )
        return Layer(self.name, dims, ops, self.kind, dict(self.info))


def parse_axis(text: str | int, *, source: str = "<layer>", where: str = "axes") -> Axis:
    """``"2*OY + FY - 1"`` -> ``(("OY", 2), ("FY", 1))``; constants (offsets) are dropped."""
    s = str(text).replace(" ", "").replace("-", "+-")
    terms: dict[str, int] = {}
    for raw in s.split("+"):
        if raw in ("", "-"):
            continue
        sign = -1 if raw.startswith("-") else 1
        tok = raw.lstrip("-")
        coef, _, dim = tok.rpartition("*")
        if not dim:
            raise SpecError(source, where, f"cannot read axis expression {text!r}")
        if dim.isdigit():  # a constant offset (padding): does not change any count
            continue
        if not dim.replace("_", "").isalnum() or dim[0].isdigit():
            raise SpecError(source, where, f"bad dimension name {dim!r} in {text!r}")
        try:
            c = int(coef) if coef else 1
        except ValueError:
            raise SpecError(source, where, f"coefficient must be an integer in {text!r}") from None
        terms[dim] = terms.get(dim, 0) + sign * c
    out = tuple((d, c) for d, c in terms.items() if c != 0)
    if not out:
        raise SpecError(source, where, f"axis {text!r} names no dimension")
    return out


def format_axis(axis: Axis) -> str:
    """Inverse of :func:`parse_axis`."""
    parts = []
    for d, c in axis:
        term = d if abs(c) == 1 else f"{abs(c)}*{d}"
        parts.append(("- " if c < 0 else "+ ") + term)
    text = " ".join(parts)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]
