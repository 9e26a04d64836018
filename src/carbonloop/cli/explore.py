"""``carbonloop explore``: run a design space (CarbonSpot's MLPerf-Tiny one by default) and write the store,
the CSV, the figures and the HTML report under ``--out``; print the best design per scenario.

Ctrl-C stops the sweep within a second with every finished point stored, prints one line and exits 130;
a second Ctrl-C exits at once (see carbonloop.explore.interrupts)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from carbonloop.cli.app import app
from carbonloop.errors import SpecError


@app.command("explore")
def explore_command(
    space: str = typer.Option("tiny", "--space", help="Built-in space (tiny, mobile, quick) or a YAML file."),
    out: Path = typer.Option(Path("carbonloop-results"), "--out", "-o", help="Output folder."),
    store: Path | None = typer.Option(None, "--store", help="Results store (default: OUT/results.sqlite)."),
    workers: int | None = typer.Option(
        None, "--workers", "-j", help="Local worker processes (default: cores)."
    ),
    dask: str | None = typer.Option(
        None, "--dask", help="Run on Dask: a scheduler address (tcp://host:8786) or 'local'."
    ),
    objective: str | None = typer.Option(
        None, "--objective", help="Mapper objective (overrides the space's)."
    ),
    conventions: str | None = typer.Option(
        None, "--conventions", help="Modelling conventions (overrides the space's; default carbonloop)."
    ),
    parameters: str | None = typer.Option(
        None,
        "--parameters",
        help="Carbon parameter set: carbonspot, act or a YAML file (overrides the space's).",
    ),
    budget: float | None = typer.Option(
        None,
        "--budget",
        help="Mapper budget per layer: evaluations (integer) or seconds (fraction, e.g. 2.5).",
    ),
    limit: int | None = typer.Option(None, "--limit", help="Only the first N points (quick runs)."),
    quick: bool = typer.Option(False, "--quick", help="The small built-in space 'quick' (smoke tests)."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Run again the points stored as failed."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write the CSV, figures and report.html."),
    formats: str = typer.Option("png", "--formats", help="Figure formats, comma-separated: png,svg,pdf."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show the progress bar."),
) -> None:
    """Explore a design space: every (design, workload) point, resumable, stored as it finishes."""
    from carbonloop.explore import best_designs, load_results, load_space, run_space
    from carbonloop.explore.interrupts import EXIT_INTERRUPTED
    from carbonloop.explore.progress import print_table
    from carbonloop.report import rich_best_table

    if limit is not None and limit < 0:
        raise SpecError("explore", "--limit", f"must be >= 0 (got {limit})")
    sp = load_space("quick" if quick else space)
    b: int | float | None = None
    if budget is not None:
        if budget <= 0:
            raise SpecError("explore", "--budget", f"must be > 0 (got {budget:g})")
        b = int(budget) if float(budget).is_integer() else float(budget)
    if parameters is not None:
        from carbonloop.carbon import load_parameters

        load_parameters(parameters)  # a bad set fails here, not in every point
        if parameters.endswith((".yaml", ".yml")):
            parameters = str(Path(parameters).resolve())
    sp = sp.with_options(objective=objective, parameters=parameters, budget=b, conventions=conventions)
    store_path = store or out / "results.sqlite"
    console = Console(stderr=True)
    console.print(
        f"[bold]{sp.name}[/bold]: {len(sp.designs)} designs x {len(sp.workloads)} workloads = {len(sp)} points"
        + (f" ({sp.skipped} grid points skipped by the constraints)" if sp.skipped else "")
        + (f", first {limit}" if limit is not None else "")
        + f"; objective {sp.objective}, conventions {sp.conventions}, carbon parameters "
        + f"{Path(sp.parameters).name}; store {store_path}",
        soft_wrap=True,
    )
    summary = run_space(
        sp,
        store_path,
        workers=workers,
        dask=dask,
        limit=limit,
        retry_failed=retry_failed,
        progress=progress,
        handle_interrupts=True,
    )
    if summary.interrupted:
        console.print(
            f"interrupted: {_points(summary.ran)} stored by this run ({summary.failed} failed), "
            f"{summary.left} left; run the same command again to resume",
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    console.print(
        f"{summary.ran} points run ({summary.failed} failed), {summary.skipped} already stored"
        + (f", {summary.elsewhere} run by another process on this store" if summary.elsewhere else "")
        + f"; {summary.seconds:.1f} s on {summary.workers} {summary.executor} worker(s)"
        + (f", {summary.points_per_second:.2f} points/s" if summary.ran else ""),
        soft_wrap=True,
    )
    df = load_results(store_path, space=sp.name, warn=True)
    if report:
        from carbonloop.explore.store import export
        from carbonloop.report import write_figures, write_report

        out.mkdir(parents=True, exist_ok=True)
        export(store_path, out / "results.csv", space=sp.name)
        figs = write_figures(df, out / "figures", [f.strip() for f in formats.split(",") if f.strip()])
        html_path = write_report(
            df, out / "report.html", title=f"carbonloop exploration: {sp.name}", source=str(store_path)
        )
        console.print(
            f"wrote {out / 'results.csv'}, {len(figs)} figures in {out / 'figures'}, {html_path}",
            soft_wrap=True,
        )
    print_table(rich_best_table(best_designs(df), title=f"Best design per scenario ({sp.name})"))


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"
