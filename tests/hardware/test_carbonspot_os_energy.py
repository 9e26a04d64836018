"""ZigZag v2's weight rule (``SearchUnusedMemoryStage``), which kept CarbonSpot's output-stationary weights on
chip at 512 KiB although its ``expr.py`` OS template keeps DRAM serving them (issue 15).

Sources: KULeuven-MICAS/carbonspot @ f514704 ``zigzag/classes/stages/SearchUnusedMemoryStage.py``
(``update_top_mem_level``), run by ``zigzag/api.py``; the published rows are the shipped copy of CarbonSpot's
results (``carbonloop/explore/data/carbonspot_dse_results.csv``)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.explore.validate import load_reference
from carbonloop.hardware.carbonspot import (
    ZIGZAG_OUTPUT_BITS,
    zigzag_activations_on_chip,
    zigzag_sram_keeps_weights,
)
from carbonloop.pipeline.inputs import as_network
from carbonloop.workload.builders import fully_connected
from carbonloop.workload.elementwise import pool2d
from carbonloop.workload.network import Edge, Network, chain


def _fc(name: str, c: int, k: int):
    return fully_connected(name, in_features=c, out_features=k)


def test_threshold_is_all_weights_plus_the_smallest_layer_io() -> None:
    # fc1: 100 -> 40, fc2: 40 -> 10, 8-bit weights and inputs, outputs sized at ZigZag's 16 b.
    # weights: (100*40 + 40*10) * 8 = 35 200 b.
    # fc1 I+O: 100*8 + 40*16 = 1 440 b; fc2 I+O: 40*8 + 10*16 = 480 b (the smaller).
    # so the SRAM keeps the weights from 35 200 + 480 = 35 680 b on, not one bit below.
    net = chain("two_fc", [_fc("fc1", 100, 40), _fc("fc2", 40, 10)])
    assert ZIGZAG_OUTPUT_BITS == 16
    assert zigzag_sram_keeps_weights(net, 35_680)
    assert not zigzag_sram_keeps_weights(net, 35_679)
    # outputs counted at 8 b instead: fc2 needs 40*8 + 10*8 = 400 b over the weights.
    assert zigzag_sram_keeps_weights(net, 35_600, output_bits=8)
    assert not zigzag_sram_keeps_weights(net, 35_599, output_bits=8)


def test_branch_points_never_qualify() -> None:
    # a feeds b and c (a starts a branch), b and c feed d (b and c end one): only d is tested.
    # weights: (64*64 + 64*8 + 64*8 + 8*4) * 8 = 41 216 b; d: I 8*8 = 64 b, O 4*16 = 64 b -> 41 344 b.
    # a's own I+O (64*8 + 64*16 = 1 536 b) never lowers the threshold; b's (64*8 + 8*16 = 640 b) neither.
    layers = (_fc("a", 64, 64), _fc("b", 64, 8), _fc("c", 64, 8), _fc("d", 8, 4))
    edges = (Edge("a", "b"), Edge("a", "c"), Edge("b", "d"), Edge("c", "d"))
    net = Network("diamond", layers, edges)
    assert zigzag_sram_keeps_weights(net, 41_344)
    assert not zigzag_sram_keeps_weights(net, 41_343)


def test_layers_without_weights_are_bypassed() -> None:
    # fc1 (32 -> 16) -> pool -> fc2 (16 -> 4): ZigZag drops the pool (no constant operand) and links fc1 to fc2.
    # weights: (32*16 + 16*4) * 8 = 4 608 b; fc1 I+O: 32*8 + 16*16 = 512 b; fc2: 16*8 + 4*16 = 192 b.
    pool = pool2d("pool", C=16, OY=1, OX=1, FY=1, FX=1)
    net = Network(
        "with_pool",
        (_fc("fc1", 32, 16), pool, _fc("fc2", 16, 4)),
        (Edge("fc1", "pool"), Edge("pool", "fc2")),
    )
    assert zigzag_sram_keeps_weights(net, 4_608 + 192)
    assert not zigzag_sram_keeps_weights(net, 4_608 + 191)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 64), st.integers(1, 64)), min_size=1, max_size=5), st.integers(0, 10**6)
)
def test_rule_is_monotone_in_the_sram_size(shapes: list[tuple[int, int]], size_bits: int) -> None:
    layers = [_fc(f"l{i}", c, k) for i, (c, k) in enumerate(shapes)]
    net = chain("chain", layers)
    if zigzag_sram_keeps_weights(net, size_bits):
        assert zigzag_sram_keeps_weights(net, size_bits + 1)
        total_w = sum(c * k * 8 for c, k in shapes)
        assert size_bits >= total_w  # never keeps weights that do not fit


TINY = {"ae": "autoencoder", "ds_cnn": "ds_cnn", "mobilenet": "mobilenet_v1", "resnet8": "resnet8"}
DRAM_PJ_PER_BIT = 3.7  # CarbonSpot's DRAM access energy (expr.py, memory_hierarchy_dut_*)


@pytest.fixture(scope="module")
def published_os() -> pd.DataFrame:
    ref = load_reference()
    return ref[(ref.suite == "tiny") & (ref.acc_type == "pdigital_os") & ref.workload.isin(list(TINY))]


def test_published_os_energy_pays_dram_weights_exactly_when_the_rule_says_so(
    published_os: pd.DataFrame,
) -> None:
    # Reading every weight from DRAM once costs weight bits x 3.7 pJ (AutoEncoder: 264 192 B x 8 x 3.7 =
    # 7.82e6 pJ). Where the rule keeps the weights in DRAM, every published OS point costs at least that;
    # AutoEncoder and MobileNet at 512 KiB and 1 MiB cost less, so their weights cannot have come from
    # DRAM, and the rule says they stayed in the SRAM.
    nets = {k: as_network(v) for k, v in TINY.items()}
    below = []
    for row in published_os.itertuples():
        net = nets[row.workload]
        dram_w_pj = net.weight_bytes() * 8 * DRAM_PJ_PER_BIT
        kept = zigzag_sram_keeps_weights(net, int(row.sram_size_B) * 8)
        if not kept:
            assert row.energy_pJ >= dram_w_pj, (row.workload, row.sram_size_B, row.dim)
        if row.energy_pJ < dram_w_pj:
            assert kept, (row.workload, row.sram_size_B, row.dim)
            below.append((row.workload, int(row.sram_size_B)))
    assert {w for w, _ in below} == {"ae", "mobilenet"}
    assert min(s for _, s in below) == 524_288


def test_autoencoder_weights_fit_at_512_kib_not_at_128_kib() -> None:
    # AutoEncoder's 264 192 weight bytes (CarbonSpot expr.py size_workloads) = 2 113 536 b: more than
    # 128 KiB = 1 048 576 b, less than 512 KiB = 4 194 304 b with any layer's I/O (at most 640*8 + 128*16 b).
    ae = as_network("autoencoder")
    assert ae.weight_bytes() == 264_192
    assert not zigzag_sram_keeps_weights(ae, 131_072 * 8)
    assert zigzag_sram_keeps_weights(ae, 524_288 * 8)


def test_activations_of_a_chain_stay_where_each_layer_fits() -> None:
    # fc1 100 -> 40: I+O = 100*8 + 40*16 = 1 440 b; fc2 40 -> 10: 40*8 + 10*16 = 480 b.
    net = chain("two_fc", [_fc("fc1", 100, 40), _fc("fc2", 40, 10)])
    # 1 440 b: both fit; the network's input and the last output stay on chip too.
    assert zigzag_activations_on_chip(net, 1_440) == {"fc1": (True, True), "fc2": (True, True)}
    # 1 439 b: fc1's I+O does not fit, so its input and output go to DRAM, and fc2 reads fc1's output
    # from there; fc2's own output (480 b) stays.
    assert zigzag_activations_on_chip(net, 1_439) == {"fc1": (False, False), "fc2": (False, True)}
    # 479 b: nothing fits.
    assert zigzag_activations_on_chip(net, 479) == {"fc1": (False, False), "fc2": (False, False)}


def test_branch_points_send_activations_to_dram_whatever_the_size() -> None:
    # a starts a branch, b and c end one: their outputs go up even in a huge SRAM; b and c read a's output
    # from DRAM, d reads b's (its first producer) from DRAM and keeps its own output.
    layers = (_fc("a", 64, 64), _fc("b", 64, 8), _fc("c", 64, 8), _fc("d", 8, 4))
    edges = (Edge("a", "b"), Edge("a", "c"), Edge("b", "d"), Edge("c", "d"))
    net = Network("diamond", layers, edges)
    assert zigzag_activations_on_chip(net, 10**9) == {
        "a": (False, False),
        "b": (False, False),
        "c": (False, False),
        "d": (False, True),
    }


def test_autoencoder_and_mobilenet_never_touch_dram_for_activations_at_512_kib() -> None:
    # Both are chains whose layers' I+O are far below 512 KiB = 4 194 304 b (e.g. MobileNet's first conv,
    # stride 2 with a 3x3 window: 97*97*3*8 + 48*48*8*16 = 225 816 + 294 912 = 520 728 b), so ZigZag keeps
    # every activation, the network's input included, in the SRAM (ours reads the input from DRAM:
    # 8.78e5 pJ on MobileNet's OS 32x32 point).
    for name in ("autoencoder", "mobilenet_v1"):
        levels = zigzag_activations_on_chip(as_network(name), 524_288 * 8)
        assert set(levels.values()) == {(True, True)}, name
