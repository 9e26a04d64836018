"""``carbonloop validate imc``."""

from __future__ import annotations

import json

import pytest

from carbonloop.cli import run


def test_validate_imc_json_lists_seven_chips_with_ratios(capsys):
    rc = run(["validate", "imc", "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["label"] for c in data["chips"]] == [
        "AIMC1",
        "AIMC2",
        "AIMC3",
        "DIMC1",
        "DIMC2",
        "DIMC3",
        "DIMC4",
    ]
    for chip in data["chips"]:
        for metric in ("area_mm2", "clock_ns", "energy_fj_per_mac", "tops_per_w", "tops_per_mm2"):
            value = chip[metric]
            assert value["ratio"] == pytest.approx(value["model"] / value["reported"])
    aimc1 = data["chips"][0]
    # KULeuven-MICAS/zigzag-imc @ df34a6f aimc_validation.py: AIMC1 reports 1.9425 mm2, 44.444 ns, 1050 TOP/s/W
    assert aimc1["area_mm2"]["reported"] == 1.9425
    assert aimc1["clock_ns"]["reported"] == 44.444
    # clock = ADC 6 x (0.00653 x 1024 + 0.64) + NOR 0.0478 = 44.008 ns (zigzag-imc imc_unit.py: ADC, NOR delays)
    assert aimc1["clock_ns"]["model"] == pytest.approx(6 * (0.00653 * 1024 + 0.64) + 0.0478)


def test_validate_imc_table_names_every_chip(capsys):
    assert run(["validate", "imc", "--chip", "AIMC3", "--chip", "dimc3"]) == 0
    out = capsys.readouterr().out
    assert "AIMC3" in out and "DIMC3" in out and "DIMC1" not in out
    assert "1.88 / 1.987 / 1.057" in out  # AIMC3 area: reported / model / ratio


def test_validate_imc_writes_the_figure(tmp_path, capsys):
    target = tmp_path / "fig" / "imc.png"
    assert run(["validate", "imc", "--plot", str(target), "--chip", "DIMC1"]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(target) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "imc", "--plot", "out.txt"], "error: --plot: plot: unsupported figure format '.txt'"),
        (["validate", "imc", "--chip", "TPU1"], "error: --chip: chip: unknown chip TPU1"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, message, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert err.count("\n") == 1


def _carbonspot_case(tmp_path):
    """One DIMC design on two Tiny networks, and CarbonSpot's rows for it with half our energy."""
    from carbonloop.explore.store import ResultStore

    def ours(workload: str, e: float, cycles: int) -> dict:
        return {
            "key": f"dimc32-{workload}",
            "design_id": "dimc32",
            "design": "dimc 32x32 8KiB",
            "accelerator": "",
            "template": "imc",
            "accel_type": "dimc",
            "p_rows": 32,
            "p_cols": 32,
            "p_sram_bytes": 8192,
            "workload": workload,
            "space": "tiny",
            "suite_size": 2,
            "status": "ok",
            "energy_pj": e,
            "latency_cycles": cycles,
            "clock_ns": 3.0,
            "latency_ns": cycles * 3.0,
            "edp_pj_ns": e * cycles * 3.0,
            "area_mm2": 0.1,
            "carbon_ca_ex_package_g": e * 1e-16,
            "carbon_pa_ex_package_g": 1e-9,
            "deadline_met": True,
        }

    store = tmp_path / "r.sqlite"
    with ResultStore(store) as st:
        st.put_many([ours("resnet8", 2e6, 100), ours("autoencoder", 8e6, 400)])
    ref = tmp_path / "ref.csv"
    ref.write_text(
        "suite,workload,acc_type,sram_size_B,dim,area_mm2,latency_cycles,tclk_ns,energy_pJ,"
        "cf_ca_ex_pkg_g,cf_pa_ex_pkg_g\n"
        "tiny,resnet8,DIMC,8192,32,0.085,100,3.2026,1e6,1e-10,1e-9\n"
        "tiny,ae,DIMC,8192,32,0.085,400,3.2026,4e6,4e-10,1e-9\n"
        "tiny,geo,DIMC,8192,32,0.085,200,3.2026,2e6,2e-10,1e-9\n",
        encoding="utf-8",
    )
    return store, ref


def test_validate_carbonspot_writes_markdown_and_csv(tmp_path, capsys):
    store, ref = _carbonspot_case(tmp_path)
    out, table = tmp_path / "v.md", tmp_path / "c.csv"
    args = [
        "validate",
        "carbonspot",
        str(store),
        "--reference",
        str(ref),
        "-o",
        str(out),
        "--csv",
        str(table),
    ]
    assert run(args) == 0
    text = out.read_text()
    # two points and the geo row; energy ratio 2e6 / 1e6 = 2 on both, so 2 on the geomean
    assert "Points compared: 2 (+ 1 geomean rows)" in text
    assert "| dimc | 2 | 2 |" in text
    import pandas as pd

    cmp = pd.read_csv(table)
    assert len(cmp) == 3
    resnet = cmp[cmp["workload"] == "resnet8"].iloc[0]
    assert resnet["latency ours"] == pytest.approx(300.0)  # 100 cycles x 3 ns
    assert resnet["latency CarbonSpot"] == pytest.approx(320.26)  # 100 cycles x 3.2026 ns


def test_validate_carbonspot_uses_the_shipped_reference_by_default(tmp_path, capsys):
    store, _ = _carbonspot_case(tmp_path)
    assert run(["validate", "carbonspot", str(store), "--no-points"]) == 0
    out = capsys.readouterr().out
    # CarbonSpot's committed sweep has DIMC 8 KiB 32x32 on ResNet8 and AE: both points match
    assert "Points compared: 2 (+ 1 geomean rows)" in out


def test_validate_carbonspot_bad_input_is_one_line(tmp_path, capsys):
    store, ref = _carbonspot_case(tmp_path)
    assert run(["validate", "carbonspot", str(tmp_path / "none.sqlite")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "none.sqlite" in err
    assert run(["validate", "carbonspot", str(store), "--reference", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'nope.csv'}: --reference: no such file\n"


def test_validate_carbonspot_never_mixes_spaces(tmp_path, capsys):
    from carbonloop.explore.store import ResultStore

    store, ref = _carbonspot_case(tmp_path)
    with ResultStore(store) as st:
        other = next(st.records())
        st.put({**other, "key": "other", "space": "quick"})
    assert run(["validate", "carbonspot", str(store), "--reference", str(ref)]) == 2
    assert (
        "--space: the store holds several spaces, choose one of ['quick', 'tiny']" in capsys.readouterr().err
    )
    assert run(["validate", "carbonspot", str(store), "--reference", str(ref), "--space", "tiny"]) == 0
    assert "Points compared: 2 (+ 1 geomean rows)" in capsys.readouterr().out
