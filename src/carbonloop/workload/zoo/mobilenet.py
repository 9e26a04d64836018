"""MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov, Chen, "MobileNetV2: Inverted Residuals and Linear
Bottlenecks", CVPR 2018): Table 2's inverted-residual stages; 300M multiply-adds and 3.4M parameters at
224x224 with width 1.0 (Table 4). The backbone function is shared with SSD and DeepLab (mlperf_mobile).
"""

from __future__ import annotations

from carbonloop.workload.network import Network
from carbonloop.workload.zoo._graph import INPUT, Graph

# (expansion t, output channels c, repeats n, first stride s): Table 2 of Sandler et al. 2018
STAGES = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def mobilenet_v2_backbone(g: Graph, *, output_stride: int = 32, last_conv: bool = True) -> dict[str, str]:
    """Append MobileNetV2's convolutions to ``g``; return named endpoints (TF slim ``layer_N`` names).

    With ``output_stride`` < 32 the later strides become dilations (DeepLab's atrous backbone): the
    stride that would exceed it is dropped and the following depthwise convs dilate by the skipped factor.
    """
    ends: dict[str, str] = {}
    x = g.conv("layer_1", INPUT, 32, 3, 2)
    stride, rate, index = 2, 1, 2
    for t, c, n, s in STAGES:
        for i in range(n):
            p = f"layer_{index}"
            block_stride = s if i == 0 else 1
            d = rate
            if block_stride > 1 and stride * block_stride > output_stride:
                rate *= block_stride
                block_stride = 1
            elif block_stride > 1:
                stride *= block_stride
            cin = g.shape[x][0]
            y = x
            if t != 1:
                y = g.conv(f"{p}.expand", y, cin * t, 1)
                ends[f"{p}/expansion_output"] = y
            y = g.dwconv(f"{p}.depthwise", y, 3, block_stride, d=d)
            ends[f"{p}/depthwise_output"] = y
            y = g.conv(f"{p}.project", y, c, 1)
            if block_stride == 1 and cin == c:
                y = g.add(f"{p}.add", y, x)
            x = y
            ends[p] = x
            index += 1
    if last_conv:
        x = g.conv(f"layer_{index}", x, 1280, 1)
        ends[f"layer_{index}"] = x
    ends["output"] = x
    return ends


def mobilenet_v2(classes: int = 1000, resolution: int = 224) -> Network:
    """MobileNetV2 1.0 classifier: backbone, global average pool, fully connected ``classes``."""
    g = Graph("mobilenet_v2", (3, resolution, resolution))
    x = mobilenet_v2_backbone(g)["output"]
    x = g.global_pool("avgpool", x)
    g.fc("classifier", x, classes)
    return g.network()
