"""CarbonSpot's study under the carbonspot profile, and its assumptions flipped one at a time.

A tiny subset (two or three designs, AutoEncoder: ten fully connected layers) keeps every run to seconds;
the numbers asserted are derived by hand from the rules (KULeuven-MICAS/carbonspot @ 0839b49, expr.py).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from carbonloop.costs.carbonspot_logic import ws_clock_ns
from carbonloop.errors import SpecError
from carbonloop.explore.space import load_space, space_from_dict
from carbonloop.explore.validate import (
    ASSUMPTIONS,
    STUDY,
    assumption_named,
    attribution,
    compare,
    load_reference,
    ratio_summary,
    run_study,
    study_points,
    study_setting,
    with_flip,
)
from carbonloop.model.conventions import CARBONLOOP, CARBONSPOT
from carbonloop.report.validation import attribution_report

DFF_AREA_MM2 = 0.000003684


def _space(**designs: object) -> object:
    doc = {
        "name": "tiny",
        "objective": "edp",
        "budget": 100,  # mappings scored per layer: seconds per run (deterministic)
        "parameters": "carbonspot",
        "accelerators": designs
        or {"digital": {"dataflow": ["os", "ws"], "dim": [32], "sram_bytes": ["32KiB"]}},
        "workloads": [{"name": "autoencoder", "fps": 1}],
    }
    return space_from_dict(doc, "<test space>")


def test_the_study_is_carbonspots_conventions_and_profile():
    assert study_setting(None) == (CARBONSPOT, "carbonspot")


def test_a_flipped_switch_takes_carbonloops_value_and_nothing_else():
    for a in (a for a in ASSUMPTIONS if a.kind == "conventions"):
        conv, profile = study_setting(a.name)
        assert profile == "carbonspot"
        assert getattr(conv, a.name) == getattr(CARBONLOOP, a.name) != getattr(CARBONSPOT, a.name)
        others = {k: v for k, v in conv.describe().items() if k != a.name}
        assert others == {k: v for k, v in CARBONSPOT.describe().items() if k != a.name}


def test_a_flipped_hardware_rule_is_a_profile():
    assert study_setting("sram_cost") == (CARBONSPOT, "carbonspot-sram_cost")
    with pytest.raises(SpecError, match="unknown assumption 'clock'"):
        assumption_named("clock")


def test_explore_under_carbonspot_builds_templates_with_the_profile():
    default = load_space("tiny")
    assert all("profile" not in d.kwargs for d in default.designs)  # default designs unchanged
    cs = default.with_options(conventions="carbonspot")
    assert all(d.kwargs["profile"] == "carbonspot" for d in cs.designs)
    assert len(cs.designs) == len(default.designs) == 104
    back = cs.with_options(conventions="carbonloop")
    assert back.designs == default.designs


def test_study_points_carry_the_flip_in_their_keys():
    sp = _space()
    conv, profile = study_setting("ws_clock")
    pts = study_points(sp, conv, profile, ("digital_ws",))
    assert [p.design.accel_type for p in pts] == ["digital_ws"]
    assert "profile=carbonspot-ws_clock" in pts[0].design.call
    study = study_points(sp, *study_setting(None))
    assert pts[0].key not in {p.key for p in study}


def test_ws_clock_flip_scales_latency_by_the_clock_only():
    sp = _space(digital={"dataflow": "ws", "dim": 32, "sram_bytes": "32KiB"})
    study = run_study(sp)
    flip = run_study(sp, "ws_clock")
    s, f = study.iloc[0], flip.iloc[0]
    assert s["status"] == f["status"] == "ok"
    # the mapping is chosen on cycles and energy: same cycles and energy, latency x 5 / 7.46648
    assert f["latency_cycles"] == s["latency_cycles"]
    assert f["energy_pj"] == pytest.approx(s["energy_pj"])
    assert s["clock_ns"] == pytest.approx(ws_clock_ns(32)) == pytest.approx(7.46648)
    assert f["latency_ns"] / s["latency_ns"] == pytest.approx(5.0 / 7.46648)


def test_register_area_flip_adds_every_pes_registers():
    sp = _space(digital={"dataflow": "os", "dim": 32, "sram_bytes": "32KiB"})
    study, flip = run_study(sp), run_study(sp, "register_area_once")
    # per-operand registers: O 16 b in each of 1024 PEs, W 8 b in each of 32 rows, I 8 b in each of 32
    # columns = 16 896 b instead of 32 b once: + 16 864 b x 3.684 um2 = 0.062127 mm2
    assert flip.iloc[0]["area_mm2"] - study.iloc[0]["area_mm2"] == pytest.approx(
        (1024 * 16 + 32 * 8 + 32 * 8 - 32) * DFF_AREA_MM2
    )
    assert flip.iloc[0]["energy_pj"] == pytest.approx(study.iloc[0]["energy_pj"])


def test_run_study_reuses_its_cache(tmp_path):
    sp = _space(digital={"dataflow": "os", "dim": 32, "sram_bytes": "32KiB"})
    first = run_study(sp, cache_dir=tmp_path)
    (cached,) = list(tmp_path.glob("tiny-study-*.csv"))
    doctored = first.copy()
    doctored["energy_pj"] = 1.0  # a reused file is read back, not recomputed
    doctored.to_csv(cached, index=False)
    assert run_study(sp, cache_dir=tmp_path)["energy_pj"].tolist() == [1.0]


def _record(accel: str, dim: int, sram: int, workload: str, ref_row: pd.Series, energy_x: float) -> dict:
    """Our record for a reference point: CarbonSpot's numbers, energy scaled by ``energy_x``."""
    e = ref_row["energy_pJ"] * energy_x
    return {
        "design_id": f"{accel}{dim}{sram}",
        "design": f"{accel} {dim}x{dim} {sram // 1024}KiB",
        "accelerator": "",
        "template": "digital",
        "accel_type": accel,
        "p_rows": dim,
        "p_cols": dim,
        "p_sram_bytes": sram,
        "workload": workload,
        "space": "tiny",
        "suite_size": 4,  # one of the suite's four networks: no geomean row of ours
        "status": "ok",
        "energy_pj": e,
        "latency_cycles": ref_row["latency_cycles"],
        "clock_ns": ref_row["tclk_ns"],
        "latency_ns": ref_row["latency_ns"],
        "edp_pj_ns": e * ref_row["latency_ns"],
        "area_mm2": ref_row["area_mm2"],
        "carbon_ca_ex_package_g": ref_row["cf_ca_ex_pkg_g"],
        "carbon_pa_ex_package_g": ref_row["cf_pa_ex_pkg_g"],
        "deadline_met": True,
    }


def test_attribution_tabulates_each_runs_ratios_and_winners():
    ref = load_reference()
    pick = ref[(ref["suite"] == "tiny") & (ref["workload"] == "ae") & (ref["sram_size_B"] == 32768)]
    os32 = pick[(pick["acc_type"] == "pdigital_os") & (pick["dim"] == 32)].iloc[0]
    ws32 = pick[(pick["acc_type"] == "pdigital_ws") & (pick["dim"] == 32)].iloc[0]
    study = pd.DataFrame(
        [
            _record("digital_os", 32, 32768, "autoencoder", os32, 1.0),
            _record("digital_ws", 32, 32768, "autoencoder", ws32, 1.0),
        ]
    )
    # the flip doubles the WS energy only: WS energy ratio 2, all-types geomean sqrt(1 x 2) = 1.4142
    flipped = with_flip(
        study, pd.DataFrame([_record("digital_ws", 32, 32768, "autoencoder", ws32, 2.0)]), ("digital_ws",)
    )
    summary, detail = attribution({STUDY: study, "x": flipped}, ref)
    s = summary.set_index("flipped to carbonloop")
    assert s.loc[STUDY, "energy geo"] == pytest.approx(1.0)
    assert s.loc["x", "energy geo"] == pytest.approx(2**0.5)
    assert s.loc[STUDY, "energy in 15%"] == 1.0 and s.loc["x", "energy in 15%"] == 0.5
    assert s.loc["x", "area geo"] == pytest.approx(1.0)
    d = detail.set_index(["flipped to carbonloop", "accel_type"])
    assert d.loc[("x", "digital_ws"), "energy"] == pytest.approx(2.0)
    assert d.loc[("x", "digital_os"), "energy"] == pytest.approx(1.0)
    # the study's ratios are the plain comparison's
    direct = ratio_summary(compare(study, ref)).set_index("accel_type")
    assert s.loc[STUDY, "latency geo"] == pytest.approx(direct.loc["all", "latency geo"])
    # CarbonSpot's own numbers: every winner is CarbonSpot's (AutoEncoder's 5 scenarios)
    assert s.loc[STUDY, "same winners"] == "5/5"
    text = attribution_report({STUDY: study, "sram_cost": flipped}, ref)
    assert "| sram_cost | hardware |" in text


def test_with_flip_keeps_the_other_types():
    study = pd.DataFrame({"accel_type": ["digital_os", "dimc"], "v": [1, 2]})
    out = with_flip(study, pd.DataFrame({"accel_type": ["dimc"], "v": [3]}), ("dimc",))
    assert sorted(zip(out["accel_type"], out["v"], strict=True)) == [("digital_os", 1), ("dimc", 3)]


def test_every_assumption_names_a_switch_or_a_rule():
    from carbonloop.hardware.carbonspot import RULES

    switches = {f.name for f in dataclasses.fields(CARBONSPOT)}
    for a in ASSUMPTIONS:
        assert a.name in (switches if a.kind == "conventions" else set(RULES))
    # every switch CarbonSpot's set differs in, and every hardware rule, is attributed
    differing = {k for k, v in CARBONSPOT.describe().items() if v != getattr(CARBONLOOP, k)}
    assert differing | set(RULES) == {a.name for a in ASSUMPTIONS}


def test_the_per_operand_registers_flip_builds_one_shared_register_on_every_type():
    # The flip sets the templates back to carbonloop's register: digital arrays get the private 32-bit
    # register of W, I and O again, IMC arrays no register under the cells; the study builds CarbonSpot's.
    from carbonloop.hardware.library import load_accelerator

    a = assumption_named("per_operand_registers")
    assert a.kind == "hardware" and set(a.accel_types) == {"digital_os", "digital_ws", "aimc", "dimc"}
    conv, profile = study_setting("per_operand_registers")
    assert conv == CARBONSPOT and profile == "carbonspot-per_operand_registers"
    digital_call = "digital(rows=4,cols=4,sram_bytes=8192,dataflow=ws,profile={})"
    imc_call = "imc(kind=dimc,rows=32,cols=32,sram_bytes=8192,profile={})"
    assert [m.name for m in load_accelerator(digital_call.format(profile)).memories][2:] == ["registers"]
    assert [m.name for m in load_accelerator(imc_call.format(profile)).memories][2:] == ["cells"]
    assert [m.name for m in load_accelerator(digital_call.format("carbonspot")).memories][2:] == [
        "w_reg",
        "i_reg",
        "o_reg",
    ]
    assert [m.name for m in load_accelerator(imc_call.format("carbonspot")).memories][2:] == [
        "cells",
        "i_reg",
        "o_reg",
    ]


def test_run_study_resumes_from_its_partial_records(tmp_path):
    """A run cut off mid-way keeps each finished point in ``*.partial.jsonl``; the next run reads them back
    instead of recomputing them (a doctored energy proves the read), runs the rest, and removes the file."""
    import json

    sp = _space(digital={"dataflow": "os", "dim": 32, "sram_bytes": "32KiB"})
    first = run_study(sp, cache_dir=tmp_path)
    (cached,) = list(tmp_path.glob("tiny-study-*.csv"))
    rec = first.iloc[0].to_dict()
    rec["energy_pj"] = 2.0
    partial = cached.with_suffix(".partial.jsonl")
    partial.write_text(json.dumps(rec) + "\n" + '{"key": "cut off mid-wri')
    cached.unlink()
    again = run_study(sp, cache_dir=tmp_path)
    assert again["energy_pj"].tolist() == [2.0]
    assert not partial.exists() and cached.is_file()
