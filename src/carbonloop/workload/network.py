"""A network: a DAG of layers with producer -> consumer edges (the data a layer's output feeds)."""

from __future__ import annotations

from dataclasses import dataclass

from carbonloop.errors import SpecError
from carbonloop.workload.layer import Layer


@dataclass(frozen=True)
class Edge:
    """``producer``'s output is read by ``consumer`` as its operand ``operand`` (usually ``I``)."""

    producer: str
    consumer: str
    operand: str = "I"


@dataclass(frozen=True)
class Network:
    """Layers in topological order and the edges between them."""

    name: str
    layers: tuple[Layer, ...]
    edges: tuple[Edge, ...] = ()

    def __post_init__(self) -> None:
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise SpecError("<network>", "layers", f"duplicate layer names {dup}")
        if not self.layers:
            raise SpecError("<network>", "layers", "a network needs at least one layer")
        position = {n: i for i, n in enumerate(names)}
        for e in self.edges:
            for end in (e.producer, e.consumer):
                if end not in position:
                    raise SpecError("<network>", f"layers.{e.consumer}.inputs", f"unknown layer {end!r}")
            if position[e.producer] >= position[e.consumer]:
                raise SpecError(
                    "<network>",
                    f"layers.{e.consumer}.inputs",
                    f"{e.producer!r} must come before {e.consumer!r} (layers are listed in topological order)",
                )

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise SpecError("<network>", "layers", f"unknown layer {name!r}")

    def producers(self, name: str) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.consumer == name)

    def consumers(self, name: str) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.producer == name)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def weights(self) -> int:
        """Constant parameters (weight values), summed over layers."""
        return sum(layer.weights for layer in self.layers)

    def weight_bytes(self) -> int:
        """Bytes of constant parameters at each layer's weight precision."""
        total_bits = sum(
            layer.footprint(o) * o.bits for layer in self.layers for o in layer.operands if o.constant
        )
        return (total_bits + 7) // 8


def chain(name: str, layers: list[Layer] | tuple[Layer, ...]) -> Network:
    """A network where each layer feeds the next."""
    edges = tuple(Edge(a.name, b.name) for a, b in zip(layers, layers[1:], strict=False))
    return Network(name, tuple(layers), edges)
