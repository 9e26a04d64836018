"""``imc_runs_pool_and_add`` off (the ``zigzag`` set): an IMC array does not cost additions and poolings.

ZigZag 3.9.1 skips layers of type ``Pooling`` and ``Add`` when its operational array is an IMC array
(``zigzag/stages/workload_iterator.py``, ``WorkloadStage.run``): its totals are the other layers' alone.
Checked against an oracle: the same network without those layers, costed layer by layer.
"""

from __future__ import annotations

import pytest

from carbonloop import SpecError, evaluate
from carbonloop.model.conventions import CARBONLOOP, ZIGZAG
from carbonloop.model.mapping import Mapping
from carbonloop.workload.builders import conv2d
from carbonloop.workload.elementwise import eltwise, pool2d
from carbonloop.workload.network import Edge, Network

CONV_A = conv2d("conv_a", K=8, C=8, OY=4, OX=4, FY=3, FX=3, padding=1)
ADD = eltwise("add", shape=(1, 8, 4, 4), kind="add")
POOL = pool2d("pool", C=8, OY=2, OX=2, FY=2, FX=2, stride=2)
CONV_B = conv2d("conv_b", K=8, C=8, OY=2, OX=2)
NET = Network(
    "small",
    (CONV_A, ADD, POOL, CONV_B),
    (Edge("conv_a", "add"), Edge("add", "pool"), Edge("pool", "conv_b")),
)


def _budgeted(**kw: object):
    return evaluate(NET, "dimc_28nm", objective="energy", budget=200, interlayer=False, **kw)


def test_zigzag_leaves_additions_and_poolings_out_on_imc():
    res = _budgeted(conventions=ZIGZAG)
    assert res.not_costed == ("add", "pool")
    assert [r.name for r in res.layers] == ["conv_a", "conv_b"]
    # the oracle: each conv costed alone with the mapping the run chose gives the run's totals
    alone = [
        evaluate(lay, "dimc_28nm", mapping=r.cost.mapping, conventions=ZIGZAG, interlayer=False)
        for lay, r in zip((CONV_A, CONV_B), res.layers, strict=True)
    ]
    assert res.energy_pj == pytest.approx(sum(a.energy_pj for a in alone), rel=1e-12)
    assert res.latency_cycles == sum(a.latency_cycles for a in alone)
    assert res.to_dict()["not_costed"] == ["add", "pool"]


def test_default_and_digital_cost_every_layer():
    assert _budgeted(conventions=CARBONLOOP).not_costed == ()
    digital = evaluate(NET, "tpu_like", objective="energy", budget=200, conventions=ZIGZAG, interlayer=False)
    assert digital.not_costed == () and len(digital.layers) == 4
    assert "not_costed" not in digital.to_dict()


def test_nothing_left_to_cost_is_an_error():
    only_pool = Network("pools", (POOL,))
    with pytest.raises(SpecError, match="every layer is an addition or a pooling"):
        evaluate(only_pool, "dimc_28nm", objective="energy", budget=50, conventions=ZIGZAG)


def test_given_mappings_need_only_the_costed_layers():
    res = _budgeted(conventions=ZIGZAG)
    given: dict[str, Mapping] = {r.name: r.cost.mapping for r in res.layers}
    again = evaluate(NET, "dimc_28nm", mapping=given, conventions=ZIGZAG, interlayer=False)
    assert again.not_costed == ("add", "pool")
    assert again.energy_pj == pytest.approx(res.energy_pj, rel=1e-12)
