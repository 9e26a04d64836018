"""The mapper searches under Timeloop's conventions unchanged and stays proven optimal: its best equals an
independent brute force over the same mapspace, both scored by the model under those conventions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import search_layer
from carbonloop.model.conventions import TIMELOOP
from carbonloop.model.evaluate import evaluate
from carbonloop.workload.builders import conv1d, matmul
from tests.mapper.bruteforce import brute_force


@pytest.mark.parametrize(
    "layer",
    [conv1d("c1", M=8, P=6, R=3), matmul("mm", M=4, N=6, K=4)],
    ids=["conv1d", "matmul"],
)
def test_mapper_best_under_timeloop_conventions_equals_brute_force(layer):
    acc = replace(load_accelerator("two_level"), conventions=TIMELOOP)
    e, lat, maps = brute_force(layer, acc)
    edp = e * lat
    best = float(edp.min())
    res = search_layer(layer, acc, "edp")
    assert res.optimal and res.gap == 0.0
    assert res.value == pytest.approx(best, rel=1e-9)
    cost = evaluate(layer, acc, res.mapping)
    assert cost.conventions == "timeloop"
    assert cost.energy_pj * cost.latency_cycles == pytest.approx(best, rel=1e-9)
    # the conventions matter on this mapspace: the exact model's optimum scores differently
    exact = evaluate(layer, load_accelerator("two_level"), maps[int(np.argmin(edp))])
    assert exact.accesses != evaluate(layer, acc, maps[int(np.argmin(edp))]).accesses


@pytest.mark.parametrize("stages", ["two_stages", "one_stage"])
def test_mapper_bound_stays_valid_when_overlapping_windows_are_read_in_full(stages):
    """``merge_overlapping_multicast`` off (Timeloop) raises a parent's reads to (distinct child tiles per
    stage) x (child fills); the bound multiplies the same exact distinct count by its lower bound of the
    fills, so the mapper stays proven optimal: its best equals the brute force over the same mapspace
    (tests/data/timeloop: conv1d P=4 R=3 on 4 x 3 or 12 register files)."""
    import warnings
    from pathlib import Path

    from carbonloop.interop.common import InteropWarning
    from carbonloop.interop.timeloop import load_timeloop

    data = Path(__file__).resolve().parents[1] / "data" / "timeloop"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        layer, acc, _, _ = load_timeloop(
            data / f"arch_window_{stages}.yaml", data / "problem_conv1d_p4_r3.yaml", conventions="timeloop"
        )
    assert acc.conventions.merge_overlapping_multicast is False
    e, lat, _ = brute_force(layer, acc)
    res = search_layer(layer, acc, "energy")
    assert res.optimal and res.gap == 0.0
    assert res.value == pytest.approx(float(e.min()), rel=1e-9)
    # the switch matters on this mapspace: merging overlapping windows lowers the best energy
    merged = replace(acc, conventions=replace(acc.conventions, merge_overlapping_multicast=True))
    assert float(brute_force(layer, merged)[0].min()) < float(e.min())
