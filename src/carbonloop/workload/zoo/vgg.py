"""VGG (Simonyan and Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition",
ICLR 2015), configurations A/B/D/E of Table 1 (VGG-11/13/16/19) on 224x224: 3x3 convs, 2x2 max pools,
three fully connected layers (4096, 4096, classes). VGG-16 has 138M parameters (Table 2).
"""

from __future__ import annotations

from carbonloop.errors import SpecError
from carbonloop.workload.network import Network
from carbonloop.workload.zoo._graph import INPUT, Graph

# convs per stage (channels 64, 128, 256, 512, 512)
CONFIGS = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}


def vgg(depth: int = 16, classes: int = 1000) -> Network:
    """VGG-``depth`` (11, 13, 16 or 19) without batch norm, as torchvision builds it."""
    if depth not in CONFIGS:
        raise SpecError("<zoo>", "vgg.depth", f"must be one of {sorted(CONFIGS)} (got {depth})")
    g = Graph(f"vgg{depth}", (3, 224, 224))
    x = INPUT
    for stage, (n, channels) in enumerate(zip(CONFIGS[depth], (64, 128, 256, 512, 512), strict=True), 1):
        for i in range(n):
            x = g.conv(f"conv{stage}_{i + 1}", x, channels, 3)
        x = g.pool(f"pool{stage}", x, 2, 2)
    x = g.fc("fc6", x, 4096)
    x = g.fc("fc7", x, 4096)
    g.fc("fc8", x, classes)
    return g.network()


def vgg16() -> Network:
    """VGG-16: 15.47 GMACs, 138,357,544 parameters (torchvision ``VGG16_Weights.IMAGENET1K_V1``)."""
    return vgg(16)
