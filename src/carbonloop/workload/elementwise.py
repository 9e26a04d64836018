"""Layers that move or combine data without multiply-accumulates, plus the transposed convolution.

Residual adds, gating multiplies and pooling cost memory traffic and simple arithmetic on accelerators,
so they are layers with their own loop dims (the model counts their accesses like any nest) rather than
dropped. Their kinds are in :data:`NON_MAC_KINDS`, which keeps them out of ``Layer.macs`` (MAC totals
stay the published ones) while ``Layer.ops`` counts one operation per loop iteration.

Dimension names follow the builders: B batch, K channels (or features), OY/OX rows/cols, FY/FX window.
Dims of size 1 are left out, as in :mod:`carbonloop.workload.builders`.
"""

from __future__ import annotations

from carbonloop.errors import SpecError
from carbonloop.workload.builders import _pair, _positive
from carbonloop.workload.layer import NON_MAC_KINDS, Axis, Layer, Operand

__all__ = ["NON_MAC_KINDS", "BINARY_KINDS", "conv_transpose2d", "eltwise", "pool2d", "tensor_dims"]

BINARY_KINDS = ("add", "mul", "max")
"""Element-wise kinds with two inputs (sub counts as add, div as mul, min as max)."""


def tensor_dims(shape: tuple[int, ...] | list[int]) -> tuple[str, ...]:
    """Loop names for a tensor of that rank: NCHW -> (B, K, OY, OX); (B, rows, features) -> (B, OY, K).

    The names match the conv and matmul builders so a mapping hint written for those layers applies.
    Leading axes beyond rank 4 fold into B (see :func:`fold_shape`).
    """
    rank = len(shape)
    return {0: ("K",), 1: ("K",), 2: ("OY", "K"), 3: ("B", "OY", "K")}.get(rank, ("B", "K", "OY", "OX"))


def fold_shape(shape: tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """The shape with leading axes merged so that its rank is at most 4 (scalars become ``(1,)``)."""
    dims = tuple(int(s) for s in shape) or (1,)
    if len(dims) <= 4:
        return dims
    lead = 1
    for s in dims[: len(dims) - 3]:
        lead *= s
    return (lead, *dims[-3:])


def _shape_axes(names: tuple[str, ...], shape: tuple[int, ...], sizes: dict[str, int]) -> tuple[Axis, ...]:
    """Axes of an operand broadcast against the output: only the non-1 axes of its own shape index it."""
    offset = len(names) - len(shape)
    axes = []
    for i, s in enumerate(shape):
        name = names[offset + i] if offset + i >= 0 else None
        if name is not None and s > 1 and sizes.get(name, 1) > 1:
            axes.append(((name, 1),))
    return tuple(axes)


def eltwise(
    name: str,
    *,
    shape: tuple[int, ...] | list[int],
    kind: str = "add",
    second_shape: tuple[int, ...] | list[int] | None = None,
    first_shape: tuple[int, ...] | list[int] | None = None,
    second_constant: bool = False,
    bits: tuple[int, int, int, int] = (8, 8, 8, 8),
    op: str | None = None,
) -> Layer:
    """``O[...] = I[...] (+|*|max) W[...]`` over the output ``shape`` (the residual add, the SE gate).

    ``first_shape``/``second_shape`` are the inputs' shapes when they broadcast (a per-channel scale is
    ``(1, C, 1, 1)``); the second input is ``W`` and is a model parameter only when ``second_constant``.
    ``bits`` is (second input, first input, output, output): no partial sums, nothing is accumulated.
    """
    if kind not in BINARY_KINDS:
        raise SpecError(
            "<layer>", f"layers.{name}.kind", f"unknown element-wise kind {kind!r} ({BINARY_KINDS})"
        )
    out_shape = fold_shape(shape)
    _positive(name, **{f"shape[{i}]": s for i, s in enumerate(out_shape)})
    names = tensor_dims(out_shape)
    sizes = dict(zip(names, out_shape, strict=True))
    dims = tuple((d, s) for d, s in sizes.items() if s > 1) or ((names[-1], 1),)
    first = fold_shape(first_shape) if first_shape is not None else out_shape
    second = fold_shape(second_shape) if second_shape is not None else out_shape
    full = _shape_axes(names, out_shape, sizes)
    ops = (
        Operand("W", "W", _shape_axes(names, second, sizes), bits[0], None, second_constant),
        Operand("I", "I", _shape_axes(names, first, sizes), bits[1]),
        Operand("O", "O", full, bits[2], bits[3]),
    )
    info: dict[str, object] = {"op": op or kind, "shape": list(out_shape)}
    if second_shape is not None:
        info["second_shape"] = list(second)
    if first_shape is not None:
        info["first_shape"] = list(first)
    return Layer(name, dims, ops, kind, info)


def pool2d(
    name: str,
    *,
    C: int,
    OY: int,
    OX: int,
    FY: int,
    FX: int,
    stride: int | tuple[int, int] = 1,
    B: int = 1,
    mode: str = "max",
    padding: int | tuple[int, int, int, int] = 0,
    bits: tuple[int, int, int] | None = None,
) -> Layer:
    """Max or average pooling over an FY x FX window: a depthwise window reduction without weights.

    A global average pool is ``OY=OX=1`` with the window the whole map. ``bits`` is (input, output,
    partial result); by default 8, 8 and 16 for an average (a running sum), 8 for a max (a running max).
    Channels are ``K`` (relevant to input and output, like a depthwise conv's ``G``).
    """
    if bits is None:
        bits = (8, 8, 16 if mode == "avg" else 8)
    _positive(name, C=C, OY=OY, OX=OX, FY=FY, FX=FX, B=B)
    if mode not in ("max", "avg"):
        raise SpecError("<layer>", f"layers.{name}.mode", f"must be 'max' or 'avg' (got {mode!r})")
    sy, sx = _pair(stride, "stride", name)
    sizes = {"B": B, "K": C, "OY": OY, "OX": OX, "FY": FY, "FX": FX}
    dims = tuple((d, s) for d, s in sizes.items() if s > 1) or (("K", 1),)

    def keep(*axes: tuple[tuple[str, int], ...]) -> tuple[Axis, ...]:
        out = []
        for axis in axes:
            terms = tuple((d, c) for d, c in axis if sizes[d] > 1)
            if terms:
                out.append(terms)
        return tuple(out)

    ops = (
        Operand(
            "I",
            "I",
            keep((("B", 1),), (("K", 1),), (("OY", sy), ("FY", 1)), (("OX", sx), ("FX", 1))),
            bits[0],
        ),
        Operand("O", "O", keep((("B", 1),), (("K", 1),), (("OY", 1),), (("OX", 1),)), bits[1], bits[2]),
    )
    info: dict[str, object] = {"mode": mode, "stride": [sy, sx], "window": [FY, FX], "padding": padding}
    return Layer(name, dims, ops, "pool", info)


def conv_transpose2d(
    name: str,
    *,
    K: int,
    C: int,
    IY: int,
    IX: int,
    FY: int,
    FX: int,
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    B: int = 1,
    padding: int | tuple[int, int, int, int] = 0,
    bits: tuple[int, int, int, int] = (8, 8, 8, 16),
) -> Layer:
    """Transposed convolution, written input-centred: every input pixel scatters a kernel into the output.

    ``O[b, g, k, s*iy + d*fy, s*ix + d*fx] += I[b, g, c, iy, ix] * W[g, c, k, fy, fx]``: the loops run over
    the input map (IY, IX), so MACs = B*K*C*IY*IX*FY*FX/groups, and the output is the windowed operand.
    """
    _positive(name, K=K, C=C, IY=IY, IX=IX, FY=FY, FX=FX, groups=groups, B=B)
    if K % groups or C % groups:
        raise SpecError("<layer>", f"layers.{name}.groups", f"{groups} does not divide K={K} and C={C}")
    sy, sx = _pair(stride, "stride", name)
    dy, dx = _pair(dilation, "dilation", name)
    sizes = {"B": B, "G": groups, "K": K // groups, "C": C // groups, "IY": IY, "IX": IX, "FY": FY, "FX": FX}
    dims = tuple((d, s) for d, s in sizes.items() if s > 1) or (("K", 1),)

    def keep(*axes: tuple[tuple[str, int], ...]) -> tuple[Axis, ...]:
        out = []
        for axis in axes:
            terms = tuple((d, c) for d, c in axis if sizes[d] > 1)
            if terms:
                out.append(terms)
        return tuple(out)

    ops = (
        Operand(
            "W",
            "W",
            keep((("G", 1),), (("C", 1),), (("K", 1),), (("FY", 1),), (("FX", 1),)),
            bits[0],
            None,
            True,
        ),
        Operand("I", "I", keep((("B", 1),), (("G", 1),), (("C", 1),), (("IY", 1),), (("IX", 1),)), bits[1]),
        Operand(
            "O",
            "O",
            keep((("B", 1),), (("G", 1),), (("K", 1),), (("IY", sy), ("FY", dy)), (("IX", sx), ("FX", dx))),
            bits[2],
            bits[3],
        ),
    )
    info: dict[str, object] = {
        "stride": [sy, sx],
        "dilation": [dy, dx],
        "groups": groups,
        "channels_in": C,
        "channels_out": K,
        "padding": padding,
    }
    return Layer(name, dims, ops, "convtranspose", info)
