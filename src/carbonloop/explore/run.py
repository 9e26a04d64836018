"""Running a design space: skip the points already stored, run the rest on an executor, store each result
the moment it arrives, show a progress bar (points done, failed, time left)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbonloop.explore.executors import make_executor
from carbonloop.explore.point import evaluate_point
from carbonloop.explore.space import DesignSpace, Point
from carbonloop.explore.store import ResultStore


@dataclass(frozen=True)
class RunSummary:
    space: str
    total: int  # points of the space (after --limit)
    skipped: int  # already in the store
    ran: int
    failed: int  # of those run
    seconds: float
    executor: str
    workers: int

    @property
    def points_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else 0.0


def select_points(space: DesignSpace, limit: int | None = None) -> list[Point]:
    pts = list(space.points())
    return pts[:limit] if limit is not None else pts


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
) -> RunSummary:
    """Evaluate every point of ``space`` not yet in ``store`` and store each result as it finishes."""
    own_store = not isinstance(store, ResultStore)
    st = ResultStore(store) if not isinstance(store, ResultStore) else store
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
                "parameters": space.parameters,
                "dram_bytes": space.dram_bytes,
                "source": space.source,
            },
        )
        ex = executor or make_executor(workers, dask)
        t0 = time.perf_counter()
        failed = ran = 0
        bar = _Progress(len(points), len(points) - len(todo), enabled=progress and bool(todo))
        try:
            with bar:
                for rec in ex.run(fn, todo) if todo else ():
                    st.put(rec)
                    ran += 1
                    failed += rec.get("status") != "ok"
                    bar.advance(rec.get("status") != "ok")
                    if on_record is not None:
                        on_record(rec)
        finally:
            if executor is None:
                ex.close()
        return RunSummary(
            space.name,
            len(points),
            len(points) - len(todo),
            ran,
            failed,
            time.perf_counter() - t0,
            getattr(ex, "name", type(ex).__name__),
            int(getattr(ex, "workers", 1)),
        )
    finally:
        if own_store:
            st.close()


class _Progress:
    """A rich progress bar: points done of total, failed, elapsed and estimated time left."""

    def __init__(self, total: int, already: int, enabled: bool) -> None:
        self.enabled = enabled
        self.failed = 0
        if not enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("points, [red]{task.fields[failed]} failed[/red]"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            transient=False,
        )
        # The ETA is estimated from the points run now, not the ones found in the store.
        label = f"explore ({already} already stored)" if already else "explore"
        self.task = self.progress.add_task(label, total=total - already, failed=0)
        self.already = already

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()

    def advance(self, failed: bool) -> None:
        self.failed += failed
        if self.enabled:
            self.progress.update(self.task, advance=1, failed=self.failed)
