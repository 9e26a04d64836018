"""Fuzz command-line option values (issue #13.5): exit 0 with finite, non-negative numbers, or exit 2 with
one ``error:`` line; never a traceback, another exit code, NaN or Infinity.

The commands run in-process through :func:`carbonloop.cli.run` on tiny inputs (a 48-MAC conv1d on the
``two_level`` preset), so a valid value costs a fraction of a second; the option under test is appended
last, and the parser keeps the last value of an option.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from carbonloop.cli import run
from tests.fuzz.mutations import OPTION_KINDS, option_value
from tests.fuzz.test_fuzz_loaders import FUZZ, MAX_LINE_CHARS, DrawChooser

CARBON = ["carbon", "--energy-pj", "1e6", "--latency-ns", "1e4", "--area-mm2", "2", "--json"]
EVALUATE = ["evaluate", "-w", "conv1d:M=4,P=4,R=3", "-a", "two_level", "--budget", "50", "--carbon", "--json"]

TARGETS: list[tuple[list[str], str]] = [
    *(
        (CARBON, option)
        for option in (
            "--energy-pj",
            "--latency-ns",
            "--area-mm2",
            "--dram-gb",
            "--fps",
            "--node-nm",
            "--lifetime-years",
            "--grid",
            "--fab-grid",
            "--parameters",
        )
    ),
    *(
        (EVALUATE, option)
        for option in ("--budget", "--fps", "--lifetime-years", "--grid", "--objective", "--conventions")
    ),
    (["workload", "show"], "conv1d:M={}"),
    (["workload", "show"], "conv1d:M=4,P={},R=3"),
    (["show-accelerator"], "digital(rows={},cols=8,sram_bytes=4096)"),
    (["evaluate", "-a", "two_level", "--budget", "20", "--json", "-w"], "conv1d:M=4,P=4,R={}"),
]
"""(argv, option): the broken value follows ``option``, or fills the ``{}`` of a positional argument."""

_NOT_FINITE = re.compile(r"(?i)(?<![\w-])-?(nan|inf|infinity)(?![\w-])")


def command_line(argv: list[str], option: str, value: str) -> list[str]:
    if "{}" in option:
        return [*argv, option.replace("{}", value)]
    return [*argv, option, value]


def run_captured(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = run(argv)
    return rc, out.getvalue(), err.getvalue()


def json_numbers(value: Any, path: str = "") -> list[tuple[str, float]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [(path, float(value))]
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in json_numbers(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in json_numbers(v, f"{path}[{i}]")]
    return []


def assert_cli_contract(argv: list[str], rc: int, out: str, err: str) -> None:
    assert rc in (0, 2), f"{argv}: exit code {rc}; stderr {err[:300]!r}"
    if rc == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, f"{argv}: stderr {err[:300]!r}"
        assert len(err) <= MAX_LINE_CHARS, f"{argv}: error line of {len(err)} characters"
        return
    assert not _NOT_FINITE.search(out), f"{argv}: NaN or Infinity in the output"
    if out.lstrip().startswith("{"):
        for name, x in json_numbers(json.loads(out)):
            assert math.isfinite(x), f"{argv}: {name} = {x}"
            if name.endswith(("_pj", "_g", "_mm2", "_ns", "_cycles")):
                assert x >= 0, f"{argv}: {name} = {x}"


@FUZZ
@given(data=st.data(), target=st.sampled_from(TARGETS), kind=st.sampled_from(OPTION_KINDS))
def test_option_values_hold_the_cli_contract(data, target, kind):
    argv = command_line(*target, option_value(kind, DrawChooser(data)))
    rc, out, err = run_captured(argv)
    assert_cli_contract(argv, rc, out, err)


@FUZZ
@given(target=st.sampled_from(TARGETS), name=st.text(alphabet="-abcdefgz", min_size=1, max_size=12))
def test_unknown_options_are_one_error_line(target, name):
    """An option the command does not have, however spelled, is one line naming it (or, when the parser
    takes it for a value, still a clean outcome)."""
    argv = [*command_line(*target, "1"), f"--zz{name}", "1"]
    rc, out, err = run_captured(argv)
    assert rc == 2, argv
    assert_cli_contract(argv, rc, out, err)
