"""``carbonloop workload show``, ``zoo list``, ``zoo export`` and ``import-torch`` from the command line."""

from __future__ import annotations

import json
import sys

import pytest

from carbonloop.cli import run
from carbonloop.workload.onnx import load_onnx


def show_json(capsys, spec: str) -> dict:
    rc = run(["workload", "show", spec, "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return json.loads(captured.out)


def test_show_json_of_a_zoo_network_has_totals_and_per_layer_fields(capsys):
    data = show_json(capsys, "ds_cnn")
    # MLPerf-Tiny DS-CNN: the Conv/Gemm nodes of CarbonSpot's ds_cnn ONNX graph (KULeuven-MICAS/carbonspot
    # @ 0839b49) total 2,656,768 MACs and 22,016 int8 weights
    assert data["macs"] == 2_656_768 and data["weights"] == 22_016
    assert len(data["layers"]) == 10
    conv0 = data["layers"][0]
    assert set(conv0) >= {"name", "type", "dims", "macs", "weights", "activations"}
    # conv0: 64 x 1 x 25 x 5 x 10 x 4 = 320,000 MACs, 2,560 weights, 64 x 25 x 5 = 8,000 outputs
    assert (conv0["name"], conv0["type"], conv0["macs"], conv0["weights"], conv0["activations"]) == (
        "conv0",
        "conv",
        320_000,
        2_560,
        8_000,
    )
    assert conv0["dims"] == {"K": 64, "OY": 25, "OX": 5, "FY": 10, "FX": 4}
    assert sum(r["macs"] for r in data["layers"]) == data["macs"]


def test_show_table_of_a_parameterized_zoo_network(capsys):
    assert run(["workload", "show", "cifar_resnet:depth=20"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "cifar_resnet20"
    assert any(line.startswith("stage1.0.add") and " add " in line for line in lines)
    total = lines[-1].split()
    assert total[:3] == ["total", "30", "layers"] and total[3] == "40,551,040" and total[4] == "268,336"


def test_show_a_yaml_file(tmp_path, capsys):
    spec = tmp_path / "two.yaml"
    spec.write_text(
        "name: two\nlayers:\n"
        "  - {name: a, type: conv2d, params: {K: 8, C: 3, OY: 16, OX: 16, FY: 3, FX: 3}}\n"
        "  - {name: b, type: fc, params: {in_features: 2048, out_features: 10}, inputs: [a]}\n"
    )
    data = show_json(capsys, str(spec))
    assert data["name"] == "two"
    assert [r["macs"] for r in data["layers"]] == [8 * 3 * 256 * 9, 20_480]
    assert data["weights"] == 216 + 20_480 and data["edges"] == [["a", "b", "I"]]


def test_show_an_onnx_file_with_precision(tmp_path, capsys):
    path = tmp_path / "r8.onnx"
    assert run(["zoo", "export", "resnet8", "-o", str(path)]) == 0
    assert "resnet8, 10 layers" in capsys.readouterr().out
    data = show_json(capsys, str(path))
    assert data["macs"] == 12_501_632 and data["weight_bytes"] == 77_360
    assert run(["workload", "show", str(path), "--json", "--precision", "w4a8"]) == 0
    assert json.loads(capsys.readouterr().out)["weight_bytes"] == 77_360 // 2


def test_bad_workload_name_is_one_line_and_rc_2(capsys):
    assert run(["workload", "show", "resnet_9000"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("error: resnet_9000: workload: unknown zoo network 'resnet_9000'")


def test_malformed_onnx_is_one_line_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x0a\xff\xff\xff not onnx")
    assert run(["workload", "show", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"error: {bad}: ")


def test_zoo_list_names_every_network_with_its_suite(capsys):
    assert run(["zoo", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["mobilebert"]["suite"] == "mobile" and rows["resnet8"]["suite"] == "tiny"
    assert rows["cifar_resnet"]["params"] == "depth=20,width=16,classes=10"
    assert rows["vgg16"]["macs"] == 15_470_264_320


def test_zoo_export_zero_weights_round_trips(tmp_path, capsys):
    path = tmp_path / "ae.onnx"
    assert run(["zoo", "export", "autoencoder", "-o", str(path), "--zeros"]) == 0
    assert "(zero-valued)" in capsys.readouterr().out
    net, _ = load_onnx(path)
    assert net.macs == 264_192  # MLPerf-Tiny AutoEncoder: 10 dense layers


def test_import_torch_without_torch_says_how_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    rc = run(["import-torch", "model.py:Net", "--input-shape", "1,3,32,32", "-o", str(tmp_path / "m.onnx")])
    assert rc == 2
    assert (
        capsys.readouterr().err.strip()
        == 'error: import-torch: torch: PyTorch is not installed: pip install "carbonloop[torch]"'
    )


def test_import_torch_rejects_a_bad_shape(capsys):
    assert run(["import-torch", "m:N", "--input-shape", "1,a", "-o", "x.onnx"]) == 2
    assert "--input-shape" in capsys.readouterr().err


def test_import_torch_exports_the_example_model(tmp_path, capsys):
    pytest.importorskip("torch")
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "torch_model" / "model.py"
    out = tmp_path / "tiny.onnx"
    assert run(["import-torch", f"{example}:TinyResNet", "--input-shape", "1,3,32,32", "-o", str(out)]) == 0
    net, _ = load_onnx(out)
    # stem 3->16 (3x3, 32x32) + two 16->16 3x3 convs + fc 16->10; see examples/torch_model/README.md
    assert net.macs == 16 * 3 * 9 * 1024 + 2 * 16 * 16 * 9 * 1024 + 160
    assert [layer.kind for layer in net.layers].count("add") == 1
