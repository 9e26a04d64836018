"""Search API behaviour: determinism, budgets and gaps, constraints, objectives, lower bounds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import Budget, Constraints, get_objective, register_weighted, search_layer
from carbonloop.mapper.pool import group_of, tier_rows
from carbonloop.mapper.search import keep_patterns, make_space
from carbonloop.mapper.spatial import spatial_candidates
from carbonloop.mapper.temporal import (
    enumerate_tilings,
    expand_rows,
    level_orders,
    lower_bound_scores,
    operand_classes,
    order_free_fills,
    pattern_orders,
    patterns,
    stack_padded,
    tiling_loops,
)
from carbonloop.model.evaluate import evaluate_batch
from carbonloop.model.mapping import Loop
from carbonloop.model.nest import LoopArrays, compile_layer
from carbonloop.workload import zoo
from carbonloop.workload.builders import conv2d, matmul


def test_same_input_gives_the_same_mapping_on_repeated_runs():
    acc = load_accelerator("tpu_like")
    layer = zoo.get("resnet8").layers[4]
    a = search_layer(layer, acc, "edp")
    b = search_layer(layer, acc, "edp")
    assert a.mapping == b.mapping and a.value == b.value and a.evaluated == b.evaluated
    assert a.optimal


def test_budget_stops_early_and_reports_a_proven_gap():
    acc = load_accelerator("tpu_like")
    layer = zoo.get("resnet8").layers[7]
    full = search_layer(layer, acc, "edp")
    cut = search_layer(layer, acc, "edp", budget=Budget(evaluations=1))
    assert full.optimal and full.gap == 0.0
    assert not cut.optimal
    assert cut.evaluated < full.evaluated
    # the proven lower bound is below the true optimum, and the gap is measured from it
    assert cut.lower_bound <= full.value * (1 + 1e-9)
    assert cut.value >= full.value * (1 - 1e-9)
    assert cut.gap == pytest.approx((cut.value - cut.lower_bound) / cut.value)
    assert 0 < cut.gap < 1


def test_lower_bounds_never_exceed_any_loop_order_of_the_tiling():
    acc = load_accelerator("tpu_like")
    layer = conv2d("c", K=32, C=8, OY=8, OX=8, FY=3, FX=3)
    cl = compile_layer(layer)
    cand = spatial_candidates(layer, acc)[0]
    space = make_space(cl, acc, cand, keep_patterns(acc, Constraints())[0], False)
    F = enumerate_tilings(space)[:200]
    e_lb, l_lb, _ = lower_bound_scores(space, F)
    pid, masks, _ = patterns(F)
    classes = operand_classes(cl)
    for p in np.unique(pid):
        sel = np.flatnonzero(pid == p)
        rows = stack_padded([expand_rows(F[sel], pattern_orders(space, masks[p], classes).exact)], space.L)
        res = evaluate_batch(cl, acc, rows, space.keep)
        n_orders = rows.N // sel.size
        e = res.energy_pj.reshape(sel.size, n_orders).min(axis=1)
        lat = res.latency_cycles.reshape(sel.size, n_orders).min(axis=1)
        assert (e_lb[sel] <= e * (1 + 1e-12)).all()
        assert (l_lb[sel] <= lat).all()


def _innermost_per_level(rows: LoopArrays, L: int) -> np.ndarray:
    """The innermost temporal loop (dim, factor > 1) of every level of each row [n, L]; -1: none."""
    out = np.full((rows.N, L), -1, dtype=np.int64)
    for x in range(L):
        on = ~rows.spatial & (rows.factor > 1) & (rows.level == x)
        last = rows.K - 1 - np.argmax(on[:, ::-1], axis=1)
        out[:, x] = np.where(on.any(axis=1), rows.dim[np.arange(rows.N), last], -1)
    return out


@pytest.mark.parametrize(
    "acc_name, layer",
    [
        ("tpu_like", conv2d("c", K=32, C=8, OY=8, OX=8, FY=3, FX=3)),
        ("two_level", conv2d("s", K=4, C=4, OY=6, OX=6, FY=3, FX=3, stride=2)),
        ("eyeriss_like", conv2d("d", K=8, C=8, OY=6, OX=6, FY=3, FX=3, groups=8)),
        ("os_array_16x16", matmul("m", M=32, N=16, K=24)),
    ],
)
def test_order_group_bounds_never_exceed_any_order_they_stand_for(acc_name, layer):
    """Both tiers of group bounds (the innermost loop of the deepest level with loops fixed; of every
    level fixed) are never below the order-free bound and never above any order whose innermost loops
    they fix, and each second-tier row names the group of exactly those orders."""
    ef, e0_fine = _check_group_bounds(load_accelerator(acc_name), layer, cand_index=0, step=7, limit=150)
    if acc_name == "tpu_like":  # the bound is a real refinement somewhere
        assert (ef > e0_fine * (1 + 1e-9)).any()


@settings(max_examples=12, deadline=None)
@given(
    K=st.integers(1, 4),
    C=st.integers(1, 4),
    OY=st.integers(1, 6),
    OX=st.integers(1, 6),
    FY=st.integers(1, 3),
    FX=st.integers(1, 3),
    stride=st.integers(1, 2),
    acc_name=st.sampled_from(["two_level", "os_array_16x16", "tpu_like"]),
    cand_index=st.integers(0, 3),
)
def test_order_group_bounds_hold_on_random_convs(K, C, OY, OX, FY, FX, stride, acc_name, cand_index):
    """The same invariants on random small convolutions (strided ones too) and spatial candidates."""
    layer = conv2d("r", K=K, C=C, OY=OY, OX=OX, FY=FY, FX=FX, stride=stride)
    acc = load_accelerator(acc_name)
    cands = spatial_candidates(layer, acc)
    _check_group_bounds(acc, layer, cand_index=min(cand_index, len(cands) - 1), step=3, limit=60)


def _check_group_bounds(acc, layer, *, cand_index: int, step: int, limit: int):
    """Assert the group-bound invariants on a sample of a candidate's tilings; returns the second-tier
    energy bounds and the order-free bounds of their tilings."""
    L = len(acc.memories)
    cl = compile_layer(layer)
    classes = operand_classes(cl)
    cand = spatial_candidates(layer, acc)[cand_index]
    space = make_space(cl, acc, cand, keep_patterns(acc, Constraints())[0], False)
    F = enumerate_tilings(space)[::step][:limit]
    if F.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    e0, l0, _ = lower_bound_scores(space, F)
    pid, masks, _ = patterns(F)

    def bound(loops, fixed):
        spatial = loops.spatial.T if space.relocates else None  # per-operand spans: each operand's own nest
        res = evaluate_batch(cl, acc, loops, space.keep, order_free_fills(cl, loops.dim.T, fixed.T, spatial))
        return res.energy_pj, res.latency_cycles

    # every order of every tiling, with the innermost loop of each of its levels
    exact_e, exact_l, exact_inner = [], [], []
    for t in range(F.shape[0]):
        po = pattern_orders(space, masks[pid[t]], classes)
        rows = space.with_axes(stack_padded([expand_rows(F[t : t + 1], po.exact)], L))
        res = evaluate_batch(cl, acc, rows, space.keep)
        exact_e.append(res.energy_pj)
        exact_l.append(res.latency_cycles)
        exact_inner.append(_innermost_per_level(rows, L))
        for g in range(po.groups):  # group numbering: a group's orders share their innermost loops
            part = space.with_axes(stack_padded([expand_rows(F[t : t + 1], po.group_rows(g))], L))
            inner = _innermost_per_level(part, L)
            assert (inner == inner[0]).all()
            found, size = group_of(masks, classes, pid[t : t + 1], inner[:1])
            assert found[0] == g and size[0] == part.N

    tiers = tier_rows(space.with_axes(tiling_loops(space, F)), L)
    coarse, fixed_c, row_c, chosen_c = next(tiers)
    ec, lc = bound(coarse, fixed_c)
    fine, fixed_f, src, chosen_f = tiers.send(None)
    ef, lf = bound(fine, fixed_f)
    checked = 0
    for e, lat, t, chosen in ((ec, lc, row_c, chosen_c), (ef, lf, row_c[src], chosen_f)):
        assert (e >= e0[t] * (1 - 1e-12)).all() and (lat >= l0[t]).all()
        for i in range(t.size):
            fix = chosen[i] >= 0
            match = (exact_inner[t[i]][:, fix] == chosen[i][fix]).all(axis=1)
            if match.any():  # a choice no kept order makes bounds nothing
                assert e[i] <= exact_e[t[i]][match].min() * (1 + 1e-12)
                assert lat[i] <= exact_l[t[i]][match].min()
                checked += 1
    assert checked >= F.shape[0]  # every tiling has a kept order, so each was checked at least once
    assert ef.size >= ec.size >= F.shape[0]
    return ef, e0[row_c[src]]


def test_kept_loop_orders_cover_every_permutation_outcome():
    """Every permutation of a level's loops scores no better than one of the orders level_orders keeps."""
    acc = load_accelerator("two_level")
    layer = conv2d("c", K=2, C=2, OY=3, OX=2, FY=2)
    cl = compile_layer(layer)
    classes = operand_classes(cl)
    dims = list(range(cl.D))
    kept = level_orders(tuple(dims), classes)
    assert len(kept) < len(list(itertools.permutations(dims)))

    def rows(orders):
        dim = np.array([list(o) for o in orders], dtype=np.int64)
        fac = cl.sizes[dim]
        return LoopArrays(dim, fac, np.ones_like(dim), np.zeros(dim.shape, dtype=bool))

    keep = (frozenset("WIO"), frozenset("WIO"))
    big = load_accelerator("two_level")
    perms = list(itertools.permutations(dims))
    every = evaluate_batch(cl, big, rows(perms), keep)
    ours = evaluate_batch(cl, big, rows(list(kept)), keep)
    # counts, not just totals: each permutation's counts are matched or beaten elementwise by a kept order
    cnt_all = np.concatenate([every.counts.reads, every.counts.fills, every.counts.updates], axis=1)
    cnt_ours = np.concatenate([ours.counts.reads, ours.counts.fills, ours.counts.updates], axis=1)
    for i in range(len(perms)):
        assert (cnt_ours <= cnt_all[i][None]).all(axis=(1, 2)).any(), perms[i]
    del acc


def test_fixed_spatial_unrolling_is_respected():
    acc = load_accelerator("tpu_like")
    layer = conv2d("c", K=32, C=16, OY=8, OX=8, FY=3, FX=3)
    res = search_layer(
        layer, acc, "edp", constraints=Constraints(spatial={"D1": [("K", 16)], "D2": [("C", 16)]})
    )
    sram = res.mapping.level("sram")
    assert dict(sram.spatial) == {"D1": (Loop("K", 16),), "D2": (Loop("C", 16),)}
    assert res.spatial_candidates == 1
    free = search_layer(layer, acc, "edp")
    assert free.value <= res.value


def test_dataflow_constraint_limits_spatial_dims():
    acc = load_accelerator("tpu_like")
    layer = conv2d("c", K=16, C=16, OY=8, OX=8, FY=3, FX=3)
    cands = spatial_candidates(layer, acc, Constraints(dataflow="os"))
    dims = {(axis, d) for c in cands for axis, loops in c.unrolling for d, _ in loops}
    assert dims <= {("D1", "K"), ("D2", "OX"), ("D2", "OY")}
    assert cands[0].used == 16 * 32  # K=16 on D1, OX*OY = 32 on D2 (e.g. 8 x 4)


def test_objectives_parse_and_weight():
    w = get_objective("weighted:a=1,b=0.5")
    assert float(w.value(10.0, 4.0)) == 12.0
    assert float(get_objective("edp").value(3.0, 5.0)) == 15.0
    register_weighted("carbon_test", a=2.0, b=3.0)
    assert float(get_objective("carbon_test").value(1.0, 1.0)) == 5.0
    with pytest.raises(SpecError):
        get_objective("weighted:a=-1")
    with pytest.raises(SpecError):
        get_objective("nope")


def test_energy_and_latency_optima_bracket_edp():
    acc = load_accelerator("tpu_like")
    layer = matmul("mm", M=64, N=64, K=64)
    e = search_layer(layer, acc, "energy")
    lat = search_layer(layer, acc, "latency")
    edp = search_layer(layer, acc, "edp")
    assert e.cost.energy_pj <= edp.cost.energy_pj
    assert lat.cost.latency_cycles <= edp.cost.latency_cycles
    assert edp.value <= e.cost.energy_pj * e.cost.latency_cycles
    assert edp.value <= lat.cost.energy_pj * lat.cost.latency_cycles


def _fitting_tilings(space) -> int:
    F = enumerate_tilings(space)
    return int(lower_bound_scores(space, F)[2].sum()) if F.shape[0] else 0


def test_candidates_without_a_fitting_tiling_are_skipped():
    """On a 32x32 AIMC macro some spatial candidates of DS-CNN's first layer need more input rows than
    the macro has (diagonal OX mapping: rows = FY x (FX + OX - 1) inputs): no tiling of them fits, and
    the search goes on with the others (a regression: an empty pool of tilings crashed the search)."""
    acc = load_accelerator("imc(kind=aimc,rows=32,cols=32,sram_bytes=131072,node_nm=28)")
    layer = zoo.get("ds_cnn").layers[0]
    cl = compile_layer(layer)
    cands = spatial_candidates(layer, acc)
    keep = keep_patterns(acc, Constraints())[0]
    empty = [c for c in cands if not _fitting_tilings(make_space(cl, acc, c, keep, False))]
    assert empty, "the premise: some candidate has no fitting tiling"
    res = search_layer(layer, acc, "edp")
    assert res.optimal and res.cost.energy_pj > 0


def test_a_hint_for_output_channels_puts_only_groups_on_that_axis_for_a_depthwise_layer():
    """os_array_16x16 hints X: [K], Y: [OX, OY]. A depthwise conv has no K; its groups (G) are its
    output channels, so X takes G and nothing else (the hint still constrains the layer), Y takes OX/OY."""
    acc = load_accelerator("os_array_16x16")
    layer = conv2d("dw", K=16, C=16, OY=8, OX=8, FY=3, FX=3, groups=16)
    assert "G" in layer.sizes and "K" not in layer.sizes
    cands = spatial_candidates(layer, acc)
    on = {
        axis: {d for c in cands for a, loops in c.unrolling if a == axis for d, _ in loops} for axis in "XY"
    }
    assert on["X"] == {"G"}
    assert on["Y"] <= {"OX", "OY"} and on["Y"]
