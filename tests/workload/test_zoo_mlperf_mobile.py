"""MLPerf-Mobile networks against CarbonSpot's graphs of the same models.

Oracle: KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py`` ``__main__`` (CarbonSpot, Sun et al.,
IEEE TCAD 2025; ``expr.py`` ``size_workloads`` = int8 weight bytes and ``ops_workloads``, from the
MLPerf-Mobile v0.7 tflite models converted to ONNX). For these four networks CarbonSpot's ops are exactly
2 x MACs (multiply + add). Architectures: Reddi et al., "MLPerf Mobile Inference Benchmark", MLSys 2022.
"""

from __future__ import annotations

import pytest

from carbonloop.workload import zoo

# zoo name -> (CarbonSpot key, weights_B, ops)
CARBONSPOT = {
    "mobilenet_edgetpu": ("mobilenet_edgetpu", 4_052_832, 1_981_340_928),
    "ssd_mobilenet_v2": ("mobilenet_v2", 16_795_712, 3_750_131_680),
    "deeplabv3_mnv2": ("deeplabv3", 2_238_576, 10_554_605_568),
    "mobilebert": ("mobilebert", 23_004_160, 17_667_194_880),
}


def test_mobile_suite_lists_the_four():
    assert set(zoo.SUITES["mobile"]) == set(CARBONSPOT)


@pytest.mark.parametrize("name", ["mobilenet_edgetpu", "ssd_mobilenet_v2", "deeplabv3_mnv2"])
def test_vision_networks_match_carbonspot_exactly(name):
    _, weight_bytes, ops = CARBONSPOT[name]
    net = zoo.get(name)
    assert net.weight_bytes() == net.weights == weight_bytes  # int8: one byte per weight
    assert 2 * net.macs == ops


def test_mobilebert_matches_carbonspot_within_two_percent():
    # Our count (Sun et al. 2020 architecture, sequence 384):
    #   24 layers x 835,584 weights (bottlenecks 2x512x128, Q/K 128x128, V 512x128, attention output
    #   128x128, 4 FFNs 2x128x512, output bottleneck 128x512) + embedding transformation 384x512 + QA
    #   head 512x2 = 20,251,648 weights; MACs = 384 tokens x weights + 24 x 2 x (4 heads x 384x384x32).
    net = zoo.get("mobilebert")
    assert net.weights == 24 * 835_584 + 384 * 512 + 512 * 2 == 20_251_648
    assert net.macs == 384 * 20_251_648 + 24 * 2 * 4 * 384 * 384 * 32 == 8_682_602_496
    _, weight_bytes, ops = CARBONSPOT["mobilebert"]
    # ZigZag (CarbonSpot's parser) reads every MatMul's second input as weights, also Q*K^T's keys and
    # scores*V's values: 24 x 2 x (4 x 32 x 384) = 2,359,296 more "weights". The rest of the gap
    # (393,216 weights, 150,994,944 MACs = 24 x 128x128 per token) is not in the published architecture.
    attention_operands = sum(
        layer.footprint("W")
        for layer in net.layers
        if layer.kind == "matmul" and not layer.operand("W").constant
    )
    assert attention_operands == 2_359_296
    assert abs(net.weights + attention_operands - weight_bytes) / weight_bytes < 0.02
    assert abs(2 * net.macs - ops) / ops < 0.02


def test_mobilebert_sequence_length_scales_token_work_linearly_and_attention_quadratically():
    short, full = zoo.get("mobilebert:seq_len=128"), zoo.get("mobilebert")
    dense = sum(layer.macs for layer in full.layers if layer.operand("W").constant)
    attention = full.macs - dense
    assert dense == 384 * full.weights and attention == 24 * 2 * 4 * 384 * 384 * 32
    assert short.macs == 128 * full.weights + 24 * 2 * 4 * 128 * 128 * 32


def test_ssd_has_six_feature_maps_with_box_and_class_heads():
    net = zoo.get("ssd_mobilenet_v2")
    heads = [layer for layer in net.layers if layer.name.startswith("box")]
    assert len(heads) == 12
    # 3 anchors x 91 scores on the 19x19 map of layer_15's expansion (576 channels), 3x3 kernel
    cls0 = net.layer("box0.classes")
    assert cls0.sizes == {"K": 273, "C": 576, "OY": 19, "OX": 19, "FY": 3, "FX": 3}
    assert {e.producer for e in net.producers("box0.classes")} == {"layer_15.expand"}


def test_deeplab_is_atrous_at_output_stride_16():
    net = zoo.get("deeplabv3_mnv2")
    late = net.layer("layer_16.depthwise")  # after the dropped stride: dilation 2, 32x32 map (512/16)
    assert late.info["dilation"] == [2, 2] and late.sizes["OY"] == 32
    assert net.layer("logits").sizes == {"K": 32, "C": 256, "OY": 128, "OX": 128}
    assert {e.producer for e in net.producers("aspp.projection")} == {"aspp.image_pool_conv", "aspp.conv0"}
