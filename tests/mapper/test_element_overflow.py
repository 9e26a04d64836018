"""A level that cannot hold one element of an operand it keeps is named in the 'nothing fits' error."""

import pytest

from carbonloop.errors import SpecError
from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper.search import search_layer
from carbonloop.workload import zoo


def test_four_bit_cells_under_eight_bit_weights_say_so():
    # Sinangil's macro (JSSC 2021) stores 4-bit weights, one per cell level instance (4 bits); the zoo's
    # conv1d has ZigZag's default 8-bit weights, so no tile of the cells fits: 8 > 4
    layer = zoo.get("conv1d").layers[0]
    with pytest.raises(SpecError) as err:
        search_layer(layer, load_accelerator("cim_sinangil_7nm"), "edp")
    assert "level 'cells' holds 4 bits per instance but one W element of conv1d is 8 bits" in str(err.value)
