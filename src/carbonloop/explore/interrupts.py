"""Ctrl-C during a sweep: the first one stops it cleanly, the second one leaves at once.

The first SIGINT only sets a flag: the executor sees it within ``executors.POLL_S``, stops its workers,
and the runner returns with every finished point already stored (each is committed the moment it
arrives); the caller prints one line. If the point being computed runs in this very process (serial
executor), the handler raises KeyboardInterrupt inside it, so that point is abandoned too rather than
finished first. A second SIGINT writes one line and ends the process with ``os._exit(130)``: no
traceback, no cleanup that could hang. That is safe for the store (every row is its own committed SQLite
transaction, and a claim left behind names a dead process, so the next run takes it over) and for the
workers (they watch the main process and exit when it is gone).

The handler is installed only in the main thread and only for the duration of the run (after an
interrupted run it stays, so that a second SIGINT arriving while the caller reports still exits at once);
library callers who do not ask for it keep Python's default (KeyboardInterrupt).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_INTERRUPTED = 130
"""The shell's code for a process ended by SIGINT (128 + 2)."""


class StopRequest:
    """A thread-safe stop flag with the number of interrupts received."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.interrupts = 0

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()


@contextmanager
def graceful_sigint(
    stop: StopRequest,
    *,
    busy_here: Callable[[], bool] = lambda: False,
    second_message: Callable[[], str] = lambda: "interrupted again: exiting now",
) -> Iterator[StopRequest]:
    """While active, SIGINT sets ``stop`` (raising KeyboardInterrupt if ``busy_here()``: a task runs in
    this process); a second SIGINT writes ``second_message()`` as one line on stderr and exits 130."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.interrupts += 1
        if stop.interrupts >= 2:
            # on a terminal: show the cursor a live progress bar hid, and start the line after the bar
            prefix = "\x1b[?25h\n" if os.isatty(2) else ""
            os.write(2, f"{prefix}{second_message()}\n".encode())
            os._exit(EXIT_INTERRUPTED)
        stop.set()
        if busy_here():
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        # once interrupted, the process is on its way out (its caller prints one line and exits): a
        # second SIGINT that arrives after the run returned must still exit at once with its one line,
        # not meet the default handler halfway through that print
        signal.signal(signal.SIGINT, handler if stop.is_set() else previous)
