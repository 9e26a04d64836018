"""Per-operand memories in the accelerator spec: spans nested per operand chain, virtual levels of one
physical memory (``physical``), and the one-line errors that guard them."""

from __future__ import annotations

import pytest
import yaml

import carbonloop
from carbonloop.cli import run
from carbonloop.errors import SpecError
from carbonloop.hardware import accelerator_from_dict, load_preset
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.yaml import accelerator_to_dict
from carbonloop.model.mapping import mapping_from_data
from carbonloop.workload import conv2d


def _mem(name: str, ops: list[str], spans: list[str], size: int | None = 1024, **kw) -> dict:
    spec = {"name": name, "width_bits": 8, "read_pj": 1.0, "write_pj": 2.0, "operands": ops, "spans": spans}
    if size is not None:
        spec["size_bits"] = size
    return {**spec, **kw}


def _acc(memories: list[dict], axes: dict | None = None) -> Accelerator:
    return accelerator_from_dict(
        {"name": "t", "array": {"axes": axes or {"D1": 2, "D2": 2}, "mac_pj": 0.5}, "memories": memories}
    )


def _os() -> list[dict]:
    return [
        _mem("DRAM", ["W", "I", "O"], ["D1", "D2"], None),
        _mem("Wreg", ["W"], ["D2"]),
        _mem("Ireg", ["I"], ["D1"]),
        _mem("Oreg", ["O"], []),
    ]


def test_spans_need_only_nest_along_each_operands_chain():
    acc = _acc(_os())  # Ireg spans D1 under Wreg spanning D2: fine, they serve different operands
    assert not acc.spans_nested and not acc.has_virtual_levels
    assert acc.operand_fanout_level("D1", [0, 1]) == 0 and acc.operand_fanout_level("D1", [0, 2]) == 2


def test_spans_not_nested_along_one_operands_chain_are_refused_in_one_line():
    mems = _os()
    mems.insert(1, _mem("Ibuf", ["I"], ["D2"]))  # I: Ibuf spans D2, then Ireg spans D1: not a subset
    with pytest.raises(SpecError) as err:
        _acc(mems)
    msg = str(err.value)
    assert "memories[3].spans" in msg and "for operand I" in msg and "\n" not in msg


def test_presets_keep_nested_spans():
    for name in ("two_level", "eyeriss_like", "simba_like"):
        try:
            acc = load_preset(name)
        except SpecError:
            continue
        assert acc.spans_nested and not acc.has_virtual_levels


def _virtual(**override) -> list[dict]:
    shared = {"physical": "SRAM", "area_mm2": 1.5}
    mems = [
        _mem("DRAM", ["W", "I", "O"], ["D1", "D2"], None),
        _mem("SRAM.O", ["O"], ["D1", "D2"], **shared),
        _mem("SRAM.IW", ["I", "W"], ["D1", "D2"], **shared),
        _mem("reg", ["W", "I", "O"], []),
    ]
    for i, changes in override.items():
        mems[int(i[1:])].update(changes)
    return mems


def test_virtual_levels_of_one_sram_round_trip_and_count_area_once():
    acc = _acc(_virtual())
    assert acc.has_virtual_levels and acc.physical_groups() == ((0,), (1, 2), (3,))
    assert acc.area_mm2 == pytest.approx(1.5)
    again = accelerator_from_dict(accelerator_to_dict(acc))
    assert again.memories[1].physical == "SRAM" and again.memories[3].physical is None


@pytest.mark.parametrize(
    ("override", "field", "what"),
    [
        ({"m2": {"size_bits": 2048}}, "memories[2].size_bits", "are one memory"),
        ({"m2": {"operands": ["I", "O"]}}, "memories[2].operands", "kept by two virtual levels"),
        ({"m3": {"physical": "SRAM"}}, "memories[3]", ""),
        (
            {"m3": {"name": "SRAM", "physical": "RF"}},
            "memories[1].physical",
            "also the name of another level",
        ),
    ],
)
def test_bad_virtual_levels_get_one_line_errors(override, field, what):
    with pytest.raises(SpecError) as err:
        _acc(_virtual(**override))
    msg = str(err.value)
    assert field in msg and what in msg and "\n" not in msg


def test_virtual_levels_must_be_adjacent():
    mems = _virtual()
    mems.insert(2, _mem("mid", ["W", "I"], ["D1", "D2"]))
    with pytest.raises(SpecError, match="must be adjacent"):
        _acc(mems)


def test_the_pipeline_searches_per_operand_memories_and_scores_a_given_mapping():
    # the mapper searches spans that nest only per operand (docs/mapper.md); its proven optimum is at
    # most any given mapping's value, here one that fills the 2 x 2 array
    layer = conv2d("l", K=2, C=2, OY=1, OX=2, FY=1, FX=1)
    acc = _acc(_os())
    searched = carbonloop.evaluate(layer, acc, interlayer=False)
    assert searched.layers[0].cost.macs == 8 and searched.layers[0].search.optimal
    mapping = mapping_from_data(
        [
            {"level": "DRAM", "temporal": [["C", 2]]},
            {"level": "Wreg", "spatial": {"D2": [["OX", 2]]}},
            {"level": "Ireg", "spatial": {"D1": [["K", 2]]}},
        ]
    )
    given = carbonloop.evaluate(layer, acc, mapping=mapping, interlayer=False)
    assert given.layers[0].cost.macs == 8
    edp = lambda r: r.energy_pj * r.latency_cycles  # noqa: E731
    assert edp(searched) <= edp(given) * (1 + 1e-12)


def test_the_mappers_own_entry_points_prove_their_optimum_on_per_operand_memories():
    from carbonloop.mapper import search_layer, search_network
    from carbonloop.workload.network import Network

    layer = conv2d("l", K=2, C=2, OY=1, OX=2, FY=1, FX=1)
    alone = search_layer(layer, _acc(_os()), "edp")
    net = search_network(Network("n", (layer,)), _acc(_os()), "edp")
    assert alone.optimal and net.optimal
    assert net.energy_pj * net.latency_cycles == pytest.approx(alone.value, rel=1e-12)


def test_the_cli_searches_per_operand_memories(tmp_path, capsys):
    path = tmp_path / "os.yaml"
    path.write_text(
        yaml.safe_dump(
            {"name": "os", "array": {"axes": {"D1": 2, "D2": 2}, "mac_pj": 0.5}, "memories": _os()}
        )
    )
    code = run(["evaluate", "--accelerator", str(path), "--workload", "conv1d", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "energy_pj" in out
