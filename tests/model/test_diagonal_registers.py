"""Diagonal input registers (``MemoryLevel.diagonal_inputs``; ZigZag's weight diagonal mapping).

A weight-stationary 4x4 array in CarbonSpot's register sharing (Sun et al., IEEE TCAD 2025; KULeuven-
MICAS/carbonspot @ 0839b49 ``expr.py`` ``memory_hierarchy_dut_for_pdigital_ws``: W private, I shared
along D1, O along D2), energies chosen here. The layer is a one-channel 1-D convolution (a depthwise
layer's single group): ``O[ox] = sum_fx W[fx] I[ox + fx]``, OX = 4, FX = 3, so 12 MACs on 6 inputs.
The mapping puts OX 2 on D1 (the input register's axis: the diagonal) and FX 3 on D2, and OX 2 in time
at the SRAM. Every count below is derived by hand in the test.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
import pytest

from carbonloop.errors import SpecError
from carbonloop.hardware.yaml import accelerator_from_dict
from carbonloop.model.capacity import capacity_bits, capacity_bits_for, diagonal_dims, diagonal_rows_fit
from carbonloop.model.conventions import get_conventions
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import mapping_from_data, resolve
from carbonloop.model.nest import compile_layer, mapping_arrays
from carbonloop.workload import conv2d

from ..memory_specs import memory_spec

LAYER = conv2d("dw", K=1, C=1, OY=1, OX=4, FY=1, FX=3)


_mem = partial(memory_spec, read_pj=1.0, write_pj=1.0)


def ws_spec(diagonal: bool = True, i_reg: dict | None = None, wide: bool = False) -> dict:
    """``wide``: DRAM and SRAM bandwidths too large to stall (the latency is the array's)."""
    fast = {"read_bw_bits": 1024, "write_bw_bits": 1024} if wide else {}
    return {
        "name": "ws",
        "array": {"axes": {"D1": 4, "D2": 4}, "mac_pj": 0.5},
        "memories": [
            _mem("dram", "WIO", ["D1", "D2"], **fast),
            _mem("sram", "WIO", ["D1", "D2"], 4096, **fast),
            _mem("w_reg", "W", [], 8),
            i_reg or _mem("i_reg", "I", ["D1"], 8, diagonal_inputs=diagonal),
            _mem("o_reg", "O", ["D2"], 16, width_bits=16),
        ],
    }


def ws(conventions: str = "carbonloop", **kw):
    acc = accelerator_from_dict(ws_spec(**kw))
    return dataclasses.replace(acc, conventions=get_conventions(conventions))


def _mapping(ox_on_d1: int = 2, ox_in_time: int = 2):
    return mapping_from_data(
        [
            {"level": "dram"},
            {"level": "sram", "temporal": [["OX", ox_in_time]] if ox_in_time > 1 else []},
            {"level": "w_reg"},
            {"level": "i_reg", "spatial": {"D1": [["OX", ox_on_d1]]}},
            {"level": "o_reg", "spatial": {"D2": [["FX", 3]]}},
        ]
    )


@pytest.mark.parametrize("conventions", ["carbonloop", "carbonspot"])
def test_register_and_sram_counts_by_hand(conventions):
    cost = evaluate(LAYER, ws(conventions), _mapping())
    acc = cost.accesses
    # i_reg: one instance per D2 position (fx = 0, 1, 2 used); each holds the inputs of its diagonal,
    # ox + fx for the 2 outputs on D1: 2 words per step, 2 steps (OX 2 in time), none shared between steps
    # (the tile moves by 2): 2 x 2 x 3 = 12 fills; each PE reads its own word each step: 6 PEs x 2 = 12.
    assert acc["i_reg"]["I"] == {"reads": 12, "fills": 12, "updates": 0}
    assert cost.tile_bits["i_reg"]["I"] == 16  # 2 words of 8 bits per instance
    # w_reg: private; W ignores OX, so each of the 6 used PEs keeps its W[fx] over both steps: 6 fills
    # (each weight sits on the diagonal of 2 PEs). The SRAM reads each weight once (OX on D1 is a
    # multicast for W): 3. The DRAM sends the 3 weights and the 6 inputs once.
    assert acc["w_reg"]["W"]["fills"] == 6
    assert acc["sram"]["W"]["reads"] == 3
    assert acc["dram"]["W"]["reads"] == 3 and acc["dram"]["I"]["reads"] == 6
    if conventions == "carbonloop":
        # the SRAM reads the union of its 3 children's tiles: inputs 0..3 at the first step, then the window
        # moves by 2 (OX 2 in time) and 4..5 are new: 4 + 2 = 6
        assert acc["sram"]["I"]["reads"] == 6
    else:
        # ZigZag's rule (merge_spatial_windows): the unrolled window merges, a child's window in time does
        # not. Below the SRAM OX 2 and FX 3 have 2 * 3 - (2 - 1) * (3 - 1) = 4 distinct offsets, below a
        # register OX 2 has 2: a fan-out of 4 / 2 = 2 register tiles of 2 words a step, 2 steps: 8 (the
        # union's second step would need only the 2 new inputs: 6)
        assert acc["sram"]["I"]["reads"] == 8
        # without it, Timeloop's rule: the 3 registers' tiles are not identical, each read in full: 12
        timeloop_windows = dataclasses.replace(ws(conventions).conventions, merge_spatial_windows=False)
        cost = evaluate(LAYER, dataclasses.replace(ws(conventions), conventions=timeloop_windows), _mapping())
        assert cost.accesses["sram"]["I"]["reads"] == 3 * 2 * 2
    # the whole unrolling computes: 12 MACs on 2 x 3 = 6 PEs take 2 cycles; 6 of 16 PEs used
    assert cost.latency_breakdown_cycles["compute"] == 2
    assert cost.spatial_utilization == pytest.approx(6 / 16)


def test_capacity_for_the_unrolling_is_the_size_times_the_diagonal():
    acc = ws()
    resolved = resolve(_mapping(), LAYER, acc)
    cl = compile_layer(LAYER)
    loops = mapping_arrays([resolved.mapping], LAYER, acc)
    # OX (relevant to I, irrelevant to W) is the layer's only diagonal dim of size > 1
    assert [cl.dims[d] for d in diagonal_dims(cl)] == ["OX"]
    # dram unbounded; sram 4096; w_reg 8; i_reg 8 x OX 2 on D1 = 16; o_reg 16
    assert capacity_bits_for(acc, cl, loops)[0].tolist() == [np.inf, 4096, 8, 16, 16]
    assert capacity_bits(acc).tolist() == [np.inf, 4096, 8, 8, 16]
    # the same level without the property: its own 8 bits
    plain = ws(diagonal=False)
    assert capacity_bits_for(plain, cl, loops)[0].tolist() == [np.inf, 4096, 8, 8, 16]


def test_without_the_property_the_diagonal_does_not_fit():
    with pytest.raises(SpecError, match=r"levels\[3\]: tile of I needs 16 bits but 'i_reg' holds 8 bits"):
        evaluate(LAYER, ws(diagonal=False), _mapping())


def test_the_diagonal_needs_its_input_rows():
    # OX 4 on D1 and FX 3 on D2 read inputs 0..5: 4 + 3 - 1 = 6 rows, but the array has 4 I registers
    # (one per D2 position) of one word each
    cl = compile_layer(LAYER)
    acc = ws()
    for ox, fits in ((4, False), (2, True)):
        mapping = _mapping(ox_on_d1=ox, ox_in_time=4 // ox)
        loops = mapping_arrays([resolve(mapping, LAYER, acc).mapping], LAYER, acc)
        assert diagonal_rows_fit(acc, cl, loops).tolist() == [fits]
    with pytest.raises(
        SpecError, match="spatial: the unrolling needs more distinct inputs than the 4 instances"
    ):
        evaluate(LAYER, acc, _mapping(ox_on_d1=4, ox_in_time=1))


@pytest.mark.parametrize("conventions", ["carbonloop", "carbonspot"])
def test_a_diagonal_register_costs_what_its_rows_would(conventions):
    # the diagonal register with OX 2 on its axis is, per instance, the two one-word row registers of its
    # diagonal: the same as a plain register of 16 bits with two 8-bit ports' bandwidth, every cost per
    # word unchanged. Counts, energy and latency must be equal.
    rows = _mem("i_reg", "I", ["D1"], 16, read_bw_bits=16, write_bw_bits=16)
    diag = evaluate(LAYER, ws(conventions, wide=True), _mapping())
    plain = evaluate(LAYER, ws(conventions, wide=True, i_reg=rows), _mapping())
    assert diag.accesses == plain.accesses
    assert diag.energy_pj == pytest.approx(plain.energy_pj)
    assert diag.latency_breakdown_cycles == plain.latency_breakdown_cycles
    if conventions == "carbonspot":
        # ZigZag's latency without loading: the 2 compute cycles, no stall (each row has its own port)
        assert diag.latency_cycles == 2


def test_the_register_keeps_its_own_costs():
    acc = ws()
    reg = acc.memories[3]
    assert reg.diagonal_inputs and reg.size_bits == 8 and reg.read_pj == reg.write_pj == 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"operands": ["W"], "spans": ["D1"]}, "does not keep the inputs I"),
        ({"spans": []}, "spans no array axis"),
        ({"diagonal_inputs": "yes"}, "diagonal_inputs"),
    ],
)
def test_bad_diagonal_registers_are_one_line_errors(change, message):
    spec = ws_spec()
    spec["memories"][3] = {**spec["memories"][3], **change}
    if change.get("operands") == ["W"]:
        spec["memories"][2] = _mem("w2", "I", [], 8)  # keep every operand's chain complete
    with pytest.raises(SpecError, match=message) as err:
        accelerator_from_dict(spec)
    assert "\n" not in str(err.value)
