"""The results store: one SQLite file, one row per finished point, committed as each point finishes.

Rows are keyed by :attr:`carbonloop.explore.space.Point.key`, a hash of the design, the workload, the
objective, the carbon parameters, the mapper budget and the carbonloop version: rerunning a sweep skips
every point already stored, so a killed sweep resumes where it stopped. WAL journaling keeps readers
(``carbonloop results``, a notebook) working while a sweep writes. A failed point is a row too, with
``status = 'error'`` and its message. The record itself is a JSON document (``record`` column); the
columns beside it are what queries filter on.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from carbonloop.errors import SpecError

DEFAULT_DIR = Path("carbonloop-results")
DEFAULT_STORE = DEFAULT_DIR / "results.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    design_id TEXT NOT NULL,
    workload TEXT NOT NULL,
    space TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    version TEXT,
    finished_at REAL NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_design ON results (design_id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _clean(x: Any) -> Any:
    """JSON without NaN/inf (they become null) and numpy scalars as Python numbers."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str | bytes):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


class ResultStore:
    """``with ResultStore(path) as store: store.put(record)``; ``store.keys()``, ``store.records()``."""

    def __init__(self, path: str | Path = DEFAULT_STORE, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise SpecError(str(path), "<store>", "no results store here (run carbonloop explore first)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=30.0)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(_SCHEMA)
            self.conn.commit()
        except sqlite3.DatabaseError as err:
            raise SpecError(str(path), "<store>", f"not a carbonloop results store: {err}") from None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def put(self, record: dict[str, Any]) -> None:
        """Store one finished point (replacing a previous row of the same key) and commit."""
        rec = _clean(record)
        self.conn.execute(
            "INSERT OR REPLACE INTO results (key, design_id, workload, space, status, error, version, "
            "finished_at, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rec["key"],
                rec["design_id"],
                rec["workload"],
                rec.get("space", ""),
                rec.get("status", "ok"),
                rec.get("error"),
                rec.get("version"),
                time.time(),
                json.dumps(rec, sort_keys=True),
            ),
        )
        self.conn.commit()

    def put_many(self, records: Iterable[dict[str, Any]]) -> None:
        for r in records:
            self.put(r)

    def keys(self, *, status: str | None = None) -> set[str]:
        if status is None:
            rows = self.conn.execute("SELECT key FROM results")
        else:
            rows = self.conn.execute("SELECT key FROM results WHERE status = ?", (status,))
        return {r[0] for r in rows}

    def records(self, *, space: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored record, in a stable order (design, then workload, then key)."""
        sql = "SELECT record FROM results"
        args: tuple[Any, ...] = ()
        if space is not None:
            sql += " WHERE space = ?"
            args = (space,)
        sql += " ORDER BY design_id, workload, key"
        for (text,) in self.conn.execute(sql, args):
            yield json.loads(text)

    def count(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT status, COUNT(*) FROM results GROUP BY status")
        return {s: n for s, n in rows}

    def set_meta(self, name: str, value: Any) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, json.dumps(_clean(value)))
        )
        self.conn.commit()

    def meta(self, name: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else default

    def dataframe(self, *, space: str | None = None) -> Any:
        """The records as a pandas DataFrame (one row per point, one column per record field)."""
        import pandas as pd

        recs = list(self.records(space=space))
        df = pd.DataFrame.from_records(recs)
        if df.empty:
            return df
        first = [
            c for c in ("design", "workload", "status", "energy_pj", "latency_ns", "area_mm2") if c in df
        ]
        return df[first + [c for c in df.columns if c not in first]]


def load_results(path: str | Path = DEFAULT_STORE, *, space: str | None = None) -> Any:
    """Load a results store (or an exported CSV/Parquet file) into a pandas DataFrame, for notebooks."""
    p = Path(path)
    if p.suffix == ".csv":
        import pandas as pd

        return pd.read_csv(p)
    if p.suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(p)
    with ResultStore(p, create=False) as store:
        return store.dataframe(space=space)


def export(path: str | Path, out: str | Path, *, fmt: str | None = None) -> int:
    """Write the store as CSV or Parquet (by ``fmt`` or the extension); returns the number of rows."""
    out = Path(out)
    kind = fmt or out.suffix.lstrip(".")
    if kind not in ("csv", "parquet"):
        raise SpecError(str(out), "<export>", f"unknown format {kind!r} (csv or parquet)")
    df = load_results(path)
    df = df.drop(columns=[c for c in ("traceback",) if c in df])
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        df.to_csv(out, index=False)
    else:
        df.to_parquet(out, index=False)
    return len(df)
