"""A joint lower bound on the refills of two operands, whatever the loop order (docs/mapper.md).

The order-free bound (:func:`carbonloop.mapper.temporal.order_free_fills`) bounds each operand's fills
alone, as if every operand could have its own best loop order. They cannot: at a level ``c``, every
transition of the loops above ``c`` moves the iteration point, and an operand whose axes are all
single-dim (no sliding window) refills its whole tile whenever one of its dims moves. For two such
operands whose dims together cover every dim with a loop above ``c`` (weights and outputs of a conv:
K, C, FY, FX and B, K, OY, OX), no transition leaves both tiles in place, so the transitions that refill
one or the other are all ``n = T_above - 1`` of them (``T_above``: the product of the temporal factors
above ``c``). With ``m_1``, ``m_2`` the refills the order-free bound already counts for each and ``e_1``,
``e_2`` the energy of one refill (the parent's reads, or update and read for partial sums, and the
child's writes, exactly as the model charges them), the least energy of
``e_1 a_1 + e_2 a_2`` under ``a_1 >= m_1``, ``a_2 >= m_2``, ``a_1 + a_2 >= n`` is the order-free part
plus ``min(e_1, e_2) x max(0, n - m_1 - m_2)``. That extra is what this module adds. Levels are
independent (their transitions and their refills are different counts); pairs at one level share their
counts, so the largest pair's extra is taken.

Valid where energy is linear in the counts: words charged in fractions of a level's width
(``fractional_words``) and totals not truncated (``fractional_word_totals``, ZigZag's ``int()``);
elsewhere the extra is 0 and the order-free bound stands alone.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from carbonloop.mapper.temporal import OperandClass, Space
from carbonloop.model.accesses import footprint


def _refill_energy(
    space: Space, op_index: int, p: int, c: int, temporal_ext: np.ndarray, word_bits: np.ndarray
):
    """Energy of one whole refill of an operand's tile below level ``c`` from its parent ``p`` [N]: the
    parent's reads of the union of its children's tiles (updates and reads for partial sums) and the
    children's writes (and their drain reads), at the words the model charges. ``temporal_ext`` [N, D]:
    the temporal loops inside the tile; the spatial ones, the fan-out between ``p`` and ``c`` and the
    instances are the operand's own (:meth:`Space.operand_spatial_at`), as the model counts them."""
    acc, cl = space.acc, space.cl
    op = cl.operands[op_index]
    mp, mc = acc.memories[p], acc.memories[c]
    at_p, at_c = space.operand_spatial_at(op_index, p), space.operand_spatial_at(op_index, c)
    between = at_p // at_c  # spatial fan-out from p down to c
    inst_p, inst_c = space.operand_instances(op_index, p), space.operand_instances(op_index, c)
    ext = temporal_ext * at_c[None, :]
    tile = footprint(op, ext).astype(float)
    union = footprint(op, ext * between[None, :]).astype(float)
    wp = word_bits[:, p, op_index] / mp.width_bits
    wc = word_bits[:, c, op_index] / mc.width_bits
    conv = acc.conventions
    if op.role == "O":
        parent = inst_p * union * wp * (mp.update_pj + mp.read_pj)
        child = inst_c * tile * wc * (mc.write_pj + (mc.read_pj if conv.drain_reads else 0.0))
    else:
        parent = inst_p * union * wp * mp.read_pj
        child = inst_c * tile * wc * mc.write_pj
    return parent + child


def pair_refill_energy(
    space: Space, F: np.ndarray, word_bits: np.ndarray, classes: tuple[OperandClass, ...]
) -> np.ndarray:
    """Energy [N] every loop order of the tilings ``F`` [N, L, D] spends beyond their order-free bound,
    from pairs of window-free operands that cannot both stay in place (module docstring).
    ``word_bits`` [N, L, O]: the model's word sizes for these tilings (outputs are taken at their smaller
    precision, which the loop order cannot go below)."""
    N, L, D = F.shape
    extra = np.zeros(N)
    acc, cl = space.acc, space.cl
    if not acc.conventions.fractional_words or not acc.conventions.fractional_word_totals or N == 0:
        return extra
    wb = word_bits.astype(float).copy()
    for oi, op in enumerate(cl.operands):
        if op.role == "O" and acc.conventions.operand_word_bits:
            wb[:, :, oi] = np.minimum(wb[:, :, oi], min(op.bits, op.partial_bits))
    plain = [oi for oi, c in enumerate(classes) if not c.win and c.nw]
    if len(plain) < 2:
        return extra
    chain = {oi: [x for x in range(L) if cl.operands[oi].role in space.keep[x]] for oi in plain}
    nw = {oi: np.isin(np.arange(D), sorted(classes[oi].nw)) for oi in plain}
    temporal_above = np.cumprod(F, axis=1)  # [N, L, D]: product of levels 0..x
    inner = np.cumprod(F[:, ::-1, :], axis=1)[:, ::-1, :]  # [N, L, D]: product of levels x..L-1
    level_product = F.prod(axis=2)  # [N, L]
    outer = np.ones((N, L + 1), dtype=np.int64)  # product of every factor of the levels above x
    np.cumprod(level_product, axis=1, out=outer[:, 1:])
    own = {oi: _OwnLevels(F, nw[oi]) for oi in plain}
    for c in range(1, L):
        above = temporal_above[:, c - 1, :]  # [N, D] temporal factors above c, per dim
        n = above.prod(axis=1) - 1  # transitions of the loops above c
        moving = above > 1
        ext = inner[:, c, :]  # temporal extents of the tile at c (each operand adds its spatial loops)
        best = np.zeros(N)
        for a, b in itertools.combinations(plain, 2):
            if c not in chain[a] or c not in chain[b] or chain[a][0] == c or chain[b][0] == c:
                continue
            covered = ~(moving & ~(nw[a] | nw[b])[None, :]).any(axis=1)
            if not covered.any():
                continue
            m, e = [], []
            for oi in (a, b):
                p = max(x for x in chain[oi] if x < c)
                m.append(own[oi].counted_refills(c, outer))
                e.append(_refill_energy(space, oi, p, c, ext, wb))
            short = np.maximum(0, n - m[0] - m[1]).astype(float)
            best = np.maximum(best, np.where(covered, np.minimum(e[0], e[1]) * short, 0.0))
        extra += best
    return extra


class _OwnLevels:
    """Per tiling, which levels hold a loop on one of a window-free operand's dims and the product of
    those loops per level: what :meth:`counted_refills` reads for every child level."""

    def __init__(self, F: np.ndarray, nw: np.ndarray) -> None:
        self.has = ((F > 1) & nw[None, None, :]).any(axis=2)  # [N, L]
        self.product = np.where(nw[None, None, :], F, 1).prod(axis=2)  # [N, L]

    def counted_refills(self, c: int, outer: np.ndarray) -> np.ndarray:
        """Refills of the operand's tile below ``c`` that the order-free bound counts [N]: the product of
        every factor above x* and of the operand's own factors at x*, less the first tile (x*: the
        deepest level above ``c`` with a loop on one of the operand's dims). ``outer`` [N, L + 1]: the
        product of every factor of the levels above each level."""
        has = self.has[:, :c]
        rows = np.arange(has.shape[0])
        xstar = np.where(has.any(axis=1), c - 1 - np.argmax(has[:, ::-1], axis=1), -1)
        x = np.maximum(xstar, 0)
        return np.where(xstar >= 0, outer[rows, x] * self.product[rows, x], 1) - 1


# --- per spatial candidate -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _dim_mask(D: int, dims: frozenset[int]) -> np.ndarray:
    """``dims`` as a read-only boolean mask over ``D`` dims (what ``np.isin(np.arange(D), dims)`` gives),
    built once: the per-candidate bounds ask for the same few masks thousands of times."""
    mask = np.zeros(D, dtype=bool)
    mask[sorted(dims)] = True
    mask.flags.writeable = False
    return mask


@functools.lru_cache(maxsize=4096)
def _extent_values(sizes: tuple[int, ...], imperfect: bool) -> tuple[np.ndarray, ...]:
    """Per dim, the candidate temporal extents of a tile (divisors of the size, or every integer up to it
    with imperfect factors), read-only: they depend on the layer's temporal sizes alone, which many
    spatial candidates share."""
    from carbonloop.model.factors import divisors

    out = []
    for t in sizes:
        v = np.arange(1, t + 1) if imperfect else np.array(divisors(t))
        v.flags.writeable = False
        out.append(v)
    return tuple(out)


MAX_TILE_SHAPES = 200_000  # tile shapes of one level checked per candidate (more: that level adds nothing)


def candidate_extra_energy(space: Space, classes: tuple[OperandClass, ...]) -> float:
    """Energy every mapping of a spatial candidate spends beyond its cheap bound (compute energy and
    every operand moved once at the outermost level, :func:`carbonloop.mapper.search._cheap_bound`),
    from counts that bound touches nowhere (docs/mapper.md, "Bounds per spatial candidate"):

    - the innermost level of each operand's chain (not the outermost) feeds every MAC: its reads (and
      the partial sums' updates) are the model's own, fixed by the unrolling and the temporal
      iterations ``T``: ``instances x T x`` the distinct elements the MACs below one instance use;
    - below every level ``c`` whose parents (for both operands of a pair) are not the outermost level,
      :func:`pair_refill_energy`'s argument with nothing counted yet: at least ``T / V - 1`` transitions
      refill one of the pair, ``V`` the temporal volume of the tile at ``c``, and each costs at least
      the cheaper refill; minimized over every tile of ``c`` that fits its capacity.

    0 under conventions where energy is not linear in the counts (``fractional_words`` or
    ``fractional_word_totals`` off) or where the MACs' reads depend on the tiling
    (``merge_overlapping_multicast`` off, ``read_per_mac`` off: a register read once per run of loops)."""
    acc, cl = space.acc, space.cl
    conv = acc.conventions
    if (
        not conv.fractional_words
        or not conv.operand_word_bits
        or not conv.merge_overlapping_multicast
        or not conv.read_per_mac
        or not conv.fractional_word_totals
    ):
        return 0.0
    L = space.L
    T = int(np.prod(space.temporal_sizes))
    bits = np.array(
        [min(o.bits, o.partial_bits) if o.role == "O" else o.bits for o in cl.operands], dtype=float
    )
    total = 0.0
    for oi, op in enumerate(cl.operands):
        chain = [x for x in range(L) if op.role in space.keep[x]]
        last = chain[-1]
        if last == 0:
            continue  # the cheap bound already charges level 0
        m = acc.memories[last]
        inst = space.operand_instances(oi, last)  # the operand's own placement (per-operand spans)
        union = space.operand_spatial_at(oi, last)[None, :]
        n = inst * T * float(footprint(op, union)[0])
        words = bits[oi] / m.width_bits
        if op.role == "O":
            seen = float(footprint(op, space.temporal_sizes[None, :] * union)[0])
            # imperfect factors (or a padded fixed unrolling) pad T and the region seen alike; only the
            # updates are kept there
            reads = 0.0 if space.imperfect or space.padded else (n - inst * seen) * m.read_pj
            total += words * (n * m.update_pj + reads)
        else:
            total += words * n * m.read_pj
    for c in range(2, L):
        total += _level_refill_floor(space, classes, c, T, bits)
    return total


def _level_refill_floor(
    space: Space, classes: tuple[OperandClass, ...], c: int, T: int, bits: np.ndarray
) -> float:
    """Least energy of the refills below level ``c`` over every tile of ``c`` that fits (part (b) of
    :func:`candidate_extra_energy`).

    An operand is *atomic* at a tile when every transition either leaves its tile (and its parent's
    union of the children's tiles) in place or refills both whole: a window-free operand always; an
    operand with a window when its tile is one element and no spatial fan-out between its parent and
    ``c`` is on a window dim (the union then holds one window position). Two atomic operands *cover*
    the loops above ``c`` when no transition can leave both in place: every dim with a loop above ``c``
    is a dim of one of them, or the only dim of a window axis of one that is not a dim of the other (the
    other staying fixes the rest of that axis, so the axis moves with it). At each transition the
    operands staying in place hold no covering pair, so the transition costs at least the cheapest
    refill of the atomic operands outside such a set; times the ``T / V - 1`` transitions."""
    cl = space.cl
    L, D = space.L, cl.D
    chain = [[x for x in range(L) if op.role in space.keep[x]] for op in cl.operands]
    parents = {}
    for oi in range(len(cl.operands)):
        before = [x for x in chain[oi] if x < c]
        if c in chain[oi] and before and before[-1] != 0:  # a parent at level 0: the cheap bound's reads
            parents[oi] = before[-1]
    if len(parents) < 2:
        return 0.0
    tiles = _fitting_tiles(space, c)
    if tiles.shape[0] == 0:
        return 0.0
    n_trans = T / tiles.prod(axis=1).astype(float) - 1  # imperfect: the factors above c cover ceil(T_d/E_d)
    moving = tiles < space.temporal_sizes[None, :]  # [n, D] a loop above c on that dim
    wb = np.broadcast_to(bits[None, None, :], (tiles.shape[0], L, len(bits)))
    ops = sorted(parents)
    nw = {oi: _dim_mask(D, classes[oi].nw) for oi in ops}
    windows = {oi: [dims for dims, _ in cl.operands[oi].axes if len(dims) > 1] for oi in ops}
    atomic, energy = {}, {}
    for oi in ops:
        if windows[oi]:
            at_c = space.operand_spatial_at(oi, c)
            fan = space.operand_spatial_at(oi, parents[oi]) // at_c  # the operand's own fan-out
            win_dims = sorted({d for dims in windows[oi] for d in dims})
            one = footprint(cl.operands[oi], tiles * at_c[None, :]) == 1
            atomic[oi] = one & bool((fan[win_dims] == 1).all())
        else:
            atomic[oi] = np.ones(tiles.shape[0], dtype=bool)
        energy[oi] = _refill_energy(space, oi, parents[oi], c, tiles, wb)

    def fixed_by(a: int, b: int) -> np.ndarray:
        """Dims [D] that cannot move while both ``a`` and ``b`` stay in place."""
        out = nw[a] | nw[b]
        for x, y in ((a, b), (b, a)):
            for dims in windows[x]:
                free = [d for d in dims if not nw[y][d]]
                if len(free) == 1:
                    out = out.copy()
                    out[free[0]] = True
        return out

    cover = {
        (a, b): atomic[a] & atomic[b] & ~(moving & ~fixed_by(a, b)[None, :]).any(axis=1)
        for a, b in itertools.combinations(ops, 2)
    }
    best = np.full(tiles.shape[0], np.inf)
    for r in range(len(ops) + 1):
        for staying in itertools.combinations(ops, r):
            allowed = np.ones(tiles.shape[0], dtype=bool)
            for pair in itertools.combinations(staying, 2):
                allowed &= ~cover[pair]
            cost = np.zeros(tiles.shape[0])
            for oi in ops:
                if oi not in staying:
                    cost = cost + np.where(atomic[oi], energy[oi], 0.0)
            best = np.where(allowed, np.minimum(best, cost), best)
    return float((best * n_trans).min())


def _fitting_tiles(space: Space, c: int) -> np.ndarray:
    """Every per-dim temporal extent of the tile at level ``c`` (the product of the temporal factors of
    ``c`` and the levels below it) that fits the capacity of ``c``, as [n, D] (a superset of what
    complete tilings give: the levels below are not checked). Perfect: divisors of the temporal sizes;
    imperfect: any extent up to them.

    Footprints only grow with extents, so an extent of one dim that overflows with every other dim at 1
    never fits: each dim's values are first checked alone (one call for all), and only the survivors are
    combined, dim by dim, each step pruned again."""
    from carbonloop.mapper.temporal import _tile_bits_lb

    cap = space.capacity_bits[c]  # the model's capacity for this unrolling (a diagonal register holds more)
    D = space.cl.D
    sizes = tuple(int(t) for t in space.temporal_sizes)
    if space.imperfect and sum(sizes) > 8 * MAX_TILE_SHAPES:  # before building the ranges
        return np.zeros((0, D), dtype=np.int64)
    values = list(_extent_values(sizes, space.imperfect))
    if sum(v.size for v in values) > 8 * MAX_TILE_SHAPES:
        return np.zeros((0, D), dtype=np.int64)
    if np.isfinite(cap):
        alone = np.ones((sum(v.size for v in values), D), dtype=np.int64)
        owner = np.repeat(np.arange(D), [v.size for v in values])
        alone[np.arange(owner.size), owner] = np.concatenate(values)
        ok = _tile_bits_lb(space, c, alone) <= cap
        values = [np.concatenate(values)[ok & (owner == d)] for d in range(D)]
    E = np.ones((1, D), dtype=np.int64)
    for d in range(D):
        if values[d].size == 0:
            return np.zeros((0, D), dtype=np.int64)
        if values[d].size == 1:
            E[:, d] = values[d][0]
            continue
        if E.shape[0] * values[d].size > 8 * MAX_TILE_SHAPES:  # too many shapes: no extra from this level
            return np.zeros((0, D), dtype=np.int64)
        E = np.repeat(E, values[d].size, axis=0)
        E[:, d] = np.tile(values[d], E.shape[0] // values[d].size)
        if np.isfinite(cap):
            E = E[_tile_bits_lb(space, c, E) <= cap]
        if E.shape[0] > MAX_TILE_SHAPES:
            return np.zeros((0, D), dtype=np.int64)
    return E
