"""CarbonSpot's SRAM holds weights only when the whole network's fit it (weight-stationary and IMC).

KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py``: ``get_accelerator`` sets ``enable_weight_dram_removal =
sram_size > workload_size`` (bytes of weights); ``memory_hierarchy_dut_for_pdigital_ws`` and ``_imc`` then
give the SRAM ``I1, I2, O`` (and the DRAM ``I1, O``), otherwise the SRAM ``I1, O`` and the DRAM all three, so
the weights go from DRAM straight into the weight registers or cells. The output-stationary SRAM always
holds them.
"""

from __future__ import annotations

import dataclasses

import pytest

import carbonloop
from carbonloop.errors import SpecError
from carbonloop.hardware.carbonspot import hardware_for_network
from carbonloop.hardware.imc import imc
from carbonloop.hardware.templates import digital
from carbonloop.workload.builders import matmul
from carbonloop.workload.network import Network

SRAM_BYTES = 8192  # 65 536 bits


def one_layer(k: int, n: int) -> Network:
    return Network("one", (matmul("fc", M=4, N=n, K=k),), ())


def test_the_sram_drops_the_weights_unless_the_network_fits_strictly():
    acc = digital(32, 32, SRAM_BYTES, "ws", profile="carbonspot")
    assert acc.hints["sram_weights"] == "when_network_fits"
    # 64 x 127 weights of 8 b = 65 024 b < 65 536 b: they fit, the SRAM keeps them
    assert hardware_for_network(acc, one_layer(64, 127)) is acc
    # 64 x 128 x 8 = 65 536 b: not larger than the weights (sram_size > workload_size fails), dropped
    same = hardware_for_network(acc, one_layer(64, 128))
    assert same.memories[1].operands == frozenset({"I", "O"})
    assert [m.operands for m in same.memories[2:]] == [m.operands for m in acc.memories[2:]]
    assert same.memories[0] == acc.memories[0] and "W" in same.memories[0].operands


def test_imc_drops_them_too_and_output_stationary_and_our_profile_never_do():
    big = one_layer(256, 256)  # 524 288 b of weights
    cells = hardware_for_network(imc("aimc", 32, 32, sram_bytes=SRAM_BYTES, profile="carbonspot"), big)
    assert cells.memories[1].operands == frozenset({"I", "O"})
    for acc in (
        digital(32, 32, SRAM_BYTES, "os", profile="carbonspot"),
        digital(32, 32, SRAM_BYTES, "ws"),
        imc("aimc", 32, 32, sram_bytes=SRAM_BYTES),
        digital(32, 32, SRAM_BYTES, "ws", profile="carbonspot-sram_weights_when_network_fits"),
    ):
        assert hardware_for_network(acc, big) is acc


def test_an_unknown_rule_is_a_one_line_error():
    acc = digital(32, 32, SRAM_BYTES, "ws", profile="carbonspot")
    odd = dataclasses.replace(acc, hints={**acc.hints, "sram_weights": "always"})
    with pytest.raises(SpecError) as err:
        hardware_for_network(odd, one_layer(64, 128))
    assert err.value.field == "hints.sram_weights" and "'always'" in err.value.message


def test_weights_then_reach_the_registers_from_dram_only():
    """A 64 x 256 layer (131 072 b of weights) on the 32x32 WS array with 8 KiB: no SRAM traffic of
    weights, and DRAM reads every weight at least once (64 x 256 = 16 384 words of 8 b)."""
    acc = digital(32, 32, SRAM_BYTES, "ws", profile="carbonspot")
    net = one_layer(64, 256)
    result = carbonloop.evaluate(net, acc, conventions="carbonspot", budget=200)
    cost = result.layers[0].cost
    assert result.accelerator.memories[1].operands == frozenset({"I", "O"})
    assert "W" not in cost.accesses["sram"]
    dram_w = cost.accesses["dram"]["W"]
    assert dram_w["reads"] >= 64 * 256
