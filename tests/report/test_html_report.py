from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from carbonloop.report import build_report, write_report

CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None
)


def test_report_is_self_contained_with_tables_and_hover_text(sweep: pd.DataFrame):
    text = build_report(sweep, title="t", source="store.sqlite")
    assert not re.search(r"<script[^>]*\bsrc=", text)  # plotly.js is inline, nothing is fetched
    assert text.count("Plotly.newPlot") == 4  # the four figures of report.figures, drawn by plotly
    assert len(text) > 3_000_000  # the ~4 MB plotly.js bundle
    # the best-design table: geo PA best is the smallest PA carbon among the geo rows
    assert "geomean" in text and "Failed points" in text and "too few rows" in text
    # hover text carries the design and its numbers
    # dimc: 4e6 and 8e6 pJ on the two workloads, geomean sqrt(32e12) = 5.657e6
    decoded = text.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u002f", "/")
    assert "<b>dimc 32x32 8KiB</b><br>workload: geo<br>energy pJ: 5.657e+06<br>" in decoded


def _chromium(args: list[str], tmp_path: Path) -> str:
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        *args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return out.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium)")
def test_report_draws_its_figures_in_headless_chromium(sweep: pd.DataFrame, tmp_path: Path):
    path = write_report(sweep, tmp_path / "report.html", title="synthetic")
    dom = _chromium(["--dump-dom", path.as_uri()], tmp_path)
    assert "<h1>synthetic</h1>" in dom
    # plotly drew every figure: each plot div holds its main SVGs, with one point path per design
    plots = dom.count('class="plot-container plotly"')
    assert plots == 4
    assert len(re.findall(r'<svg class="main-svg"', dom)) >= 2 * plots
    assert dom.count('class="point"') >= 16 * 3  # 16 geo designs on the CA-PA scatter and both Pareto panels
    assert "js-plotly-plot" in dom
