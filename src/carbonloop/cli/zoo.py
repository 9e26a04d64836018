"""``carbonloop zoo list`` and ``carbonloop zoo export NAME -o file.onnx``."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import typer

from carbonloop.cli.app import app
from carbonloop.workload import zoo as zoo_lib

zoo_app = typer.Typer(help="The built-in networks.", no_args_is_help=True)
app.add_typer(zoo_app, name="zoo")


def _suites(name: str) -> str:
    return ",".join(s for s, members in zoo_lib.SUITES.items() if name in members)


def _params(name: str) -> str:
    sig = inspect.signature(zoo_lib.REGISTRY[name])
    return ",".join(
        f"{p.name}={p.default}" for p in sig.parameters.values() if p.default is not inspect.Parameter.empty
    )


@zoo_app.command("list")
def list_networks(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every zoo network with its suite, parameters, layer count, MACs and weights."""
    rows: list[dict[str, Any]] = []
    for name in zoo_lib.names():
        net = zoo_lib.get(name)
        rows.append(
            {"name": name, "suite": _suites(name), "params": _params(name), "layers": len(net.layers),
             "macs": net.macs, "weights": net.weights}
        )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    head = ("name", "suite", "parameters", "layers", "MACs", "weights")
    table = [
        (r["name"], r["suite"], r["params"], str(r["layers"]), f"{r['macs']:,}", f"{r['weights']:,}")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [head, *table]) for i in range(len(head))]
    for row in [head, *table]:
        typer.echo(
            "  ".join(
                c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    typer.echo(f"suites: {', '.join(f'{s} ({len(m)})' for s, m in zoo_lib.SUITES.items())}")


@zoo_app.command("export")
def export(
    name: str = typer.Argument(..., help="zoo name, with parameters: cifar_resnet:depth=56"),
    output: Path = typer.Option(..., "-o", "--output", help="the .onnx file to write"),
    zeros: bool = typer.Option(False, "--zeros", help="write zero-valued weights (default: shape-only)"),
) -> None:
    """Write a zoo network as an ONNX graph (shape-only weights unless --zeros)."""
    from carbonloop.workload.export_onnx import export_onnx

    network = zoo_lib.get(name)
    export_onnx(network, output, zeros=zeros)
    kind = "zero-valued" if zeros else "shape-only"
    typer.echo(f"wrote {output}: {network.name}, {len(network.layers)} layers, {network.macs:,} MACs, "
               f"{network.weights:,} weights ({kind})")  # fmt: skip
