"""Progress without a terminal is a plain line every few seconds (a batch log stays readable); on a
terminal it is a live bar; the line says points done of total, failed, elapsed and time left."""

from __future__ import annotations

import io
import time

from carbonloop.explore.progress import BarProgress, PlainProgress, Progress, format_seconds, make_progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_kind_of_progress_follows_the_stream():
    assert type(make_progress("x", 3, enabled=True, stream=io.StringIO())) is PlainProgress
    assert type(make_progress("x", 3, enabled=True, stream=_Tty())) is BarProgress
    assert type(make_progress("x", 3, enabled=False, stream=_Tty())) is Progress


def test_plain_line_counts_and_estimates_from_the_points_run_now():
    p = Progress("explore tiny", 8)
    p.started = time.monotonic() - 30.0  # 30 s ago
    p.advance(False)
    p.advance(True)
    p.advance(False)
    # 3 of 8 in 30 s -> 10 s a point -> 5 left take about 50 s
    line = p.line()
    assert line.startswith("explore tiny: 3/8 points done (1 failed), 0:00:30 elapsed, about 0:00:50 left")
    assert format_seconds(3725) == "1:02:05"
    assert Progress("x", 2).line() == "x: 0/2 points done (0 failed), 0:00:00 elapsed"


def test_plain_progress_writes_lines_while_the_sweep_runs():
    out = io.StringIO()
    with PlainProgress("explore s", 4, out, every_s=0.01) as bar:
        bar.advance(False)
        deadline = time.monotonic() + 5
        while "\n" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    first = out.getvalue().splitlines()[0]
    assert first.startswith("explore s: 1/4 points done (0 failed), ")
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()  # no terminal control codes
