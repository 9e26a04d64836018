"""Import an ONNX graph as a Network of costable layers, with a summary of what was not costed and why.

Shapes come from onnx's own shape inference (initializer and value_info shapes suffice, so shape-only
files with external or absent weights load). Conv, ConvTranspose, Gemm and MatMul (and their quantized
forms) become MAC layers; Add/Sub/Mul/Div/Max/Min and pooling become element-wise and pooling layers
(:mod:`carbonloop.workload.elementwise`); activations, normalization and data movement (Reshape,
Transpose, Concat, ...) are listed in the summary, and a consumer links through them to the nearest costed
producer. Any graph that cannot be read gives one SpecError naming the file and the node.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx
from onnx import TensorProto

from carbonloop.errors import SpecError
from carbonloop.specio import MAX_LAYERS, check_file_size
from carbonloop.workload.builders import conv2d, fully_connected, matmul
from carbonloop.workload.elementwise import conv_transpose2d, eltwise, pool2d
from carbonloop.workload.layer import Axis, Layer
from carbonloop.workload.network import Edge, Network

CONV_OPS = {"Conv": (0, 1), "ConvInteger": (0, 1), "QLinearConv": (0, 3)}
MATMUL_OPS = {"MatMul": (0, 1), "MatMulInteger": (0, 1), "QLinearMatMul": (0, 3)}
ELTWISE_OPS = {
    "Add": "add",
    "Sub": "add",
    "Sum": "add",
    "Mul": "mul",
    "Div": "mul",
    "Max": "max",
    "Min": "max",
}
POOL_OPS = {"MaxPool": "max", "AveragePool": "avg", "GlobalAveragePool": "avg", "GlobalMaxPool": "max"}

_ACTIVATIONS = {
    "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "LeakyRelu", "PRelu", "Elu", "Selu",
    "Gelu", "Erf", "Softmax", "LogSoftmax", "Softplus", "Softsign", "Mish", "Exp", "Log", "Sqrt",
    "Reciprocal", "Neg", "Abs", "Pow", "Celu", "ThresholdedRelu", "Sign", "Floor", "Ceil", "Round",
}  # fmt: skip
_NORMS = {"BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization", "LRN"}
_MOVEMENT = {
    "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice", "Gather",
    "GatherElements", "GatherND", "Pad", "Identity", "Cast", "CastLike", "Shape", "Size", "Resize",
    "Upsample", "Expand", "Tile", "Dropout", "Constant", "ConstantOfShape", "DepthToSpace", "SpaceToDepth",
    "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "Range", "Where", "Equal", "Less",
    "Greater", "Not", "And", "Or", "NonZero", "ScatterND", "ScatterElements", "TopK", "ArgMax", "ArgMin",
    "NonMaxSuppression", "OneHot", "Trilu", "EyeLike",
}  # fmt: skip
_REDUCE = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceL1"}

_TYPE_BITS: dict[int, int] = {
    TensorProto.INT8: 8, TensorProto.UINT8: 8, TensorProto.INT16: 16, TensorProto.UINT16: 16,
    TensorProto.FLOAT16: 16, TensorProto.BFLOAT16: 16, TensorProto.INT4: 4, TensorProto.UINT4: 4,
}  # fmt: skip
MAX_ONNX_BYTES = 2**31
"""Largest ONNX file read: protobuf's own 2 GiB limit, checked before reading so the error is ours."""
MAX_ONNX_NODES = 10 * MAX_LAYERS
"""Most graph nodes (an exported layer is often several nodes: a conv, its bias, an activation ...)."""

DEFAULT_BITS = 8
"""Bits of float32 tensors unless a precision is given: the usual int8 deployment (and ZigZag's default)."""


@dataclass(frozen=True)
class SkippedNode:
    """A node that is not a layer: its name, operator and why it is not costed."""

    name: str
    op_type: str
    reason: str


@dataclass(frozen=True)
class ImportSummary:
    """What an import made of the graph: costed layers per operator, skipped nodes, notes, precision."""

    source: str
    costed: tuple[tuple[str, int], ...]
    skipped: tuple[SkippedNode, ...]
    notes: tuple[str, ...] = ()
    precision: str = ""
    layers: int = 0
    macs: int = 0
    weights: int = 0

    def skipped_counts(self) -> tuple[tuple[str, str, int], ...]:
        """(operator, reason, count) for the skipped nodes, most frequent first."""
        counts = Counter((s.op_type, s.reason) for s in self.skipped)
        return tuple((op, reason, n) for (op, reason), n in counts.most_common())

    def format(self) -> str:
        """A few lines for the terminal."""
        ops = ", ".join(f"{op} {n}" for op, n in self.costed)
        lines = [
            f"{self.source}: {self.layers} layers ({ops}); {self.macs:,} MACs, {self.weights:,} weights; "
            f"precision {self.precision}"
        ]
        if self.skipped:
            lines.append(f"not costed ({len(self.skipped)} nodes):")
            lines += [f"  {n} x {op}: {reason}" for op, reason, n in self.skipped_counts()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _reason(op_type: str) -> str:
    if op_type in _ACTIVATIONS:
        return "activation: applied to the producer's outputs as they are written, not costed"
    if op_type in _NORMS:
        return "normalization: folded into the preceding layer for inference, not costed"
    if op_type in _MOVEMENT:
        return "data movement or indexing, no arithmetic: not costed"
    if op_type in _REDUCE:
        return "reduction not modelled as a layer: not costed"
    return "unsupported operator: not costed"


def parse_precision(text: str) -> tuple[int, int]:
    """``"w8a8"`` -> (8, 8): weight and activation bits."""
    m = re.fullmatch(r"\s*w(\d+)\s*a(\d+)\s*", text.lower())
    if not m or min(int(m.group(1)), int(m.group(2))) < 1:
        raise SpecError("<option>", "precision", f"expected wNaM such as w8a8 or w4a8 (got {text!r})")
    return int(m.group(1)), int(m.group(2))


class _Importer:
    def __init__(self, model: onnx.ModelProto, source: str, precision: str | None) -> None:
        self.model = model
        self.graph = model.graph
        self.source = source
        self.given = parse_precision(precision) if precision else None
        self.shapes: dict[str, tuple[int | None, ...] | None] = {}
        self.types: dict[str, int] = {}
        self.constant: set[str] = set()
        self.producer: dict[str, onnx.NodeProto] = {}
        self.sources: dict[str, set[str]] = {}
        self.layers: list[Layer] = []
        self.edges: list[Edge] = []
        self.skipped: list[SkippedNode] = []
        self.notes: list[str] = []
        self.costed: Counter[str] = Counter()
        self.float_default = False

    # --- tensors ---------------------------------------------------------------------------------
    def _record(self, vi: onnx.ValueInfoProto) -> None:
        tt = vi.type.tensor_type
        if not vi.type.HasField("tensor_type"):
            return
        self.types[vi.name] = tt.elem_type
        if tt.HasField("shape"):
            self.shapes[vi.name] = tuple(
                d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tt.shape.dim
            )

    def collect(self) -> None:
        g = self.graph
        for vi in [*g.input, *g.value_info, *g.output]:
            self._record(vi)
        for t in g.initializer:
            self.shapes[t.name] = tuple(t.dims)
            self.types[t.name] = t.data_type
            self.constant.add(t.name)
        for node in g.node:
            for out in node.output:
                self.producer[out] = node
            if node.op_type in ("Constant", "ConstantOfShape", "Shape", "Size"):
                self.constant.update(o for o in node.output if o)
                for a in node.attribute:
                    if a.name == "value" and a.HasField("t"):
                        self.shapes[node.output[0]] = tuple(a.t.dims)
                        self.types[node.output[0]] = a.t.data_type

    def shape(self, node: onnx.NodeProto, tensor: str, what: str) -> tuple[int, ...]:
        s = self.shapes.get(tensor)
        if s is None or any(d is None for d in s):
            known = "unknown" if s is None else "[" + ", ".join("?" if d is None else str(d) for d in s) + "]"
            raise SpecError(
                self.source,
                f"nodes[{node.name or node.op_type}]",
                f"{node.op_type} {what} {tensor!r} has shape {known} after shape inference; "
                "give static input shapes (input_shapes=... / --input-shape)",
            )
        return tuple(int(d) for d in s if d is not None)

    def origin_type(self, tensor: str, depth: int = 0) -> int:
        """Element type where the data comes from (through dequantize, cast and layout nodes)."""
        node = self.producer.get(tensor)
        if node is not None and depth < 16 and node.input and node.op_type in {
            "DequantizeLinear", "Cast", "Identity", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze",
        }:  # fmt: skip
            return self.origin_type(node.input[0], depth + 1)
        return self.types.get(tensor, TensorProto.FLOAT)

    def bits(self, tensor: str, role: str) -> int:
        if self.given is not None:
            return self.given[0] if role == "W" else self.given[1]
        t = self.origin_type(tensor)
        if t in _TYPE_BITS:
            return _TYPE_BITS[t]
        self.float_default = True
        return DEFAULT_BITS

    def conv_bits(self, x: str, w: str) -> tuple[int, int, int, int]:
        a = self.bits(x, "I")
        return (self.bits(w, "W"), a, a, 2 * a)

    # --- layers ----------------------------------------------------------------------------------
    def add_layer(self, node: onnx.NodeProto, layer: Layer, feeds: list[tuple[str, str]]) -> None:
        self.layers.append(layer)
        self.costed[node.op_type] += 1
        for tensor, operand in feeds:
            for p in sorted(self.sources.get(tensor, ())):
                self.edges.append(Edge(p, layer.name, operand))
        for out in node.output:
            self.sources[out] = {layer.name}

    def skip(self, node: onnx.NodeProto, name: str, reason: str) -> None:
        self.skipped.append(SkippedNode(name, node.op_type, reason))
        src: set[str] = set()
        for t in node.input:
            if t and t not in self.constant:
                src |= self.sources.get(t, set())
        for out in node.output:
            self.sources[out] = src
        if node.input and all(t in self.constant for t in node.input if t):
            self.constant.update(o for o in node.output if o)

    def run(self) -> None:
        used: Counter[str] = Counter()
        for i, node in enumerate(self.graph.node):
            base = node.name or f"{node.op_type}_{i}"
            used[base] += 1
            name = base if used[base] == 1 else f"{base}_{used[base]}"
            op = node.op_type
            if node.domain not in ("", "ai.onnx"):
                self.skip(node, name, f"operator of domain {node.domain!r}: not costed")
                continue
            if (
                op in CONV_OPS
                or op in MATMUL_OPS
                or op == "ConvTranspose"
                or op == "Gemm"
                or op in ELTWISE_OPS
            ):
                live = [t for t in node.input[:2] if t]
                if live and all(t in self.constant for t in live):
                    self.skip(node, name, "all inputs are constants (folded at export time): not costed")
                    continue
            try:
                if op in CONV_OPS:
                    self.conv(node, name)
                elif op == "ConvTranspose":
                    self.conv_transpose(node, name)
                elif op == "Gemm":
                    self.gemm(node, name)
                elif op in MATMUL_OPS:
                    self.matmul(node, name)
                elif op in ELTWISE_OPS:
                    self.eltwise(node, name)
                elif op in POOL_OPS:
                    self.pool(node, name)
                else:
                    self.skip(node, name, _reason(op))
            except SpecError as err:
                if err.source == self.source:
                    raise
                raise SpecError(self.source, f"nodes[{name}]", f"{op}: {err.message}") from None
            except (KeyError, IndexError, ValueError, TypeError) as err:  # a malformed node
                detail = " ".join(str(err).split())[:200] or type(err).__name__
                raise SpecError(
                    self.source, f"nodes[{name}]", f"{op}: cannot read the node ({detail})"
                ) from None

    def _attrs(self, node: onnx.NodeProto) -> dict[str, Any]:
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def _pads(self, attrs: dict[str, Any], spatial: int, need: list[int]) -> tuple[int, int, int, int]:
        """ONNX pads (begin..., end...) as (top, left, bottom, right); ``need`` = total padding per axis."""
        auto = attrs.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else str(auto)
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            begin = [n // 2 if auto == "SAME_UPPER" else n - n // 2 for n in need]
            end = [n - b for n, b in zip(need, begin, strict=True)]
            pads = [*begin, *end]
        else:
            pads = [int(p) for p in attrs.get("pads", [0] * (2 * spatial))]
        if spatial == 1:
            return (0, pads[0], 0, pads[1])
        return (pads[0], pads[1], pads[2], pads[3])

    def _spatial(self, node: onnx.NodeProto, shape: tuple[int, ...], what: str) -> tuple[int, int]:
        if len(shape) == 3:
            return 1, shape[2]
        if len(shape) == 4:
            return shape[2], shape[3]
        raise SpecError(
            self.source,
            f"nodes[{node.name or node.op_type}]",
            f"{what} must be 1-D or 2-D (shape {list(shape)})",
        )

    def conv(self, node: onnx.NodeProto, name: str) -> None:
        xi, wi = CONV_OPS[node.op_type]
        x, w, y = node.input[xi], node.input[wi], node.output[0]
        xs, ws, ys = (
            self.shape(node, x, "input"),
            self.shape(node, w, "weight"),
            self.shape(node, y, "output"),
        )
        if len(xs) not in (3, 4):
            self.skip(node, name, f"{len(xs) - 2}-D convolution: not costed")
            return
        attrs = self._attrs(node)
        spatial = len(xs) - 2
        groups = int(attrs.get("group", 1))
        strides = [int(v) for v in attrs.get("strides", [1] * spatial)]
        dil = [int(v) for v in attrs.get("dilations", [1] * spatial)]
        IY, IX = self._spatial(node, xs, "input")
        OY, OX = self._spatial(node, ys, "output")
        FY, FX = (1, ws[2]) if spatial == 1 else (ws[2], ws[3])
        sy, sx = (1, strides[0]) if spatial == 1 else (strides[0], strides[1])
        dy, dx = (1, dil[0]) if spatial == 1 else (dil[0], dil[1])
        need = [max((o - 1) * s + (f - 1) * d + 1 - i, 0) for o, s, f, d, i in
                zip((OY, OX), (sy, sx), (FY, FX), (dy, dx), (IY, IX), strict=True)][2 - spatial:]  # fmt: skip
        pads = self._pads(attrs, spatial, need)
        layer = conv2d(
            name, K=ys[1], C=xs[1], OY=OY, OX=OX, FY=FY, FX=FX, stride=(sy, sx), dilation=(dy, dx),
            groups=groups, B=xs[0], padding=pads, bits=self.conv_bits(x, w),
        )  # fmt: skip
        self.add_weighted_layer(node, name, layer, x, w)

    def add_weighted_layer(self, node: onnx.NodeProto, name: str, layer: Layer, x: str, w: str) -> None:
        """Add a layer fed by activation ``x`` and weights ``w``; weights computed in the graph (not an
        initializer) become a second activation input."""
        feeds = [(x, "I")]
        if w not in self.constant:
            layer = _with_operand(layer, "W", constant=False)
            self.notes.append(
                f"nodes[{name}]: weight input {w!r} is computed in the graph; costed as an activation"
            )
            feeds.append((w, "W"))
        self.add_layer(node, layer, feeds)

    def conv_transpose(self, node: onnx.NodeProto, name: str) -> None:
        x, w = node.input[0], node.input[1]
        xs, ws = self.shape(node, x, "input"), self.shape(node, w, "weight")
        if len(xs) not in (3, 4):
            self.skip(node, name, f"{len(xs) - 2}-D transposed convolution: not costed")
            return
        attrs = self._attrs(node)
        spatial = len(xs) - 2
        groups = int(attrs.get("group", 1))
        strides = [int(v) for v in attrs.get("strides", [1] * spatial)]
        dil = [int(v) for v in attrs.get("dilations", [1] * spatial)]
        IY, IX = self._spatial(node, xs, "input")
        FY, FX = (1, ws[2]) if spatial == 1 else (ws[2], ws[3])
        stride = (1, strides[0]) if spatial == 1 else (strides[0], strides[1])
        dilation = (1, dil[0]) if spatial == 1 else (dil[0], dil[1])
        pads = self._pads(attrs, spatial, [0] * spatial)
        layer = conv_transpose2d(
            name, K=ws[1] * groups, C=xs[1], IY=IY, IX=IX, FY=FY, FX=FX, stride=stride, dilation=dilation,
            groups=groups, B=xs[0], padding=pads, bits=self.conv_bits(x, w),
        )  # fmt: skip
        self.add_weighted_layer(node, name, layer, x, w)

    def gemm(self, node: onnx.NodeProto, name: str) -> None:
        a, b = node.input[0], node.input[1]
        sa, sb = self.shape(node, a, "input A"), self.shape(node, b, "input B")
        if len(sa) != 2 or len(sb) != 2:
            raise SpecError(
                self.source, f"nodes[{name}]", f"Gemm needs 2-D inputs (got {list(sa)}, {list(sb)})"
            )
        attrs = self._attrs(node)
        M, K = (sa[1], sa[0]) if attrs.get("transA", 0) else sa
        N = sb[0] if attrs.get("transB", 0) else sb[1]
        if b in self.constant:
            bits = self.conv_bits(a, b)
            layer = fully_connected(name, in_features=K, out_features=N, batch=M, bits=bits)
            self.add_layer(node, layer, [(a, "I")])
        elif a in self.constant:
            layer = fully_connected(name, in_features=K, out_features=M, batch=N, bits=self.conv_bits(b, a))
            self.add_layer(node, layer, [(b, "I")])
        else:
            layer = matmul(name, M=M, N=N, K=K, weight_constant=False, bits=self.conv_bits(a, b))
            self.add_layer(node, layer, [(a, "I"), (b, "W")])

    def matmul(self, node: onnx.NodeProto, name: str) -> None:
        ai, bi = MATMUL_OPS[node.op_type]
        a, b = node.input[ai], node.input[bi]
        sa, sb = list(self.shape(node, a, "input A")), list(self.shape(node, b, "input B"))
        if len(sa) == 1:
            sa = [1, *sa]
        if len(sb) == 1:
            sb = [*sb, 1]
        if sa[-1] != sb[-2]:
            raise SpecError(self.source, f"nodes[{name}]", f"inner sizes differ: {sa} x {sb}")
        M, K, N = sa[-2], sa[-1], sb[-1]
        batch_a, batch_b = math.prod(sa[:-2]), math.prod(sb[:-2])
        y = self.shapes.get(node.output[0])
        batch = math.prod(d for d in (y or ())[:-2] if d) if y and len(y) > 2 else max(batch_a, batch_b)
        batch = max(batch, batch_a, batch_b)
        if b in self.constant or a in self.constant:
            act, const = (a, b) if b in self.constant else (b, a)
            shared = (batch_b if const == b else batch_a) == 1
            if const == a:
                M, N = N, M
            layer = matmul(
                name, M=M, N=N, K=K, B=batch, weight_constant=shared, bits=self.conv_bits(act, const)
            )
            if not shared:
                layer = _with_operand(layer, "W", constant=True)
            self.add_layer(node, layer, [(act, "I")])
            return
        layer = matmul(name, M=M, N=N, K=K, B=batch, weight_constant=False, bits=self.conv_bits(a, b))
        if batch > 1 and batch_b == 1:  # the second operand is shared by every batch: not indexed by B
            layer = _with_operand(layer, "W", drop_dims={"B"})
        self.add_layer(node, layer, [(a, "I"), (b, "W")])

    def eltwise(self, node: onnx.NodeProto, name: str) -> None:
        inputs = [t for t in node.input if t]
        y = node.output[0]
        ys = self.shape(node, y, "output")
        if len(inputs) == 1:
            self.skip(node, name, "single-input sum is a copy: not costed")
            return
        first, second = inputs[0], inputs[1]
        if first in self.constant and second not in self.constant:
            first, second = second, first
        fs, ss = self.shape(node, first, "input"), self.shape(node, second, "input")
        a_bits = self.bits(first, "I")
        s_const = second in self.constant
        w_bits = self.bits(second, "W" if s_const else "I")
        layer = eltwise(
            name, shape=ys, kind=ELTWISE_OPS[node.op_type], first_shape=fs, second_shape=ss,
            second_constant=s_const, bits=(w_bits, a_bits, a_bits, a_bits), op=node.op_type.lower(),
        )  # fmt: skip
        feeds = [(first, "I")] + [(t, "W") for t in inputs[1:] if t != first and t not in self.constant]
        if len(inputs) > 2:
            self.notes.append(
                f"nodes[{name}]: {len(inputs)}-input {node.op_type} costed as one two-input layer"
            )
        self.add_layer(node, layer, feeds)

    def pool(self, node: onnx.NodeProto, name: str) -> None:
        x, y = node.input[0], node.output[0]
        xs, ys = self.shape(node, x, "input"), self.shape(node, y, "output")
        if len(xs) not in (3, 4):
            self.skip(node, name, f"{len(xs) - 2}-D pooling: not costed")
            return
        IY, IX = self._spatial(node, xs, "input")
        OY, OX = self._spatial(node, ys, "output")
        a = self.bits(x, "I")
        mode = POOL_OPS[node.op_type]
        bits = (a, a, 2 * a if mode == "avg" else a)
        if node.op_type.startswith("Global"):
            layer = pool2d(name, C=xs[1], OY=1, OX=1, FY=IY, FX=IX, B=xs[0], mode=mode, bits=bits)
        else:
            attrs = self._attrs(node)
            spatial = len(xs) - 2
            kernel = [int(v) for v in attrs["kernel_shape"]]
            strides = [int(v) for v in attrs.get("strides", [1] * spatial)]
            FY, FX = (1, kernel[0]) if spatial == 1 else (kernel[0], kernel[1])
            stride = (1, strides[0]) if spatial == 1 else (strides[0], strides[1])
            need = [max((o - 1) * s + f - i, 0) for o, s, f, i in
                    zip((OY, OX), stride, (FY, FX), (IY, IX), strict=True)][2 - spatial:]  # fmt: skip
            pads = self._pads(attrs, spatial, need)
            layer = pool2d(name, C=xs[1], OY=OY, OX=OX, FY=FY, FX=FX, stride=stride, B=xs[0], mode=mode,
                           padding=pads, bits=bits)  # fmt: skip
        self.add_layer(node, layer, [(x, "I")])


def _with_operand(
    layer: Layer, name: str, *, constant: bool | None = None, drop_dims: set[str] | None = None
) -> Layer:
    """``layer`` with operand ``name`` changed: its ``constant`` flag, or without axes on ``drop_dims``."""
    ops = []
    for o in layer.operands:
        if o.name == name:
            axes: tuple[Axis, ...] = o.axes
            if drop_dims:
                axes = tuple(a for a in o.axes if not any(d in drop_dims for d, _ in a))
            o = dataclasses.replace(o, axes=axes, constant=o.constant if constant is None else constant)
        ops.append(o)
    return Layer(layer.name, layer.dims, tuple(ops), layer.kind, dict(layer.info))


def _read(path: Path) -> onnx.ModelProto:
    source = str(path)
    if not path.is_file():
        raise SpecError(source, "<file>", "no such file")
    check_file_size(path, source, MAX_ONNX_BYTES)
    try:
        model = onnx.load(source, load_external_data=False)
    except Exception as err:  # protobuf raises DecodeError, RuntimeWarning subclasses, ValueError ...
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise SpecError(source, "<file>", f"not a readable ONNX model ({first})") from None
    if not model.graph.node:
        raise SpecError(source, "graph.node", "the file holds no graph nodes (is it an ONNX model?)")
    if len(model.graph.node) > MAX_ONNX_NODES:
        raise SpecError(
            source, "graph.node", f"{len(model.graph.node)} nodes: more than the limit of {MAX_ONNX_NODES}"
        )
    return model


def _fix_inputs(model: onnx.ModelProto, source: str, input_shapes: dict[str, list[int]] | None) -> list[str]:
    """Give graph inputs static shapes: ``input_shapes`` where given, else an unknown batch dim -> 1."""
    notes = []
    inits = {t.name for t in model.graph.initializer}
    for vi in model.graph.input:
        if vi.name in inits or not vi.type.HasField("tensor_type"):
            continue
        tt = vi.type.tensor_type
        if input_shapes and vi.name in input_shapes:
            new = input_shapes[vi.name]
            tt.ClearField("shape")
            for d in new:
                tt.shape.dim.add().dim_value = int(d)
            continue
        if not tt.HasField("shape"):
            continue
        dims = tt.shape.dim
        if dims and not (dims[0].HasField("dim_value") and dims[0].dim_value > 0):
            label = dims[0].dim_param or "?"
            dims[0].Clear()
            dims[0].dim_value = 1
            notes.append(f"input {vi.name!r}: batch dimension {label!r} taken as 1")
    if input_shapes:
        names = {vi.name for vi in model.graph.input}
        unknown = sorted(set(input_shapes) - names)
        if unknown:
            raise SpecError(
                source, "input_shapes", f"no graph input named {unknown} (inputs: {sorted(names - inits)})"
            )
    return notes


def load_onnx(
    path: str | Path,
    precision: str | None = None,
    *,
    input_shapes: dict[str, list[int]] | None = None,
    name: str | None = None,
) -> tuple[Network, ImportSummary]:
    """Read an ONNX file as a Network and say what was costed and what was not.

    ``precision`` ``"w8a8"``/``"w4a8"``... sets weight/activation bits; without it they come from the
    tensor types (int8/uint8 8, float16 16, float32 the 8-bit default). ``input_shapes`` fixes symbolic
    input dims (an unknown batch dim alone is taken as 1).
    """
    p = Path(path)
    source = str(path)
    model = _read(p)
    notes = _fix_inputs(model, source, input_shapes)
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception as err:
        msg = " ".join(str(err).split())[:300]
        raise SpecError(source, "graph", f"onnx shape inference failed: {msg}") from None
    imp = _Importer(inferred, source, precision)
    imp.collect()
    imp.run()
    if not imp.layers:
        ops = ", ".join(sorted({n.op_type for n in inferred.graph.node}))
        raise SpecError(
            source, "graph.node", f"no costable node (Conv, Gemm, MatMul, Add, pooling ...) among: {ops}"
        )
    net_name = name or inferred.graph.name or p.stem
    try:
        network = Network(net_name, tuple(imp.layers), tuple(dict.fromkeys(imp.edges)))
    except SpecError as err:
        raise err.located(source) from None
    if precision:
        prec = f"{precision} (given)"
    elif imp.float_default:
        prec = f"from tensor types; float tensors taken as {DEFAULT_BITS}-bit (give precision= to change)"
    else:
        prec = "from tensor types"
    summary = ImportSummary(
        source=source,
        costed=tuple(imp.costed.most_common()),
        skipped=tuple(imp.skipped),
        notes=tuple(notes + imp.notes),
        precision=prec,
        layers=len(network.layers),
        macs=network.macs,
        weights=network.weights,
    )
    return network, summary
