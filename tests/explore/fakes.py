"""Stand-ins for ``evaluate_point`` that do not run the model: the store, the runner, the workers and the
interrupts are tested on their own, fast, with records whose numbers are derived from the design by a
rule the tests can recompute. They live in a module (not in a test) so worker processes can import them.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from carbonloop.explore.point import base_record
from carbonloop.explore.space import Point

LOG_ENV = "CARBONLOOP_TEST_LOG"
SLEEP_ENV = "CARBONLOOP_TEST_SLEEP_S"


def fake_numbers(rows: int, fps: float) -> dict[str, Any]:
    """energy = 1000 / rows pJ, latency = 100 * rows ns: a smaller array saves latency, a larger energy."""
    energy_pj = 1000.0 / rows
    latency_ns = 100.0 * rows
    return {
        "energy_pj": energy_pj,
        "latency_ns": latency_ns,
        "latency_cycles": 100 * rows,
        "edp_pj_ns": energy_pj * latency_ns,
        "area_mm2": rows / 100.0,
        "carbon_ca_g": energy_pj * 1e-9,
        "carbon_pa_g": energy_pj * 2e-9,
        "carbon_ca_ex_package_g": energy_pj * 1e-9,
        "carbon_pa_ex_package_g": energy_pj * 2e-9,
        "deadline_met": latency_ns <= 1e9 / fps,
    }


def _log(point: Point, log: str | None = None) -> None:
    path = log or os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:  # one short append per line: atomic on POSIX
            f.write(f"{os.getpid()} {point.key} {point.design.label}\n")


def fake_point(point: Point) -> dict[str, Any]:
    """A finished record without the model (logged, and slowed down by ``CARBONLOOP_TEST_SLEEP_S``)."""
    _log(point)
    time.sleep(float(os.environ.get(SLEEP_ENV, "0")))
    rec = base_record(point)
    rec.update(fake_numbers(int(point.design.kwargs["rows"]), point.workload.fps))
    rec.update(status="ok", error=None, seconds=0.0)
    return rec


def dies_on_16(point: Point, log: str | None = None) -> dict[str, Any]:
    """Kills its own worker process (as ``kill -9`` would) on the 16x16 designs; fake_point otherwise.
    ``log`` is given with functools.partial: pool workers keep the environment of their first start."""
    _log(point, log)
    if point.design.kwargs["rows"] == 16:
        os.kill(os.getpid(), signal.SIGKILL)
    return fake_point_unlogged(point)


def fake_point_unlogged(point: Point) -> dict[str, Any]:
    rec = base_record(point)
    rec.update(fake_numbers(int(point.design.kwargs["rows"]), point.workload.fps))
    rec.update(status="ok", error=None, seconds=0.0)
    return rec


def raises_on_16(point: Point) -> dict[str, Any]:
    if point.design.kwargs["rows"] == 16:
        raise RuntimeError("boom")
    return fake_point_unlogged(point)


def sleep_forever(_item: Any) -> None:
    time.sleep(600)


def pid_then_sleep(_item: Any) -> None:
    """Write this worker's pid to the log, then sleep (a worker that only its parent's death ends)."""
    with open(os.environ[LOG_ENV], "a", encoding="utf-8") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(600)


def log_lines(path: Path) -> list[tuple[int, str, str]]:
    """(pid, key, design label) per logged evaluation."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        pid, key, label = line.split(" ", 2)
        out.append((int(pid), key, label))
    return out
