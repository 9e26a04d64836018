"""A synthetic sweep (no mapper): 4 accelerator types x 2 array sizes x 2 SRAM sizes x 2 workloads."""

from __future__ import annotations

import pandas as pd
import pytest

COMPONENTS = ("operational", "idle_leakage", "epa", "gpa", "mpa", "dram", "package")


def synthetic_records() -> list[dict]:
    recs = []
    types = {
        "digital_os": ("digital", "os"),
        "digital_ws": ("digital", "ws"),
        "aimc": ("imc", None),
        "dimc": ("imc", None),
    }
    for ti, (acc_type, (template, flow)) in enumerate(types.items()):
        for dim in (32, 128):
            for sram in (8192, 131072):
                label = f"{acc_type} {dim}x{dim} {sram // 1024}KiB"
                for wi, wl in enumerate(("net_a", "net_b")):
                    e = 1e6 * (1 + ti) * (1 + wi) * (dim / 32) ** 0.5
                    t = 1e5 / dim * (1 + wi) * (1 + 0.1 * ti)
                    area = 0.001 * dim * dim / 32 + sram / 1e6
                    r = {
                        "key": f"{label}:{wl}",
                        "design_id": label.replace(" ", "_"),
                        "design": label,
                        "accelerator": label,
                        "template": template,
                        "accel_type": acc_type,
                        "p_rows": dim,
                        "p_cols": dim,
                        "p_sram_bytes": sram,
                        "workload": wl,
                        "space": "synthetic",
                        "suite_size": 2,
                        "status": "ok",
                        "error": None,
                        "energy_pj": e,
                        "latency_ns": t,
                        "latency_cycles": int(t / 5),
                        "edp_pj_ns": e * t,
                        "area_mm2": area,
                        "tops": 2e6 / t / 1e3,
                        "tops_per_w": 2e6 / e,
                        "tops_per_mm2": 2e6 / t / 1e3 / area,
                        "carbon_ca_ex_package_g": 1e-10 * e / 1e6 + 1e-12 * area * t,
                        "carbon_pa_ex_package_g": 1e-10 * e / 1e6 + 1e-9 * area,
                        "deadline_met": True,
                    }
                    if flow:
                        r["p_dataflow"] = flow
                    else:
                        r["p_kind"] = acc_type
                    for scen in ("ca", "pa"):
                        total = r[f"carbon_{scen}_ex_package_g"]
                        for i, comp in enumerate(COMPONENTS):
                            r[f"{scen}_{comp}_g"] = total * (i + 1) / 20
                        r[f"carbon_{scen}_g"] = total * 1.4
                    recs.append(r)
    recs.append(
        {
            "key": "broken:net_a",
            "design_id": "broken",
            "design": "dimc 4096x4096 8KiB",
            "accelerator": "imc(...)",
            "template": "imc",
            "accel_type": "dimc",
            "workload": "net_a",
            "space": "synthetic",
            "suite_size": 2,
            "status": "error",
            "error": "SpecError: <imc template>: sram_bytes: too few rows",
        }
    )
    return recs


@pytest.fixture
def sweep() -> pd.DataFrame:
    return pd.DataFrame(synthetic_records())
