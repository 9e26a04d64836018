"""``carbonloop validate zigzag``: ZigZag 3.9.1's golden test cases through carbonloop, next to the energy and
latency each test asserts (docs/validation-zigzag.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from carbonloop.errors import SpecError


def validate_zigzag_command(
    cases: Annotated[
        list[str] | None,
        typer.Option(
            "--cases", help="Only cases whose test file contains this, or on this hardware (repeatable)."
        ),
    ] = None,
    budget: Annotated[int, typer.Option("--budget", help="Mappings scored per searched layer.")] = 500,
    seconds: Annotated[
        float, typer.Option("--seconds", help="Seconds per searched layer (0: no limit).")
    ] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print every case as JSON.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the Markdown table here.")
    ] = None,
) -> None:
    """ZigZag 3.9.1's 37 golden cases (ResNet-18 and GEMMs on its example hardware), run as a new user
    would under --conventions zigzag; the layers without a temporal mapping are searched for ZigZag's
    objective (latency, then energy) within the budget. About 45 minutes for all on one core."""
    from carbonloop.interop.zigzag_validation import markdown, run_cases, select_cases, targets
    from carbonloop.mapper.search import Budget

    if budget < 1:
        raise SpecError("validate zigzag", "--budget", f"must be >= 1 (got {budget})")
    if not seconds >= 0 or seconds == float("inf"):
        raise SpecError("validate zigzag", "--seconds", f"must be a finite number >= 0 (got {seconds})")
    chosen = select_cases(list(cases or []))

    def progress(row: dict[str, Any]) -> None:
        if row["runs"]:
            what = f"energy {row['energy_ratio']:.3f}, latency {row['latency_ratio']:.3f} of ZigZag's"
        else:
            what = row["error"]
        typer.echo(f"#{row['number']} {row['test']} {row['workload']}: {what}", err=True)

    rows = run_cases(chosen, Budget(budget, seconds or None), on_row=progress)
    table = markdown(rows)
    if output is not None:
        output.write_text(table + "\n\n" + targets(rows) + "\n")
    if as_json:
        typer.echo(json.dumps({"cases": rows}, indent=1, default=str))
        return
    typer.echo(table)
    typer.echo(targets(rows))
