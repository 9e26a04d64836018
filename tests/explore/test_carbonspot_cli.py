"""``carbonloop validate carbonspot`` without a store: the study under the carbonspot profile, the flips."""

from __future__ import annotations

from pathlib import Path

from carbonloop.cli import run

SPACE = """\
name: tiny
objective: edp
budget: 100
parameters: carbonspot
accelerators:
  digital: {dataflow: ws, dim: 32, sram_bytes: 32KiB}
workloads:
  - {name: autoencoder, fps: 1}
"""


def test_one_assumption_on_a_one_design_space_writes_the_attribution(tmp_path: Path, capsys):
    space = tmp_path / "space.yaml"
    space.write_text(SPACE, encoding="utf-8")
    out = tmp_path / "attribution.md"
    rc = run(["validate", "carbonspot", "--space", str(space), "--assumption", "ws_clock", "-o", str(out)])
    assert rc == 0
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(("| carbonspot (study) |", "| ws_clock |"))]
    study_row, flip_row = rows[0].split("|"), rows[1].split("|")
    # columns: label, energy, latency ...: the flip's latency geo is the study's x 5 / 7.46648 = 0.66966
    ratio = float(flip_row[3]) / float(study_row[3])
    assert abs(ratio - 5 / 7.46648) < 0.01  # the table prints three significant digits
    assert (
        "| ws_clock | hardware | WS clock = 5 ns + the column adder tree's delay | 5 ns | digital_ws |"
        in text
    )


def test_bad_options_are_one_line_errors(tmp_path: Path, capsys):
    assert run(["validate", "carbonspot", "--assumption", "clock"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: validate carbonspot: --assumption: unknown assumption 'clock'")
    assert "\n" not in err
    assert run(["validate", "carbonspot", "--jobs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --jobs: jobs: must be >= 1 (got 0)"
    store = tmp_path / "r.sqlite"
    store.write_bytes(b"")
    assert run(["validate", "carbonspot", str(store), "--by-assumption"]) == 2
    assert "give no store" in capsys.readouterr().err


def test_dim_and_sram_narrow_the_study_to_those_designs(monkeypatch, capsys):
    import carbonloop.explore.validate as validate

    seen = []

    def fake_run(sp, flipped=None, **kw):
        seen.append(sorted(d.label for d in sp.designs))
        raise SpecError("stop", "here", "enough")

    from carbonloop.errors import SpecError

    monkeypatch.setattr(validate, "run_study", fake_run)
    assert run(["validate", "carbonspot", "--dim", "32", "--sram", "8KiB", "--sram", "512KiB"]) == 2
    # 4 types x 1 array x 2 SRAMs of the Tiny space
    assert len(seen[0]) == 8
    assert "dimc 32x32 8KiB" in seen[0] and "digital_ws 32x32 512KiB" in seen[0]
