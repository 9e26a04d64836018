"""One entry point for every way of naming a workload: a zoo name, a YAML file or an ONNX file."""

from __future__ import annotations

from pathlib import Path

from carbonloop.errors import SpecError
from carbonloop.workload import zoo
from carbonloop.workload.network import Network

ONNX_SUFFIXES = (".onnx",)
YAML_SUFFIXES = (".yaml", ".yml")


def load_workload(spec: str, *, precision: str | None = None) -> Network:
    """``spec`` is ``name[:K=V,...]`` from the zoo, a ``.yaml``/``.yml`` workload or an ``.onnx`` graph.

    ``precision`` (``w8a8``, ``w4a8`` ...) applies to ONNX graphs, whose tensor types may not say it.
    """
    suffix = Path(spec).suffix.lower()
    if suffix in ONNX_SUFFIXES:
        from carbonloop.workload.onnx import load_onnx  # onnx is slow to import: only when needed

        return load_onnx(spec, precision)[0]
    if suffix in YAML_SUFFIXES:
        from carbonloop.workload.yaml import load_network

        if not Path(spec).is_file():
            raise SpecError(spec, "<file>", "no such file")
        return load_network(spec)
    if zoo.is_zoo_name(spec):
        return zoo.get(spec)
    if Path(spec).exists():
        raise SpecError(
            spec, "<file>", f"unknown workload format {suffix or '(no suffix)'!r}: use .yaml, .yml or .onnx"
        )
    return zoo.get(spec)  # raises: unknown zoo network, with the known names
