"""Running a design space: skip the points already stored, claim each remaining point just before it
runs (so concurrent runs on one store never compute a point twice), run it on an executor, store each
result the moment it arrives, show progress, and stop cleanly on request (Ctrl-C)."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbonloop.errors import SpecError
from carbonloop.explore.executors import SerialExecutor, make_executor
from carbonloop.explore.interrupts import StopRequest, graceful_sigint
from carbonloop.explore.point import base_record, evaluate_point
from carbonloop.explore.progress import make_progress
from carbonloop.explore.space import DesignSpace, Point
from carbonloop.explore.store import HEARTBEAT_S, ResultStore, new_owner
from carbonloop.mapper.reuse import forget as forget_mappings
from carbonloop.mapper.reuse import sweep_reuse


@dataclass(frozen=True)
class RunSummary:
    space: str
    total: int  # points of the space (after --limit)
    skipped: int  # already in the store when the run started
    ran: int
    failed: int  # of those run
    seconds: float
    executor: str
    workers: int
    elsewhere: int = 0  # points another run on the same store finished or holds (not run here)
    interrupted: bool = False  # stopped on request before every point ran

    @property
    def points_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else 0.0

    @property
    def left(self) -> int:
        """Points of the space neither stored before, run now, nor held by another run."""
        return self.total - self.skipped - self.ran - self.elsewhere


def select_points(space: DesignSpace, limit: int | None = None) -> list[Point]:
    pts = list(space.points())
    return pts[:limit] if limit is not None else pts


def reusing_mappings(fn: Callable[[Point], dict[str, Any]], point: Point) -> dict[str, Any]:
    """``fn(point)`` with the mapper's per-process reuse on (a top-level function: it pickles by name to
    pool and Dask workers)."""
    with sweep_reuse():
        return fn(point)


def lost_record(point: Point, message: str) -> dict[str, Any]:
    """The failed record of a point whose task could not finish (its worker died on every attempt)."""
    rec = base_record(point)
    rec.update(status="error", error=f"WorkerLost: {message}", seconds=None)
    return rec


class _Heartbeat:
    """Renews this run's claims every ``HEARTBEAT_S`` from a thread with its own connection, so a point
    that computes for an hour in this process is not taken over by another run."""

    def __init__(self, path: Path, owner: str) -> None:
        self.path, self.owner = path, owner
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="carbonloop-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _loop(self) -> None:
        st: ResultStore | None = None
        try:
            while not self._stop.wait(HEARTBEAT_S):
                try:
                    st = st or ResultStore(self.path, create=False)
                    st.heartbeat(self.owner)
                except Exception:  # noqa: BLE001 - a missed beat only shortens the claim's life
                    continue
        finally:
            if st is not None:
                st.close()


def run_space(
    space: DesignSpace,
    store: ResultStore | str | Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    executor: Any = None,
    limit: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    fn: Callable[[Point], dict[str, Any]] = evaluate_point,
    stop: StopRequest | None = None,
    handle_interrupts: bool = False,
    reuse: bool = True,
) -> RunSummary:
    """Evaluate every point of ``space`` not yet in ``store`` and store each result as it finishes.

    ``stop.set()`` (from another thread) ends the run within a fraction of a second with every finished
    point stored; ``handle_interrupts=True`` (the CLI) makes Ctrl-C do that, and a second Ctrl-C exit the
    process at once (see interrupts.py). The summary says whether the run was interrupted.

    ``reuse``: each worker process remembers the best mapping of every layer shape it searched and starts
    the same shape's search on a design of the same structure from that mapping's value as a ceiling
    (:mod:`carbonloop.mapper.reuse`): fewer mappings scored, the same results whatever the order."""
    own_store = not isinstance(store, ResultStore)
    st = ResultStore(store) if not isinstance(store, ResultStore) else store
    stop = stop or StopRequest()
    owner = new_owner()
    ex: Any = None
    try:
        points = select_points(space, limit)
        done = st.keys() if not retry_failed else st.keys(status="ok")
        todo = [p for p in points if p.key not in done]
        st.set_meta(
            f"space:{space.name}",
            {
                "name": space.name,
                "workloads": [w.name for w in space.workloads],
                "objective": space.objective,
                "conventions": space.conventions,
                "parameters": space.parameters,
                "dram_bytes": space.dram_bytes,
                "source": space.source,
            },
        )
        ex = executor or make_executor(workers, dask)
        task = functools.partial(reusing_mappings, fn) if reuse else fn
        forget_mappings()  # a run starts with this process's memory empty (its `evaluated` counts its own)
        by_key = {p.key: p for p in todo}
        not_claimed: list[Point] = []

        def claimed() -> Iterator[Point]:
            """The points to run, each claimed in the store just before it is handed to a worker."""
            for p in todo:
                if stop.is_set():
                    return
                if st.claim(p.key, owner, retry_failed=retry_failed):
                    yield p
                else:
                    not_claimed.append(p)

        t0 = time.perf_counter()
        failed = ran = 0
        stored_now = 0
        label = f"explore {space.name}"
        bar = make_progress(label, len(todo), enabled=progress and bool(todo))

        def second_message() -> str:
            return f"interrupted again: exiting now ({stored_now} points stored by this run)"

        busy_here = (lambda: ex.busy) if isinstance(ex, SerialExecutor) else (lambda: False)
        interrupts = graceful_sigint(stop, busy_here=busy_here, second_message=second_message)
        with _Heartbeat(st.path, owner), bar, interrupts if handle_interrupts else nullcontext():
            results: Iterator[dict[str, Any]] = (
                ex.run(task, claimed(), stop=stop, on_lost=lost_record) if todo else iter(())
            )
            try:
                for rec in results:
                    point = by_key.get(rec.get("key", ""))
                    if point is not None:
                        rec.setdefault("conventions", point.conventions)
                        rec.setdefault("model_fingerprint", point.model_fingerprint)
                    st.put(rec)
                    stored_now += 1
                    ran += 1
                    failed += rec.get("status") != "ok"
                    bar.advance(rec.get("status") != "ok")
                    if on_record is not None:
                        on_record(rec)
            except KeyboardInterrupt:
                if not stop.is_set():
                    raise
            finally:
                close = getattr(results, "close", None)
                if close is not None:
                    close()  # the executor's own cleanup (its workers) runs now, not at garbage collection
                if executor is None:
                    ex.close()
                with suppress(SpecError):  # e.g. a full disk, already reported; our claims go stale anyway
                    st.release(owner)
        return RunSummary(
            space.name,
            len(points),
            len(points) - len(todo),
            ran,
            failed,
            time.perf_counter() - t0,
            getattr(ex, "name", type(ex).__name__),
            int(getattr(ex, "workers", 1)),
            len(not_claimed),
            stop.is_set(),
        )
    finally:
        if own_store:
            st.close()
