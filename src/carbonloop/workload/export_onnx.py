"""Write a Network as an ONNX graph (shape-only by default) that :func:`load_onnx` reads back to the same
layers, so the zoo can be handed to other tools (ZigZag, Timeloop front ends, Netron) and round-tripped.

Each layer becomes one node named after it (Conv, ConvTranspose, Gemm, MatMul, Add/Mul/Max, MaxPool,
AveragePool, GlobalAveragePool). Weights are initializers with their shape and, unless ``zeros=True``,
no data: a *shape-only* graph is a few kB whatever the model size. Where a consumer's input shape is not
its producer's output (a reshape, a head split, an upsampling the Network does not list) the exporter
inserts data-movement glue (Reshape, Concat, Resize) that the importer skips, keeping the edges.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import onnx
from onnx import TensorProto, helper

from carbonloop.errors import SpecError
from carbonloop.workload.layer import Layer
from carbonloop.workload.network import Network

OPSET = 17
_ELTWISE_OPS = {
    "add": "Add",
    "sub": "Sub",
    "sum": "Add",
    "mul": "Mul",
    "div": "Div",
    "max": "Max",
    "min": "Min",
}


def _pads(value: object) -> list[int]:
    """Builder padding (int or top, left, bottom, right) -> ONNX pads [top, left, bottom, right]."""
    if isinstance(value, int):
        return [value] * 4
    if isinstance(value, list | tuple) and len(value) == 4:
        return [int(v) for v in value]
    if isinstance(value, list | tuple) and len(value) == 2:
        return [int(value[0]), int(value[1]), int(value[0]), int(value[1])]
    return [0, 0, 0, 0]


def _two(info: dict[str, object], key: str) -> tuple[int, int]:
    value = info.get(key, [1, 1])
    if isinstance(value, int):
        return value, value
    pair = list(value)  # type: ignore[call-overload]
    return int(pair[0]), int(pair[1])


def _int(info: dict[str, object], key: str, default: int | None = None) -> int:
    value = info.get(key, default)
    if value is None:
        raise SpecError("<export>", f"info.{key}", "missing")
    return int(value)  # type: ignore[call-overload]


def _shape(info: dict[str, object], key: str, default: list[int]) -> list[int]:
    value = info.get(key, default)
    return [int(v) for v in value]  # type: ignore[attr-defined]


class _Writer:
    def __init__(self, network: Network, zeros: bool) -> None:
        self.network = network
        self.zeros = zeros
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.shapes: dict[str, list[int]] = {}
        self.glue = 0

    # --- tensors ---------------------------------------------------------------------------------
    def initializer(self, name: str, shape: list[int]) -> str:
        t = TensorProto()
        t.name = name
        t.data_type = TensorProto.FLOAT
        t.dims.extend(shape)
        if self.zeros:
            t.raw_data = bytes(4 * math.prod(shape))
        self.inits.append(t)
        return name

    def int_const(self, name: str, values: list[int]) -> str:
        self.inits.append(helper.make_tensor(name, TensorProto.INT64, [len(values)], values))
        return name

    def fit(self, layer: Layer, operand: str, shape: list[int]) -> str:
        """The tensor feeding ``operand`` of ``layer`` with exactly ``shape`` (glue where needed)."""
        producers = [e.producer for e in self.network.producers(layer.name) if e.operand == operand]
        if not producers:
            name = f"{layer.name}.{operand}.input"
            self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
            return name
        if len(producers) == 1 and self.shapes[producers[0]] == shape:
            return producers[0]
        self.glue += 1
        base = f"{layer.name}/glue_{operand}"
        flat = []
        for i, p in enumerate(producers):
            out = f"{base}/flat{i}"
            numel = math.prod(self.shapes[p])
            self.nodes.append(
                helper.make_node("Reshape", [p, self.int_const(f"{out}.shape", [1, numel])], [out], name=out)
            )
            flat.append(out)
        tensor = flat[0]
        if len(flat) > 1:
            tensor = f"{base}/concat"
            self.nodes.append(helper.make_node("Concat", flat, [tensor], name=tensor, axis=1))
        have = sum(math.prod(self.shapes[p]) for p in producers)
        want = math.prod(shape)
        if have != want:
            resized = f"{base}/resize"
            sizes = self.int_const(f"{resized}.sizes", [1, want])
            self.nodes.append(
                helper.make_node("Resize", [tensor, "", "", sizes], [resized], name=resized, mode="nearest")
            )
            tensor = resized
        out = f"{base}/reshape"
        self.nodes.append(
            helper.make_node("Reshape", [tensor, self.int_const(f"{out}.shape", shape)], [out], name=out)
        )
        return out

    def operand_input(self, layer: Layer, operand: str, shape: list[int]) -> str:
        op = layer.operand(operand)
        if op.constant:
            return self.initializer(f"{layer.name}.{operand}", shape)
        return self.fit(layer, operand, shape)

    # --- layers ----------------------------------------------------------------------------------
    def layer(self, layer: Layer) -> None:
        s = layer.sizes
        get = s.get
        info = layer.info
        kind = layer.kind
        out_shape: list[int]
        if kind in ("conv", "dwconv", "gconv"):
            (sy, sx), (dy, dx) = _two(info, "stride"), _two(info, "dilation")
            groups = _int(info, "groups", 1)
            K, C = _int(info, "channels_out"), _int(info, "channels_in")
            pads = _pads(info.get("padding", 0))
            B, OY, OX, FY, FX = get("B", 1), get("OY", 1), get("OX", 1), get("FY", 1), get("FX", 1)
            IY = (OY - 1) * sy + (FY - 1) * dy + 1 - pads[0] - pads[2]
            IX = (OX - 1) * sx + (FX - 1) * dx + 1 - pads[1] - pads[3]
            if IY < 1 or IX < 1:
                raise SpecError(
                    "<export>", f"layers.{layer.name}.padding", f"implies an empty input ({IY}x{IX})"
                )
            x = self.operand_input(layer, "I", [B, C, IY, IX])
            w = self.operand_input(layer, "W", [K, C // groups, FY, FX])
            attrs: dict[str, Any] = {
                "strides": [sy, sx],
                "dilations": [dy, dx],
                "group": groups,
                "pads": pads,
            }
            attrs["kernel_shape"] = [FY, FX]
            self.nodes.append(helper.make_node("Conv", [x, w], [layer.name], name=layer.name, **attrs))
            out_shape = [B, K, OY, OX]
        elif kind == "convtranspose":
            (sy, sx), (dy, dx) = _two(info, "stride"), _two(info, "dilation")
            groups = _int(info, "groups", 1)
            K, C = _int(info, "channels_out"), _int(info, "channels_in")
            pads = _pads(info.get("padding", 0))
            B, IY, IX, FY, FX = get("B", 1), get("IY", 1), get("IX", 1), get("FY", 1), get("FX", 1)
            x = self.operand_input(layer, "I", [B, C, IY, IX])
            w = self.operand_input(layer, "W", [C, K // groups, FY, FX])
            attrs = {
                "strides": [sy, sx],
                "dilations": [dy, dx],
                "group": groups,
                "pads": pads,
            }
            self.nodes.append(
                helper.make_node("ConvTranspose", [x, w], [layer.name], name=layer.name, **attrs)
            )
            OY = (IY - 1) * sy + (FY - 1) * dy + 1 - pads[0] - pads[2]
            OX = (IX - 1) * sx + (FX - 1) * dx + 1 - pads[1] - pads[3]
            out_shape = [B, K, OY, OX]
        elif kind == "fc":
            batch, n_in, n_out = get("OY", 1), _int(info, "in_features"), _int(info, "out_features")
            x = self.operand_input(layer, "I", [batch, n_in])
            w = self.operand_input(layer, "W", [n_out, n_in])
            self.nodes.append(helper.make_node("Gemm", [x, w], [layer.name], name=layer.name, transB=1))
            out_shape = [batch, n_out]
        elif kind == "matmul":
            M, N, K, B = (_int(info, k) for k in ("M", "N", "K", "B"))
            lead = [B] if B > 1 else []
            w_op = layer.operand("W")
            w_lead = lead if "B" in w_op.dims() else []
            x = self.operand_input(layer, "I", [*lead, M, K])
            w = self.operand_input(layer, "W", [*w_lead, K, N])
            self.nodes.append(helper.make_node("MatMul", [x, w], [layer.name], name=layer.name))
            out_shape = [*lead, M, N]
        elif kind in ("add", "mul", "max"):
            shape = _shape(info, "shape", [])
            first, second = _shape(info, "first_shape", shape), _shape(info, "second_shape", shape)
            op_type = _ELTWISE_OPS.get(str(info.get("op", kind)), _ELTWISE_OPS[kind])
            a = self.operand_input(layer, "I", first)
            b = self.operand_input(layer, "W", second)
            self.nodes.append(helper.make_node(op_type, [a, b], [layer.name], name=layer.name))
            out_shape = shape
        elif kind == "pool":
            mode = info.get("mode", "max")
            sy, sx = _two(info, "stride")
            pads = _pads(info.get("padding", 0))
            B, C, OY, OX, FY, FX = (get(d, 1) for d in ("B", "K", "OY", "OX", "FY", "FX"))
            IY, IX = (OY - 1) * sy + FY - pads[0] - pads[2], (OX - 1) * sx + FX - pads[1] - pads[3]
            x = self.operand_input(layer, "I", [B, C, IY, IX])
            if mode == "avg" and OY == OX == 1 and pads == [0, 0, 0, 0]:
                self.nodes.append(helper.make_node("GlobalAveragePool", [x], [layer.name], name=layer.name))
            else:
                op_type = "MaxPool" if mode == "max" else "AveragePool"
                attrs = {"kernel_shape": [FY, FX], "strides": [sy, sx], "pads": pads}
                self.nodes.append(helper.make_node(op_type, [x], [layer.name], name=layer.name, **attrs))
            out_shape = [B, C, OY, OX]
        else:
            raise SpecError(
                "<export>", f"layers.{layer.name}.type", f"layer kind {kind!r} has no ONNX operator"
            )
        self.shapes[layer.name] = out_shape


def network_to_onnx(network: Network, *, zeros: bool = False) -> onnx.ModelProto:
    """The ONNX model of ``network``: one node per layer; weights shape-only unless ``zeros``."""
    w = _Writer(network, zeros)
    for layer in network.layers:
        w.layer(layer)
    consumed = {e.producer for e in network.edges}
    outputs = [
        helper.make_tensor_value_info(layer.name, TensorProto.FLOAT, w.shapes[layer.name])
        for layer in network.layers
        if layer.name not in consumed
    ]
    graph = helper.make_graph(w.nodes, network.name, w.inputs, outputs, initializer=w.inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="carbonloop"
    )
    model.ir_version = 8
    helper.set_model_props(
        model, {"carbonloop.network": network.name, "carbonloop.weights": "zeros" if zeros else "shape-only"}
    )
    return model


def export_onnx(network: Network, path: str | Path, *, zeros: bool = False) -> Path:
    """Write ``network`` to ``path`` (see :func:`network_to_onnx`); returns the path."""
    out = Path(path)
    onnx.save(network_to_onnx(network, zeros=zeros), str(out))
    return out
