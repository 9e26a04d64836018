"""The mapper's proof holds with a diagonal input register (``MemoryLevel.diagonal_inputs``, ZigZag's
weight diagonal mapping): its optimum equals the independent brute force (bruteforce.py, every mapping
of the mapspace scored by the model) for energy, latency and EDP, and it uses the input register's axis
on a depthwise-like layer, which it could not without the property.

The hardware is CarbonSpot's weight-stationary register sharing (Sun et al., IEEE TCAD 2025;
KULeuven-MICAS/carbonspot @ 0839b49 ``expr.py`` ``memory_hierarchy_dut_for_pdigital_ws``: W private, I
shared along D1, O along D2) on 4x4 PEs, energies chosen here.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import pytest
from bruteforce import brute_force
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from carbonloop.hardware.templates import digital
from carbonloop.hardware.yaml import accelerator_from_dict
from carbonloop.mapper import get_objective, search_layer
from carbonloop.model.conventions import get_conventions
from carbonloop.model.evaluate import evaluate
from carbonloop.workload import conv2d
from carbonloop.workload.zoo import ds_cnn

from ..memory_specs import memory_spec

OBJECTIVES = ("energy", "latency", "edp")


_mem = partial(memory_spec, read_pj=0.2, write_pj=0.3)


def ws_array(
    diagonal: bool = True, sram_bits: int = 256, conventions: str = "carbonloop", wide: bool = False
):
    """4x4 weight-stationary PEs: one-word I registers shared along D1 (diagonal or not), O along D2."""
    bw = {"read_bw_bits": 1024, "write_bw_bits": 1024} if wide else {"read_bw_bits": 16}
    acc = accelerator_from_dict(
        {
            "name": f"ws_diagonal_{diagonal}",
            "array": {"axes": {"D1": 4, "D2": 4}, "mac_pj": 0.5},
            "memories": [
                _mem("DRAM", "WIO", ["D1", "D2"], read_pj=50.0, write_pj=60.0, **bw),
                _mem("SRAM", "WIO", ["D1", "D2"], sram_bits, read_pj=5.0, write_pj=6.0, **bw),
                _mem("Wreg", "W", [], 8),
                _mem("Ireg", "I", ["D1"], 8, diagonal_inputs=diagonal),
                _mem("Oreg", "O", ["D2"], 16),
            ],
        }
    )
    return dataclasses.replace(acc, conventions=get_conventions(conventions))


layers = st.builds(
    lambda k, c, ox, fx: conv2d("l", K=k, C=c, OY=1, OX=ox, FY=1, FX=fx),
    st.sampled_from([1, 2]),
    st.sampled_from([1, 2]),
    st.sampled_from([2, 4]),
    st.sampled_from([1, 3]),
)


def assert_mapper_equals_brute_force(layer, acc) -> None:
    e, lat, _ = brute_force(layer, acc)
    if not len(e):
        with pytest.raises(SpecError, match="no mapping of"):
            search_layer(layer, acc, "edp")
        return
    for objective in OBJECTIVES:
        obj = get_objective(objective)
        best = float(obj.value(e, lat).min())
        res = search_layer(layer, acc, objective)
        assert res.optimal and res.gap == 0.0
        assert res.value == pytest.approx(best, rel=1e-9), (layer.dims, objective)
        cost = evaluate(layer, acc, res.mapping)  # the mapping really scores that, capacity checked
        assert float(obj.value(cost.energy_pj, cost.latency_cycles)) == pytest.approx(best, rel=1e-9)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(layers, st.sampled_from([64, 256]), st.sampled_from(["carbonloop", "carbonspot"]), st.booleans())
def test_diagonal_array_optimum_equals_brute_force(layer, sram_bits, conventions, wide):
    # wide: memories fast enough that the latency optimum is the array's, where the diagonal pays
    assert_mapper_equals_brute_force(layer, ws_array(True, sram_bits, conventions, wide))


@pytest.mark.parametrize("sram_bits", [40, 48])
def test_order_free_bound_takes_the_narrower_output_words_under_zigzags_width_rule(sram_bits):
    # ZigZag's output width (psum_width_by_level off) depends on the loop order: with OX 4, C 2, FX 3 all
    # in DRAM, the reduction loops C and FX innermost sink to the O register and the SRAM holds final
    # 8-bit outputs: K 2 of them (16 b) + 2 weights (16 b) + 1 input (8 b) = 40 b fit; with OX inside C
    # the SRAM holds 16-bit partial sums (56 b) and does not. The tiling's bound must not use one fixed
    # order's widths: the mapper found 6521.6 pJ here where the brute force finds 5069.6 (no diagonal).
    layer = conv2d("l", K=2, C=2, OY=1, OX=4, FY=1, FX=3)
    assert_mapper_equals_brute_force(layer, ws_array(False, sram_bits, "carbonspot"))


@pytest.mark.parametrize("conventions", ["carbonloop", "carbonspot"])
def test_depthwise_layer_uses_the_input_registers_axis(conventions):
    # one channel, OX = 4, FX = 3 (a depthwise layer's group): K = 1, so without the diagonal D1 may take
    # nothing (every other dim is relevant to I, whose one-word register is shared along D1): FX 3 on D2,
    # OX 4 in time, 12 MACs / 3 PEs = 4 cycles. With it, OX may go on D1 while the diagonal's input rows
    # OX_u + FX_u - 1 fit the 4 I registers: OX 2 x FX 3 (4 rows, 6 PEs) beats OX 4 x FX 1 (4 rows,
    # 4 PEs): 12 / 6 = 2 cycles, half. The memories are fast enough not to stall either.
    layer = conv2d("dw", K=1, C=1, OY=1, OX=4, FY=1, FX=3)
    before = search_layer(layer, ws_array(False, 4096, conventions, wide=True), "latency").cost
    after = search_layer(layer, ws_array(True, 4096, conventions, wide=True), "latency").cost
    assert before.latency_breakdown_cycles["compute"] == 4 and before.spatial_utilization == 3 / 16
    assert after.latency_breakdown_cycles["compute"] == 2 and after.spatial_utilization == 6 / 16
    if conventions == "carbonspot":  # ZigZag's latency leaves loading out: the compute cycles, no stall
        assert (before.latency_cycles, after.latency_cycles) == (4, 2)
    spatial = {
        lv.level: {axis: [(lp.dim, lp.factor) for lp in loops] for axis, loops in lv.spatial}
        for lv in after.mapping.levels
    }
    assert spatial["Ireg"] == {"D1": [("OX", 2)]} and spatial["Oreg"] == {"D2": [("FX", 3)]}


def test_carbonspot_profile_puts_the_depthwise_window_on_the_idle_axis():
    # DS-CNN's first depthwise layer (64 groups, 25 x 5 outputs, 3 x 3 window; MLPerf Tiny) on CarbonSpot's
    # 32 x 32 weight-stationary array: without the rule D1 is idle (FY x FX = 9 of 1 024 PEs); with it
    # the rows of the diagonal, (OY_u + FY_u - 1) x (OX_u + FX_u - 1)-ish input rows, must fit D2 = 32
    layer = next(x for x in ds_cnn().layers if x.name == "dw1")
    conv = get_conventions("carbonspot")
    off = dataclasses.replace(
        digital(32, 32, 8192, "ws", profile="carbonspot-weight_diagonal_mapping"), conventions=conv
    )
    on = dataclasses.replace(digital(32, 32, 8192, "ws", profile="carbonspot"), conventions=conv)
    a = search_layer(layer, off, "latency", budget=300).cost
    b = search_layer(layer, on, "latency", budget=300).cost
    assert a.spatial_utilization == 9 / 1024
    d1 = [lp.dim for lv in b.mapping.levels for axis, loops in lv.spatial if axis == "D1" for lp in loops]
    assert d1 and set(d1) <= {"OX", "OY"}
    assert b.latency_cycles < a.latency_cycles / 4
