"""``carbonloop components sweep``: tables, CSV, figures and one-line errors."""

from __future__ import annotations

import csv

import pytest

from carbonloop.cli import run
from carbonloop.costs.resolve import resolve_mac, resolve_memory


def _rows(path):
    return list(csv.DictReader(path.read_text().splitlines()))


def test_sram_width_sweep_prints_a_table(capsys):
    rc = run(["components", "sweep", "sram", "--width", "16:2048", "--depth", "8192", "--node", "28"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "sram depth 8192, 28 nm" in out
    expected = resolve_memory("sram", node_nm=28, width_bits=128, depth=8192)
    assert f"{expected.read_pj:.4g}" in out
    assert "2048" in out


def test_sram_sweep_writes_csv_and_png(tmp_path, capsys):
    png, table = tmp_path / "s.png", tmp_path / "s.csv"
    rc = run(
        [
            "components",
            "sweep",
            "sram",
            "--width",
            "16:2048",
            "--depth",
            "8192",
            "--plot",
            str(png),
            "--csv",
            str(table),
        ]
    )
    assert rc == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = _rows(table)
    assert [int(r["width"]) for r in rows] == [16, 32, 64, 128, 256, 512, 1024, 2048]
    for r in rows:
        c = resolve_memory("sram", node_nm=28, width_bits=int(r["width"]), depth=8192)
        assert float(r["read_pj"]) == pytest.approx(c.read_pj, rel=1e-5)
        assert float(r["area_mm2"]) == pytest.approx(c.area_mm2, rel=1e-5)
    assert f"wrote {png}" in capsys.readouterr().out


def test_regfile_depth_sweep_csv(tmp_path):
    table = tmp_path / "r.csv"
    assert (
        run(["components", "sweep", "regfile", "--width", "128", "--depth", "512:8192", "--csv", str(table)])
        == 0
    )
    assert [int(r["depth"]) for r in _rows(table)] == [512, 1024, 2048, 4096, 8192]


def test_dram_sweep_is_pj_per_bit_times_width(tmp_path):
    table = tmp_path / "d.csv"
    assert (
        run(["components", "sweep", "dram", "--type", "lpddr4", "--width", "16:2048", "--csv", str(table)])
        == 0
    )
    rows = _rows(table)
    assert len(rows) == 8
    for r in rows:  # LPDDR4 8 pJ/bit (hwcomponents-cacti 1.0.40 DRAM table)
        assert float(r["read_pj"]) == pytest.approx(8.0 * int(r["width"]))


def test_mac_width_sweep(tmp_path):
    table, png = tmp_path / "m.csv", tmp_path / "m.png"
    assert (
        run(["components", "sweep", "mac", "--width", "2:64", "--csv", str(table), "--plot", str(png)]) == 0
    )
    rows = _rows(table)
    assert [int(r["width"]) for r in rows] == [2, 4, 8, 16, 32, 64]
    c = resolve_mac("mac", node_nm=28, a_bits=8, b_bits=8, acc_bits=16)
    assert float(rows[2]["read_pj"]) == pytest.approx(c.read_pj, rel=1e-5)
    assert png.stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["sram", "--width", "0:8"], "'0:8'"),
        (["sram", "--width", "64:16"], "'64:16'"),
        (["sram", "--width", "abc"], "'abc'"),
        (["flash"], "'flash'"),
        (["sram", "--width", "16:64", "--depth", "64:128"], "one parameter at a time"),
        (["sram", "--node", "20"], "unknown node 20"),
        (["dram", "--type", "gddr7"], "gddr7"),
        (["mac", "--depth", "4:8"], "no depth"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_code_2(args, text, capsys):
    rc = run(["components", "sweep", *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: ")
    assert text in err
    assert len(err.strip().splitlines()) == 1
