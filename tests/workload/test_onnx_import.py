"""ONNX import: every supported operator and every failure, on graphs built here with onnx.helper."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from carbonloop.errors import SpecError
from carbonloop.workload.load import load_workload
from carbonloop.workload.network import Edge
from carbonloop.workload.onnx import load_onnx, parse_precision

F = TensorProto.FLOAT


def weight(name: str, shape: list[int], dtype: int = F) -> TensorProto:
    """A shape-only initializer (no data), as in files whose weights are external or stripped."""
    t = TensorProto()
    t.name, t.data_type = name, dtype
    t.dims.extend(shape)
    return t


def save(tmp_path: Path, nodes, inputs, outputs, inits=(), name="g", opset=17) -> Path:
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, str(path))
    return path


def vi(name: str, shape, dtype: int = F):
    return helper.make_tensor_value_info(name, dtype, shape)


def out(name: str, dtype: int = F):
    return helper.make_tensor_value_info(name, dtype, None)


# --- convolutions ----------------------------------------------------------------------------------


def test_conv_strided_padded_gives_conv_layer_with_inferred_output(tmp_path):
    # 3x224x224 -> 64 channels, 7x7/2 pad 3: out 112x112; MACs = 64*3*112*112*7*7 = 118,013,952
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="stem", strides=[2, 2], pads=[3, 3, 3, 3])
    p = save(tmp_path, [n], [vi("x", [1, 3, 224, 224])], [out("y")], [weight("w", [64, 3, 7, 7])])
    net, summary = load_onnx(p)
    layer = net.layer("stem")
    assert layer.kind == "conv"
    assert layer.sizes == {"K": 64, "C": 3, "OY": 112, "OX": 112, "FY": 7, "FX": 7}
    assert layer.macs == 118_013_952
    assert layer.weights == 64 * 3 * 7 * 7
    assert layer.info["padding"] == (3, 3, 3, 3)
    assert summary.costed == (("Conv", 1),)


def test_depthwise_dilated_conv_has_group_loop_and_window_axis(tmp_path):
    # 32 channels, groups=32, 3x3 dilation 2, pad 2: out 16x16; MACs = 32*16*16*9 = 73,728
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="dw", group=32, dilations=[2, 2], pads=[2, 2, 2, 2])
    p = save(tmp_path, [n], [vi("x", [1, 32, 16, 16])], [out("y")], [weight("w", [32, 1, 3, 3])])
    layer = load_onnx(p)[0].layer("dw")
    assert layer.kind == "dwconv"
    assert layer.sizes == {"G": 32, "OY": 16, "OX": 16, "FY": 3, "FX": 3}
    assert layer.macs == 73_728 and layer.weights == 288
    i = layer.operand("I")
    assert (("OY", 1), ("FY", 2)) in i.axes  # iy = oy + 2*fy


def test_grouped_conv_and_same_upper_padding(tmp_path):
    # 64 -> 128 channels in 4 groups, 3x3/2 SAME_UPPER on 15x15: out 8x8, total pad 2 per axis (1 + 1)
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="g", group=4, strides=[2, 2], auto_pad="SAME_UPPER")
    p = save(tmp_path, [n], [vi("x", [2, 64, 15, 15])], [out("y")], [weight("w", [128, 16, 3, 3])])
    layer = load_onnx(p)[0].layer("g")
    assert layer.kind == "gconv"
    assert layer.sizes == {"B": 2, "G": 4, "K": 32, "C": 16, "OY": 8, "OX": 8, "FY": 3, "FX": 3}
    assert layer.macs == 2 * 128 * 16 * 8 * 8 * 9
    assert layer.info["padding"] == (1, 1, 1, 1)


def test_conv1d_maps_to_a_single_row(tmp_path):
    # 1-D conv: 8 -> 16 channels, kernel 5 on length 100, no pad: out length 96
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="c1d")
    p = save(tmp_path, [n], [vi("x", [1, 8, 100])], [out("y")], [weight("w", [16, 8, 5])])
    layer = load_onnx(p)[0].layer("c1d")
    assert layer.sizes == {"K": 16, "C": 8, "OX": 96, "FX": 5}
    assert layer.macs == 16 * 8 * 96 * 5


def test_conv_transpose_scatters_each_input_pixel(tmp_path):
    # 64 -> 32 channels, 4x4 stride 2 pad 1 on 8x8 (output 16x16): MACs = 64*32*8*8*4*4 = 2,097,152
    n = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], pads=[1, 1, 1, 1])
    p = save(tmp_path, [n], [vi("x", [1, 64, 8, 8])], [out("y")], [weight("w", [64, 32, 4, 4])])
    layer = load_onnx(p)[0].layer("up")
    assert layer.kind == "convtranspose"
    assert layer.macs == 2_097_152 and layer.weights == 64 * 32 * 16
    assert layer.relevance("O", "IY") == "window" and layer.reduction_dims == ("C",)


def test_conv_with_computed_weights_is_costed_with_a_non_constant_weight(tmp_path):
    nodes = [
        helper.make_node("Relu", ["k"], ["k2"], name="relu_k"),
        helper.make_node("Conv", ["x", "k2"], ["y"], name="dyn"),
    ]
    p = save(tmp_path, nodes, [vi("x", [1, 4, 8, 8]), vi("k", [8, 4, 3, 3])], [out("y")])
    net, summary = load_onnx(p)
    layer = net.layer("dyn")
    assert layer.operand("W").constant is False
    assert layer.weights == 0 and layer.macs == 8 * 4 * 6 * 6 * 9
    assert any("dyn" in n and "computed in the graph" in n for n in summary.notes)


# --- Gemm / MatMul ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("trans_a", "a_shape"), [(0, [4, 256]), (1, [256, 4])])
def test_gemm_with_constant_b_is_fully_connected(tmp_path, trans_a, a_shape):
    n = helper.make_node("Gemm", ["a", "w", "bias"], ["y"], name="fc", transA=trans_a, transB=1)
    inits = [weight("w", [10, 256]), weight("bias", [10])]
    p = save(tmp_path, [n], [vi("a", a_shape)], [out("y")], inits)
    layer = load_onnx(p)[0].layer("fc")
    assert layer.kind == "fc"
    assert layer.sizes == {"K": 10, "C": 256, "OY": 4}
    assert layer.macs == 4 * 256 * 10 and layer.weights == 2560  # bias not counted


def test_gemm_with_constant_a_is_the_transposed_product(tmp_path):
    n = helper.make_node("Gemm", ["w", "b"], ["y"], name="fcT")
    p = save(tmp_path, [n], [vi("b", [64, 3])], [out("y")], [weight("w", [16, 64])])
    layer = load_onnx(p)[0].layer("fcT")
    assert layer.macs == 16 * 64 * 3 and layer.weights == 16 * 64


def test_matmul_with_constant_weight_and_batched_activation(tmp_path):
    # [2, 384, 512] x [512, 128]: weights shared over the batch; MACs = 2*384*512*128
    n = helper.make_node("MatMul", ["x", "w"], ["y"], name="dense")
    p = save(tmp_path, [n], [vi("x", [2, 384, 512])], [out("y")], [weight("w", [512, 128])])
    layer = load_onnx(p)[0].layer("dense")
    assert layer.sizes == {"B": 2, "K": 128, "C": 512, "OY": 384}
    assert layer.weights == 512 * 128 and layer.macs == 2 * 384 * 512 * 128


def test_attention_matmuls_have_no_constant_operand_and_link_both_producers(tmp_path):
    # Q [1,4,384,32] x K^T [1,4,32,384] -> scores; scores x V [1,4,384,32]: 4*384*384*32 MACs each
    nodes = [
        helper.make_node("Transpose", ["k"], ["kt"], name="kT", perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["q", "kt"], ["s"], name="qk"),
        helper.make_node("Softmax", ["s"], ["p"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["p", "v"], ["c"], name="pv"),
    ]
    shape = [1, 4, 384, 32]
    p = save(tmp_path, nodes, [vi("q", shape), vi("k", shape), vi("v", shape)], [out("c")])
    net, summary = load_onnx(p)
    qk, pv = net.layer("qk"), net.layer("pv")
    assert qk.macs == pv.macs == 4 * 384 * 384 * 32 == 18_874_368
    assert qk.operand("W").constant is False and net.weights == 0
    assert qk.footprint("W") == 4 * 32 * 384  # the key tensor, per head
    assert Edge("qk", "pv", "I") in net.edges  # through the skipped Softmax
    assert {(s.op_type, s.name) for s in summary.skipped} == {("Transpose", "kT"), ("Softmax", "softmax")}


def test_matmul_broadcast_second_operand_is_not_indexed_by_batch(tmp_path):
    nodes = [helper.make_node("MatMul", ["a", "b"], ["y"], name="mm")]
    p = save(tmp_path, nodes, [vi("a", [8, 16, 32]), vi("b", [32, 24])], [out("y")])
    layer = load_onnx(p)[0].layer("mm")
    assert layer.macs == 8 * 16 * 32 * 24
    assert layer.footprint("W") == 32 * 24 and layer.footprint("I") == 8 * 16 * 32


# --- element-wise, pooling, skipped nodes ----------------------------------------------------------


def test_residual_add_links_both_branches_and_costs_no_macs(tmp_path):
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["a"], name="c1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["ar"], name="r1"),
        helper.make_node("Conv", ["ar", "w2"], ["b"], name="c2", pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["b", "ar"], ["y"], name="add"),
    ]
    inits = [weight("w1", [16, 16, 3, 3]), weight("w2", [16, 16, 3, 3])]
    net, summary = load_onnx(save(tmp_path, nodes, [vi("x", [1, 16, 8, 8])], [out("y")], inits))
    add = net.layer("add")
    assert add.kind == "add" and add.macs == 0 and add.ops == 16 * 8 * 8
    assert add.sizes == {"K": 16, "OY": 8, "OX": 8} and add.reduction_dims == ()
    assert set(net.edges) == {Edge("c1", "c2", "I"), Edge("c2", "add", "I"), Edge("c1", "add", "W")}
    assert net.macs == 2 * 16 * 16 * 8 * 8 * 9  # the two convs only
    assert summary.skipped_counts() == (("Relu", "activation: applied to the producer's outputs as they are "
                                          "written, not costed", 1),)  # fmt: skip


def test_mul_by_a_per_channel_constant_broadcasts(tmp_path):
    n = helper.make_node("Mul", ["s", "x"], ["y"], name="scale")  # constant first: swapped to W
    p = save(tmp_path, [n], [vi("x", [1, 32, 10, 10])], [out("y")], [weight("s", [1, 32, 1, 1])])
    layer = load_onnx(p)[0].layer("scale")
    assert layer.kind == "mul" and layer.macs == 0
    assert layer.footprint("W") == 32 and layer.operand("W").constant and layer.weights == 32
    assert layer.footprint("I") == 32 * 100


def test_pooling_layers_have_a_window_reduction(tmp_path):
    nodes = [
        helper.make_node(
            "MaxPool", ["x"], ["m"], name="max", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]
        ),
        helper.make_node("AveragePool", ["m"], ["a"], name="avg", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["a"], ["g"], name="gap"),
    ]
    net, _ = load_onnx(save(tmp_path, nodes, [vi("x", [1, 64, 112, 112])], [out("g")]))
    mx, avg, gap = net.layer("max"), net.layer("avg"), net.layer("gap")
    assert mx.sizes == {"K": 64, "OY": 56, "OX": 56, "FY": 3, "FX": 3} and mx.info["mode"] == "max"
    assert mx.reduction_dims == ("FY", "FX") and mx.relevance("I", "OY") == "window"
    assert avg.sizes == {"K": 64, "OY": 28, "OX": 28, "FY": 2, "FX": 2}
    assert gap.sizes == {"K": 64, "FY": 28, "FX": 28}
    assert net.macs == 0 and gap.ops == 64 * 28 * 28
    assert [e for e in net.edges] == [Edge("max", "avg"), Edge("avg", "gap")]


def test_data_movement_chain_links_to_nearest_costed_producers(tmp_path):
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["a"], name="left"),
        helper.make_node("Conv", ["x", "w2"], ["b"], name="right"),
        helper.make_node("BatchNormalization", ["a", "s", "bb", "m", "v"], ["an"], name="bn"),
        helper.make_node("Concat", ["an", "b"], ["c"], name="cat", axis=1),
        helper.make_node("Flatten", ["c"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "wf"], ["y"], name="fc", transB=1),
    ]
    inits = [weight("w1", [4, 3, 1, 1]), weight("w2", [4, 3, 1, 1]), weight("wf", [10, 8 * 5 * 5])]
    inits += [weight(n, [4]) for n in ("s", "bb", "m", "v")]
    net, summary = load_onnx(save(tmp_path, nodes, [vi("x", [1, 3, 5, 5])], [out("y")], inits))
    assert [layer.name for layer in net.layers] == ["left", "right", "fc"]
    assert set(net.producers("fc")) == {Edge("left", "fc"), Edge("right", "fc")}
    assert net.layer("fc").sizes == {"K": 10, "C": 200}
    assert {s.op_type for s in summary.skipped} == {"BatchNormalization", "Concat", "Flatten"}


def test_unsupported_operator_is_listed_with_its_reason(tmp_path):
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["a"], name="c"),
        helper.make_node("Einsum", ["a"], ["y"], name="weird", equation="bchw->bc"),
    ]
    net, summary = load_onnx(
        save(tmp_path, nodes, [vi("x", [1, 3, 4, 4])], [out("y")], [weight("w", [2, 3, 1, 1])])
    )
    assert len(net.layers) == 1
    assert summary.skipped_counts() == (("Einsum", "unsupported operator: not costed", 1),)
    assert "1 x Einsum: unsupported operator" in summary.format()


def test_nodes_on_constants_only_are_folded_not_costed(tmp_path):
    nodes = [
        helper.make_node("Mul", ["w", "s"], ["ws"], name="fold"),
        helper.make_node("Conv", ["x", "ws"], ["y"], name="c"),
    ]
    inits = [weight("w", [8, 3, 3, 3]), weight("s", [8, 1, 1, 1])]
    net, summary = load_onnx(save(tmp_path, nodes, [vi("x", [1, 3, 8, 8])], [out("y")], inits))
    assert [layer.name for layer in net.layers] == ["c"] and net.layer("c").operand("W").constant
    assert summary.skipped[0].name == "fold"


# --- precision -------------------------------------------------------------------------------------


def test_precision_from_tensor_types_and_from_the_option(tmp_path):
    # a QDQ graph: int8 weights and int8-quantized activations, dequantized to float for the Conv
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q_x"),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="dq_x"),
        helper.make_node("DequantizeLinear", ["wq", "ws"], ["w"], name="dq_w"),
        helper.make_node("Conv", ["xd", "w"], ["y"], name="c"),
    ]
    inits = [
        weight("wq", [8, 3, 3, 3], TensorProto.INT8),
        helper.make_tensor("ws", F, [], [0.1]),
        helper.make_tensor("xs", F, [], [0.1]),
        helper.make_tensor("xz", TensorProto.INT8, [], [0]),
    ]
    p = save(tmp_path, nodes, [vi("x", [1, 3, 8, 8])], [out("y")], inits)
    layer = load_onnx(p)[0].layer("c")
    assert (layer.operand("W").bits, layer.operand("I").bits) == (8, 8)
    assert layer.operand("W").constant  # constant through DequantizeLinear
    given = load_onnx(p, precision="w4a8")[0].layer("c")
    assert (given.operand("W").bits, given.operand("I").bits, given.output.psum_bits) == (4, 8, 16)


def test_float16_graph_is_16_bit(tmp_path):
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="c")
    h = TensorProto.FLOAT16
    p = save(tmp_path, [n], [vi("x", [1, 3, 8, 8], h)], [out("y", h)], [weight("w", [8, 3, 3, 3], h)])
    layer = load_onnx(p)[0].layer("c")
    assert (layer.operand("W").bits, layer.operand("I").bits, layer.output.psum_bits) == (16, 16, 32)


def test_float32_defaults_to_8_bits_and_says_so(tmp_path):
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="c")
    _, summary = load_onnx(
        save(tmp_path, [n], [vi("x", [1, 3, 8, 8])], [out("y")], [weight("w", [8, 3, 3, 3])])
    )
    assert "float tensors taken as 8-bit" in summary.precision


def test_bad_precision_string_is_a_spec_error():
    with pytest.raises(SpecError, match="precision"):
        parse_precision("int8")


# --- shapes and failures ---------------------------------------------------------------------------


def test_symbolic_batch_is_taken_as_one_with_a_note(tmp_path):
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="c")
    p = save(tmp_path, [n], [vi("x", ["N", 3, 8, 8])], [out("y")], [weight("w", [8, 3, 3, 3])])
    net, summary = load_onnx(p)
    assert net.layer("c").sizes["OY"] == 6 and "B" not in net.layer("c").sizes
    assert summary.notes == ("input 'x': batch dimension 'N' taken as 1",)


def test_missing_spatial_shape_names_the_node(tmp_path):
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="conv_needs_shape")
    p = save(tmp_path, [n], [vi("x", [1, 3, "H", "W"])], [out("y")], [weight("w", [8, 3, 3, 3])])
    with pytest.raises(SpecError) as err:
        load_onnx(p)
    assert err.value.source == str(p) and err.value.field == "nodes[conv_needs_shape]"
    assert "input_shapes" in err.value.message
    fixed, _ = load_onnx(p, input_shapes={"x": [1, 3, 10, 12]})
    assert fixed.layer("conv_needs_shape").sizes == {"K": 8, "C": 3, "OY": 8, "OX": 10, "FY": 3, "FX": 3}


def test_malformed_file_names_the_file(tmp_path):
    p = tmp_path / "broken.onnx"
    p.write_bytes(b"\x08\x07garbage that is not protobuf \xff\xfe")
    with pytest.raises(SpecError) as err:
        load_onnx(p)
    assert err.value.source == str(p) and err.value.field in ("<file>", "graph.node")
    assert "\n" not in str(err.value)


def test_missing_file_and_graph_without_costable_nodes(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_onnx(tmp_path / "absent.onnx")
    n = helper.make_node("Relu", ["x"], ["y"], name="r")
    with pytest.raises(SpecError, match="no costable node"):
        load_onnx(save(tmp_path, [n], [vi("x", [1, 4])], [out("y")]))


def test_load_workload_dispatches_on_the_spec(tmp_path):
    n = helper.make_node("Conv", ["x", "w"], ["y"], name="c")
    p = save(tmp_path, [n], [vi("x", [1, 3, 8, 8])], [out("y")], [weight("w", [8, 3, 3, 3])], name="tiny")
    assert load_workload(str(p)).name == "tiny"
    assert load_workload("cifar_resnet:depth=20").macs == 40_551_040
    (tmp_path / "w.yaml").write_text("name: one\ntype: conv2d\nparams: {K: 4, C: 2, OY: 3, OX: 3}\n")
    assert load_workload(str(tmp_path / "w.yaml")).macs == 4 * 2 * 9
    (tmp_path / "w.txt").write_text("x")
    with pytest.raises(SpecError, match="unknown workload format"):
        load_workload(str(tmp_path / "w.txt"))
    with pytest.raises(SpecError, match="unknown zoo network"):
        load_workload("no_such_net")


def test_node_missing_a_required_attribute_names_the_node(tmp_path):
    n = helper.make_node("MaxPool", ["x"], ["y"], name="pool_without_kernel")
    graph = helper.make_graph([n], "g", [vi("x", [1, 4, 8, 8])], [vi("y", [1, 4, 4, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "bad_node.onnx"
    onnx.save(model, str(path))
    with pytest.raises(SpecError) as err:
        load_onnx(path)
    assert (err.value.source, err.value.field) == (str(path), "nodes[pool_without_kernel]")
