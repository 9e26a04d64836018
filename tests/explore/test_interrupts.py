"""Ctrl-C on ``carbonloop explore``: one stops it promptly with every finished point stored and one line;
two exit at once. The sweep runs in a subprocess on points that take a known while (fakes.fake_point with
a sleep), so the test does not depend on how fast the model is."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import SMALL_SPACE, write_space
from .fakes import SLEEP_ENV

REPO = Path(__file__).resolve().parents[2]

# The CLI, with the runner's default point function swapped for the fake (the only change).
CLI = """
import sys
import carbonloop.explore.run as run
from tests.explore.fakes import fake_point
run.run_space.__kwdefaults__["fn"] = fake_point
from carbonloop.cli import main
sys.argv = ["carbonloop", *sys.argv[1:]]
main()
"""


def _stored(store: Path) -> int:
    try:
        con = sqlite3.connect(store, timeout=5)
        n = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        con.close()
        return int(n)
    except sqlite3.OperationalError:  # not created yet
        return 0


def _start(tmp_path: Path, workers: int) -> tuple[subprocess.Popen[str], Path]:
    space = write_space(tmp_path, SMALL_SPACE)
    store = tmp_path / "out" / "results.sqlite"
    cmd = [sys.executable, "-c", CLI, "explore", "--space", str(space), "--out", str(tmp_path / "out")]
    cmd += ["--workers", str(workers), "--no-report", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO), SLEEP_ENV: "0.5"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _stored(store) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()[1]
    return proc, store


@pytest.mark.parametrize("workers", [1, 2])
def test_one_ctrl_c_stops_with_finished_points_stored_and_one_line(tmp_path: Path, workers: int):
    proc, store = _start(tmp_path, workers)
    try:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = err.strip().splitlines()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert len(lines) == 2 and lines[0].startswith("small: 4 designs x 2 workloads = 8 points")
    stored = _stored(store)
    assert 2 <= stored < 8  # 8 points of 0.5 s each: stopped well before the end
    assert lines[1] == (
        f"interrupted: {stored} points stored by this run (0 failed), {8 - stored} left; "
        "run the same command again to resume"
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_second_ctrl_c_exits_at_once_without_a_traceback(tmp_path: Path, workers: int):
    proc, store = _start(tmp_path, workers)
    try:
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    lines = err.strip().splitlines()
    assert len([x for x in lines if x.startswith("interrupted")]) == 1 and len(lines) == 2
    assert _stored(store) >= 2


def test_the_handler_is_restored_after_a_clean_run_and_kept_after_an_interrupted_one():
    """A second SIGINT may arrive after the interrupted run returned, while the CLI prints its line: the
    handler must still be there then (it was restored to Python's default before, and such a SIGINT ended
    the process without either line). A run that was not interrupted gives the previous handler back."""
    from carbonloop.explore.interrupts import StopRequest, graceful_sigint

    before = signal.getsignal(signal.SIGINT)
    try:
        with graceful_sigint(StopRequest()):
            pass
        assert signal.getsignal(signal.SIGINT) is before
        stop = StopRequest()
        with graceful_sigint(stop):
            installed = signal.getsignal(signal.SIGINT)
            stop.set()
        assert signal.getsignal(signal.SIGINT) is installed and installed is not before
    finally:
        signal.signal(signal.SIGINT, before)
