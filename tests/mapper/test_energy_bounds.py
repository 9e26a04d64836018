"""The joint refill bound (mapper/energy_bounds.py): never above the exact energy of any loop order of a
tiling (oracle: the exact model over every permutation of every level), and a real refinement."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import Constraints
from carbonloop.mapper.energy_bounds import pair_refill_energy
from carbonloop.mapper.search import keep_patterns, make_space
from carbonloop.mapper.spatial import spatial_candidates
from carbonloop.mapper.temporal import enumerate_tilings, operand_classes, order_free_fills, tiling_loops
from carbonloop.model.evaluate import evaluate_batch
from carbonloop.model.nest import LoopArrays, compile_layer
from carbonloop.workload.builders import conv2d, matmul

MAX_ORDERS = 720  # permutations per tiling scored by the oracle (more: the tiling is skipped)


def _every_order(space, f: np.ndarray) -> LoopArrays | None:
    """Every loop order of one tiling ``f`` [L, D] (each level's active loops permuted), spatial loops
    after each level's temporal loops, as the mapper writes them."""
    L, D = f.shape
    per_level = [list(itertools.permutations([d for d in range(D) if f[x, d] > 1])) for x in range(L)]
    if np.prod([len(p) for p in per_level]) > MAX_ORDERS:
        return None
    rows = []
    for combo in itertools.product(*per_level):
        row = []
        for x, order in enumerate(combo):
            row += [(d, int(f[x, d]), x, False) for d in order]
            row += [(d, fac, x, True) for d, fac, lv in space.spatial_loops if lv == x]
        rows.append(row)
    K = max(1, max(len(r) for r in rows))
    dim = np.zeros((len(rows), K), dtype=np.int64)
    fac = np.ones((len(rows), K), dtype=np.int64)
    lev = np.full((len(rows), K), L - 1, dtype=np.int64)
    sp = np.zeros((len(rows), K), dtype=bool)
    for n, r in enumerate(rows):
        for k, (d, ff, x, s) in enumerate(r):
            dim[n, k], fac[n, k], lev[n, k], sp[n, k] = d, ff, x, s
    return space.with_axes(LoopArrays(dim, fac, lev, sp))


def _bounds_and_exact(acc_name: str, layer, cand_index: int, limit: int, step: int = 1):
    acc = load_accelerator(acc_name)
    cl = compile_layer(layer)
    cands = spatial_candidates(layer, acc)
    space = make_space(
        cl, acc, cands[min(cand_index, len(cands) - 1)], keep_patterns(acc, Constraints())[0], False
    )
    F = enumerate_tilings(space)[::step][:limit]
    if F.shape[0] == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    loops = space.with_axes(tiling_loops(space, F))
    res = evaluate_batch(cl, acc, loops, space.keep, order_free_fills(cl, loops.dim.T))
    extra = pair_refill_energy(space, F, res.counts.word_bits, operand_classes(cl))
    exact = np.full(F.shape[0], np.nan)
    for t in range(F.shape[0]):
        rows = _every_order(space, F[t])
        if rows is not None:
            exact[t] = evaluate_batch(cl, acc, rows, space.keep).energy_pj.min()
    return res.energy_pj, extra, exact


@settings(max_examples=25, deadline=None)
@given(
    K=st.integers(1, 4),
    C=st.integers(1, 4),
    OY=st.integers(1, 4),
    OX=st.integers(1, 4),
    FY=st.integers(1, 3),
    FX=st.integers(1, 3),
    stride=st.integers(1, 2),
    acc_name=st.sampled_from(["two_level", "os_array_16x16", "tpu_like", "eyeriss_like"]),
    cand_index=st.integers(0, 5),
)
def test_joint_refill_bound_never_exceeds_any_loop_order_of_random_convs(
    K, C, OY, OX, FY, FX, stride, acc_name, cand_index
):
    """Order-free bound + joint refill extra <= the exact energy of every order of the tiling."""
    layer = conv2d("r", K=K, C=C, OY=OY, OX=OX, FY=FY, FX=FX, stride=stride)
    e0, extra, exact = _bounds_and_exact(acc_name, layer, cand_index, limit=40, step=3)
    ok = ~np.isnan(exact)
    assert (extra >= 0).all()
    assert ((e0 + extra)[ok] <= exact[ok] * (1 + 1e-12)).all()


@settings(max_examples=15, deadline=None)
@given(
    M=st.integers(1, 8),
    N=st.integers(1, 8),
    K=st.integers(1, 8),
    acc_name=st.sampled_from(["two_level", "os_array_16x16", "tpu_like"]),
    cand_index=st.integers(0, 5),
)
def test_joint_refill_bound_never_exceeds_any_loop_order_of_random_matmuls(M, N, K, acc_name, cand_index):
    """Matmuls: all three operands are window-free, so every pair of them is a candidate pair."""
    e0, extra, exact = _bounds_and_exact(acc_name, matmul("m", M=M, N=N, K=K), cand_index, limit=40, step=2)
    ok = ~np.isnan(exact)
    assert ((e0 + extra)[ok] <= exact[ok] * (1 + 1e-12)).all()


@pytest.mark.parametrize("acc_name", ["tpu_like", "two_level"])
def test_joint_refill_bound_is_a_real_refinement(acc_name):
    """On a 3x3 conv the extra is positive on some tilings, and the bound stays below every order."""
    layer = conv2d("c", K=8, C=4, OY=4, OX=4, FY=3, FX=3)
    e0, extra, exact = _bounds_and_exact(acc_name, layer, 0, limit=60, step=1)
    ok = ~np.isnan(exact)
    assert ok.sum() >= 4
    assert (extra[ok] > 0).any()
    assert ((e0 + extra)[ok] <= exact[ok] * (1 + 1e-12)).all()
