"""The `zigzag_spatial_mapspace` rule of the carbonspot profile: CarbonSpot's spatial hints (its `expr.py`,
KULeuven-MICAS/carbonspot: D1 K, OX, OY and D2 C, FX, FY for WS, AIMC and DIMC) and every hinted dim
mixable on an axis (ZigZag's mixed spatial generation, on in CarbonSpot's `zigzag/api.py`)."""

from __future__ import annotations

import dataclasses

import pytest

from carbonloop.errors import SpecError
from carbonloop.hardware.imc import imc
from carbonloop.hardware.templates import digital
from carbonloop.mapper import search_layer
from carbonloop.mapper.spatial import spatial_candidates
from carbonloop.workload import zoo


def _unrollings(layer, acc) -> set[tuple[tuple[str, tuple[tuple[str, int], ...]], ...]]:
    return {
        tuple((axis, tuple(sorted(loops))) for axis, loops in c.unrolling if loops)
        for c in spatial_candidates(layer, acc)
    }


def test_imc_hints_and_mixing_follow_carbonspot_under_the_rule():
    on = imc("dimc", 64, 64, 1, 8192, profile="carbonspot")
    off = imc("dimc", 64, 64, 1, 8192, profile="carbonspot-zigzag_spatial_mapspace")
    assert on.hints["spatial"]["D1"] == ["K", "OX", "OY"] and on.hints["max_mixed"] == 3
    assert off.hints["spatial"]["D1"] == ["K", "OX"] and "max_mixed" not in off.hints
    ws = digital(32, 32, 8192, "ws", profile="carbonspot")
    assert ws.hints["max_mixed"] == 3
    assert "max_mixed" not in digital(32, 32, 8192, "ws").hints  # the default profile: unchanged


def test_resnet8_first_layer_mixes_three_reduction_dims_on_the_ws_columns():
    # conv0: C 3, FX 3, FY 3 (27 <= 32 columns): ZigZag unrolls all three on D2; two at most without it
    conv0 = zoo.get("resnet8").layers[0]
    assert (conv0.sizes["C"], conv0.sizes["FX"], conv0.sizes["FY"]) == (3, 3, 3)
    triple = ("D2", (("C", 3), ("FX", 3), ("FY", 3)))
    on = digital(32, 32, 8192, "ws", profile="carbonspot")
    off = digital(32, 32, 8192, "ws", profile="carbonspot-zigzag_spatial_mapspace")
    assert any(triple in u for u in _unrollings(conv0, on))
    assert not any(triple in u for u in _unrollings(conv0, off))


def test_depthwise_layer_on_64x64_dimc_unrolls_oy_with_ox_on_the_wordline():
    # DS-CNN dw1: G 64 channels of OY 25 x OX 5 outputs, FY 3 x FX 3 window, 8-bit inputs, DIMC 1 input
    # bit per cycle: a pass takes 8 cycles. With OY allowed on D1, OX 5 x OY 5 outputs per pass (input
    # rows (5 + 3 - 1) x (5 + 3 - 1) = 49 <= 64): 64 x (25 x 5) / 25 = 320 passes, 2 560 compute cycles;
    # with D1 K, OX only: OX 5 per pass, 64 x 25 = 1 600 passes, 12 800 cycles.
    dw1 = next(lay for lay in zoo.get("ds_cnn").layers if lay.name == "dw1")
    assert (dw1.sizes["OY"], dw1.sizes["OX"], dw1.sizes["FY"], dw1.sizes["FX"]) == (25, 5, 3, 3)
    cycles = {}
    for profile in ("carbonspot", "carbonspot-zigzag_spatial_mapspace"):
        acc = imc("dimc", 64, 64, 1, 8192, profile=profile)
        res = search_layer(dw1, acc, "latency")
        cycles[profile] = res.cost.latency_breakdown_cycles["compute"]
    assert cycles == {"carbonspot": 2560, "carbonspot-zigzag_spatial_mapspace": 12800}


@pytest.mark.parametrize("bad", [0, -1, "3", 2.5, True])
def test_bad_max_mixed_hint_is_one_error(bad):
    acc = digital(4, 4, 8192, "ws")
    acc = dataclasses.replace(acc, hints={**acc.hints, "max_mixed": bad})
    with pytest.raises(SpecError, match="hints.max_mixed"):
        spatial_candidates(zoo.get("resnet8").layers[0], acc)
