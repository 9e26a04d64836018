"""Which instances pay for vector accesses and leakage: ``ignore_cluster_size`` and ``leak_idle_instances``,
each on its own, derived by hand.

Case (tests/data/timeloop): DRAM -> GlobalBuffer -> 4 x 2 PEs (RegFile + MAC), conv1d M=8 P=8 R=3, a mapping
that uses 4 of the 8 PEs (M=4 across meshX). Per PE: 48 MACs, 48 cycles; RegFile weights 48 reads and
6 fills. The RegFile is 64 bits wide with 8-bit data, ``cluster_size: 4``, and leaks 0.01 pJ per cycle.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.interop.common import InteropWarning, parse_tagged_yaml
from carbonloop.interop.timeloop import load_timeloop
from carbonloop.model.conventions import CARBONLOOP, TIMELOOP
from carbonloop.model.evaluate import evaluate, evaluate_batch
from carbonloop.model.instance_costs import block_elements, leaking_instances, paying_instances
from carbonloop.model.mapping import resolve
from carbonloop.model.nest import compile_layer, mapping_arrays

DATA = Path(__file__).resolve().parents[1] / "data" / "timeloop"
GLOBAL_BUFFER, REGFILE = 1, 2  # level indices (DRAM is 0; checked below)


def _case(conventions):
    arch = parse_tagged_yaml((DATA / "arch_pe_array.yaml").read_text())
    regfile = arch["architecture"]["nodes"][-2]
    regfile["attributes"].update(width=64, cluster_size=4)
    ert = parse_tagged_yaml((DATA / "ert_pe_array.yaml").read_text())
    ert["ERT"]["tables"][2]["actions"].append({"name": "leak", "energy": 0.01})
    with pytest.warns(InteropWarning):  # n_banks ignored, two RegFile read variants
        layer, acc, mapping, _ = load_timeloop(
            arch, DATA / "problem_conv1d_8x8.yaml", DATA / "map_pe_array_half.yaml", ert
        )
    return layer, replace(acc, conventions=conventions), mapping


def _counts(layer, acc, mapping):
    resolved = resolve(mapping, layer, acc)
    loops = mapping_arrays([resolved.mapping], layer, acc)
    return evaluate_batch(compile_layer(layer), acc, loops, resolved.keep).counts


@pytest.fixture(scope="module")
def timeloop_case():
    layer, acc, mapping = _case(TIMELOOP)
    assert [m.name for m in acc.memories].index("RegFile") == REGFILE
    return layer, acc, mapping


def test_the_case_uses_four_of_eight_regfiles(timeloop_case):
    layer, acc, mapping = timeloop_case
    counts = _counts(layer, acc, mapping)
    assert acc.instances(REGFILE) == 8
    assert int(counts.instances[0, REGFILE]) == 4
    w = [o.name for o in layer.operands].index("Weights")
    # 4 PEs x 48 reads; 4 PEs x (2 m steps x 3 weights) fills
    assert int(counts.reads[0, REGFILE, w]) == 192
    assert int(counts.fills[0, REGFILE, w]) == 24


def test_a_cluster_width_is_shared_by_its_instances(timeloop_case):
    layer, acc, mapping = timeloop_case
    counts = _counts(layer, acc, mapping)
    # Timeloop: 64 bits / (8-bit words x 4 instances) = 2 elements per access and instance.
    assert int(block_elements(counts, acc)[0, REGFILE, 0]) == 2
    # Each instance its own access: 64 / 8 = 8 elements.
    each = replace(acc, conventions=replace(TIMELOOP, name="each", ignore_cluster_size=True))
    assert int(block_elements(counts, each)[0, REGFILE, 0]) == 8


def test_one_access_is_paid_per_utilized_cluster(timeloop_case):
    layer, acc, mapping = timeloop_case
    counts = _counts(layer, acc, mapping)
    # 8 RegFiles in clusters of 4 = 2 clusters; 4 in use, spread over both: min(4, 8 / 4) = 2 pay.
    assert int(paying_instances(counts, acc)[0, REGFILE, 0]) == 2
    # (not ceil(4 / 4) = 1: Timeloop assumes the used instances spread over all clusters)
    each = replace(acc, conventions=replace(TIMELOOP, name="each", ignore_cluster_size=True))
    assert int(paying_instances(counts, each)[0, REGFILE, 0]) == 4
    # the GlobalBuffer (cluster_size 1, one instance): one payer either way
    assert int(paying_instances(counts, acc)[0, GLOBAL_BUFFER, 0]) == 1


def test_only_utilized_instances_leak_under_timeloop(timeloop_case):
    layer, acc, mapping = timeloop_case
    counts = _counts(layer, acc, mapping)
    assert int(leaking_instances(counts, acc)[0, REGFILE]) == 4
    every = replace(acc, conventions=replace(TIMELOOP, name="every", leak_idle_instances=True))
    assert int(leaking_instances(counts, every)[0, REGFILE]) == 8
    exact = replace(acc, conventions=CARBONLOOP)
    assert np.array_equal(leaking_instances(counts, exact)[0], [1, 1, 8])


def test_regfile_energy_under_timeloop_by_hand(timeloop_case):
    layer, acc, mapping = timeloop_case
    cost = evaluate(layer, acc, mapping)
    # Timeloop: 2 paying clusters x (ceil(48 / 2) = 24 reads x 0.2 + ceil(6 / 2) = 3 fills x 0.2) = 10.8 pJ.
    assert cost.energy_breakdown_pj["RegFile"]["Weights"] == pytest.approx(10.8)
    # Leakage: 4 used RegFiles x 48 cycles x 0.01 pJ = 1.92 pJ (8 x 48 x 0.01 = 3.84 with idle ones).
    assert cost.latency_cycles == 48
    assert cost.leakage_pj["RegFile"] == pytest.approx(1.92)


def test_regfile_energy_with_every_instance_paying_by_hand(timeloop_case):
    layer, acc, mapping = timeloop_case
    conv = replace(TIMELOOP, name="each", ignore_cluster_size=True, leak_idle_instances=True)
    cost = evaluate(layer, replace(acc, conventions=conv), mapping)
    # 4 PEs x (ceil(48 / 8) = 6 reads x 0.2 + ceil(6 / 8) = 1 fill x 0.2) = 5.6 pJ; leakage 8 x 48 x 0.01.
    assert cost.energy_breakdown_pj["RegFile"]["Weights"] == pytest.approx(5.6)
    assert cost.leakage_pj["RegFile"] == pytest.approx(3.84)


@given(used=st.integers(1, 8), cluster=st.sampled_from([1, 2, 4, 8]))
@settings(max_examples=40, deadline=None)
def test_payers_are_the_used_instances_capped_by_the_clusters(timeloop_case, used, cluster):
    """Invariants of Timeloop's cluster rule on the RegFile (8 physical instances): between 1 and the
    instances in use, never more than the 8 / cluster clusters, all of them paying at cluster_size 1;
    under timeloop exactly the used instances leak."""
    layer, acc, mapping = timeloop_case
    counts = _counts(layer, acc, mapping)
    mems = tuple(replace(m, cluster_size=cluster) if m.name == "RegFile" else m for m in acc.memories)
    acc = replace(acc, memories=mems)
    inst = counts.instances.copy()
    inst[0, REGFILE] = used
    counts = replace(counts, instances=inst)
    payers = int(paying_instances(counts, acc)[0, REGFILE, 0])
    assert 1 <= payers <= used and payers <= 8 // cluster
    assert payers == min(used, 8 // cluster)
    if cluster == 1:
        assert payers == used
    assert int(leaking_instances(counts, acc)[0, REGFILE]) == used
