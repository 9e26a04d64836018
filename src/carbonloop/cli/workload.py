"""``carbonloop workload show W``: the layer table and totals of a zoo network, YAML or ONNX workload."""

from __future__ import annotations

import json
from typing import Any

import typer

from carbonloop.cli.app import app
from carbonloop.workload.layer import Layer
from carbonloop.workload.load import load_workload
from carbonloop.workload.network import Network

workload_app = typer.Typer(help="Inspect workloads (zoo names, .yaml or .onnx files).", no_args_is_help=True)
app.add_typer(workload_app, name="workload")


def layer_activations(layer: Layer) -> int:
    """Output activations of the layer (elements of its ``O`` operand)."""
    return layer.footprint(layer.output)


def layer_row(layer: Layer) -> dict[str, Any]:
    return {
        "name": layer.name,
        "type": layer.kind,
        "dims": dict(layer.dims),
        "macs": layer.macs,
        "ops": layer.ops,
        "weights": layer.weights,
        "activations": layer_activations(layer),
    }


def network_summary(network: Network) -> dict[str, Any]:
    """The JSON form: totals, one row per layer, the edges."""
    rows = [layer_row(layer) for layer in network.layers]
    return {
        "name": network.name,
        "macs": network.macs,
        "ops": sum(r["ops"] for r in rows),
        "weights": network.weights,
        "weight_bytes": network.weight_bytes(),
        "activations": sum(r["activations"] for r in rows),
        "layers": rows,
        "edges": [[e.producer, e.consumer, e.operand] for e in network.edges],
    }


def format_table(summary: dict[str, Any]) -> str:
    head = ("layer", "type", "loops", "MACs", "weights", "activations")
    rows = [
        (
            r["name"],
            r["type"],
            " ".join(f"{d}={s}" for d, s in r["dims"].items()),
            f"{r['macs']:,}",
            f"{r['weights']:,}",
            f"{r['activations']:,}",
        )
        for r in summary["layers"]
    ]
    total = ("total", f"{len(rows)} layers", "", f"{summary['macs']:,}", f"{summary['weights']:,}",
             f"{summary['activations']:,}")  # fmt: skip
    widths = [max(len(str(row[i])) for row in [head, *rows, total]) for i in range(len(head))]

    def line(row: tuple[str, ...]) -> str:
        cells = [
            str(c).ljust(w) if i < 3 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([f"{summary['name']}", line(head), rule, *map(line, rows), rule, line(total)])


@workload_app.command("show")
def show(
    workload: str = typer.Argument(..., help="zoo name (name:K=V,...), .yaml/.yml or .onnx file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
    precision: str = typer.Option(None, "--precision", help="ONNX only: weight/activation bits, e.g. w8a8"),
) -> None:
    """Print the layers (type, loop sizes, MACs, weights, output activations) and the totals."""
    network = load_workload(workload, precision=precision)
    summary = network_summary(network)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        typer.echo(format_table(summary))
