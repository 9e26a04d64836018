"""``carbonloop components sweep KIND``: tables, CSV and figures of the component cost models."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from carbonloop.cli.app import app
from carbonloop.cli.console import table_console
from carbonloop.costs.plots import SWEEP_KINDS, plot_sweep, sweep, sweep_csv

components_app = typer.Typer(
    help="Component cost models (SRAM, register file, DRAM, MAC): sweeps as tables, CSV and figures.",
    no_args_is_help=True,
)
app.add_typer(components_app, name="components")


@components_app.command("sweep")
def sweep_command(
    kind: str = typer.Argument(..., help=f"Component kind: {', '.join(SWEEP_KINDS)}."),
    width: str | None = typer.Option(None, help="Width in bits (MAC: operand width): N, a,b,c or a:b."),
    depth: str | None = typer.Option(None, help="Depth in words (sram, regfile): N, a,b,c or a:b."),
    node: int = typer.Option(28, help="Technology node in nm."),
    ports: int = typer.Option(1, help="Read/write ports (sram, regfile)."),
    banks: int = typer.Option(1, help="Banks the depth is split into (sram, regfile)."),
    dram_type: str = typer.Option(
        "dram", "--type", help="DRAM type (dram = CarbonSpot 3.7 pJ/bit, lpddr4 ...)."
    ),
    acc: int | None = typer.Option(None, help="MAC accumulator width in bits (default 2 x width)."),
    plot: Path | None = typer.Option(None, help="Write the figure here (.png, .svg, .pdf)."),
    csv: Path | None = typer.Option(None, help="Write the numbers here as CSV."),
) -> None:
    """Sweep one parameter (a range a:b steps through powers of two) and show energy, area, time."""
    s = sweep(
        kind,
        width=width,
        depth=depth,
        node_nm=node,
        ports=ports,
        banks=banks,
        dram_type=dram_type,
        acc_bits=acc,
    )
    if csv is not None:
        csv.write_text(sweep_csv(s))
        typer.echo(f"wrote {csv}")
    if plot is not None:
        plot_sweep(s, plot)
        typer.echo(f"wrote {plot}")
    if csv is None and plot is None:
        table = Table(title=s.title)
        for col in (
            s.swept,
            "read pJ" if s.kind != "mac" else "pJ/MAC",
            "write pJ",
            "area mm2",
            "access ns",
            "leakage mW",
        ):
            table.add_column(col, justify="right")
        for v, c in zip(s.values, s.costs, strict=True):
            table.add_row(
                str(v),
                f"{c.read_pj:.4g}",
                f"{c.write_pj:.4g}",
                f"{c.area_mm2:.4g}",
                f"{c.access_ns:.4g}",
                f"{c.leakage_mw:.4g}",
            )
        table_console(min_width=120).print(table)
