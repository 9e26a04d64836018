"""The store heals: unreadable rows are failed points with their key, a full disk and foreign files are
one-line errors, results files are written atomically, and claims keep concurrent runs apart."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from carbonloop.explore import best_designs, load_space, run_space
from carbonloop.explore.store import (
    CLAIM_TTL_S,
    ResultStore,
    check_record,
    export,
    load_results,
    retry_busy,
)

from .conftest import SMALL_SPACE, write_space
from .fakes import LOG_ENV, SLEEP_ENV, fake_numbers, fake_point, log_lines

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_store(tmp_path: Path) -> tuple[Path, list[str]]:
    """The small space (4 designs x 2 workloads) run with fake_point: (store, keys in space order)."""
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    store = tmp_path / "r.sqlite"
    summary = run_space(space, store, workers=1, progress=False, fn=fake_point)
    assert (summary.ran, summary.failed) == (8, 0)
    return store, [p.key for p in space.points()]


def _corrupt(store: Path, key: str, record: object) -> None:
    con = sqlite3.connect(store)
    con.execute("UPDATE results SET record = ? WHERE key = ?", (record, key))
    con.commit()
    con.close()


CORRUPTIONS = {
    "not JSON": ("{not json", "not JSON"),
    "a list": (json.dumps([1, 2]), "not an object"),
    "energy as text": (None, "energy_pj is 'lots', not a number"),
    "not UTF-8": (b"\xff\xfe{}", "not UTF-8"),
    "another key": (None, "is not the row's"),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_unreadable_row_reads_as_failed_with_its_key(fake_store, kind: str):
    store, keys = fake_store
    record, words = CORRUPTIONS[kind]
    with ResultStore(store) as st:
        good = next(r for r in st.records() if r["key"] == keys[0])
    if kind == "energy as text":
        record = json.dumps({**good, "energy_pj": "lots"})
    elif kind == "another key":
        record = json.dumps({**good, "key": "0" * 32})
    _corrupt(store, keys[0], record)

    with ResultStore(store, create=False) as st:
        recs = {r["key"]: r for r in st.records()}
        assert [(u.key, words in u.reason) for u in st.unreadable] == [(keys[0], True)]
        assert st.keys(status="ok") == set(keys[1:])  # so --retry-failed computes it again
        assert st.count() == {"ok": 7, "error": 1}
    bad = recs[keys[0]]
    assert bad["status"] == "error" and bad["unreadable"] is True and words in bad["error"]
    assert bad["design_id"] == good["design_id"] and bad["workload"] == good["workload"]
    df = load_results(store)
    assert len(df) == 8 and df.attrs["unreadable"][0][0] == keys[0]
    best = best_designs(df)  # the readers go on: 2 workloads + geo, 5 metrics each
    assert len(best) == 15


def test_retry_failed_recomputes_exactly_the_unreadable_rows(fake_store, tmp_path: Path):
    store, keys = fake_store
    _corrupt(store, keys[2], "{")
    _corrupt(store, keys[5], json.dumps("text"))
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    assert run_space(space, store, workers=1, progress=False, fn=fake_point).ran == 0  # failed = finished
    log = tmp_path / "log.txt"
    os.environ[LOG_ENV] = str(log)
    try:
        again = run_space(space, store, workers=1, progress=False, fn=fake_point, retry_failed=True)
    finally:
        del os.environ[LOG_ENV]
    assert (again.ran, again.failed, again.skipped) == (2, 0, 6)
    assert sorted(k for _, k, _ in log_lines(log)) == sorted([keys[2], keys[5]])
    with ResultStore(store) as st:
        assert st.keys(status="ok") == set(keys) and not st.unreadable


def test_full_disk_during_a_sweep_is_a_one_line_error(tmp_path: Path):
    path = tmp_path / "full.sqlite"
    with ResultStore(path) as st:
        pages = st.conn.execute("PRAGMA page_count").fetchone()[0]
        st.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
        with pytest.raises(SpecError) as err:
            st.put({"key": "k", "design_id": "d", "workload": "w", "space": "s", "blob": "x" * 100_000})
    assert err.value.source == str(path) and "the disk is full" in err.value.message
    assert "\n" not in str(err.value)


def test_export_is_atomic_and_a_full_disk_says_so(
    fake_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    store, _ = fake_store
    out = tmp_path / "out" / "r.csv"
    assert export(store, out) == 8
    before = out.read_bytes()

    def no_space(self: pd.DataFrame, path: object, **kwargs: object) -> None:
        Path(str(path)).write_text("half a fi", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", no_space)
    with pytest.raises(SpecError, match="the disk is full"):
        export(store, out)
    assert out.read_bytes() == before  # the previous file is intact
    assert sorted(p.name for p in out.parent.iterdir()) == ["r.csv"]  # no temporary left behind


def test_foreign_or_damaged_files_are_refused_and_left_untouched(tmp_path: Path):
    other = tmp_path / "app.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE users (name TEXT)")
    con.commit()
    con.close()
    for create in (True, False):
        with pytest.raises(SpecError, match=r"not a carbonloop results store \(tables: users\)"):
            ResultStore(other, create=create)
    con = sqlite3.connect(other)
    assert [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["users"]
    con.close()
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SpecError, match="not a carbonloop results store"):
        load_results(junk)
    with pytest.raises(SpecError, match="not a file"):
        ResultStore(tmp_path)


def test_a_store_of_several_spaces_is_never_mixed_silently(fake_store, tmp_path: Path):
    store, keys = fake_store
    other = load_space(write_space(tmp_path, SMALL_SPACE.replace("name: small", "name: other"), "o.yaml"))
    run_space(other, store, workers=1, progress=False, fn=fake_point)
    assert not set(keys) & {p.key for p in other.points()}  # the same designs are new points there
    with pytest.raises(SpecError) as err:
        load_results(store, single_space=True)
    assert err.value.field == "--space" and "2 spaces (other, small)" in err.value.message
    assert set(load_results(store, space="other", single_space=True)["space"]) == {"other"}
    with pytest.raises(SpecError, match=r"no space 'tiny' in this store \(spaces: other, small\)"):
        load_results(store, space="tiny")
    everything = load_results(store)
    assert len(everything) == 16 and sorted(set(everything["space"])) == ["other", "small"]


def test_claims_keep_runs_apart_and_dead_runs_release_their_points(tmp_path: Path):
    path = tmp_path / "c.sqlite"
    with ResultStore(path) as st:
        me, other = "h:1:a", f"{os.uname().nodename}:{os.getpid()}:b"  # other: a live process here
        assert st.claim("k1", other) is True
        assert st.claim("k1", me) is False  # held by a live run
        assert st.claim("k1", other) is True  # its own claim
        st.put({"key": "k1", "design_id": "d", "workload": "w", "space": "s", "status": "ok", "design": "d"})
        assert st.claim("k1", me) is False  # finished
        st.put({"key": "k2", "design_id": "d", "workload": "w", "space": "s", "status": "error"})
        assert st.claim("k2", me) is False and st.claim("k2", me, retry_failed=True) is True
        # a claim by a process that no longer exists on this host is taken over
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
        dead_owner = f"{os.uname().nodename}:{int(dead.stdout)}:c"
        assert st.claim("k3", dead_owner) is True and st.claim("k3", me) is True
        # so is one whose heartbeat stopped (a run on another machine that died)
        assert st.claim("k4", "elsewhere:1:d") is True
        st.conn.execute("UPDATE claims SET heartbeat = heartbeat - ? WHERE key = 'k4'", (CLAIM_TTL_S + 1,))
        st.conn.commit()
        assert st.claim("k4", me) is True
        st.release(me)
        assert st.claimed_by_others(me) == set()
        assert {r[0] for r in st.conn.execute("SELECT key FROM claims")} == set()


def test_two_processes_on_one_store_compute_each_point_once(tmp_path: Path):
    space_file = write_space(tmp_path, SMALL_SPACE)
    store, log = tmp_path / "shared.sqlite", tmp_path / "log.txt"
    script = (
        "import sys\n"
        "from carbonloop.explore import load_space, run_space\n"
        "from tests.explore.fakes import fake_point\n"
        "s = run_space(load_space(sys.argv[1]), sys.argv[2], workers=1, progress=False, fn=fake_point)\n"
        "print(s.ran, s.elsewhere)\n"
    )
    env = {**os.environ, LOG_ENV: str(log), SLEEP_ENV: "0.15", "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(space_file), str(store)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    ran = [tuple(map(int, o.split())) for o, _ in outs]
    lines = log_lines(log)
    keys = [k for _, k, _ in lines]
    assert len(keys) == 8 and len(set(keys)) == 8  # every point computed, none twice
    assert sum(r for r, _ in ran) == 8, ran  # each run stored what it computed
    with ResultStore(store) as st:
        assert len(st.keys(status="ok")) == 8
        assert st.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0
    by_rows = {rec["key"]: rec for rec in load_results(store).to_dict("records")}
    for rec in by_rows.values():  # the stored numbers are fake_point's rule
        assert rec["energy_pj"] == pytest.approx(fake_numbers(rec["p_rows"], rec["fps"])["energy_pj"])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=64),
        st.text(max_size=64),
        _JSON.map(json.dumps),
        # a real record with one field replaced by any JSON value
        st.tuples(st.sampled_from(["key", "status", "design", "energy_pj", "latency_ns", "x"]), _JSON).map(
            lambda kv: json.dumps({**_GOOD, kv[0]: kv[1]})
        ),
    )
)
def test_any_row_content_reads_as_one_record_with_its_key(tmp_path: Path, content: object):
    path = tmp_path / "fuzz.sqlite"
    with ResultStore(path) as store:
        store.put(_GOOD)
        store.conn.execute("UPDATE results SET record = ? WHERE key = ?", (content, _GOOD["key"]))
        store.conn.commit()
        recs = list(store.records())
        assert len(recs) == 1 and recs[0]["key"] == _GOOD["key"]
        rec = recs[0]
        if rec.get("unreadable"):
            assert rec["status"] == "error" and [u.key for u in store.unreadable] == [_GOOD["key"]]
        else:
            assert check_record(rec, _GOOD["key"]) is None and not store.unreadable
        assert store.keys() == {_GOOD["key"]}


_GOOD = {
    "key": "k" * 32,
    "design_id": "d",
    "design": "digital_os 8x8 4KiB",
    "workload": "w",
    "space": "s",
    "status": "ok",
    "energy_pj": 1.5,
    "latency_ns": 2.0,
}


def test_a_full_disk_mid_sweep_stops_the_workers_and_keeps_the_points_stored(tmp_path: Path):
    from carbonloop.explore.executors import LocalExecutor

    space = load_space(write_space(tmp_path, SMALL_SPACE))
    path = tmp_path / "full.sqlite"
    with ResultStore(path) as st:
        run_space(space, st, workers=1, progress=False, fn=fake_point, limit=1)
        first = st.keys()
        pages = st.conn.execute("PRAGMA page_count").fetchone()[0]
        st.conn.execute(f"PRAGMA max_page_count = {pages}")  # no new page: the disk is full soon
        pool = LocalExecutor(2)
        with pytest.raises(SpecError, match="the disk is full"):
            run_space(space, st, executor=pool, progress=False, fn=fake_point)
        assert pool._pool == []  # its workers were stopped
        stored = st.keys()
        assert first <= stored and len(stored) < 8  # the earlier points are kept (a few fit in the last page)
        assert st.count() == {"ok": len(stored)}


def test_a_lock_refused_at_once_is_waited_out_then_a_one_line_error(tmp_path: Path):
    """SQLite answers some locks at once with "database is locked" and no busy wait (a new file switched
    to WAL while a second run opens it: the race that failed two concurrent sweeps). Such a refusal is
    tried again; one that outlasts the wait is a one-line error, never a traceback."""
    con = sqlite3.connect(":memory:")
    refusals = iter([True, True, False])
    tries: list[int] = []

    def op() -> str:
        tries.append(1)
        if next(refusals):
            raise sqlite3.OperationalError("database is locked")
        return "done"

    assert retry_busy(con, op, wait_s=5.0) == "done" and len(tries) == 3  # two refusals, one success

    def never() -> None:
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError):
        retry_busy(con, never, wait_s=0.05)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):  # not a lock: no second try
        retry_busy(con, lambda: con.execute("SELECT * FROM nowhere"), wait_s=5.0)


def test_opening_a_store_waits_out_a_refused_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real = ResultStore._set_up
    calls: list[bool] = []

    def refused_once(self: ResultStore, create: bool) -> None:
        calls.append(create)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        real(self, create)

    monkeypatch.setattr(ResultStore, "_set_up", refused_once)
    with ResultStore(tmp_path / "s.sqlite") as st:
        st.put(_GOOD)
        assert st.keys() == {_GOOD["key"]}
    assert calls == [True, True]
