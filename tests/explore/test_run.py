from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from carbonloop.carbon import carbon_per_inference, load_parameters
from carbonloop.explore import ResultStore, load_results, load_space, run_space
from carbonloop.workload.load import load_workload

from .conftest import SMALL_SPACE, comparable, write_space


def test_every_point_is_stored_once_with_consistent_numbers(small_run):
    _, records = small_run
    assert len(records) == 8 and len({r["key"] for r in records}) == 8
    params = load_parameters("carbonspot")
    for r in records:
        assert r["status"] == "ok" and r["error"] is None
        macs = sum(layer.macs for layer in load_workload(r["workload_spec"]).layers)
        assert r["macs"] == macs and r["ops"] == 2 * macs
        assert r["latency_ns"] == pytest.approx(r["latency_cycles"] * r["clock_ns"])
        assert r["tops"] == pytest.approx(2 * macs / r["latency_ns"] / 1e3)
        assert r["tops_per_w"] == pytest.approx(2 * macs / r["energy_pj"])
        assert r["tops_per_mm2"] == pytest.approx(r["tops"] / r["area_mm2"])
        assert r["energy_pj"] <= r["energy_before_interlayer_pj"] + 1e-9
        c = carbon_per_inference(
            energy_pj=r["energy_pj"],
            latency_ns=r["latency_ns"],
            area_mm2=r["area_mm2"],
            dram_gb=(1 << 20) / 2**30,
            fps=r["fps"],
            params=params,
        )
        assert r["carbon_ca_g"] == pytest.approx(c.ca_g) and r["carbon_pa_g"] == pytest.approx(c.pa_g)
        assert r["carbon_pa_ex_package_g"] == pytest.approx(c.pa_ex_package_g)
        assert sum(r[f"pa_{k}_g"] for k in ("operational", "epa", "gpa", "mpa", "dram", "package")) == (
            pytest.approx(r["carbon_pa_g"])
        )
        assert r["deadline_met"] is (r["latency_ns"] <= 1e9 / r["fps"])
    # the same workload costs more on the bigger conv1d (16 vs 8 output channels) on every design
    by = {(r["design"], r["workload"]): r for r in records}
    for d in {r["design"] for r in records}:
        assert by[(d, "conv1d:M=16,P=8,R=3")]["energy_pj"] > by[(d, "conv1d:M=8,P=8,R=3")]["energy_pj"]


def test_rerun_skips_finished_points(small_run, tmp_path: Path):
    store, records = small_run
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    summary = run_space(space, store, workers=1, progress=False)
    assert (summary.total, summary.skipped, summary.ran) == (8, 8, 0)
    with ResultStore(store) as st:
        assert [comparable(r) for r in st.records()] == [comparable(r) for r in records]


def test_failing_point_is_recorded_and_the_sweep_finishes(failing_space_file: Path, tmp_path: Path):
    store = tmp_path / "f.sqlite"
    summary = run_space(load_space(failing_space_file), store, workers=1, progress=False)
    assert (summary.ran, summary.failed) == (2, 1)
    df = load_results(store).set_index("design")
    bad = df.loc["digital_os 8x8 1000B"]
    assert bad["status"] == "error" and "not a whole number of 128-bit words" in bad["error"]
    assert df.loc["digital_os 8x8 4KiB", "status"] == "ok" and df.loc["digital_os 8x8 4KiB", "energy_pj"] > 0
    # failed points count as finished; --retry-failed runs them (and only them) again
    again = run_space(load_space(failing_space_file), store, workers=1, progress=False)
    assert again.ran == 0
    retry = run_space(load_space(failing_space_file), store, workers=1, progress=False, retry_failed=True)
    assert (retry.ran, retry.failed, retry.skipped) == (1, 1, 1)


def test_limit_runs_only_the_first_points(small_run, tmp_path: Path):
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    store = tmp_path / "lim.sqlite"
    summary = run_space(space, store, workers=1, progress=False, limit=2)
    assert (summary.total, summary.ran) == (2, 2)
    first_two = {p.key for p in list(space.points())[:2]}
    with ResultStore(store) as st:
        assert st.keys() == first_two
        stored = {r["key"]: comparable(r) for r in st.records()}
    reference = {r["key"]: comparable(r) for r in small_run[1]}
    assert stored == {k: reference[k] for k in first_two}


def test_process_pool_gives_the_serial_results(small_run, tmp_path: Path):
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    store = tmp_path / "pool.sqlite"
    summary = run_space(space, store, workers=2, progress=False, limit=4)
    assert (summary.executor, summary.workers, summary.ran) == ("local", 2, 4)
    reference = {r["key"]: comparable(r) for r in small_run[1]}
    with ResultStore(store) as st:
        got = {r["key"]: comparable(r) for r in st.records()}
    assert len(got) == 4 and got == {k: reference[k] for k in got}


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="dask[distributed] not installed")
def test_dask_local_cluster_gives_the_serial_results(small_run, tmp_path: Path):
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    store = tmp_path / "dask.sqlite"
    summary = run_space(space, store, dask="local", workers=2, progress=False, limit=4)
    assert (summary.executor, summary.ran, summary.failed) == ("dask", 4, 0)
    reference = {r["key"]: comparable(r) for r in small_run[1]}
    with ResultStore(store) as st:
        got = {r["key"]: comparable(r) for r in st.records()}
    assert len(got) == 4 and got == {k: reference[k] for k in got}


def test_missing_dask_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch):
    import builtins

    from carbonloop.errors import SpecError
    from carbonloop.explore.executors import make_executor

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(SpecError, match=r"pip install 'carbonloop\[cluster\]'"):
        make_executor(dask="tcp://127.0.0.1:1")
