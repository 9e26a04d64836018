"""The local worker pool: a killed worker's point is retried once and then recorded as failed, the sweep
goes on; a point that raises is a failed record; a stop request ends the run; when the main process dies,
its workers exit."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from carbonloop.explore import ResultStore, load_space, run_space
from carbonloop.explore.executors import LocalExecutor, SerialExecutor, TaskLost
from carbonloop.explore.interrupts import StopRequest

from .conftest import SMALL_SPACE, write_space
from .fakes import LOG_ENV, dies_on_16, fake_numbers, log_lines, raises_on_16, sleep_forever

REPO = Path(__file__).resolve().parents[2]


def test_killed_worker_point_is_retried_once_then_failed_and_the_sweep_goes_on(tmp_path: Path):
    # SMALL_SPACE: dataflow os/ws x dim 8/16 x 2 workloads = 8 points, 4 of them on 16x16 arrays
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    log = tmp_path / "log.txt"
    dies = functools.partial(dies_on_16, log=str(log))
    store = tmp_path / "w.sqlite"
    summary = run_space(space, store, workers=2, progress=False, fn=dies)
    assert (summary.ran, summary.failed) == (8, 4)
    attempts: dict[str, int] = {}
    for _, key, _ in log_lines(log):
        attempts[key] = attempts.get(key, 0) + 1
    rows16 = {p.key for p in space.points() if p.design.kwargs["rows"] == 16}
    assert {k: n for k, n in attempts.items() if k in rows16} == dict.fromkeys(rows16, 2)  # tried twice
    assert {k: n for k, n in attempts.items() if k not in rows16} == {
        p.key: 1 for p in space.points() if p.key not in rows16
    }
    with ResultStore(store) as st:
        recs = {r["key"]: r for r in st.records()}
    for key in rows16:
        assert recs[key]["status"] == "error"
        assert (
            recs[key]["error"] == "WorkerLost: worker process died (killed by SIGKILL) on each of 2 attempts"
        )
        assert recs[key]["design"].endswith("16x16 4KiB")  # the identifying columns are kept
    for key in set(recs) - rows16:
        assert recs[key]["energy_pj"] == pytest.approx(fake_numbers(8, recs[key]["fps"])["energy_pj"])
    rerun = run_space(space, store, workers=2, progress=False, fn=dies, retry_failed=True)
    assert (rerun.ran, rerun.failed, rerun.skipped) == (4, 4, 4)


def test_a_point_that_raises_in_a_worker_is_a_failed_record(tmp_path: Path):
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    summary = run_space(space, tmp_path / "r.sqlite", workers=2, progress=False, fn=raises_on_16)
    assert (summary.ran, summary.failed) == (8, 4)
    with ResultStore(tmp_path / "r.sqlite") as st:
        errors = {r["error"] for r in st.records() if r["status"] == "error"}
    assert errors == {"WorkerLost: the task raised RuntimeError: boom"}


def test_without_a_lost_handler_the_executor_raises(tmp_path: Path):
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    point16 = next(p for p in space.points() if p.design.kwargs["rows"] == 16)
    with pytest.raises(TaskLost, match="raised RuntimeError: boom"):
        list(LocalExecutor(1).run(raises_on_16, [point16]))


def test_a_stop_request_ends_the_run_and_its_workers(tmp_path: Path):
    stop = StopRequest()
    ex = LocalExecutor(2)
    results = ex.run(sleep_forever, range(10), stop=stop)
    stop.set()
    assert list(results) == []
    assert ex._pool == []  # every worker stopped
    serial = SerialExecutor()
    assert list(serial.run(lambda x: x * x, range(4), stop=stop)) == []


WATCHED = """
from carbonloop.explore.executors import LocalExecutor
from tests.explore.fakes import pid_then_sleep

next(LocalExecutor(2).run(pid_then_sleep, range(4)), None)  # never returns: the workers sleep
"""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to read its status has exited).

    A process that exits between opening its stat file and reading it raises ProcessLookupError
    (ESRCH) on the read, not FileNotFoundError on the open: both mean it is gone.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
def test_workers_exit_when_the_main_process_is_killed(tmp_path: Path):
    log = tmp_path / "pids.txt"
    env = {**os.environ, "PYTHONPATH": str(REPO), LOG_ENV: str(log)}
    proc = subprocess.Popen([sys.executable, "-c", WATCHED], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while (not log.exists() or len(log.read_text().split()) < 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = {int(x) for x in log.read_text().split()}
        assert len(workers) == 2 and all(_alive(w) for w in workers)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), "workers outlived the main process"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_task_function_workers_cannot_import_is_a_failed_record_not_a_traceback(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    point = next(space.points())
    only_here = types.ModuleType("carbonloop_module_only_in_this_process")
    exec("def evaluate(p):\n    return p\n", only_here.__dict__)
    monkeypatch.setitem(sys.modules, only_here.__name__, only_here)  # picklable here, not importable there
    lost = list(LocalExecutor(1).run(only_here.evaluate, [point], on_lost=lambda item, msg: (item.key, msg)))
    assert len(lost) == 1 and lost[0][0] == point.key
    assert lost[0][1].startswith("the task raised cannot load the task in a worker: ModuleNotFoundError")
    assert "Traceback" not in capfd.readouterr().err
