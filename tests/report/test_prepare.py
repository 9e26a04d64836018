"""One data preparation and one colour map for the static and the interactive figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_hex

from carbonloop.errors import SpecError
from carbonloop.report.figures import draw
from carbonloop.report.html import plotly_figure
from carbonloop.report.prepare import (
    PREPARE,
    VS_DIM,
    carbon_breakdown,
    carbon_scatter,
    metrics_vs_dim,
    select_space,
)
from carbonloop.report.style import COMPONENT_COLOURS, TYPE_COLOURS, sram_colours, viridis

TYPES = ("aimc", "digital_os", "digital_ws", "dimc")


def _panel(fig, title: str):
    return next(p for p in fig.panels if p.title == title)


def test_vs_dim_takes_the_best_sram_size_at_each_array_size(sweep: pd.DataFrame):
    fig = metrics_vs_dim(sweep)
    assert [p.title for p in fig.panels] == [label for _, label, _ in VS_DIM]
    tops_w = {s.name: s for s in _panel(fig, "TOP/s/W").series}
    # conftest: digital_os energy 1e6 * (1 + wi) * (dim / 32) ** 0.5 pJ, TOP/s/W = 2e6 / energy; at 32x32 the
    # two workloads give 2 and 1, geomean sqrt(2); at 128x128 1 and 0.5, geomean sqrt(0.5)
    assert tops_w["digital_os"].x == (32.0, 128.0)
    assert tops_w["digital_os"].y == pytest.approx((math.sqrt(2), math.sqrt(0.5)))
    # area 0.001 * dim**2 / 32 + sram / 1e6 mm2: the smaller SRAM (8 KiB) wins; 32x32: 0.032 + 0.008192
    area = {s.name: s for s in _panel(fig, "area (mm²)").series}
    assert area["dimc"].y == pytest.approx((0.032 + 0.008192, 0.512 + 0.008192))


def test_every_panel_draws_each_type_in_its_legend_colour(sweep: pd.DataFrame):
    """The reported bug: panels 2-4 of 'Against array size' used colours the legend did not show."""
    data = metrics_vs_dim(sweep)
    legend = {e.label: e.colour for e in data.legend}
    assert legend == {t: TYPE_COLOURS[t] for t in TYPES}
    static = draw(data)
    drawn_axes = [ax for ax in static.axes if ax.get_visible()]
    assert len(drawn_axes) == len(VS_DIM) == 6
    for ax in drawn_axes:
        lines = {line.get_label(): to_hex(line.get_color()).upper() for line in ax.get_lines()}
        assert lines == legend
    static_legend = {
        t.get_text(): to_hex(h.get_color()).upper()
        for lg in static.legends
        for t, h in zip(lg.get_texts(), lg.legend_handles, strict=True)
    }
    assert static_legend == legend
    interactive = plotly_figure(data)
    data_traces = [t for t in interactive.data if t.x and t.x[0] is not None]
    assert len(data_traces) == 6 * 4  # every panel, every type
    for trace in data_traces:
        assert trace.line.color == legend[trace.name] == trace.marker.color
        assert trace.legendgroup == trace.name and trace.showlegend is False
    legend_traces = {t.name: t.marker.color for t in interactive.data if t.x == (None,)}
    assert legend_traces == legend


@pytest.mark.parametrize("name", list(PREPARE))
def test_static_and_interactive_figures_have_the_same_panels_and_legend(sweep: pd.DataFrame, name: str):
    data = PREPARE[name](sweep)
    static = draw(data)
    interactive = plotly_figure(data)
    titles = [ax.get_title() for ax in static.axes if ax.get_visible()]
    assert titles == [p.title for p in data.panels]
    assert [a.text for a in interactive.layout.annotations] == titles
    static_labels = [t.get_text() for lg in static.legends for t in lg.get_texts()]
    interactive_labels = [t.name for t in interactive.data if t.x == (None,)]
    assert static_labels == interactive_labels == [e.label for e in data.legend]


def test_scatter_colours_points_by_sram_size(sweep: pd.DataFrame):
    data = carbon_scatter(sweep)
    (panel,) = data.panels
    dimc = next(s for s in panel.series if s.name == "dimc")
    # two SRAM sizes: the ends of viridis, 8 KiB dark, 128 KiB bright; the hover text names each point's design
    assert dimc.point_colours is not None
    by_design = {
        h.split("</b>")[0].removeprefix("<b>"): c for h, c in zip(dimc.hover, dimc.point_colours, strict=True)
    }
    assert by_design == {
        "dimc 32x32 8KiB": "#440154",
        "dimc 32x32 128KiB": "#FDE725",
        "dimc 128x128 8KiB": "#440154",
        "dimc 128x128 128KiB": "#FDE725",
    }
    assert [e.label for e in data.legend if e.group == "SRAM"] == ["8KiB", "128KiB"]
    assert all(e.colour == "#808080" for e in data.legend if e.group == "accelerator")


def test_breakdown_stacks_the_components_of_the_best_design(sweep: pd.DataFrame):
    data = carbon_breakdown(sweep)
    ca = data.panels[0]
    assert [s.name for s in ca.series] == list(COMPONENT_COLOURS)
    geo = (
        sweep[sweep["status"] == "ok"]
        .groupby("design")["carbon_ca_ex_package_g"]
        .agg(lambda v: math.exp(sum(math.log(x) for x in v) / len(v)))
    )
    best_dimc = min((d for d in geo.index if d.startswith("dimc")), key=lambda d: (geo[d], d))
    column = ca.series[0].x.index(best_dimc)
    # conftest: component i of a point is total * (i + 1) / 20, so the stack is total * 28 / 20 = 1.4 total
    stack = sum(s.y[column] for s in ca.series)
    assert stack == pytest.approx(1.4 * geo[best_dimc], rel=1e-12)


def test_a_store_of_several_spaces_needs_a_space(sweep: pd.DataFrame):
    two = pd.concat([sweep, sweep.assign(space="other", key=sweep["key"] + "'")], ignore_index=True)
    with pytest.raises(SpecError) as err:
        select_space(two, None, source="r.sqlite")
    assert (
        str(err.value)
        == "r.sqlite: --space: the store holds several spaces, choose one of ['other', 'synthetic']"
    )
    assert len(select_space(two, "other", source="r.sqlite")) == len(sweep)
    with pytest.raises(SpecError, match="no points of space 'tiny'"):
        select_space(two, "tiny", source="r.sqlite")
    assert select_space(sweep, None, source="r.sqlite") is sweep


@given(st.lists(st.integers(min_value=1, max_value=2**30), min_size=1, max_size=12, unique=True))
def test_sram_colours_grow_from_dark_to_bright(sizes: list[int]):
    colours = sram_colours(sizes)
    ordered = [colours[s] for s in sorted(sizes)]
    assert ordered[0] == viridis(0.0) == "#440154"
    if len(sizes) > 1:
        assert ordered[-1] == "#FDE725"
    # viridis brightens monotonically (its design goal): red + green + blue never decreases with the size

    def lum(h: str) -> int:
        return int(h[1:3], 16) + int(h[3:5], 16) + int(h[5:7], 16)

    assert all(lum(a) <= lum(b) for a, b in zip(ordered, ordered[1:], strict=False))
