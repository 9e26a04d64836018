"""The mapper's best equals an independent brute force over the same mapspace, for every objective."""

from __future__ import annotations

import numpy as np
import pytest
from bruteforce import brute_force

from carbonloop.hardware.library import load_accelerator
from carbonloop.hardware.yaml import accelerator_from_dict
from carbonloop.mapper import Constraints, get_objective, search_layer
from carbonloop.model.evaluate import evaluate
from carbonloop.workload.builders import conv1d, conv2d, matmul

OBJECTIVES = ["edp", "energy", "latency", "weighted:a=1,b=0.5"]


def array_4x4(reg_bits: int = 64, buf_bits: int = 2048):
    """DRAM -> shared buffer (spans both axes) -> per-PE registers, on a 4x4 array without hints."""
    return accelerator_from_dict(
        {
            "name": "array_4x4",
            "clock_ns": 1.0,
            "array": {"axes": {"X": 4, "Y": 4}, "mac_pj": 0.3},
            "memories": [
                {"name": "dram", "width_bits": 32, "read_pj": 100.0, "write_pj": 110.0, "shared_ports": True},
                {
                    "name": "buffer",
                    "size_bits": buf_bits,
                    "width_bits": 32,
                    "read_pj": 6.0,
                    "write_pj": 7.0,
                    "read_ports": 2,
                    "write_ports": 1,
                    "spans": ["X", "Y"],
                },
                {
                    "name": "regs",
                    "size_bits": reg_bits,
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


CASES = {
    "conv1d_two_level": (lambda: conv1d("c1", M=8, P=6, R=3), lambda: load_accelerator("two_level"), {}),
    "matmul_two_level_bypass": (
        lambda: matmul("mm", M=4, N=6, K=4),
        lambda: load_accelerator("two_level"),
        {"bypass": True},
    ),
    "conv1d_two_level_imperfect": (
        lambda: conv1d("c1i", M=5, P=6, R=3),
        lambda: load_accelerator("two_level"),
        {"imperfect": True},
    ),
    "conv2d_4x4": (lambda: conv2d("cv", K=4, C=2, OY=3, OX=1, FY=2), array_4x4, {}),
    "matmul_4x4": (lambda: matmul("mm4", M=4, N=4, K=6), array_4x4, {}),
    "strided_conv_4x4": (lambda: conv2d("st", K=2, C=2, OY=3, OX=2, FY=2, stride=2), array_4x4, {}),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    make_layer, make_acc, kw = CASES[request.param]
    layer, acc = make_layer(), make_acc()
    e, lat, maps = brute_force(
        layer, acc, bypass=kw.get("bypass", False), imperfect=kw.get("imperfect", False)
    )
    return request.param, layer, acc, kw, e, lat, maps


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_mapper_best_equals_brute_force_optimum(case, objective):
    name, layer, acc, kw, e, lat, maps = case
    obj = get_objective(objective)
    vals = obj.value(e, lat)
    best = float(vals.min())
    constraints = Constraints(bypass=kw.get("bypass", False))
    res = search_layer(layer, acc, objective, constraints=constraints, imperfect=kw.get("imperfect", False))
    assert res.optimal and res.gap == 0.0
    assert res.value == pytest.approx(best, rel=1e-9), name
    # the reported mapping really scores that (through the single-mapping path)
    cost = evaluate(layer, acc, res.mapping)
    assert float(obj.value(cost.energy_pj, cost.latency_cycles)) == pytest.approx(best, rel=1e-9)
    # and the brute force's optimum scores the same through evaluate()
    ref = evaluate(layer, acc, maps[int(np.argmin(vals))])
    assert float(obj.value(ref.energy_pj, ref.latency_cycles)) == pytest.approx(best, rel=1e-9)


def test_hull_mode_front_is_the_exact_lower_convex_hull(case):
    name, layer, acc, kw, e, lat, _ = case
    res = search_layer(
        layer,
        acc,
        "edp",
        constraints=Constraints(bypass=kw.get("bypass", False)),
        imperfect=kw.get("imperfect", False),
        mode="hull",
    )
    # for every weight, the best a*E + L over the brute force is reached on the front
    for lam in (0.0, 0.01, 0.1, 1.0, 10.0, 100.0, 1e4):
        want = float((e + lam * lat).min())
        got = min(p.energy_pj + lam * p.latency_cycles for p in res.front)
        assert got == pytest.approx(want, rel=1e-9), (name, lam)
