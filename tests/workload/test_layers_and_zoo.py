"""Layers derive relevance from their axis relations; the MLPerf-Tiny zoo matches its published totals."""

from __future__ import annotations

import pytest

from carbonloop.errors import SpecError
from carbonloop.workload import conv1d, conv2d, dump_network, matmul, network_from_dict, zoo
from carbonloop.workload.yaml import load_network

# MACs and int8 weight bytes per network, summed over the Conv/Gemm nodes of the MLPerf-Tiny ONNX graphs in
# KULeuven-MICAS/carbonspot @ 0839b49 (zigzag/inputs/examples/workload/mlperf_tiny/*.onnx); the weight bytes
# equal that repository's expr.py size_workloads
TINY_TOTALS = {
    "ds_cnn": (2_656_768, 22_016),
    "mobilenet_v1": (7_489_664, 208_112),
    "resnet8": (12_501_632, 77_360),
    "autoencoder": (264_192, 264_192),
}


@pytest.mark.parametrize("name", sorted(TINY_TOTALS))
def test_mlperf_tiny_totals_match_the_reference(name):
    net = zoo.get(name)
    macs, weight_bytes = TINY_TOTALS[name]
    assert net.macs == macs
    assert net.weight_bytes() == weight_bytes


def test_relevance_is_derived_from_the_axes():
    layer = conv2d("c", K=8, C=4, OY=6, OX=6, FY=3, FX=3)
    assert layer.relevance("I", "K") == "irrelevant"
    assert layer.relevance("I", "FY") == "window"
    assert layer.relevance("I", "C") == "relevant"
    assert layer.relevance("W", "OX") == "irrelevant"
    assert layer.reduction_dims == ("C", "FY", "FX")


def test_depthwise_conv_has_groups_and_no_channel_loops():
    dw = conv2d("dw", K=16, C=16, groups=16, OY=5, OX=5, FY=3, FX=3)
    assert dw.dim_names == ("G", "OY", "OX", "FY", "FX")
    assert dw.macs == 16 * 5 * 5 * 9 and dw.weights == 16 * 9
    assert dw.reduction_dims == ("FY", "FX")


def test_strided_window_footprints_count_distinct_inputs():
    # 1x1 stride-2 conv on an 8x8 output reads 8 rows x 8 cols (every other pixel): 64 per channel
    assert conv2d("s", K=2, C=3, OY=8, OX=8, stride=2).footprint("I") == 3 * 64
    # 3x3 stride-2: 2*(8-1)+3 = 17 rows and cols
    assert conv2d("s", K=2, C=3, OY=8, OX=8, FY=3, FX=3, stride=2).footprint("I") == 3 * 17 * 17
    # 2x2 stride-3: windows do not touch: 8 windows of 2 = 16 per axis
    assert conv2d("s", K=1, C=1, OY=8, OX=8, FY=2, FX=2, stride=3).footprint("I") == 16 * 16


def test_matmul_without_constant_operand_has_no_weights():
    qk = matmul("qk", M=128, N=128, K=64, B=4, weight_constant=False)
    assert qk.weights == 0 and qk.macs == 4 * 128 * 128 * 64


@pytest.mark.parametrize("name", ["conv1d", "ds_cnn", "resnet8"])
def test_yaml_round_trip_gives_an_equal_network(name, tmp_path):
    net = zoo.get(name)
    path = tmp_path / "n.yaml"
    path.write_text(dump_network(net))
    back = load_network(path)
    assert back.layers == net.layers and set(back.edges) == set(net.edges)


def test_typed_layers_in_yaml():
    net = network_from_dict(
        {
            "name": "n",
            "layers": [
                {
                    "name": "a",
                    "type": "conv2d",
                    "params": {"K": 8, "C": 3, "OY": 4, "OX": 4, "FY": 3, "FX": 3},
                },
                {
                    "name": "b",
                    "type": "fc",
                    "params": {"in_features": 128, "out_features": 10},
                    "inputs": ["a"],
                },
                {
                    "name": "c",
                    "dims": {"M": 4, "P": 5, "R": 3},
                    "operands": [
                        {"name": "F", "role": "W", "axes": ["M", "R"]},
                        {"name": "X", "role": "I", "axes": ["P + R - 1"]},
                        {"name": "Y", "role": "O", "axes": ["M", "P"], "partial_bits": 24},
                    ],
                },
            ],
        }
    )
    assert [lay.macs for lay in net.layers] == [8 * 3 * 16 * 9, 1280, 60]
    assert net.layers[2].footprint("X") == 5 + 3 - 1
    assert net.producers("b")[0].producer == "a"
    assert net.layers[2].operand("Y").psum_bits == 24


def test_conv1d_default_shape():
    layer = zoo.get("conv1d").layers[0]
    assert layer == conv1d("conv1d", M=32, P=16, R=3)
    assert (layer.footprint("W"), layer.footprint("I"), layer.footprint("O")) == (96, 18, 512)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "n", "layers": [{"name": "a", "type": "warp", "params": {}}]}, "layers[0].type"),
        ({"name": "n", "layers": [{"name": "a", "dims": {"M": -1}, "operands": []}]}, "layers[0].dims.M"),
        ({"name": "n", "layers": [{"name": "a", "type": "conv2d", "params": {"K": 2}}]}, "layers[0].params"),
        (
            {
                "name": "n",
                "layers": [
                    {"name": "a", "dims": {"M": 2}, "operands": [{"name": "O", "role": "O", "axes": ["Q"]}]}
                ],
            },
            "operands",
        ),
    ],
)
def test_bad_workload_yaml_names_the_field(data, field):
    with pytest.raises(SpecError) as err:
        network_from_dict(data, "w.yaml")
    assert err.value.source == "w.yaml"
    assert field in err.value.field
