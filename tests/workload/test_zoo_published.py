"""The zoo's totals against the published MAC and parameter counts (within 1 %, and exactly where the
publication lists every parameter: ``weights`` here are conv/fc weight values; the published parameter
counts add batch-norm scale+shift (2 per conv output channel) and biases, which the tests add back).

Sources:
- [TV] torchvision model documentation, ``*_Weights.IMAGENET1K_V1``: ``num_params`` and ``GFLOPS``
  (torchvision's GFLOPS are multiply-accumulates, fvcore convention).
- [He16] He et al., "Deep Residual Learning for Image Recognition", CVPR 2016: Table 1 (ImageNet FLOPs,
  i.e. multiply-adds), Table 6 (CIFAR parameters).
- [Li17] Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017, Table 1 (CIFAR ResNet FLOPs, MACs).
- [Sa18] Sandler et al., "MobileNetV2", CVPR 2018, Table 4: 300M multiply-adds, 3.4M parameters.
- [SZ15] Simonyan and Zisserman, ICLR 2015, Table 2: VGG-16 (D) has 138M parameters.
"""

from __future__ import annotations

import pytest

from carbonloop.workload import zoo
from carbonloop.workload.network import Network


def within(ours: int, published: float, tol: float = 0.01) -> bool:
    return abs(ours - published) <= tol * published


def conv_channels(net: Network) -> int:
    """Sum of output channels of the convolutions (each has a batch norm: 2 parameters per channel)."""
    return sum(
        int(layer.info["channels_out"]) for layer in net.layers if layer.kind in ("conv", "dwconv", "gconv")
    )


def fc_outputs(net: Network) -> int:
    return sum(int(layer.info["out_features"]) for layer in net.layers if layer.kind == "fc")


# name, published MACs [TV], published parameters [TV]
IMAGENET = [
    ("resnet18", 1.81e9, 11_689_512),
    ("resnet34", 3.66e9, 21_797_672),
    ("resnet50", 4.09e9, 25_557_032),
    ("mobilenet_v2", 0.30e9, 3_504_872),
    ("vgg16", 15.47e9, 138_357_544),
]


@pytest.mark.parametrize(("name", "macs", "params"), IMAGENET)
def test_imagenet_networks_match_torchvision_within_one_percent(name, macs, params):
    net = zoo.get(name)
    assert within(net.macs, macs), (net.macs, macs)
    # conv/fc weights alone: batch norm and biases are 0.09 % (ResNet-18) to 1.0 % (MobileNetV2) more
    assert within(net.weights, params, 0.011), (net.weights, params)


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "mobilenet_v2"])
def test_batch_norm_networks_parameter_count_is_exact(name):
    # torchvision: conv (no bias) + BN (weight, bias) per output channel; the classifier has a bias
    net = zoo.get(name)
    published = dict((n, p) for n, _, p in IMAGENET)[name]
    assert net.weights + 2 * conv_channels(net) + fc_outputs(net) == published


def test_vgg16_parameter_count_is_exact_with_biases():
    # [TV]/[SZ15]: every conv and fc layer has one bias per output: 13,416 biases
    net = zoo.get("vgg16")
    biases = conv_channels(net) + fc_outputs(net)
    assert biases == 13_416
    assert net.weights + biases == 138_357_544
    assert within(net.weights, 138e6)  # [SZ15] Table 2


def test_papers_own_figures():
    assert within(zoo.get("resnet18").macs, 1.8e9)  # [He16] Table 1
    assert within(zoo.get("resnet34").macs, 3.6e9, 0.02)  # [He16] Table 1 gives 2 digits: 3.66 rounds to 3.6
    assert within(zoo.get("mobilenet_v2").macs, 300e6)  # [Sa18] Table 4
    # the paper's 3.4M counts conv/fc weights of the 1000-class head and rounds down: 3.47M
    assert within(zoo.get("mobilenet_v2").weights, 3.4e6, 0.025)


# depth, published parameters [He16 Table 6], published MACs [Li17 Table 1] (None: not published)
CIFAR = [(20, 0.27e6, None), (32, 0.46e6, None), (56, 0.85e6, 1.25e8), (110, 1.7e6, 2.53e8)]


@pytest.mark.parametrize(("depth", "params", "macs"), CIFAR)
def test_cifar_resnets_match_he_2016_and_li_2017(depth, params, macs):
    net = zoo.get(f"cifar_resnet:depth={depth}")
    # option-A shortcuts have no parameters: conv weights + BN + fc bias is the whole model
    full = net.weights + 2 * conv_channels(net) + fc_outputs(net)
    tol = 0.01 if depth < 110 else 0.03  # "1.7M" has two digits: 1.72M rounds to it
    assert within(full, params, tol), (full, params)
    if macs is not None:
        assert within(net.macs, macs), (net.macs, macs)


def test_cifar_resnet20_by_hand():
    # conv1 3->16 on 32x32; 6 convs 16->16 (32x32); 32-ch stage: 1 conv 16->32 + 5 convs 32->32 (16x16);
    # 64-ch stage alike (8x8); fc 64->10. Each 3x3 conv of the same width costs 9*C*K*H*W = 2,359,296 MACs.
    expected_macs = 3 * 16 * 9 * 1024 + 16 * 2_359_296 + 2 * 1_179_648 + 640
    expected_weights = 432 + 6 * 2304 + 4608 + 5 * 9216 + 18432 + 5 * 36864 + 640
    net = zoo.get("resnet20")
    assert (net.macs, net.weights) == (expected_macs, expected_weights) == (40_551_040, 268_336)


def test_width_and_depth_are_parameters():
    wide = zoo.get("cifar_resnet:depth=20,width=32")
    assert wide.name == "cifar_resnet20_w32"
    # doubling every width multiplies the 3x3 convs by 4 (the stem and fc by 2)
    base = zoo.get("resnet20")
    assert wide.layer("stage2.1.conv1").macs == 4 * base.layer("stage2.1.conv1").macs
    with pytest.raises(Exception, match="6n\\+2"):
        zoo.get("cifar_resnet:depth=21")


def test_residual_networks_list_their_adds_and_pools():
    net = zoo.get("resnet50")
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("add") == 16 and kinds.count("pool") == 2  # 3+4+6+3 blocks; max pool + avg pool
    add = net.layer("layer1.0.add")
    assert {(e.producer, e.operand) for e in net.producers(add.name)} == {
        ("layer1.0.conv3", "I"),
        ("layer1.0.downsample", "W"),
    }
