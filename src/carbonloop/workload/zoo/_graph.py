"""A small shape-tracking graph builder the zoo networks are written with.

Each method appends one layer, wires edges from the named producers and remembers the output shape
(channels, rows, cols), so a network reads like its paper's table and the shapes cannot drift.
Padding follows either PyTorch (symmetric ``(k-1)//2 * d``) or TensorFlow ``SAME`` (the extra pixel at
the end), because the published models were trained in one or the other and output sizes differ.
"""

from __future__ import annotations

import math
from typing import Literal

from carbonloop.workload.builders import conv2d, fully_connected, matmul
from carbonloop.workload.elementwise import eltwise, pool2d
from carbonloop.workload.layer import Layer
from carbonloop.workload.network import Edge, Network

Padding = Literal["torch", "same", "valid"]
INPUT = "input"
"""The name of the network input (not a layer: it has no producer edge)."""


class Graph:
    """Builds a :class:`Network` layer by layer; ``shape[name]`` is (C, H, W) of that layer's output."""

    def __init__(self, name: str, input_shape: tuple[int, int, int], padding: Padding = "torch") -> None:
        self.name = name
        self.padding = padding
        self.layers: list[Layer] = []
        self.edges: list[Edge] = []
        self.shape: dict[str, tuple[int, int, int]] = {INPUT: input_shape}
        self.virtual: dict[str, tuple[str, ...]] = {}

    def _producers(self, name: str) -> list[str]:
        if name == INPUT:
            return []
        if name in self.virtual:
            return [p for src in self.virtual[name] for p in self._producers(src)]
        return [name]

    def _append(self, layer: Layer, shape: tuple[int, int, int], inputs: list[tuple[str, str]]) -> str:
        self.layers.append(layer)
        self.shape[layer.name] = shape
        for src, operand in inputs:
            for producer in self._producers(src):
                self.edges.append(Edge(producer, layer.name, operand))
        return layer.name

    def concat(self, name: str, *srcs: str) -> str:
        """Channel concatenation: no layer (data movement), consumers link to every source."""
        _, H, W = self.shape[srcs[0]]
        self.shape[name] = (sum(self.shape[s][0] for s in srcs), H, W)
        self.virtual[name] = srcs
        return name

    def resize(self, name: str, src: str, H: int, W: int) -> str:
        """Upsampling (interpolation, not costed): no layer, consumers link to the source."""
        self.shape[name] = (self.shape[src][0], H, W)
        self.virtual[name] = (src,)
        return name

    def conv(
        self,
        name: str,
        src: str,
        K: int,
        k: int = 1,
        s: int = 1,
        *,
        groups: int = 1,
        d: int = 1,
        padding: Padding | None = None,
    ) -> str:
        """A k x k convolution with K output channels (``groups=-1``: depthwise)."""
        C, H, W = self.shape[src]
        groups = C if groups == -1 else groups
        mode = padding or self.padding
        span = d * (k - 1) + 1
        if mode == "same":
            OY, OX = math.ceil(H / s), math.ceil(W / s)
            py = max((OY - 1) * s + span - H, 0)
            px = max((OX - 1) * s + span - W, 0)
            pads = (py // 2, px // 2, py - py // 2, px - px // 2)
        else:
            p = (k - 1) // 2 * d if mode == "torch" else 0
            OY, OX = (H + 2 * p - span) // s + 1, (W + 2 * p - span) // s + 1
            pads = (p, p, p, p)
        layer = conv2d(
            name, K=K, C=C, OY=OY, OX=OX, FY=k, FX=k, stride=s, dilation=d, groups=groups, padding=pads
        )
        return self._append(layer, (K, OY, OX), [(src, "I")])

    def dwconv(self, name: str, src: str, k: int = 3, s: int = 1, *, d: int = 1) -> str:
        return self.conv(name, src, self.shape[src][0], k, s, groups=-1, d=d)

    def fc(self, name: str, src: str, out_features: int) -> str:
        C, H, W = self.shape[src]
        layer = fully_connected(name, in_features=C * H * W, out_features=out_features)
        return self._append(layer, (out_features, 1, 1), [(src, "I")])

    def add(self, name: str, a: str, b: str) -> str:
        """The residual sum ``a + b`` (both must have the same shape)."""
        C, H, W = self.shape[a]
        if self.shape[b] != (C, H, W):
            raise ValueError(f"{name}: cannot add {a}{self.shape[a]} and {b}{self.shape[b]}")
        layer = eltwise(name, shape=(1, C, H, W), kind="add")
        return self._append(layer, (C, H, W), [(a, "I"), (b, "W")])

    def add_shortcut(self, name: str, a: str, b: str) -> str:
        """``a`` plus a parameter-free shortcut of ``b`` (subsampled, zero-padded to ``a``'s shape)."""
        C, H, W = self.shape[a]
        layer = eltwise(name, shape=(1, C, H, W), kind="add")
        return self._append(layer, (C, H, W), [(a, "I"), (b, "W")])

    def pool(self, name: str, src: str, k: int, s: int, *, mode: str = "max", pad: int = 0) -> str:
        C, H, W = self.shape[src]
        OY, OX = (H + 2 * pad - k) // s + 1, (W + 2 * pad - k) // s + 1
        layer = pool2d(name, C=C, OY=OY, OX=OX, FY=k, FX=k, stride=s, mode=mode, padding=pad)
        return self._append(layer, (C, OY, OX), [(src, "I")])

    def global_pool(self, name: str, src: str) -> str:
        """Global average pooling to 1 x 1."""
        C, H, W = self.shape[src]
        layer = pool2d(name, C=C, OY=1, OX=1, FY=H, FX=W, stride=1, mode="avg")
        return self._append(layer, (C, 1, 1), [(src, "I")])

    # --- sequences (transformers): shape is (features, rows, 1) --------------------------------
    def dense(self, name: str, src: str, out_features: int) -> str:
        """A token-wise linear layer: ``rows x in`` times a constant ``in x out`` matrix."""
        C, rows, _ = self.shape[src]
        layer = matmul(name, M=rows, N=out_features, K=C)
        return self._append(layer, (out_features, rows, 1), [(src, "I")])

    def attention_matmul(self, name: str, a: str, b: str, *, M: int, N: int, K: int, heads: int) -> str:
        """Activation times activation (Q*K^T, scores*V), per head: no operand is a parameter."""
        layer = matmul(name, M=M, N=N, K=K, B=heads, weight_constant=False)
        return self._append(layer, (heads * N, M, 1), [(a, "I"), (b, "W")])

    def seq_add(self, name: str, a: str, b: str) -> str:
        """Residual add of two (rows x features) activations."""
        C, rows, _ = self.shape[a]
        layer = eltwise(name, shape=(1, rows, C), kind="add")
        return self._append(layer, (C, rows, 1), [(a, "I"), (b, "W")])

    def network(self) -> Network:
        return Network(self.name, tuple(self.layers), tuple(self.edges))
