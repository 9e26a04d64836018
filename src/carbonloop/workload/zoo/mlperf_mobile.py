"""The four MLPerf-Mobile v0.7 networks (Reddi et al., "MLPerf Mobile Inference Benchmark", MLSys 2022),
built from their published architectures with TensorFlow ``SAME`` padding, as the reference tflite models.

CarbonSpot (Sun et al., IEEE TCAD 2025) evaluates the same four models; its int8 weight bytes and op
counts (KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py`` ``__main__``: ``size_workloads``, ``ops_workloads``) are the oracle the
tests check: MobileNet-EdgeTPU, SSD-MobileNetV2 and DeepLabV3-MobileNetV2 agree exactly (ops = 2 x MACs),
MobileBERT within 2 % (the gap is explained in docs/workloads.md).
"""

from __future__ import annotations

from carbonloop.workload.network import Network
from carbonloop.workload.zoo._graph import INPUT, Graph
from carbonloop.workload.zoo.mobilenet import mobilenet_v2_backbone

# MobileNet-EdgeTPU blocks: (fused?, kernel, stride, expansion factor, output channels, residual allowed)
# from the V3_EDGETPU definition in tensorflow/models research/slim/nets/mobilenet/mobilenet_v3.py.
EDGETPU_BLOCKS = (
    [(True, 3, 1, 1, 16, True), (True, 3, 2, 8, 32, True)]
    + [(True, 3, 1, 4, 32, True)] * 3
    + [(True, 3, 2, 8, 48, True)]
    + [(True, 3, 1, 4, 48, True)] * 3
    + [(False, 3, 2, 8, 96, True)]
    + [(False, 3, 1, 4, 96, True)] * 3
    + [(False, 3, 1, 8, 96, False)]
    + [(False, 3, 1, 4, 96, True)] * 3
    + [(False, 5, 2, 8, 160, True)]
    + [(False, 5, 1, 4, 160, True)] * 3
    + [(False, 3, 1, 8, 192, True)]
)


def mobilenet_edgetpu(classes: int = 1001, resolution: int = 224) -> Network:
    """MobileNet-EdgeTPU (Gupta and Akin, Google AI blog 2019; Gupta and Tan, arXiv 2003.02838).

    The first ten blocks are "fused" inverted residuals (a full k x k expansion conv instead of 1x1 +
    depthwise; with expansion 1 there is no expansion conv), the rest MobileNetV2 blocks, no
    squeeze-excite; 1280-channel head, 1001 classes. 990.7 M MACs, 4,052,832 weights (CarbonSpot).
    """
    g = Graph("mobilenet_edgetpu", (3, resolution, resolution), padding="same")
    x = g.conv("conv0", INPUT, 32, 3, 2)
    for i, (fused, k, s, ef, n, residual) in enumerate(EDGETPU_BLOCKS, start=1):
        p = f"block{i}"
        cin = g.shape[x][0]
        y = x
        if fused:
            if ef > 1:
                y = g.conv(f"{p}.fused_expand", y, cin * ef, k, s)
        else:
            y = g.conv(f"{p}.expand", y, cin * ef, 1)
            y = g.dwconv(f"{p}.depthwise", y, k, s)
        y = g.conv(f"{p}.project", y, n, 1)
        if residual and s == 1 and cin == n:
            y = g.add(f"{p}.add", y, x)
        x = y
    x = g.conv("conv_head", x, 1280, 1)
    x = g.global_pool("avgpool", x)
    g.fc("logits", x, classes)
    return g.network()


def ssd_mobilenet_v2(classes: int = 91, resolution: int = 300) -> Network:
    """SSD-MobileNetV2 300x300 (Liu et al., "SSD", ECCV 2016; Sandler et al. 2018, section 6.2).

    Feature maps: ``layer_15/expansion_output`` (576 ch, 19x19) and the 1280-channel conv (10x10), then
    four extra stages (1x1 to d/2, depthwise 3x3/2, 1x1 to d = 512, 256, 256, 128); box predictors are
    3x3 convs with 3 anchors on the first map and 6 on the others, 4 box codes and ``classes`` scores
    (90 COCO classes + background). 1.875 G MACs, 16,795,712 weights, as CarbonSpot's graph.
    """
    g = Graph("ssd_mobilenet_v2", (3, resolution, resolution), padding="same")
    ends = mobilenet_v2_backbone(g)
    maps = [ends["layer_15/expansion_output"], ends["output"]]
    x = ends["output"]
    for i, depth in enumerate((512, 256, 256, 128), start=1):
        x = g.conv(f"extra{i}.reduce", x, depth // 2, 1)
        x = g.dwconv(f"extra{i}.depthwise", x, 3, 2)
        x = g.conv(f"extra{i}.expand", x, depth, 1)
        maps.append(x)
    for i, fmap in enumerate(maps):
        anchors = 3 if i == 0 else 6
        g.conv(f"box{i}.boxes", fmap, anchors * 4, 3)
        g.conv(f"box{i}.classes", fmap, anchors * classes, 3)
    return g.network()


def deeplabv3_mnv2(classes: int = 32, resolution: int = 512) -> Network:
    """DeepLabV3+ with a MobileNetV2 backbone for ADE20K (Chen et al., "Encoder-Decoder with Atrous
    Separable Convolution for Semantic Image Segmentation", ECCV 2018), as MLPerf-Mobile uses it.

    Output stride 16 (the last stride becomes dilation 2), no 1280 conv; ASPP reduced to image pooling
    and a 1x1 branch (256 ch each) and a 1x1 projection; decoder on ``layer_4/depthwise_output``
    (144 ch, stride 4) reduced to 48 ch, two separable 3x3 convs (256 ch) and 1x1 logits for 32 classes
    (31 + background) at stride 4. 5.277 G MACs, 2,238,576 weights, as CarbonSpot's graph.
    """
    g = Graph("deeplabv3_mnv2", (3, resolution, resolution), padding="same")
    ends = mobilenet_v2_backbone(g, output_stride=16, last_conv=False)
    x = ends["output"]
    _, H, W = g.shape[x]
    pooled = g.global_pool("aspp.image_pool", x)
    pooled = g.conv("aspp.image_pool_conv", pooled, 256, 1)
    pooled = g.resize("aspp.image_pool_upsample", pooled, H, W)
    branch = g.conv("aspp.conv0", x, 256, 1)
    x = g.conv("aspp.projection", g.concat("aspp.concat", pooled, branch), 256, 1)
    low = g.conv("decoder.feature_projection", ends["layer_4/depthwise_output"], 48, 1)
    _, h, w = g.shape[low]
    x = g.concat("decoder.concat", g.resize("decoder.upsample", x, h, w), low)
    for i in range(2):
        x = g.dwconv(f"decoder.conv{i}.depthwise", x, 3)
        x = g.conv(f"decoder.conv{i}.pointwise", x, 256, 1)
    g.conv("logits", x, classes, 1)
    return g.network()


def mobilebert(seq_len: int = 384, layers: int = 24) -> Network:
    """MobileBERT (Sun et al., "MobileBERT: a Compact Task-Agnostic BERT for Resource-Limited Devices",
    ACL 2020) for SQuAD at sequence length ``seq_len``: 24 layers, inter-block width 512, bottleneck 128,
    4 heads, 4 stacked feed-forward networks of width 512, shared key/query bottleneck.

    The embedding lookups (word, position, segment) move data and are not layers; the trigram embedding
    transformation (3 x 128 -> 512) is. Q*K^T and scores*V multiply activations (no parameters).
    """
    hidden, inner, heads, ffn, head_dim = 512, 128, 4, 512, 32
    g = Graph("mobilebert", (3 * 128, seq_len, 1))
    h = g.dense("embedding.transformation", INPUT, hidden)
    for i in range(layers):
        p = f"layer{i}"
        bottleneck = g.dense(f"{p}.bottleneck.input", h, inner)
        shared = g.dense(f"{p}.bottleneck.attention", h, inner)
        q = g.dense(f"{p}.attention.query", shared, inner)
        k = g.dense(f"{p}.attention.key", shared, inner)
        v = g.dense(f"{p}.attention.value", h, inner)
        scores = g.attention_matmul(
            f"{p}.attention.scores", q, k, M=seq_len, N=seq_len, K=head_dim, heads=heads
        )
        context = g.attention_matmul(
            f"{p}.attention.context", scores, v, M=seq_len, N=head_dim, K=seq_len, heads=heads
        )
        x = g.dense(f"{p}.attention.output", context, inner)
        x = g.seq_add(f"{p}.attention.add", x, bottleneck)
        for j in range(4):
            y = g.dense(f"{p}.ffn{j}.intermediate", x, ffn)
            y = g.dense(f"{p}.ffn{j}.output", y, inner)
            x = g.seq_add(f"{p}.ffn{j}.add", y, x)
        x = g.dense(f"{p}.bottleneck.output", x, hidden)
        h = g.seq_add(f"{p}.output.add", x, h)
    g.dense("qa_outputs", h, 2)
    return g.network()
