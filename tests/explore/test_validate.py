from __future__ import annotations

from pathlib import Path

import pytest

from carbonloop.errors import SpecError
from carbonloop.explore.store import ResultStore
from carbonloop.explore.validate import compare, default_reference, load_reference, ratio_summary, winners

REF_HEADER = "suite,workload,acc_type,sram_size_B,dim,area_mm2,latency_cycles,tclk_ns,energy_pJ,cf_ca_ex_pkg_g,cf_pa_ex_pkg_g"


def _ours(
    accel: str, dim: int, sram: int, workload: str, e: float, cycles: int, clock: float, area: float
) -> dict:
    template = "imc" if accel in ("aimc", "dimc") else "digital"
    return {
        "key": f"{accel}{dim}{sram}{workload}",
        "design_id": f"{accel}{dim}{sram}",
        "design": f"{accel} {dim}x{dim} {sram // 1024}KiB",
        "accelerator": "",
        "template": template,
        "accel_type": accel,
        "p_rows": dim,
        "p_cols": dim,
        "p_sram_bytes": sram,
        "workload": workload,
        "space": "tiny",
        "suite_size": 2,
        "status": "ok",
        "energy_pj": e,
        "latency_cycles": cycles,
        "clock_ns": clock,
        "latency_ns": cycles * clock,
        "edp_pj_ns": e * cycles * clock,
        "area_mm2": area,
        "carbon_ca_ex_package_g": e * 1e-16,
        "carbon_pa_ex_package_g": area * 1e-8,
        "deadline_met": True,
    }


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    ours = [
        _ours("dimc", 32, 8192, "resnet8", 2e6, 100, 3.0, 0.1),
        _ours("dimc", 32, 8192, "autoencoder", 8e6, 400, 3.0, 0.1),
        _ours("digital_ws", 128, 524288, "resnet8", 4e6, 10, 7.5, 20.0),
        _ours("digital_ws", 128, 524288, "autoencoder", 1e6, 40, 7.5, 20.0),
    ]
    store = tmp_path / "r.sqlite"
    with ResultStore(store) as st:
        st.put_many(ours)
    # CarbonSpot: energies half of ours on dimc, equal on ws; its dimc clock 3.2026 ns; geo rows as published
    ref = [
        "tiny,resnet8,DIMC,8192,32,0.085,100,3.2026,1e6,1e-10,1e-9",
        "tiny,ae,DIMC,8192,32,0.085,400,3.2026,4e6,4e-10,1e-9",
        "tiny,geo,DIMC,8192,32,0.085,200,3.2026,2e6,2e-10,1e-9",
        "tiny,resnet8,pdigital_ws,524288,128,22.0,10,7.47,4e6,4e-10,2e-7",
        "tiny,ae,pdigital_ws,524288,128,22.0,40,7.47,1e6,1e-10,2e-7",
        "tiny,geo,pdigital_ws,524288,128,22.0,20,7.47,2e6,2e-10,2e-7",
        "tiny,resnet8,AIMC,8192,32,0.09,100,6.6,1e5,1e-11,1e-9",  # a design we did not evaluate
    ]
    ref_path = tmp_path / "ref.csv"
    ref_path.write_text(REF_HEADER + "\n" + "\n".join(ref) + "\n", encoding="utf-8")
    return store, ref_path


def test_compare_matches_points_and_computes_ratios(files):
    from carbonloop.explore import load_results

    store, ref_path = files
    cmp = compare(load_results(store), load_reference(ref_path))
    assert len(cmp) == 6  # 4 points + 2 geo rows; the AIMC reference row has no partner
    row = cmp[(cmp["accel_type"] == "dimc") & (cmp["workload"] == "resnet8")].iloc[0]
    assert row["energy ratio"] == pytest.approx(2.0)
    assert row["latency ours"] == pytest.approx(300.0)
    assert row["latency CarbonSpot"] == pytest.approx(320.26)
    assert row["area ratio"] == pytest.approx(0.1 / 0.085)
    geo = cmp[(cmp["accel_type"] == "dimc") & (cmp["workload"] == "geo")].iloc[0]
    assert geo["energy ours"] == pytest.approx(4e6)  # sqrt(2e6 * 8e6)
    assert geo["energy ratio"] == pytest.approx(2.0)
    summary = ratio_summary(cmp).set_index("accel_type")
    assert summary.loc["dimc", "energy geo"] == pytest.approx(2.0)
    assert summary.loc["digital_ws", "energy geo"] == pytest.approx(1.0)
    assert summary.loc["all", "energy geo"] == pytest.approx(2**0.5)
    assert summary.loc["all", "points"] == 4


def test_winners_compare_our_and_carbonspots_rankings(files):
    from carbonloop.explore import load_results

    store, ref_path = files
    ours, ref = load_results(store), load_reference(ref_path)
    win = winners(ours, ref, compare(ours, ref)).set_index(["workload", "metric"])
    # geo energy: ours dimc 4e6 vs ws 2e6 -> ws; CarbonSpot dimc 2e6 vs ws 2e6 tie -> by label, digital_ws first
    assert win.loc[("geo", "energy"), "ours"] == "digital_ws 128x128 512KiB"
    assert win.loc[("geo", "energy"), "CarbonSpot"] == "digital_ws 128x128 512KiB"
    # resnet8 energy: ours dimc 2e6 < ws 4e6; CarbonSpot dimc 1e6 < 4e6: same winner
    assert bool(win.loc[("resnet8", "energy"), "same"])
    # autoencoder energy: ours ws (1e6 < 8e6), CarbonSpot ws (1e6 < 4e6)
    assert win.loc[("autoencoder", "energy"), "ours"] == "digital_ws 128x128 512KiB"
    # latency resnet8: ours ws 75 ns < dimc 300 ns; CarbonSpot ws 74.7 < 320: rank 1 both ways
    assert win.loc[("resnet8", "latency"), "CarbonSpot's winner ranks (ours)"] == 1
    assert win.loc[("geo", "carbon_pa"), "ours"] == "dimc 32x32 8KiB"


def test_the_shipped_reference_is_carbonspots_committed_sweep():
    # KULeuven-MICAS/carbonspot @ 0839b49, no_cme_expr_res_tiny.pkl (520 rows = 4 nets x 4 types x 26
    # (SRAM, dim) points + 104 geo rows) and no_cme_expr_res_mobile.pkl (600 rows = 4 x 4 x 30 + 120 geo)
    ref = load_reference()
    assert default_reference().is_file()
    assert (ref["suite"] == "tiny").sum() == 4 * 4 * 26 + 104
    assert (ref["suite"] == "mobile").sum() == 4 * 4 * 30 + 120
    row = ref[
        (ref["suite"] == "tiny")
        & (ref["workload"] == "ae")
        & (ref["acc_type"] == "pdigital_os")
        & (ref["sram_size_B"] == 8192)
        & (ref["dim"] == 128)
    ].iloc[0]
    # the pickle's row: E = 7.93705e6 pJ, 2184 cycles at 5 ns, so latency 10920 ns and EDP their product
    assert row["energy_pJ"] == pytest.approx(7.93705e6)
    assert row["latency_ns"] == pytest.approx(2184 * 5)
    assert row["edp_pj_ns"] == pytest.approx(7.93705e6 * 2184 * 5)
    # the paper's Tiny PA optimum on the geomean: DIMC, 8 KB SRAM, 32x32, 4.50e-9 g per inference
    geo = ref[(ref["suite"] == "tiny") & (ref["workload"] == "geo")]
    best = geo.sort_values("cf_pa_ex_pkg_g").iloc[0]
    assert (best["acc_type"], best["sram_size_B"], best["dim"]) == ("DIMC", 8192, 32)
    assert best["cf_pa_ex_pkg_g"] == pytest.approx(4.50e-9, rel=5e-3)


def test_a_reference_without_carbonspots_columns_is_a_one_line_error(tmp_path: Path):
    bad = tmp_path / "ref.csv"
    bad.write_text("suite,workload\ntiny,ae\n", encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_reference(bad)
    assert str(err.value) == f"{bad}: acc_type: missing column (expected CarbonSpot's results CSV)"
    with pytest.raises(SpecError, match="no such file"):
        load_reference(tmp_path / "missing.csv")
