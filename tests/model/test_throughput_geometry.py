"""The fast paths of the vectorized model against literal per-row transcriptions of their rules.

The model's throughput work (issue 16) rebuilt the per-batch geometry (flat gather/scatter passes),
restricted tile transitions to the columns that hold transition loops, replaced numpy's cumulative
sums along the loop axis with row-by-row ones, and turned ZigZag's per-row latency into Python-integer
code. Each test here states the rule in plain Python for one row at a time and compares it with the
vectorized result on random loop nests (hypothesis), so a shortcut that drops a case fails here. The
counts themselves are checked against a literal loop-nest walk in test_model_properties.py.
"""

from __future__ import annotations

import math
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.hardware import load_preset
from carbonloop.model.accesses import (
    _exclusive_cumprod,
    _suffix_sums,
    geometry,
    transitions,
)
from carbonloop.model.evaluate import evaluate_batch
from carbonloop.model.mapping import resolve
from carbonloop.model.nest import LoopArrays, compile_layer, mapping_arrays, stack_loops
from carbonloop.model.sampling import random_mapping
from carbonloop.model.zigzag_latency import _Row
from carbonloop.workload import conv2d

from ..loop_rows import Row, stack_rows


@st.composite
def nests(draw, D: int = 4, L: int = 3) -> tuple[list[Row], int]:
    """Rows of loops as the model takes them: levels non-decreasing, per level temporal loops then
    spatial ones, any dims (repeats allowed), factors 1-4, rows of different lengths."""
    n = draw(st.integers(1, 6))
    rows = []
    for _ in range(n):
        row: Row = []
        for level in range(L):
            for spatial in (False, True):
                for _ in range(draw(st.integers(0, 2))):
                    row.append((draw(st.integers(0, D - 1)), draw(st.integers(1, 4)), level, spatial))
        rows.append(row)
    return rows, D


def as_arrays(rows: list[Row], L: int = 3) -> LoopArrays:
    return stack_rows(rows, L)


def padded(row: Row, K: int, L: int = 3) -> Row:
    return row + [(0, 1, L - 1, False)] * (K - len(row))


@settings(max_examples=60, deadline=None)
@given(nests())
def test_geometry_matches_the_literal_products_of_each_row(case):
    rows, D = case
    g = geometry(as_arrays(rows), D)
    K = g.factor.shape[0]
    for n, row in enumerate(rows):
        row = padded(row, K)
        # stride: the product of the loops on the same dim inside the loop
        for k, (d, *_) in enumerate(row):
            assert g.stride[k, n] == math.prod(f for d2, f, _, _ in row[k + 1 :] if d2 == d)
        for x in range(4):
            below = [math.prod(f for d2, f, lv, _ in row if d2 == d and lv >= x) for d in range(D)]
            above = [math.prod(f for d2, f, lv, sp in row if d2 == d and sp and lv < x) for d in range(D)]
            assert g.extents_below(x)[n].tolist() == below
            assert g.spatial_before(x)[n].tolist() == above
            assert g.start(x)[n] == sum(lv < x for _, _, lv, _ in row)
        assert g.temporal_iterations[n] == math.prod(f for _, f, _, sp in row if not sp)
        assert g.onehot[:, :, n].tolist() == [[d2 == d for d2, *_ in row] for d in range(D)]


@settings(max_examples=60, deadline=None)
@given(nests())
def test_transitions_match_the_literal_steps_and_shifts_of_each_row(case):
    """Each transition loop k (temporal, above the child level) steps (f_k - 1) x (product of the
    transition loops outside it) times; a step moves dim d by k's stride if k is on d, less
    (f_j - 1) x stride_j for every transition loop j on d inside k (they reset). Columns past the
    tables' width hold no transition of any row."""
    rows, D = case
    g = geometry(as_arrays(rows), D)
    K = g.factor.shape[0]
    for child in (1, 2, 3):
        tr = transitions(g, child)
        width = tr.weight.shape[0]
        for n, row in enumerate(rows):
            row = padded(row, K)
            trans = [not sp and lv < child for _, _, lv, sp in row]
            for k, (d, f, _, _) in enumerate(row):
                outside = math.prod(row[j][1] for j in range(k) if trans[j])
                weight = (f - 1) * outside if trans[k] else 0
                if k >= width:
                    assert weight == 0
                    continue
                assert tr.weight[k, n] == weight
                if not weight:
                    continue
                for dd in range(D):
                    back = sum(
                        (row[j][1] - 1) * int(g.stride[j, n])
                        for j in range(k + 1, K)
                        if trans[j] and row[j][0] == dd
                    )
                    own = int(g.stride[k, n]) if d == dd else 0
                    assert tr.shift(dd)[k, n] == own - back
                    moves = d == dd or any(
                        trans[j] and row[j][0] == dd and row[j][1] > 1 for j in range(k + 1, K)
                    )
                    assert tr.still(dd)[k, n] == (not moves)
            # a window axis moves by the coefficients' sum of its dims' shifts (|move| only, unless a comb
            # narrower than its stride needs the signed move: 1*i + 2*j keeps it, i + j does not)
            for dims, coefs in (((0, 1), (1, 2)), ((2, 3), (1, 1))):
                _, moved, magnitude = tr.window_moves(dims, coefs, 1)
                for k in range(width):
                    if tr.weight[k, n]:
                        expected = sum(c * int(tr.shift(d)[k, n]) for d, c in zip(dims, coefs, strict=True))
                        assert magnitude[k, n] == abs(expected)
                        assert moved is None or moved[k, n] == expected
            assert tr.steps[n] == sum(
                (row[k][1] - 1) * math.prod(row[j][1] for j in range(k) if trans[j])
                for k in range(K)
                if trans[k]
            )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(-5, 9), min_size=3, max_size=3), min_size=1, max_size=7))
def test_row_by_row_cumulative_helpers_equal_numpy_cumulative_ops(table):
    a = np.array(table, dtype=np.int64)  # [K, N]
    expected_prod = np.ones_like(a)
    expected_prod[1:] = np.cumprod(a[:-1], axis=0)
    assert _exclusive_cumprod(a).tolist() == expected_prod.tolist()
    suffix = [
        [sum(int(a[j, n]) for j in range(k + 1, a.shape[0])) for n in range(a.shape[1])]
        for k in range(a.shape[0])
    ]
    assert _suffix_sums(a).tolist() == suffix


def test_stack_loops_pads_each_part_with_factor_one_loops_at_the_innermost_level():
    # two parts of widths 2 and 3: the first is padded with (dim 0, factor 1, level 2, temporal, axis -1)
    a = LoopArrays(
        np.array([[1, 2]]),
        np.array([[4, 3]]),
        np.array([[0, 1]]),
        np.array([[False, True]]),
        np.array([[-1, 0]]),
    )
    b = LoopArrays(
        np.array([[3, 0, 1], [2, 2, 2]]),
        np.array([[2, 5, 7], [1, 1, 6]]),
        np.array([[0, 0, 2], [1, 1, 1]]),
        np.array([[False, False, True], [False, True, False]]),
        None,
    )
    out = stack_loops([a, b], n_levels=3)
    assert out.dim.tolist() == [[1, 2, 0], [3, 0, 1], [2, 2, 2]]
    assert out.factor.tolist() == [[4, 3, 1], [2, 5, 7], [1, 1, 6]]
    assert out.level.tolist() == [[0, 1, 2], [0, 0, 2], [1, 1, 1]]
    assert out.spatial.tolist() == [[False, True, False], [False, False, True], [False, True, False]]
    assert out.axis is not None
    assert out.axis.tolist() == [[-1, 0, -1], [-1, -1, -1], [-1, -1, -1]]


def test_a_row_scores_the_same_in_any_batch():
    """The tables are as wide as the batch's longest prefix of transition loops and its deepest level: a
    row's every count, energy and latency must not depend on which rows share its batch."""
    layer = conv2d("c", K=16, C=8, OY=6, OX=6, FY=3, FX=3, stride=2)
    acc = load_preset("os_array_16x16")
    rng = random.Random(3)
    maps = [resolve(random_mapping(layer, acc, rng), layer, acc).mapping for _ in range(40)]
    keep = resolve(maps[0], layer, acc).keep
    cl = compile_layer(layer)
    whole = evaluate_batch(cl, acc, mapping_arrays(maps, layer, acc), keep)
    for i in (0, 7, 39):
        alone = evaluate_batch(cl, acc, mapping_arrays([maps[i]], layer, acc), keep)
        assert alone.energy_pj[0] == whole.energy_pj[i]
        assert alone.latency_cycles[0] == whole.latency_cycles[i]
        for field in ("reads", "fills", "updates", "tile_bits"):
            assert getattr(alone.counts, field)[0].tolist() == getattr(whole.counts, field)[i].tolist()
    assert len({float(e) for e in whole.energy_pj}) > 10  # the batch is varied, not 40 copies of one row


@settings(max_examples=40, deadline=None)
@given(nests(L=3))
def test_zigzag_rows_take_tiles_and_unions_from_the_loops_of_each_level(case):
    """A level's tile: the loops at or below it; the union of its children's tiles: the loops at or below
    the child and the spatial loops between (model/zigzag_latency.py, ZigZag's data per period)."""
    rows, D = case
    layer = conv2d("c", K=8, C=8, OY=4, OX=4)  # 4 dims: K, C, OY, OX
    acc = load_preset("os_array_16x16")  # 3 levels
    cl = compile_layer(layer)
    assert cl.D == D
    loops = as_arrays(rows)
    keep = tuple(frozenset({"W", "I", "O"}) for _ in acc.memories)
    for n, row in enumerate(rows):
        r = _Row(cl, acc, keep, loops, n)
        row = padded(row, loops.K)
        for x in range(3):
            for child in range(x, 4):
                expected = [
                    math.prod(f for d2, f, lv, sp in row if d2 == d and (lv >= child or (sp and lv >= x)))
                    for d in range(D)
                ]
                assert r.extents(x, child) == expected
