"""The model's equations, its invariants (hypothesis) and the API the mapper calls."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.carbon import (
    YEAR_NS,
    ca_weights,
    carbon_per_inference,
    carbon_report,
    cdp_g_ns,
    cep_g_pj,
    load_parameters,
    negative_binomial_yield,
    pa_carbon_g,
    parameters_from_dict,
    per_task_g,
    tcdp_g_ns,
)
from carbonloop.errors import SpecError

CS = load_parameters("carbonspot")
ACT = load_parameters("act")
USER = parameters_from_dict({"base": "carbonspot"}, "user.yaml")  # user sets charge DRAM one value
NB = parameters_from_dict({"base": "act", "yield": {"model": "negative_binomial"}})
SETS = {"carbonspot": CS, "act": ACT, "user": USER, "nb": NB}

energy = st.floats(0, 1e13)
latency = st.floats(0, 1e11)
area = st.floats(0, 900)
dram = st.floats(0, 8)
fps = st.one_of(st.none(), st.floats(0.1, 1000))
set_name = st.sampled_from(sorted(SETS))


def run(p, e=1e6, t=1e4, a=1.0, g=0.0, f=None):
    return carbon_per_inference(energy_pj=e, latency_ns=t, area_mm2=a, dram_gb=g, fps=f, params=p)


# -- worked example (carbonspot set; derivation beside each number) -------------------------------------------
def test_worked_example_carbonspot():
    res = run(CS, e=1e6, t=1e4, a=2.0, g=0.001, f=25.0)
    life = 3 * YEAR_NS  # 9.4608e16 ns
    op = 301 * 1e6 / 3.6e18  # 8.361e-11 g
    die = 8.709 * 2.0 / 0.95  # 18.335 g over the life
    assert res.breakdown["ca"]["operational"] == pytest.approx(op, rel=1e-12)
    assert res.ca_g == pytest.approx(op + (die + 150 + 0.001 * 200.3556) * 1e4 / life, rel=1e-6)
    assert res.pa_g == pytest.approx(op + (die + 150 + 0.001 * 174.2222) * 4e7 / life, rel=1e-6)
    assert res.ca_ex_package_g == pytest.approx(res.ca_g - 150 * 1e4 / life, rel=1e-12)
    assert res.deadline_met is True and res.period_ns == 4e7


def test_missed_deadline_scales_pa_by_latency_over_period():
    # 10 ms inference, 4 ms default period: 2.5 chips needed, PA share = 10 ms / lifetime
    res = run(CS, t=1e7, a=1.0)
    assert res.deadline_met is False
    assert res.pa_share == pytest.approx(1e7 / (3 * YEAR_NS), rel=1e-12)
    assert res.breakdown["pa"]["mpa"] == pytest.approx(res.breakdown["ca"]["mpa"], rel=1e-12)


def test_negative_binomial_yield_value():
    # 1 cm2 at D0 = 0.07/cm2, alpha 10: (1 + 0.007)^-10 = exp(-10 ln 1.007) = 0.93262
    assert negative_binomial_yield(100.0, 0.07, 10) == pytest.approx(1.007**-10, rel=1e-12)
    assert negative_binomial_yield(100.0, 0.07, 10) == pytest.approx(0.93262, abs=1e-5)
    # large alpha tends to Poisson exp(-A*D0)
    assert negative_binomial_yield(300.0, 0.1, 1e7) == pytest.approx(math.exp(-0.3), rel=1e-6)
    assert negative_binomial_yield(0.0, 0.1) == 1.0


@given(a1=st.floats(0, 5000), a2=st.floats(0, 5000), d0=st.floats(0.001, 1), alpha=st.floats(0.5, 50))
def test_negative_binomial_yield_in_unit_interval_and_decreasing_in_area(a1, a2, d0, alpha):
    lo, hi = sorted((a1, a2))
    y_lo, y_hi = negative_binomial_yield(lo, d0, alpha), negative_binomial_yield(hi, d0, alpha)
    assert 0 < y_hi <= y_lo <= 1


def test_negative_binomial_set_charges_large_dies_more_per_mm2():
    small, big = run(NB, a=1.0), run(NB, a=400.0)
    assert big.die_yield < small.die_yield < 1
    per_mm2 = (big.breakdown["ca"]["mpa"] / 400.0) / small.breakdown["ca"]["mpa"]
    assert per_mm2 == pytest.approx(small.die_yield / big.die_yield, rel=1e-12)


# -- invariants -------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(s=set_name, e=energy, de=st.floats(0, 1e12), t=latency, a=area, g=dram, f=fps)
def test_carbon_monotone_in_energy(s, e, de, t, a, g, f):
    p = SETS[s]
    lo, hi = run(p, e, t, a, g, f), run(p, e + de, t, a, g, f)
    assert hi.ca_g >= lo.ca_g and hi.pa_g >= lo.pa_g


@settings(max_examples=60, deadline=None)
@given(s=set_name, e=energy, t=latency, dt=st.floats(0, 1e10), a=area, g=dram, f=fps)
def test_carbon_monotone_in_latency(s, e, t, dt, a, g, f):
    p = SETS[s]
    lo, hi = run(p, e, t, a, g, f), run(p, e, t + dt, a, g, f)
    assert hi.ca_g >= lo.ca_g and hi.pa_g >= lo.pa_g


@settings(max_examples=60, deadline=None)
@given(s=set_name, e=energy, t=latency, a=area, da=st.floats(0, 500), g=dram, f=fps)
def test_carbon_monotone_in_area(s, e, t, a, da, g, f):
    p = SETS[s]
    lo, hi = run(p, e, t, a, g, f), run(p, e, t, a + da, g, f)
    assert hi.ca_g >= lo.ca_g and hi.pa_g >= lo.pa_g


@settings(max_examples=80, deadline=None)
@given(s=set_name, e=energy, t=latency, a=area, g=dram, f=fps)
def test_pa_charges_at_least_ca_for_every_component_but_the_carbonspot_dram(s, e, t, a, g, f):
    # PA share = max(period, latency)/lifetime >= latency/lifetime = CA share; operational is equal.
    res = run(SETS[s], e, t, a, g, f)
    ca, pa = res.breakdown["ca"], res.breakdown["pa"]
    assert pa["operational"] == ca["operational"]
    for k in ("epa", "gpa", "mpa", "package"):
        assert pa[k] >= ca[k]
    if s != "carbonspot":  # one DRAM value: the totals keep the order too
        assert pa["dram"] >= ca["dram"]
        assert res.pa_g >= res.ca_g * (1 - 1e-12)
    assert sum(ca.values()) == pytest.approx(res.ca_g, rel=1e-12)
    assert sum(pa.values()) == pytest.approx(res.pa_g, rel=1e-12)


def test_carbonspot_dram_quirk_can_make_pa_cheaper_than_ca():
    # Inference exactly one period long, DRAM only: CA 200.36 g/GB vs PA 174.22 g/GB on the same share.
    res = run(CS, e=0.0, t=4e6, a=0.0, g=1.0)
    assert res.breakdown["pa"]["dram"] / res.breakdown["ca"]["dram"] == pytest.approx(200 / 230)
    assert res.pa_ex_package_g < res.ca_ex_package_g


@settings(max_examples=60, deadline=None)
@given(s=st.sampled_from(["act", "user", "nb"]), e=energy, t=st.floats(1e8, 1e11), a=area, g=dram)
def test_missed_deadline_makes_pa_equal_ca_without_the_quirk(s, e, t, a, g):
    res = run(SETS[s], e, t, a, g, f=25.0)  # 40 ms period, latency >= 100 ms
    assert res.deadline_met is False
    assert res.pa_g == pytest.approx(res.ca_g, rel=1e-9)


# -- mapper API -----------------------------------------------------------------------------------------------
def test_ca_weights_values():
    a, b = ca_weights(CS, area_mm2=1.0, dram_gb=0.0, clock_ns=1.0)
    assert a == pytest.approx(301 / 3.6e18, rel=1e-12)  # CarbonSpot's k1 = 8.361e-17 g/pJ
    assert b == pytest.approx((8.709 / 0.95 + 150) / (3 * 3.1536e16), rel=1e-12)
    _, b_ex = ca_weights(CS, area_mm2=1.0, dram_gb=0.0, clock_ns=1.0, include_package=False)
    assert b_ex == pytest.approx(8.709 / 0.95 / (3 * 3.1536e16), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(s=set_name, e=energy, cycles=st.integers(0, 10**9), a=area, g=dram, clk=st.floats(0.1, 100))
def test_ca_weights_give_the_ca_carbon(s, e, cycles, a, g, clk):
    p = SETS[s]
    wa, wb = ca_weights(p, a, g, clk)
    res = run(p, e, cycles * clk, a, g)
    assert wa * e + wb * cycles == pytest.approx(res.ca_g, rel=1e-9, abs=1e-300)


def test_vectorized_call_matches_scalar_calls_and_pa_objective():
    rng = np.random.default_rng(0)
    e = rng.uniform(1e5, 1e9, 50)
    cycles = rng.integers(1, 10**7, 50).astype(float)
    res = carbon_per_inference(
        energy_pj=e, latency_ns=cycles * 5.0, area_mm2=3.0, dram_gb=0.01, fps=25.0, params=CS
    )
    assert res.ca_g.shape == (50,) and res.deadline_met.dtype == bool
    for i in (0, 17, 49):
        one = run(CS, e[i], cycles[i] * 5.0, 3.0, 0.01, 25.0)
        assert res.ca_g[i] == pytest.approx(one.ca_g, rel=1e-12)
        assert res.pa_g[i] == pytest.approx(one.pa_g, rel=1e-12)
    pa = pa_carbon_g(
        CS, energy_pj=e, latency_cycles=cycles, area_mm2=3.0, dram_gb=0.01, clock_ns=5.0, fps=25.0
    )
    np.testing.assert_allclose(pa, res.pa_g, rtol=1e-12)
    assert res.to_dict()["ca_g"][3] == pytest.approx(float(res.ca_g[3]))


# -- metrics and the evaluate section ------------------------------------------------------------------------------
def test_metrics():
    res = run(CS, e=2e6, t=5e3, a=1.0)
    assert tcdp_g_ns(res.ca_g, 5e3) == pytest.approx(res.ca_g * 5e3)
    assert cdp_g_ns(res.embodied_ca_g, 5e3) == pytest.approx(
        (res.ca_g - res.breakdown["ca"]["operational"]) * 5e3
    )
    assert cep_g_pj(res.embodied_pa_g, 2e6) == pytest.approx((res.pa_g - 301 * 2e6 / 3.6e18) * 2e6)
    assert per_task_g(res, 10)["pa_g"] == pytest.approx(10 * res.pa_g)
    section = carbon_report(2e6, 5e3, 1.0, 0.0, None, CS).to_dict()
    assert set(section) >= {"ca_g", "pa_g", "breakdown", "deadline_met", "metrics"}
    assert section["metrics"]["tcdp_ca_g_ns"] == pytest.approx(res.ca_g * 5e3)
    assert set(section["breakdown"]["pa"]) == {
        "operational",
        "idle_leakage",
        "epa",
        "gpa",
        "mpa",
        "dram",
        "package",
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"energy_pj": -1.0}, "energy_pj"),
        ({"latency_ns": float("nan")}, "latency_ns"),
        ({"area_mm2": -0.1}, "area_mm2"),
        ({"dram_gb": -2.0}, "dram_gb"),
        ({"fps": 0.0}, "fps"),
        ({"energy_pj": np.array([1.0, -1.0])}, "energy_pj"),
    ],
)
def test_bad_inputs_raise_spec_error(kwargs, field):
    args = {"energy_pj": 1.0, "latency_ns": 1.0, "area_mm2": 1.0, "dram_gb": 0.0, "fps": None} | kwargs
    with pytest.raises(SpecError) as info:
        carbon_per_inference(params=CS, **args)
    assert info.value.field == field


def test_node_choice_changes_the_die_only():
    r28, r7 = (
        run(CS, a=1.0),
        carbon_per_inference(energy_pj=1e6, latency_ns=1e4, area_mm2=1.0, params=CS, node_nm=7),
    )
    assert r7.breakdown["ca"]["operational"] == r28.breakdown["ca"]["operational"]
    # ci_fabs 7 nm 11.575 vs 28 nm 8.709 g/mm2
    die = ("epa", "gpa", "mpa")
    ratio = sum(r7.breakdown["ca"][k] for k in die) / sum(r28.breakdown["ca"][k] for k in die)
    assert ratio == pytest.approx(11.5752 / 8.709, rel=1e-9)
    with pytest.raises(SpecError):
        carbon_per_inference(energy_pj=1.0, latency_ns=1.0, area_mm2=1.0, params=CS, node_nm=65)
