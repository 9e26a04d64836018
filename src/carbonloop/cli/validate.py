"""``carbonloop validate imc``: the IMC macro model next to seven published chips (table, JSON, figure);
``carbonloop validate carbonspot``: an exploration next to CarbonSpot's published sweep (Markdown, CSV);
``validate timeloop``, ``validate cim`` and ``validate zigzag`` (its own module) for the other peers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from carbonloop.cli.app import app
from carbonloop.cli.validate_cim import validate_cim_command
from carbonloop.cli.validate_zigzag import validate_zigzag_command
from carbonloop.costs.imc_validation import (
    METRICS,
    ChipValidation,
    load_imc_chips,
    validate_imc_chips,
    validation_as_dict,
)
from carbonloop.errors import SpecError

validate_app = typer.Typer(help="Compare cost models with published measurements.", no_args_is_help=True)
app.add_typer(validate_app, name="validate")

_PLOT_FORMATS = (".png", ".svg", ".pdf")
_HEADINGS = {
    "area_mm2": "area mm²",
    "clock_ns": "clock ns",
    "energy_fj_per_mac": "fJ/MAC",
    "tops_per_w": "TOP/s/W",
    "tops_per_mm2": "TOP/s/mm²",
}
_PLOTTED = {"area_mm2": "area", "clock_ns": "clock period", "energy_fj_per_mac": "energy / MAC"}


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def _table(rows: Sequence[ChipValidation]) -> Table:
    table = Table(title="IMC macro model vs. published chips (reported / model / ratio model÷reported)")
    table.add_column("chip")
    table.add_column("sparsity\npublished")
    for m in METRICS:
        table.add_column(_HEADINGS[m], justify="right")
    for row in rows:
        cells = [row.chip.label, "yes" if row.chip.sparsity_published else "no"]
        for m in METRICS:
            c = row.metrics[m]
            cells.append(f"{_fmt(c.reported)} / {_fmt(c.model)} / {_fmt(c.ratio)}")
        table.add_row(*cells)
    return table


def _plot(rows: Sequence[ChipValidation], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [r.chip.label + ("" if r.chip.sparsity_published else "*") for r in rows]
    width = 0.8 / len(_PLOTTED)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(rows) + 2), 4.0))
    ax.axhspan(0.75, 1.25, color="0.9", zorder=0, label="±25 %")
    ax.axhline(1.0, color="0.3", linewidth=0.8, zorder=1)
    for i, (metric, name) in enumerate(_PLOTTED.items()):
        xs = [k + (i - (len(_PLOTTED) - 1) / 2) * width for k in range(len(rows))]
        ratios = [r.metrics[metric].ratio or 0.0 for r in rows]
        bars = ax.bar(xs, ratios, width, label=name, zorder=2)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in ratios], fontsize=6, rotation=90, padding=2)
    ax.set_yscale("log")
    ax.set_xticks(range(len(rows)), labels)
    ax.set_ylabel("model / reported")
    ax.set_xlabel("* no sparsity information published: peak energy vs. measured")
    ax.set_title("carbonloop IMC macro model vs. seven SRAM IMC chips")
    ax.legend(fontsize=8, ncols=4, loc="upper left")
    ax.set_ylim(0.1, 40)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


@validate_app.command("imc")
def validate_imc(
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a ratio bar chart (.png/.svg/.pdf).")
    ] = None,
    chip: Annotated[list[str] | None, typer.Option("--chip", help="Only this chip (repeatable).")] = None,
) -> None:
    """Model the seven validation chips (AIMC1-3, DIMC1-4) and compare with their reports."""
    if plot is not None and plot.suffix.lower() not in _PLOT_FORMATS:
        raise SpecError(
            "--plot", "plot", f"unsupported figure format {plot.suffix!r} (use {', '.join(_PLOT_FORMATS)})"
        )
    rows = validate_imc_chips(load_imc_chips(), chip)
    if as_json:
        typer.echo(json.dumps(validation_as_dict(rows), indent=2))
    else:
        Console(width=160).print(_table(rows))
    if plot is not None:
        plot.parent.mkdir(parents=True, exist_ok=True)
        _plot(rows, plot)
        if not as_json:
            typer.echo(f"figure written to {plot}")


@validate_app.command("carbonspot")
def validate_carbonspot(
    store: Annotated[
        Path | None,
        typer.Argument(
            help="Results store (results.sqlite) or an exported CSV/Parquet; without it, run CarbonSpot's "
            "study under the carbonspot profile."
        ),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference", help="CarbonSpot's results CSV (default: the copy shipped with carbonloop)."
        ),
    ] = None,
    space: Annotated[
        str | None,
        typer.Option(
            "--space",
            help="With a store: only this space's points. Without: the space to run (tiny, mobile).",
        ),
    ] = None,
    by_assumption: Annotated[
        bool,
        typer.Option(
            "--by-assumption", help="Also flip each assumption back to carbonloop's choice, one at a time."
        ),
    ] = False,
    assumption: Annotated[
        list[str] | None,
        typer.Option("--assumption", help="Only this assumption (repeatable; implies --by-assumption)."),
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Mapper budget per layer (evaluations, or seconds if fractional)."),
    ] = None,
    dim: Annotated[
        list[int] | None, typer.Option("--dim", help="Only square arrays of this size (repeatable).")
    ] = None,
    sram: Annotated[
        list[str] | None, typer.Option("--sram", help="Only this SRAM size, e.g. 8KiB (repeatable).")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")] = 1,
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="Keep each run's records here and reuse them (resumable)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the Markdown here (default: stdout).")
    ] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Also write the point-by-point comparison as CSV.")
    ] = None,
    no_points: Annotated[
        bool, typer.Option("--no-points", help="Leave the point-by-point table out.")
    ] = False,
) -> None:
    """Compare an exploration with CarbonSpot's published sweep (ratios, winners, every point); without a
    store, run CarbonSpot's study under the carbonspot profile (and, with --by-assumption, each assumption
    set back to carbonloop's choice) and attribute the differences."""
    from carbonloop.explore.store import load_results
    from carbonloop.explore.validate import compare, load_reference
    from carbonloop.report.prepare import select_space
    from carbonloop.report.validation import validation_report

    ref = load_reference(reference)
    if store is not None:
        if by_assumption or assumption:
            raise SpecError("--by-assumption", "store", "attribution runs the study itself: give no store")
        if not store.exists():
            raise SpecError(str(store), "<store>", "no such file (run carbonloop explore first)")
        ours = select_space(load_results(store, space=space), space, source=str(store))
        text = validation_report(ours, ref, points_table=not no_points)
    else:
        ours, text = _run_carbonspot_study(
            ref,
            space or "tiny",
            by_assumption or bool(assumption),
            assumption,
            budget,
            jobs,
            cache,
            no_points,
            (tuple(dim or ()), tuple(sram or ())),
        )
    if csv is not None:
        csv.parent.mkdir(parents=True, exist_ok=True)
        compare(ours, ref).to_csv(csv, index=False)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text)


def _run_carbonspot_study(
    ref: Any,
    space_name: str,
    by_assumption: bool,
    only: list[str] | None,
    budget: float | None,
    jobs: int,
    cache: Path | None,
    no_points: bool,
    sizes: tuple[tuple[int, ...], tuple[str, ...]] = ((), ()),
) -> tuple[Any, str]:
    """The study (and the flips): progress on stderr, the report's Markdown returned with the study's rows."""
    import time

    from carbonloop.explore.space import load_space
    from carbonloop.explore.validate import (
        ASSUMPTIONS,
        STUDY,
        assumption_named,
        run_study,
        subset_space,
        with_flip,
    )
    from carbonloop.report.validation import attribution_report, validation_report
    from carbonloop.specio import parse_bits

    if jobs < 1:
        raise SpecError("--jobs", "jobs", f"must be >= 1 (got {jobs})")
    if budget is not None and not (budget > 0 and budget != float("inf")):
        raise SpecError("--budget", "budget", f"must be a finite number > 0 (got {budget})")
    names = [assumption_named(n).name for n in only] if only else [a.name for a in ASSUMPTIONS]
    sp = load_space(space_name).with_options(conventions="carbonspot")
    srams = tuple(parse_bits(v, "--sram", "sram") // 8 for v in sizes[1])
    if sizes[0] or srams:
        sp = subset_space(sp, sizes[0], srams)
    if budget is not None:
        sp = sp.with_options(budget=int(budget) if float(budget).is_integer() else float(budget))

    def timed(label: str, flipped: str | None) -> Any:
        t0 = time.perf_counter()
        df = run_study(sp, flipped, jobs=jobs, cache_dir=cache)
        typer.echo(f"{label}: {len(df)} points in {time.perf_counter() - t0:.0f} s", err=True)
        return df

    study = timed("carbonspot study", None)
    text = validation_report(study, ref, points_table=not no_points)
    if not by_assumption:
        return study, text
    runs = {STUDY: study}
    for name in names:
        a = assumption_named(name)
        runs[name] = with_flip(study, timed(f"flipped {name}", name), a.accel_types)
    return study, attribution_report(runs, ref) + "\n" + text


@validate_app.command("timeloop")
def validate_timeloop_command(
    cases: Annotated[
        Path | None,
        typer.Argument(help="A folder of case folders (case.yaml each); default: the shipped exercises."),
    ] = None,
    conventions: Annotated[
        list[str] | None,
        typer.Option(
            "--conventions", help="Conventions to run (repeatable; default: timeloop and carbonloop)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every case as JSON.")] = False,
    write: Annotated[
        Path | None, typer.Option("--write", help="Put the summary and table into this Markdown file.")
    ] = None,
) -> None:
    """Timeloop's 2020 ISPASS tutorial exercises, read unmodified, next to Timeloop's own stats."""
    from carbonloop.interop.timeloop_validation import (
        markdown_table,
        summary_lines,
        validate_timeloop,
        write_markdown,
    )
    from carbonloop.model.conventions import get_conventions

    names = tuple(conventions or ("timeloop", "carbonloop"))
    for name in names:
        get_conventions(name, "validate timeloop", "--conventions")
    rows = validate_timeloop(cases, names)
    if write is not None:
        write_markdown(rows, write)
    if as_json:
        typer.echo(json.dumps({"cases": [r.to_dict() for r in rows]}, indent=1))
        return
    typer.echo(markdown_table(rows))
    for line in summary_lines(rows):
        typer.echo(line)


validate_app.command("cim")(validate_cim_command)
validate_app.command("zigzag")(validate_zigzag_command)
