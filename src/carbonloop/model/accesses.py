"""Exact access counts per memory level and operand, for N mappings at once (docs/model.md).

Conventions (Timeloop's):
- *fills* of a level: elements written into it from its parent, counting only what is new since the
  previous tile (a sliding input window costs its delta; a tile that does not change costs nothing);
- *reads*: elements read out of a level, to its child, to the compute, or (outputs) to send partial sums
  up to its parent;
- *updates*: partial sums written into a level from below; the first update of an output needs no read;
- spatial fan-out of a dim irrelevant to an operand is a multicast (one parent read feeds many
  children); spatial fan-out of a reduction dim is a spatial reduction (one parent update).

The number of new elements is summed over every tile transition of the loop nest in closed form: when
loop q steps (and every loop inside it resets), the tile moves by a per-dim index shift, and overlaps
its predecessor by the product over the operand's axes of ``max(0, extent - |shift|)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from carbonloop.model.nest import CompiledLayer, CompiledOperand, LoopArrays
from carbonloop.workload.footprint import axis_size, comb_axis


def _excl_cumprod(a: np.ndarray) -> np.ndarray:
    """Product of the entries before each position along axis 1."""
    out = np.ones_like(a)
    if a.shape[1] > 1:
        out[:, 1:] = np.cumprod(a[:, :-1], axis=1)
    return out


def _rev_excl_cumsum(a: np.ndarray) -> np.ndarray:
    """Sum of the entries after each position along axis 1."""
    c = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
    return c - a


@dataclass(frozen=True)
class NestGeometry:
    """Per-batch quantities shared by every operand and level."""

    onehot: np.ndarray  # [N, K, D] bool
    stride: np.ndarray  # [N, K] index step of each loop in its dim
    factor: np.ndarray  # [N, K]
    level: np.ndarray  # [N, K]
    spatial: np.ndarray  # [N, K]

    def extents(self, mask: np.ndarray) -> np.ndarray:
        """Per-dim product of the factors of the loops in ``mask`` [N, K] -> [N, D]."""
        sel = mask[:, :, None] & self.onehot
        return np.where(sel, self.factor[:, :, None], 1).prod(axis=1)

    def product(self, mask: np.ndarray) -> np.ndarray:
        return np.where(mask, self.factor, 1).prod(axis=1)


def geometry(loops: LoopArrays, D: int) -> NestGeometry:
    onehot = loops.dim[:, :, None] == np.arange(D)[None, None, :]
    f3 = np.where(onehot, loops.factor[:, :, None], 1)  # [N, K, D]
    rev = np.cumprod(f3[:, ::-1, :], axis=1)[:, ::-1, :]  # inclusive product from k to the innermost
    inner = rev // f3  # exclusive: loops strictly inside k on each dim
    stride = (inner * onehot).sum(axis=2)
    return NestGeometry(onehot, stride, loops.factor, loops.level, loops.spatial)


@dataclass(frozen=True)
class Transitions:
    """Tile transitions above one level: how often each loop steps and the index shift it causes."""

    weight: np.ndarray  # [N, K] number of steps of loop k (0 where k is not a transition)
    shift: np.ndarray  # [N, K, D] index change per dim at a step of loop k


def transitions(g: NestGeometry, child_level: int) -> Transitions:
    trans = (~g.spatial) & (g.level < child_level)
    f = np.where(trans, g.factor, 1)
    steps = _excl_cumprod(f) * (f - 1)
    resets = np.where(trans, (g.factor - 1) * g.stride, 0)[:, :, None] * g.onehot
    shift = g.onehot * g.stride[:, :, None] - _rev_excl_cumsum(resets)
    return Transitions(steps, shift)


def _axis_overlap(
    dims: tuple[int, ...], coefs: tuple[int, ...], ext: np.ndarray, shift: np.ndarray
) -> np.ndarray:
    """Positions shared by an axis tile and the same tile moved by the per-dim ``shift`` [N, K, D]."""
    if len(dims) == 1:
        d = dims[0]
        return np.where(shift[:, :, d] == 0, ext[:, d][:, None], 0)
    g = math.gcd(*(abs(c) for c in coefs)) if len(coefs) == 2 else 1
    moved = np.zeros(shift.shape[:2], dtype=np.int64)
    for d, c in zip(dims, coefs, strict=True):
        moved = moved + c * shift[:, :, d]
    span = axis_size(dims, coefs, ext)[:, None]
    comb = comb_axis(dims, coefs)
    if comb is None:
        return np.clip(span - np.abs(moved), 0, None)
    if g > 1:  # positions are multiples of g: a move that is not one shares nothing
        aligned = moved % g == 0
        moved = moved // g
    else:
        aligned = np.ones(moved.shape, dtype=bool)
    i, j, s = comb
    n, m = ext[:, i][:, None], ext[:, j][:, None]
    dense = np.clip(span - np.abs(moved), 0, None)
    q, r = np.divmod(moved, s)
    teeth = np.clip(m - r, 0, None) * np.clip(n - np.abs(q), 0, None) + np.clip(m - s + r, 0, None) * np.clip(
        n - np.abs(q + 1), 0, None
    )
    return np.where(aligned, np.where(m >= s, dense, teeth), 0)


def footprint(op: CompiledOperand, ext: np.ndarray) -> np.ndarray:
    """Elements of ``op`` in a tile with per-dim extents ``ext`` [N, D]."""
    total = np.ones(ext.shape[0], dtype=np.int64)
    for dims, coefs in op.axes:
        total = total * axis_size(dims, coefs, ext)
    return total


def fills(op: CompiledOperand, ext: np.ndarray, tr: Transitions) -> np.ndarray:
    """Elements brought into a tile of extents ``ext`` over all transitions ``tr`` (first tile included)."""
    size = footprint(op, ext)
    overlap = np.ones(tr.weight.shape, dtype=np.int64)
    for dims, coefs in op.axes:
        overlap = overlap * _axis_overlap(dims, coefs, ext, tr.shift)
    new = size[:, None] - overlap
    return size + (tr.weight * new).sum(axis=1)


@dataclass(frozen=True)
class Counts:
    """Counts [N, L, O] (operands in the layer's order) and what the model needs around them."""

    reads: np.ndarray
    fills: np.ndarray
    updates: np.ndarray
    word_bits: np.ndarray  # [N, L, O] precision of the operand's elements at that level
    tile_bits: np.ndarray  # [N, L] bits each instance of a level must hold
    temporal_iterations: np.ndarray  # [N]
    spatial_used: np.ndarray  # [N]
    instances: np.ndarray  # [N, L] instances of each level in use
    first_tile_bits: np.ndarray  # [N, L] bits of W/I a level must receive before compute starts
    last_tile_bits: np.ndarray  # [N, L] bits of O a level must send up after compute ends


def count_accesses(cl: CompiledLayer, loops: LoopArrays, keep: tuple[frozenset[str], ...]) -> Counts:
    N, L, O = loops.N, len(keep), len(cl.operands)
    g = geometry(loops, cl.D)
    reads = np.zeros((N, L, O), dtype=np.int64)
    fill = np.zeros((N, L, O), dtype=np.int64)
    upd = np.zeros((N, L, O), dtype=np.int64)
    bits = np.zeros((N, L, O), dtype=np.int64)
    tile_bits = np.zeros((N, L), dtype=np.int64)
    first_bits = np.zeros((N, L), dtype=np.int64)
    last_bits = np.zeros((N, L), dtype=np.int64)

    lev, sp = g.level, g.spatial
    everything = np.ones_like(sp)
    T = g.product(~sp)
    spatial_used = g.product(sp)
    inst = np.stack([g.product(sp & (lev < x)) for x in range(L)], axis=1)  # [N, L]
    tile_ext = [g.extents(lev >= x) for x in range(L)]  # loops at or below level x
    seen_ext = [g.extents(~(sp & (lev < x))) for x in range(L)]  # all a level-x instance ever sees
    below_ext = [g.extents((lev > x) | (sp & (lev == x))) for x in range(L)]  # what arrives from below x
    trans = {}

    def tr(x: int) -> Transitions:
        if x not in trans:
            trans[x] = transitions(g, x)
        return trans[x]

    red = list(cl.reduction)
    for oi, op in enumerate(cl.operands):
        chain = [x for x in range(L) if op.role in keep[x]]
        is_out = op.role == "O"
        for x in chain:
            if is_out:
                final = np.ones(N, dtype=bool)
                for d in red:
                    final &= below_ext[x][:, d] >= cl.sizes[d]
                bits[:, x, oi] = np.where(final, op.bits, op.partial_bits)
            else:
                bits[:, x, oi] = op.bits
            tile_bits[:, x] += footprint(op, tile_ext[x]) * bits[:, x, oi]
        for p, c in zip(chain, chain[1:], strict=False):
            t = tr(c)
            f_child = fills(op, tile_ext[c], t)
            between = sp & (lev >= p) & (lev < c)
            if between.any():
                union = tile_ext[c] * g.extents(between)
                f_union = fills(op, union, t)
            else:
                f_union = f_child
            if is_out:
                first_c = inst[:, c] * footprint(op, seen_ext[c])
                first_p = inst[:, p] * footprint(op, seen_ext[p])
                fill[:, c, oi] += inst[:, c] * f_child - first_c
                reads[:, c, oi] += inst[:, c] * f_child
                upd[:, p, oi] += inst[:, p] * f_union
                reads[:, p, oi] += inst[:, p] * f_union - first_p
                last_bits[:, c] += footprint(op, tile_ext[c]) * bits[:, c, oi]
            else:
                fill[:, c, oi] += inst[:, c] * f_child
                reads[:, p, oi] += inst[:, p] * f_union
                first_bits[:, c] += footprint(op, tile_ext[c]) * bits[:, c, oi]
        last = chain[-1]
        compute_union = g.extents(sp & (lev >= last))
        n = inst[:, last] * T * footprint(op, compute_union)
        if is_out:
            upd[:, last, oi] += n
            reads[:, last, oi] += n - inst[:, last] * footprint(op, seen_ext[last])
        else:
            reads[:, last, oi] += n
    del everything
    return Counts(reads, fill, upd, bits, tile_bits, T, spatial_used, inst, first_bits, last_bits)
