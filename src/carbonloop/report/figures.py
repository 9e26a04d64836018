"""Static figures of a sweep (matplotlib, Agg; PNG, SVG or PDF by the file's extension).

The data, colours and legend of each figure come from :mod:`carbonloop.report.prepare`, the same as the
interactive report's:

- ``explore_carbon_scatter``: CA vs PA carbon per design, coloured by SRAM size, marked by accelerator type;
- ``explore_carbon_breakdown``: the carbon breakdown (operational, die EPA/GPA/MPA, DRAM, package) of the
  best design of each accelerator type, CA and PA;
- ``explore_vs_dim``: TOP/s/W, TOP/s, TOP/s/mm², CA and PA carbon and area against the array size, per
  accelerator type (the best SRAM size at each array size);
- ``explore_pareto``: latency vs carbon, every design and the Pareto front, CA and PA.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carbonloop.errors import SpecError
from carbonloop.explore.atomic import write_atomically
from carbonloop.report.prepare import PREPARE, FigureData, Panel, Series, suite_rows
from carbonloop.report.style import MARKERS

__all__ = ["FIGURES", "MARKERS", "draw", "suite_rows", "write_figures"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _draw_series(ax: Any, s: Series, bottom: np.ndarray | None) -> np.ndarray | None:
    if s.kind == "markers":
        colours = list(s.point_colours) if s.point_colours is not None else s.colour
        ax.scatter(
            s.x, s.y, c=colours, marker=s.marker, edgecolors="black", linewidths=0.4, s=30, label=s.name
        )
    elif s.kind == "lines+markers":
        ax.plot(s.x, s.y, color=s.colour, marker=s.marker, label=s.name)
    elif s.kind == "step":
        ax.step(s.x, s.y, where="post", color=s.colour, lw=1, label=s.name)
    elif s.kind == "bar":
        values = np.asarray(s.y, dtype=float)
        base = np.zeros(len(values)) if bottom is None else bottom
        ax.bar(range(len(values)), values, bottom=base, color=s.colour, label=s.name)
        return base + values
    else:  # pragma: no cover - prepare only makes the kinds above
        raise ValueError(f"unknown series kind {s.kind!r}")
    return bottom


def _draw_panel(ax: Any, panel: Panel) -> None:
    ax.set_title(panel.title, fontsize=9)
    if not panel.series:
        ax.text(0.5, 0.5, "no finished points", ha="center", va="center", transform=ax.transAxes)
        return
    bottom: np.ndarray | None = None
    for s in panel.series:
        bottom = _draw_series(ax, s, bottom if panel.stacked else None)
    if panel.xscale == "category":
        labels = panel.series[0].x
        ax.set_xticks(range(len(labels)), labels, rotation=25, ha="right", fontsize=7)
    else:
        ax.set_xscale("log", base=2 if panel.xscale == "log2" else 10)
    if panel.yscale == "log":
        ax.set_yscale("log")
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel(panel.ylabel)
    ax.grid(True, which="both", alpha=0.3)


def _legend_handles(data: FigureData) -> dict[str, list[Any]]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    groups: dict[str, list[Any]] = {}
    for e in data.legend:
        if e.swatch == "bar":
            h: Any = Patch(facecolor=e.colour, label=e.label)
        elif e.swatch == "line":
            h = Line2D([], [], color=e.colour, label=e.label)
        else:
            h = Line2D([], [], marker=e.swatch, ls="", color=e.colour, markeredgecolor="black", label=e.label)
        groups.setdefault(e.group, []).append(h)
    return groups


def draw(data: FigureData) -> Any:
    """The matplotlib figure of one prepared figure: its panels and one legend per group, below."""
    plt = _plt()
    n = len(data.panels)
    ncols = min(data.ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols + 1.2, 3.9 * nrows + 0.9), squeeze=False)
    for ax, panel in zip(axes.flat, data.panels, strict=False):
        _draw_panel(ax, panel)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if len(data.panels) > 1:
        fig.suptitle(data.title, fontsize=10)
    groups = _legend_handles(data)
    fig.tight_layout(rect=(0, 0.08 if groups else 0, 1, 1))
    for i, (group, handles) in enumerate(groups.items()):
        x = (i + 0.5) / len(groups)
        title = group if group != "front" else None
        fig.legend(
            handles=handles,
            title=title,
            loc="lower center",
            bbox_to_anchor=(x, 0.0),
            fontsize=7,
            title_fontsize=7,
            ncols=min(len(handles), 6),
            frameon=False,
        )
    return fig


def _save(fig: Any, path: str | Path) -> Path:
    """Write the figure through a temporary file renamed into place: a full disk leaves no half figure."""
    p = Path(path)
    try:
        return write_atomically(
            p,
            lambda tmp: fig.savefig(tmp, format=p.suffix.lstrip("."), dpi=130, bbox_inches="tight"),
            field="--figures",
        )
    finally:
        _plt().close(fig)


def _writer(name: str) -> Callable[[pd.DataFrame, str | Path], Path]:
    def write(df: pd.DataFrame, path: str | Path) -> Path:
        return _save(draw(PREPARE[name](df)), path)

    write.__name__ = name
    write.__doc__ = f"Write ``{name}`` (the extension of ``path`` picks PNG, SVG or PDF)."
    return write


FORMATS = ("png", "svg", "pdf")
FIGURES = {name: _writer(name) for name in PREPARE}


def figure_formats(formats: str | Sequence[str]) -> list[str]:
    """``"png,svg"`` or ``["png", ".svg"]`` as ``["png", "svg"]``; an unknown format is a SpecError."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    exts = [f.strip().lstrip(".").lower() for f in items if f.strip()]
    for ext in exts:
        if ext not in FORMATS:
            raise SpecError(
                "--formats", "formats", f"unknown figure format {ext!r} (use {', '.join(FORMATS)})"
            )
    return exts


def write_figures(df: pd.DataFrame, out_dir: str | Path, formats: Sequence[str] = ("png",)) -> list[Path]:
    """Every figure in every format (``png``, ``svg``, ``pdf``) under ``out_dir``."""
    exts = figure_formats(formats)
    out = []
    for name, prepare in PREPARE.items():
        fig_data = prepare(df)
        for ext in exts:
            out.append(_save(draw(fig_data), Path(out_dir) / f"{name}.{ext}"))
    return out
