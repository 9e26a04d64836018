"""The joint refill bound (mapper/energy_bounds.py): never above the exact energy of any loop order of a
tiling (oracle: the exact model over every permutation of every level), and a real refinement."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from bruteforce import brute_force
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import Constraints, search_layer
from carbonloop.mapper.energy_bounds import candidate_extra_energy, pair_refill_energy
from carbonloop.mapper.search import _cheap_bound, keep_patterns, make_space
from carbonloop.mapper.spatial import spatial_candidates
from carbonloop.mapper.temporal import enumerate_tilings, operand_classes, order_free_fills, tiling_loops
from carbonloop.model.evaluate import evaluate_batch
from carbonloop.model.nest import LoopArrays, compile_layer
from carbonloop.workload.builders import conv2d, matmul

from ..loop_rows import stack_rows

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
    return space.with_axes(stack_rows(rows, L))


def _bounds_and_exact(acc_name, layer, cand_index: int, limit: int, step: int = 1):
    """Order-free bounds, pair extras and the exact least energy over every order of a sample of a
    candidate's tilings. ``acc_name``: a preset name or an accelerator."""
    acc = load_accelerator(acc_name) if isinstance(acc_name, str) else acc_name
    cl = compile_layer(layer)
    cands = spatial_candidates(layer, acc)
    space = make_space(
        cl, acc, cands[min(cand_index, len(cands) - 1)], keep_patterns(acc, Constraints())[0], False
    )
    F = enumerate_tilings(space)[::step][:limit]
    if F.shape[0] == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    loops = space.with_axes(tiling_loops(space, F))
    spatial = loops.spatial.T if space.relocates else None
    res = evaluate_batch(cl, acc, loops, space.keep, order_free_fills(cl, loops.dim.T, spatial=spatial))
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


# --- per spatial candidate ------------------------------------------------------------------------


def test_candidate_bound_adds_the_macs_reads_of_the_innermost_level_by_hand():
    """two_level (main memory -> 64 x 8 b buffer -> one MAC), matmul M=2, N=3, K=4: T = 24 MACs.
    Cheap bound: compute 24 x 0.56 = 13.44; every operand once at main memory (8 b words, 8 b wide):
    W 12 x 7.95 = 95.4, I 8 x 7.95 = 63.6, O 6 x 5.45 (update) = 32.7 -> 205.14 pJ. The MACs' reads of
    the buffer (its reads are 0.42 pJ per 8 b word): W 24 x 0.42 = 10.08, I 10.08, O 24 updates x 0.42 =
    10.08 and 24 - 6 (first touches need no read) = 18 reads x 0.42 = 7.56 -> 37.8 pJ. No level below
    the buffer: no pair term. Bound 242.94 pJ, at most the layer's least energy."""
    acc = load_accelerator("two_level")
    layer = matmul("m", M=2, N=3, K=4)
    cl = compile_layer(layer)
    space = make_space(
        cl, acc, spatial_candidates(layer, acc)[0], keep_patterns(acc, Constraints())[0], False
    )
    assert candidate_extra_energy(space, operand_classes(cl)) == pytest.approx(37.8, rel=1e-12)
    assert _cheap_bound(space, layer)[0] == pytest.approx(242.94, rel=1e-12)
    assert _cheap_bound(space, layer)[0] <= search_layer(layer, acc, "energy").value


def least_energy_per_candidate(layer, acc, imperfect: bool) -> dict[tuple, float]:
    """The brute force's least exact energy per spatial unrolling (:func:`_candidate_key`)."""
    e, _, maps = brute_force(layer, acc, imperfect=imperfect)
    least: dict[tuple, float] = {}
    for energy, m in zip(e, maps, strict=True):
        key = _candidate_key(m)
        least[key] = min(least.get(key, np.inf), float(energy))
    return least


def _candidate_key(mapping) -> tuple:
    return tuple(
        sorted(
            (axis, tuple(sorted((lp.dim, lp.factor) for lp in loops)))
            for lv in mapping.levels
            for axis, loops in lv.spatial
            if loops
        )
    )


@settings(max_examples=12, deadline=None)
@given(
    K=st.integers(1, 4),
    C=st.integers(1, 4),
    OY=st.integers(1, 3),
    OX=st.integers(1, 3),
    FY=st.integers(1, 3),
    stride=st.integers(1, 2),
    acc_name=st.sampled_from(["two_level", "os_array_16x16", "tpu_like"]),
    imperfect=st.booleans(),
)
def test_candidate_bound_never_exceeds_any_mapping_of_the_candidate(
    K, C, OY, OX, FY, stride, acc_name, imperfect
):
    """Every spatial candidate's cheap bound (with the MACs' reads and the pair refills of capacity-limited
    levels) is at most the exact energy of every mapping with that unrolling (oracle: the independent
    brute force of tests/mapper/bruteforce.py, scored by the exact model)."""
    acc = load_accelerator(acc_name)
    layer = conv2d("r", K=K, C=C, OY=OY, OX=OX, FY=FY, FX=1, stride=stride)
    least = least_energy_per_candidate(layer, acc, imperfect)
    cl = compile_layer(layer)
    keep = keep_patterns(acc, Constraints())[0]
    checked = 0
    hints = Constraints(hints={a: list(layer.dim_names) for a in acc.array.axis_names})
    for cand in spatial_candidates(layer, acc, hints, imperfect=imperfect):
        key = tuple(sorted((axis, tuple(sorted(loops))) for axis, loops in cand.unrolling if loops))
        if key not in least:
            continue  # no fitting mapping
        bound = _cheap_bound(make_space(cl, acc, cand, keep, imperfect), layer)[0]
        assert bound <= least[key] * (1 + 1e-12), (cand.label(), bound, least[key])
        checked += 1
    assert checked >= 1
