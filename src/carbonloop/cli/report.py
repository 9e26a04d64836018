"""``carbonloop report``: the self-contained interactive HTML report (and static figures) of a store."""

from __future__ import annotations

from pathlib import Path

import typer

from carbonloop.cli.app import app


@app.command("report")
def report_command(
    store: Path = typer.Option(
        Path("carbonloop-results/results.sqlite"), "--store", "-s", help="Results store."
    ),
    output: Path = typer.Option(Path("carbonloop-results/report.html"), "--output", "-o", help="HTML file."),
    space: str | None = typer.Option(None, "--space", help="Only this space's points."),
    figures: Path | None = typer.Option(
        None, "--figures", help="Also write the static figures in this folder."
    ),
    formats: str = typer.Option("png", "--formats", help="Static figure formats: png,svg,pdf."),
) -> None:
    """One HTML file (opens offline): summary, best designs, figures where hovering shows the design."""
    from carbonloop.explore import load_results
    from carbonloop.report import write_figures, write_report

    df = load_results(store, space=space)
    path = write_report(df, output, title="carbonloop exploration", source=str(store))
    typer.echo(f"wrote {path}")
    if figures is not None:
        for p in write_figures(df, figures, [f.strip() for f in formats.split(",") if f.strip()]):
            typer.echo(f"wrote {p}")
