"""Tables of a sweep: the best design per scenario (rich for the terminal, HTML, Markdown)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

METRIC_LABELS = {
    "energy": ("energy", "pJ"),
    "latency": ("latency", "ns"),
    "edp": ("EDP", "pJ·ns"),
    "carbon_ca": ("CA carbon", "g"),
    "carbon_pa": ("PA carbon", "g"),
}


def fmt(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        if x != x:  # nan
            return ""
        return f"{x:.4g}"
    return str(x)


def best_rows(best: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Display rows of :func:`carbonloop.explore.pareto.best_designs`."""
    out = []
    for b in best:
        name, unit = METRIC_LABELS.get(b["metric"], (b["metric"], ""))
        out.append(
            {
                "space": str(b.get("space", "")),
                "workload": "geomean" if b["workload"] == "geo" else str(b["workload"]),
                "metric": name,
                "design": str(b["label"]),
                "value": f"{b['value']:.4g}",
                "unit": unit,
                "deadline": "met" if b.get("deadline_met", True) else "MISSED",
            }
        )
    return out


def rich_best_table(best: Sequence[dict[str, Any]], title: str = "Best design per scenario") -> Any:
    from rich.table import Table

    t = Table(
        title=title,
        title_justify="left",
        caption="carbon per inference without the package (as CarbonSpot ranks); geomean over the suite",
        caption_justify="left",
    )
    for col in ("workload", "metric", "design", "value", "deadline"):
        t.add_column(col, justify="right" if col == "value" else "left", no_wrap=col != "workload")
    last = None
    for r in best_rows(best):
        if last is not None and r["workload"] != last:
            t.add_section()
        last = r["workload"]
        t.add_row(r["workload"], r["metric"], r["design"], f"{r['value']} {r['unit']}", r["deadline"])
    return t


def html_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, cls: str = "") -> str:
    """A plain HTML table (escaped) of a list of dicts."""
    if not rows:
        return "<p><em>none</em></p>"
    cols = list(columns or rows[0].keys())
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(fmt(r.get(c)))}</td>" for c in cols) + "</tr>" for r in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return "_none_\n"
    cols = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"
