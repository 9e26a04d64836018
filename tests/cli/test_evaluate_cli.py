"""``carbonloop evaluate`` with a fixed mapping: the JSON document, the table, and every bad-input case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carbonloop.cli import run

ROOT = Path(__file__).resolve().parents[2]
WS = str(ROOT / "examples" / "conv1d_ws.yaml")


def _json(capsys, argv: list[str]) -> dict:
    assert run(argv) == 0
    return json.loads(capsys.readouterr().out)


def _error(capsys, argv: list[str]) -> str:
    rc = run(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith("error: ")
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_json_document_has_the_documented_fields_and_hand_derived_counts(capsys):
    doc = _json(
        capsys,
        [
            "evaluate",
            "--workload",
            "conv1d:M=32,P=16,R=3",
            "--accelerator",
            "two_level",
            "--mapping",
            WS,
            "--json",
        ],
    )
    assert set(doc) >= {"workload", "accelerator", "energy_pj", "latency_cycles", "area_mm2", "layers"}
    layer = doc["layers"][0]
    assert set(layer) >= {
        "name",
        "macs",
        "energy_pj",
        "latency_cycles",
        "utilization",
        "accesses",
        "energy_breakdown_pj",
    }
    # weight stationary: see tests/model/test_conv1d_dataflows.py for the derivation
    assert layer["accesses"]["main_memory"]["I"] == {"reads": 142, "fills": 0, "updates": 0}
    assert layer["accesses"]["buffer"]["W"] == {"reads": 1536, "fills": 96, "updates": 0}
    assert doc["energy_pj"] == pytest.approx(8223.10)
    # compute = 1536 MACs x 0.56 pJ; main memory W = 96 reads x 7.95 pJ
    assert layer["energy_breakdown_pj"]["compute"] == pytest.approx(860.16)
    assert layer["energy_breakdown_pj"]["main_memory"]["W"] == pytest.approx(763.2)
    # area: 0.045756 (SRAM) + 0.001886 (register file) + 0.0003 (MAC), from the preset
    assert doc["area_mm2"] == pytest.approx(0.047942)


def test_table_output_names_levels_and_totals(capsys):
    assert run(["evaluate", "-w", "conv1d", "-a", "two_level", "-m", WS]) == 0
    out = capsys.readouterr().out
    assert "main_memory" in out and "buffer" in out and "8,223.1 pJ" in out


def test_missing_mapping_file(capsys, tmp_path):
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", str(tmp_path / "nope.yaml")])
    assert "nope.yaml" in err and "no such file" in err


def test_malformed_yaml_names_file_and_line(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- level: main_memory\n  temporal: [[M, 32]\n")
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", str(bad)])
    assert "bad.yaml" in err and "line" in err and "malformed YAML" in err


def test_unknown_dimension(capsys, tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("- level: main_memory\n  temporal: [[Q, 32]]\n")
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", str(m)])
    assert "m.yaml: levels[0].temporal[0]: unknown dimension 'Q'" in err


def test_unknown_level(capsys, tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("- level: l2_cache\n  temporal: [[M, 32]]\n")
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", str(m)])
    assert "levels[0].level: unknown level 'l2_cache'" in err


def test_factor_product_mismatch(capsys, tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text(
        "- level: main_memory\n  temporal: [[M, 16], [R, 3]]\n- level: buffer\n  temporal: [[P, 16]]\n"
    )
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", str(m)])
    assert "loops.M: factors multiply to 16 but the layer has M=32" in err


def test_zero_factor(capsys, tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("- level: main_memory\n  temporal: [[M, 0]]\n")
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", str(m)])
    assert "levels[0].temporal[0]" in err and "got 0" in err


def test_tile_that_does_not_fit_names_level_need_and_capacity(capsys, tmp_path):
    # buffer holds every operand: M(32) R(3) there needs W 96 + I 3 + O 32 = 131 words = 1048 bits > 512
    m = tmp_path / "m.yaml"
    m.write_text(
        "- level: main_memory\n  temporal: [[P, 16]]\n- level: buffer\n  temporal: [[M, 32], [R, 3]]\n"
    )
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", str(m)])
    assert "levels[1]: tile of W+I+O needs 1048 bits but 'buffer' holds 512 bits" in err


def test_negative_size_in_workload_file(capsys, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text("name: bad\ntype: conv2d\nparams: {K: -4, C: 3, OY: 8, OX: 8}\n")
    err = _error(capsys, ["evaluate", "-w", str(w), "-a", "two_level", "-m", WS])
    assert "w.yaml" in err and "K" in err and "-4" in err


def test_zero_size_in_accelerator_file(capsys, tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text(
        "name: bad\narray: {axes: {X: 0}, mac_pj: 1}\n"
        "memories:\n  - {name: dram, width_bits: 8, read_pj: 1, write_pj: 1}\n"
    )
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", str(a), "-m", WS])
    assert "a.yaml: array.axes.X" in err and "got 0" in err


def test_unknown_field_in_accelerator_file(capsys, tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text(
        "name: x\narray: {axes: {}, mac_pj: 1}\n"
        "memories:\n  - {name: dram, width_bits: 8, read_pj: 1, write_pj: 1, colour: red}\n"
    )
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", str(a), "-m", WS])
    assert "memories[0].colour" in err


def test_unknown_zoo_name(capsys):
    err = _error(capsys, ["evaluate", "-w", "resnet9000", "-a", "two_level", "-m", WS])
    assert "resnet9000" in err


def test_unknown_preset(capsys):
    err = _error(capsys, ["evaluate", "-w", "conv1d", "-a", "warp_drive", "-m", WS])
    assert "unknown preset 'warp_drive'" in err


def test_carbon_section_operational_part_is_energy_times_grid(capsys):
    doc = _json(
        capsys, ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", WS, "--carbon", "--fps", "10", "--json"]
    )
    c = doc["carbon"]
    # 8223.10 pJ = 8223.10e-12 J = 8223.10e-12 / 3.6e6 kWh, at CarbonSpot's world grid 301 g/kWh
    # (KULeuven-MICAS/carbonspot @ 0839b49, expr.py calc_cf)
    assert c["breakdown"]["ca"]["operational"] == pytest.approx(8223.10e-12 / 3.6e6 * 301, rel=1e-9)
    assert c["period_ns"] == pytest.approx(1e8)  # 10 inferences per second
    assert c["deadline_met"] is True and c["pa_g"] > c["ca_g"]


TL = ROOT / "examples" / "timeloop"


def test_evaluate_reads_timeloop_files_and_keeps_their_names(capsys):
    argv = [
        "evaluate",
        "--format",
        "timeloop",
        "--arch",
        str(TL / "arch.yaml"),
        "--problem",
        str(TL / "problem.yaml"),
    ]
    argv += ["--mapping", str(TL / "map_weight_stationary.yaml"), "--ert", str(TL / "ert.yaml"), "--json"]
    # Timeloop's files are read under Timeloop's conventions unless told otherwise. Loop nest:
    # MainMemory: m in 32, r in 3 | Buffer: p in 16. The buffer's input window i[r : r+16] slides by one
    # while r steps (16 + 1 + 1 = 18 words per m), and Timeloop drops the overlap when r resets under a
    # step of m, so every m refetches its 18 words: 32 * 18 = 576 reads of MainMemory's inputs.
    doc = _json(capsys, argv)
    acc = doc["layers"][0]["accesses"]
    assert doc["conventions"] == "timeloop"
    assert acc["MainMemory"]["Inputs"]["reads"] == 32 * 18
    # carbonloop's own convention credits the overlap across the reset too: after the first 18 words each
    # m needs i[0:2] again (window i[2:18] -> i[0:16]) and then one word per r step, 2 + 1 + 1 = 4.
    doc = _json(capsys, [*argv, "--conventions", "carbonloop"])
    acc = doc["layers"][0]["accesses"]
    # the same weight-stationary 1-D conv as examples/conv1d_ws.yaml, in Timeloop's names
    assert acc["MainMemory"]["Inputs"]["reads"] == 18 + 31 * 4
    assert acc["Buffer"]["Weights"] == {"reads": 1536, "fills": 96, "updates": 0}
    assert doc["energy_pj"] == pytest.approx(8223.10)


def test_evaluate_detects_zigzag_files(capsys):
    zz = ROOT / "examples" / "zigzag"
    argv = [
        "evaluate",
        "-w",
        str(zz / "workload.yaml"),
        "-a",
        str(zz / "accelerator.yaml"),
        "-m",
        str(zz / "mapping.yaml"),
    ]
    doc = _json(capsys, [*argv, "--json"])
    assert doc["accelerator"] == "tiny_4x4" and doc["layers"]
    # the ZigZag path checks --budget as the native one does, before it reads a file
    err = _error(capsys, [*argv, "--budget", "0"])
    assert "--budget" in err and "got 0" in err


def test_timeloop_format_without_its_files_is_one_line_error(capsys):
    err = _error(capsys, ["evaluate", "--format", "timeloop", "--arch", str(TL / "arch.yaml")])
    assert "needs --arch, --problem and --mapping" in err


def test_a_one_megabyte_search_ceiling_reaches_the_mapper_and_finds_the_same_optimum(capsys, monkeypatch):
    # The mapper streams its candidate tilings in chunks sized to the ceiling; the proven optimum and its
    # mappings cannot depend on the chunk size (tests/mapper holds this down to a ceiling of one byte).
    import carbonloop.mapper.network as network_search

    seen: list[int | None] = []
    real = network_search.search_network

    def spy(*args, **kwargs):
        seen.append(kwargs.get("max_memory_bytes"))
        return real(*args, **kwargs)

    monkeypatch.setattr(network_search, "search_network", spy)
    argv = ["evaluate", "-w", "resnet8", "-a", "tpu_like", "--json"]
    free = _json(capsys, argv)
    capped = _json(capsys, [*argv, "--max-memory-mb", "1"])
    assert seen == [None, 1_000_000]
    assert capped["energy_pj"] == free["energy_pj"]
    assert capped["latency_cycles"] == free["latency_cycles"]
    assert [lay["mapping"] for lay in capped["layers"]] == [lay["mapping"] for lay in free["layers"]]


def test_budget_of_zero_mappings_names_the_option(capsys):
    line = _error(capsys, ["evaluate", "-w", "resnet8", "-a", "tpu_like", "--budget", "0"])
    assert "--budget" in line and "got 0" in line


def test_zigzag_conventions_on_imc_list_the_additions_and_poolings_left_out(capsys):
    """ResNet-20's 9 residual adds and its average pooling are not costed on a DIMC macro under the zigzag
    conventions (ZigZag 3.9.1 skips Pooling and Add on an IMC array): the JSON names them, the 20 convolutions
    and the classifier are the layers, and the table says so in one line."""
    argv = ["evaluate", "--workload", "resnet20", "--accelerator", "dimc_28nm", "--conventions", "zigzag"]
    argv += ["--budget", "20", "--objective", "energy"]
    doc = _json(capsys, [*argv, "--json"])
    adds = [f"stage{s}.{b}.add" for s in (1, 2, 3) for b in (0, 1, 2)]
    assert doc["not_costed"] == [*adds, "avgpool"]
    assert len(doc["layers"]) == 30 - 10
    assert not {layer["name"] for layer in doc["layers"]} & set(doc["not_costed"])
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "not costed under the zigzag conventions" in out and "avgpool" in out
