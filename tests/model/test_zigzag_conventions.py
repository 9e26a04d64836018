"""The ``zigzag`` and ``carbonspot`` convention sets, each switch on its own on a small hand-derived case.

Oracles: the arithmetic in each test, and ZigZag 3.9.1's own port activities for ResNet8 ``conv0`` on
``tpu_like`` (printed by ``zigzag.cost_model.cost_model.CostModelEvaluation.port_activity_collect`` for the
loop nest of ``benchmarks/vs_zigzag.py``; latency_total2 = 10 242 cycles).
"""

from __future__ import annotations

import dataclasses

import pytest

from carbonloop.hardware import load_preset
from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import search_layer
from carbonloop.model.conventions import CARBONLOOP, CARBONSPOT, ZIGZAG, get_conventions
from carbonloop.model.evaluate import evaluate
from carbonloop.model.interlayer import keep_activations_on_chip, weights_fit_on_chip
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.model.zigzag_latency import Move, port_stall, window_union
from carbonloop.workload import conv2d
from carbonloop.workload.builders import conv1d, matmul
from carbonloop.workload.network import Edge, Network
from tests.mapper.bruteforce import brute_force


def _with(acc, conventions):
    return dataclasses.replace(acc, conventions=conventions)


def _move(period: int, count: int, real: int, allowed: int) -> Move:
    return Move(0, 0, "rd_out_to_low", period, count, real, allowed, 8, 8)


def test_named_sets_resolve_and_differ_only_in_their_switches():
    assert get_conventions("zigzag") is ZIGZAG and get_conventions("CarbonSpot") is CARBONSPOT
    differ = {k for k, v in CARBONSPOT.describe().items() if v != ZIGZAG.describe()[k]}
    assert differ == {
        "loading_in_latency",
        "weights_from_dram",
        "activations_by_live_range",  # ZigZag v2's per-layer top memory levels (SearchUnusedMemoryStage)
        "fractional_word_totals",  # CarbonSpot's ZigZag v2 keeps fractional word totals
        "padded_units_move_data",  # and rounds a padded unrolling up for its latency
        "imc_stalls_from_ports",  # ZigZag-IMC's latency: compute plus the weight loads (its cost model)
        "imc_runs_pool_and_add",  # ZigZag 3.9.1 skips Pooling and Add on an IMC array; v2 does not
    }
    assert {k for k, v in ZIGZAG.describe().items() if v != CARBONLOOP.describe()[k]} == {
        "leakage_in_energy",  # ZigZag's cost model sums access and MAC energies only
        "psum_width_by_level",
        "level_roofline_latency",
        "merge_overlapping_multicast",
        "read_per_mac",
        "first_update_needs_no_read",
        "drain_reads_at_level_bits",
        "fractional_word_totals",
        "padded_units_move_data",
        "network_objective",  # ZigZag minimizes each layer's own objective
        "strided_diagonal_rows",  # ZigZag-IMC counts a diagonal's rows at unit steps
        "unpaired_wordline_rows",  # and a macro's rows from the bitline loops alone
        "imc_runs_pool_and_add",  # and leaves additions and poolings uncosted on an IMC array
    }


def test_window_union_of_nested_periods_counts_each_open_cycle_once():
    # windows [0, 1) every 2 cycles and [0, 1) every 4: in 4 cycles cycles 0 and 2 are open -> 2,
    # times the 3 periods of the longer move = 6
    assert window_union([_move(2, 6, 1, 1), _move(4, 3, 1, 1)]) == 6
    # a move that may use its whole period makes the union the whole layer: 9 x 1024
    assert window_union([_move(1, 9216, 1, 1), _move(9, 1024, 1, 9)]) == 9216


def test_port_stall_matches_zigzag_on_resnet8_conv0_output_register():
    # ZigZag's O register read port: partial sums back to the MAC every cycle (period 1, window 1, real 1,
    # 9216 periods) and final sums up every 9 cycles (window 9, real 1, 1024 periods):
    # stalls 0 and (1 - 9) x 1023 = -8184; windows 1 x 9215 + 9 x 1023 = 18 422; union 9216 (the first
    # move fills its period): 0 + max(0, -8184 + 18 422 - 9216) = 1022
    moves = [_move(1, 9216, 1, 1), _move(9, 1024, 1, 9)]
    assert port_stall(moves) == 1022
    # one move alone stalls (real - allowed) x (periods - 1): (8 - 1) x 3 = 21
    assert port_stall([_move(4, 4, 8, 1)]) == 21


def _conv0_like():
    """ResNet8 conv0's loop nest as ZigZag chose it (benchmarks/vs_zigzag.py): outputs stationary in the
    PE over C and FY, K 16 x FX 3 across the array."""
    layer = conv2d("conv0", K=16, C=3, OY=32, OX=32, FY=3, FX=3, padding=1)
    mapping = Mapping(
        (
            LevelMapping("dram"),
            LevelMapping(
                "sram",
                (Loop("OX", 4), Loop("OX", 8), Loop("OY", 4), Loop("OY", 8), Loop("FY", 3), Loop("C", 3)),
                (("D1", (Loop("K", 16),)), ("D2", (Loop("FX", 3),))),
            ),
            LevelMapping("registers"),
        )
    )
    return layer, mapping


def test_outputs_reduced_in_the_register_reach_the_sram_at_final_precision():
    layer, mapping = _conv0_like()
    acc = load_accelerator("tpu_like")
    exact = evaluate(layer, acc, mapping)
    zz = evaluate(layer, _with(acc, ZIGZAG), mapping)
    # C and FY sit at the bottom of the SRAM level: the output stays in its register across them, so
    # ZigZag sinks them into the register and the 16 x 32 x 32 = 16 384 outputs written into the SRAM are
    # final (8 b); the exact model keeps 16 b there, since loops of the SRAM level still reduce
    assert exact.word_bits["sram"]["O"] == 16 and zz.word_bits["sram"]["O"] == 8
    assert zz.word_bits["registers"]["O"] == 16  # the register accumulates partial sums
    assert zz.accesses["sram"]["O"]["updates"] == exact.accesses["sram"]["O"]["updates"] == 16384
    assert zz.accesses["sram"]["O"]["reads"] == 16384  # each sent on to DRAM once
    # the updates (103.4536 pJ per 512 b word) and the reads to DRAM (84.4465 pJ) each move 8 b fewer:
    # 16 384 x 8 / 512 x (103.4536 + 84.4465) = 48 102.4256 pJ saved
    saved = exact.energy_breakdown_pj["sram"]["O"] - zz.energy_breakdown_pj["sram"]["O"]
    assert saved == pytest.approx(16384 * 8 / 512 * (103.4536 + 84.4465), rel=1e-9)


def test_zigzag_latency_of_conv0_is_zigzags():
    layer, mapping = _conv0_like()
    zz = evaluate(layer, _with(load_accelerator("tpu_like"), ZIGZAG), mapping)
    # ZigZag 3.9.1 on this nest: 9216 ideal cycles + 1022 stall (the O register's read port, above)
    # + 2 on-loading + 2 off-loading = 10 242
    assert zz.latency_breakdown_cycles == {
        "compute": 9216,
        "stall": 1022,
        "onload": 2,
        "offload": 2,
        "total": 10242,
    }
    # CarbonSpot reads ZigZag's latency_total0: compute + stall
    cs = evaluate(layer, _with(load_accelerator("tpu_like"), CARBONSPOT), mapping)
    assert cs.latency_cycles == 9216 + 1022


def _ws_pair():
    a = conv2d("a", K=8, C=4, OY=4, OX=4)  # weights 8 x 4 = 32 values
    b = conv2d("b", K=4, C=8, OY=4, OX=4)  # weights 4 x 8 = 32 values
    return Network("pair", (a, b), (Edge("a", "b"),))


def _buffer_mapping(layer, names):
    dram, buf, regs = names
    return Mapping(
        (LevelMapping(dram), LevelMapping(buf, tuple(Loop(d, s) for d, s in layer.dims)), LevelMapping(regs))
    )


@pytest.mark.parametrize("dataflow", ["weight_stationary", "output_stationary"])
def test_carbonspot_weight_rule_drops_dram_weight_reads(dataflow):
    base = load_preset("os_array_16x16")
    acc = dataclasses.replace(base, conventions=CARBONSPOT, hints={**base.hints, "dataflow": dataflow})
    net = _ws_pair()
    names = acc.level_names
    costs = [evaluate(lay, acc, _buffer_mapping(lay, names)) for lay in net.layers]
    # each layer reads its 32 weights once from DRAM and fills them into the buffer once
    assert [c.accesses[names[0]]["W"]["reads"] for c in costs] == [32, 32]
    new, report = keep_activations_on_chip(net, acc, costs)
    # 64 weights x 8 b = 512 b (plus one layer's inputs and outputs, 2 560 b, below) fit the 128 KiB
    # buffer: no layer reads weights from DRAM or writes them on chip, on either dataflow
    assert report.weights_resident and weights_fit_on_chip(net, acc)
    assert [c.accesses[names[0]]["W"]["reads"] for c in new] == [0, 0]
    assert [c.accesses[names[1]]["W"]["fills"] for c in new] == [0, 0]
    # the default conventions keep fetching them
    exact = dataclasses.replace(acc, conventions=CARBONLOOP)
    _, rep = keep_activations_on_chip(
        net, exact, [evaluate(lay, exact, _buffer_mapping(lay, names)) for lay in net.layers]
    )
    assert not rep.weights_resident


def test_output_stationary_keeps_dram_weights_until_weights_and_one_layers_io_fit():
    # CarbonSpot's WS/IMC templates drop DRAM once the weights alone fit (512 b < size); its OS template
    # never does, but ZigZag v2's SearchUnusedMemoryStage does once all weights + one non-branch layer's
    # inputs (8 b) and outputs (16 b) fit: layer a 64 x 8 + 128 x 16 = 2 560 b, layer b 128 x 8 + 64 x 16
    # = 2 048 b; + 512 b of weights: 3 072 and 2 560 b, so OS needs 2 560 b.
    base = load_preset("os_array_16x16")
    net = _ws_pair()

    def fits(dataflow: str, size_bits: int) -> bool:
        buf = dataclasses.replace(base.memories[1], size_bits=size_bits)
        acc = dataclasses.replace(
            base,
            memories=(base.memories[0], buf, *base.memories[2:]),
            conventions=CARBONSPOT,
            hints={**base.hints, "dataflow": dataflow},
        )
        return weights_fit_on_chip(net, acc)

    assert [fits("weight_stationary", s) for s in (512, 513, 2559, 2560)] == [False, True, True, True]
    assert [fits("output_stationary", s) for s in (512, 513, 2559, 2560)] == [False, False, False, True]


@pytest.mark.parametrize(
    "layer",
    [conv1d("c1", M=8, P=6, R=3), matmul("mm", M=4, N=6, K=4)],
    ids=["conv1d", "matmul"],
)
def test_mapper_best_under_zigzag_conventions_equals_brute_force(layer):
    acc = _with(load_accelerator("two_level"), ZIGZAG)
    e, lat, _ = brute_force(layer, acc)
    best = float((e * lat).min())
    res = search_layer(layer, acc, "edp")
    assert res.optimal and res.gap == 0.0
    assert res.value == pytest.approx(best, rel=1e-9)
