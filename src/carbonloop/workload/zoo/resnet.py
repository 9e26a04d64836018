"""ImageNet ResNets (He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016).

Built as torchvision defines them (``torchvision.models.resnet``): the stride of a bottleneck block is on
its 3x3 conv ("ResNet v1.5"), projection shortcuts (1x1 conv) where the shape changes, a 3x3/2 max pool
after the stem and a global average pool before the classifier. Residual adds and pools are layers
(kinds ``add``/``pool``: no MACs); batch norm and ReLU are folded into the convs and not listed.
"""

from __future__ import annotations

from carbonloop.errors import SpecError
from carbonloop.workload.network import Network
from carbonloop.workload.zoo._graph import INPUT, Graph

# depth -> (block type, blocks per stage); Table 1 of He et al. 2016
CONFIGS: dict[int, tuple[str, tuple[int, int, int, int]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}


def resnet(depth: int = 50, classes: int = 1000, resolution: int = 224) -> Network:
    """ResNet-``depth`` (18, 34, 50, 101, 152) for ``classes`` classes on a square ``resolution`` input."""
    if depth not in CONFIGS:
        raise SpecError("<zoo>", "resnet.depth", f"must be one of {sorted(CONFIGS)} (got {depth})")
    block, counts = CONFIGS[depth]
    g = Graph(f"resnet{depth}", (3, resolution, resolution))
    x = g.conv("conv1", INPUT, 64, 7, 2)
    x = g.pool("maxpool", x, 3, 2, pad=1)
    expansion = 1 if block == "basic" else 4
    for stage, (n, width) in enumerate(zip(counts, (64, 128, 256, 512), strict=True), start=1):
        for i in range(n):
            p = f"layer{stage}.{i}"
            s = 2 if i == 0 and stage > 1 else 1
            if block == "basic":
                y = g.conv(f"{p}.conv1", x, width, 3, s)
                y = g.conv(f"{p}.conv2", y, width, 3)
            else:
                y = g.conv(f"{p}.conv1", x, width, 1)
                y = g.conv(f"{p}.conv2", y, width, 3, s)
                y = g.conv(f"{p}.conv3", y, width * expansion, 1)
            shortcut = x
            if s != 1 or g.shape[x][0] != width * expansion:
                shortcut = g.conv(f"{p}.downsample", x, width * expansion, 1, s)
            x = g.add(f"{p}.add", y, shortcut)
    x = g.global_pool("avgpool", x)
    g.fc("fc", x, classes)
    return g.network()


def resnet18() -> Network:
    """ResNet-18: 1.81 GMACs, 11,689,512 parameters (torchvision ``ResNet18_Weights.IMAGENET1K_V1``)."""
    return resnet(18)


def resnet34() -> Network:
    """ResNet-34: 3.66 GMACs, 21,797,672 parameters (torchvision ``ResNet34_Weights.IMAGENET1K_V1``)."""
    return resnet(34)


def resnet50() -> Network:
    """ResNet-50 (v1.5): 4.09 GMACs, 25,557,032 parameters (torchvision ``ResNet50_Weights.IMAGENET1K_V1``)."""
    return resnet(50)
