"""One entry for every way a user names a workload: a zoo name, a YAML file or an ONNX file."""

from __future__ import annotations

from pathlib import Path

from carbonloop.errors import SpecError
from carbonloop.workload import zoo
from carbonloop.workload.network import Network
from carbonloop.workload.yaml import load_network


def load_workload(spec: str) -> Network:
    """``resnet8``, ``conv1d:M=32,P=16,R=3``, ``net.yaml`` or ``model.onnx``."""
    if spec.endswith(".onnx"):
        from carbonloop.workload.onnx import load_onnx

        return load_onnx(spec)[0]
    if spec.endswith((".yaml", ".yml")) or Path(spec).exists():
        return load_network(spec)
    if zoo.is_zoo_name(spec):
        return zoo.get(spec)
    raise SpecError(spec, "workload", f"not a zoo name ({', '.join(zoo.names())}) nor an existing file")
