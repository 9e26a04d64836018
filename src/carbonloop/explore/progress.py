"""Progress of a sweep: a live bar on a terminal, a plain line every few seconds otherwise.

A batch job's log (stderr redirected to a file) gets no bar redraws, which would be unreadable there,
but one line every ``PLAIN_EVERY_S`` seconds with the points done, failed, elapsed and left, so a cluster
user can follow a long sweep with ``tail -f``. The estimate of the time left counts only the points run
now, not the ones found in the store.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

PLAIN_EVERY_S = 5.0


def format_seconds(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """The sweep's counters; subclasses show them. Use as a context manager; call ``advance``."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = total  # points to run now
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()

    def __enter__(self) -> Progress:
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def advance(self, failed: bool) -> None:
        self.done += 1
        self.failed += failed

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done) if self.done else None
        return (
            f"{self.label}: {self.done}/{self.total} points done ({self.failed} failed), "
            f"{format_seconds(elapsed)} elapsed"
            + (f", about {format_seconds(left)} left" if left is not None else "")
        )


class PlainProgress(Progress):
    """One line on ``stream`` every ``every_s`` seconds (from a daemon thread, so a long point still
    shows that the sweep is alive)."""

    def __init__(self, label: str, total: int, stream: TextIO, every_s: float = PLAIN_EVERY_S) -> None:
        super().__init__(label, total)
        self.stream = stream
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PlainProgress:
        super().__enter__()
        self._thread = threading.Thread(target=self._loop, name="carbonloop-progress", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            print(self.line(), file=self.stream, flush=True)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)


class BarProgress(Progress):
    """A rich progress bar: points done of total, failed, elapsed and estimated time left."""

    def __init__(self, label: str, total: int, stream: TextIO) -> None:
        super().__init__(label, total)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self.bar = RichProgress(
            TextColumn("[bold]{task.description}[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("points, [red]{task.fields[failed]} failed[/red]"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            transient=False,
            console=Console(file=stream),
        )
        self.task = self.bar.add_task(label, total=total, failed=0)

    def __enter__(self) -> BarProgress:
        super().__enter__()
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def advance(self, failed: bool) -> None:
        super().advance(failed)
        self.bar.update(self.task, advance=1, failed=self.failed)


def make_progress(label: str, total: int, *, enabled: bool, stream: Any = None) -> Progress:
    """A bar on a terminal, plain lines when ``stream`` (default stderr) is not one, nothing if not
    ``enabled``."""
    out = stream or sys.stderr
    if not enabled:
        return Progress(label, total)
    if getattr(out, "isatty", lambda: False)():
        return BarProgress(label, total, out)
    return PlainProgress(label, total, out)


def print_table(table: Any, stream: Any = None) -> None:
    """Print a rich table at its natural width: on a terminal the terminal's width, elsewhere (a file, a
    pipe, a batch log) as wide as the table needs, so columns are never cut to rich's default 80."""
    from rich.console import Console

    console = Console(file=stream)
    if not console.is_terminal:
        natural = Console(file=stream, width=100_000).measure(table).maximum
        console = Console(file=stream, width=max(80, natural))
    console.print(table)
