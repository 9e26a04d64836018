"""``carbonloop export-mapping``: write a mapping in Timeloop's or ZigZag's mapping format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbonloop.cli.app import app
from carbonloop.cli.interop_eval import print_warnings
from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.interop.common import collected_warnings
from carbonloop.interop.detect import detect_file, detect_format
from carbonloop.interop.export import FORMATS, export_mapping
from carbonloop.interop.timeloop import load_timeloop
from carbonloop.interop.zigzag import ZigZagConstraints, load_zigzag
from carbonloop.model.mapping import Mapping
from carbonloop.pipeline.inputs import mapping_of_layer
from carbonloop.workload.layer import Layer
from carbonloop.workload.network import Network


def _pick(net: Network, layer: str | None, source: str) -> Layer:
    names = [x.name for x in net.layers]
    if layer is not None:
        if layer not in names:
            raise SpecError(source, "--layer", f"no layer {layer!r} (layers: {', '.join(names)})")
        return net.layer(layer)
    if len(net.layers) != 1:
        raise SpecError(
            source,
            "--layer",
            f"the workload has {len(net.layers)} layers: name one with --layer ({', '.join(names)})",
        )
    return net.layers[0]


def _inputs(
    workload: str, accelerator: str, mapping: str, ert: str | None, layer: str | None
) -> tuple[Mapping, Layer, Accelerator]:
    tool = detect_format(workload, accelerator)
    own_mapping = (detect_file(mapping) or ("carbonloop", "mapping"))[0] == "carbonloop"
    if tool == "timeloop":
        lay, acc, tl_map, _ = load_timeloop(accelerator, workload, None if own_mapping else mapping, ert)
        return (mapping_of_layer(mapping, lay.name) if own_mapping else tl_map), lay, acc
    if tool == "zigzag":
        net, acc, maps = load_zigzag(
            accelerator=accelerator, workload=workload, mapping=None if own_mapping else mapping
        )
        lay = _pick(net, layer, workload)
        if own_mapping:
            return mapping_of_layer(mapping, lay.name), lay, acc
        m = maps[lay.name]
        if isinstance(m, ZigZagConstraints):
            raise SpecError(mapping, lay.name, f"{m.reason}: only a complete mapping can be exported")
        return m, lay, acc
    from carbonloop.hardware.library import load_accelerator
    from carbonloop.workload.load import load_workload

    lay = _pick(load_workload(workload), layer, workload)
    return mapping_of_layer(mapping, lay.name), lay, load_accelerator(accelerator)


@app.command("export-mapping")
def export_mapping_command(
    fmt: Annotated[str, typer.Option("--format", help=f"Mapping format to write: {', '.join(FORMATS)}.")],
    workload: Annotated[
        str,
        typer.Option(
            "--workload", help="Workload YAML (carbonloop's, a Timeloop problem or a ZigZag workload)."
        ),
    ],
    accelerator: Annotated[
        str,
        typer.Option("--accelerator", help="Accelerator: preset, YAML, Timeloop arch or ZigZag accelerator."),
    ],
    mapping: Annotated[
        str, typer.Option("--mapping", help="Mapping YAML (carbonloop's, or the input tool's).")
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    layer: Annotated[
        str | None, typer.Option("--layer", help="Layer to export (when the workload has several).")
    ] = None,
    ert: Annotated[
        str | None, typer.Option("--ert", help="Timeloop energy reference table (Timeloop inputs).")
    ] = None,
) -> None:
    """Write a mapping in Timeloop's or ZigZag's mapping format, to confirm a result in that tool."""
    if fmt not in FORMATS:
        raise SpecError("--format", "format", f"unknown mapping format {fmt!r} (known: {', '.join(FORMATS)})")
    with collected_warnings() as notes:
        m, lay, acc = _inputs(workload, accelerator, mapping, ert, layer)
    print_warnings(notes)
    text = export_mapping(m, lay, acc, fmt)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{fmt} mapping of layer {lay.name} written to {output}")
