"""``benchmarks/fuzz_cli.py`` sorts each run into the outcomes of issue #13's campaign; the sorting is
checked here on hand-written runs, since the campaign's table is only as true as its classifier."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_cli.py"
_SPEC = importlib.util.spec_from_file_location("fuzz_cli", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
fuzz_cli = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("fuzz_cli", fuzz_cli)  # its dataclasses look their module up there
_SPEC.loader.exec_module(fuzz_cli)


@pytest.mark.parametrize(
    ("rc", "stdout", "stderr", "timed_out", "outcome"),
    [
        (2, "", "error: f.yaml: a: must be a finite number (got inf)\n", False, "clean error"),
        (2, "", "warning: f.yaml: ignored x\nerror: f.yaml: a: bad\n", False, "clean error"),
        (2, "", "quick: 4 designs\nerror: --dask: x: cannot reach\n", False, "bad error"),
        (2, "", "error: " + "x" * 1200 + "\n", False, "bad error"),
        (2, "", "error: one\nerror: two\n", False, "bad error"),
        (
            1,
            "",
            "Traceback (most recent call last):\n  File x\nRecursionError: too deep\n",
            False,
            "traceback",
        ),
        (0, '{"energy_pj": 1.5, "ca_g": 0.1}', "", False, "ok"),
        (0, '{"energy_pj": NaN}', "", False, "NaN/neg output"),
        (0, '{"ca_g": Infinity}', "", False, "NaN/neg output"),
        (0, '{"layers": [{"energy_pj": -3}]}', "", False, "NaN/neg output"),
        (0, "total energy inf pJ", "", False, "NaN/neg output"),
        (-9, "", "", True, "timeout"),
        (1, "", "Traceback (most recent call last):\nMemoryError\n", False, "OOM"),
        (1, "", "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 8 GiB\n", False, "OOM"),
        (3, "", "", False, "other exit"),
    ],
)
def test_runs_are_sorted_into_the_campaigns_outcomes(rc, stdout, stderr, timed_out, outcome):
    assert fuzz_cli.classify(rc, stdout, stderr, timed_out)[0] == outcome


def test_the_same_seed_makes_the_same_cases():
    first = fuzz_cli.make_cases(30, seed=4)
    again = fuzz_cli.make_cases(30, seed=4)
    other = fuzz_cli.make_cases(30, seed=5)
    assert [(c.kind, c.mutation, c.files, c.argv) for c in first] == [
        (c.kind, c.mutation, c.files, c.argv) for c in again
    ]
    assert [c.files for c in first] != [c.files for c in other]
