"""A sweep with the mapper's reuse (mapper/reuse.py) stores the results of a sweep without it, on every
executor and in any order; only the number of mappings scored drops."""

from __future__ import annotations

import functools
import pickle
from pathlib import Path

from carbonloop.explore import ResultStore, load_space, run_space
from carbonloop.explore.executors import SerialExecutor
from carbonloop.explore.point import evaluate_point
from carbonloop.explore.run import reusing_mappings
from carbonloop.mapper import reuse

from .conftest import comparable, write_space

# one array swept over three SRAM sizes: the designs share their structure, so each search after the
# first of a layer shape starts from the previous design's best mapping as a ceiling
SRAM_SWEEP = """
name: sram_sweep
dram_bytes: 1MiB
objective: edp
parameters: carbonspot
accelerators:
  digital:
    dataflow: [os]
    dim: [8]
    sram_bytes: [1KiB, 2KiB, 4KiB]
workloads:
  - {name: "conv1d:M=16,P=16,R=3", fps: 1000}
"""


def _records(store: Path) -> dict[str, dict]:
    with ResultStore(store) as st:
        return {r["key"]: r for r in st.records()}


def _run(space_file: Path, store: Path, **kw) -> dict[str, dict]:
    reuse.forget()
    run_space(load_space(space_file), store, progress=False, **kw)
    return _records(store)


def test_reuse_keeps_every_result_and_scores_fewer_mappings(tmp_path: Path):
    space_file = write_space(tmp_path, SRAM_SWEEP)
    off = _run(space_file, tmp_path / "off.sqlite", executor=SerialExecutor(), reuse=False)
    on = _run(space_file, tmp_path / "on.sqlite", executor=SerialExecutor(), reuse=True)
    pool = _run(space_file, tmp_path / "pool.sqlite", workers=2, reuse=True)
    assert len(off) == 3 and all(r["status"] == "ok" and r["optimal"] for r in off.values())

    def same(r: dict) -> dict:
        return {k: v for k, v in comparable(r).items() if k != "evaluated"}

    assert {k: same(r) for k, r in on.items()} == {k: same(r) for k, r in off.items()}
    assert {k: same(r) for k, r in pool.items()} == {k: same(r) for k, r in off.items()}
    # serial, in the space's order: the first design scores what it scores alone, the others fewer
    scored_off = sum(r["evaluated"] for r in off.values())
    scored_on = sum(r["evaluated"] for r in on.values())
    assert (scored_off, scored_on) == (SCORED_OFF, SCORED_ON)


def test_the_reusing_task_pickles_by_name_for_pool_and_dask_workers():
    task = functools.partial(reusing_mappings, evaluate_point)
    again = pickle.loads(pickle.dumps(task))
    assert again.func is reusing_mappings and again.args == (evaluate_point,)


SCORED_OFF, SCORED_ON = 825, 628  # measured: deterministic (serial, fixed order)
