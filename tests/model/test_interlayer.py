"""Inter-layer data: outputs that fit the on-chip buffer skip the DRAM round trip."""

from __future__ import annotations

import dataclasses

import pytest

from carbonloop.hardware import load_preset
from carbonloop.model.evaluate import evaluate
from carbonloop.model.interlayer import keep_activations_on_chip
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.workload import conv2d
from carbonloop.workload.network import Edge, Network

ACC = load_preset("os_array_16x16")


def whole_layer_in_buffer(layer) -> Mapping:
    return Mapping(
        (
            LevelMapping("dram"),
            LevelMapping("global_buffer", tuple(Loop(d, s) for d, s in layer.dims)),
            LevelMapping("registers"),
        )
    )


def two_layers() -> Network:
    a = conv2d("a", K=8, C=4, OY=4, OX=4)  # output 8 x 4 x 4 = 128 values
    b = conv2d("b", K=4, C=8, OY=4, OX=4)  # input 128 values
    return Network("pair", (a, b), (Edge("a", "b"),))


def _costs(net):
    return [evaluate(lay, ACC, whole_layer_in_buffer(lay)) for lay in net.layers]


def test_resident_output_skips_dram_write_and_read_back():
    net = two_layers()
    costs = _costs(net)
    assert costs[0].accesses["dram"]["O"]["updates"] == 128
    assert costs[1].accesses["dram"]["I"]["reads"] == 128
    new, report = keep_activations_on_chip(net, ACC, costs)
    assert report.resident == ("a",)
    assert new[0].accesses["dram"]["O"]["updates"] == 0
    assert new[1].accesses["dram"]["I"]["reads"] == 0
    assert new[1].accesses["global_buffer"]["I"]["fills"] == 0
    # 128 outputs + 128 inputs of 8 bits no longer cross the DRAM interface
    assert report.dram_bits_saved == 2 * 128 * 8
    # DRAM: 236.8 pJ per 64-bit word = 29.6 pJ per 8-bit value; buffer fill: 19.0988 pJ per 128-bit word
    expected = 256 * 29.6 + 128 * 8 / 128 * 19.0988
    assert report.energy_saved_pj == pytest.approx(expected)
    assert sum(c.energy_pj for c in costs) - sum(c.energy_pj for c in new) == pytest.approx(expected)


def test_output_that_does_not_fit_goes_to_dram():
    net = two_layers()
    costs = _costs(net)
    tiny = dataclasses.replace(
        ACC, memories=(ACC.memories[0], dataclasses.replace(ACC.memories[1], size_bits=1000), ACC.memories[2])
    )
    new, report = keep_activations_on_chip(net, tiny, costs)
    assert report.resident == () and report.dram_bits_saved == 0
    assert new[0].energy_pj == costs[0].energy_pj


def test_a_shortcut_stays_live_across_the_block():
    # a feeds b and c (a residual shortcut); b feeds c. a's output lives from a to c.
    a = conv2d("a", K=8, C=4, OY=4, OX=4)
    b = conv2d("b", K=8, C=8, OY=4, OX=4)
    c = conv2d("c", K=8, C=8, OY=4, OX=4)
    net = Network("res", (a, b, c), (Edge("a", "b"), Edge("b", "c"), Edge("a", "c")))
    costs = [evaluate(lay, ACC, whole_layer_in_buffer(lay)) for lay in net.layers]
    # weights on chip per layer: a 32, b 64, c 64 values x 8 b; activations 128 values x 8 b = 1024 b.
    # With 2600 bits: a's output (1024) fits at a (256 + 1024), b (512 + 1024) and c (512 + 1024);
    # b's output then needs 512 + 1024 + 1024 = 2560 <= 2600 at b and c: both stay.
    fits = dataclasses.replace(
        ACC, memories=(ACC.memories[0], dataclasses.replace(ACC.memories[1], size_bits=2600), ACC.memories[2])
    )
    assert keep_activations_on_chip(net, fits, costs)[1].resident == ("a", "b")
    # with 2500 bits b's output no longer fits beside the live shortcut: it goes to DRAM
    tight = dataclasses.replace(
        fits,
        memories=(fits.memories[0], dataclasses.replace(fits.memories[1], size_bits=2500), fits.memories[2]),
    )
    assert keep_activations_on_chip(net, tight, costs)[1].resident == ("a",)


def test_resident_output_saves_the_fills_as_charged_with_a_minimum_access():
    # the buffer writes at least 768 b at a time: layer b's 128 inputs (1024 b) arrive in one transfer,
    # charged ceil(1024 / 768) x 768 = 1536 b = 12 buffer words; keeping them on chip saves that, not 8 words
    net = two_layers()
    at = ACC.level_index("global_buffer")
    buffer = dataclasses.replace(ACC.memories[at], min_write_bits=(("I", 768),))
    acc = dataclasses.replace(ACC, memories=ACC.memories[:at] + (buffer,) + ACC.memories[at + 1 :])
    costs = [evaluate(lay, acc, whole_layer_in_buffer(lay)) for lay in net.layers]
    assert costs[1].access_energy_pj["global_buffer"]["I"]["fills"] == pytest.approx(12 * 19.0988)
    new, report = keep_activations_on_chip(net, acc, costs)
    assert report.resident == ("a",)
    expected = 256 * 29.6 + 12 * 19.0988
    assert report.energy_saved_pj == pytest.approx(expected)
    assert sum(c.energy_pj for c in costs) - sum(c.energy_pj for c in new) == pytest.approx(expected)
    assert new[1].access_energy_pj["global_buffer"]["I"]["fills"] == 0.0
    assert new[1].energy_breakdown_pj["global_buffer"]["I"] == pytest.approx(
        costs[1].access_energy_pj["global_buffer"]["I"]["reads"]
    )
