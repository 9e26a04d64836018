"""Every zoo network exported to ONNX and read back is the same network: same layers, same edges."""

from __future__ import annotations

import onnx
import pytest

from carbonloop.errors import SpecError
from carbonloop.workload import zoo
from carbonloop.workload.builders import conv1d
from carbonloop.workload.export_onnx import export_onnx, network_to_onnx
from carbonloop.workload.network import Network
from carbonloop.workload.onnx import load_onnx

EXPORTABLE = [n for n in zoo.names() if n != "conv1d"]  # conv1d is the course's 1-D nest, no ONNX operator


@pytest.mark.parametrize("name", EXPORTABLE)
def test_zoo_network_round_trips_through_onnx(tmp_path, name):
    net = zoo.get(name)
    path = export_onnx(net, tmp_path / f"{name}.onnx")
    back, summary = load_onnx(path)
    assert back.name == net.name
    assert [layer.name for layer in back.layers] == [layer.name for layer in net.layers]
    for ours, theirs in zip(net.layers, back.layers, strict=True):
        assert theirs == ours, ours.name  # dims, operands (axes, bits, constant) and kind
        assert (theirs.macs, theirs.weights) == (ours.macs, ours.weights)
    assert set(back.edges) == set(net.edges)
    assert (back.macs, back.weights, summary.macs) == (net.macs, net.weights, net.macs)
    # only exporter glue (reshapes, concatenations, resizes) is skipped
    assert {s.op_type for s in summary.skipped} <= {"Reshape", "Concat", "Resize"}


def test_export_is_shape_only_by_default_and_valid_onnx_with_zeros():
    model = network_to_onnx(zoo.get("resnet50"))
    assert all(not t.raw_data for t in model.graph.initializer)
    assert model.ByteSize() < 100_000  # 25.5 M weights, yet a few kB: shapes only
    onnx.shape_inference.infer_shapes(model, strict_mode=True)  # every shape is consistent
    small = network_to_onnx(zoo.get("resnet8"), zeros=True)
    onnx.checker.check_model(small, full_check=True)  # a complete model (zero weights)
    conv0 = next(t for t in small.graph.initializer if t.name == "conv0.W")
    assert len(conv0.raw_data) == 4 * 16 * 3 * 3 * 3  # float32 zeros, [K, C, FY, FX]


def test_layer_without_onnx_operator_is_refused():
    net = Network("course", (conv1d("c", M=4, P=8, R=3),))
    with pytest.raises(SpecError, match="no ONNX operator"):
        network_to_onnx(net)
