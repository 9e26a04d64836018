"""``carbonloop literature``: the published-chip table, user chips, the figure, errors."""

from __future__ import annotations

import json

import pytest

from carbonloop.cli import run


def literature_json(capsys, *args: str) -> dict:
    rc = run(["literature", *args, "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def test_tiny_table_json(capsys):
    data = literature_json(capsys)
    assert data["suite"] == "tiny" and len(data["chips"]) == 13
    chih = data["chips"][0]
    # CarbonSpot expr.py experiment_1_literature_trend (@ 0839b49): [1] Chih ISSCC'21, Tiny: total CA 7.182e-11,
    # total PA 5.809e-09
    assert chih["ca_g"] == pytest.approx(7.182e-11, abs=5e-15)
    assert chih["pa_g"] == pytest.approx(5.809e-09, abs=5e-13)
    assert data["circled"]["ca"]["most_carbon_efficient"] == "Lin CICC'23 (iMCU)"
    assert data["circled"]["pa"]["most_carbon_efficient"] == "Wang ISSCC'22"


def test_mobile_suite_and_user_chips(capsys, tmp_path):
    f = tmp_path / "extra.csv"
    f.write_text("name,tech_nm,topsw,tops,topsmm2\nmine,28,1000,10,100\n")
    data = literature_json(capsys, "--suite", "mobile", "--chips", str(f))
    assert data["setting"]["ops_per_inference"] == 6101039461 and len(data["chips"]) == 14
    assert data["chips"][-1]["name"] == "mine"
    assert data["circled"]["ca"]["most_performant"] == "mine"  # 1000 TOP/s/W beats iMCU's 111.6
    only = literature_json(capsys, "--chips", str(f), "--only-chips")
    assert [c["name"] for c in only["chips"]] == ["mine"]


def test_plot_and_table(capsys, tmp_path):
    out = tmp_path / "lit.png"
    assert run(["literature", "--suite", "tiny", "--plot", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert "Chih ISSCC'21" in text and "figure written" in text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--suite", "huge"], "--suite: unknown suite 'huge'"),
        (["--chips", "/nonexistent/chips.yaml"], "no such file"),
        (["--plot", "/nonexistent/dir/x.png"], "directory does not exist"),
        (["--only-chips"], "needs --chips"),
        (["--parameters", "zzz"], "unknown parameter set"),
    ],
)
def test_errors(capsys, args, needle):
    assert run(["literature", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and needle in err


def test_malformed_chip_file(capsys, tmp_path):
    f = tmp_path / "chips.yaml"
    f.write_text("chips:\n  - {name: x, tech_nm: 28, topsw: fast, tops: 1, topsmm2: 1}\n")
    assert run(["literature", "--chips", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}: chips[0].topsw:" in err and err.count("\n") == 1
