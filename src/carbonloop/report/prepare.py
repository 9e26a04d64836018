"""One data preparation for the figures of a sweep, drawn by both renderers (matplotlib and plotly).

Each figure is a :class:`FigureData`: panels of named series (numbers, colours, markers, hover text) and
one legend. :mod:`carbonloop.report.figures` draws it as a PNG/SVG/PDF and :mod:`carbonloop.report.html`
as an interactive plotly figure; neither computes anything, so the two cannot drift apart.

All figures use the suite's geometric-mean rows when the sweep has them, else every finished point.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from carbonloop.errors import SpecError
from carbonloop.explore.pareto import GEO, pareto_mask, with_geomean
from carbonloop.report.style import (
    COMPONENT_COLOURS,
    FRONT_COLOUR,
    NEUTRAL,
    marker,
    sram_colours,
    type_colours,
)

COMPONENTS = tuple(COMPONENT_COLOURS)
SCENARIOS = ("ca", "pa")


@dataclass(frozen=True)
class Series:
    """One legend name's data in one panel. ``kind``: ``markers``, ``lines+markers``, ``step`` or ``bar``."""

    name: str
    x: tuple[Any, ...]
    y: tuple[float, ...]
    kind: str
    colour: str
    marker: str = "o"
    point_colours: tuple[str, ...] | None = None  # per point (SRAM size), else every point in ``colour``
    hover: tuple[str, ...] = ()


@dataclass(frozen=True)
class Panel:
    title: str
    xlabel: str
    ylabel: str
    series: tuple[Series, ...]
    xscale: str = "log"  # log, log2 or category
    yscale: str = "log"  # log or linear
    stacked: bool = False


@dataclass(frozen=True)
class LegendEntry:
    """``swatch``: a marker (``o``, ``s`` ...), ``line`` or ``bar``; ``group``: the legend's title."""

    label: str
    colour: str
    swatch: str
    group: str


@dataclass(frozen=True)
class FigureData:
    name: str
    title: str
    panels: tuple[Panel, ...]
    legend: tuple[LegendEntry, ...]
    ncols: int


# (column, axis label, best over the SRAM sizes at one array size)
VS_DIM = (
    ("tops_per_w", "TOP/s/W", "max"),
    ("tops", "TOP/s", "max"),
    ("tops_per_mm2", "TOP/s/mm²", "max"),
    ("carbon_ca_ex_package_g", "CA carbon, ex. package (g)", "min"),
    ("carbon_pa_ex_package_g", "PA carbon, ex. package (g)", "min"),
    ("area_mm2", "area (mm²)", "min"),
)
HOVER_COLUMNS = (
    ("energy_pj", "energy pJ"),
    ("latency_ns", "latency ns"),
    ("area_mm2", "area mm²"),
    ("tops_per_w", "TOP/s/W"),
    ("carbon_ca_ex_package_g", "CA g"),
    ("carbon_pa_ex_package_g", "PA g"),
)


def select_space(df: pd.DataFrame, space: str | None, *, source: str) -> pd.DataFrame:
    """The rows of one space. Without ``space``, a store of several spaces is an error naming them: figures
    and rankings never mix spaces silently."""
    if df.empty or "space" not in df:
        return df
    spaces = sorted(str(s) for s in df["space"].dropna().unique())
    if space is None:
        if len(spaces) > 1:
            raise SpecError(source, "--space", f"the store holds several spaces, choose one of {spaces}")
        return df
    if space not in spaces:
        raise SpecError(source, "--space", f"no points of space {space!r} (the store holds {spaces})")
    return df[df["space"] == space]


def suite_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The geometric-mean rows when any, else every finished point."""
    table = with_geomean(df)
    if table.empty:
        return table
    geo = table[table["workload"] == GEO]
    return geo if not geo.empty else table


def shows_geomean(rows: pd.DataFrame) -> bool:
    return not rows.empty and bool((rows["workload"] == GEO).all())


def format_bytes_label(n: float) -> str:
    from carbonloop.explore.space import format_bytes

    return format_bytes(int(n)) if np.isfinite(n) else "?"


def hover_text(rows: pd.DataFrame) -> tuple[str, ...]:
    """Per row: the design in bold, the workload and the numbers a reader compares (HTML)."""
    out = []
    for _, r in rows.iterrows():
        parts = [f"<b>{html.escape(str(r['design']))}</b>", f"workload: {html.escape(str(r['workload']))}"]
        for col, label in HOVER_COLUMNS:
            if col in r and pd.notna(r[col]):
                parts.append(f"{label}: {float(r[col]):.4g}")
        if "deadline_met" in r and pd.notna(r["deadline_met"]):
            parts.append("deadline met" if bool(r["deadline_met"]) else "deadline MISSED")
        out.append("<br>".join(parts))
    return tuple(out)


def _column(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col].astype(float) if col in df else pd.Series(np.nan, index=df.index, dtype=float)


def _types(rows: pd.DataFrame) -> list[str]:
    return sorted(str(t) for t in rows["accel_type"].unique()) if not rows.empty else []


def _type_legend(rows: pd.DataFrame, *, coloured: bool) -> tuple[LegendEntry, ...]:
    colours = type_colours(_types(rows))
    return tuple(
        LegendEntry(t, colours[t] if coloured else NEUTRAL, marker(t), "accelerator") for t in _types(rows)
    )


def carbon_scatter(df: pd.DataFrame) -> FigureData:
    """CA vs PA carbon per design: marker = accelerator type, colour = SRAM size."""
    rows = suite_rows(df)
    x_col, y_col = "carbon_ca_ex_package_g", "carbon_pa_ex_package_g"
    series: list[Series] = []
    legend: list[LegendEntry] = []
    if not rows.empty:
        sram = _column(rows, "p_sram_bytes")
        colour_of = sram_colours([s for s in sram if np.isfinite(s)])
        for t, grp in rows.groupby("accel_type", sort=True):
            sizes = _column(grp, "p_sram_bytes")
            series.append(
                Series(
                    name=str(t),
                    x=tuple(_column(grp, x_col)),
                    y=tuple(_column(grp, y_col)),
                    kind="markers",
                    colour=NEUTRAL,
                    marker=marker(str(t)),
                    point_colours=tuple(colour_of.get(s, NEUTRAL) for s in sizes),
                    hover=hover_text(grp),
                )
            )
        legend = [*_type_legend(rows, coloured=False)]
        legend += [LegendEntry(format_bytes_label(s), c, "o", "SRAM") for s, c in colour_of.items()]
    which = "geomean over the suite" if shows_geomean(rows) else "per point"
    panel = Panel(
        title=f"CA vs PA carbon per design ({which})",
        xlabel="CA carbon per inference, ex. package (g)",
        ylabel="PA carbon per inference, ex. package (g)",
        series=tuple(series),
    )
    return FigureData("explore_carbon_scatter", panel.title, (panel,), tuple(legend), ncols=1)


def best_per_type(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """The design of each accelerator type with the smallest ``column`` (ties: first design label)."""
    best = rows.sort_values([column, "design"], kind="mergesort").groupby("accel_type", sort=True).head(1)
    return best.sort_values("accel_type")


def carbon_breakdown(df: pd.DataFrame) -> FigureData:
    """Stacked carbon components of the best design of each accelerator type, CA and PA."""
    rows = suite_rows(df)
    panels = []
    present: list[str] = []
    for scen in SCENARIOS:
        col = f"carbon_{scen}_ex_package_g"
        series: list[Series] = []
        if not rows.empty and col in rows:
            best = best_per_type(rows, col)
            labels = tuple(str(d) for d in best["design"])
            for comp in COMPONENTS:
                c = f"{scen}_{comp}_g"
                if c not in best:
                    continue
                if comp not in present:
                    present.append(comp)
                series.append(
                    Series(comp, labels, tuple(_column(best, c).fillna(0.0)), "bar", COMPONENT_COLOURS[comp])
                )
        panels.append(
            Panel(
                title=f"{scen.upper()}: best design per accelerator type",
                xlabel="",
                ylabel="g CO2-eq per inference",
                series=tuple(series),
                xscale="category",
                yscale="linear",
                stacked=True,
            )
        )
    legend = tuple(LegendEntry(c, COMPONENT_COLOURS[c], "bar", "component") for c in present)
    title = "Carbon breakdown of the best design per accelerator type"
    return FigureData("explore_carbon_breakdown", title, tuple(panels), legend, ncols=2)


def best_over_sram(rows: pd.DataFrame, column: str, how: str) -> dict[str, pd.Series]:
    """Per accelerator type: ``column`` at each array size (rows), the best (``max``/``min``) SRAM size."""
    data = rows.assign(_dim=_column(rows, "p_rows"), _v=_column(rows, column))
    return {
        str(t): grp.groupby("_dim")["_v"].agg(how).sort_index()
        for t, grp in data.groupby("accel_type", sort=True)
    }


def metrics_vs_dim(df: pd.DataFrame) -> FigureData:
    """TOP/s/W, TOP/s, TOP/s/mm², CA and PA carbon and area against the array size, per accelerator type."""
    rows = suite_rows(df)
    colours = type_colours(_types(rows))
    panels = []
    for col, label, how in VS_DIM:
        series: list[Series] = []
        if not rows.empty and col in rows:
            for t, agg in best_over_sram(rows, col, how).items():
                hover = tuple(f"{t}<br>{int(d)}x{int(d)}<br>{label}: {v:.4g}" for d, v in agg.items())
                series.append(
                    Series(
                        t, tuple(agg.index), tuple(agg), "lines+markers", colours[t], marker(t), hover=hover
                    )
                )
        panels.append(Panel(label, "array size (rows = cols)", label, tuple(series), xscale="log2"))
    title = "Metrics against array size (best SRAM size at each size; suite geomean)"
    return FigureData("explore_vs_dim", title, tuple(panels), _type_legend(rows, coloured=True), ncols=3)


def pareto(df: pd.DataFrame) -> FigureData:
    """Latency vs CA and PA carbon: every design and the Pareto front."""
    rows = suite_rows(df)
    colours = type_colours(_types(rows))
    panels = []
    for scen in SCENARIOS:
        col = f"carbon_{scen}_ex_package_g"
        series: list[Series] = []
        if not rows.empty:
            for t, grp in rows.groupby("accel_type", sort=True):
                series.append(
                    Series(
                        str(t),
                        tuple(_column(grp, "latency_ns")),
                        tuple(_column(grp, col)),
                        "markers",
                        colours[str(t)],
                        marker(str(t)),
                        hover=hover_text(grp),
                    )
                )
            front = rows[pareto_mask(_column(rows, "latency_ns"), _column(rows, col))]
            front = front.sort_values("latency_ns")
            series.append(
                Series(
                    "Pareto front",
                    tuple(_column(front, "latency_ns")),
                    tuple(_column(front, col)),
                    "step",
                    FRONT_COLOUR,
                    hover=tuple(str(d) for d in front["design"]),
                )
            )
        panels.append(
            Panel(
                f"latency vs {scen.upper()} carbon",
                "latency per inference (ns)",
                f"{scen.upper()} carbon, ex. package (g)",
                tuple(series),
            )
        )
    legend = _type_legend(rows, coloured=True)
    if not rows.empty:
        legend += (LegendEntry("Pareto front", FRONT_COLOUR, "line", "front"),)
    return FigureData(
        "explore_pareto", "Performance vs carbon, with the Pareto front", tuple(panels), legend, 2
    )


PREPARE: dict[str, Callable[[pd.DataFrame], FigureData]] = {
    "explore_carbon_scatter": carbon_scatter,
    "explore_carbon_breakdown": carbon_breakdown,
    "explore_vs_dim": metrics_vs_dim,
    "explore_pareto": pareto,
}


def prepare_all(df: pd.DataFrame) -> list[FigureData]:
    """Every figure of a sweep, in the order the report shows them."""
    return [prepare(df) for prepare in PREPARE.values()]
