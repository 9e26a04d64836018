"""``carbonloop evaluate -w resnet8 -a cim_sinangil_7nm``: Sinangil's 4-b macro (IEEE JSSC 56(1), 2021) runs
the zoo's 8-b ResNet-8 sliced (the slicing rule of costs/cim/slicing.py: 2 weight slots, 2 input passes)."""

from __future__ import annotations

import json

import pytest

from carbonloop.cli import run


def test_resnet8_maps_onto_the_sliced_sinangil_preset(capsys) -> None:
    assert run(["evaluate", "-w", "resnet8", "-a", "cim_sinangil_7nm", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["accelerator"] == "cim_sinangil_7nm"
    layers = doc["layers"]
    assert [layer["name"] for layer in layers][:2] == ["conv0", "s1_conv1"]
    assert len(layers) == 10
    for layer in layers:
        # one 8-b weight per cell-level instance (two 4-b slots), 8-b words everywhere
        assert layer["tile_bits"]["cells"]["W"] == 8
        assert layer["word_bits"]["cells"]["W"] == 8
        # a full pass is 64 rows x (16 slots / 2) = 512 MACs in 2 cycles (two passes of the 4-b DAC):
        # compute cycles = 2 x MACs / (512 x spatial utilization)
        passes = layer["macs"] / (512 * layer["spatial_utilization"])
        assert passes == pytest.approx(round(passes), abs=1e-6)
        assert layer["latency_breakdown_cycles"]["compute"] == 2 * round(passes)
        parts = layer["compute_breakdown_pj"]
        assert parts["shift_add"] > 0 and parts["accumulators"] > 0  # the slots and passes are combined
    # conv0: 32 x 32 outputs x 16 channels x 3 x 3 x 3 input taps
    conv0 = layers[0]
    assert conv0["macs"] == 32 * 32 * 16 * 3 * 3 * 3 == 442368
    assert doc["macs"] == sum(layer["macs"] for layer in layers)
