"""``carbonloop import-torch module:attr --input-shape 1,3,224,224 -o model.onnx`` (extra ``[torch]``)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any

import typer

from carbonloop.cli.app import app
from carbonloop.errors import SpecError

INSTALL_HINT = 'PyTorch is not installed: pip install "carbonloop[torch]"'


def parse_shape(text: str) -> list[int]:
    """``"1,3,224,224"`` -> ``[1, 3, 224, 224]``."""
    try:
        shape = [int(v) for v in text.replace("x", ",").split(",") if v.strip()]
    except ValueError:
        shape = []
    if not shape or min(shape) < 1:
        raise SpecError(
            "<option>", "--input-shape", f"expected positive integers such as 1,3,224,224 (got {text!r})"
        )
    return shape


def resolve(target: str) -> Any:
    """``package.module:attr`` or ``path/to/file.py:attr`` -> the object (dotted attrs allowed)."""
    module_name, sep, attr = target.partition(":")
    if not sep or not attr:
        raise SpecError(target, "target", "expected module:attr (e.g. mypkg.models:Net or model.py:Net)")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise SpecError(target, "target", f"no such file {module_name!r}")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            if "" not in sys.path:
                sys.path.insert(0, "")
            module = importlib.import_module(module_name)
    except SpecError:
        raise
    except Exception as err:
        raise SpecError(target, "target", f"cannot import {module_name!r}: {err}") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SpecError(target, "target", f"{module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def export_torch(target: str, input_shape: list[int], output: Path, opset: int = 17) -> None:
    """Instantiate the model (a module, or a class/factory called without arguments) and export it."""
    try:
        import torch
    except ImportError:
        raise SpecError("import-torch", "torch", INSTALL_HINT) from None
    obj = resolve(target)
    model = obj if isinstance(obj, torch.nn.Module) else obj() if callable(obj) else obj
    if not isinstance(model, torch.nn.Module):
        raise SpecError(
            target, "target", f"is not a torch.nn.Module nor returns one (got {type(model).__name__})"
        )
    model.eval()
    kwargs: dict[str, Any] = {"opset_version": opset, "input_names": ["input"], "output_names": ["output"]}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter needs no onnxscript
    with torch.no_grad():
        torch.onnx.export(model, (torch.zeros(*input_shape),), str(output), **kwargs)


@app.command("import-torch")
def import_torch(
    target: str = typer.Argument(..., help="module:attr or file.py:attr naming an nn.Module (or its class)"),
    input_shape: str = typer.Option(..., "--input-shape", help="input tensor shape, e.g. 1,3,224,224"),
    output: Path = typer.Option(..., "-o", "--output", help="the .onnx file to write"),
    opset: int = typer.Option(17, "--opset", help="ONNX opset"),
) -> None:
    """Export a PyTorch model to ONNX (torch.onnx.export) and summarize what carbonloop will cost."""
    shape = parse_shape(input_shape)
    export_torch(target, shape, output, opset)
    from carbonloop.workload.onnx import load_onnx

    _, summary = load_onnx(output)
    typer.echo(f"wrote {output}")
    typer.echo(summary.format())
