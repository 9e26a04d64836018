"""One self-contained HTML report of a sweep: summary, best designs, interactive plotly figures.

The figures are the static ones (:mod:`carbonloop.report.figures`) drawn by plotly from the same prepared
data (:mod:`carbonloop.report.prepare`): same panels, same colours, same legend.

plotly.js is embedded once (``include_plotlyjs=True``, ~4 MB), so the file opens from disk with no
server and no network. Hovering a point shows its design and its numbers.
"""

from __future__ import annotations

import html
import math
import time
from pathlib import Path
from typing import Any

import pandas as pd

from carbonloop.explore.atomic import write_atomically
from carbonloop.explore.pareto import best_designs, ok_rows
from carbonloop.report.prepare import FigureData, LegendEntry, Series, prepare_all, shows_geomean, suite_rows
from carbonloop.report.style import plotly_symbol
from carbonloop.report.tables import best_rows, html_table

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; }
.figure { margin: 1em 0 2em; }
.note { color: #555; font-size: 0.9em; }
"""


def _axis_type(scale: str) -> str:
    return "category" if scale == "category" else ("log" if scale.startswith("log") else "linear")


def _trace(s: Series, *, legendgroup: str) -> Any:
    import plotly.graph_objects as go

    if s.kind == "bar":
        return go.Bar(
            x=list(s.x),
            y=list(s.y),
            name=s.name,
            marker_color=s.colour,
            legendgroup=legendgroup,
            showlegend=False,
            hovertemplate=f"{s.name}: %{{y:.4g}} g<br>%{{x}}<extra></extra>",
        )
    line = {"color": s.colour, "width": 1}
    if s.kind == "step":
        line["shape"] = "hv"
    marker = {
        "symbol": plotly_symbol(s.marker),
        "size": 9 if s.kind == "markers" else 7,
        "color": list(s.point_colours) if s.point_colours is not None else s.colour,
        "line": {"width": 0.5, "color": "black"},
    }
    return go.Scatter(
        x=list(s.x),
        y=list(s.y),
        mode={"markers": "markers", "lines+markers": "lines+markers", "step": "lines"}[s.kind],
        name=s.name,
        marker=marker,
        line=line,
        legendgroup=legendgroup,
        showlegend=False,
        text=list(s.hover) if s.hover else None,
        hovertemplate="%{text}<extra></extra>" if s.hover else None,
        hoverinfo=None if s.hover else "skip",
    )


def _legend_trace(e: LegendEntry, legend: str) -> Any:
    """A trace with no data that only draws a legend entry (the data traces join its legend group)."""
    import plotly.graph_objects as go

    common = {"x": [None], "y": [None], "name": e.label, "legendgroup": e.label, "legend": legend}
    if e.swatch == "bar":
        return go.Bar(marker_color=e.colour, **common)
    if e.swatch == "line":
        return go.Scatter(mode="lines", line={"color": e.colour}, **common)
    symbol = {"symbol": plotly_symbol(e.swatch), "color": e.colour, "line": {"width": 0.5, "color": "black"}}
    return go.Scatter(mode="markers", marker=symbol, **common)


def _legends(data: FigureData) -> dict[str, str]:
    """One plotly legend per legend group (``legend``, ``legend2`` ...), as the static figure has."""
    groups = list(dict.fromkeys(e.group for e in data.legend))
    return {g: "legend" if i == 0 else f"legend{i + 1}" for i, g in enumerate(groups)}


def plotly_figure(data: FigureData) -> Any:
    """The interactive figure of one prepared figure: the same panels, series, colours and legend as the
    static one. Clicking a legend entry hides its series in every panel."""
    from plotly.subplots import make_subplots

    n = len(data.panels)
    ncols = min(data.ncols, n)
    nrows = math.ceil(n / ncols)
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=[p.title for p in data.panels])
    groups = {e.label for e in data.legend}
    for i, panel in enumerate(data.panels):
        row, col = i // ncols + 1, i % ncols + 1
        for s in panel.series:
            fig.add_trace(_trace(s, legendgroup=s.name if s.name in groups else ""), row=row, col=col)
        if not panel.series:
            fig.add_annotation(
                text="no finished points",
                showarrow=False,
                row=row,
                col=col,
                xref="x domain",
                yref="y domain",
                x=0.5,
                y=0.5,
            )
        fig.update_xaxes(type=_axis_type(panel.xscale), title_text=panel.xlabel, row=row, col=col)
        fig.update_yaxes(type=_axis_type(panel.yscale), title_text=panel.ylabel, row=row, col=col)
    legends = _legends(data)
    for e in data.legend:
        fig.add_trace(_legend_trace(e, legends[e.group]))
    layout: dict[str, Any] = {
        legend: {
            "title": {"text": group if group != "front" else ""},
            "orientation": "h",
            "x": (i + 0.5) / len(legends),
            "xanchor": "center",
            "y": -0.12 if nrows == 1 else -0.08,
            "yanchor": "top",
            "groupclick": "togglegroup",
        }
        for i, (group, legend) in enumerate(legends.items())
    }
    stacked = any(p.stacked for p in data.panels)
    fig.update_layout(
        title=data.title,
        height=max(440, 380 * nrows + 80),
        barmode="stack" if stacked else None,
        margin={"l": 60, "r": 30, "t": 70, "b": 110},
        **layout,
    )
    return fig


def build_report(df: pd.DataFrame, *, title: str = "carbonloop exploration", source: str = "") -> str:
    """The report as one HTML string."""
    import plotly.io as pio

    ok = ok_rows(df)
    failed = df[df["status"] != "ok"] if not df.empty and "status" in df else df.iloc[0:0]
    rows = suite_rows(df)
    best = best_designs(df)
    spaces = sorted(set(df["space"])) if not df.empty and "space" in df else []
    summary: list[dict[str, Any]] = [
        {"field": "store", "value": source},
        {"field": "spaces", "value": ", ".join(map(str, spaces))},
        {"field": "points finished", "value": len(ok)},
        {"field": "points failed", "value": len(failed)},
        {"field": "designs", "value": df["design_id"].nunique() if not df.empty else 0},
        {"field": "workloads", "value": ", ".join(sorted(set(ok["workload"]))) if not ok.empty else ""},
        {
            "field": "figures show",
            "value": "the suite's geometric mean per design"
            if shows_geomean(rows)
            else "every finished point",
        },
        {"field": "generated", "value": time.strftime("%Y-%m-%d %H:%M:%S")},
    ]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<h2>Summary</h2>",
        html_table(summary),
        "<h2>Best design per scenario</h2>",
        "<p class='note'>Carbon is ranked without the package, as CarbonSpot ranks designs; "
        "'geomean' is the geometric mean of each metric over the suite's workloads.</p>",
        html_table(best_rows(best), ("workload", "metric", "design", "value", "unit", "deadline")),
    ]
    figs = [plotly_figure(d) for d in prepare_all(df)] if not rows.empty else []
    parts.append("<h2>Figures</h2>")
    for i, fig in enumerate(figs):
        div = pio.to_html(fig, include_plotlyjs=(i == 0), full_html=False, default_height="auto")
        parts.append(f"<div class='figure'>{div}</div>")
    if not figs:
        parts.append("<p><em>no finished points to plot</em></p>")
    if not failed.empty:
        parts.append("<h2>Failed points</h2>")
        parts.append(html_table(failed[["design", "workload", "error"]].to_dict("records")))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(df: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Build the page, then write it through a temporary file renamed into place (never a truncated page)."""
    page = build_report(df, **kwargs)
    return write_atomically(path, lambda tmp: tmp.write_text(page, encoding="utf-8"), field="--output")
