"""Virtual levels of one physical memory share its ports in the default latency model (docs/model.md,
"Per-operand memories", rule 3): splitting a memory into per-operand levels never adds bandwidth.

Cycles derived by hand on a tiny layer, the split against the unsplit memory on random mappings, and a
bandwidth floor on random cuts (hypothesis).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonloop.hardware import accelerator_from_dict, load_preset, preset_names
from carbonloop.mapper import cut_order_variants
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import Mapping, mapping_from_data
from carbonloop.workload import conv2d

from .test_model_properties import TINY_ARRAY, mapped
from .test_per_operand_memories import cut_gb_at_one_loop

WIDE = {"read_bw_bits": 4096, "write_bw_bits": 4096}
"""DRAM and the output register move everything of the tiny layer in one cycle: only the SRAM stalls."""


def _mem(name: str, ops: list[str], **kw) -> dict:
    return {"name": name, "width_bits": 8, "read_pj": 1.0, "write_pj": 2.0, "operands": ops, **kw}


def _acc(split: bool, double_buffered: bool = False):
    """DRAM > SRAM (W and I, 8 bits a cycle each way, one port each) > an O register, one PE; with
    ``split`` the SRAM is two virtual levels SRAM.W > SRAM.I of one physical memory."""
    sram = {"size_bits": 1024, "read_bw_bits": 8, "write_bw_bits": 8, "double_buffered": double_buffered}
    middle = (
        [_mem("SRAM.W", ["W"], physical="SRAM", **sram), _mem("SRAM.I", ["I"], physical="SRAM", **sram)]
        if split
        else [_mem("SRAM", ["W", "I"], **sram)]
    )
    return accelerator_from_dict(
        {
            "name": "split" if split else "whole",
            "array": {"axes": {"D1": 1}, "mac_pj": 0.5},
            "memories": [
                _mem("DRAM", ["W", "I", "O"], **WIDE),
                *middle,
                _mem("Oreg", ["O"], size_bits=64, **WIDE),
            ],
        }
    )


# O[k] += W[k][c] * I[c], K=2, C=4: 8 MACs on one PE, 8 compute cycles.
LAYER = conv2d("l", K=2, C=4, OY=1, OX=1, FY=1, FX=1)


def _mapping(levels: list[tuple[str, list]]) -> Mapping:
    return mapping_from_data([{"level": name, "temporal": loops} for name, loops in levels])


def test_a_split_with_the_same_loops_takes_the_unsplit_cycles_by_hand():
    whole = evaluate(LAYER, _acc(False), _mapping([("DRAM", [["K", 2]]), ("SRAM", [["C", 4]]), ("Oreg", [])]))
    # Both operands cut the SRAM at the same loop (C4 at the inner virtual level, inside both tiles).
    split = evaluate(
        LAYER,
        _acc(True),
        _mapping([("DRAM", [["K", 2]]), ("SRAM.W", []), ("SRAM.I", [["C", 4]]), ("Oreg", [])]),
    )
    # The SRAM tile is W[k][0..3] and I[0..3], 4 words of 8 bits each. W: 2 tiles (K2 above) = 8 fills;
    # I: the K2 above is irrelevant to I, so one tile = 4 fills. Reads to the PE: 8 W + 8 I.
    for cost, w_level, i_level in ((whole, "SRAM", "SRAM"), (split, "SRAM.W", "SRAM.I")):
        assert cost.accesses[w_level]["W"] == {"reads": 8, "fills": 8, "updates": 0}
        assert cost.accesses[i_level]["I"] == {"reads": 8, "fills": 4, "updates": 0}
    # One SRAM: reads (8 + 8) x 8 bits / 8 bits a cycle = 16 cycles; fills (8 + 4) x 8 / 8 = 12 cycles,
    # busy max(16, 12) = 16 > 8 compute; single-buffered, so the 12 fill cycles also stall compute.
    # 16 + 12 = 28. (Each virtual level with its own port: max(8, 8) busy + 8 + 4 refill = 20.)
    assert whole.latency_breakdown_cycles == split.latency_breakdown_cycles
    assert split.latency_cycles == 16 + 12
    assert split.latency_breakdown_cycles["compute"] == 8


def test_a_split_that_changes_the_transfers_by_hand():
    # The C loop cut in two: C2 at SRAM.W is inside W's tile but outside I's, C2 at SRAM.I inside both.
    cost = evaluate(
        LAYER,
        _acc(True),
        _mapping([("DRAM", [["K", 2]]), ("SRAM.W", [["C", 2]]), ("SRAM.I", [["C", 2]]), ("Oreg", [])]),
    )
    # W's tile is still W[k][0..3]: 8 fills. I's tile is I[c..c+1]; above it K2 then C2, and each K step
    # restarts the C loop: 2 x 2 = 4 tiles of 2 words = 8 fills (4 more than unsplit). Reads 8 + 8.
    assert cost.accesses["SRAM.W"]["W"] == {"reads": 8, "fills": 8, "updates": 0}
    assert cost.accesses["SRAM.I"]["I"] == {"reads": 8, "fills": 8, "updates": 0}
    # reads (8 + 8) x 8 / 8 = 16 cycles; fills (8 + 8) x 8 / 8 = 16 cycles: busy 16, refill stall 16.
    assert cost.latency_cycles == 16 + 16


def test_double_buffered_loading_and_draining_charge_the_one_memory():
    # Double-buffered: no refill stall; before the first MAC the SRAM loads its first tiles of W and I
    # (4 + 4 words, 64 bits) through its one write port: 64 / 8 = 8 cycles (DRAM sends them in 1).
    # Busy: reads 16 cycles > fills 12 cycles > compute 8. Total 16 + 8 onload = 24, split or not.
    whole = evaluate(
        LAYER, _acc(False, True), _mapping([("DRAM", [["K", 2]]), ("SRAM", [["C", 4]]), ("Oreg", [])])
    )
    split = evaluate(
        LAYER,
        _acc(True, True),
        _mapping([("DRAM", [["K", 2]]), ("SRAM.W", []), ("SRAM.I", [["C", 4]]), ("Oreg", [])]),
    )
    assert whole.latency_breakdown_cycles == split.latency_breakdown_cycles
    assert split.latency_breakdown_cycles["onload"] == 8
    assert split.latency_breakdown_cycles["offload"] == 0  # the SRAM keeps no outputs
    assert split.latency_cycles == 24


def _split_gb(acc, double_buffered: bool, **gb_fields):
    """(``acc`` with ``gb_fields`` set on its ``gb``, the same with that gb split into virtual levels
    gb.O > gb.I > gb.W of one physical memory)."""
    at = acc.level_index("gb")
    gb = dataclasses.replace(acc.memories[at], double_buffered=double_buffered, **gb_fields)
    parts = tuple(
        dataclasses.replace(gb, name=f"gb.{r}", operands=frozenset(r), physical="gb") for r in "OIW"
    )
    whole = dataclasses.replace(acc, memories=acc.memories[:at] + (gb,) + acc.memories[at + 1 :])
    return whole, dataclasses.replace(acc, memories=acc.memories[:at] + parts + acc.memories[at + 1 :])


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(mapped(acc=TINY_ARRAY, bypass=False), st.booleans())
def test_virtual_levels_cut_at_one_loop_take_the_unsplit_cycles(case, double_buffered):
    # Every operand cuts the gb at the same loop (all of gb's loops at the innermost virtual level): the
    # same transfers, so the same cycles, part by part.
    layer, acc, mapping = case
    whole_acc, split_acc = _split_gb(acc, double_buffered)
    whole = evaluate(layer, whole_acc, mapping, check_capacity=False)
    split = evaluate(layer, split_acc, cut_gb_at_one_loop(mapping), check_capacity=False)
    assert split.latency_breakdown_cycles == whole.latency_breakdown_cycles


# A narrow gb (4 bits a cycle each way), so that its ports, not the registers or compute, set the pace.
_, SPLIT_TINY = _split_gb(TINY_ARRAY, False, read_bw_bits=4, write_bw_bits=4)


@PROPERTY
@given(mapped(acc=SPLIT_TINY, bypass=False))
def test_a_split_never_has_more_bandwidth_than_the_memory(case):
    # Wherever each operand cuts the gb, its virtual levels together move no more bits a cycle than the
    # one gb: cycles >= (all its reads) / read bandwidth and >= (all its fills and updates) / write
    # bandwidth. The gb spans the whole array: one instance carries everything.
    layer, acc, mapping = case
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    gb = acc.memories[acc.level_index("gb.O")]
    read_bits = write_bits = 0
    for r in "OIW":
        level = f"gb.{r}"
        for name, n in cost.accesses[level].items():
            bits = cost.word_bits[level].get(name, 0)
            read_bits += n["reads"] * bits
            write_bits += (n["fills"] + n["updates"]) * bits
    assert cost.latency_cycles >= math.ceil(read_bits / gb.read_bits_per_cycle)
    assert cost.latency_cycles >= math.ceil(write_bits / gb.write_bits_per_cycle)


def test_physical_groups_is_built_once_and_unchanged():
    acc = _acc(True)
    # DRAM, SRAM.W + SRAM.I (one SRAM), Oreg
    assert acc.physical_groups() == ((0,), (1, 2), (3,))
    assert acc.physical_groups() is acc.physical_groups()  # cached, not rebuilt per call
    assert dataclasses.replace(acc, name="again").physical_groups() == ((0,), (1, 2), (3,))
    assert acc == dataclasses.replace(acc)  # the cache takes no part in equality
    with pytest.raises(dataclasses.FrozenInstanceError):
        acc._physical_groups = ()


@pytest.mark.parametrize("name", preset_names())
def test_cached_physical_groups_equal_a_grouping_by_physical_name(name):
    # Every caller reads the cache: it must be the levels grouped by physical memory, outermost first,
    # on every preset and on each cut order of a preset's second level.
    acc = load_preset(name)
    variants = [acc]
    if len(acc.memories) > 2 and len(acc.memories[1].operands) > 1:
        variants += cut_order_variants(acc, [acc.memories[1].name])
    for a in variants:
        names = [m.physical or m.name for m in a.memories]
        expected = tuple(
            tuple(i for i, n in enumerate(names) if n == first) for first in dict.fromkeys(names)
        )
        assert a.physical_groups() == expected
