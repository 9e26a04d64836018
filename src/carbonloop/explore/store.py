"""The results store: one SQLite file, one row per finished point, committed as each point finishes.

Rows are keyed by :attr:`carbonloop.explore.space.Point.key`, a hash of the space, the design, the
workload, the objective, the conventions, the carbon parameters, the DRAM, the mapper budget, the package
version and the model fingerprint: rerunning a sweep skips every point already stored, so a killed sweep
resumes where it stopped, and nothing is reused across spaces or model changes. WAL journaling keeps
readers (``carbonloop results``, a notebook) working while a sweep writes. A failed point is a row too,
with ``status = 'error'`` and its message. The record is a JSON document (``record`` column); the columns
beside it are what queries filter on.

The store heals rather than fails:

- a row that cannot be read (not JSON, not a record, a metric that is not a number, bytes that are not
  UTF-8) is reported with its key and read as a failed point, so readers go on and ``--retry-failed``
  computes it again;
- concurrent runs on one store *claim* a point before computing it (table ``claims``, one row per point
  in flight, kept alive by a heartbeat); a claim whose owner died or stopped beating is taken over;
- a full disk, a foreign or damaged file are one-line :class:`~carbonloop.errors.SpecError`\\ s.
"""

from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from carbonloop.errors import SpecError
from carbonloop.explore.atomic import write_atomically

DEFAULT_DIR = Path("carbonloop-results")
DEFAULT_STORE = DEFAULT_DIR / "results.sqlite"

CLAIM_TTL_S = 60.0
"""A claim whose heartbeat is older than this is abandoned (its run died on another machine)."""

HEARTBEAT_S = 10.0
"""How often a running sweep renews its claims (well inside ``CLAIM_TTL_S``)."""

BUSY_WAIT_S = 30.0
"""How long a store operation waits for another process's lock before it is a one-line error. SQLite's
own busy handler (the connection timeout) covers an ordinary write lock, but some locks answer at once
with "database is locked" and no wait: switching a new file to WAL while a second run opens it, the WAL
recovery after a crash, the last connection's checkpoint at close. Those are retried (``retry_busy``)."""

T = TypeVar("T")

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
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    heartbeat REAL NOT NULL
);
"""
RESULT_COLUMNS = {
    "key",
    "design_id",
    "workload",
    "space",
    "status",
    "error",
    "version",
    "finished_at",
    "record",
}
UNIT_SUFFIXES = ("_pj", "_ns", "_mm2", "_g", "_cycles", "_bytes")
"""Record fields named with a unit hold a number (or null); a row breaking that is unreadable."""


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


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def check_record(rec: Any, key: str) -> str | None:
    """Why a stored record cannot be used (None when it can): it must be a JSON object with this key,
    a known status, text labels, and numbers (or null) in every field named with a unit."""
    if not isinstance(rec, dict):
        return f"the record is a {type(rec).__name__}, not an object"
    if rec.get("key") != key:
        return f"the record's key {rec.get('key')!r} is not the row's"
    status = rec.get("status")
    if status not in ("ok", "error"):
        return f"unknown status {status!r}"
    for name in ("design", "workload"):
        if status == "ok" and not isinstance(rec.get(name), str):
            return f"{name} is {rec.get(name)!r}, not text"
    for name, value in rec.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if name.endswith(UNIT_SUFFIXES) and value is not None and not number:
            return f"{name} is {value!r}, not a number"
    return None


def unreadable_record(key: str, columns: dict[str, str], reason: str) -> dict[str, Any]:
    """A failed point standing for a row that cannot be read (its identifying columns kept)."""
    return {
        "key": key,
        "design_id": columns.get("design_id", ""),
        "workload": columns.get("workload", ""),
        "space": columns.get("space", ""),
        "status": "error",
        "error": f"unreadable row: {reason} (rerun with --retry-failed)",
        "unreadable": True,
    }


def _parse_row(key_raw: Any, cols: dict[str, Any], record_raw: Any) -> tuple[dict[str, Any], str | None]:
    """(record, reason it is unreadable or None)."""
    key = _text(key_raw)
    columns = {k: _text(v) for k, v in cols.items()}
    try:
        text = record_raw.decode("utf-8") if isinstance(record_raw, bytes) else str(record_raw)
        rec = json.loads(text)
    except UnicodeDecodeError:
        reason = "the record is not UTF-8 text"
        return unreadable_record(key, columns, reason), reason
    except (ValueError, RecursionError) as err:
        reason = f"the record is not JSON ({type(err).__name__})"
        return unreadable_record(key, columns, reason), reason
    why = check_record(rec, key)
    if why is not None:
        return unreadable_record(key, columns, why), why
    return rec, None


def _store_error(path: Path, err: sqlite3.Error) -> SpecError:
    """One line for a SQLite failure: disk full, damaged file, a busy store, or not a store at all."""
    msg = str(err)
    if "full" in msg:
        return SpecError(str(path), "<store>", f"cannot write: the disk is full ({msg})")
    if "malformed" in msg or "corrupt" in msg:
        return SpecError(
            str(path), "<store>", f"the store is damaged ({msg}); export what reads and start anew"
        )
    if "disk i/o error" in msg.lower():
        return SpecError(str(path), "<store>", f"cannot read or write the store ({msg}; is the disk full?)")
    if _is_busy(err):
        return SpecError(str(path), "<store>", f"the store is busy ({msg}); another process holds it")
    if isinstance(err, sqlite3.OperationalError) and ("unable to open" in msg or "readonly" in msg):
        return SpecError(str(path), "<store>", f"cannot open the store ({msg})")
    return SpecError(str(path), "<store>", f"not a carbonloop results store ({msg})")


def _is_busy(err: sqlite3.Error) -> bool:
    """SQLite's answer when another connection holds the lock ("database is locked", "... busy")."""
    msg = str(err)
    return "locked" in msg or "busy" in msg


def retry_busy(conn: sqlite3.Connection, op: Callable[[], T], *, wait_s: float = BUSY_WAIT_S) -> T:
    """``op()``, rolled back and tried again while SQLite answers "locked" or "busy", for up to ``wait_s``
    (a pause of 10 ms doubling to 0.5 s between tries); other errors and the last busy one propagate."""
    deadline = time.monotonic() + wait_s
    pause_s = 0.01
    while True:
        try:
            return op()
        except sqlite3.Error as err:
            if conn.in_transaction:
                conn.rollback()
            if not _is_busy(err) or time.monotonic() + pause_s > deadline:
                raise
        time.sleep(pause_s)
        pause_s = min(2 * pause_s, 0.5)


@dataclass(frozen=True)
class Unreadable:
    key: str
    reason: str


def new_owner() -> str:
    """A claim owner id unique to this run: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class ResultStore:
    """``with ResultStore(path) as store: store.put(record)``; ``store.keys()``, ``store.records()``.

    ``create=False`` opens an existing store for reading only and writes nothing to it."""

    def __init__(self, path: str | Path = DEFAULT_STORE, *, create: bool = True) -> None:
        self.path = Path(path)
        self.unreadable: list[Unreadable] = []
        if not create and not self.path.is_file():
            raise SpecError(str(path), "<store>", "no results store here (run carbonloop explore first)")
        if self.path.exists() and not self.path.is_file():
            raise SpecError(str(path), "<store>", "not a file")
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise SpecError(str(path), "<store>", f"cannot create the folder: {err.strerror}") from None
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=30.0)
        except sqlite3.Error as err:
            raise _store_error(self.path, err) from None
        try:
            retry_busy(self.conn, lambda: self._set_up(create))
        except sqlite3.Error as err:
            self.conn.close()
            raise _store_error(self.path, err) from None
        except SpecError:
            self.conn.close()
            raise

    def _set_up(self, create: bool) -> None:
        self._check_schema(create)
        if create:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(_SCHEMA)
            self.conn.commit()

    def _check_schema(self, create: bool) -> None:
        """Refuse a SQLite file that is somebody else's database (never add our tables to it)."""
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "results" not in tables:
            if create and not tables - {"meta", "claims"}:
                return  # a new (empty) file: the schema is created next
            found = ", ".join(sorted(tables)) or "none"
            raise SpecError(str(self.path), "<store>", f"not a carbonloop results store (tables: {found})")
        columns = {r[1] for r in self.conn.execute("PRAGMA table_info(results)")}
        missing = sorted(RESULT_COLUMNS - columns)
        if missing:
            raise SpecError(
                str(self.path), "<store>", f"not a carbonloop results store (no column {missing[0]!r})"
            )

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _transact(self, op: Callable[[], T]) -> T:
        """``op()`` with busy locks waited out (``retry_busy``, which also rolls a failed try back); any
        other SQLite failure a one-line error."""
        try:
            return retry_busy(self.conn, op)
        except sqlite3.Error as err:
            raise _store_error(self.path, err) from None

    def _fetchall(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        return self._transact(lambda: self.conn.execute(sql, args).fetchall())

    def _write(self, sql: str, args: tuple[Any, ...] = ()) -> None:
        def write() -> None:
            self.conn.execute(sql, args)
            self.conn.commit()

        self._transact(write)

    # -- writing -------------------------------------------------------------------------------------

    def put(self, record: dict[str, Any]) -> None:
        """Store one finished point (replacing a previous row of the same key), drop its claim, commit."""
        rec = _clean(record)

        def write() -> None:
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
            self.conn.execute("DELETE FROM claims WHERE key = ?", (rec["key"],))
            self.conn.commit()

        self._transact(write)

    def put_many(self, records: Iterable[dict[str, Any]]) -> None:
        for r in records:
            self.put(r)

    # -- claims (concurrent runs on one store) ----------------------------------------------------------

    def claim(self, key: str, owner: str, *, retry_failed: bool = False) -> bool:
        """Take ``key`` for ``owner`` unless it is stored (finished; or failed, without ``retry_failed``)
        or claimed by another live run. True when the caller should compute the point."""
        host, pid_text, _ = owner.rsplit(":", 2)
        pid = int(pid_text)

        def take() -> bool:
            self.conn.execute("BEGIN IMMEDIATE")
            row = self.conn.execute(
                "SELECT CAST(key AS BLOB), design_id, workload, space, status, CAST(record AS BLOB) "
                "FROM results WHERE key = ?",
                (key,),
            ).fetchone()
            if row is not None:
                rec, why = _parse_row(row[0], {}, row[5])
                if (why is None and rec.get("status") == "ok") or not retry_failed:
                    self.conn.rollback()
                    return False
            held = self.conn.execute(
                "SELECT owner, host, pid, heartbeat FROM claims WHERE key = ?", (key,)
            ).fetchone()
            if held is not None and held[0] != owner and self._claim_alive(held[1], held[2], held[3]):
                self.conn.rollback()
                return False
            self.conn.execute(
                "INSERT OR REPLACE INTO claims (key, owner, host, pid, heartbeat) VALUES (?, ?, ?, ?, ?)",
                (key, owner, host, pid, time.time()),
            )
            self.conn.commit()
            return True

        return self._transact(take)

    @staticmethod
    def _claim_alive(host: str, pid: int, heartbeat: float) -> bool:
        if time.time() - heartbeat > CLAIM_TTL_S:
            return False
        return host != socket.gethostname() or _pid_alive(int(pid))

    def heartbeat(self, owner: str) -> None:
        """Renew every claim of ``owner`` (a live run keeps its points)."""
        self._write("UPDATE claims SET heartbeat = ? WHERE owner = ?", (time.time(), owner))

    def release(self, owner: str) -> None:
        """Drop every claim of ``owner`` (the run ends or stops; unfinished points become free)."""
        self._write("DELETE FROM claims WHERE owner = ?", (owner,))

    def claimed_by_others(self, owner: str) -> set[str]:
        rows = self._fetchall("SELECT key, host, pid, heartbeat FROM claims WHERE owner != ?", (owner,))
        return {r[0] for r in rows if self._claim_alive(r[1], r[2], r[3])}

    # -- reading -------------------------------------------------------------------------------------

    def _rows(
        self, where: str = "", args: tuple[Any, ...] = ()
    ) -> Iterator[tuple[dict[str, Any], str | None]]:
        sql = (
            "SELECT CAST(key AS BLOB), CAST(design_id AS BLOB), CAST(workload AS BLOB), CAST(space AS BLOB), "
            f"CAST(record AS BLOB) FROM results {where} ORDER BY design_id, workload, key"
        )
        rows = self._fetchall(sql, args)
        for key, design_id, workload, space, record in rows:
            yield _parse_row(key, {"design_id": design_id, "workload": workload, "space": space}, record)

    def records(self, *, space: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored record, in a stable order (design, then workload, then key). A row that cannot
        be read comes as a failed record (``status: error``, ``unreadable: True``) and is listed in
        :attr:`unreadable`."""
        where, args = ("WHERE space = ?", (space,)) if space is not None else ("", ())
        self.unreadable = []
        for rec, why in self._rows(where, args):
            if why is not None:
                self.unreadable.append(Unreadable(rec["key"], why))
            yield rec

    def keys(self, *, status: str | None = None) -> set[str]:
        """Stored keys; ``status='ok'`` gives only the rows that read as finished (an unreadable row is a
        failed point)."""
        if status is None:
            rows = self._fetchall("SELECT CAST(key AS BLOB) FROM results")
            return {_text(r[0]) for r in rows}
        return {rec["key"] for rec, _ in self._rows() if rec.get("status") == status}

    def count(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for rec, _ in self._rows():
            out[rec["status"]] = out.get(rec["status"], 0) + 1
        return out

    def spaces(self) -> list[str]:
        """The spaces that have rows in this store, sorted."""
        rows = self._fetchall("SELECT DISTINCT CAST(space AS BLOB) FROM results")
        return sorted(_text(r[0]) for r in rows)

    def resolve_space(self, space: str | None) -> str | None:
        """The one space to read: ``space`` if the store has it; with ``space=None`` the store's only
        space. A store of several spaces without ``space`` is an error listing them (never mixed)."""
        known = self.spaces()
        if space is not None:
            if space not in known:
                raise SpecError(
                    str(self.path),
                    "--space",
                    f"no space {space!r} in this store (spaces: {', '.join(known) or 'none'})",
                )
            return space
        if len(known) > 1:
            raise SpecError(
                str(self.path),
                "--space",
                f"the store holds {len(known)} spaces ({', '.join(known)}); choose one with --space",
            )
        return known[0] if known else None

    def set_meta(self, name: str, value: Any) -> None:
        self._write(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, json.dumps(_clean(value)))
        )

    def meta(self, name: str, default: Any = None) -> Any:
        row = self._transact(
            lambda: self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        )
        if not row:
            return default
        try:
            return json.loads(row[0])
        except (ValueError, TypeError):
            return default

    def dataframe(self, *, space: str | None = None) -> Any:
        """The records as a pandas DataFrame (one row per point, one column per record field); the rows
        that could not be read are in ``df.attrs["unreadable"]`` as (key, reason) pairs."""
        import pandas as pd

        recs = list(self.records(space=space))
        df = pd.DataFrame.from_records(recs)
        df.attrs["unreadable"] = [(u.key, u.reason) for u in self.unreadable]
        if df.empty:
            return df
        first = [
            c for c in ("design", "workload", "status", "energy_pj", "latency_ns", "area_mm2") if c in df
        ]
        return df[first + [c for c in df.columns if c not in first]]


def warn_unreadable(df: Any, source: str | Path, stream: Any = None) -> None:
    """One ``warning:`` line per unreadable row of a loaded DataFrame (on stderr by default)."""
    out = stream or sys.stderr
    for key, reason in getattr(df, "attrs", {}).get("unreadable", []):
        print(
            f"warning: {source}: row {key}: {reason}; counted as failed (rerun with --retry-failed)", file=out
        )


def load_results(
    path: str | Path = DEFAULT_STORE,
    *,
    space: str | None = None,
    single_space: bool = False,
    warn: bool = False,
) -> Any:
    """Load a results store (or an exported CSV/Parquet file) into a pandas DataFrame, for notebooks.

    ``space`` keeps that space's rows (an error listing the store's spaces if it has none);
    ``single_space=True`` with no ``space`` reads the store's only space and refuses a store of several
    (what ``results best`` and ``report`` do, so spaces are never mixed silently); otherwise every row,
    with its ``space`` column. ``warn`` prints a line per unreadable row on stderr."""
    p = Path(path)
    if p.suffix in (".csv", ".parquet"):
        return _load_table(p, space)
    with ResultStore(p, create=False) as store:
        chosen = store.resolve_space(space) if (space is not None or single_space) else None
        df = store.dataframe(space=chosen)
    if warn:
        warn_unreadable(df, p)
    return df


def _load_table(p: Path, space: str | None) -> Any:
    import pandas as pd

    if not p.is_file():
        raise SpecError(str(p), "<results>", "no such file")
    try:
        df = pd.read_csv(p) if p.suffix == ".csv" else pd.read_parquet(p)
    except (ValueError, OSError, ImportError) as err:
        raise SpecError(str(p), "<results>", f"cannot read: {type(err).__name__}: {err}") from None
    if space is not None and "space" in df:
        df = df[df["space"] == space]
    return df


def export(path: str | Path, out: str | Path, *, fmt: str | None = None, space: str | None = None) -> int:
    """Write the store (or one ``space`` of it) as CSV or Parquet, by ``fmt`` or the extension; the file
    is written to a temporary name and renamed, so it is complete or absent. Returns the number of rows."""
    out = Path(out)
    kind = fmt or out.suffix.lstrip(".")
    if kind not in ("csv", "parquet"):
        raise SpecError(str(out), "<export>", f"unknown format {kind!r} (csv or parquet)")
    df = load_results(path, space=space)
    df = df.drop(columns=[c for c in ("traceback",) if c in df])

    def write(tmp: Path) -> None:
        if kind == "csv":
            df.to_csv(tmp, index=False)
        else:
            try:
                df.to_parquet(tmp, index=False)
            except ImportError as err:
                raise SpecError(str(out), "<export>", f"Parquet needs pyarrow: {err}") from None

    write_atomically(out, write, field="<export>")
    return len(df)
