"""The four MLPerf-Tiny networks, defined by code from their published layer shapes.

Shapes: the MLPerf-Tiny ONNX graphs in KULeuven-MICAS/carbonspot @ 0839b49
(``zigzag/inputs/examples/workload/mlperf_tiny/*.onnx``, converted from the MLPerf-Tiny reference models; Banbury et al., "MLPerf Tiny Benchmark", NeurIPS 2021 Datasets and Benchmarks).
Only the MAC layers (Conv, Gemm) are listed, as the reference totals count them.
"""

from __future__ import annotations

from carbonloop.workload.builders import conv2d, fully_connected
from carbonloop.workload.layer import Layer
from carbonloop.workload.network import Edge, Network, chain


def ds_cnn() -> Network:
    """DS-CNN keyword spotting (Zhang et al., arXiv 1711.07128): input 1x49x10, 64 channels, 12 classes."""
    layers: list[Layer] = [
        conv2d("conv0", K=64, C=1, OY=25, OX=5, FY=10, FX=4, stride=2, padding=(4, 1, 5, 1))
    ]
    for i in range(4):
        layers.append(conv2d(f"dw{i + 1}", K=64, C=64, groups=64, OY=25, OX=5, FY=3, FX=3, padding=1))
        layers.append(conv2d(f"pw{i + 1}", K=64, C=64, OY=25, OX=5))
    layers.append(fully_connected("fc", in_features=64, out_features=12))
    return chain("ds_cnn", layers)


def mobilenet_v1() -> Network:
    """MobileNetV1 0.25x for visual wake words (Howard et al., arXiv 1704.04861), 96x96x3 input."""
    layers: list[Layer] = [
        conv2d("conv0", K=8, C=3, OY=48, OX=48, FY=3, FX=3, stride=2, padding=(0, 0, 1, 1))
    ]
    # (channels in, stride of the depthwise conv, output size, channels out of the pointwise conv)
    blocks = [
        (8, 1, 48, 16),
        (16, 2, 24, 32),
        (32, 1, 24, 32),
        (32, 2, 12, 64),
        (64, 1, 12, 64),
        (64, 2, 6, 128),
    ]
    blocks += [(128, 1, 6, 128)] * 5 + [(128, 2, 3, 256), (256, 1, 3, 256)]
    for i, (cin, s, hw, cout) in enumerate(blocks, start=1):
        pad = 1 if s == 1 else (0, 0, 1, 1)
        layers.append(
            conv2d(f"dw{i}", K=cin, C=cin, groups=cin, OY=hw, OX=hw, FY=3, FX=3, stride=s, padding=pad)
        )
        layers.append(conv2d(f"pw{i}", K=cout, C=cin, OY=hw, OX=hw))
    layers.append(fully_connected("fc", in_features=256, out_features=2))
    return chain("mobilenet_v1", layers)


def resnet8() -> Network:
    """ResNet-8 for CIFAR-10 image classification (MLPerf-Tiny IC; He et al., CVPR 2016): three stacks."""
    L = [
        conv2d("conv0", K=16, C=3, OY=32, OX=32, FY=3, FX=3, padding=1),
        conv2d("s1_conv1", K=16, C=16, OY=32, OX=32, FY=3, FX=3, padding=1),
        conv2d("s1_conv2", K=16, C=16, OY=32, OX=32, FY=3, FX=3, padding=1),
        conv2d("s2_conv1", K=32, C=16, OY=16, OX=16, FY=3, FX=3, stride=2, padding=(0, 0, 1, 1)),
        conv2d("s2_conv2", K=32, C=32, OY=16, OX=16, FY=3, FX=3, padding=1),
        conv2d("s2_shortcut", K=32, C=16, OY=16, OX=16, stride=2),
        conv2d("s3_conv1", K=64, C=32, OY=8, OX=8, FY=3, FX=3, stride=2, padding=(0, 0, 1, 1)),
        conv2d("s3_conv2", K=64, C=64, OY=8, OX=8, FY=3, FX=3, padding=1),
        conv2d("s3_shortcut", K=64, C=32, OY=8, OX=8, stride=2),
        fully_connected("fc", in_features=64, out_features=10),
    ]
    # A stack's output is (conv2 + shortcut); both feed the next stack's conv1 and shortcut.
    pairs = [
        ("conv0", "s1_conv1"), ("s1_conv1", "s1_conv2"),
        ("s1_conv2", "s2_conv1"), ("conv0", "s2_conv1"), ("s1_conv2", "s2_shortcut"), ("conv0", "s2_shortcut"),
        ("s2_conv1", "s2_conv2"),
        ("s2_conv2", "s3_conv1"), ("s2_shortcut", "s3_conv1"), ("s2_conv2", "s3_shortcut"),
        ("s2_shortcut", "s3_shortcut"),
        ("s3_conv1", "s3_conv2"), ("s3_conv2", "fc"), ("s3_shortcut", "fc"),
    ]  # fmt: skip
    return Network("resnet8", tuple(L), tuple(Edge(a, b) for a, b in pairs))


def autoencoder() -> Network:
    """Deep autoencoder for anomaly detection (ToyADMOS; Koizumi et al., arXiv 1909.09347): 640-128x4-8-128x4-640."""
    widths = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640]
    layers = [
        fully_connected(f"fc{i}", in_features=a, out_features=b)
        for i, (a, b) in enumerate(zip(widths, widths[1:], strict=False))
    ]
    return chain("autoencoder", layers)
