"""A level that cannot hold one element of an operand it keeps is named in the 'nothing fits' error."""

import dataclasses

import pytest

from carbonloop.errors import SpecError
from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper.search import search_layer
from carbonloop.workload import zoo


def test_a_buffer_narrower_than_one_weight_says_so():
    # A 4-bit cell under 8-bit weights (as a 4-bit CiM macro's cells under ZigZag's default 8-bit conv1d):
    # two_level's buffer cut to 4 bits cannot hold one 8-bit element of any operand, whatever the tiling
    acc = load_accelerator("two_level")
    small = dataclasses.replace(acc.memories[1], size_bits=4)
    acc = dataclasses.replace(acc, memories=(acc.memories[0], small))
    layer = zoo.get("conv1d").layers[0]
    assert all(op.bits == 8 for op in layer.operands)
    with pytest.raises(SpecError) as err:
        search_layer(layer, acc, "edp")
    assert "level 'buffer' holds 4 bits per instance but one" in str(err.value)
    assert "element of conv1d is 8 bits" in str(err.value) and "\n" not in str(err.value)
