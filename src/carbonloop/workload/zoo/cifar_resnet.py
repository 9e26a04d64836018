"""The CIFAR ResNets of He et al. 2016 (section 4.2): depth 6n+2, three stages of n basic blocks.

"Deep Residual Learning for Image Recognition", CVPR 2016, Table 6: ResNet-20/32/44/56/110 have
0.27M/0.46M/0.66M/0.85M/1.7M parameters. The stages have ``width``, 2x and 4x channels (16/32/64 in the
paper) on 32x32, 16x16 and 8x8 maps; shortcuts are identities, subsampled and zero-padded where the
shape changes (option A, no parameters), so each block ends in an ``add`` layer.
"""

from __future__ import annotations

from carbonloop.errors import SpecError
from carbonloop.workload.network import Network
from carbonloop.workload.zoo._graph import INPUT, Graph


def cifar_resnet(depth: int = 20, width: int = 16, classes: int = 10) -> Network:
    """ResNet-``depth`` for CIFAR (``depth = 6n + 2``: 20, 32, 44, 56, 110 ...) with ``width`` base channels."""
    if depth < 8 or (depth - 2) % 6:
        raise SpecError("<zoo>", "cifar_resnet.depth", f"must be 6n+2 with n >= 1 (got {depth})")
    n = (depth - 2) // 6
    name = f"cifar_resnet{depth}" + ("" if width == 16 else f"_w{width}")
    g = Graph(name, (3, 32, 32))
    x = g.conv("conv1", INPUT, width, 3)
    for stage in range(3):
        channels = width * 2**stage
        for i in range(n):
            p = f"stage{stage + 1}.{i}"
            s = 2 if i == 0 and stage > 0 else 1
            y = g.conv(f"{p}.conv1", x, channels, 3, s)
            y = g.conv(f"{p}.conv2", y, channels, 3)
            x = g.add_shortcut(f"{p}.add", y, x)
    x = g.global_pool("avgpool", x)
    g.fc("fc", x, classes)
    return g.network()


def resnet20() -> Network:
    return cifar_resnet(20)


def resnet32() -> Network:
    return cifar_resnet(32)


def resnet56() -> Network:
    return cifar_resnet(56)
