"""One self-contained HTML report of a sweep: summary, best designs, interactive plotly figures.

plotly.js is embedded once (``include_plotlyjs=True``, ~4 MB), so the file opens from disk with no
server and no network. Hovering a point shows its design and its numbers.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carbonloop.explore.pareto import GEO, best_designs, ok_rows, pareto_mask
from carbonloop.report.figures import MARKERS, suite_rows
from carbonloop.report.tables import best_rows, html_table

_SYMBOLS = {"o": "circle", "s": "square", "^": "triangle-up", "D": "diamond", "x": "x"}
_HOVER_COLS = (
    ("energy_pj", "energy pJ"),
    ("latency_ns", "latency ns"),
    ("area_mm2", "area mm²"),
    ("tops_per_w", "TOP/s/W"),
    ("carbon_ca_ex_package_g", "CA g"),
    ("carbon_pa_ex_package_g", "PA g"),
)

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; }
.figure { margin: 1em 0 2em; }
.note { color: #555; font-size: 0.9em; }
"""


def _hover(rows: pd.DataFrame) -> list[str]:
    out = []
    for _, r in rows.iterrows():
        parts = [f"<b>{html.escape(str(r['design']))}</b>", f"workload: {html.escape(str(r['workload']))}"]
        for col, label in _HOVER_COLS:
            if col in r and pd.notna(r[col]):
                parts.append(f"{label}: {float(r[col]):.4g}")
        if "deadline_met" in r and pd.notna(r["deadline_met"]):
            parts.append("deadline met" if bool(r["deadline_met"]) else "deadline MISSED")
        out.append("<br>".join(parts))
    return out


def _scatter_figure(
    rows: pd.DataFrame, x: str, y: str, xlabel: str, ylabel: str, title: str, front: bool
) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for t, grp in rows.groupby("accel_type", sort=True):
        sram = grp["p_sram_bytes"].astype(float) if "p_sram_bytes" in grp else None
        fig.add_trace(
            go.Scatter(
                x=grp[x].astype(float),
                y=grp[y].astype(float),
                mode="markers",
                name=str(t),
                marker={
                    "symbol": _SYMBOLS.get(MARKERS.get(str(t), "x"), "circle"),
                    "size": 9,
                    "color": np.log2(sram) if sram is not None else None,
                    "colorscale": "Viridis",
                    "line": {"width": 0.5, "color": "black"},
                    "colorbar": {"title": "log2 SRAM bytes", "x": 1.12}
                    if t == rows["accel_type"].min()
                    else None,
                    "showscale": bool(t == rows["accel_type"].min()) and sram is not None,
                },
                text=_hover(grp),
                hovertemplate="%{text}<extra></extra>",
            )
        )
    if front and not rows.empty:
        f = rows[pareto_mask(rows[x], rows[y])].sort_values(x)
        fig.add_trace(
            go.Scatter(
                x=f[x].astype(float),
                y=f[y].astype(float),
                mode="lines",
                line={"shape": "hv", "color": "black", "width": 1},
                name="Pareto front",
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title=title,
        xaxis={"title": xlabel, "type": "log"},
        yaxis={"title": ylabel, "type": "log"},
        height=520,
        legend={"orientation": "h", "y": -0.18},
        margin={"l": 60, "r": 30, "t": 50, "b": 60},
    )
    return fig


def _breakdown_figure(rows: pd.DataFrame) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("CA", "PA"))
    comps = ("operational", "epa", "gpa", "mpa", "dram", "package")
    colours = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")
    for ci, scen in enumerate(("ca", "pa"), start=1):
        col = f"carbon_{scen}_ex_package_g"
        best = rows.sort_values([col, "design"], kind="mergesort").groupby("accel_type", sort=True).head(1)
        best = best.sort_values("accel_type")
        for comp, colour in zip(comps, colours, strict=True):
            c = f"{scen}_{comp}_g"
            if c not in best:
                continue
            fig.add_trace(
                go.Bar(
                    x=list(best["design"]),
                    y=best[c].astype(float).fillna(0.0),
                    name=comp,
                    marker_color=colour,
                    legendgroup=comp,
                    showlegend=ci == 1,
                    hovertemplate=f"{comp}: %{{y:.4g}} g<br>%{{x}}<extra></extra>",
                ),
                row=1,
                col=ci,
            )
    fig.update_layout(
        barmode="stack", height=460, title="Carbon breakdown of the best design per accelerator type"
    )
    fig.update_yaxes(title_text="g CO2-eq per inference")
    return fig


def _vs_dim_figure(rows: pd.DataFrame) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    specs = (
        ("tops_per_w", "TOP/s/W", "max"),
        ("tops", "TOP/s", "max"),
        ("tops_per_mm2", "TOP/s/mm²", "max"),
        ("carbon_pa_ex_package_g", "PA carbon g", "min"),
    )
    fig = make_subplots(rows=1, cols=4, subplot_titles=[s[1] for s in specs])
    dims = rows["p_rows"].astype(float) if "p_rows" in rows else pd.Series(np.nan, index=rows.index)
    data = rows.assign(_dim=dims)
    for ci, (col, _label, how) in enumerate(specs, start=1):
        for t, grp in data.groupby("accel_type", sort=True):
            agg = grp.groupby("_dim")[col].agg(how).sort_index()
            fig.add_trace(
                go.Scatter(
                    x=list(agg.index),
                    y=agg.to_numpy(),
                    mode="lines+markers",
                    name=str(t),
                    legendgroup=str(t),
                    showlegend=ci == 1,
                    hovertemplate=f"{t}<br>dim %{{x}}<br>%{{y:.4g}}<extra></extra>",
                ),
                row=1,
                col=ci,
            )
        fig.update_xaxes(type="log", title_text="rows = cols", row=1, col=ci)
        fig.update_yaxes(type="log", row=1, col=ci)
    fig.update_layout(height=420, title="Against array size (best SRAM size at each size)")
    return fig


def build_report(df: pd.DataFrame, *, title: str = "carbonloop exploration", source: str = "") -> str:
    """The report as one HTML string."""
    import plotly.io as pio

    ok = ok_rows(df)
    failed = df[df["status"] != "ok"] if not df.empty and "status" in df else df.iloc[0:0]
    rows = suite_rows(df)
    best = best_designs(df)
    spaces = sorted(set(df["space"])) if not df.empty and "space" in df else []
    summary = [
        {"field": "store", "value": source},
        {"field": "spaces", "value": ", ".join(map(str, spaces))},
        {"field": "points finished", "value": len(ok)},
        {"field": "points failed", "value": len(failed)},
        {"field": "designs", "value": df["design_id"].nunique() if not df.empty else 0},
        {"field": "workloads", "value": ", ".join(sorted(set(ok["workload"]))) if not ok.empty else ""},
        {
            "field": "figures show",
            "value": "the suite's geometric mean per design"
            if not rows.empty and (rows["workload"] == GEO).all()
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
    figs = []
    if not rows.empty:
        figs = [
            _scatter_figure(
                rows,
                "carbon_ca_ex_package_g",
                "carbon_pa_ex_package_g",
                "CA carbon per inference (g)",
                "PA carbon per inference (g)",
                "CA vs PA carbon per design (colour: SRAM size)",
                front=False,
            ),
            _scatter_figure(
                rows,
                "latency_ns",
                "carbon_pa_ex_package_g",
                "latency (ns)",
                "PA carbon (g)",
                "Performance vs PA carbon, with the Pareto front",
                front=True,
            ),
            _scatter_figure(
                rows,
                "latency_ns",
                "carbon_ca_ex_package_g",
                "latency (ns)",
                "CA carbon (g)",
                "Performance vs CA carbon, with the Pareto front",
                front=True,
            ),
            _breakdown_figure(rows),
            _vs_dim_figure(rows),
        ]
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
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(build_report(df, **kwargs), encoding="utf-8")
    return p
