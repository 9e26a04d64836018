"""``carbonloop report``: one space at a time."""

from __future__ import annotations

from pathlib import Path

from carbonloop.cli import run
from carbonloop.explore.store import ResultStore
from tests.report.conftest import synthetic_records


def _store(tmp_path: Path, spaces: tuple[str, ...]) -> Path:
    path = tmp_path / "r.sqlite"
    with ResultStore(path) as store:
        for space in spaces:
            store.put_many({**r, "space": space, "key": f"{space}:{r['key']}"} for r in synthetic_records())
    return path


def test_report_of_a_store_with_two_spaces_needs_space(tmp_path: Path, capsys):
    store = _store(tmp_path, ("tiny", "quick"))
    out = tmp_path / "report.html"
    assert run(["report", "--store", str(store), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {store}: --space: ")
    assert "'quick', 'tiny'" in err and not out.exists()
    figures = tmp_path / "figs"
    assert (
        run(["report", "--store", str(store), "-o", str(out), "--space", "tiny", "--figures", str(figures)])
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "<h1>carbonloop exploration: tiny</h1>" in text and text.count("Plotly.newPlot") == 4
    assert sorted(p.name for p in figures.iterdir()) == [
        "explore_carbon_breakdown.png",
        "explore_carbon_scatter.png",
        "explore_pareto.png",
        "explore_vs_dim.png",
    ]


def test_report_rejects_an_unknown_figure_format(tmp_path: Path, capsys):
    store = _store(tmp_path, ("tiny",))
    args = ["report", "--store", str(store), "-o", str(tmp_path / "r.html"), "--figures", str(tmp_path / "f")]
    assert run([*args, "--formats", "png,gif"]) == 2
    assert not (tmp_path / "r.html").exists()  # checked before anything is written
    assert (
        capsys.readouterr().err
        == "error: --formats: formats: unknown figure format 'gif' (use png, svg, pdf)\n"
    )
