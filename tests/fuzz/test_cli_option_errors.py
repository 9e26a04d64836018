"""The option parser's errors in our one-line form, ``error: <command>: <option>: <message>`` (#13.2).

Before, 58 of the campaign's cases ended in click's own wording (``error: Invalid value for
'--budget': ...``); numeric options also let ``nan``, ``inf`` and negative values through to the commands.
"""

from __future__ import annotations

import pytest

from carbonloop.cli import run
from carbonloop.cli.carbon import carbon_command
from carbonloop.cli.options import numeric_options

TINY = ["-w", "conv1d:M=4,P=4,R=3", "-a", "two_level"]


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["evaluate", *TINY, "--budget", "abc"],
            "error: evaluate: --budget: input should be a valid integer, unable to parse string as an integer "
            "(got 'abc')",
        ),
        (["evaluate", *TINY, "--budget=-3"], "error: evaluate: --budget: must be >= 0 (got -3)"),
        (
            ["evaluate", *TINY, "--budget", "1e400"],
            "error: evaluate: --budget: input should be a valid integer",
        ),
        (["evaluate", *TINY, "--fps", "nan"], "error: evaluate: --fps: must be a finite number (got nan)"),
        # gave "pa_g": Infinity with exit 0: the PA period 1e9/1e-300 ns overflows the carbon share
        (
            ["evaluate", *TINY, "--carbon", "--fps", "1e-300"],
            "error: evaluate: --fps: must be >= 1e-06 (got 1e-300)",
        ),
        (
            ["literature", "--lifetime-years", "0"],
            "error: literature: --lifetime-years: must be >= 0.001 (got 0.0)",
        ),
        (
            ["evaluate", *TINY, "--lifetime-years", "inf"],
            "error: evaluate: --lifetime-years: must be a finite number (got inf)",
        ),
        (["evaluate", *TINY, "--nope"], "error: evaluate: --nope: no such option"),
        (
            ["evaluate", *TINY, "--budge", "3"],
            "error: evaluate: --budge: no such option (did you mean --budget?)",
        ),
        (
            ["evaluate", *TINY, "surplus"],
            "error: evaluate: <arguments>: got unexpected extra argument(s) (surplus)",
        ),
        (["nosuch"], "error: carbonloop: <command>: no such command 'nosuch'"),
        (["carbon", "--energy-pj", "1"], "error: carbon: --latency-ns: missing required option"),
        (["explore", "--workers", "-2"], "error: explore: --workers: must be >= 0 (got -2)"),
        (["explore", "--budget", "nan"], "error: explore: --budget: must be a finite number (got nan)"),
        (["explore", "--limit", "1e19"], "error: explore: --limit: input should be a valid integer"),
        (["workload", "show"], "error: workload show: WORKLOAD: missing required argument"),
    ],
)
def test_option_errors_are_one_line_naming_command_and_option(capsys, argv, line):
    rc = run(argv)
    out, err = capsys.readouterr()
    assert rc == 2 and out == ""
    assert err.startswith(line) and err.count("\n") == 1, err


def test_a_huge_value_is_shortened_in_the_error_line(capsys):
    rc = run(["evaluate", *TINY, "--budget", "9" * 100_000])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert err.startswith("error: evaluate: --budget: ") and len(err) < 700


def test_numeric_options_are_found_with_the_names_users_type():
    assert numeric_options(carbon_command) == {
        "energy_pj": "--energy-pj",
        "latency_ns": "--latency-ns",
        "area_mm2": "--area-mm2",
        "dram_gb": "--dram-gb",
        "fps": "--fps",
        "idle_power_mw": "--idle-power-mw",
        "node_nm": "--node-nm",
        "lifetime_years": "--lifetime-years",
    }


def test_valid_values_still_run(capsys):
    assert run(["carbon", "--energy-pj", "0", "--latency-ns", "1e4", "--area-mm2", "2", "--json"]) == 0
    assert '"ca_g"' in capsys.readouterr().out
