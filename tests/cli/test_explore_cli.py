from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from carbonloop.cli import run

SPACE = """
name: clismall
accelerators:
  digital:
    dataflow: [os, ws]
    dim: [8]
    sram_bytes: [4KiB]
workloads:
  - {name: "conv1d:M=8,P=8,R=3", fps: 1000}
  - {name: "conv1d:M=16,P=8,R=3", fps: 100}
"""


@pytest.fixture(scope="module")
def explored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    space = folder / "space.yaml"
    space.write_text(SPACE, encoding="utf-8")
    out = folder / "out"
    rc = run(["explore", "--space", str(space), "--out", str(out), "--workers", "1", "--no-progress"])
    assert rc == 0
    return out


def test_explore_writes_store_csv_figures_and_report(explored: Path, capsys: pytest.CaptureFixture[str]):
    assert (explored / "results.sqlite").is_file()
    df = pd.read_csv(explored / "results.csv")
    assert len(df) == 4 and set(df["status"]) == {"ok"}
    assert sorted(df["design"].unique()) == ["digital_os 8x8 4KiB", "digital_ws 8x8 4KiB"]
    for name in ("explore_carbon_scatter", "explore_carbon_breakdown", "explore_vs_dim", "explore_pareto"):
        assert (explored / "figures" / f"{name}.png").stat().st_size > 5000
    html = (explored / "report.html").read_text(encoding="utf-8")
    assert html.count("Plotly.newPlot") == 4  # the four figures, one plot each (report commit 2da161a)


def test_results_best_json_fields(explored: Path, capsys: pytest.CaptureFixture[str]):
    capsys.readouterr()
    assert run(["results", "best", "--store", str(explored / "results.sqlite"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    best = doc["best"]
    assert len(best) == 3 * 5  # two workloads and geo, five metrics each
    assert {b["metric"] for b in best} == {"energy", "latency", "edp", "carbon_ca", "carbon_pa"}
    assert [b["workload"] for b in best][-5:] == ["geo"] * 5
    df = pd.read_csv(explored / "results.csv")
    for b in best:
        assert set(b) == {"space", "workload", "metric", "column", "design", "label", "value", "deadline_met"}
        assert b["design"]["template"] == "digital" and b["design"]["dim"] == 8
        assert b["design"]["dataflow"] in ("os", "ws") and b["design"]["sram_bytes"] == 4096
        if b["workload"] != "geo":
            rows = df[df["workload"] == b["workload"]]
            assert b["value"] == pytest.approx(rows[b["column"]].min())
            winners = sorted(rows.loc[rows[b["column"]] == rows[b["column"]].min(), "design"])
            assert b["label"] == winners[0]  # ties go to the first label
        else:
            geo = df.groupby("design")[b["column"]].apply(lambda s: s.prod() ** (1 / len(s)))
            assert b["value"] == pytest.approx(geo.min())
            assert b["label"] == sorted(geo[geo <= geo.min() * (1 + 1e-12)].index)[0]


def test_results_best_table_and_export(explored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    store = str(explored / "results.sqlite")
    capsys.readouterr()
    assert run(["results", "best", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "geomean" in out and "PA carbon" in out and "digital_" in out
    assert (
        run(
            [
                "results",
                "export",
                "--store",
                store,
                "--csv",
                str(tmp_path / "a.csv"),
                "--parquet",
                str(tmp_path / "a.parquet"),
            ]
        )
        == 0
    )
    assert len(pd.read_csv(tmp_path / "a.csv")) == 4 and len(pd.read_parquet(tmp_path / "a.parquet")) == 4
    assert run(["results", "export", "--store", store]) == 2


def test_report_command_writes_html(explored: Path, tmp_path: Path):
    out = tmp_path / "r.html"
    rc = run(
        [
            "report",
            "--store",
            str(explored / "results.sqlite"),
            "-o",
            str(out),
            "--figures",
            str(tmp_path / "f"),
            "--formats",
            "svg",
        ]
    )
    assert rc == 0
    assert out.stat().st_size > 3_000_000
    assert (tmp_path / "f" / "explore_pareto.svg").is_file()


def test_rerun_of_explore_skips_everything(explored: Path, capsys: pytest.CaptureFixture[str]):
    space = explored.parent / "space.yaml"
    capsys.readouterr()
    rc = run(["explore", "--space", str(space), "--out", str(explored), "--no-report", "--no-progress"])
    assert rc == 0
    assert "0 points run (0 failed), 4 already stored" in capsys.readouterr().err.replace("\n", " ")


def test_bad_inputs_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "accelerators: {digital: {dim: 8, sram_bytes: lots}}\nworkloads: [{name: conv1d, fps: 1}]\n"
    )
    capsys.readouterr()
    assert run(["explore", "--space", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {bad}: accelerators.digital.sram_bytes[0]:") and "\n" not in err
    assert run(["explore", "--space", "nosuchspace", "--out", str(tmp_path / "o")]) == 2
    assert run(["explore", "--quick", "--objective", "fastest", "--out", str(tmp_path / "o")]) == 2
    assert "unknown objective" in capsys.readouterr().err
    assert run(["results", "best", "--store", str(tmp_path / "none.sqlite")]) == 2


# -- the store's guarantees seen from the command line (points from tests.explore.fakes: no model run) ---

LONG_LABEL = "a_workload_label_long_enough_that_an_80_column_table_would_cut_it"
FAKE_SPACE = f"""
name: one
accelerators:
  digital: {{dataflow: os, dim: [8, 16], sram_bytes: 4KiB}}
workloads:
  - {{name: "conv1d:M=8,P=8,R=3", fps: 1000, label: {LONG_LABEL}}}
"""


@pytest.fixture
def fake_store(tmp_path: Path) -> Path:
    import yaml

    from carbonloop.explore import run_space, space_from_dict
    from tests.explore.fakes import fake_point

    store = tmp_path / "r.sqlite"
    space = space_from_dict(yaml.safe_load(FAKE_SPACE), "one.yaml")
    assert run_space(space, store, workers=1, progress=False, fn=fake_point).ran == 2
    return store


def test_results_best_keeps_table_width_without_a_terminal(
    fake_store: Path, capsys: pytest.CaptureFixture[str]
):
    capsys.readouterr()
    assert run(["results", "best", "--store", str(fake_store)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if LONG_LABEL in line]
    # energy 1000/rows pJ: 16x16 wins energy, 8x8 wins latency (100*rows ns); one table row each, uncut
    assert any("energy" in r and "digital_os 16x16 4KiB" in r and "62.5 pJ" in r for r in rows)
    assert any("latency" in r and "digital_os 8x8 4KiB" in r and "800 ns" in r for r in rows)


def test_a_store_of_two_spaces_needs_space(fake_store: Path, capsys: pytest.CaptureFixture[str]):
    import yaml

    from carbonloop.explore import run_space, space_from_dict
    from tests.explore.fakes import fake_point

    other = space_from_dict(yaml.safe_load(FAKE_SPACE.replace("name: one", "name: two")), "two.yaml")
    assert run_space(other, fake_store, workers=1, progress=False, fn=fake_point).ran == 2  # not reused
    capsys.readouterr()
    assert run(["results", "best", "--store", str(fake_store)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: {fake_store}: --space: the store holds 2 spaces (one, two); choose one with --space\n"
    )
    assert run(["results", "best", "--store", str(fake_store), "--space", "two", "--json"]) == 0
    best = json.loads(capsys.readouterr().out)["best"]
    assert {b["space"] for b in best} == {"two"}
    assert run(["results", "best", "--store", str(fake_store), "--space", "three"]) == 2
    assert "no space 'three' in this store (spaces: one, two)" in capsys.readouterr().err


def test_an_unreadable_row_is_a_warning_and_a_failed_point(fake_store: Path, tmp_path: Path, capsys):
    import sqlite3

    con = sqlite3.connect(fake_store)
    key = con.execute("SELECT key FROM results ORDER BY design_id LIMIT 1").fetchone()[0]
    con.execute("UPDATE results SET record = '{\"key\": 1' WHERE key = ?", (key,))
    con.commit()
    con.close()
    capsys.readouterr()
    assert run(["results", "best", "--store", str(fake_store), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"warning: {fake_store}: row {key}: the record is not JSON (JSONDecodeError); "
        "counted as failed (rerun with --retry-failed)\n"
    )
    assert len(json.loads(captured.out)["best"]) == 10  # the other design still ranks: (1 workload + geo) x 5
    out = tmp_path / "e.csv"
    assert run(["results", "export", "--store", str(fake_store), "--csv", str(out)]) == 0
    df = pd.read_csv(out).set_index("key")
    assert df.loc[key, "status"] == "error" and "unreadable row" in df.loc[key, "error"]


def test_a_file_that_is_not_a_store_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"SQLite format 3\0" + b"\xff" * 200)
    capsys.readouterr()
    assert run(["results", "best", "--store", str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {junk}: <store>: ") and err.count("\n") == 1


def test_a_misspelt_constraint_name_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "bad.yaml"
    bad.write_text(FAKE_SPACE + "constraints: ['sram_byte / (2 * dim) >= 32']\n", encoding="utf-8")
    capsys.readouterr()
    assert run(["explore", "--space", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: constraints[0]: unknown name 'sram_byte'") and err.count("\n") == 1
