"""Operands held whole by a level (``Constraints.resident``): the mapper's optimum is the brute-force
optimum over the mappings that place no loop relevant to them above that level.

The oracle filters the brute force's mappings itself (tests/mapper/bruteforce.py shares no code with the
mapper), by the rule stated in ZigZag v2's ``SearchUnusedMemoryStage`` (KULeuven-MICAS/carbonspot @
f514704): an operand whose top memory is the SRAM has the SRAM's tile = its whole tensor.
"""

from __future__ import annotations

import numpy as np
import pytest
from bruteforce import brute_force
from hypothesis import given
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from carbonloop.mapper import Constraints, get_objective, search_layer
from carbonloop.model.evaluate import evaluate
from carbonloop.workload.builders import conv2d

from .test_per_operand_optimality import ORACLE, layers, os_array, split, ws_array

OBJECTIVES = ("energy", "latency", "edp")


def _relevant(layer, role: str) -> set[str]:
    op = next(o for o in layer.operands if o.role == role)
    return {d for axis in layer.effective_axes(op) for d, _ in axis}


def _holds_whole(mapping, layer, level_index: int, roles: tuple[str, ...]) -> bool:
    """No loop of a dim relevant to ``roles`` at any level above ``level_index`` (the oracle's own rule)."""
    dims = set().union(*(_relevant(layer, r) for r in roles))
    above = mapping.levels[:level_index]
    return all(lp.factor == 1 or lp.dim not in dims for lv in above for lp in lv.temporal)


def assert_resident_optimum(layer, acc, level: str, roles: tuple[str, ...], imperfect: bool = False) -> None:
    e, lat, maps = brute_force(layer, acc, imperfect=imperfect)
    x = acc.level_names.index(level)
    keep = np.array([_holds_whole(m, layer, x, roles) for m in maps], dtype=bool)
    constraints = Constraints(resident=((level, roles),))
    if not keep.any():
        with pytest.raises(SpecError, match="no mapping of"):
            search_layer(layer, acc, "edp", constraints=constraints, imperfect=imperfect)
        return
    for objective in OBJECTIVES:
        obj = get_objective(objective)
        best = float(obj.value(e[keep], lat[keep]).min())
        res = search_layer(layer, acc, objective, constraints=constraints, imperfect=imperfect)
        assert res.optimal
        assert res.value == pytest.approx(best, rel=1e-9), (acc.name, layer.dims, objective, roles)
        assert _holds_whole(res.mapping, layer, x, roles)
        cost = evaluate(layer, acc, res.mapping)
        assert float(obj.value(cost.energy_pj, cost.latency_cycles)) == pytest.approx(best, rel=1e-9)


@ORACLE
@given(layers, st.sampled_from([("W",), ("I", "O"), ("W", "I", "O")]), st.booleans())
def test_resident_operands_optimum_equals_filtered_brute_force(layer, roles, weight_stationary):
    acc = ws_array(512) if weight_stationary else os_array(512)
    assert_resident_optimum(layer, acc, "SRAM", roles)


@ORACLE
@given(layers)
def test_inputs_and_outputs_resident_over_a_split_sram_equal_filtered_brute_force(layer):
    """ZigZag's case of a layer whose activations stay on chip while its weights stream: the SRAM's
    inputs and outputs cut above its weights (virtual levels), I and O whole, W refetched."""
    acc = split(os_array(512), "SRAM", ("IO", "W"))
    assert_resident_optimum(layer, acc, "SRAM.IO", ("I", "O"))


def test_resident_operands_with_imperfect_factors_equal_filtered_brute_force():
    """Imperfect factors: the level holding an operand whole takes the ceiling of what is left."""
    layer = conv2d("l", K=3, C=2, OY=1, OX=3, FY=1, FX=1)
    assert_resident_optimum(layer, ws_array(512), "SRAM", ("W",), imperfect=True)
    assert_resident_optimum(layer, os_array(512), "SRAM", ("I", "O"), imperfect=True)


def test_resident_weights_are_whole_in_the_sram_and_only_weightless_loops_stay_above():
    """K=4, C=8, OX=4 on the OS array with 384 b of SRAM and 8 b weights. Free, the energy optimum keeps
    the inputs whole in the SRAM (C x OX x 8 b = 256 b) and loops K at DRAM: the weights' SRAM tile is one
    K slice (8 x 8 b = 64 b). Held whole, the weights' tile is
    4 x 8 x 8 b = 256 b, and DRAM may loop only over OX, the one dim the weights ignore."""
    layer = conv2d("l", K=4, C=8, OY=1, OX=4, FY=1, FX=1)
    acc = os_array(384, w_bits=8)
    w = next(o.name for o in layer.operands if o.role == "W")
    free = search_layer(layer, acc, "energy")
    held = search_layer(layer, acc, "energy", constraints=Constraints(resident=(("SRAM", ("W",)),)))
    assert evaluate(layer, acc, free.mapping).tile_bits["SRAM"][w] == 8 * 8
    assert evaluate(layer, acc, held.mapping).tile_bits["SRAM"][w] == 4 * 8 * 8
    assert {lp.dim for lp in held.mapping.levels[0].temporal if lp.factor > 1} <= {"OX"}
    assert held.value > free.value  # the constraint binds: a narrower mapspace, a worse optimum


@pytest.mark.parametrize(
    ("resident", "message"),
    [
        ((("SRAMX", ("W",)),), "unknown memory level 'SRAMX'"),
        ((("Wreg", ("I",)),), "level 'Wreg' does not keep \\['I'\\]"),
    ],
)
def test_bad_resident_constraints_are_one_line_errors(resident, message):
    layer = conv2d("l", K=2, C=2, OY=1, OX=2, FY=1, FX=1)
    with pytest.raises(SpecError, match=message):
        search_layer(layer, os_array(512), "edp", constraints=Constraints(resident=resident))
