"""``carbonloop export-mapping`` and format detection."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carbonloop.cli import run
from carbonloop.interop.detect import detect_file, detect_format
from carbonloop.interop.timeloop import load_timeloop
from carbonloop.model.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[2]
TL = ROOT / "examples" / "timeloop"
ZZ = ROOT / "examples" / "zigzag"

pytestmark = pytest.mark.filterwarnings("ignore::carbonloop.interop.common.InteropWarning")


def test_detect_recognises_each_tools_files(tmp_path):
    assert detect_file(TL / "arch.yaml") == ("timeloop", "accelerator")
    assert detect_file(TL / "problem.yaml") == ("timeloop", "workload")
    assert detect_file(TL / "map_tiled.yaml") == ("timeloop", "mapping")
    assert detect_file(TL / "ert.yaml") == ("timeloop", "ert")
    assert detect_file(ZZ / "accelerator.yaml") == ("zigzag", "accelerator")
    assert detect_file(ZZ / "workload.yaml") == ("zigzag", "workload")
    assert detect_file(ZZ / "mapping.yaml") == ("zigzag", "mapping")
    own = tmp_path / "m.yaml"
    own.write_text("- level: main_memory\n  temporal: [[M, 32]]\n")
    assert detect_file(own) == ("carbonloop", "mapping")
    assert detect_format("two_level", TL / "problem.yaml") == "timeloop"  # a preset name is not a file


def test_export_timeloop_mapping_round_trips_through_the_cli(tmp_path, capsys):
    out = tmp_path / "tl" / "mapping.yaml"
    rc = run(
        [
            "export-mapping",
            "--format",
            "timeloop",
            "--workload",
            str(TL / "problem.yaml"),
            "--accelerator",
            str(TL / "arch.yaml"),
            "--ert",
            str(TL / "ert.yaml"),
            "--mapping",
            str(TL / "map_weight_stationary.yaml"),
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    assert f"written to {out}" in capsys.readouterr().out
    layer, acc, m, _ = load_timeloop(
        TL / "arch.yaml", TL / "problem.yaml", out, TL / "ert.yaml", "carbonloop"
    )
    a = evaluate(layer, acc, m).accesses
    assert a["MainMemory"]["Inputs"]["reads"] == 142 and a["MainMemory"]["Outputs"]["updates"] == 512


def test_export_our_own_mapping_of_the_preset_to_both_formats(tmp_path, capsys):
    wl = tmp_path / "conv1d.yaml"
    wl.write_text("name: conv1d\ntype: conv1d\nparams: {M: 32, P: 16, R: 3}\n")
    mp = tmp_path / "ws.yaml"
    mp.write_text(
        "- level: main_memory\n  temporal: [[M, 32], [R, 3]]\n- level: buffer\n  temporal: [[P, 16]]\n"
    )
    base = ["export-mapping", "--workload", str(wl), "--accelerator", "two_level", "--mapping", str(mp)]
    assert run([*base, "--format", "timeloop"]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    temporal = [d for d in doc["mapping"] if d["type"] == "temporal"]
    assert temporal[0] == {
        "target": "main_memory",
        "type": "temporal",
        "factors": "M=32 P=1 R=3",
        "permutation": "RMP",
    }
    assert temporal[1]["factors"] == "M=1 P=16 R=1" and temporal[1]["permutation"].startswith("P")
    assert run([*base, "--format", "zigzag"]) == 0
    entries = yaml.safe_load(capsys.readouterr().out)
    assert entries[0]["temporal_ordering"] == [["P", 16], ["R", 3], ["M", 32]]  # innermost first


def test_export_takes_the_file_that_save_mapping_writes(tmp_path, capsys):
    # evaluate --save-mapping writes {layers: {name: nest}}; export-mapping picks one layer of it (issue #13)
    wl = tmp_path / "two.yaml"
    wl.write_text(
        "name: two\nlayers:\n- {name: a, type: conv1d, params: {M: 32, P: 16, R: 3}}\n"
        "- {name: b, type: conv1d, params: {M: 8, P: 16, R: 3}}\n"
    )
    saved = tmp_path / "saved.yaml"
    assert run(["evaluate", "-w", str(wl), "-a", "two_level", "--save-mapping", str(saved), "--json"]) == 0
    capsys.readouterr()
    nests = yaml.safe_load(saved.read_text())["layers"]
    base = ["export-mapping", "--workload", str(wl), "--accelerator", "two_level", "--mapping", str(saved)]
    assert run([*base, "--layer", "b", "--format", "zigzag"]) == 0
    entry = yaml.safe_load(capsys.readouterr().out)[0]
    # ZigZag lists the loops innermost first: layer b's saved nest, outermost first, reversed
    saved_b = [loop for level in nests["b"] for loop in level["temporal"]]
    assert entry["name"] == "b"
    assert entry["temporal_ordering"] == saved_b[::-1]
    assert sorted(f for d, f in saved_b if d == "M") == [8]  # b's own 8 channels, not a's 32
    assert run([*base, "--layer", "c", "--format", "zigzag"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {wl}: --layer: no layer 'c'") and len(err.splitlines()) == 1


def test_export_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    rc = run(
        [
            "export-mapping",
            "--format",
            "maestro",
            "--workload",
            str(TL / "problem.yaml"),
            "--accelerator",
            str(TL / "arch.yaml"),
            "--mapping",
            str(TL / "map_tiled.yaml"),
            "--ert",
            str(TL / "ert.yaml"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "unknown mapping format 'maestro'" in err and err.count("\n") == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("mapping:\n- {target: Buffer, type: temporal, factors: M=16}\n")
    rc = run(
        [
            "export-mapping",
            "--format",
            "zigzag",
            "--workload",
            str(TL / "problem.yaml"),
            "--accelerator",
            str(TL / "arch.yaml"),
            "--mapping",
            str(bad),
            "--ert",
            str(TL / "ert.yaml"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "factors multiply to" in err
