"""Where the points run: in this process, in a local process pool, or on a Dask cluster.

Every executor has one method, ``run(fn, items)``, yielding ``fn(item)`` results as they finish (any
order); the caller stores each one at once. The tasks are independent and deterministic, so the results
are the same whatever the executor and the order.

Dask is optional (``pip install 'carbonloop[cluster]'``) and imported only when asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from carbonloop.errors import SpecError


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class SerialExecutor:
    """Runs every task here, one after the other (``--workers 1``; debugging)."""

    name = "serial"
    workers = 1

    def run(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            yield fn(item)

    def close(self) -> None:
        pass


class LocalExecutor:
    """A pool of worker processes on this machine; at most ``2 x workers`` tasks are in flight so that an
    interrupted sweep loses little work and results stream back as they finish."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    def run(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        self._pool = ProcessPoolExecutor(max_workers=self.workers)
        it = iter(items)
        pending: set[Future[Any]] = set()
        try:
            for item in it:
                pending.add(self._pool.submit(fn, item))
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    nxt = next(it, None)
                    if nxt is not None:
                        pending.add(self._pool.submit(fn, nxt))
                    yield fut.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """Tasks on a Dask cluster: ``address`` is a scheduler (``tcp://host:8786``) or ``local`` for a
    ``LocalCluster`` of ``workers`` single-threaded processes started here."""

    name = "dask"

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise SpecError(
                "--dask",
                address,
                "dask is not installed: pip install 'carbonloop[cluster]' (dask[distributed])",
            ) from None
        self.address = address
        self._cluster = None
        if address == "local":
            self.workers = workers or default_workers()
            self._cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(address, timeout=30)
            except OSError as err:
                raise SpecError("--dask", address, f"cannot reach the Dask scheduler: {err}") from None
            self.workers = max(1, sum(self.client.nthreads().values()))

    def run(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        from dask.distributed import as_completed

        futures = [self.client.submit(fn, item, pure=False) for item in items]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            for fut in futures:
                if not fut.done():
                    fut.cancel()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers: int | None = None, dask: str | None = None) -> Any:
    """``dask`` given: a DaskExecutor; ``workers == 1``: serial; otherwise a local process pool."""
    if workers is not None and workers < 1:
        raise SpecError("--workers", "workers", f"must be >= 1 (got {workers})")
    if dask:
        return DaskExecutor(dask, workers)
    if workers == 1:
        return SerialExecutor()
    return LocalExecutor(workers)
