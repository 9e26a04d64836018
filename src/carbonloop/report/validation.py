"""The Markdown section of docs/validation.md: carbonloop's sweep next to CarbonSpot's published one.

The numbers come from :mod:`carbonloop.explore.validate` (matching, ratios, winners); this module only
lays them out, so the exploration package never imports the report package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carbonloop.explore.pareto import GEO
from carbonloop.explore.validate import ASSUMPTIONS, STUDY, attribution, compare, ratio_summary, winners
from carbonloop.report.tables import markdown_table


def _md(df: pd.DataFrame, floatfmt: str = "{:.3g}") -> str:
    def conv(v: Any) -> Any:
        if isinstance(v, float | np.floating):
            return floatfmt.format(float(v)) if np.isfinite(v) else ""
        if isinstance(v, np.integer):
            return int(v)
        return v

    return markdown_table(
        [{k: conv(v) for k, v in r.items()} for r in df.to_dict("records")], list(df.columns)
    )


def validation_report(ours: pd.DataFrame, ref: pd.DataFrame, *, points_table: bool = True) -> str:
    """Ratios per accelerator type, the winners of both tools and (optionally) every point, in Markdown."""
    cmp = compare(ours, ref)
    if cmp.empty:
        return "No point of the store is in the reference.\n"
    summary = ratio_summary(cmp)
    win = winners(ours, ref, cmp)
    n_pts = int((cmp["workload"] != GEO).sum())
    failed = int((ours["status"] != "ok").sum()) if "status" in ours else 0
    parts = [
        f"Points compared: {n_pts} (+ {int((cmp['workload'] == GEO).sum())} geomean rows); "
        f"failed points in the store: {failed}.\n",
        "### Ratios ours / CarbonSpot (geometric mean, min, max over the points)\n",
        _md(summary[["accel_type", "points", *[c for c in summary.columns if c.endswith("geo")]]]),
        "\n",
        _md(summary[["accel_type", *[c for c in summary.columns if c.endswith(("min", "max"))]]]),
        "\n### Best design per scenario: ours vs CarbonSpot's (over the designs both evaluated)\n",
        f"Same winner in {int(win['same'].sum())} of {len(win)} (workload, scenario) pairs.\n\n"
        if len(win)
        else "",
        _md(win) if len(win) else "",
    ]
    if points_table:
        cols = ["workload", "accel_type", "dim", "sram_size_B"]
        for label in ("energy", "latency", "area", "CA carbon", "PA carbon"):
            cols += [f"{label} ours", f"{label} CarbonSpot", f"{label} ratio"]
        parts += ["\n### Every point\n", _md(cmp[cols])]
    return "".join(parts)


def attribution_report(runs: dict[str, pd.DataFrame], ref: pd.DataFrame) -> str:
    """The attribution tables: what each of CarbonSpot's assumptions, set back to carbonloop's choice
    alone, does to the ratios ours / CarbonSpot and to the winners (``runs``: label -> records, the study
    first)."""
    summary, detail = attribution(runs, ref)
    if summary.empty:
        return "No point of the runs is in the reference.\n"
    described = pd.DataFrame(
        [
            {
                "assumption": a.name,
                "kind": a.kind,
                "CarbonSpot": a.carbonspot,
                "carbonloop": a.carbonloop,
                "types": ", ".join(a.accel_types),
            }
            for a in ASSUMPTIONS
            if a.name in runs
        ]
    )
    parts = [
        "### Attribution: each assumption set back to carbonloop's choice alone\n\n",
        f"First row: CarbonSpot's study under the carbonspot conventions and hardware profile "
        f"({STUDY!r}). Each next row flips one assumption to carbonloop's default and re-runs the types it "
        "can change; geomean of ours / CarbonSpot over the points, share of points within +-15 %, and the "
        "(workload, scenario) pairs whose best design is CarbonSpot's.\n\n",
        _md(summary),
        "\n\nPer accelerator type (geomean ours / CarbonSpot):\n\n",
        _md(detail),
        "\n",
    ]
    if not described.empty:
        parts += ["\nThe assumptions:\n\n", _md(described), "\n"]
    return "".join(parts)
