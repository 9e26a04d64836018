"""A spatial unrolling fixed by the user pads a dim it does not divide (perfect mode), as ZigZag does.

The cause of "no mapping fits" on ZigZag's meta_prototype with its mixed mapping (zigzag-dse 3.9.1,
inputs/mapping/meta_prototype_like_mixed.yaml: OX 2 x OY 2 on each of D3 and D4, D2 left to the hint C):
ResNet-18 layer3.0/conv1 has OX = OY = 14, each fixed factor 2 divides 14 but their product 4 does not.
The mapper kept only spatial candidates whose per-dim product divides the dim, so the one candidate the
fixed axes allow was dropped, no space was searched and the search reported that every tile overflows.
The rule now: fixed loops are taken as given (the dim is padded to a multiple of their product) and the
free axes unroll, by the mode's rule, what they leave. The case below has the same shape on a small array.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from bruteforce import brute_force

from carbonloop.hardware.yaml import accelerator_from_dict
from carbonloop.mapper import Constraints, search_layer
from carbonloop.mapper.spatial import spatial_candidates
from carbonloop.model.evaluate import evaluate
from carbonloop.workload.builders import conv2d

# two axes fixed with OX 2 each (product 4 on OX = 6: padded to 8), a third left to the hint C
SPATIAL = {"X": [("OX", 2)], "Y": [("OX", 2)]}
HINTS = {"Z": ["C"]}


def array_2x2x2():
    """DRAM -> shared buffer (spans every axis) -> per-PE registers, on a 2 x 2 x 2 array."""
    return accelerator_from_dict(
        {
            "name": "array_2x2x2",
            "clock_ns": 1.0,
            "array": {"axes": {"X": 2, "Y": 2, "Z": 2}, "mac_pj": 0.3},
            "memories": [
                {"name": "dram", "width_bits": 32, "read_pj": 100.0, "write_pj": 110.0, "shared_ports": True},
                {
                    "name": "buffer",
                    "size_bits": 1024,
                    "width_bits": 32,
                    "read_pj": 6.0,
                    "write_pj": 7.0,
                    "read_ports": 2,
                    "write_ports": 1,
                    "spans": ["X", "Y", "Z"],
                },
                {
                    "name": "regs",
                    "size_bits": 64,
                    "width_bits": 8,
                    "read_pj": 0.1,
                    "write_pj": 0.12,
                    "read_ports": 4,
                    "write_ports": 2,
                    "spans": [],
                },
            ],
        }
    )


def test_fixed_unrolling_that_does_not_divide_its_dim_pads_it():
    layer, acc = conv2d("pad", K=2, C=4, OY=1, OX=6, FX=3), array_2x2x2()
    cands = spatial_candidates(layer, acc, Constraints(spatial=SPATIAL, hints=HINTS))
    # the fixed axes give OX 2 x 2; Z: nothing or C 2 (C 4 exceeds the axis): two candidates, C 2 first
    assert [c.label() for c in cands] == ["X:OX2 Y:OX2 Z:C2", "X:OX2 Y:OX2"]
    res = search_layer(layer, acc, "edp", constraints=Constraints(spatial=SPATIAL, hints=HINTS))
    assert res.optimal and res.mapping.imperfect
    # OX's temporal loops cover ceil(6 / 4) = 2: 2 x 4 = 8 >= 6 columns (two of them padding)
    ox = [lp.factor for lv in res.mapping.levels for lp in lv.temporal if lp.dim == "OX"]
    assert math.prod(ox) * 4 == 8
    assert evaluate(layer, acc, res.mapping).energy_pj == pytest.approx(res.cost.energy_pj)


@pytest.mark.parametrize("objective", ["edp", "energy", "latency"])
def test_padded_fixed_unrolling_optimum_equals_brute_force(objective):
    layer, acc = conv2d("pad", K=2, C=4, OY=1, OX=6, FX=3), array_2x2x2()
    e, lat, maps = brute_force(layer, acc, spatial=SPATIAL, hints=HINTS)
    assert all(m.imperfect for m in maps) and len(maps) > 100
    res = search_layer(layer, acc, objective, constraints=Constraints(spatial=SPATIAL, hints=HINTS))
    values = {"edp": e * lat, "energy": e, "latency": lat}[objective]
    assert res.optimal
    assert res.value == pytest.approx(float(np.min(values)), rel=1e-9)


def test_free_axis_unrolls_what_the_fixed_loops_leave():
    # K 6 with K 2 fixed on X: the free Z (2 wide) may take K 2? 6 / 2 = 3 is left, and 2 divides neither
    # 3 (perfect) ... so Z holds C 2 or nothing; with K 4 (left 2) Z may take K 2 as well
    acc = array_2x2x2()
    fixed = {"X": [("K", 2)], "Y": []}
    hints = {"Z": ["K", "C"]}
    k6 = spatial_candidates(conv2d("k6", K=6, C=2, OY=1, OX=1), acc, Constraints(spatial=fixed, hints=hints))
    assert sorted(c.label() for c in k6) == ["X:K2", "X:K2 Z:C2"]
    k4 = spatial_candidates(conv2d("k4", K=4, C=2, OY=1, OX=1), acc, Constraints(spatial=fixed, hints=hints))
    assert sorted(c.label() for c in k4) == ["X:K2", "X:K2 Z:C2", "X:K2 Z:K2"]
