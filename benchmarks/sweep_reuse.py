"""Reuse across a sweep, before/after: a design space run with the mapper's reuse off and on, interleaved,
in this process (serial executor, CPU seconds measured) or a local pool (``--workers N``, wall seconds
only), the exported result tables compared.

    python benchmarks/sweep_reuse.py --space quick --rounds 2
    python benchmarks/sweep_reuse.py --space benchmarks/spaces/sram_sweep.yaml --rounds 2

Prints per run: wall and CPU seconds, mappings scored (the stores' ``evaluated`` column), and whether the
CSV tables are identical once the columns that measure the run itself (seconds, mappings scored, owner and
time stamps) are dropped.
"""

from __future__ import annotations

import argparse
import csv
import math
import tempfile
import time
from pathlib import Path

from carbonloop.explore.executors import SerialExecutor
from carbonloop.explore.run import run_space
from carbonloop.explore.space import load_space
from carbonloop.explore.store import export
from carbonloop.mapper import reuse

RUN_COLUMNS = {"seconds", "search_seconds", "slowest_layer_seconds", "evaluated", "slowest_layer"}


def one_run(
    space_spec: str, with_reuse: bool, folder: Path, workers: int
) -> tuple[float, float, int, list[dict[str, str]]]:
    reuse.forget()
    store = folder / f"{'on' if with_reuse else 'off'}-{time.monotonic_ns()}.sqlite"
    w0, c0 = time.perf_counter(), time.process_time()
    executor = SerialExecutor() if workers == 1 else None
    run_space(
        load_space(space_spec), store, executor=executor, workers=workers, progress=False, reuse=with_reuse
    )
    # pool workers are not this process's children (forkserver): their CPU is not measured here
    wall, cpu = time.perf_counter() - w0, (time.process_time() - c0 if workers == 1 else math.nan)
    out = store.with_suffix(".csv")
    export(store, out)
    with out.open() as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["key"])
    return wall, cpu, sum(int(r["evaluated"] or 0) for r in rows), rows


def comparable(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    drop = RUN_COLUMNS | {k for k in rows[0] if "time" in k or "owner" in k or k.endswith("_at")}
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--space", default="quick")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1, help="1: serial in this process; N: a local pool")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tables = {}
        print("| run | reuse | wall s | CPU s | mappings scored |")
        print("|---|---|---:|---:|---:|")
        for r in range(args.rounds):
            for on in (False, True):
                wall, cpu, scored, rows = one_run(args.space, on, Path(tmp), args.workers)
                tables.setdefault(on, comparable(rows))
                assert tables[on] == comparable(rows), "a rerun changed the table"
                print(
                    f"| {r + 1} | {'on' if on else 'off'} | {wall:.1f} | {cpu:.1f} | {scored} |", flush=True
                )
        same = tables[False] == tables[True]
        print(f"result tables identical (minus run columns): {same}; points: {len(tables[True])}")
        if not same:
            for a, b in zip(tables[False], tables[True], strict=True):
                diff = {k: (a[k], b[k]) for k in a if a[k] != b.get(k)}
                if diff:
                    print(a["key"], diff)


if __name__ == "__main__":
    main()
