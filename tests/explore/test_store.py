from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from carbonloop.errors import SpecError
from carbonloop.explore.store import ResultStore, export, load_results


def _rec(key: str, design: str, workload: str, energy: float, **extra) -> dict:
    return {
        "key": key,
        "design_id": design,
        "design": f"d{design}",
        "workload": workload,
        "space": "s",
        "status": "ok",
        "energy_pj": energy,
        **extra,
    }


def test_store_round_trip_keeps_values_and_replaces_by_key(tmp_path: Path):
    path = tmp_path / "r.sqlite"
    with ResultStore(path) as st:
        st.put(_rec("k1", "a", "w1", 1.5, latency_ns=10, deadline_met=True, nested={"x": [1, 2]}))
        st.put(_rec("k2", "b", "w1", float("nan"), status="error", error="boom"))
        st.put(_rec("k1", "a", "w1", 2.5, latency_ns=10, deadline_met=True, nested={"x": [1, 2]}))
        assert st.keys() == {"k1", "k2"}
        assert st.keys(status="ok") == {"k1"}
        assert st.count() == {"ok": 1, "error": 1}
        assert st.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with ResultStore(path) as st:
        recs = {r["key"]: r for r in st.records()}
    assert recs["k1"]["energy_pj"] == 2.5 and recs["k1"]["nested"] == {"x": [1, 2]}
    assert recs["k2"]["energy_pj"] is None and recs["k2"]["error"] == "boom"  # NaN is stored as null
    df = load_results(path)
    assert list(df.columns[:3]) == ["design", "workload", "status"]
    assert df.set_index("key").loc["k1", "energy_pj"] == 2.5
    assert math.isnan(df.set_index("key").loc["k2", "energy_pj"])


def test_each_put_is_committed_and_visible_to_another_connection(tmp_path: Path):
    path = tmp_path / "r.sqlite"
    st = ResultStore(path)
    st.put(_rec("k1", "a", "w", 1.0))
    other = sqlite3.connect(path)
    assert other.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 1
    other.close()
    st.close()


def test_export_csv_and_parquet_round_trip(tmp_path: Path):
    path = tmp_path / "r.sqlite"
    with ResultStore(path) as st:
        st.put(_rec("k1", "a", "w1", 1.25, p_rows=8, traceback="..."))
        st.put(_rec("k2", "a", "w2", 3.0, p_rows=8))
    assert export(path, tmp_path / "r.csv") == 2
    assert export(path, tmp_path / "r.parquet") == 2
    for f in ("r.csv", "r.parquet"):
        df = load_results(tmp_path / f)
        assert sorted(df["energy_pj"]) == [1.25, 3.0]
        assert "traceback" not in df.columns
        assert list(df["p_rows"]) == [8, 8]
    with pytest.raises(SpecError, match="unknown format"):
        export(path, tmp_path / "r.xlsx")


def test_missing_or_foreign_store_is_a_spec_error(tmp_path: Path):
    with pytest.raises(SpecError, match="no results store"):
        load_results(tmp_path / "none.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SpecError, match="not a carbonloop results store"):
        ResultStore(junk)


def test_load_results_filters_by_space(tmp_path: Path):
    path = tmp_path / "r.sqlite"
    with ResultStore(path) as st:
        st.put(_rec("k1", "a", "w", 1.0))
        st.put({**_rec("k2", "a", "w", 2.0), "space": "other"})
    assert list(load_results(path, space="other")["energy_pj"]) == [2.0]
    assert isinstance(load_results(path), pd.DataFrame) and len(load_results(path)) == 2
