"""Parameter sweeps of the component models, as tables and figures (``carbonloop components sweep``).

``sweep`` is pure (values in, values out); ``sweep_csv`` renders text; ``plot_sweep`` writes a PNG/SVG/PDF
with matplotlib's Agg backend: energy per read and write, and area, against the swept parameter on log
axes, with the CACTI 7 calibration points drawn where the sweep passes through them.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from carbonloop.costs import memory
from carbonloop.costs.resolve import ComponentCost, resolve_mac, resolve_memory
from carbonloop.errors import SpecError

_SOURCE = "<components sweep>"

#: Kinds a sweep accepts and the parameters each one may sweep.
SWEEP_KINDS: dict[str, tuple[str, ...]] = {
    "sram": ("width", "depth"),
    "regfile": ("width", "depth"),
    "dram": ("width",),
    "mac": ("width",),
}
DEFAULT_WIDTH = {"sram": "128", "regfile": "32", "dram": "64", "mac": "8"}
DEFAULT_DEPTH = {"sram": "8192", "regfile": "64", "dram": "1", "mac": "1"}


@dataclass(frozen=True)
class CalibrationPoint:
    """One CACTI row on the swept axis."""

    x: int
    read_pj: float
    write_pj: float
    area_mm2: float


@dataclass(frozen=True)
class Sweep:
    """The costs of one component kind over the values of one swept parameter."""

    kind: str
    swept: str  # "width" or "depth"
    values: tuple[int, ...]
    costs: tuple[ComponentCost, ...]
    title: str
    calibration: tuple[CalibrationPoint, ...] = ()


def _to_int(text: str, field: str, raw: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SpecError(_SOURCE, field, f"{raw!r} is not an integer, a list a,b,c or a range a:b") from None


def parse_values(text: str, field: str) -> tuple[int, ...]:
    """``"a:b"`` -> the powers of two from a to b; ``"a,b,c"`` -> those values; ``"a"`` -> (a,)."""
    raw = str(text).strip()
    if ":" in raw:
        lo_s, hi_s = raw.split(":", 1)
        lo, hi = _to_int(lo_s, field, raw), _to_int(hi_s, field, raw)
        if lo < 1 or hi < lo:
            raise SpecError(_SOURCE, field, f"range {raw!r} must be a:b with 1 <= a <= b")
        values = tuple(2**k for k in range(math.ceil(math.log2(lo)), math.floor(math.log2(hi)) + 1))
        if not values:
            raise SpecError(_SOURCE, field, f"range {raw!r} contains no power of two")
        return values
    values = tuple(_to_int(v, field, raw) for v in raw.split(","))
    if any(v < 1 for v in values):
        raise SpecError(_SOURCE, field, f"{raw!r}: values must be positive")
    return values


def _cost(
    kind: str,
    *,
    width: int,
    depth: int,
    node_nm: int,
    ports: int,
    banks: int,
    dram_type: str,
    acc_bits: int | None,
) -> ComponentCost:
    if kind in ("sram", "regfile"):
        return resolve_memory(kind, node_nm=node_nm, width_bits=width, depth=depth, ports=ports, banks=banks)
    if kind == "dram":
        model = "dram" if dram_type.lower() == "dram" else f"dram/{dram_type.lower()}"
        return resolve_memory(model, node_nm=node_nm, width_bits=width, depth=1)
    return resolve_mac(
        "mac",
        node_nm=node_nm,
        a_bits=width,
        b_bits=width,
        acc_bits=2 * width if acc_bits is None else acc_bits,
    )


def sweep(
    kind: str,
    *,
    width: str | None = None,
    depth: str | None = None,
    node_nm: int = 28,
    ports: int = 1,
    banks: int = 1,
    dram_type: str = "dram",
    acc_bits: int | None = None,
) -> Sweep:
    """Evaluate ``kind`` over the one parameter given as a range or list (the other fixed)."""
    kind = str(kind).strip().lower()
    if kind not in SWEEP_KINDS:
        raise SpecError(_SOURCE, "kind", f"unknown component kind {kind!r} (known: {', '.join(SWEEP_KINDS)})")
    widths = parse_values(width or DEFAULT_WIDTH[kind], "width")
    depths = parse_values(depth or DEFAULT_DEPTH[kind], "depth")
    if len(widths) > 1 and len(depths) > 1:
        raise SpecError(_SOURCE, "depth", "sweep one parameter at a time: give width or depth as a range")
    if len(depths) > 1 and "depth" not in SWEEP_KINDS[kind]:
        raise SpecError(_SOURCE, "depth", f"{kind} has no depth to sweep")
    swept = "depth" if len(depths) > 1 else "width"
    values = depths if swept == "depth" else widths
    costs = tuple(
        _cost(
            kind,
            width=widths[0] if swept == "depth" else v,
            depth=v if swept == "depth" else depths[0],
            node_nm=node_nm,
            ports=ports,
            banks=banks,
            dram_type=dram_type,
            acc_bits=acc_bits,
        )
        for v in values
    )
    if kind == "mac":
        acc_label = "2 x width" if acc_bits is None else f"{acc_bits} bits"
        title = f"int MAC, a = b = width, accumulator {acc_label}, {node_nm} nm"
    elif kind == "dram":
        title = costs[0].source.split(",")[0]
    else:
        fixed = f"depth {depths[0]}" if swept == "width" else f"width {widths[0]}"
        title = f"{kind} {fixed}, {node_nm} nm, {ports} port(s), {banks} bank(s)"
    calib: tuple[CalibrationPoint, ...] = ()
    if kind == "sram" and ports == 1 and banks == 1:
        fixed_col, fixed_val = ("depth", depths[0]) if swept == "width" else ("width_bits", widths[0])
        col = "width_bits" if swept == "width" else "depth"
        calib = tuple(
            CalibrationPoint(int(r[col]), r["read_energy_pj"], r["write_energy_pj"], r["area_um2"] * 1e-6)
            for r in memory.read_cacti_points()
            if int(r["tech_nm"]) == node_nm
            and int(r[fixed_col]) == fixed_val
            and min(values) <= r[col] <= max(values)
        )
    return Sweep(kind, swept, values, costs, title, calib)


def sweep_csv(s: Sweep) -> str:
    """The sweep as CSV text (one row per value)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow([f"{s.swept}", "read_pj", "write_pj", "area_mm2", "access_ns", "leakage_mw", "source"])
    for v, c in zip(s.values, s.costs, strict=True):
        out.writerow(
            [
                v,
                f"{c.read_pj:.6g}",
                f"{c.write_pj:.6g}",
                f"{c.area_mm2:.6g}",
                f"{c.access_ns:.6g}",
                f"{c.leakage_mw:.6g}",
                c.source,
            ]
        )
    return buf.getvalue()


def plot_sweep(s: Sweep, path: Path) -> None:
    """Write the sweep figure to ``path`` (format from the suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    has_area = any(c.area_mm2 > 0 for c in s.costs)
    fig, axes = plt.subplots(1, 2 if has_area else 1, figsize=(8.0 if has_area else 4.5, 3.4), squeeze=False)
    xlabel = {
        "width": "width (bits)" if s.kind != "mac" else "operand width (bits)",
        "depth": "depth (words)",
    }
    ax = axes[0][0]
    read_label = "energy per MAC" if s.kind == "mac" else "read"
    ax.plot(s.values, [c.read_pj for c in s.costs], "o-", ms=3, label=read_label)
    if s.kind != "mac":
        ax.plot(s.values, [c.write_pj for c in s.costs], "s--", ms=3, label="write")
    if s.calibration:
        ax.plot([p.x for p in s.calibration], [p.read_pj for p in s.calibration], "kx", label="CACTI 7 read")
        ax.plot(
            [p.x for p in s.calibration], [p.write_pj for p in s.calibration], "k+", label="CACTI 7 write"
        )
    ax.set_ylabel("energy (pJ per access)" if s.kind != "mac" else "energy (pJ per MAC)")
    if has_area:
        ax2 = axes[0][1]
        ax2.plot(s.values, [c.area_mm2 for c in s.costs], "o-", ms=3, color="tab:green", label="model")
        if s.calibration:
            ax2.plot([p.x for p in s.calibration], [p.area_mm2 for p in s.calibration], "kx", label="CACTI 7")
        ax2.set_ylabel("area (mm$^2$)")
    for a in axes[0]:
        a.set_xscale("log", base=2)
        a.set_yscale("log")
        a.set_xlabel(xlabel[s.swept])
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=7)
    fig.suptitle(s.title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
