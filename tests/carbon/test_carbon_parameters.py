"""Parameter sets: ACT's tables reproduce ACT's own sanity numbers; sets and user files load or fail cleanly.

Expected values: g CO2 per cm2 of good die computed by hand from ACT's tables (facebookresearch/ACT @ abc9fbb,
act/models/logic/*.yaml and carbon_intensity/*.yaml; Gupta et al., ISCA 2022) and CarbonSpot's ci_fabs table
(KULeuven-MICAS/carbonspot @ 0839b49, expr.py plot_carbon_footprint_in_literature).
"""

from __future__ import annotations

import pytest

from carbonloop.carbon import g_per_cm2_good_die, load_parameters, parameters_from_dict
from carbonloop.errors import SpecError

# Computed by hand from ACT's tables (facebookresearch/ACT @ abc9fbb): per cm2 of good die. Left: Taiwan 2022 (583 g/kWh), GPA97, Y = 0.875 (ACT v2
# defaults = our `act` set). Right: coal (820 g/kWh), GPA95, no yield (= ECO-CHIP's CPA x 100).
ACT_SANITY = {
    28: (1328, 1413),
    14: (1557, 1684),
    10: (1777, 1950),
    7: (2318, 2613),
    5: (2778, 3185),
    3: (3163, 3635),
}


@pytest.mark.parametrize("node", sorted(ACT_SANITY))
def test_act_sanity_table_per_cm2_of_good_die(node):
    taiwan, coal = ACT_SANITY[node]
    act = load_parameters("act", {"node_nm": node})
    assert g_per_cm2_good_die(act) == pytest.approx(taiwan, abs=0.5)
    coal_set = load_parameters(
        "act", {"node_nm": node, "fab_grid": "coal", "abatement_pct": 95, "yield": {"value": 1.0}}
    )
    assert g_per_cm2_good_die(coal_set) == pytest.approx(coal, abs=0.5)


def test_act_worked_examples_exact():
    # 28 nm, coal, GPA95, no yield: 820*0.9 + 175 + 500 = 1413 g/cm2
    coal = load_parameters("act", {"fab_grid": "coal", "abatement_pct": 95, "yield": {"value": 1.0}})
    assert g_per_cm2_good_die(coal) == pytest.approx(1413.0, rel=1e-12)
    # 7 nm, Taiwan 583, GPA97 = (350+200)/2 = 275, Y 0.875: (583*2.15 + 275 + 500)/0.875 = 2318.23 g/cm2
    act7 = load_parameters("act", {"node_nm": 7})
    assert g_per_cm2_good_die(act7) == pytest.approx((583 * 2.15 + 275 + 500) / 0.875, rel=1e-12)
    assert round(g_per_cm2_good_die(act7)) == 2318
    # ACT v1 Dell R740 script: 28 nm coal GPA95 Y 0.875 -> 1615 g/cm2, x 6.98 cm2 -> ~11.3 kg per CPU die
    dell = load_parameters("act", {"fab_grid": "coal", "abatement_pct": 95})
    assert g_per_cm2_good_die(dell) == pytest.approx(1614.86, abs=0.01)
    assert g_per_cm2_good_die(dell) * 6.98 / 1000 == pytest.approx(11.3, abs=0.05)


# CarbonSpot's ci_fabs (expr.py plot_carbon_footprint_in_literature; g/mm2 before yield at 301 g/kWh), 3 decimals.
CI_FABS = {
    28: 8.709,
    22: 9.446,
    20: 9.712,
    16: 9.812,
    14: 9.862,
    12: 10.408,
    10: 10.955,
    7: 11.575,
    5: 15.528,
    3: 16.028,
}


@pytest.mark.parametrize("node", sorted(CI_FABS))
def test_carbonspot_node_table_gives_its_published_ci_fabs(node):
    cs = load_parameters("carbonspot")
    assert sum(cs.die_parts_g_per_mm2(node)) == pytest.approx(
        CI_FABS[node], abs=5e-4 + 1e-9
    )  # half a unit in the 3rd decimal


def test_carbonspot_constants():
    cs = load_parameters("carbonspot")
    assert cs.fab_ci_g_per_kwh == 301 and cs.use_ci_g_per_kwh == 301  # ACT world 2022
    assert cs.die_parts_g_per_mm2() == pytest.approx((2.709, 1.0, 5.0))  # 301*0.9/100, GPA99 100/100, 500/100
    assert cs.yield_spec.value == 0.95 and cs.lifetime_years == 3 and cs.package_g_per_chip == 150
    # DRAM quirk: CA 230*(28/30)^2 = 200.36 g/GB, PA 200*(28/30)^2 = 174.22 g/GB
    assert cs.dram_g_per_gb_for("ca") == pytest.approx(200.3556, abs=1e-4)
    assert cs.dram_g_per_gb_for("pa") == pytest.approx(174.2222, abs=1e-4)


def test_act_constants_and_dram_divided_by_yield():
    act = load_parameters("act")
    assert (act.fab_ci_g_per_kwh, act.use_ci_g_per_kwh) == (583, 380)  # Taiwan / USA 2022
    assert act.lifetime_years == 2 and act.abatement_pct == 97
    assert act.dram_g_per_gb_for("ca") == act.dram_g_per_gb_for("pa") == pytest.approx(48 / 0.875)


def test_grid_vintage_names_and_numbers():
    assert load_parameters("act", {"grid_vintage": 2023}).fab_ci_g_per_kwh == 642  # Taiwan 2023
    assert load_parameters("act", {"use_grid": "Europe"}).use_ci_g_per_kwh == 295
    assert load_parameters("act", {"use_grid": "wind"}).use_ci_g_per_kwh == 11
    assert load_parameters("act", {"use_grid": "450"}).use_ci_g_per_kwh == 450
    assert load_parameters("act", {"use_grid": 12.5}).use_ci_g_per_kwh == 12.5


def test_user_file_overrides_and_drops_the_dram_quirk(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("base: carbonspot\nlifetime_years: 5\nnodes:\n  28nm: {epa_kwh_per_cm2: 1.0}\n")
    p = load_parameters(str(f))
    assert p.name == "mine" and p.lifetime_years == 5
    assert p.nodes[28].epa_kwh_per_cm2 == 1.0 and p.nodes[28].gpa_g_per_cm2[99] == 100.0  # merged key by key
    assert p.dram_g_per_gb_for("pa") == p.dram_g_per_gb_for("ca") == pytest.approx(230 * (28 / 30) ** 2)
    keep = tmp_path / "keep.yaml"
    keep.write_text("base: carbonspot\ndram: {pa_g_per_gb_quirk: 200}\n")
    assert load_parameters(str(keep)).dram_g_per_gb_for("pa") == pytest.approx(200 * (28 / 30) ** 2)


def test_user_mapping_defaults_to_act_and_can_use_negative_binomial_yield():
    p = parameters_from_dict({"yield": {"model": "negative_binomial"}})
    assert p.fab_ci_g_per_kwh == 583
    assert p.defect_density() == 0.07  # 3D-Carbon 28 nm: 0.0007 /mm2


@pytest.mark.parametrize(
    ("name", "overrides", "field"),
    [
        ("nope", None, "<parameters>"),
        ("act", {"use_grid": "mars"}, "use_grid"),
        ("act", {"fab_grid": "atlantis"}, "fab_grid"),
        ("act", {"node_nm": 65}, "node_nm"),
        ("act", {"lifetime_years": -1}, "lifetime_years"),
        ("act", {"abatement_pct": 96}, "abatement_pct"),
        ("act", {"grid_vintage": 2019}, "grid_vintage"),
        ("act", {"dram": {"type": "hbm3"}}, "dram.type"),
        ("act", {"node_nm": 22, "yield": {"model": "negative_binomial"}}, "yield.defect_density_per_cm2"),
        ("act", {"yield": {"value": 1.5}}, "yield.value"),
        ("act", {"colour": "green"}, "colour"),
    ],
)
def test_bad_parameters_raise_spec_error_naming_the_field(name, overrides, field):
    with pytest.raises(SpecError) as info:
        load_parameters(name, overrides)
    assert info.value.field == field


def test_bad_user_files_name_the_file_and_field(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("lifetime_years: [1, 2\n")
    with pytest.raises(SpecError) as info:
        load_parameters(str(bad_yaml))
    assert info.value.source == str(bad_yaml) and "malformed YAML" in info.value.message
    wrong_type = tmp_path / "wrong.yaml"
    wrong_type.write_text("lifetime_years: three\n")
    with pytest.raises(SpecError) as info:
        load_parameters(str(wrong_type))
    assert (info.value.source, info.value.field) == (str(wrong_type), "lifetime_years")
    wrong_base = tmp_path / "base.yaml"
    wrong_base.write_text("base: zigzag\n")
    with pytest.raises(SpecError) as info:
        load_parameters(str(wrong_base))
    assert info.value.field == "base"
    with pytest.raises(SpecError) as info:
        load_parameters(str(tmp_path / "missing.yaml"))
    assert info.value.field == "<file>"


def test_naming_a_dram_part_replaces_the_base_dram_spec():
    # carbonspot's 230 g/GB with (28/30)^2 scaling must not leak into a user's LPDDR4 (ACT: 48 g/GB).
    p = parameters_from_dict({"base": "carbonspot", "dram": {"type": "lpddr4"}})
    assert p.dram_g_per_gb_for("ca") == p.dram_g_per_gb_for("pa") == 48.0
    q = load_parameters(
        "act", {"dram": {"g_per_gb": 400, "yield_value": 0.875}}
    )  # LLMCarbon's HBM-ish anchor
    assert q.dram_g_per_gb_for("ca") == pytest.approx(400 / 0.875)
    # changing only the divisor keeps the part
    r = load_parameters("act", {"dram": {"yield_value": 1.0}})
    assert r.dram_g_per_gb_for("ca") == 48.0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"use_grid": "nan"}, "use_grid", "must be a finite number (got 'nan')"),
        ({"use_grid": -5}, "use_grid", "must be >= 0 (got -5.0)"),
        ({"fab_grid": float("inf")}, "fab_grid", "must be a finite number (got inf)"),
        ({"fab_grid": "1e5"}, "fab_grid", "must be <= 10000 (got '1e5')"),
        ({"lifetime_years": float("inf")}, "lifetime_years", "Input should be a finite number"),
        ({"lifetime_years": 1e-300}, "lifetime_years", "Input should be greater than or equal to 0.001"),
        ({"package_g_per_chip": float("nan")}, "package_g_per_chip", "Input should be a finite number"),
        ({"yield": {"value": 1e-300}}, "yield.value", "Input should be greater than or equal to 0.000001"),
        ({"dram": {"g_per_gb": 230, "scale_from_nm": 1e-300, "scale_to_nm": 28}}, "dram.scale_from_nm", ""),
        (
            {"grids": {"by_source": {"coal": float("inf")}}},
            "grids.by_source.coal",
            "Input should be a finite",
        ),
        ({"grids": {"by_source": {"coal": -820}}}, "grids.by_source.coal", "greater than or equal to 0"),
    ],
)
def test_non_finite_negative_and_absurd_parameters_are_refused(overrides, field, message):
    """Each of these once gave NaN, Infinity or a negative carbon (issue #13)."""
    with pytest.raises(SpecError) as info:
        load_parameters("act", overrides)
    assert info.value.field == field and message in info.value.message, str(info.value)


def test_inf_in_a_parameter_file_is_refused_by_the_input_gate(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("base: carbonspot\nlifetime_years: .inf\n")
    with pytest.raises(SpecError) as info:
        load_parameters(str(f))
    assert str(info.value) == f"{f}: lifetime_years: must be a finite number (got inf)"


def test_grid_as_a_number_within_the_limits():
    # 0 and 10,000 g/kWh are the ends of the accepted range (ten times ACT's coal, 820 g/kWh)
    assert load_parameters("act", {"use_grid": 0}).use_ci_g_per_kwh == 0.0
    assert load_parameters("act", {"use_grid": "1e4"}).use_ci_g_per_kwh == 10_000.0
