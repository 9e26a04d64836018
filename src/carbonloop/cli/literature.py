"""``carbonloop literature``: carbon per inference of published IMC chips (CarbonSpot's Fig. 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from carbonloop.carbon.literature import builtin_chips, highlights, literature_table, load_chips, settings
from carbonloop.cli.app import app
from carbonloop.cli.carbon import LifetimeOpt, ParametersOpt, parameters_from_options
from carbonloop.cli.console import table_console
from carbonloop.errors import SpecError


@app.command("literature")
def literature_command(
    suite: Annotated[
        str, typer.Option("--suite", help="Task setting: tiny (MLPerf-Tiny) or mobile.")
    ] = "tiny",
    chips: Annotated[
        str | None,
        typer.Option("--chips", help="CSV or YAML of extra chips (name, tech_nm, topsw, tops, topsmm2)."),
    ] = None,
    only_chips: Annotated[bool, typer.Option("--only-chips", help="Show only the chips of --chips.")] = False,
    plot: Annotated[str | None, typer.Option("--plot", help="Write the figure (PNG, SVG or PDF).")] = None,
    parameters: ParametersOpt = "carbonspot",
    lifetime_years: LifetimeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Carbon per inference of published chips from their TOP/s/W, TOP/s, TOP/s/mm2 and node, CA and PA."""
    known = settings()
    if suite not in known:
        raise SpecError("command line", "--suite", f"unknown suite {suite!r} (known: {', '.join(known)})")
    if only_chips and chips is None:
        raise SpecError("command line", "--only-chips", "needs --chips FILE")
    setting = known[suite]
    params = parameters_from_options(parameters, lifetime_years=lifetime_years)
    chip_list = [] if only_chips else builtin_chips()
    if chips is not None:
        chip_list += load_chips(chips)
    rows = literature_table(chip_list, setting, params)
    circled = {s: highlights(rows, s) for s in ("ca", "pa")}
    if plot is not None:
        from carbonloop.carbon.figures import plot_literature

        target = Path(plot)
        if not target.parent.is_dir():
            raise SpecError(plot, "<file>", "directory does not exist")
        try:
            plot_literature(rows, setting, target)
        except (OSError, ValueError) as err:
            raise SpecError(plot, "<file>", f"cannot write figure: {err}") from None
    if as_json:
        payload = {
            "suite": suite,
            "setting": {"period_ns": setting.period_ns, "ops_per_inference": setting.ops_per_inference},
            "parameters": params.name,
            "chips": [r.to_dict() for r in rows],
            "circled": {s: {k: rows[i].name for k, i in v.items()} for s, v in circled.items()},
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(
        title=f"{setting.label}: g CO2-eq per inference ({setting.ops_per_inference:.4g} ops, "
        f"period {setting.period_ns / 1e6:.4g} ms, parameters '{params.name}')"
    )
    for col in (
        "chip",
        "nm",
        "TOP/s/W",
        "TOP/s",
        "mm2",
        "operational",
        "CA",
        "PA",
        "PA scaled",
        "deadline",
        "circled",
    ):
        table.add_column(col, justify="left" if col in ("chip", "circled") else "right")
    names = {"most_performant": "top TOP/s/W", "most_carbon_efficient": "lowest carbon"}
    for i, r in enumerate(rows):
        marks = "; ".join(
            f"{s.upper()} {names[k]}" for s, v in circled.items() for k, j in v.items() if j == i
        )
        table.add_row(
            f"{r.label} {r.name}",
            str(r.tech_nm),
            f"{r.topsw:.4g}",
            f"{r.tops:.4g}",
            f"{r.area_mm2:.4g}",
            f"{r.operational_g:.4g}",
            f"{r.ca_g:.4g}",
            f"{r.pa_g:.4g}",
            f"{r.pa_scaled_g:.4g}",
            "met" if r.deadline_met else "missed",
            marks,
        )
    table_console(min_width=200).print(table)
    if plot is not None:
        typer.echo(f"figure written to {plot}")
