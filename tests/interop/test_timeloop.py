"""Timeloop v0.4 inputs read into carbonloop's model; counts checked against hand-derived values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carbonloop.errors import SpecError
from carbonloop.interop.common import InteropWarning, parse_tagged_yaml
from carbonloop.interop.export import export_mapping
from carbonloop.interop.timeloop import load_timeloop, timeloop_report
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import Loop

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "timeloop"
DATA = ROOT / "tests" / "data" / "timeloop"


def _example(mapping: str, conventions: str = "carbonloop"):
    return load_timeloop(
        EX / "arch.yaml", EX / "problem.yaml", EX / f"map_{mapping}.yaml", EX / "ert.yaml", conventions
    )


def _counts(level: str, space: str, cost) -> tuple[int, int, int]:
    c = cost.accesses[level][space]
    return c["reads"], c["fills"], c["updates"]


def test_weight_stationary_conv1d_counts_follow_timeloop_conventions():
    layer, acc, mapping, names = _example("weight_stationary")
    assert acc.level_names == ("MainMemory", "Buffer")
    assert [o.name for o in layer.operands] == ["Weights", "Inputs", "Outputs"]
    assert [o.role for o in layer.operands] == ["W", "I", "O"]
    cost = evaluate(layer, acc, mapping)
    # Nest: MainMemory: m in 32, r in 3 | Buffer: p in 16. MACs = 32*16*3 = 1536.
    # Weights: each (m, r) weight fetched once while p sweeps -> 32*3 = 96.
    assert _counts("MainMemory", "Weights", cost) == (96, 0, 0)
    # Inputs: the buffer holds i[r .. r+15] (16 inputs). First tile 16; each r step slides by 1 (1 new);
    # each m step resets r by -2: the window overlaps 14, so 2 new. 16 + 31*(2 + 2) + 2 = 142.
    assert _counts("MainMemory", "Inputs", cost) == (142, 0, 0)
    # Outputs: R is irrelevant to outputs, so the 16 partial sums of a channel stay in the buffer over r and
    # go up once: 32*16 = 512 updates, never read back.
    assert _counts("MainMemory", "Outputs", cost) == (0, 0, 512)
    # Buffer feeds every MAC: 1536 weight and input reads; fills equal the parent's reads.
    assert _counts("Buffer", "Weights", cost) == (1536, 96, 0)
    assert _counts("Buffer", "Inputs", cost) == (1536, 142, 0)
    # Outputs: 1536 updates; reads = 1536 - 512 first updates (no read) + 512 sent up = 1536.
    assert _counts("Buffer", "Outputs", cost) == (1536, 0, 1536)
    # Energy (ERT): MainMemory 96*7.95 + 142*7.95 + 512*5.45 = 4682.5; Buffer (1536+96 + 1536+142
    # + 1536+1536)*0.42 = 2680.44; MACs 1536*0.56 = 860.16.
    assert cost.energy_pj == pytest.approx(4682.5 + 2680.44 + 860.16)


def test_output_stationary_and_tiled_mappings_count_input_refetches():
    layer, acc, mapping, _ = _example("output_stationary")
    cost = evaluate(layer, acc, mapping)
    # m in 32, p in 16 | r in 3: a 3-input window slides by 1 per p (3 + 15 new per channel) and restarts
    # at every channel (no overlap after a jump of -15): 18*32 = 576.
    assert _counts("MainMemory", "Inputs", cost) == (576, 0, 0)
    assert _counts("MainMemory", "Outputs", cost) == (0, 0, 512)
    # Output stationary: 1536 updates, 1536 - 512 read-modify-writes + 512 sent up.
    assert _counts("Buffer", "Outputs", cost) == (1536, 0, 1536)
    layer, acc, mapping, _ = _example("tiled")
    cost = evaluate(layer, acc, mapping)
    # m in 8, p in 4 | m in 4, p in 4, r in 3: input tile 4+3-1 = 6; a p step (stride 4) overlaps 2 (4 new);
    # per channel tile 6 + 3*4 = 18, 8 channel tiles (no overlap across): 144. Weights: 12 per channel tile.
    assert _counts("MainMemory", "Inputs", cost) == (144, 0, 0)
    assert _counts("MainMemory", "Weights", cost) == (8 * 12, 0, 0)
    assert _counts("Buffer", "Inputs", cost) == (1536, 144, 0)


def test_pe_array_fanout_becomes_array_axes_and_counts_multicast():
    d = DATA
    with pytest.warns(InteropWarning) as record:
        layer, acc, mapping, names = load_timeloop(
            d / "arch_pe_array.yaml",
            d / "problem_conv1d_8x8.yaml",
            d / "map_pe_array.yaml",
            d / "ert_pe_array.yaml",
            "carbonloop",
        )
    messages = " ".join(str(w.message) for w in record)
    assert "GlobalBuffer.attributes.n_banks" in messages  # listed, not silently dropped
    assert "RegFile.read" in messages  # two argument variants: the largest energy is used
    assert acc.array.axes == (("GlobalBuffer_X", 4), ("GlobalBuffer_Y", 2))
    assert [m.spans for m in acc.memories] == [("GlobalBuffer_X", "GlobalBuffer_Y")] * 2 + [()]
    assert acc.clock_ns == pytest.approx(2.0) and acc.node_nm == 45
    assert acc.memories[0].size_bits is None and acc.memories[1].size_bits == 1024 * 8
    assert mapping.level("GlobalBuffer").spatial == (
        ("GlobalBuffer_X", (Loop("M", 4),)),
        ("GlobalBuffer_Y", (Loop("P", 2),)),
    )  # split 1: M on X, P on Y
    cost = evaluate(layer, acc, mapping)
    # Nest: GlobalBuffer: m in 2, p in 4, spatial M4 x P2 (8 PEs) | RegFile: r in 3. MACs = 8*8*3 = 192.
    # RegFile weights: 3 per PE, new when m steps: 2*3 = 6 per PE, 48 in total; GlobalBuffer sends 12 per
    # m step (P multicast over Y): 24 reads = its 24 fills = DRAM's 24 reads.
    assert _counts("RegFile", "Weights", cost) == (192, 48, 0)
    assert _counts("GlobalBuffer", "Weights", cost) == (24, 24, 0)
    # Inputs bypass the RegFile: per cycle the 8 PEs need a 2-input window (M multicast over X):
    # 24 cycles * 2 = 48 GlobalBuffer reads; the whole 8+3-1 = 10 inputs come from DRAM once.
    assert _counts("GlobalBuffer", "Inputs", cost) == (48, 10, 0)
    assert _counts("DRAM", "Inputs", cost) == (10, 0, 0)
    # Outputs: each PE accumulates 3 products into 8 outputs (24 updates, 16 read back + 8 sent up);
    # the 64 outputs reach GlobalBuffer and DRAM once.
    assert _counts("RegFile", "Outputs", cost) == (192, 0, 192)
    assert _counts("GlobalBuffer", "Outputs", cost) == (64, 0, 64)
    assert _counts("DRAM", "Outputs", cost) == (0, 0, 64)
    # Energy: DRAM words are 64 bits (8 scalars): (24 + 10 + 64)/8 * 512 = 6272.
    assert cost.energy_breakdown_pj["DRAM"]["Weights"] == pytest.approx(24 / 8 * 512)
    report = timeloop_report(cost, names)
    assert "=== RegFile ===" in report and report.index("=== RegFile ===") < report.index("=== DRAM ===")
    regfile = report[report.index("=== RegFile ===") : report.index("=== GlobalBuffer ===")]
    assert "Utilized instances                        : 8" in regfile
    assert "Scalar fills (per-instance)           : 6" in regfile  # 48 fills over 8 PEs


@pytest.mark.filterwarnings("ignore::carbonloop.interop.common.InteropWarning")
def test_export_to_timeloop_and_read_back_gives_the_same_counts(tmp_path):
    for arch, problem, mapping, ert in (
        (EX / "arch.yaml", EX / "problem.yaml", EX / "map_tiled.yaml", EX / "ert.yaml"),
        (EX / "arch.yaml", EX / "problem.yaml", EX / "map_weight_stationary.yaml", EX / "ert.yaml"),
        (
            DATA / "arch_pe_array.yaml",
            DATA / "problem_conv1d_8x8.yaml",
            DATA / "map_pe_array.yaml",
            DATA / "ert_pe_array.yaml",
        ),
    ):
        layer, acc, m, _ = load_timeloop(arch, problem, mapping, ert)
        first = evaluate(layer, acc, m)
        text = export_mapping(m, layer, acc, "timeloop")
        out = tmp_path / "exported.yaml"
        out.write_text(text)
        layer2, acc2, m2, _ = load_timeloop(arch, problem, out, ert)
        again = evaluate(layer2, acc2, m2)
        assert again.accesses == first.accesses
        assert again.energy_pj == pytest.approx(first.energy_pj)
    # The last one: the spatial directive keeps M on X (before the split) and P on Y.
    assert "factors: M=4 P=2 R=1, permutation: MPR, split: 1" in text
    assert "keep: [Weights, Outputs]" in text


def test_exported_permutation_is_innermost_first():
    layer, acc, m, _ = _example("weight_stationary")
    text = export_mapping(m, layer, acc, "timeloop")
    # Our nest at MainMemory is m (outer), r (inner): Timeloop writes R first.
    assert "{target: MainMemory, type: temporal, factors: M=32 P=1 R=3, permutation: RMP}" in text


def test_tagged_yaml_loads_with_the_tag_recorded():
    data = parse_tagged_yaml("nodes:\n- !Component {name: A, class: SRAM}\n- !Container\n  name: B\n")
    assert data["nodes"][0] == {"!tag": "!Component", "name": "A", "class": "SRAM"}
    assert data["nodes"][1]["!tag"] == "!Container"


def test_problem_coefficients_become_strides():
    arch = parse_tagged_yaml((EX / "arch.yaml").read_text())
    problem = {
        "problem": {
            "shape": {
                "name": "strided",
                "dimensions": ["P", "R"],
                "coefficients": [{"name": "Wstride", "default": 1}],
                "data_spaces": [
                    {"name": "Weights", "projection": [[["R"]]]},
                    {"name": "Inputs", "projection": [[["P", "Wstride"], ["R"]]]},
                    {"name": "Outputs", "projection": [[["P"]]], "read_write": True},
                ],
            },
            "instance": {"P": 4, "R": 3, "Wstride": 2},
        }
    }
    layer, _, _, _ = load_timeloop(arch, problem, None, EX / "ert.yaml")
    assert layer.operand("Inputs").axes == ((("P", 2), ("R", 1)),)
    assert layer.footprint("Inputs") == 2 * (4 - 1) + (3 - 1) + 1  # 9 inputs


def test_no_ert_falls_back_to_cost_models_with_a_warning():
    with pytest.warns(InteropWarning, match="no ERT given: energies from carbonloop's cost models at 28 nm"):
        _, acc, _, _ = load_timeloop(EX / "arch.yaml", EX / "problem.yaml", EX / "map_tiled.yaml")
    assert acc.memories[0].read_pj > acc.memories[1].read_pj > 0  # SRAM costs more than the register file


def _arch_with(extra_node: str) -> dict:
    text = (
        (EX / "arch.yaml")
        .read_text()
        .replace("  - !Component\n    name: MACC", extra_node + "  - !Component\n    name: MACC")
    )
    return parse_tagged_yaml(text)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ([{"target": "Cache", "type": "temporal", "factors": "M=32"}], "unknown storage level 'Cache'"),
        ([{"target": "Buffer", "type": "sequential"}], "unknown directive type 'sequential'"),
        ([{"target": "Buffer", "type": "temporal", "factors": "Q=2"}], "unknown dimension 'Q'"),
        (
            [{"target": "Buffer", "type": "temporal", "factors": "M=2", "colour": "red"}],
            "colour: unknown field",
        ),
        (
            [{"target": "Buffer", "type": "spatial", "factors": "M=2", "permutation": "M"}],
            "no spatial fan-out",
        ),
        (
            [{"target": "Buffer", "type": "temporal", "factors": "M=2 P=16", "permutation": "M"}],
            "have factors > 1 but no place in the permutation",
        ),
        ([{"target": "Buffer", "type": "bypass", "bypass": ["Psums"]}], "unknown data space 'Psums'"),
        ([{"target": "Buffer", "type": "temporal", "factors": "M=2 M=16"}], "dimension M appears twice"),
    ],
)
def test_bad_mapping_directives_raise_one_line_errors(mapping, message):
    with pytest.raises(SpecError, match=message) as err:
        load_timeloop(EX / "arch.yaml", EX / "problem.yaml", {"mapping": mapping}, EX / "ert.yaml")
    assert "\n" not in str(err.value)


def test_factors_above_the_problem_size_are_clipped_with_a_warning():
    mapping = {
        "mapping": [
            {"target": "MainMemory", "type": "temporal", "factors": "M=64 R=3", "permutation": "RM"},
            {"target": "Buffer", "type": "temporal", "factors": "P=16", "permutation": "P"},
        ]
    }
    with pytest.warns(InteropWarning, match="M=64 exceeds the problem's M=32"):
        layer, acc, m, _ = load_timeloop(
            EX / "arch.yaml", EX / "problem.yaml", mapping, EX / "ert.yaml", "carbonloop"
        )
    assert evaluate(layer, acc, m).accesses["MainMemory"]["Inputs"]["reads"] == 142


def test_unsupported_architecture_constructs_raise_one_line_errors():
    with pytest.raises(SpecError, match="a !Container inside a !Parallel node"):
        load_timeloop(
            _arch_with("  - !Parallel\n    nodes: [!Container {name: PE}]\n"),
            EX / "problem.yaml",
            None,
            EX / "ert.yaml",
        )
    with pytest.raises(SpecError, match="needs a datawidth"):
        load_timeloop(
            _arch_with(
                "  - !Component\n    name: Reg\n    class: regfile\n    attributes: {depth: 4, width: 8}\n"
            ),
            EX / "problem.yaml",
            None,
            EX / "ert.yaml",
        )
    with pytest.raises(SpecError, match="cannot tell whether 'Widget'"):
        load_timeloop(
            _arch_with("  - !Component\n    name: Widget\n    class: router\n"),
            EX / "problem.yaml",
            None,
            EX / "ert.yaml",
        )
    with pytest.raises(SpecError, match="frobnicate: unknown field"):
        load_timeloop(
            _arch_with("  - !Component\n    name: Reg\n    class: regfile\n    frobnicate: 1\n"),
            EX / "problem.yaml",
            None,
            EX / "ert.yaml",
        )
    with pytest.raises(SpecError, match="no table with a 'read' action for component 'Reg'"):
        load_timeloop(
            _arch_with(
                "  - !Component\n    name: Reg\n    class: regfile\n    attributes: {depth: 4, datawidth: 8}\n"
            ),
            EX / "problem.yaml",
            None,
            EX / "ert.yaml",
        )


def test_evaluate_timeloop_prints_the_report_or_the_json_document(capsys):
    from carbonloop.cli.interop_eval import evaluate_timeloop

    args = (EX / "arch.yaml", EX / "problem.yaml", EX / "map_weight_stationary.yaml", EX / "ert.yaml")
    assert evaluate_timeloop(*args) == 0
    out = capsys.readouterr().out
    main = out[out.index("=== MainMemory ===") :]
    inputs = main[main.index("Inputs:") : main.index("Outputs:")]
    # --format timeloop reads with Timeloop's conventions: MainMemory m in 32, r in 3 | Buffer p in 16. Each m
    # step resets r, so the 16-input window is fetched whole (no overlap after a reset), then slides by 1 per
    # r step: 32 * (16 + 2) = 576 (the exact model credits the overlap: 142).
    assert "Scalar reads (per-instance)           : 576" in inputs
    assert "Computes = 1536" in out
    assert evaluate_timeloop(*args, as_json=True) == 0
    doc = json.loads(capsys.readouterr().out)  # the document of `carbonloop evaluate --json`
    assert doc["workload"] == "problem" and doc["macs"] == 1536
    layer = doc["layers"][0]
    assert layer["accesses"]["MainMemory"]["Inputs"] == {"reads": 576, "fills": 0, "updates": 0}
    # No drain reads: the Buffer's output reads are the 1536 - 512 read-modify-writes only.
    assert layer["accesses"]["Buffer"]["Outputs"]["reads"] == 1024
    assert layer["accesses"]["Buffer"]["Outputs"]["updates"] == 1536
