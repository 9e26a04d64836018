"""The workload YAML format (documented in docs/workload.md): read and write layers and networks.

A file holds either a network (``name`` + ``layers``) or one layer. A layer is written either by type
with parameters (``type: conv2d``, ``params: {K: 16, C: 3, ...}``) or generically with ``dims`` and
``operands`` whose ``axes`` are affine expressions such as ``"2*OY + FY"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from carbonloop.errors import SpecError
from carbonloop.specio import MAX_ABS_NUMBER, MAX_LAYERS, MAX_PRECISION_BITS, dump_yaml, load_yaml, validate
from carbonloop.workload import builders
from carbonloop.workload.layer import Layer, Operand, format_axis, parse_axis
from carbonloop.workload.network import Edge, Network

BUILDERS: dict[str, Any] = {
    "conv2d": builders.conv2d,
    "conv": builders.conv2d,
    "matmul": builders.matmul,
    "gemm": builders.matmul,
    "fc": builders.fully_connected,
    "conv1d": builders.conv1d,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class OperandSpec(_Strict):
    name: str
    role: Literal["W", "I", "O"]
    axes: list[str | int] = Field(min_length=0)
    bits: int = Field(default=8, ge=1, le=MAX_PRECISION_BITS)
    partial_bits: int | None = Field(default=None, ge=1, le=MAX_PRECISION_BITS)
    constant: bool | None = None


class LayerSpec(_Strict):
    name: str
    type: str = "custom"
    params: dict[str, Any] = Field(default_factory=dict)
    dims: dict[str, Annotated[int, Field(le=int(MAX_ABS_NUMBER))]] | None = None
    operands: list[OperandSpec] | None = None
    inputs: list[str] = Field(default_factory=list)


class NetworkSpec(_Strict):
    name: str
    layers: list[LayerSpec] = Field(min_length=1, max_length=MAX_LAYERS)


def _build_layer(spec: LayerSpec, source: str, where: str) -> Layer:
    if spec.type in ("custom", "generic"):
        if spec.dims is None or spec.operands is None:
            raise SpecError(source, where, "a custom layer needs 'dims' and 'operands'")
        ops = tuple(
            Operand(
                o.name,
                o.role,
                tuple(
                    parse_axis(a, source=source, where=f"{where}.operands[{i}].axes[{j}]")
                    for j, a in enumerate(o.axes)
                ),
                o.bits,
                o.partial_bits,
                o.constant if o.constant is not None else o.role == "W",
            )
            for i, o in enumerate(spec.operands)
        )
        for d, s in spec.dims.items():
            if s < 1:
                raise SpecError(source, f"{where}.dims.{d}", f"size must be a positive integer (got {s})")
        return Layer(spec.name, tuple(spec.dims.items()), ops, str(spec.params.get("kind", "custom")))
    if spec.type not in BUILDERS:
        known = ", ".join(sorted(BUILDERS) + ["custom"])
        raise SpecError(source, f"{where}.type", f"unknown layer type {spec.type!r} (known: {known})")
    if spec.dims is not None or spec.operands is not None:
        raise SpecError(source, where, f"a {spec.type} layer takes 'params', not 'dims'/'operands'")
    params = {key: _param(value, source, f"{where}.params.{key}") for key, value in spec.params.items()}
    for key in ("stride", "dilation", "bits"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    try:
        return BUILDERS[spec.type](spec.name, **params)
    except (TypeError, ValueError, IndexError) as err:  # a missing or unknown parameter, a short pair
        raise SpecError(source, f"{where}.params", f"bad parameters for {spec.type}: {err}") from None


def _param(value: Any, source: str, where: str) -> Any:
    """A builder parameter is a non-negative integer or a list of them (``stride: [2, 1]``)."""
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        at = f"{where}[{i}]" if isinstance(value, list) else where
        if isinstance(item, float) and item.is_integer():
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int):
            raise SpecError(source, at, f"expected an integer (got {item!r})")
        if not 0 <= item <= MAX_ABS_NUMBER:
            raise SpecError(source, at, f"must be >= 0 and <= {MAX_ABS_NUMBER:g} (got {item!r})")
    return value


def network_from_dict(data: Any, source: str = "<workload>") -> Network:
    """Build a Network from parsed YAML (a network or a single layer)."""
    if isinstance(data, dict) and "layers" in data:
        spec = validate(NetworkSpec, data, source)
        name, layer_specs = spec.name, spec.layers
    elif isinstance(data, dict):
        single = validate(LayerSpec, data, source)
        name, layer_specs = single.name, [single]
    else:
        raise SpecError(source, "<root>", "expected a mapping with 'layers' (a network) or a single layer")
    layers: list[Layer] = []
    edges: list[Edge] = []
    for i, ls in enumerate(layer_specs):
        where = f"layers[{i}]" if len(layer_specs) > 1 or "layers" in data else "<layer>"
        try:
            layers.append(_build_layer(ls, source, where))
        except SpecError as err:
            raise err if err.source == source else err.located(source) from None
        for producer in ls.inputs:
            edges.append(Edge(producer, ls.name))
    try:
        return Network(name, tuple(layers), tuple(edges))
    except SpecError as err:
        raise err.located(source) from None


def load_network(path: str | Path) -> Network:
    """Read a workload YAML file."""
    return network_from_dict(load_yaml(path), str(path))


def layer_to_dict(layer: Layer, inputs: list[str] | None = None) -> dict[str, Any]:
    """Generic (lossless) form of a layer."""
    out: dict[str, Any] = {"name": layer.name, "type": "custom", "params": {"kind": layer.kind}}
    out["dims"] = dict(layer.dims)
    ops = []
    for o in layer.operands:
        d: dict[str, Any] = {
            "name": o.name,
            "role": o.role,
            "axes": [format_axis(a) for a in o.axes],
            "bits": o.bits,
        }
        if o.partial_bits is not None:
            d["partial_bits"] = o.partial_bits
        d["constant"] = o.constant
        ops.append(d)
    out["operands"] = ops
    if inputs:
        out["inputs"] = inputs
    return out


def network_to_dict(network: Network) -> dict[str, Any]:
    return {
        "name": network.name,
        "layers": [
            layer_to_dict(layer, [e.producer for e in network.producers(layer.name)])
            for layer in network.layers
        ],
    }


def dump_network(network: Network) -> str:
    """YAML text that :func:`load_network` reads back to an equal network."""
    return dump_yaml(network_to_dict(network))
