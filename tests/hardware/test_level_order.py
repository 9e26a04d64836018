"""A mapping's level order is the order of its cuts (hardware/level_order.py): siblings swap, an operand's
own levels keep their order, ``memory.ROLES`` names split a memory into virtual levels."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from carbonloop import pipeline
from carbonloop.errors import SpecError
from carbonloop.hardware.level_order import accelerator_for_level_order
from carbonloop.interop.zigzag import load_zigzag
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.workload.network import chain

from ..model.reference_sim import simulate

EX = Path(__file__).resolve().parents[2] / "examples" / "zigzag"

pytestmark = pytest.mark.filterwarnings("ignore::carbonloop.interop.common.InteropWarning")


def _example(w_reg_bits: int = 8):
    """conv_small (K 4, C 4, OX 8, FX 3) on the 4 x 4 example: dram > sram_8KB (W, I, O) > o_reg (O,
    16 b) > w_reg (W, ``w_reg_bits``)."""
    accelerator = yaml.safe_load((EX / "accelerator.yaml").read_text())
    accelerator["memories"]["w_reg"]["size"] = w_reg_bits
    net, acc, _ = load_zigzag(
        accelerator=accelerator,
        workload=yaml.safe_load((EX / "workload.yaml").read_text()),
        mapping=[{"name": "default", "spatial_mapping": {"D1": ["K, 4"], "D2": ["C, 4"]}}],
    )
    return net.layers[0], acc


SPATIAL = (("D1", (Loop("K", 4),)), ("D2", (Loop("C", 4),)))


def test_the_accelerators_own_order_is_the_accelerator_itself():
    _, acc = _example()
    assert accelerator_for_level_order(acc, acc.level_names, "m.yaml") is acc
    assert accelerator_for_level_order(acc, ["dram", "w_reg"], "m.yaml") is acc  # a subsequence


def test_sibling_levels_swap_and_keep_their_hardware():
    _, acc = _example()
    swapped = accelerator_for_level_order(acc, ["dram", "sram_8KB", "w_reg", "o_reg"], "m.yaml")
    assert swapped.level_names == ("dram", "sram_8KB", "w_reg", "o_reg")
    assert swapped.area_mm2 == acc.area_mm2
    for name in acc.level_names:  # the same memory, the same instances
        x, y = acc.level_index(name), swapped.level_index(name)
        assert swapped.memories[y] == acc.memories[x] and swapped.instances(y) == acc.instances(x)


def test_an_operands_own_levels_may_not_swap():
    _, acc = _example()
    with pytest.raises(SpecError) as err:
        accelerator_for_level_order(acc, ["dram", "o_reg", "sram_8KB", "w_reg"], "m.yaml")
    msg = str(err.value)
    assert msg.startswith("m.yaml: levels:") and "operand O" in msg and "\n" not in msg
    with pytest.raises(SpecError, match="list each once"):
        accelerator_for_level_order(acc, ["dram", "w_reg", "o_reg"], "m.yaml")
    with pytest.raises(SpecError, match="unknown level 'sram_8KB.X'"):
        accelerator_for_level_order(acc, ["dram", "sram_8KB.X", "o_reg", "w_reg"], "m.yaml")


def test_memory_dot_roles_names_split_the_memory_into_virtual_levels():
    _, acc = _example()
    split = accelerator_for_level_order(acc, ["dram", "sram_8KB.W", "sram_8KB.IO", "o_reg", "w_reg"], "m")
    assert split.level_names == ("dram", "sram_8KB.W", "sram_8KB.IO", "o_reg", "w_reg")
    assert {m.physical for m in split.memories[1:3]} == {"sram_8KB"}
    assert split.area_mm2 == pytest.approx(acc.area_mm2)  # area once
    with pytest.raises(SpecError, match="each of its operands"):
        accelerator_for_level_order(acc, ["dram", "sram_8KB.W", "sram_8KB.O", "o_reg", "w_reg"], "m")


def _registers_below_sram(upper: str, lower: str) -> Mapping:
    """The SRAM unrolls K 4 and C 4; the register listed ``upper`` holds the loops OX 8, FX 3."""
    return Mapping(
        (
            LevelMapping("dram"),
            LevelMapping("sram_8KB", (), SPATIAL),
            LevelMapping(upper, (Loop("OX", 8), Loop("FX", 3))),
            LevelMapping(lower),
        ),
        False,
        "m.yaml",
    )


def test_a_given_mapping_in_another_order_is_scored_on_that_chain():
    """A 24-bit weight register above the output register: w_reg's tile is OX 8 x FX 3, its PE's 3
    weights, loaded once, so the SRAM sends each of the 48 weights once (16 PEs x 3); the loops are
    outside o_reg's one-output tile. In the file's order the same loops listed at o_reg would be inside
    o_reg's tile: 8 outputs of 16 b in a 16-bit register, refused."""
    layer, acc = _example(w_reg_bits=24)
    swapped = _registers_below_sram("w_reg", "o_reg")
    result = pipeline.evaluate(chain("n", [layer]), acc, mapping={layer.name: swapped})
    variant = accelerator_for_level_order(acc, [lm.level for lm in swapped.levels], "m.yaml")
    cost = result.layers[0].cost
    assert cost.accesses == simulate(layer, variant, swapped)
    assert cost.accesses["sram_8KB"]["W"]["reads"] == 48
    in_file_order = _registers_below_sram("o_reg", "w_reg")
    with pytest.raises(SpecError, match="tile of .* needs 128 bits but 'o_reg' holds 16 bits"):
        evaluate(layer, acc, in_file_order)


def test_a_split_memorys_leakage_is_reported_under_the_memory():
    """Scored on a chain that splits the SRAM (its weights cut apart from its inputs and outputs), a layer's
    leakage is per virtual level; the workload's breakdown folds it back into the physical SRAM, where the
    accelerator lists it (the default conventions count leakage; the virtual levels were a KeyError
    before). The breakdown adds up to the leakage in the energy, and the record a sweep stores is built."""
    layer, plain = _example(w_reg_bits=24)
    leaky = tuple(
        dataclasses.replace(m, leakage_mw=0.5) if m.name == "sram_8KB" else m for m in plain.memories
    )
    acc = dataclasses.replace(plain, memories=leaky)
    split = Mapping(
        (
            LevelMapping("dram"),
            LevelMapping("sram_8KB.W", (Loop("OX", 2),)),
            LevelMapping("sram_8KB.IO", (), SPATIAL),
            LevelMapping("w_reg", (Loop("OX", 4), Loop("FX", 3))),
            LevelMapping("o_reg"),
        ),
        False,
        "m.yaml",
    )
    result = pipeline.evaluate(
        chain("n", [layer]), acc, mapping={layer.name: split}, conventions="carbonloop"
    )
    per_level = result.layers[0].cost.leakage_pj
    # the SRAM leaks once, on one of its virtual levels (they share its instances, as they share its area)
    on_sram = {k: v for k, v in per_level.items() if k.startswith("sram_8KB.")}
    assert len(on_sram) == 1 and set(on_sram) <= {"sram_8KB.W", "sram_8KB.IO"}
    breakdown = result.leakage_breakdown_pj
    assert set(breakdown) == set(acc.level_names)
    assert breakdown["sram_8KB"] == pytest.approx(sum(on_sram.values())) and breakdown["sram_8KB"] > 0
    assert result.leakage_pj == pytest.approx(sum(per_level.values()))
    assert result.to_record()["leakage_pj"] == pytest.approx(result.leakage_pj)
