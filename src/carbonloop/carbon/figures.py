"""The literature figure: g CO2-eq per inference against TOP/s/W, a pie per chip (operational vs embodied).

One panel per scenario (CA, PA), log-log; the most performant chip (highest TOP/s/W) and the most
carbon-efficient one (lowest carbon per inference in that panel) are circled, as in CarbonSpot's Fig. 1.
Drawn on a bare ``Figure`` with the Agg canvas: no pyplot state, safe in worker processes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from carbonloop.carbon.literature import LiteratureRow, Setting, highlights

OPERATIONAL_COLOR = "#2e8b57"
EMBODIED_COLOR = "#c0392b"


def _wedge(start: float, stop: float, n: int = 40) -> np.ndarray:
    """Vertices of a pie wedge (fractions of a turn) usable as a scatter marker."""
    theta = 2 * np.pi * np.linspace(start, stop, max(2, int(n * (stop - start)) + 2)) + np.pi / 2
    return np.vstack([[0.0, 0.0], np.column_stack([np.cos(theta), np.sin(theta)]), [0.0, 0.0]])


def _pie(ax: object, x: float, y: float, operational_fraction: float, size: float) -> None:
    f = float(np.clip(operational_fraction, 0.0, 1.0))
    for start, stop, color in ((0.0, f, OPERATIONAL_COLOR), (f, 1.0, EMBODIED_COLOR)):
        if stop - start > 1e-6:
            ax.scatter([x], [y], marker=_wedge(start, stop), s=size, color=color, edgecolors="none", zorder=3)  # type: ignore[attr-defined]


def plot_literature(
    rows: list[LiteratureRow], setting: Setting, path: str | Path
) -> dict[str, dict[str, int]]:
    """Write the two-panel figure to ``path`` (format from the suffix); returns the circled chip indices."""
    fig = Figure(figsize=(11, 4.6), dpi=150)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharex=True)
    circled: dict[str, dict[str, int]] = {}
    for ax, scenario, title in zip(
        axes, ("ca", "pa"), ("continuously active (CA)", "periodically active (PA)"), strict=True
    ):
        totals = [r.ca_g if scenario == "ca" else r.pa_g for r in rows]
        for r, total in zip(rows, totals, strict=True):
            _pie(ax, r.topsw, total, r.operational_g / total if total > 0 else 1.0, 220)
            note = "" if r.deadline_met or scenario == "ca" else " \u2020"
            ax.annotate(
                r.label + note, (r.topsw, total), textcoords="offset points", xytext=(7, 4), fontsize=7
            )
        marks = highlights(rows, scenario)
        circled[scenario] = marks
        # dashed (larger) = highest TOP/s/W; solid = lowest carbon; both stay visible when one chip is both
        for what, style, size in (("most_performant", "--", 1300), ("most_carbon_efficient", "-", 700)):
            if what in marks:
                r = rows[marks[what]]
                ax.scatter(
                    [r.topsw],
                    [totals[marks[what]]],
                    s=size,
                    facecolors="none",
                    edgecolors="black",
                    linestyles=style,
                    linewidths=1.2,
                    zorder=4,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        if totals:
            lo, hi = min(totals), max(totals)
            ax.set_ylim(lo / 3, hi * 3)
            xs = [r.topsw for r in rows]
            ax.set_xlim(min(xs) / 1.6, max(xs) * 2.2)
        ax.set_xlabel("TOP/s/W (peak, 8b)")
        ax.set_title(f"{setting.label}: {title}", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("g CO$_2$-eq per inference")
    legend = [
        Line2D(
            [],
            [],
            marker="o",
            color="none",
            markerfacecolor=OPERATIONAL_COLOR,
            markersize=8,
            label="operational",
        ),
        Line2D(
            [], [], marker="o", color="none", markerfacecolor=EMBODIED_COLOR, markersize=8, label="embodied"
        ),
        Line2D(
            [],
            [],
            marker="o",
            color="none",
            markeredgecolor="black",
            markerfacecolor="none",
            markersize=10,
            label="solid circle: most carbon-efficient",
        ),
        Line2D(
            [],
            [],
            marker="o",
            color="none",
            markeredgecolor="black",
            markerfacecolor="none",
            markersize=13,
            label="dashed circle: most performant (TOP/s/W)",
        ),
    ]
    fig.legend(handles=legend, fontsize=7, loc="upper center", ncol=4, frameon=False)
    missed = any(not r.deadline_met for r in rows)
    foot = (
        f"{setting.ops_per_inference:.4g} ops/inference, period {setting.period_ns / 1e6:.4g} ms; "
        "no package or DRAM (CarbonSpot's literature convention)"
    )
    if missed:
        foot += "; \u2020 slower than the period (PA shown unscaled, as published)"
    fig.text(0.5, 0.005, foot, ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 0.94))
    fig.savefig(str(path))
    return circled
