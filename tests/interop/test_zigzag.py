"""ZigZag 3.x inputs read into carbonloop's model; counts checked against hand-derived values."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from carbonloop.errors import SpecError
from carbonloop.interop.common import InteropWarning
from carbonloop.interop.export import export_mapping
from carbonloop.interop.zigzag import ZigZagConstraints, load_zigzag
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import Loop

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "zigzag"
ACC = yaml.safe_load((EX / "accelerator.yaml").read_text())
WL = yaml.safe_load((EX / "workload.yaml").read_text())
MAP = yaml.safe_load((EX / "mapping.yaml").read_text())

pytestmark = pytest.mark.filterwarnings("ignore::carbonloop.interop.common.InteropWarning")


def _load(acc=ACC, wl=WL, mp=MAP):
    return load_zigzag(accelerator=acc, workload=wl, mapping=mp)


def test_memories_are_reordered_outermost_first_with_roles_and_spans():
    net, acc, _ = _load()
    assert acc.level_names == ("dram", "sram_8KB", "o_reg", "w_reg")  # ZigZag lists them innermost first
    assert [sorted(m.operands) for m in acc.memories] == [["I", "O", "W"], ["I", "O", "W"], ["O"], ["W"]]
    assert [m.spans for m in acc.memories] == [("D1", "D2"), ("D1", "D2"), (), ()]
    sram = acc.memories[1]
    assert (sram.width_bits, sram.read_pj, sram.write_pj, sram.area_mm2) == (64, 2.5, 3.0, 0.05)
    assert (sram.read_ports, sram.write_ports, sram.shared_ports) == (1, 1, False)
    assert acc.memories[0].shared_ports  # one read_write port
    assert acc.array.axes == (("D1", 4), ("D2", 4)) and acc.array.mac_pj == 0.1
    layer = net.layers[0]
    assert layer.operand("I").axes[2] == (("OY", 1), ("FY", 1)) and layer.operand("I").axes[3] == (
        ("OX", 1),
        ("FX", 1),
    )
    assert (layer.output.bits, layer.output.psum_bits) == (8, 16)
    assert layer.operand("W").constant


def test_example_mapping_is_allocated_and_counted():
    net, acc, maps = _load()
    layer, m = net.layers[0], maps["conv_small"]
    # FX=3 does not fit the 8-bit weight register (3 weights) but fits the accumulator (1 output, 16 bits);
    # OX=8 does not fit the accumulator (8 outputs) and goes to the SRAM, which holds everything.
    assert m.level("o_reg").temporal == (Loop("FX", 3),)
    assert m.level("sram_8KB").temporal == (Loop("OX", 8),)
    assert m.level("sram_8KB").spatial == (("D1", (Loop("K", 4),)), ("D2", (Loop("C", 4),)))
    cost = evaluate(layer, acc, m)
    a = cost.accesses
    # MACs = K4*C4*OX8*FX3 = 384 on 16 PEs over 24 cycles.
    assert cost.macs == 384
    # Weights: 48 fetched once from DRAM into the SRAM; the weight register holds 1 weight and FX changes it
    # every cycle: 16 PEs x 24 cycles = 384 fills, each an SRAM read (no multicast: K and C index weights).
    assert a["dram"]["W"] == {"reads": 48, "fills": 0, "updates": 0}
    assert a["sram_8KB"]["W"] == {"reads": 384, "fills": 48, "updates": 0}
    assert a["w_reg"]["W"] == {"reads": 384, "fills": 384, "updates": 0}
    # Inputs bypass the registers: 4 x (8+3-1) = 40 from DRAM; each cycle 4 inputs (one per C) are multicast
    # across K: 24 * 4 = 96 SRAM reads.
    assert a["dram"]["I"] == {"reads": 40, "fills": 0, "updates": 0}
    assert a["sram_8KB"]["I"] == {"reads": 96, "fills": 40, "updates": 0}
    # Outputs: each accumulator sums FX=3 products for 8 outputs: 16*24 = 384 updates, 384 - 16*8 = 256
    # read back + 128 sent up; C is reduced spatially, so the SRAM gets 4 outputs per OX step: 32 updates.
    assert a["o_reg"]["O"] == {"reads": 384, "fills": 0, "updates": 384}
    assert a["sram_8KB"]["O"] == {"reads": 32, "fills": 0, "updates": 32}
    assert a["dram"]["O"] == {"reads": 0, "fills": 0, "updates": 32}
    # Energy of the accumulator: (384 + 384) words of 16 bits x 0.03 pJ; final outputs at the SRAM are 8 bits
    # in 64-bit words: 64 * 8/64 * (2.5 + 3.0).
    assert cost.energy_breakdown_pj["o_reg"]["O"] == pytest.approx(768 * 0.03)
    # The SRAM's ports have bandwidth_min 64 = their word: each transfer rounds up to whole 64-bit words, as
    # ZigZag charges it (ceil(bits / bandwidth_min) per period). The 32 updates arrive 4 outputs (32 b) per OX
    # step: 8 transfers of one word x 3.0 pJ; the 32 final outputs go up to DRAM in one transfer of
    # 32 x 8 = 256 b = 4 words x 2.5 pJ. Charged by the bits moved they would cost 32/8 x (2.5 + 3.0) = 22.
    assert cost.energy_breakdown_pj["sram_8KB"]["O"] == pytest.approx(8 * 3.0 + 4 * 2.5)


def test_exported_zigzag_mapping_reads_back_to_the_same_mapping(tmp_path):
    net, acc, maps = _load()
    layer, m = net.layers[0], maps["conv_small"]
    text = export_mapping(m, layer, acc, "zigzag")
    entries = yaml.safe_load(text)
    assert [e["name"] for e in entries] == ["conv_small", "default"]
    assert entries[0]["temporal_ordering"] == [["FX", 3], ["OX", 8]]  # innermost first
    assert entries[0]["spatial_mapping"] == {"D1": ["K, 4"], "D2": ["C, 4"]}
    _, _, again = _load(mp=entries)
    assert again["conv_small"].levels == m.levels


def test_swapped_operand_links_move_the_roles():
    mp = copy.deepcopy(MAP)
    mp[0]["memory_operand_links"] = {"O": "O", "W": "I1", "I": "I2"}
    _, acc, _ = _load(mp=mp)
    assert acc.memories[3].operands == frozenset({"I"})  # w_reg serves I2, now the layer's I


def test_incomplete_temporal_ordering_gives_constraints():
    mp = copy.deepcopy(MAP)
    mp[0]["temporal_ordering"] = [["FX", 3]]
    _, _, maps = _load(mp=mp)
    c = maps["conv_small"]
    assert isinstance(c, ZigZagConstraints)
    assert c.temporal_ordering == (("FX", 3),) and "OX" in c.reason
    mp[0]["temporal_ordering"] = [["FX", "*"], ["OX", "*"]]  # '*' takes what is left: complete
    _, _, maps = _load(mp=mp)
    assert maps["conv_small"].level("sram_8KB").temporal == (Loop("OX", 8),)


def test_two_layer_workload_edges_strides_and_pooling():
    wl = [
        {
            "id": 0,
            "name": "c0",
            "operator_type": "Conv",
            "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
            "dimension_relations": ["ix=2*ox+1*fx", "iy=2*oy+1*fy"],
            "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
            "loop_sizes": [1, 8, 3, 4, 4, 3, 3],
            "operand_precision": {"W": 8, "I": 8, "O": 16, "O_final": 8},
            "operand_source": {"I": 0, "W": 0},
        },
        {
            "id": 1,
            "name": "pool",
            "operator_type": "Pooling",
            "equation": "O[b][g][oy][ox]+=W[fx][fy]*I[b][g][iy][ix]",
            "dimension_relations": ["ix=1*ox+1*fx", "iy=1*oy+1*fy"],
            "loop_dims": ["B", "G", "OY", "OX", "FX", "FY"],
            "loop_sizes": [1, 8, 2, 2, 2, 2],
            "operand_precision": {"W": 0, "I": 8, "O": 8, "O_final": 8},
            "operand_source": {"I": 0, "W": 1},
            "padding": [[0, 0], [0, 0]],
        },
    ]
    with pytest.warns(InteropWarning, match="padding"):
        net, _, _ = load_zigzag(accelerator=ACC, workload=wl)
    c0, pool = net.layers
    # ix = 2*ox + fx over OX=4, FX=3: 2*3 + 2 + 1 = 9 columns; 3 channels x 9 x 9 inputs.
    assert c0.footprint("I") == 3 * 9 * 9
    assert [e.producer for e in net.producers("pool")] == ["c0"]
    assert [o.name for o in pool.operands] == ["O", "I"] and pool.kind == "pool" and pool.macs == 0


@pytest.mark.parametrize(
    ("where", "patch", "message"),
    [
        ("mp", lambda d: d[0]["spatial_mapping"].update(D1=[["K", 4]]), "write the unrolling as a string"),
        ("mp", lambda d: d[0]["spatial_mapping"].update(D3=["K, 4"]), "unknown operational-array dimension"),
        (
            "acc",
            lambda d: d["memories"]["w_reg"].update(colour="red"),
            r"memories.w_reg.colour: unknown field",
        ),
        (
            "acc",
            lambda d: d["memories"]["w_reg"].update(served_dimensions=["D9"]),
            "not an operational-array dimension",
        ),
        ("acc", lambda d: d["operational_array"].pop("unit_energy"), "unit_energy: missing"),
        (
            "acc",
            lambda d: d["operational_array"].update(is_imc=True, imc_type="digital", input_precision=[8, 8]),
            "memories.cells",  # ZigZag's IMC files keep the weights in a memory named cells
        ),
        ("wl", lambda d: d[0].update(equation="O[k]+=W[k][c]*X[c]"), "operands are O, W and I"),
        ("wl", lambda d: d[0].update(operand_source={"I": 7, "W": 0}), "no earlier layer with id 7"),
    ],
)
def test_unsupported_or_unknown_fields_raise_one_line_errors(where, patch, message):
    acc, wl, mp = copy.deepcopy(ACC), copy.deepcopy(WL), copy.deepcopy(MAP)
    patch({"acc": acc, "wl": wl, "mp": mp}[where])
    with pytest.raises(SpecError, match=message) as err:
        _load(acc, wl, mp)
    assert "\n" not in str(err.value)


@pytest.mark.filterwarnings("default::carbonloop.interop.common.InteropWarning")
def test_ignored_fields_are_listed_in_warnings():
    acc = copy.deepcopy(ACC)
    acc["operational_array"].update(systolic_dimensions=["D1"])
    acc["memories"]["sram_8KB"]["latency"] = 2
    acc["dataflows"] = {"D1": ["K, 4"]}
    mp = copy.deepcopy(MAP)
    mp[0]["spatial_mapping"]["D1"] = ["K, 16"]
    with pytest.warns(InteropWarning) as record:
        _, _, maps = _load(acc, WL, mp)
    text = " ".join(str(w.message) for w in record)
    for item in (
        "operational_array.systolic_dimensions",
        "memories.sram_8KB.latency",
        "dataflows",
        "clipped to 4",
    ):
        assert item in text
    assert maps["conv_small"].level("sram_8KB").spatial[0] == ("D1", (Loop("K", 4),))


def test_evaluate_zigzag_prints_counts_and_json(capsys):
    from carbonloop.cli.interop_eval import evaluate_zigzag

    args = (EX / "accelerator.yaml", EX / "workload.yaml", EX / "mapping.yaml")
    assert evaluate_zigzag(*args) == 0
    captured = capsys.readouterr()
    assert "conv_small" in captured.out and "sram_8KB" in captured.out
    assert "warning:" in captured.err and "ports[].allocation" in captured.err
    assert evaluate_zigzag(*args, as_json=True) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["layers"][0]["accesses"]["sram_8KB"]["I"] == {"reads": 96, "fills": 40, "updates": 0}


def test_bandwidth_min_and_min_granularity_become_each_operands_minimum_access():
    # ZigZag 3.9.1 charges each transfer ceil(bits / bandwidth_min) minimum accesses (cost_model.py,
    # _calc_memory_access): the example's ports have bandwidth_min = bandwidth_max, so whole words
    _, acc, _ = _load()
    by_name = {m.name: m for m in acc.memories}
    assert by_name["o_reg"].min_read_bits == (("O", 16),) and by_name["o_reg"].min_write_bits == (("O", 16),)
    assert by_name["w_reg"].min_read_bits == (("W", 8),)
    assert by_name["sram_8KB"].min_read_bits == (("W", 64), ("I", 64), ("O", 64))
    assert by_name["dram"].min_write_bits == (("W", 64), ("I", 64), ("O", 64))
    # ZigZag 3.x before ports (KULeuven-MICAS/zigzag @ 404fe49, MemoryInstance.py): a memory's
    # min_r_granularity / min_w_granularity; the coarser of it and a port's bandwidth_min holds
    acc_in = copy.deepcopy(ACC)
    acc_in["memories"]["sram_8KB"]["min_r_granularity"] = 128
    acc_in["memories"]["sram_8KB"]["min_w_granularity"] = 16
    _, acc, _ = _load(acc=acc_in)
    sram = next(m for m in acc.memories if m.name == "sram_8KB")
    assert sram.min_read_bits == (("W", 128), ("I", 128), ("O", 128))
    assert sram.min_write_bits == (("W", 64), ("I", 64), ("O", 64))
    acc_in["memories"]["sram_8KB"]["min_r_granularity"] = 0
    with pytest.raises(SpecError, match="min_r_granularity"):
        _load(acc=acc_in)
