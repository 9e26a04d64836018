from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from carbonloop.explore import ResultStore, load_space, run_space

from .conftest import comparable


def _stored(store: Path) -> dict[str, float]:
    if not store.exists():
        return {}
    try:
        con = sqlite3.connect(store, timeout=5)
        rows = dict(con.execute("SELECT key, finished_at FROM results").fetchall())
        con.close()
        return rows
    except sqlite3.OperationalError:  # tables not created yet
        return {}


def test_killed_sweep_resumes_without_recomputing_or_duplicating(small_space_file: Path, small_run, tmp_path):
    store = tmp_path / "killed.sqlite"
    cmd = [
        sys.executable,
        "-m",
        "carbonloop",
        "explore",
        "--space",
        str(small_space_file),
        "--store",
        str(store),
        "--out",
        str(tmp_path / "out"),
        "--workers",
        "1",
        "--no-report",
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_stored(store)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    before = _stored(store)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    assert 3 <= len(before) < 8, f"the sweep should have been killed midway, {len(before)} points stored"

    summary = run_space(load_space(small_space_file), store, workers=1, progress=False)
    assert (summary.total, summary.skipped, summary.ran) == (8, len(before), 8 - len(before))
    after = _stored(store)
    assert len(after) == 8
    assert {k: after[k] for k in before} == before  # the points finished before the kill were not rerun
    reference = {r["key"]: comparable(r) for r in small_run[1]}
    with ResultStore(store) as st:
        rows = [comparable(r) for r in st.records()]
    assert len(rows) == 8 and {r["key"]: r for r in rows} == reference
