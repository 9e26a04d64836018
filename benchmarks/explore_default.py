"""Wall time of the default exploration (CarbonSpot's MLPerf-Tiny space) on this machine.

    python benchmarks/explore_default.py [--space tiny] [--workers N] [--budget EVALS] [--limit N]
                                         [--store PATH] [--keep]

Runs the space into a fresh store (or resumes ``--store``), then prints the wall time, points per second,
the time per accelerator type and workload, and the slowest points with their slowest layer: what to
look at when the sweep is too slow. ``--budget`` is the mapper's per-layer evaluation budget (an integer
keeps results deterministic; the sweep then reports ``optimal = False`` where it cut a search short).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from carbonloop.explore import load_results, load_space, run_space


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--space", default="tiny")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--budget", type=int, default=None, help="mapper evaluations per layer")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--store", type=Path, default=None, help="resume this store instead of a fresh one")
    args = ap.parse_args()

    space = load_space(args.space).with_options(budget=args.budget)
    folder = Path(tempfile.mkdtemp(prefix="explore_bench_"))
    store = args.store or folder / "results.sqlite"
    t0 = time.perf_counter()
    summary = run_space(space, store, workers=args.workers, limit=args.limit, progress=True)
    wall = time.perf_counter() - t0
    df = load_results(store, space=space.name)
    ok = df[df["status"] == "ok"]
    print(f"\n## explore_default: space {space.name}, budget {args.budget}, {summary.workers} workers")
    print(f"machine: {os.cpu_count()} cores; store {store}")
    print(
        f"points: {summary.total} ({summary.ran} run, {summary.skipped} resumed, {summary.failed} failed); "
        f"wall {wall:.1f} s; {summary.ran / wall if wall else 0:.3f} points/s; "
        f"sum of point times {df['seconds'].sum():.1f} s; searches proven optimal {int(ok['optimal'].sum())}/{len(ok)}"
    )
    print("\n| accelerator | workload | points | total s | mean s | max s |")
    print("|---|---|---|---|---|---|")
    for (acc, wl), grp in df.groupby(["accel_type", "workload"], sort=True):
        s = grp["seconds"]
        print(f"| {acc} | {wl} | {len(grp)} | {s.sum():.1f} | {s.mean():.2f} | {s.max():.1f} |")
    print("\nslowest points (and their slowest layer):\n")
    print("| design | workload | s | slowest layer | layer s | status |")
    print("|---|---|---|---|---|---|")
    for _, r in df.sort_values("seconds", ascending=False).head(12).iterrows():
        layer = r.get("slowest_layer", "")
        ls = r.get("slowest_layer_seconds", float("nan"))
        print(
            f"| {r['design']} | {r['workload']} | {r['seconds']:.1f} | {layer} | {ls:.1f} | {r['status']} |"
        )
    errors = df[df["status"] != "ok"]
    if len(errors):
        print(f"\n{len(errors)} failed points; first errors:")
        for e, n in errors["error"].str.slice(0, 160).value_counts().head(5).items():
            print(f"  {n} x {e}")


if __name__ == "__main__":
    main()
