"""Weight histograms from an ONNX model's initializers (an edge loader: it reads a file).

A CiM macro's cell energy depends on the stored conductances, so the trained weights' distribution is an
input of the model; this turns each weight tensor of an ONNX file into a histogram at the macro's weight
precision (``distributions.histogram_from_values``).
"""

from __future__ import annotations

from pathlib import Path

from carbonloop.costs.cim.distributions import Distribution, histogram_from_values
from carbonloop.errors import SpecError


def weight_histograms_from_onnx(
    path: str | Path, bits: int = 8, min_dims: int = 2
) -> dict[str, Distribution]:
    """{initializer name: histogram} for every initializer of at least ``min_dims`` dimensions (weights of
    convolutions and matrix products; biases and scales are 1-D)."""
    import onnx
    from onnx import numpy_helper

    source = str(path)
    if not Path(path).is_file():
        raise SpecError(source, "<file>", "no such file")
    try:
        model = onnx.load(source, load_external_data=False)
    except Exception as err:  # noqa: BLE001 - any parse failure is the user's file
        raise SpecError(source, "<file>", f"not an ONNX model: {err}") from None
    out = {}
    for init in model.graph.initializer:
        if len(init.dims) >= min_dims:
            out[init.name] = histogram_from_values(numpy_helper.to_array(init), bits, init.name)
    if not out:
        raise SpecError(source, "graph.initializer", f"no weight tensor of >= {min_dims} dimensions")
    return out
