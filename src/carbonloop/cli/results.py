"""``carbonloop results``: export a results store (CSV, Parquet) and print the best designs.

A store may hold several spaces (one ``explore --out`` folder reused for ``--quick`` and the default
space). ``best`` reads one space: the one given by ``--space``, or the store's only space; a store of
several spaces without ``--space`` is a one-line error listing them, so spaces are never mixed silently.
``export`` writes one space with ``--space``, or every row with its ``space`` column. Rows that cannot be
read are listed as warnings (with their key) and counted as failed points."""

from __future__ import annotations

import json
from pathlib import Path

import typer

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
    space: str | None = typer.Option(
        None, "--space", help="Only this space's points (default: every row, with its space column)."
    ),
) -> None:
    """Write the stored points (one row each) as CSV and/or Parquet."""
    from carbonloop.explore.store import export, load_results, warn_unreadable

    if csv is None and parquet is None:
        raise SpecError("results export", "--csv/--parquet", "give at least one output file")
    warn_unreadable(load_results(store, space=space), store)
    for path, fmt in ((csv, "csv"), (parquet, "parquet")):
        if path is not None:
            n = export(store, path, fmt=fmt, space=space)
            typer.echo(f"wrote {n} rows to {path}")


@results_app.command("best")
def best_command(
    store: Path = StoreOpt,
    space: str | None = typer.Option(
        None, "--space", help="The space to rank (required when the store holds several)."
    ),
    as_json: bool = typer.Option(False, "--json", help='Print JSON: {"best": [...]}.'),
) -> None:
    """Per workload and for the suite's geometric mean: the best design for energy, latency, EDP, CA and PA
    carbon (carbon without the package, as CarbonSpot ranks)."""
    from carbonloop.explore import best_designs, load_results
    from carbonloop.explore.progress import print_table
    from carbonloop.report import rich_best_table

    df = load_results(store, space=space, single_space=True, warn=True)
    best = best_designs(df)
    if as_json:
        typer.echo(json.dumps({"store": str(store), "best": best}, indent=1))
    else:
        print_table(rich_best_table(best))
