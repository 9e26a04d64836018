"""The ``network_objective`` convention: EDP minimized for the network (default) or per layer (ZigZag's
reduce stage runs once per layer inside its ``WorkloadStage``, KULeuven-MICAS/zigzag 3.9.1 ``zigzag/api.py``;
off under the ``zigzag`` and ``carbonspot`` sets)."""

from __future__ import annotations

import dataclasses

import carbonloop
from carbonloop.hardware import load_accelerator
from carbonloop.mapper import search_network
from carbonloop.model.conventions import CARBONSPOT, ZIGZAG
from carbonloop.workload import conv2d
from carbonloop.workload.builders import fully_connected
from carbonloop.workload.network import Edge, Network


def small() -> Network:
    layers = (
        conv2d("a", K=32, C=16, OY=8, OX=8, FY=3, FX=3),
        conv2d("b", K=64, C=32, OY=4, OX=4, FY=3, FX=3),
        fully_connected("fc", in_features=64, out_features=10),
    )
    return Network("small", layers, (Edge("a", "b"), Edge("b", "fc")))


def test_zigzag_sets_search_each_layer_for_its_own_edp():
    assert not ZIGZAG.network_objective and not CARBONSPOT.network_objective


def test_the_pipeline_searches_per_layer_or_jointly_as_the_conventions_say():
    """The joint search runs a second (hull) pass over every layer, so it scores more mappings than the
    per-layer one: the pipeline's count tells which it ran, and its layers are exactly that search's."""
    acc = load_accelerator("tpu_like")
    per_layer = dataclasses.replace(
        acc, conventions=dataclasses.replace(acc.conventions, network_objective=False)
    )
    net = small()
    sep = search_network(net, acc, "edp", level="layer")
    joint = search_network(net, acc, "edp")
    assert joint.evaluated > sep.evaluated
    got_sep = carbonloop.evaluate(net, per_layer, objective="edp", interlayer=False)
    got_joint = carbonloop.evaluate(net, acc, objective="edp", interlayer=False)
    assert got_sep.search is not None and got_joint.search is not None
    assert got_sep.search.evaluated == sep.evaluated
    assert got_joint.search.evaluated == joint.evaluated
    assert [r.cost.energy_pj for r in got_sep.layers] == [c.cost.energy_pj for c in sep.layers]
    assert [r.cost.latency_cycles for r in got_sep.layers] == [c.cost.latency_cycles for c in sep.layers]
