"""Workload inputs refuse wrong types, absurd sizes and too many layers with one SpecError (#13.2)."""

from __future__ import annotations

import pytest

from carbonloop.errors import SpecError
from carbonloop.specio import MAX_LAYERS
from carbonloop.workload import onnx as onnx_reader
from carbonloop.workload import zoo
from carbonloop.workload.export_onnx import export_onnx
from carbonloop.workload.yaml import network_from_dict


def conv(**params: object) -> dict:
    return {
        "name": "c",
        "type": "conv2d",
        "params": {"K": 8, "C": 3, "OY": 8, "OX": 8, "FY": 3, "FX": 3, **params},
    }


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        # YAML 1.1 reads 2e18 (no dot) as a string: it reached int() inside the builder as ValueError
        ({"K": "2e18"}, "<layer>.params.K", "expected an integer (got '2e18')"),
        ({"K": 10**19}, "<layer>.params.K", "must be >= 0 and <= 1e+18 (got 10000000000000000000)"),
        ({"C": True}, "<layer>.params.C", "expected an integer (got True)"),
        ({"stride": [2, "x"]}, "<layer>.params.stride[1]", "expected an integer (got 'x')"),
        ({"stride": [2]}, "<layer>.params", "bad parameters for conv2d"),
        ({"OY": {"a": 1}}, "<layer>.params.OY", "expected an integer (got {'a': 1})"),
    ],
)
def test_bad_builder_parameters_are_one_spec_error(params, field, message):
    with pytest.raises(SpecError) as err:
        network_from_dict(conv(**params), "w.yaml")
    assert (err.value.source, err.value.field) == ("w.yaml", field)
    assert err.value.message.startswith(message), err.value.message


def test_integral_floats_are_accepted_as_sizes_by_the_check_and_judged_by_the_builder():
    # 8.0 passes the integer check (it is integral), the conv2d builder then asks for an int
    with pytest.raises(SpecError, match=r"layers\.c\.K: must be a positive integer \(got 8\.0\)"):
        network_from_dict(conv(K=8.0), "w.yaml")


def test_operand_precision_is_bounded():
    layer = {
        "name": "g",
        "dims": {"K": 4, "C": 4},
        "operands": [
            {"name": "w", "role": "W", "axes": ["K", "C"], "bits": 8},
            {"name": "i", "role": "I", "axes": ["C"], "bits": 4096},
            {"name": "o", "role": "O", "axes": ["K"], "bits": 8},
        ],
    }
    with pytest.raises(SpecError) as err:
        network_from_dict(layer, "g.yaml")
    assert err.value.field == "operands[1].bits"
    assert err.value.message == "Input should be less than or equal to 256 (got 4096)"


def test_a_network_of_more_than_max_layers_is_refused_and_max_layers_is_not():
    fc = {"type": "fc", "params": {"in_features": 2, "out_features": 2}}
    too_many = {"name": "n", "layers": [{"name": f"l{i}", **fc} for i in range(MAX_LAYERS + 1)]}
    with pytest.raises(SpecError) as err:
        network_from_dict(too_many, "n.yaml")
    assert err.value.field == "layers"
    assert err.value.message.startswith("List should have at most 10000 items after validation, not 10001")


def test_an_onnx_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "ae.onnx"
    export_onnx(zoo.get("autoencoder"), path)
    size = path.stat().st_size
    monkeypatch.setattr(onnx_reader, "MAX_ONNX_BYTES", size - 1)
    with pytest.raises(SpecError) as err:
        onnx_reader.load_onnx(path)
    assert str(err.value) == f"{path}: <file>: file of {size} bytes is larger than the limit of {size - 1}"
    monkeypatch.setattr(onnx_reader, "MAX_ONNX_BYTES", size)
    net, _ = onnx_reader.load_onnx(path)
    assert len(net.layers) == len(zoo.get("autoencoder").layers)
