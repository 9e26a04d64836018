"""``carbonloop carbon``: JSON and table output, overrides, and one-line errors with exit code 2."""

from __future__ import annotations

import json

import pytest

from carbonloop.cli import run

LIFE_NS = 3 * 365 * 24 * 3600 * 1e9  # carbonspot: 3 years of 3.1536e16 ns
BASE = ["carbon", "--energy-pj", "1e6", "--latency-ns", "1e4", "--area-mm2", "2"]


def carbon_json(capsys, *extra: str) -> dict:
    rc = run([*BASE, *extra, "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def test_json_has_the_documented_fields_and_values(capsys):
    data = carbon_json(capsys, "--dram-gb", "0.001", "--fps", "25")
    assert {"ca_g", "pa_g", "ca_ex_package_g", "pa_ex_package_g", "deadline_met", "breakdown"} <= set(data)
    for scenario in ("ca", "pa"):
        parts = data["breakdown"][scenario]
        assert set(parts) == {"operational", "idle_leakage", "epa", "gpa", "mpa", "dram", "package"}
        assert parts["idle_leakage"] == 0.0  # `carbon` is given no chip leakage power: nothing idles
        assert sum(parts.values()) == pytest.approx(data[f"{scenario}_g"], rel=1e-12)
    # carbonspot: operational 301 g/kWh x 1e6 pJ / 3.6e18 pJ/kWh; die 8.709 g/mm2 x 2 mm2 / 0.95;
    # CA DRAM 230*(28/30)^2 g/GB x 0.001 GB; package 150 g; CA share 1e4 ns / lifetime; PA share 40 ms / lifetime
    op = 301 * 1e6 / 3.6e18
    assert data["breakdown"]["ca"]["operational"] == pytest.approx(op, rel=1e-12)
    life_ca = 8.709 * 2 / 0.95 + 230 * (28 / 30) ** 2 * 0.001 + 150
    assert data["ca_g"] == pytest.approx(op + life_ca * 1e4 / LIFE_NS, rel=1e-9)
    life_pa = 8.709 * 2 / 0.95 + 200 * (28 / 30) ** 2 * 0.001 + 150
    assert data["pa_g"] == pytest.approx(op + life_pa * 4e7 / LIFE_NS, rel=1e-9)
    assert data["pa_ex_package_g"] == pytest.approx(data["pa_g"] - 150 * 4e7 / LIFE_NS, rel=1e-9)
    assert data["deadline_met"] is True


def test_overrides_grid_lifetime_parameters_and_node(capsys):
    base = carbon_json(capsys)
    usa = carbon_json(capsys, "--grid", "usa")
    assert usa["breakdown"]["ca"]["operational"] / base["breakdown"]["ca"]["operational"] == pytest.approx(
        380 / 301
    )
    six = carbon_json(capsys, "--lifetime-years", "6")
    assert six["breakdown"]["ca"]["mpa"] == pytest.approx(base["breakdown"]["ca"]["mpa"] / 2, rel=1e-12)
    act = carbon_json(capsys, "--parameters", "act")
    assert act["parameter_values"]["fab_ci_g_per_kwh"] == 583
    n7 = carbon_json(capsys, "--node-nm", "7")
    assert n7["parameter_values"]["node_nm"] == 7
    coal_fab = carbon_json(capsys, "--fab-grid", "coal")
    assert coal_fab["breakdown"]["ca"]["epa"] / base["breakdown"]["ca"]["epa"] == pytest.approx(820 / 301)
    assert coal_fab["breakdown"]["ca"]["gpa"] == pytest.approx(base["breakdown"]["ca"]["gpa"], rel=1e-12)


def test_user_parameter_file(capsys, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("base: carbonspot\npackage_g_per_chip: 0\n")
    data = carbon_json(capsys, "--parameters", str(f))
    assert data["ca_g"] == pytest.approx(data["ca_ex_package_g"]) and data["parameters"] == "p"


def test_missed_deadline_is_reported(capsys):
    data = carbon_json(capsys, "--fps", "1000000")  # 1 us period, 10 us inference
    assert data["deadline_met"] is False
    assert data["pa_share"] == pytest.approx(data["ca_share"], rel=1e-12)


def test_table_output(capsys):
    assert run([*BASE, "--fps", "25"]) == 0
    out = capsys.readouterr().out
    assert "operational" in out and "total without package" in out and "deadline met" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["carbon", "--energy-pj", "-5", "--latency-ns", "1", "--area-mm2", "1"],
            "--energy-pj: must be >= 0",
        ),
        ([*BASE, "--grid", "mars"], "use_grid: unknown grid 'mars'"),
        ([*BASE, "--parameters", "nonesuch"], "nonesuch: <parameters>: unknown parameter set"),
        ([*BASE, "--fps", "0"], "carbon: --fps: must be >= 1e-06 (got 0.0)"),
        ([*BASE, "--lifetime-years", "0"], "carbon: --lifetime-years: must be >= 0.001 (got 0.0)"),
        ([*BASE, "--node-nm", "65"], "node_nm: no carbon data for 65 nm"),
        (["carbon", "--energy-pj", "1"], "error: carbon: --latency-ns: missing required option"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(capsys, args, needle):
    rc = run(args)
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert needle in err


def test_malformed_parameter_file(capsys, tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("lifetime_years: [3\n")
    assert run([*BASE, "--parameters", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {f}: line ") and "malformed YAML" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        # issue #13: each of these exited 0 with NaN, a negative carbon or Infinity
        (["--grid", "nan"], "error: carbon: --grid: must be a finite number (got 'nan')"),
        (["--grid=-1e9"], "error: carbon: --grid: must be >= 0 (got '-1e9')"),
        (["--grid", "inf"], "error: carbon: --grid: must be a finite number (got 'inf')"),
        (["--area-mm2", "1e308"], "error: carbon: --area-mm2: must be <= 70686 (got 1e+308)"),
        # a die larger than a 300 mm wafer (70,686 mm2)
        (["--area-mm2", "1e5"], "error: carbon: --area-mm2: must be <= 70686 (got 100000.0)"),
        (["--fab-grid", "2e4"], "error: carbon: --fab-grid: must be <= 10000 (got '2e4')"),
        (["--energy-pj", "nan"], "error: carbon: --energy-pj: must be a finite number (got nan)"),
        (["--latency-ns", "-inf"], "error: carbon: --latency-ns: must be a finite number (got -inf)"),
        (["--fps", "1e-300"], "error: carbon: --fps: must be >= 1e-06 (got 1e-300)"),
        (["--lifetime-years", "1e-300"], "error: carbon: --lifetime-years: must be >= 0.001 (got 1e-300)"),
        (["--lifetime-years", "1e6"], "error: carbon: --lifetime-years: must be <= 100 (got 1000000.0)"),
        (["--node-nm", "-7"], "error: carbon: --node-nm: must be >= 1 (got -7)"),
        (["--dram-gb", "abc"], "error: carbon: --dram-gb: input should be a valid number"),
    ],
)
def test_non_finite_negative_and_absurd_options_are_one_error_line(capsys, extra, line):
    rc = run([*BASE, *extra, "--json"])
    out, err = capsys.readouterr()
    assert rc == 2 and out == ""
    assert err.startswith(line) and err.count("\n") == 1, err


def test_numeric_grid_at_the_limits_is_used(capsys):
    # operational carbon = energy x grid: 1e6 pJ x 1e4 g/kWh / 3.6e18 pJ/kWh; a grid of 0 gives none
    top = carbon_json(capsys, "--grid", "1e4")
    assert top["breakdown"]["ca"]["operational"] == pytest.approx(1e6 * 1e4 / 3.6e18, rel=1e-12)
    zero = carbon_json(capsys, "--grid", "0")
    assert zero["breakdown"]["ca"]["operational"] == 0.0


def test_idle_power_is_charged_between_frames_under_pa_only(capsys):
    # 2 mW leaking for the 40 ms period (25 fps) minus the 1e4 ns inference, idle_power_fraction 1
    # (carbonspot's default): 2 x (4e7 - 1e4) ns = 79 980 000 pJ, at 301 g/kWh over 3.6e18 pJ/kWh
    plain = carbon_json(capsys, "--fps", "25")
    data = carbon_json(capsys, "--fps", "25", "--idle-power-mw", "2")
    idle_g = 301 * 2 * (4e7 - 1e4) / 3.6e18
    assert data["breakdown"]["pa"]["idle_leakage"] == pytest.approx(idle_g, rel=1e-12)
    assert data["pa_g"] - plain["pa_g"] == pytest.approx(idle_g, rel=1e-9)
    assert data["breakdown"]["ca"]["idle_leakage"] == 0.0 and data["ca_g"] == plain["ca_g"]


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_a_bad_idle_power_is_one_line_exit_2(capsys, value):
    rc = run([*BASE, "--idle-power-mw", value])
    _, err = capsys.readouterr()
    assert rc == 2 and err.count("\n") == 1 and "--idle-power-mw" in err, err
