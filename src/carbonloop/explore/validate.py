"""Side by side with CarbonSpot's published sweep: energy, latency, area and carbon of every point both tools
evaluated, the ratios, and whether the same design wins each scenario (``carbonloop validate carbonspot``;
the Markdown is written by :mod:`carbonloop.report.validation`).

The reference is CarbonSpot's committed sweep results, shipped as package data
(``explore/data/carbonspot_dse_results.csv``, source in ``explore/data/README.md``): the two result pickles
``no_cme_expr_res_tiny.pkl`` and ``no_cme_expr_res_mobile.pkl`` of KULeuven-MICAS/carbonspot at commit
0839b49 (Sun et al., "An Analytical Model for Performance-Carbon Co-Optimization of Edge AI Accelerators",
IEEE TCAD 2025), flattened to one row per suite, workload, accelerator type, SRAM size and array size, plus
a ``geo`` row per design. Latency is compared in ns (cycles x clock), because the two tools' clocks differ
for IMC and weight-stationary arrays.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carbonloop.errors import SpecError
from carbonloop.explore.pareto import GEO, best_designs, geomean, with_geomean
from carbonloop.explore.point import METRIC_COLUMNS

ACC_TYPES = {"digital_os": "pdigital_os", "digital_ws": "pdigital_ws", "aimc": "AIMC", "dimc": "DIMC"}
WORKLOADS = {
    "ds_cnn": "ds_cnn",
    "mobilenet_v1": "mobilenet",
    "resnet8": "resnet8",
    "autoencoder": "ae",
    "mobilenet_edgetpu": "mobilenet_edgetpu",
    "ssd_mobilenet_v2": "mobilenet_v2",
    "deeplabv3_mnv2": "deeplabv3",
    "mobilebert": "mobilebert",
    GEO: GEO,
}
REFERENCE_NAME = "carbonspot_dse_results.csv"
# (our column, CarbonSpot's column, label)
COMPARED = (
    ("energy_pj", "energy_pJ", "energy"),
    ("latency_ns", "latency_ns", "latency"),
    ("latency_cycles", "latency_cycles", "cycles"),
    ("clock_ns", "tclk_ns", "clock"),
    ("area_mm2", "area_mm2", "area"),
    ("carbon_ca_ex_package_g", "cf_ca_ex_pkg_g", "CA carbon"),
    ("carbon_pa_ex_package_g", "cf_pa_ex_pkg_g", "PA carbon"),
)
REF_METRICS = {
    "energy": "energy_pJ",
    "latency": "latency_ns",
    "edp": "edp_pj_ns",
    "carbon_ca": "cf_ca_ex_pkg_g",
    "carbon_pa": "cf_pa_ex_pkg_g",
}


# the columns of CarbonSpot's CSV the comparison reads (latency_ns and edp_pj_ns are derived from them)
REQUIRED_COLUMNS = (
    "suite",
    "workload",
    "acc_type",
    "sram_size_B",
    "dim",
    "energy_pJ",
    "latency_cycles",
    "tclk_ns",
    "area_mm2",
    "cf_ca_ex_pkg_g",
    "cf_pa_ex_pkg_g",
)


def default_reference() -> Path:
    """The copy of CarbonSpot's published results that ships with carbonloop (package data)."""
    return Path(str(files("carbonloop.explore") / "data" / REFERENCE_NAME))


def load_reference(path: str | Path | None = None) -> pd.DataFrame:
    """CarbonSpot's results (``path``, default the shipped copy) with latency in ns and EDP added.

    A missing file or a missing column is a :class:`SpecError` naming the file and the column."""
    p = Path(path) if path is not None else default_reference()
    if not p.is_file():
        raise SpecError(str(p), "--reference", "no such file")
    try:
        ref = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise SpecError(str(p), "<csv>", f"not a CSV table: {' '.join(str(err).split())}") from None
    for col in REQUIRED_COLUMNS:
        if col not in ref:
            raise SpecError(str(p), col, "missing column (expected CarbonSpot's results CSV)")
    ref["latency_ns"] = ref["latency_cycles"] * ref["tclk_ns"]
    ref["edp_pj_ns"] = ref["energy_pJ"] * ref["latency_ns"]
    # CarbonSpot's geo rows hold the geomean of each metric; the clock is one per design, so geo cycles x
    # clock is the geomean latency in ns and geo energy x geo latency the geomean EDP, as ours.
    return ref


def _our_keys(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["acc_type"] = out["accel_type"].map(ACC_TYPES)
    out["ref_workload"] = out["workload"].map(WORKLOADS)
    out["dim"] = out["p_rows"].astype("Int64")
    out["sram_size_B"] = out["p_sram_bytes"].astype("Int64")
    square = out["p_rows"] == out["p_cols"]
    return out[square & out["acc_type"].notna() & out["ref_workload"].notna()]


def compare(ours: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    """One row per point both evaluated (geo rows included): our value, CarbonSpot's and the ratio."""
    table = _our_keys(with_geomean(ours))
    keys = ["acc_type", "sram_size_B", "dim", "ref_workload"]
    r = ref.rename(columns={"workload": "ref_workload"})
    # a 'geo' row exists per suite: compare only with the suites our (non-geo) workloads belong to
    named = set(table.loc[table["ref_workload"] != GEO, "ref_workload"]) if "ref_workload" in table else set()
    suites = set(r.loc[r["ref_workload"].isin(named), "suite"])
    if suites:
        r = r[r["suite"].isin(suites)]
    r = r.assign(dim=r["dim"].astype("Int64"), sram_size_B=r["sram_size_B"].astype("Int64"))
    cols = ["suite", *keys, *{c for _, c, _ in COMPARED}]
    merged = table.merge(r[cols], on=keys, how="inner", suffixes=("", "_cs"))
    out = merged[["suite", "workload", "accel_type", "dim", "sram_size_B", "design"]].copy()
    for ours_col, ref_col, label in COMPARED:
        ref_vals = merged[ref_col + "_cs"] if ref_col + "_cs" in merged else merged[ref_col]
        out[f"{label} ours"] = merged[ours_col].astype(float)
        out[f"{label} CarbonSpot"] = ref_vals.astype(float)
        out[f"{label} ratio"] = out[f"{label} ours"] / out[f"{label} CarbonSpot"]
    return out.sort_values(["suite", "accel_type", "dim", "sram_size_B", "workload"]).reset_index(drop=True)


def ratio_summary(cmp: pd.DataFrame, *, by: str = "accel_type") -> pd.DataFrame:
    """Per accelerator type (and all): the geometric mean, min and max of ours / CarbonSpot per metric."""
    rows = []
    pts = cmp[cmp["workload"] != GEO]
    groups = [*pts.groupby(by, sort=True), ("all", pts)]
    for name, grp in groups:
        row: dict[str, Any] = {by: name, "points": len(grp)}
        for _, _, label in COMPARED:
            r = grp[f"{label} ratio"].astype(float)
            r = r[np.isfinite(r) & (r > 0)]
            row[f"{label} geo"] = geomean(r) if len(r) else np.nan
            row[f"{label} min"] = float(r.min()) if len(r) else np.nan
            row[f"{label} max"] = float(r.max()) if len(r) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _ref_label(row: pd.Series) -> str:
    inv = {v: k for k, v in ACC_TYPES.items()}
    from carbonloop.explore.space import format_bytes

    d = int(row["dim"])
    return f"{inv.get(row['acc_type'], row['acc_type'])} {d}x{d} {format_bytes(int(row['sram_size_B']))}"


def winners(ours: pd.DataFrame, ref: pd.DataFrame, cmp: pd.DataFrame) -> pd.DataFrame:
    """Per workload (and geo) and scenario: our best design, CarbonSpot's best over the same designs, and
    the rank of each one's winner in the other's ranking (1 = same winner)."""
    ours_best = {(b["workload"], b["metric"]): b for b in best_designs(ours)}
    table = with_geomean(ours)
    rows = []
    for suite in sorted(set(cmp["suite"])):
        common = cmp[cmp["suite"] == suite]
        for wl in [*sorted(set(common["workload"]) - {GEO}), GEO]:
            pts = common[common["workload"] == wl]
            if pts.empty:
                continue
            labels = set(pts["design"])
            refw = ref[(ref["suite"] == suite) & (ref["workload"] == WORKLOADS[wl])].copy()
            refw["label"] = refw.apply(_ref_label, axis=1)
            refw = refw[refw["label"].isin(labels)]
            mine = table[(table["workload"] == wl) & table["design"].isin(labels)]
            for metric, col in METRIC_COLUMNS.items():
                ref_col = REF_METRICS[metric]
                theirs = refw.sort_values([ref_col, "label"], kind="mergesort")
                ours_sorted = mine.sort_values([col, "design"], kind="mergesort")
                if theirs.empty or ours_sorted.empty:
                    continue
                our_win = ours_best.get((wl, metric), {}).get("label", ours_sorted.iloc[0]["design"])
                our_win = ours_sorted.iloc[0]["design"] if our_win not in labels else our_win
                their_win = theirs.iloc[0]["label"]
                rank_theirs_in_ours = list(ours_sorted["design"]).index(their_win) + 1
                rank_ours_in_theirs = list(theirs["label"]).index(our_win) + 1
                rows.append(
                    {
                        "suite": suite,
                        "workload": wl,
                        "metric": metric,
                        "ours": our_win,
                        "CarbonSpot": their_win,
                        "same": our_win == their_win,
                        "CarbonSpot's winner ranks (ours)": rank_theirs_in_ours,
                        "our winner ranks (CarbonSpot)": rank_ours_in_theirs,
                        "designs": len(labels),
                    }
                )
    return pd.DataFrame(rows)
