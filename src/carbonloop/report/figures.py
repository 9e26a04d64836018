"""Static figures of a sweep (matplotlib, Agg; PNG, SVG or PDF by the file's extension).

- ``explore_carbon_scatter``: CA vs PA carbon per design, coloured by SRAM size, marked by accelerator type;
- ``explore_carbon_breakdown``: the carbon breakdown (operational, die EPA/GPA/MPA, DRAM, package) of the
  best design of each accelerator type, CA and PA;
- ``explore_vs_dim``: TOP/s/W, TOP/s, TOP/s/mm2 and carbon against the array size, per accelerator type
  (the best SRAM size at each array size);
- ``explore_pareto``: latency vs carbon, every design and the Pareto front, CA and PA.

All use the suite's geometric-mean rows when the sweep has them, else every finished point.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carbonloop.explore.pareto import GEO, pareto_mask, with_geomean

MARKERS = {"digital_os": "o", "digital_ws": "s", "aimc": "^", "dimc": "D"}
COMPONENTS = ("operational", "epa", "gpa", "mpa", "dram", "package")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def suite_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The geometric-mean rows when any, else every finished point."""
    table = with_geomean(df)
    if table.empty:
        return table
    geo = table[table["workload"] == GEO]
    return geo if not geo.empty else table


def _sram(df: pd.DataFrame) -> pd.Series:
    return df["p_sram_bytes"] if "p_sram_bytes" in df else pd.Series(np.nan, index=df.index)


def _dim(df: pd.DataFrame) -> pd.Series:
    return df["p_rows"] if "p_rows" in df else pd.Series(np.nan, index=df.index)


def _empty(ax: Any, text: str = "no finished points") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def carbon_scatter(df: pd.DataFrame, path: str | Path) -> Path:
    plt = _plt()
    rows = suite_rows(df)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    if rows.empty:
        _empty(ax)
    else:
        sram = _sram(rows).astype(float)
        sizes = sorted(s for s in sram.unique() if np.isfinite(s))
        cmap = plt.get_cmap("viridis", max(len(sizes), 1))
        colour = {s: cmap(i) for i, s in enumerate(sizes)}
        for t, grp in rows.groupby("accel_type", sort=True):
            cols = [colour.get(s, "grey") for s in _sram(grp).astype(float)]
            ax.scatter(
                grp["carbon_ca_ex_package_g"],
                grp["carbon_pa_ex_package_g"],
                c=cols,
                marker=MARKERS.get(str(t), "x"),
                edgecolors="black",
                linewidths=0.4,
                s=36,
                label=str(t),
            )
        from matplotlib.lines import Line2D

        type_handles = [
            Line2D(
                [], [], marker=MARKERS.get(str(t), "x"), ls="", color="grey", markeredgecolor="black", label=t
            )
            for t in sorted(rows["accel_type"].unique())
        ]
        size_handles = [Line2D([], [], marker="o", ls="", color=colour[s], label=_bytes(s)) for s in sizes]
        first = ax.legend(handles=type_handles, title="accelerator", loc="upper left", fontsize=7)
        ax.add_artist(first)
        ax.legend(handles=size_handles, title="SRAM", loc="lower right", fontsize=7)
        ax.set_xscale("log")
        ax.set_yscale("log")
    which = "geomean over the suite" if not rows.empty and (rows["workload"] == GEO).all() else "per point"
    ax.set_xlabel("CA carbon per inference, ex. package (g)")
    ax.set_ylabel("PA carbon per inference, ex. package (g)")
    ax.set_title(f"CA vs PA carbon per design ({which})", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    return _save(fig, path)


def _bytes(n: float) -> str:
    from carbonloop.explore.space import format_bytes

    return format_bytes(int(n)) if np.isfinite(n) else "?"


def carbon_breakdown(df: pd.DataFrame, path: str | Path) -> Path:
    plt = _plt()
    rows = suite_rows(df)
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.2))
    for ax, scen in zip(axes, ("ca", "pa"), strict=True):
        col = f"carbon_{scen}_ex_package_g"
        if rows.empty or col not in rows:
            _empty(ax)
            continue
        best = rows.sort_values([col, "design"], kind="mergesort").groupby("accel_type", sort=True).head(1)
        best = best.sort_values("accel_type")
        bottom = np.zeros(len(best))
        labels = [f"{d}" for d in best["design"]]
        for comp in COMPONENTS:
            c = f"{scen}_{comp}_g"
            if c not in best:
                continue
            vals = best[c].astype(float).fillna(0.0).to_numpy()
            ax.bar(range(len(best)), vals, bottom=bottom, label=comp)
            bottom += vals
        ax.set_xticks(range(len(best)), labels, rotation=25, ha="right", fontsize=7)
        ax.set_ylabel("g CO2-eq per inference")
        ax.set_title(f"{scen.upper()}: best design per accelerator type", fontsize=10)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, path)


VS_DIM = (
    ("tops_per_w", "TOP/s/W", "max"),
    ("tops", "TOP/s", "max"),
    ("tops_per_mm2", "TOP/s/mm²", "max"),
    ("carbon_ca_ex_package_g", "CA carbon (g)", "min"),
    ("carbon_pa_ex_package_g", "PA carbon (g)", "min"),
    ("area_mm2", "area (mm²)", "min"),
)


def metrics_vs_dim(df: pd.DataFrame, path: str | Path) -> Path:
    plt = _plt()
    rows = suite_rows(df)
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.8))
    for ax, (col, label, how) in zip(axes.flat, VS_DIM, strict=True):
        if rows.empty or col not in rows:
            _empty(ax)
            continue
        data = rows.assign(_dim=_dim(rows).astype(float), _v=rows[col].astype(float))
        for t, grp in data.groupby("accel_type", sort=True):
            agg = grp.groupby("_dim")["_v"].agg(how).sort_index()
            ax.plot(agg.index, agg.to_numpy(), marker=MARKERS.get(str(t), "x"), label=str(t))
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("array size (rows = cols)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Metrics against array size (best SRAM size at each point; suite geomean)", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def pareto_plot(df: pd.DataFrame, path: str | Path) -> Path:
    plt = _plt()
    rows = suite_rows(df)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, scen in zip(axes, ("ca", "pa"), strict=True):
        col = f"carbon_{scen}_ex_package_g"
        if rows.empty:
            _empty(ax)
            continue
        for t, grp in rows.groupby("accel_type", sort=True):
            ax.scatter(grp["latency_ns"], grp[col], marker=MARKERS.get(str(t), "x"), s=20, alpha=0.6, label=t)
        mask = pareto_mask(rows["latency_ns"], rows[col])
        front = rows[mask].sort_values("latency_ns")
        ax.step(front["latency_ns"], front[col], where="post", color="black", lw=1, label="Pareto front")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("latency per inference (ns)")
        ax.set_ylabel(f"{scen.upper()} carbon, ex. package (g)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig: Any, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=130, bbox_inches="tight")
    _plt().close(fig)
    return p


FIGURES = {
    "explore_carbon_scatter": carbon_scatter,
    "explore_carbon_breakdown": carbon_breakdown,
    "explore_vs_dim": metrics_vs_dim,
    "explore_pareto": pareto_plot,
}


def write_figures(df: pd.DataFrame, out_dir: str | Path, formats: Sequence[str] = ("png",)) -> list[Path]:
    """Every figure in every format (``png``, ``svg``, ``pdf``) under ``out_dir``."""
    out = []
    for name, fn in FIGURES.items():
        for ext in formats:
            out.append(fn(df, Path(out_dir) / f"{name}.{ext.lstrip('.')}"))
    return out
