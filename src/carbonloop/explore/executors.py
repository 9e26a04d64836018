"""Where the points run: in this process, in a pool of local worker processes, or on a Dask cluster.

Every executor has one method, ``run(fn, items, *, stop=None, on_lost=None)``, yielding ``fn(item)``
results as they finish (any order); the caller stores each one at once. ``items`` is pulled lazily, one
item when a worker is free, so the caller can claim a point just before it runs. ``stop`` (anything with
``is_set()``) ends the run within a fraction of a second: running tasks are abandoned, nothing more is
yielded. ``on_lost(item, message)`` turns a task that could not finish (its worker died twice, or ``fn``
raised in a worker) into a result, so one bad point never ends a sweep. The tasks are independent and
deterministic, so the results are the same whatever the executor and the order.

The local pool is our own small one rather than ``concurrent.futures.ProcessPoolExecutor``, because that
pool breaks as a whole when one worker dies (``BrokenProcessPool``) and cannot say which task killed it.
Here each worker runs one task at a time over its own pipe, so a dead worker's task is known: it is given
to a fresh worker once more (``retries``) and then reported lost. Workers ignore SIGINT (the main process
decides what a Ctrl-C does) and each watches a pipe only the main process writes to: when the main process
dies, the pipe reads end-of-file and the worker exits at once.

The task function must be importable by its module name (a function defined in a notebook cell or a
script's ``__main__`` runs with ``workers=1`` or on Dask).

Dask is optional (``pip install 'carbonloop[cluster]'``) and imported only when asked for.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from carbonloop.errors import SpecError

POLL_S = 0.2
"""How often a waiting executor looks at ``stop`` (an interrupt is seen within this time)."""


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


LostHandler = Callable[[Any, str], Any]


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class TaskLost(RuntimeError):
    """A task could not finish and no ``on_lost`` handler was given."""


def _lost(on_lost: LostHandler | None, item: Any, message: str) -> Any:
    if on_lost is None:
        raise TaskLost(message)
    return on_lost(item, message)


class SerialExecutor:
    """Runs every task here, one after the other (``--workers 1``; debugging). A stop request made while
    a task runs here is delivered as KeyboardInterrupt by the interrupt handler (see interrupts.py); the
    task is abandoned and the run ends."""

    name = "serial"
    workers = 1

    def __init__(self) -> None:
        self.busy = False  # True while fn runs in this process (read by the SIGINT handler)

    def run(
        self,
        fn: Callable[[Any], Any],
        items: Iterable[Any],
        *,
        stop: StopFlag | None = None,
        on_lost: LostHandler | None = None,
    ) -> Iterator[Any]:
        for item in items:
            if stop is not None and stop.is_set():
                return
            self.busy = True
            try:
                result = fn(item)
            except KeyboardInterrupt:
                if stop is not None and stop.is_set():
                    return
                raise
            finally:
                self.busy = False
            yield result

    def close(self) -> None:
        pass


# -- the local worker pool -----------------------------------------------------------------------------


def _watch_parent(lifeline: Connection) -> None:
    """Exit this worker as soon as the main process is gone (its end of ``lifeline`` closes)."""

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="carbonloop-parent-watch", daemon=True).start()


def _worker_main(tasks: Connection, lifeline: Connection) -> None:
    """A worker: run ``fn(item)`` for each (fn, item) received, send back ("ok", result) or
    ("raised", message); stop on None or when the main process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(lifeline)
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        except Exception as err:  # noqa: BLE001 - a task whose function cannot be imported here
            tasks.send(("raised", f"cannot load the task in a worker: {type(err).__name__}: {err}"))
            continue
        if task is None:
            return
        fn, item = task
        try:
            reply: tuple[str, Any] = ("ok", fn(item))
        except Exception as err:  # noqa: BLE001 - reported to the main process as a lost task
            reply = ("raised", f"{type(err).__name__}: {err}")
        try:
            tasks.send(reply)
        except (BrokenPipeError, EOFError, ConnectionResetError):
            return
        except Exception as err:  # noqa: BLE001 - a result that cannot be pickled
            tasks.send(("raised", f"result not sendable: {type(err).__name__}: {err}"))


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start a worker without re-running the caller's ``__main__`` in it. forkserver and spawn children
    normally import the main script again (so a script without an ``if __name__ == "__main__"`` guard
    would run itself in every worker, and the ``carbonloop`` console script would load the whole CLI);
    our workers need only the task function, which is importable by its module name."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx: Any, lifeline: Connection) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child, lifeline), daemon=True)
        with _main_module_hidden():
            self.process.start()
        child.close()
        self.task: tuple[Any, int] | None = None  # (item, attempt number)

    def send(self, fn: Callable[[Any], Any], item: Any, attempt: int) -> None:
        """Give the worker a task; if it died meanwhile, the next collect sees it and requeues the task."""
        self.task = (item, attempt)
        with contextlib.suppress(OSError):
            self.conn.send((fn, item))

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=2)
        self.conn.close()


def _exit_description(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _context() -> Any:
    """forkserver where there is one: fast to start, and its workers do not inherit this process's
    threads, locks or open files (the store); spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["carbonloop.explore.point"])
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX


class LocalExecutor:
    """A pool of ``workers`` processes on this machine, one task each at a time, so that results stream
    back as they finish and an interrupted or broken sweep loses at most the tasks running."""

    name = "local"

    def __init__(self, workers: int | None = None, *, retries: int = 1) -> None:
        self.workers = workers or default_workers()
        self.retries = retries
        self._pool: list[_Worker] = []
        self._lifeline: Connection | None = None

    def run(
        self,
        fn: Callable[[Any], Any],
        items: Iterable[Any],
        *,
        stop: StopFlag | None = None,
        on_lost: LostHandler | None = None,
    ) -> Iterator[Any]:
        ctx = _context()
        life_read, self._lifeline = ctx.Pipe(duplex=False)  # we keep the write end and never write
        source = iter(items)
        again: deque[tuple[Any, int]] = deque()  # tasks of dead workers, to run once more
        exhausted = False
        try:
            while True:
                if stop is not None and stop.is_set():
                    return
                # hand a task to every idle worker (starting workers up to the pool size)
                while not (exhausted and not again):
                    idle = next((w for w in self._pool if w.task is None), None)
                    if idle is None and len(self._pool) >= self.workers:
                        break
                    if again:
                        item, attempt = again.popleft()
                    else:
                        item = next(source, _END)
                        if item is _END:
                            exhausted = True
                            break
                        attempt = 1
                    if idle is None:
                        idle = _Worker(ctx, life_read)
                        self._pool.append(idle)
                    idle.send(fn, item, attempt)
                busy = [w for w in self._pool if w.task is not None]
                if not busy:
                    if exhausted and not again:
                        return
                    continue
                wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=POLL_S)
                for w in busy:
                    yield from self._collect(w, again, on_lost)
        finally:
            life_read.close()
            self.close()

    def _collect(
        self, w: _Worker, again: deque[tuple[Any, int]], on_lost: LostHandler | None
    ) -> Iterator[Any]:
        """The result of worker ``w`` if it has one; a dead worker's task is queued again or lost."""
        assert w.task is not None
        item, attempt = w.task
        try:
            if w.conn.poll():
                kind, value = w.conn.recv()
                w.task = None
                yield value if kind == "ok" else _lost(on_lost, item, f"the task raised {value}")
                return
        except (EOFError, OSError):
            pass  # the worker died while (or before) sending: handled below
        if w.process.is_alive():
            return
        w.process.join(timeout=1)
        why = _exit_description(w.process.exitcode)
        w.task = None
        w.kill()
        self._pool.remove(w)
        if attempt <= self.retries:
            again.append((item, attempt + 1))
        else:
            yield _lost(on_lost, item, f"worker process died ({why}) on each of {attempt} attempts")

    def close(self) -> None:
        """Stop every worker now (a task still running is abandoned)."""
        for w in self._pool:
            try:
                if w.task is None and w.process.is_alive():
                    w.conn.send(None)
            except OSError:
                pass
        for w in self._pool:
            if w.task is not None:
                w.process.kill()
        for w in self._pool:
            w.process.join(timeout=1)
            w.kill()
        self._pool = []
        if self._lifeline is not None:
            self._lifeline.close()
            self._lifeline = None


_END = object()


class DaskExecutor:
    """Tasks on a Dask cluster: ``address`` is a scheduler (``tcp://host:8786``) or ``local`` for a
    ``LocalCluster`` of ``workers`` single-threaded processes started here. Dask retries a task whose
    worker died; one that still fails is handed to ``on_lost``."""

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
            except (OSError, ValueError, TypeError) as err:
                raise SpecError("--dask", address, f"cannot reach the Dask scheduler: {err}") from None
            self.workers = max(1, sum(self.client.nthreads().values()))

    def run(
        self,
        fn: Callable[[Any], Any],
        items: Iterable[Any],
        *,
        stop: StopFlag | None = None,
        on_lost: LostHandler | None = None,
    ) -> Iterator[Any]:
        import time

        from dask.distributed import as_completed

        items = list(items)
        futures = [self.client.submit(fn, item, pure=False) for item in items]
        item_of = {f.key: item for f, item in zip(futures, items, strict=True)}
        pending = as_completed(futures)
        try:
            while not pending.is_empty():
                if stop is not None and stop.is_set():
                    return
                batch = pending.next_batch(block=False)
                if not batch:
                    time.sleep(POLL_S)
                    continue
                for fut in batch:
                    try:
                        yield fut.result()
                    except Exception as err:  # noqa: BLE001 - a killed worker, a failed task
                        yield _lost(on_lost, item_of[fut.key], f"{type(err).__name__}: {err}")
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
