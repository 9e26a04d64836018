"""Constructors for the common layer types, all expressed as affine loop nests.

Dimension names follow ZigZag's so dataflow hints carry over: B batch, G groups, K output channels
(per group), C input channels (per group), OY/OX output rows/cols, FY/FX kernel rows/cols. Dimensions of
size 1 are left out, so a depthwise conv has no K or C loop. Default precision is ZigZag's: 8-bit
weights and inputs, 16-bit partial sums, 8-bit final outputs.
"""

from __future__ import annotations

from carbonloop.errors import SpecError
from carbonloop.workload.layer import Axis, Layer, Operand


def _pair(v: int | tuple[int, int] | list[int], what: str, name: str) -> tuple[int, int]:
    pair = (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))
    if min(pair) < 1:
        raise SpecError("<layer>", f"layers.{name}.{what}", f"must be >= 1 (got {v!r})")
    return pair


def _positive(name: str, **values: int) -> None:
    for key, v in values.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise SpecError("<layer>", f"layers.{name}.{key}", f"must be a positive integer (got {v!r})")


def _axis(*terms: tuple[str, int], sizes: dict[str, int]) -> Axis | None:
    kept = tuple((d, c) for d, c in terms if sizes.get(d, 1) > 1)
    return kept or None


def _operands(
    sizes: dict[str, int],
    w_axes: list[tuple[tuple[str, int], ...]],
    i_axes: list[tuple[tuple[str, int], ...]],
    o_axes: list[tuple[tuple[str, int], ...]],
    bits: tuple[int, int, int, int],
    weight_constant: bool = True,
) -> tuple[Operand, ...]:
    w_bits, i_bits, o_bits, psum_bits = bits

    def keep(axes: list[tuple[tuple[str, int], ...]]) -> tuple[Axis, ...]:
        return tuple(a for a in (_axis(*t, sizes=sizes) for t in axes) if a is not None)

    return (
        Operand("W", "W", keep(w_axes), w_bits, None, weight_constant),
        Operand("I", "I", keep(i_axes), i_bits),
        Operand("O", "O", keep(o_axes), o_bits, psum_bits),
    )


def _dims(order: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple((d, s) for d, s in order if s > 1) or ((order[0][0], 1),)


def conv2d(
    name: str,
    *,
    K: int,
    C: int,
    OY: int,
    OX: int,
    FY: int = 1,
    FX: int = 1,
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    B: int = 1,
    padding: int | tuple[int, int, int, int] = 0,
    bits: tuple[int, int, int, int] = (8, 8, 8, 16),
) -> Layer:
    """2-D convolution; ``K`` and ``C`` are total channels, split over ``groups`` (depthwise: groups=C=K).

    ``bits`` is (weights, inputs, final outputs, partial sums).
    """
    _positive(name, K=K, C=C, OY=OY, OX=OX, FY=FY, FX=FX, groups=groups, B=B)
    if K % groups or C % groups:
        raise SpecError("<layer>", f"layers.{name}.groups", f"{groups} does not divide K={K} and C={C}")
    sy, sx = _pair(stride, "stride", name)
    dy, dx = _pair(dilation, "dilation", name)
    kg, cg = K // groups, C // groups
    sizes = {"B": B, "G": groups, "K": kg, "C": cg, "OY": OY, "OX": OX, "FY": FY, "FX": FX}
    dims = _dims([(d, sizes[d]) for d in ("B", "G", "K", "C", "OY", "OX", "FY", "FX")])
    ops = _operands(
        sizes,
        [(("G", 1),), (("K", 1),), (("C", 1),), (("FY", 1),), (("FX", 1),)],
        [(("B", 1),), (("G", 1),), (("C", 1),), (("OY", sy), ("FY", dy)), (("OX", sx), ("FX", dx))],
        [(("B", 1),), (("G", 1),), (("K", 1),), (("OY", 1),), (("OX", 1),)],
        (bits[0], bits[1], bits[2], bits[3]),
    )
    kind = "dwconv" if groups > 1 and kg == 1 and cg == 1 else ("gconv" if groups > 1 else "conv")
    info: dict[str, object] = {
        "stride": [sy, sx],
        "dilation": [dy, dx],
        "groups": groups,
        "channels_in": C,
        "channels_out": K,
        "padding": padding,
    }
    return Layer(name, dims, ops, kind, info)


def matmul(
    name: str,
    *,
    M: int,
    N: int,
    K: int,
    B: int = 1,
    weight_constant: bool = True,
    bits: tuple[int, int, int, int] = (8, 8, 8, 16),
) -> Layer:
    """``O[b,m,n] += I[b,m,k] * W[b?,k,n]``: an (M x K) by (K x N) product, ``B`` times.

    Loop names follow the conv convention: the output features N are ``K``, the reduction K is ``C`` and
    the rows M are ``OY`` (so a weight-stationary or output-stationary hint written for convs applies).
    With ``weight_constant=False`` (attention's Q*K^T), the second operand is an activation indexed by B.
    """
    _positive(name, M=M, N=N, K=K, B=B)
    sizes = {"B": B, "OY": M, "K": N, "C": K}
    dims = _dims([(d, sizes[d]) for d in ("B", "K", "C", "OY")])
    w_axes: list[tuple[tuple[str, int], ...]] = (
        [(("C", 1),), (("K", 1),)] if weight_constant else [(("B", 1),), (("C", 1),), (("K", 1),)]
    )
    ops = _operands(
        sizes,
        w_axes,
        [(("B", 1),), (("OY", 1),), (("C", 1),)],
        [(("B", 1),), (("OY", 1),), (("K", 1),)],
        bits,
        weight_constant,
    )
    return Layer(name, dims, ops, "matmul", {"M": M, "N": N, "K": K, "B": B})


def fully_connected(
    name: str,
    *,
    in_features: int,
    out_features: int,
    batch: int = 1,
    bits: tuple[int, int, int, int] = (8, 8, 8, 16),
) -> Layer:
    """A dense layer: ``K`` outputs from ``C`` inputs (a 1x1 conv on a 1x1 image)."""
    _positive(name, in_features=in_features, out_features=out_features, batch=batch)
    layer = matmul(name, M=batch, N=out_features, K=in_features, bits=bits)
    return Layer(
        name, layer.dims, layer.operands, "fc", {"in_features": in_features, "out_features": out_features}
    )


def conv1d(name: str = "conv1d", *, M: int = 32, P: int = 16, R: int = 3, bits: int = 8) -> Layer:
    """The course 1-D convolution ``o[m,p] += i[p+r] * f[m,r]``, every operand and partial sum ``bits`` wide."""
    _positive(name, M=M, P=P, R=R, bits=bits)
    dims = (("M", M), ("P", P), ("R", R))
    ops = (
        Operand("W", "W", ((("M", 1),), (("R", 1),)), bits, None, True),
        Operand("I", "I", ((("P", 1), ("R", 1)),), bits),
        Operand("O", "O", ((("M", 1),), (("P", 1),)), bits, bits),
    )
    return Layer(name, dims, ops, "conv1d", {})
