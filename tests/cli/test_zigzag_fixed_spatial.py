"""Whether ZigZag's fixed spatial loops pad a dimension is decided by their product per dimension."""

from carbonloop.cli.interop_eval import _fixed_spatial_pads


def test_two_factors_that_each_divide_can_still_pad():
    # meta_prototype's mixed mapping on ResNet-18 layer3.0/conv1: OX 2 on D3 and OX 2 on D4 over OX = 14;
    # 14 % 2 == 0 for each factor, but together they unroll 4 and 14 % 4 == 2: the nest is padded
    spatial = {"D3": [("OX", 2)], "D4": [("OX", 2), ("K", 4)]}
    assert _fixed_spatial_pads({"OX": 14, "K": 256}, spatial)
    # OX = 16: 16 % 4 == 0 and K 256 % 4 == 0, nothing padded
    assert not _fixed_spatial_pads({"OX": 16, "K": 256}, spatial)
