from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from carbonloop.report import FIGURES, write_figures
from carbonloop.report.figures import suite_rows


def test_figures_are_written_in_every_format(sweep: pd.DataFrame, tmp_path: Path):
    paths = write_figures(sweep, tmp_path, ["png"])
    assert len(paths) == len(FIGURES)
    scatter = FIGURES["explore_carbon_scatter"]
    paths += [scatter(sweep, tmp_path / f"explore_carbon_scatter.{ext}") for ext in ("svg", "pdf")]
    for p in paths:
        data = p.read_bytes()
        assert len(data) > 5000, p
        magic = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[p.suffix]
        assert data.startswith(magic), p
    svg = (tmp_path / "explore_carbon_scatter.svg").read_text()
    # one legend entry per accelerator type and per SRAM size
    for label in ("digital_os", "digital_ws", "aimc", "dimc", "8KiB", "128KiB"):
        assert label in svg


def test_figures_use_the_geomean_rows_of_complete_designs(sweep: pd.DataFrame):
    rows = suite_rows(sweep)
    assert set(rows["workload"]) == {"geo"}
    assert len(rows) == 16  # the failed design has no geo row
    one = rows[rows["design"] == "dimc 32x32 8KiB"].iloc[0]
    ok = sweep[(sweep["design"] == "dimc 32x32 8KiB")]
    assert one["energy_pj"] == pytest.approx(ok["energy_pj"].prod() ** 0.5, rel=1e-12)


def test_figures_of_an_empty_store_still_render(tmp_path: Path):
    empty = pd.DataFrame(columns=["status", "workload", "design"])
    for p in write_figures(empty, tmp_path, ["png"]):
        assert p.read_bytes().startswith(b"\x89PNG")
