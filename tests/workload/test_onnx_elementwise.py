"""Element-wise and pooling layers: their own loop dims, no MACs, and ops counted one per iteration."""

from __future__ import annotations

import pytest

from carbonloop.errors import SpecError
from carbonloop.workload import zoo
from carbonloop.workload.builders import conv2d
from carbonloop.workload.elementwise import NON_MAC_KINDS, eltwise, pool2d, tensor_dims
from carbonloop.workload.network import chain


def test_add_has_no_reduction_and_no_macs():
    add = eltwise("add", shape=(1, 64, 56, 56), kind="add")
    assert add.sizes == {"K": 64, "OY": 56, "OX": 56}
    assert add.reduction_dims == ()
    assert add.macs == 0 and add.ops == 64 * 56 * 56 and add.weights == 0
    assert {o.role for o in add.operands} == {"I", "W", "O"}
    assert add.footprint("I") == add.footprint("W") == add.footprint("O") == 64 * 56 * 56


def test_broadcast_operand_spans_only_its_own_axes():
    gate = eltwise("se_scale", shape=(1, 96, 14, 14), kind="mul", second_shape=(1, 96, 1, 1))
    assert gate.footprint("W") == 96 and gate.footprint("I") == 96 * 14 * 14
    assert gate.relevance("W", "OY") == "irrelevant"


def test_sequence_tensors_use_matmul_names():
    assert tensor_dims((1, 384, 512)) == ("B", "OY", "K")
    add = eltwise("res", shape=(1, 384, 512))
    assert add.sizes == {"OY": 384, "K": 512}


def test_pool_window_is_reduced_and_global_pool_covers_the_map():
    mp = pool2d("mp", C=64, OY=56, OX=56, FY=3, FX=3, stride=2)
    assert mp.reduction_dims == ("FY", "FX") and mp.footprint("I") == 64 * 113 * 113
    gap = pool2d("gap", C=512, OY=1, OX=1, FY=7, FX=7, mode="avg")
    assert gap.footprint("I") == 512 * 49 and gap.footprint("O") == 512
    assert gap.output.psum_bits == 16 and mp.output.psum_bits == 8


def test_non_mac_layers_keep_network_macs_and_tiny_totals():
    conv = conv2d("c", K=8, C=8, OY=4, OX=4, FY=3, FX=3)
    net = chain(
        "n", [conv, eltwise("a", shape=(1, 8, 4, 4)), pool2d("p", C=8, OY=1, OX=1, FY=4, FX=4, mode="avg")]
    )
    assert net.macs == conv.macs == 8 * 8 * 16 * 9
    assert {"add", "mul", "pool"} <= NON_MAC_KINDS
    # MLPerf-Tiny totals (CarbonSpot's ONNX graphs, KULeuven-MICAS/carbonspot @ 0839b49) are unchanged by the NON_MAC_KINDS rule
    totals = {n: zoo.get(n).macs for n in ("ds_cnn", "mobilenet_v1", "resnet8", "autoencoder")}
    assert totals == {
        "ds_cnn": 2_656_768,
        "mobilenet_v1": 7_489_664,
        "resnet8": 12_501_632,
        "autoencoder": 264_192,
    }


def test_bad_element_wise_arguments_are_spec_errors():
    with pytest.raises(SpecError, match="element-wise kind"):
        eltwise("x", shape=(4,), kind="pow")
    with pytest.raises(SpecError, match="mode"):
        pool2d("p", C=1, OY=1, OX=1, FY=2, FX=2, mode="min")
