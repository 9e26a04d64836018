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
(``fractional_words``); elsewhere the extra is 0 and the order-free bound stands alone.
"""

from __future__ import annotations

import itertools

import numpy as np

from carbonloop.mapper.temporal import OperandClass, Space
from carbonloop.model.accesses import footprint


def _refill_energy(space: Space, op_index: int, p: int, c: int, ext: np.ndarray, word_bits: np.ndarray):
    """Energy of one whole refill of an operand's tile below level ``c`` from its parent ``p`` [N]: the
    parent's reads of the union of its children's tiles (updates and reads for partial sums) and the
    children's writes (and their drain reads), at the words the model charges."""
    acc, cl = space.acc, space.cl
    op = cl.operands[op_index]
    mp, mc = acc.memories[p], acc.memories[c]
    between = np.ones(cl.D, dtype=np.int64)  # spatial fan-out from p down to c
    above_p = np.ones(cl.D, dtype=np.int64)  # spatial loops above p (instances of p)
    above_c = np.ones(cl.D, dtype=np.int64)
    for d, f, lv in space.spatial_loops:
        if p <= lv < c:
            between[d] *= f
        if lv < p:
            above_p[d] *= f
        if lv < c:
            above_c[d] *= f
    inst_p, inst_c = float(above_p.prod()), float(above_c.prod())
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
    if not acc.conventions.fractional_words or N == 0:
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
    for c in range(1, L):
        above = temporal_above[:, c - 1, :]  # [N, D] temporal factors above c, per dim
        n = above.prod(axis=1) - 1  # transitions of the loops above c
        moving = above > 1
        ext = np.cumprod(F[:, ::-1, :], axis=1)[:, ::-1, :][:, c, :] * space.spatial_at(c)[None, :]
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
                m.append(_counted_refills(F, c, nw[oi]))
                e.append(_refill_energy(space, oi, p, c, ext, wb))
            short = np.maximum(0, n - m[0] - m[1]).astype(float)
            best = np.maximum(best, np.where(covered, np.minimum(e[0], e[1]) * short, 0.0))
        extra += best
    return extra


def _counted_refills(F: np.ndarray, c: int, nw: np.ndarray) -> np.ndarray:
    """Refills of a window-free operand's tile below ``c`` that the order-free bound counts [N]: the
    product of every factor above x* and of the operand's own factors at x*, less the first tile (x*:
    the deepest level above ``c`` with a loop on one of the operand's dims)."""
    N, L, D = F.shape
    own = (F[:, :c, :] > 1) & nw[None, None, :]  # [N, c, D]
    has = own.any(axis=2)  # [N, c]
    xstar = np.where(has.any(axis=1), c - 1 - np.argmax(has[:, ::-1], axis=1), -1)
    level = np.arange(c)[None, :]
    outer = np.where(level < xstar[:, None], F[:, :c, :].prod(axis=2), 1).prod(axis=1)
    at = np.where(nw[None, :], F[np.arange(N), np.maximum(xstar, 0), :], 1).prod(axis=1)
    return np.where(xstar >= 0, outer * at, 1) - 1
