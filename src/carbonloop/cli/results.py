"""``carbonloop results``: export a results store (CSV, Parquet) and print the best designs."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from carbonloop.cli.app import app
from carbonloop.errors import SpecError

results_app = typer.Typer(
    help="Read a results store: export it, print the best designs.", no_args_is_help=True
)
app.add_typer(results_app, name="results")

StoreOpt = typer.Option(Path("carbonloop-results/results.sqlite"), "--store", "-s", help="Results store.")


@results_app.command("export")
def export_command(
    store: Path = StoreOpt,
    csv: Path | None = typer.Option(None, "--csv", help="Write a CSV file."),
    parquet: Path | None = typer.Option(None, "--parquet", help="Write a Parquet file."),
) -> None:
    """Write every stored point (one row each) as CSV and/or Parquet."""
    from carbonloop.explore.store import export

    if csv is None and parquet is None:
        raise SpecError("results export", "--csv/--parquet", "give at least one output file")
    for path, fmt in ((csv, "csv"), (parquet, "parquet")):
        if path is not None:
            n = export(store, path, fmt=fmt)
            typer.echo(f"wrote {n} rows to {path}")


@results_app.command("best")
def best_command(
    store: Path = StoreOpt,
    space: str | None = typer.Option(None, "--space", help="Only this space's points."),
    as_json: bool = typer.Option(False, "--json", help='Print JSON: {"best": [...]}.'),
) -> None:
    """Per workload and for the suite's geometric mean: the best design for energy, latency, EDP, CA and PA
    carbon (carbon without the package, as CarbonSpot ranks)."""
    from carbonloop.explore import best_designs, load_results
    from carbonloop.report import rich_best_table

    df = load_results(store, space=space)
    best = best_designs(df)
    if as_json:
        typer.echo(json.dumps({"store": str(store), "best": best}, indent=1))
    else:
        Console().print(rich_best_table(best))
