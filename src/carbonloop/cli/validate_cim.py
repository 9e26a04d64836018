"""``carbonloop validate cim``: the CiM macro model next to every published point of the shipped macros
(table, ``--json``, ``--plot`` figure). Registered on the ``validate`` sub-app by ``cli/validate.py``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from carbonloop.costs.cim.validation import ValidationPoint, summary, validate_cim_macros
from carbonloop.errors import SpecError

_PLOT_FORMATS = (".png", ".svg", ".pdf")


def _table(points: Sequence[ValidationPoint]) -> Table:
    table = Table(title="CiM macro model vs. published macros (shares in %; ratio = model / published)")
    for name, justify in (("macro", "left"), ("quantity", "left"), ("setting", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for name in ("published", "model", "ratio", "ref"):
        table.add_column(name, justify="right" if name != "ref" else "left")
    for p in points:
        table.add_row(
            p.macro, p.quantity, p.setting, f"{p.published:.4g}", f"{p.model:.4g}", f"{p.ratio:.3f}", p.ref
        )
    return table


def _summary_table(points: Sequence[ValidationPoint]) -> Table:
    table = Table(title="Error per quantity (metrics: |ratio - 1|; shares: percentage points / 100)")
    for name in ("quantity", "points", "mean error", "worst error"):
        table.add_column(name, justify="left" if name == "quantity" else "right")
    for family, s in summary(list(points)).items():
        table.add_row(family, f"{s['points']:.0f}", f"{s['mean_error']:.1%}", f"{s['worst_error']:.1%}")
    return table


def _plot(points: Sequence[ValidationPoint], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [p for p in points if not p.is_share]
    shares = [p for p in points if p.is_share]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    macros = sorted({p.macro for p in points})
    markers = dict(zip(("tops", "tops_per_w", "tops_per_mm2"), ("o", "s", "^"), strict=True))
    for i, macro in enumerate(macros):
        for q, marker in markers.items():
            sel = [p for p in metrics if p.macro == macro and p.quantity == q]
            if sel:
                ax1.scatter(
                    [p.published for p in sel],
                    [p.model for p in sel],
                    marker=marker,
                    color=f"C{i}",
                    label=f"{macro} {q}",
                    s=24,
                )
    if metrics:
        lo = min(min(p.published, p.model) for p in metrics) * 0.7
        hi = max(max(p.published, p.model) for p in metrics) * 1.4
        ax1.plot([lo, hi], [lo, hi], color="0.3", linewidth=0.8)
        ax1.fill_between([lo, hi], [lo * 0.75, hi * 0.75], [lo * 1.25, hi * 1.25], color="0.9", zorder=0)
        ax1.set_xscale("log")
        ax1.set_yscale("log")
    ax1.set_xlabel("published")
    ax1.set_ylabel("model")
    ax1.set_title("TOPS, TOPS/W, TOPS/mm² (band: ±25 %)")
    ax1.legend(fontsize=6, ncols=2)
    ax2.barh(
        [f"{p.macro[:8]} {p.quantity.partition(':')[2][:18]}" for p in shares],
        [p.model - p.published for p in shares],
        color=["C3" if abs(p.model - p.published) > 10 else "C2" for p in shares],
    )
    ax2.axvline(0, color="0.3", linewidth=0.8)
    ax2.axvspan(-10, 10, color="0.9", zorder=0)
    ax2.set_xlabel("model - published (percentage points)")
    ax2.set_title("breakdown shares")
    ax2.tick_params(axis="y", labelsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def validate_cim_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a model-vs-published figure (.png/.svg/.pdf).")
    ] = None,
    macro: Annotated[list[str] | None, typer.Option("--macro", help="Only this macro (repeatable).")] = None,
) -> None:
    """Model the published CiM macros (SRAM and ReRAM) and compare with every published data point."""
    if plot is not None and plot.suffix.lower() not in _PLOT_FORMATS:
        raise SpecError(
            "--plot", "plot", f"unsupported figure format {plot.suffix!r} (use {', '.join(_PLOT_FORMATS)})"
        )
    points = validate_cim_macros(macro)
    if as_json:
        typer.echo(json.dumps({"points": [p.as_dict() for p in points]}, indent=2))
    else:
        console = Console(width=200)
        console.print(_table(points))
        console.print(_summary_table(points))
    if plot is not None:
        plot.parent.mkdir(parents=True, exist_ok=True)
        _plot(points, plot)
        if not as_json:
            typer.echo(f"figure written to {plot}")
