"""Published chips: our table reproduces the carbon per inference listed for CarbonSpot's 13 active chips.

Expected values: tests/carbon/data/carbonspot_literature_chips.yaml: the chips of KULeuven-MICAS/carbonspot @ 0839b49,
expr.py experiment_1_literature_trend, with `derived_tiny_g_per_inference` and `derived_mobile_g_per_inference`
recomputed by CarbonSpot's literature formula (expr.py plot_carbon_footprint_in_literature),
listed with 4 significant digits, so each comparison allows half a unit in the 4th digit.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from carbonloop.carbon import builtin_chips, literature_table, load_chips, load_parameters
from carbonloop.carbon.figures import plot_literature
from carbonloop.carbon.literature import Chip, highlights, settings
from carbonloop.errors import SpecError

REF = yaml.safe_load((Path(__file__).parent / "data" / "carbonspot_literature_chips.yaml").read_text())
ACTIVE = [c for c in REF["chips"] if c["active"]]
CS = load_parameters("carbonspot")


def within_4_digits(ours: float, published: float) -> bool:
    half_unit = 0.5 * 10 ** (math.floor(math.log10(abs(published))) - 3)
    return abs(ours - published) <= half_unit * (1 + 1e-9)


@pytest.mark.parametrize("suite", ["tiny", "mobile"])
def test_active_chips_reproduce_published_carbon(suite):
    rows = literature_table(builtin_chips(), settings()[suite], CS)
    assert [r.tech_nm for r in rows] == [c["tech_nm"] for c in ACTIVE]
    assert len(rows) == 13
    for row, chip in zip(rows, ACTIVE, strict=True):
        d = chip[f"derived_{suite}_g_per_inference"]
        for ours, key in (
            (row.operational_g, "operational"),
            (row.embodied_ca_g, "embodied_CA"),
            (row.embodied_pa_g, "embodied_PA"),
            (row.ca_g, "total_CA"),
            (row.pa_g, "total_PA"),
        ):
            assert within_4_digits(ours, d[key]), (suite, row.name, key, ours, d[key])


def test_settings_and_inputs_of_one_chip():
    # Tiny: 1e9/3.7 ns period, 2 x 10 535 996 ops. [9] iMCU: 111.556 TOP/s/W, 0.318 TOP/s, 1.25 TOP/s/mm2.
    s = settings()["tiny"]
    assert s.period_ns == pytest.approx(1e9 / 3.7) and s.ops_per_inference == 21071992
    imcu = next(r for r in literature_table(builtin_chips(), s, CS) if r.label == "[9] 28nm")
    assert imcu.energy_pj == pytest.approx(21071992 / 111.556)  # ops / (op/pJ)
    assert imcu.latency_ns == pytest.approx(21071992 / 0.318 / 1e3)  # ops / (op/ps) in ns
    assert imcu.area_mm2 == pytest.approx(0.318 / 1.25)
    # CA embodied = ci_fab[28] / Y / lifetime_ps * ops / TOPSmm2 (carbonspot expr.py plot_carbon_footprint_in_literature)
    k2 = 8.709 / 0.95 / (3 * 365 * 24 * 3600 * 1e12)
    assert imcu.embodied_ca_g == pytest.approx(k2 * 21071992 / 1.25, rel=1e-9)


def test_circled_chips():
    # CarbonSpot paper, literature study (Fig. 1): under CA [9] iMCU (highest TOP/s/W) is best; under PA tiny macros win ([4] in Tiny).
    tiny = literature_table(builtin_chips(), settings()["tiny"], CS)
    assert tiny[highlights(tiny, "ca")["most_carbon_efficient"]].label == "[9] 28nm"
    assert tiny[highlights(tiny, "ca")["most_performant"]].label == "[9] 28nm"
    assert tiny[highlights(tiny, "pa")["most_carbon_efficient"]].label == "[4] 28nm"
    worst_pa = max(tiny, key=lambda r: r.pa_g)
    assert worst_pa.label == "[6] 16nm"  # 25 mm2, the largest die


def test_mobile_deadline_misses_are_flagged_and_scaled_pa_is_larger():
    # 6.1e9 ops in 40 ms needs >= 0.153 TOP/s: [4] 0.143, [8] 0.072, [10] 0.096, [11] 0.077, [13] 0.0032 miss.
    rows = literature_table(builtin_chips(), settings()["mobile"], CS)
    missed = {r.label.split()[0] for r in rows if not r.deadline_met}
    assert missed == {"[4]", "[8]", "[10]", "[11]", "[13]"}
    for r in rows:
        if r.deadline_met:
            assert r.pa_scaled_g == pytest.approx(r.pa_g, rel=1e-12)
        else:
            assert r.pa_scaled_g > r.pa_g
            assert r.pa_scaled_g == pytest.approx(r.ca_g, rel=1e-12)  # no package, no DRAM: PA = CA


def test_user_chips_from_csv_and_yaml(tmp_path):
    csv_file = tmp_path / "mine.csv"
    csv_file.write_text("name,tech_nm,topsw,tops,topsmm2\nmychip,22,50,1,2\n")
    yml = tmp_path / "mine.yaml"
    yml.write_text("chips:\n  - {name: other, tech_nm: 28, topsw: 10, tops: 0.5, topsmm2: 0.5}\n")
    chips = load_chips(csv_file) + load_chips(yml)
    assert [c.name for c in chips] == ["mychip", "other"] and chips[0].area_mm2 == 0.5
    row = literature_table(chips, settings()["tiny"], CS)[1]
    # other: operational = 301/3.6e18 * ops / 10; area 1 mm2 at 28 nm
    assert row.operational_g == pytest.approx(301 / 3.6e18 * 21071992 / 10, rel=1e-12)
    assert row.label == "other 28nm"


def test_bad_user_chips(tmp_path):
    missing = tmp_path / "bad.csv"
    missing.write_text("name,tech_nm,tops,topsmm2\nx,28,1,2\n")
    with pytest.raises(SpecError) as info:
        load_chips(missing)
    assert (info.value.source, info.value.field) == (str(missing), "chips[0].topsw")
    negative = tmp_path / "neg.yaml"
    negative.write_text("- {name: x, tech_nm: 28, topsw: -1, tops: 1, topsmm2: 1}\n")
    with pytest.raises(SpecError) as info:
        load_chips(negative)
    assert info.value.field == "chips[0].topsw"
    with pytest.raises(SpecError) as info:
        literature_table([Chip(name="old", tech_nm=65, topsw=1, tops=1, topsmm2=1)], settings()["tiny"], CS)
    assert (info.value.source, info.value.field) == ("old", "tech_nm")


def test_figure_is_written_and_circles_the_right_chips(tmp_path):
    rows = literature_table(builtin_chips(), settings()["mobile"], CS)
    out = tmp_path / "fig.png"
    circled = plot_literature(rows, settings()["mobile"], out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    assert circled == {"ca": highlights(rows, "ca"), "pa": highlights(rows, "pa")}
