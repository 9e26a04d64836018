from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from carbonloop.explore.pareto import best_designs, geomean, geomean_rows, pareto_front, pareto_mask


def _row(design: str, workload: str, e: float, t: float, ca: float, pa: float, **kw) -> dict:
    acc_type, rows, sram = design.split("/")
    return {
        "key": f"{design}:{workload}",
        "design_id": design,
        "design": design,
        "template": "imc" if acc_type in ("aimc", "dimc") else "digital",
        "accel_type": acc_type,
        "accelerator": design,
        "p_rows": int(rows),
        "p_cols": int(rows),
        "p_sram_bytes": int(sram),
        "workload": workload,
        "space": "s",
        "suite_size": 3,
        "status": "ok",
        "energy_pj": e,
        "latency_ns": t,
        "edp_pj_ns": e * t,
        "area_mm2": 1.0,
        "carbon_ca_ex_package_g": ca,
        "carbon_pa_ex_package_g": pa,
        "deadline_met": True,
        **kw,
    }


@pytest.fixture
def frame() -> pd.DataFrame:
    rows = [
        # design A: energies 1, 8, 27 -> geomean 6; latencies 4, 4, 4 -> 4
        _row("dimc/32/8192", "w1", 1.0, 4.0, 2.0, 1.0),
        _row("dimc/32/8192", "w2", 8.0, 4.0, 2.0, 10.0),
        _row("dimc/32/8192", "w3", 27.0, 4.0, 2.0, 100.0),
        # design B: energies 2, 2, 2 -> 2 (better geo energy), latencies 1, 10, 100 -> 10
        _row("digital_ws/128/524288", "w1", 2.0, 1.0, 1.0, 5.0),
        _row("digital_ws/128/524288", "w2", 2.0, 10.0, 1.0, 5.0),
        _row("digital_ws/128/524288", "w3", 2.0, 100.0, 1.0, 5.0),
        # design C: best energy on w1 but one workload failed: no geo row
        _row("aimc/64/32768", "w1", 0.5, 50.0, 9.0, 9.0),
        {**_row("aimc/64/32768", "w2", 0.0, 0.0, 0.0, 0.0), "status": "error", "energy_pj": None},
    ]
    return pd.DataFrame(rows)


def test_geomean_is_exp_mean_log_and_nan_for_non_positive():
    assert geomean([1, 8, 27]) == pytest.approx(6.0)
    assert geomean([2.0]) == 2.0
    assert math.isnan(geomean([1.0, 0.0])) and math.isnan(geomean([])) and math.isnan(geomean([1, np.nan]))


def test_geo_rows_are_per_metric_geomeans_of_complete_designs_only(frame: pd.DataFrame):
    geo = geomean_rows(frame).set_index("design_id")
    assert sorted(geo.index) == ["digital_ws/128/524288", "dimc/32/8192"]  # aimc misses w2, w3
    a, b = geo.loc["dimc/32/8192"], geo.loc["digital_ws/128/524288"]
    assert a["energy_pj"] == pytest.approx(6.0) and a["latency_ns"] == pytest.approx(4.0)
    assert a["carbon_pa_ex_package_g"] == pytest.approx(10.0)  # (1*10*100)^(1/3)
    assert b["energy_pj"] == pytest.approx(2.0) and b["latency_ns"] == pytest.approx(10.0)
    # geo EDP is the geomean of the per-workload EDPs = geo energy x geo latency
    assert a["edp_pj_ns"] == pytest.approx(24.0) and b["edp_pj_ns"] == pytest.approx(20.0)
    assert a["workload"] == "geo" and a["p_rows"] == 32 and a["p_sram_bytes"] == 8192


def test_best_designs_per_workload_and_geomean(frame: pd.DataFrame):
    best = {(b["workload"], b["metric"]): b for b in best_designs(frame)}
    assert best[("w1", "energy")]["label"] == "aimc/64/32768"  # failed elsewhere, still best on w1
    assert best[("geo", "energy")]["label"] == "digital_ws/128/524288"
    assert best[("geo", "energy")]["value"] == pytest.approx(2.0)
    assert best[("geo", "latency")]["label"] == "dimc/32/8192"
    assert best[("geo", "edp")]["label"] == "digital_ws/128/524288"
    assert best[("geo", "carbon_ca")]["label"] == "digital_ws/128/524288"
    assert best[("geo", "carbon_pa")]["label"] == "digital_ws/128/524288"  # 5 < 10
    assert best[("w1", "carbon_pa")]["label"] == "dimc/32/8192"
    d = best[("geo", "latency")]["design"]
    assert d == {"template": "imc", "rows": 32, "cols": 32, "dim": 32, "sram_bytes": 8192}
    assert [b["workload"] for b in best_designs(frame)][-1] == "geo"
    assert {b["column"] for b in best_designs(frame)} >= {"carbon_pa_ex_package_g", "edp_pj_ns"}


def test_ties_are_broken_by_design_label(frame: pd.DataFrame):
    twin = frame[frame["design_id"] == "dimc/32/8192"].assign(design_id="aaa", design="aaa/32/8192")
    best = best_designs(pd.concat([twin, frame]))
    lat = next(b for b in best if b["workload"] == "geo" and b["metric"] == "latency")
    assert lat["label"] == "aaa/32/8192"


def test_pareto_mask_by_hand():
    x = [1, 2, 3, 4, 2, 5]
    y = [5, 3, 4, 1, 3, 1]
    # (1,5) (2,3) front; (3,4) dominated by (2,3); (4,1) front; duplicate (2,3) not twice; (5,1) dominated
    assert pareto_mask(x, y).tolist() == [True, True, False, True, False, False]
    df = pd.DataFrame({"x": x, "y": y, "n": range(6)})
    assert list(pareto_front(df, "x", "y")["n"]) == [0, 1, 3]
