"""Timeloop inputs as published: v0.3 trees, !Parallel scratchpads, mapper-written mappings, ERT names
with ranges, ignored instance keys, Jinja templates (small files of our own in tests/data/timeloop)."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonloop.errors import SpecError
from carbonloop.interop.common import InteropWarning, parse_tagged_yaml
from carbonloop.interop.timeloop import load_timeloop
from carbonloop.model.evaluate import evaluate

DATA = Path(__file__).resolve().parents[1] / "data" / "timeloop"
ERT = {
    "ERT": {
        "tables": [
            {"name": f"System_top_level.{n}[1..{k}]", "actions": [{"name": a, "energy": e} for a in acts]}
            for n, k, e, acts in (
                ("DRAM", 1, 100.0, ("read", "write", "update")),
                ("GlobalBuffer", 1, 2.0, ("read", "write", "update")),
                ("ifmap_spad", 4, 0.5, ("read", "write", "update")),
                ("weights_spad", 4, 0.5, ("read", "write", "update")),
                ("psum_spad", 4, 0.5, ("read", "write", "update")),
                ("MAC", 4, 1.0, ("compute",)),
            )
        ]
    }
}


def _load(arch: str, conventions: str = "carbonloop"):
    return load_timeloop(
        DATA / arch,
        DATA / "problem_conv1d_8x8.yaml",
        DATA / "map_parallel_mapper_output.yaml",
        ERT,
        conventions,
    )


def test_parallel_scratchpads_become_levels_keeping_their_own_data_space():
    layer, acc, mapping, names = _load("arch_parallel_v04.yaml")
    assert acc.level_names == ("DRAM", "GlobalBuffer", "ifmap_spad", "weights_spad", "psum_spad")
    assert [sorted(m.operands) for m in acc.memories[2:]] == [["I"], ["W"], ["O"]]
    assert acc.array.axes == (("GlobalBuffer_X", 4),)
    # inter_PE_spatial (Timeloop's name for the PE fan-out) is the GlobalBuffer's spatial loop.
    assert mapping.level("GlobalBuffer").spatial[0][0] == "GlobalBuffer_X"
    cost = evaluate(layer, acc, mapping)
    # Nest: GlobalBuffer: m in 8 | 4 PEs: P4 | weights_spad: r in 3 | psum_spad: p in 2. MACs 8*8*3 = 192.
    # weights_spad: a PE holds w[m, 0..2]; new at each m step: 8 * 3 = 24 per PE, 96 in all; one read per
    # MAC: 192. The GlobalBuffer multicasts weights over P: 8 * 3 = 24 reads.
    c = cost.accesses["weights_spad"]["Weights"]
    assert (c["reads"], c["fills"], c["updates"]) == (192, 96, 0)
    assert cost.accesses["GlobalBuffer"]["Weights"]["reads"] == 24
    assert "Inputs" not in cost.accesses["weights_spad"]


def test_v03_subtree_reads_as_the_same_machine_as_v04():
    a = _load("arch_parallel_v04.yaml")
    b = _load("arch_parallel_v03.yaml")
    assert a[1].level_names == b[1].level_names and a[1].array.axes == b[1].array.axes
    # v0.3 has no dataspace constraints here: the mapping's datatype directives decide what each keeps.
    assert evaluate(*b[:3]).accesses == evaluate(*a[:3]).accesses


def test_fanout_goes_where_timeloops_front_end_puts_it():
    arch = parse_tagged_yaml((DATA / "arch_parallel_v04.yaml").read_text())
    nodes = arch["architecture"]["nodes"]
    del nodes[2]  # no chip container: the PE fan-out goes right after the system's first storage (DRAM)
    with pytest.warns(InteropWarning, match="PE below 'DRAM' \\(above 'GlobalBuffer'\\)"):
        _, acc, _, names = load_timeloop(arch, DATA / "problem_conv1d_8x8.yaml", None, ERT)
    assert acc.array.axes == (("DRAM_X", 4),) and acc.instances(1) == 4


def test_instance_keys_timeloop_ignores_warn_and_templates_are_refused(tmp_path):
    prob = parse_tagged_yaml((DATA / "problem_conv1d_8x8.yaml").read_text())
    prob["problem"]["instance"].update({"H": 10, "Hpad": 1})
    with pytest.warns(InteropWarning, match="ignored H, Hpad"):
        layer, _, _, _ = load_timeloop(DATA / "arch_parallel_v04.yaml", prob, None, ERT)
    assert layer.sizes == {"M": 8, "P": 8, "R": 3}
    templ = tmp_path / "arch.yaml"
    templ.write_text("architecture:\n  version: 0.4\n  nodes: {{ nodes }}\n")
    with pytest.raises(SpecError, match=r"line 3: a Jinja template .*render it first"):
        load_timeloop(templ, DATA / "problem_conv1d_8x8.yaml")


def test_fanout_levels_hold_no_temporal_loops():
    bad = {"mapping": [{"target": "PE", "type": "temporal", "factors": "M8 P1 R1", "permutation": "MPR"}]}
    with pytest.raises(SpecError, match="'PE' is a fan-out"):
        load_timeloop(DATA / "arch_parallel_v04.yaml", DATA / "problem_conv1d_8x8.yaml", bad, ERT)


def test_a_technology_that_names_no_node_is_skipped_for_the_next_readable_one():
    """Timeloop's rendered example inputs keep a template's ``technology: "SET ME"`` on the top container
    (the simple weight-stationary example design); with an ERT Timeloop never reads it. The node comes from
    the first component whose technology reads ("45nm" on the GlobalBuffer), with a warning."""
    arch = parse_tagged_yaml((DATA / "arch_parallel_v03.yaml").read_text())
    top = arch["architecture"]["subtree"][0]
    top["attributes"]["technology"] = "SET ME"
    top["local"][1]["attributes"]["technology"] = "45nm"
    with pytest.warns(InteropWarning, match="technology values that name no node are skipped: 'SET ME'"):
        _, acc, _, _ = load_timeloop(arch, DATA / "problem_conv1d_8x8.yaml", None, ERT)
    assert acc.node_nm == 45
    del top["local"][1]["attributes"]["technology"]  # no readable technology anywhere: one-line error
    with pytest.raises(SpecError, match="cannot read a technology node from 'SET ME'") as err:
        load_timeloop(arch, DATA / "problem_conv1d_8x8.yaml", None, ERT)
    assert "subtree[0].local[0].attributes.technology" in str(err.value)


def test_flattened_fanouts_belong_to_the_dummy_level_above_them():
    """Timeloop's flattened (v0.4 ``subtree``) input lists a dummy level ``inter_<name>_spatial`` above each
    fan-out with the instance count of the level above it (the Eyeriss-like example design:
    ``inter_PE_column_spatial[1..1]``, ``inter_PE_spatial[1..14]``, ``ifmap_spad[1..168]``). The growth
    from 1 to 4 below ``inter_PE_column_spatial`` is its fan-out; the growth from 4 to 8 (meshY 2) below
    ``inter_PE_spatial`` is that one's."""

    def comp(name, cls, mesh, **attrs):
        return {"name": name, "class": cls, "attributes": {**attrs, "meshX": mesh[0], "meshY": mesh[1]}}

    spad = {"depth": 16, "width": 8, "datawidth": 8}
    arch = {
        "architecture": {
            "version": "0.4",
            "subtree": [
                {
                    "name": "System_top_level",
                    "attributes": {"technology": "45nm", "global_cycle_seconds": 1e-9},
                    "local": [
                        comp("DRAM[1..1]", "DRAM", (1, 1), width=8, datawidth=8),
                        comp("GlobalBuffer[1..1]", "SRAM", (1, 1), depth=1024, width=8, datawidth=8),
                        comp("inter_PE_column_spatial[1..1]", "dummy_storage", (1, 1)),
                        comp("inter_PE_spatial[1..4]", "dummy_storage", (4, 1)),
                        comp("ifmap_spad[1..8]", "regfile", (4, 2), **spad),
                        comp("weights_spad[1..8]", "regfile", (4, 2), **spad),
                        comp("psum_spad[1..8]", "regfile", (4, 2), **spad),
                        comp("MAC[1..8]", "intmac", (4, 2), datawidth=8),
                    ],
                }
            ],
        }
    }
    _, acc, _, names = load_timeloop(arch, DATA / "problem_conv1d_8x8.yaml", None, ERT)
    assert acc.array.axes == (("GlobalBuffer_X", 4), ("GlobalBuffer_Y", 2))
    targets = {t: axes for t, _, axes in names.spatial_targets}
    assert targets["inter_PE_column_spatial"] == ("GlobalBuffer_X",)
    assert targets["inter_PE_spatial"] == ("GlobalBuffer_Y",)
