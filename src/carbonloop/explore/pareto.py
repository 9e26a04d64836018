"""Analysis of a sweep: the suite's geometric mean per design, the best design per scenario, Pareto fronts.

As CarbonSpot reports (the ``geo`` rows of KULeuven-MICAS/carbonspot @ 0839b49's committed results), a design's suite figure is the geometric
mean over the suite's workloads of each metric separately: geo energy, geo latency, geo carbon ... (so
geo EDP = geo energy x geo latency). Only designs with every workload of the suite finished get one.
Ties are broken by the design label, so the same store always gives the same answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carbonloop.explore.point import METRIC_COLUMNS

GEO = "geo"
DESIGN_COLUMNS = ("design_id", "design", "accelerator", "template", "accel_type", "space", "suite_size")
GEO_METRICS = (
    "energy_pj",
    "latency_ns",
    "latency_cycles",
    "edp_pj_ns",
    "area_mm2",
    "clock_ns",
    "macs",
    "ops",
    "tops",
    "tops_per_w",
    "tops_per_mm2",
    "carbon_ca_g",
    "carbon_pa_g",
    "carbon_ca_ex_package_g",
    "carbon_pa_ex_package_g",
)


def ok_rows(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty or "status" not in df:
        return df.iloc[0:0]
    return df[df["status"] == "ok"]


def geomean(values: Any) -> float:
    """exp(mean(log x)) of positive values; nan when any value is missing or not positive."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0 or np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        return float("nan")
    return float(np.exp(np.mean(np.log(arr))))


def geomean_rows(df: pd.DataFrame) -> pd.DataFrame:
    """One ``workload == "geo"`` row per design (per space) that finished every workload of its suite."""
    ok = ok_rows(df)
    if ok.empty:
        return ok.iloc[0:0]
    out = []
    param_cols = [c for c in ok.columns if c.startswith("p_")]
    for (_space, _design_id), grp in ok.groupby(["space", "design_id"], sort=True):
        size = int(grp["suite_size"].iloc[0])
        if grp["workload"].nunique() < size:
            continue
        row: dict[str, Any] = {c: grp[c].iloc[0] for c in (*DESIGN_COLUMNS, *param_cols) if c in grp}
        row["workload"] = GEO
        row["status"] = "ok"
        for m in GEO_METRICS:
            if m in grp:
                row[m] = geomean(grp[m])
        for c in [c for c in grp.columns if c.startswith(("ca_", "pa_")) and c.endswith("_g")]:
            row[c] = geomean(grp[c])
        row["deadline_met"] = bool(grp["deadline_met"].all())
        row["workloads"] = grp["workload"].nunique()
        out.append(row)
    return pd.DataFrame(out)


def with_geomean(df: pd.DataFrame) -> pd.DataFrame:
    """The finished rows plus the geo rows."""
    ok = ok_rows(df)
    geo = geomean_rows(df)
    return pd.concat([ok, geo], ignore_index=True) if not geo.empty else ok.reset_index(drop=True)


def design_params(row: pd.Series) -> dict[str, Any]:
    """The design of a row as ``{"template": ..., "kind": ..., "rows": ..., "sram_bytes": ...}`` (+ ``dim``)."""
    out: dict[str, Any] = {"template": row["template"]}
    for c, v in row.items():
        if isinstance(c, str) and c.startswith("p_") and not _missing(v):
            v = v.item() if hasattr(v, "item") else v
            out[c[2:]] = int(v) if isinstance(v, float) and v.is_integer() else v
    if out.get("rows") is not None and out.get("rows") == out.get("cols"):
        out["dim"] = out["rows"]
    return out


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def best_designs(df: pd.DataFrame, metrics: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Per workload and for the suite's geometric mean, the design minimizing each metric.

    Returns ``[{"space", "workload", "metric", "column", "design", "label", "value", "deadline_met"}]``,
    workloads sorted by name then ``geo`` last, metrics in ``METRIC_COLUMNS`` order.
    """
    metrics = metrics or METRIC_COLUMNS
    table = with_geomean(df)
    if table.empty:
        return []
    out = []
    for space, sgrp in table.groupby("space", sort=True):
        workloads = sorted(w for w in set(sgrp["workload"]) if w != GEO)
        if GEO in set(sgrp["workload"]):
            workloads.append(GEO)
        for wl in workloads:
            grp = sgrp[sgrp["workload"] == wl]
            for metric, col in metrics.items():
                vals = grp[col].astype(float)
                cand = grp[np.isfinite(vals)]
                if cand.empty:
                    continue
                cand = cand.assign(_v=cand[col].astype(float)).sort_values(["_v", "design"], kind="mergesort")
                row = cand.iloc[0]
                out.append(
                    {
                        "space": space,
                        "workload": wl,
                        "metric": metric,
                        "column": col,
                        "design": design_params(row),
                        "label": row["design"],
                        "value": float(row["_v"]),
                        "deadline_met": bool(row.get("deadline_met", True)),
                    }
                )
    return out


def pareto_mask(x: Any, y: Any) -> np.ndarray:
    """True for the points no other point beats in both ``x`` and ``y`` (both minimized)."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    order = np.lexsort((ys, xs))
    mask = np.zeros(len(xs), dtype=bool)
    best_y = np.inf
    for i in order:
        if not (np.isfinite(xs[i]) and np.isfinite(ys[i])):
            continue
        if ys[i] < best_y:
            mask[i] = True
            best_y = ys[i]
    return mask


def pareto_front(df: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """The rows of ``df`` on the (``x``, ``y``) Pareto front, sorted by ``x``."""
    if df.empty:
        return df
    return df[pareto_mask(df[x], df[y])].sort_values(x, kind="mergesort")
