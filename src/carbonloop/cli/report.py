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
    space: str | None = typer.Option(
        None, "--space", help="Only this space's points (required when the store holds several spaces)."
    ),
    figures: Path | None = typer.Option(
        None, "--figures", help="Also write the static figures in this folder."
    ),
    formats: str = typer.Option("png", "--formats", help="Static figure formats: png,svg,pdf."),
) -> None:
    """One HTML file (opens offline): summary, best designs, figures where hovering shows the design."""
    from carbonloop.explore import load_results
    from carbonloop.report import write_figures, write_report
    from carbonloop.report.figures import figure_formats
    from carbonloop.report.prepare import select_space

    exts = figure_formats(formats)
    df = select_space(load_results(store, space=space, warn=True), space, source=str(store))
    title = "carbonloop exploration" + (f": {space}" if space else "")
    path = write_report(df, output, title=title, source=str(store))
    typer.echo(f"wrote {path}")
    if figures is not None:
        for p in write_figures(df, figures, exts):
            typer.echo(f"wrote {p}")
