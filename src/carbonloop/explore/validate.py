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

:func:`run_study` runs CarbonSpot's study itself under the ``carbonspot`` conventions and hardware profile
(:mod:`carbonloop.hardware.carbonspot`); with one :data:`ASSUMPTIONS` entry flipped back to carbonloop's
choice it measures that assumption alone, and :func:`attribution` tabulates what each one moves.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carbonloop.errors import SpecError
from carbonloop.explore.pareto import GEO, best_designs, geomean, with_geomean
from carbonloop.explore.point import METRIC_COLUMNS
from carbonloop.explore.space import Design, DesignSpace, Point
from carbonloop.model.conventions import CARBONLOOP, CARBONSPOT, Conventions

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


# -- CarbonSpot's study under the carbonspot profile, and each assumption flipped back ---------------------


@dataclass(frozen=True)
class Assumption:
    """One of CarbonSpot's choices that carbonloop's default makes differently."""

    name: str
    kind: str  # "conventions" (a switch of model/conventions.py) or "hardware" (a rule of hardware/carbonspot.py)
    carbonspot: str  # CarbonSpot's choice
    carbonloop: str  # ours
    accel_types: tuple[str, ...]  # the accelerator types it can change (others keep the study's results)


ALL_TYPES = ("digital_os", "digital_ws", "aimc", "dimc")
IMC_TYPES = ("aimc", "dimc")
ASSUMPTIONS = (
    Assumption(
        "psum_width_by_level",
        "conventions",
        "outputs at final precision once the reduction completes below (ZigZag)",
        "partial sums wide until the reduction completes at that level",
        ALL_TYPES,
    ),
    Assumption(
        "level_roofline_latency",
        "conventions",
        "ZigZag's per-port latency (transfer windows, stalls per port)",
        "per-level bandwidth roofline with refill stalls",
        ALL_TYPES,
    ),
    Assumption(
        "loading_in_latency",
        "conventions",
        "latency without loading the first tiles and draining the last",
        "loading and draining counted",
        ALL_TYPES,
    ),
    Assumption(
        "leakage_in_energy",
        "conventions",
        "no leakage (ZigZag sums access and MAC energies only)",
        "every memory's leakage over the run time in the energy; PA idle leakage between frames",
        ALL_TYPES,
    ),
    Assumption(
        "merge_overlapping_multicast",
        "conventions",
        "a parent sends each child its whole tile; only the unrolled windows' overlap is merged (ZigZag v2)",
        "overlapping sliding windows across a spatial fan-out read once",
        ALL_TYPES,
    ),
    Assumption(
        "read_per_mac",
        "conventions",
        "the innermost memory of an input is read once per run of irrelevant innermost loops (ZigZag)",
        "read for every MAC it feeds",
        ALL_TYPES,
    ),
    Assumption(
        "first_update_needs_no_read",
        "conventions",
        "every partial-sum update reads a sum back, the first included (ZigZag)",
        "the first sum is written without a read",
        ALL_TYPES,
    ),
    Assumption(
        "drain_reads_at_level_bits",
        "conventions",
        "sums sent up are charged at the parent's precision (ZigZag)",
        "at the sending level's own word",
        ALL_TYPES,
    ),
    Assumption(
        "weights_from_dram",
        "conventions",
        "weights resident on chip when the network's fit the SRAM (WS, IMC; OS by ZigZag v2's rule)",
        "every layer fetches its weights from DRAM",
        ALL_TYPES,
    ),
    Assumption(
        "network_objective",
        "conventions",
        "each layer's own EDP minimized, the layers' bests summed (ZigZag's reduce stage per layer)",
        "the network's EDP, (sum E) x (sum L), minimized jointly",
        ALL_TYPES,
    ),
    Assumption(
        "activations_by_live_range",
        "conventions",
        "ZigZag v2's top memory per layer: inputs and outputs whole in the SRAM when they fit, off branches",
        "an output stays on chip over its live range when it fits; the network's input and output cross DRAM",
        ALL_TYPES,
    ),
    Assumption(
        "sram_cost",
        "hardware",
        "SRAM = 32-bit CACTI access x bw/32 (area x 2 bw/32), 32 nm x 0.81",
        "our CACTI 7 fit at the SRAM's own width and depth, 28 nm",
        ALL_TYPES,
    ),
    Assumption(
        "ws_clock",
        "hardware",
        "WS clock = 5 ns + the column adder tree's delay",
        "5 ns",
        ("digital_ws",),
    ),
    Assumption(
        "ws_tree_area",
        "hardware",
        "WS adder trees 64 bits wide (as the published areas imply)",
        "16 bits wide (CarbonSpot's stated precision)",
        ("digital_ws",),
    ),
    Assumption(
        "register_area_once",
        "hardware",
        "per-PE registers' area counted once per level",
        "every PE's registers",
        ("digital_os", "digital_ws"),
    ),
    Assumption(
        "imc_sram_ports",
        "hardware",
        "IMC SRAM with 4 read + 4 write ports",
        "1 read + 1 write port",
        IMC_TYPES,
    ),
    Assumption(
        "sram_granularity",
        "hardware",
        "SRAM accesses rounded up to width // 16 bits (16 sub-banks)",
        "the bits moved are charged (no minimum access)",
        ALL_TYPES,
    ),
    Assumption(
        "per_operand_registers",
        "hardware",
        "one register per operand (W 8 b, I 8 b, O 16 b; IMC I and O under the cells) with its own sharing "
        "and ports, read for free",
        "one private 32-bit register per PE for W, I and O (IMC: none), read and write charged",
        ALL_TYPES,
    ),
    Assumption(
        "weight_diagonal_mapping",
        "hardware",
        "the WS and IMC input registers feed diagonals of PEs (ZigZag's weight diagonal mapping): OX/OY "
        "may unroll along the input register's axis",
        "an input register shared along an axis takes there only dims the input ignores (K)",
        ("digital_ws", *IMC_TYPES),
    ),
    Assumption(
        "zigzag_spatial_mapspace",
        "hardware",
        "CarbonSpot's hints (IMC D1 K, OX, OY) and every hinted dim mixable on an axis (ZigZag's mixed "
        "spatial generation)",
        "ZigZag's IMC example hints (D1 K, OX) and at most 2 dims mixed per axis",
        ALL_TYPES,
    ),
    Assumption(
        "zigzag_spatial_generator",
        "hardware",
        "only the one or two unrollings ZigZag's generator builds per layer (the top sizes, then OX/OY "
        "added on the input register's axis)",
        "the whole spatial mapspace the hints allow, searched to the optimum",
        ALL_TYPES,
    ),
    Assumption(
        "imc_no_wordline_energy",
        "hardware",
        "AIMC macros charge no wordline energy (ZigZag-IMC's AIMC model)",
        "a driven row's wordline charges C_wl V^2 per cell per input bit",
        ("aimc",),
    ),
    Assumption(
        "sram_weights_when_network_fits",
        "hardware",
        "WS and IMC: the SRAM holds weights only when the whole network's fit it; otherwise they stream "
        "from DRAM straight into the registers or cells",
        "the SRAM may hold weight tiles whatever the network",
        ("digital_ws", *IMC_TYPES),
    ),
    Assumption(
        "imc_stalls_from_ports",
        "conventions",
        "an IMC layer stalls only for its weight loads: the mapped rows written once per fill of the cells "
        "(ZigZag-IMC)",
        "an IMC layer stalls on its memories' ports like any array",
        IMC_TYPES,
    ),
    Assumption(
        "unpaired_wordline_rows",
        "conventions",
        "a macro's rows counted from the bitline loops alone, a window's kernel dim there widened by its "
        "output partner on the wordline (ZigZag-IMC): a 1x1 kernel with OX on the wordline takes C rows",
        "every input the unrolling reads takes a row: OX x C for a 1x1 kernel with OX on the wordline",
        IMC_TYPES,
    ),
    Assumption(
        "strided_diagonal_rows",
        "conventions",
        "a diagonal's macro rows counted at unit steps, OX + FX - 1 whatever the stride (ZigZag-IMC)",
        "the rows a strided window reads, s (OX - 1) + FX, which the macro must hold",
        IMC_TYPES,
    ),
    Assumption(
        "imc_cell_write",
        "hardware",
        "a weight write into the IMC cells = one CACTI row write of the cell array over the row's weights",
        "the macro model's k C_bl V^2 sqrt(rows) per bit",
        IMC_TYPES,
    ),
    Assumption(
        "imc_cell_area",
        "hardware",
        "IMC cell array area from the CACTI rule",
        "0.25 um2 per cell bit",
        IMC_TYPES,
    ),
)
STUDY = "carbonspot (study)"
"""The label of the study's own run in the attribution table (every assumption CarbonSpot's)."""
ATTRIBUTION_METRICS = ("energy", "latency", "area", "CA carbon", "PA carbon")


def assumption_named(name: str) -> Assumption:
    """The assumption called ``name`` (a SpecError naming the known ones otherwise)."""
    for a in ASSUMPTIONS:
        if a.name == name:
            return a
    known = ", ".join(a.name for a in ASSUMPTIONS)
    raise SpecError("validate carbonspot", "--assumption", f"unknown assumption {name!r} (known: {known})")


def study_setting(flipped: str | None = None) -> tuple[Conventions, str]:
    """The conventions and hardware profile of CarbonSpot's study, with ``flipped`` set back to carbonloop's
    choice (None: the study itself)."""
    if flipped is None:
        return CARBONSPOT, "carbonspot"
    a = assumption_named(flipped)
    if a.kind == "conventions":
        ours = getattr(CARBONLOOP, a.name)
        return dataclasses.replace(CARBONSPOT, name=f"carbonspot-{a.name}", **{a.name: ours}), "carbonspot"
    return CARBONSPOT, f"carbonspot-{a.name}"


def study_points(
    space: DesignSpace, conventions: Conventions, profile: str, accel_types: tuple[str, ...] = ALL_TYPES
) -> list[Point]:
    """The space's points of ``accel_types`` with every template built with ``profile``, labelled with the
    conventions' name (so their store keys differ from any other setting's)."""
    points = []
    for p in space.points():
        if p.design.accel_type not in accel_types:
            continue
        kw = {**p.design.kwargs, "profile": profile}
        design = Design(p.design.template, tuple(sorted(kw.items())))
        points.append(dataclasses.replace(p, design=design, conventions=conventions.name))
    return points


def evaluate_study_point(point: Point, conventions: Conventions) -> dict[str, Any]:
    """One point under a conventions set that need not be a named one (a plain function of plain values, so
    it runs in a worker process); a failure is a record with ``status: error``, as in an exploration."""
    from carbonloop.carbon import load_parameters
    from carbonloop.explore.point import base_record
    from carbonloop.pipeline import evaluate
    from carbonloop.workload.load import load_workload

    rec = base_record(point)
    try:
        result = evaluate(
            load_workload(point.workload.spec),
            point.design.call,
            objective=point.objective,
            carbon=load_parameters(point.parameters),
            fps=point.workload.fps,
            dram_gb=point.dram_bytes / 2**30,
            budget=point.budget,
            conventions=conventions,
        )
        rec.update(result.to_record())
        rec["status"], rec["error"] = "ok", None
    except Exception as err:  # noqa: BLE001 - recorded, the study goes on
        rec["status"], rec["error"] = "error", f"{type(err).__name__}: {err}"
    return rec


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON can write."""
    return value.item() if hasattr(value, "item") else str(value)


def _run_points(
    points: list[Point], conventions: Conventions, jobs: int, progress: Path | None = None
) -> list[dict[str, Any]]:
    """Every point's record, in the points' order. With ``progress`` each finished record is appended to
    that JSON-lines file at once and the points already in it are not run again, so a run cut off by a
    signal or a machine's end loses at most the points in flight."""
    import json

    done: dict[str, dict[str, Any]] = {}
    if progress is not None and progress.is_file():
        for line in progress.read_text().splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:  # a line cut off mid-write: that point runs again
                continue
            done[rec["key"]] = rec
    todo = [p for p in points if p.key not in done]
    sink = None
    if progress is not None:
        progress.parent.mkdir(parents=True, exist_ok=True)
        sink = progress.open("a")

    def keep(rec: dict[str, Any]) -> None:
        done[rec["key"]] = rec
        if sink is not None:
            sink.write(json.dumps(rec, default=_plain) + "\n")
            sink.flush()

    try:
        if jobs <= 1 or len(todo) <= 1:
            for p in todo:
                keep(evaluate_study_point(p, conventions))
        else:
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(evaluate_study_point, p, conventions) for p in todo]
                for fut in as_completed(futures):
                    keep(fut.result())
    finally:
        if sink is not None:
            sink.close()
    return [done[p.key] for p in points]


def run_study(
    space: DesignSpace,
    flipped: str | None = None,
    *,
    jobs: int = 1,
    cache_dir: Path | None = None,
) -> pd.DataFrame:
    """CarbonSpot's study of ``space`` under the carbonspot profile, ``flipped`` set back to ours (None: the
    study). Only the accelerator types the assumption can change are evaluated. With ``cache_dir`` the
    records are kept in a CSV named by a hash of every point's key, and reused when the key matches; until
    the run ends they are kept point by point in a ``.partial.jsonl`` beside it, from which a cut-off run
    resumes."""
    import hashlib

    conventions, profile = study_setting(flipped)
    types = ALL_TYPES if flipped is None else assumption_named(flipped).accel_types
    points = study_points(space, conventions, profile, types)
    digest = hashlib.sha256("".join(p.key for p in points).encode()).hexdigest()[:16]
    cached = (
        None if cache_dir is None else Path(cache_dir) / f"{space.name}-{flipped or 'study'}-{digest}.csv"
    )
    if cached is not None and cached.is_file():
        return pd.read_csv(cached)
    progress = None if cached is None else cached.with_suffix(".partial.jsonl")
    records = pd.DataFrame(_run_points(points, conventions, jobs, progress))
    if cached is not None and progress is not None:
        records.to_csv(cached, index=False)
        progress.unlink(missing_ok=True)
    return records


def with_flip(study: pd.DataFrame, flipped: pd.DataFrame, accel_types: tuple[str, ...]) -> pd.DataFrame:
    """The study's records with those of ``accel_types`` replaced by the flipped run's."""
    keep = study[~study["accel_type"].isin(accel_types)]
    return pd.concat([keep, flipped], ignore_index=True)


def within_fraction(cmp: pd.DataFrame, label: str, tolerance: float = 0.15) -> float:
    """The fraction of (non-geo) points whose ``label`` ratio is within 1 +- ``tolerance``."""
    r = cmp.loc[cmp["workload"] != GEO, f"{label} ratio"].astype(float)
    return float(((r - 1.0).abs() <= tolerance).mean()) if len(r) else float("nan")


def attribution(runs: dict[str, pd.DataFrame], ref: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For each run (the study, then each assumption flipped): per accelerator type the geomean of ours /
    CarbonSpot per metric, and overall the same-winner count and the share of points within +-15 %.

    Returns (summary: one row per run, detail: one row per run and accelerator type)."""
    summary, detail = [], []
    for label, df in runs.items():
        cmp = compare(df, ref)
        if cmp.empty:
            continue
        ratios = ratio_summary(cmp)
        win = winners(df, ref, cmp)
        geo_win = win[win["workload"] == GEO] if len(win) else win
        row: dict[str, Any] = {"flipped to carbonloop": label}
        all_row = ratios[ratios["accel_type"] == "all"].iloc[0]
        for m in ATTRIBUTION_METRICS:
            row[f"{m} geo"] = all_row[f"{m} geo"]
        for m in ("energy", "latency", "area"):
            row[f"{m} in 15%"] = within_fraction(cmp, m)
        row["same winners"] = f"{int(win['same'].sum())}/{len(win)}" if len(win) else ""
        row["geo CA, PA winner same"] = (
            "/".join(
                "yes" if bool(geo_win.loc[geo_win["metric"] == m, "same"].all()) else "no"
                for m in ("carbon_ca", "carbon_pa")
            )
            if len(geo_win)
            else ""
        )
        summary.append(row)
        for _, r in ratios[ratios["accel_type"] != "all"].iterrows():
            detail.append(
                {
                    "flipped to carbonloop": label,
                    "accel_type": r["accel_type"],
                    **{m: r[f"{m} geo"] for m in ATTRIBUTION_METRICS},
                }
            )
    return pd.DataFrame(summary), pd.DataFrame(detail)


def subset_space(
    space: DesignSpace, dims: tuple[int, ...] = (), sram_bytes: tuple[int, ...] = ()
) -> DesignSpace:
    """The space's designs whose square array is one of ``dims`` and whose SRAM is one of ``sram_bytes``
    (empty: no filter), every workload kept so the geomean rows and winners stay the suite's."""
    kept = tuple(
        d
        for d in space.designs
        if (not dims or d.kwargs.get("rows") in dims and d.kwargs.get("cols") in dims)
        and (not sram_bytes or d.kwargs.get("sram_bytes") in sram_bytes)
    )
    if not kept:
        raise SpecError(space.source or "<space>", "--dim", f"no design of {space.name!r} has those sizes")
    return dataclasses.replace(space, designs=kept)
