"""ZigZag 3.9.1's golden cases run through carbonloop as a new user would (docs/validation-zigzag.md).

The 37 cases of ``tests/main`` in the zigzag-dse 3.9.1 wheel (KULeuven-MICAS/zigzag, MIT) that call
``get_hardware_performance_zigzag[_imc](workload, accelerator, mapping)``: ResNet-18 (ONNX and YAML) and a
GEMM on tpu_like, tesla_npu_like, ascend_like, edge_tpu_like, meta_prototype, gemm_l1(_l3) and the AIMC/DIMC
designs. Each is scored by ``carbonloop.cli.interop_eval.zigzag_cost`` (what ``carbonloop evaluate
--accelerator <hw> --workload <wl> --mapping <map> --conventions zigzag`` runs), searching the layers whose
mapping has no temporal ordering for ZigZag's objective (latency, then energy), seeded with ZigZag's own
loop orders (interop/zigzag_loma.py) and stopped at ``--budget`` mappings or ``--seconds`` per layer, and
compared with the expected (energy pJ, latency cycles) the test asserts.

    pip download zigzag-dse==3.9.1 --no-deps -d zz && unzip -q zz/zigzag_dse-3.9.1-py3-none-any.whl -d zz
    python benchmarks/vs_zigzag_golden.py --zigzag-root zz [--budget 1000] [--seconds 20] [--cases tpu_like] [--json out.json]

The wheel does not ship ``resnet18.yaml`` or ``gemm_layer.yaml``: ``--yaml-workloads DIR`` names a folder
holding them, by default carbonloop's copy of the repository's ``resnet18.yaml``
(src/carbonloop/interop/data/zigzag/README.md). The 3.9.1 ``gemm_layer.yaml`` is not known (the repository's
versions name dimensions the gemm mappings do not use), so the two GEMM cases report a missing input.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

from carbonloop.cli.interop_eval import zigzag_cost
from carbonloop.errors import SpecError
from carbonloop.mapper.search import Budget

ONNX, YAML, GEMM = "resnet18.onnx", "resnet18.yaml", "gemm_layer.yaml"


@dataclass(frozen=True)
class Case:
    test: str  # file under tests/main of the wheel
    hardware: str  # zigzag/inputs/hardware/<hardware>.yaml
    mapping: str  # zigzag/inputs/mapping/<mapping>.yaml
    workload: str
    energy_pj: float  # expected by the test (pytest.approx)
    latency_cycles: float
    option: str = ""  # a keyword argument of the ZigZag call carbonloop has no equivalent of


def _pair(
    test: str, hw: str, mp: str, onnx: tuple[float, float], yaml: tuple[float, float], option: str = ""
):
    return [Case(test, hw, mp, ONNX, *onnx, option), Case(test, hw, mp, YAML, *yaml, option)]


# Expected values as asserted in zigzag-dse 3.9.1, tests/main/<test> (ens_lats / ens_lats_clks_areas).
CASES: list[Case] = [
    *_pair("test_imc/test_aimc.py", "aimc", "default_imc", (4695729577.211851, 5050846.0), (4264976904.6396008, 4371385.0)),
    *_pair("test_imc/test_dimc.py", "dimc", "default_imc", (4726170712.825855, 5681000.0), (4268285089.3547516, 5114707.0)),
    *_pair("test_origin/test_ascend_like.py", "ascend_like", "ascend_like", (1828398711.2800004, 3017759.0), (2377568348.08, 3947490.0)),
    *_pair("test_origin/test_edge_tpu_like.py", "edge_tpu_like", "edge_tpu_like", (1903229377.5499992, 3051339.0), (2413348670.67, 3956848.0)),
    *_pair("test_origin/test_meta_prototype_like.py", "meta_prototype", "meta_prototype_like", (1824433670.7199998, 2723036.0), (2325711068.92, 3327467.0)),
    *_pair("test_origin/test_tesla_npu_like.py", "tesla_npu_like", "tesla_npu_like", (1834852275.688, 2712475.0), (2342724583.4800005, 3299763.0)),
    *_pair("test_origin/test_tpu_like.py", "tpu_like", "tpu_like", (1871436380.6559997, 3865041.0), (2615172831.3759995, 5817949.0)),
    Case("test_origin/test_gemm_l1.py", "gemm_l1", "gemm_l1", GEMM, 511349.76000000007, 8191.0, "lpf_limit=3"),
    Case("test_origin/test_gemm_l1_l3.py", "gemm_l1_l3", "gemm_l1_l3", GEMM, 19860090.879999995, 8704.0),
    Case("test_parserless_apitest_ascend_like.py", "ascend_like", "ascend_like", YAML, 2377568348.08, 3947490.0),
    *_pair("test_with_exploit_data_locality/test_ascend_like.py", "ascend_like", "ascend_like", (1756026366.3999999, 3014972.0), (2283731834.88, 3941172.0), "exploit_data_locality"),
    *_pair("test_with_exploit_data_locality/test_edge_tpu_like.py", "edge_tpu_like", "edge_tpu_like", (1783892066.1100001, 2959128.0), (2115121959.8699996, 3727268.0), "exploit_data_locality"),
    *_pair("test_with_exploit_data_locality/test_meta_prototype_like.py", "meta_prototype", "meta_prototype_like", (1715225127.8400004, 2699152.0), (2200938143.64, 3296374.0), "exploit_data_locality"),
    *_pair("test_with_exploit_data_locality/test_tesla_npu_like.py", "tesla_npu_like", "tesla_npu_like", (1696005062.728, 2706959.0), (2188269839.3200006, 3288695.0), "exploit_data_locality"),
    *_pair("test_with_exploit_data_locality/test_tpu_like.py", "tpu_like", "tpu_like", (1735241704.2240005, 3783401.0), (2302362179.968, 5596155.0), "exploit_data_locality"),
    *_pair("test_with_mix_spatial_mapping/test_ascend_like.py", "ascend_like", "ascend_like_mixed", (1766826314.5600004, 3119968.0), (2358058383.36, 3715904.0), "enable_mix_spatial_mapping"),
    *_pair("test_with_mix_spatial_mapping/test_edge_tpu_like.py", "edge_tpu_like", "edge_tpu_like_mixed", (1735517943.8700001, 3839472.0), (2029477205.31, 4597617.0), "enable_mix_spatial_mapping"),
    *_pair("test_with_mix_spatial_mapping/test_meta_prototype_like.py", "meta_prototype", "meta_prototype_like_mixed", (1751507661.28, 2698392.0), (2249214190.04, 3276491.0), "enable_mix_spatial_mapping"),
    *_pair("test_with_mix_spatial_mapping/test_tesla_npu_like.py", "tesla_npu_like", "tesla_npu_like_mixed", (1596842712.428, 2316210.0), (2083670444.2840002, 2874405.0), "enable_mix_spatial_mapping"),
    *_pair("test_with_mix_spatial_mapping/test_tpu_like.py", "tpu_like", "tpu_like_mixed", (1759424218.3160002, 4277223.0), (2191903732.78, 4705324.0), "enable_mix_spatial_mapping"),
]  # fmt: skip


def run_case(case: Case, root: Path, yaml_dir: Path | None, budget: Budget) -> dict:
    inputs = root / "zigzag" / "inputs"
    hw = inputs / "hardware" / f"{case.hardware}.yaml"
    mp = inputs / "mapping" / f"{case.mapping}.yaml"
    wl = inputs / "workload" / case.workload
    if not wl.is_file() and yaml_dir is not None:
        wl = yaml_dir / case.workload
    command = (
        f"carbonloop evaluate --accelerator {hw.relative_to(root)} --workload "
        f"{wl.relative_to(root) if wl.is_relative_to(root) else wl.name} --mapping {mp.relative_to(root)} "
        "--conventions zigzag"
    )
    row: dict = {**case.__dict__, "command": command}
    if not wl.is_file():
        return {**row, "runs": False, "error": f"{case.workload} is not in the zigzag-dse 3.9.1 wheel"}
    t0 = time.perf_counter()
    try:
        result, notes = zigzag_cost(hw, wl, mp, conventions="zigzag", budget=budget)
    except SpecError as err:
        return {**row, "runs": False, "error": f"error: {err}"}
    return {
        **row,
        "runs": True,
        "seconds": round(time.perf_counter() - t0, 1),
        "ours_energy_pj": result.energy_pj,
        "ours_latency_cycles": result.latency_cycles,
        "energy_ratio": result.energy_pj / case.energy_pj,
        "latency_ratio": result.latency_cycles / case.latency_cycles,
        "layers": len(result.layers),
        "unproven_note": next((n for n in notes if "budget" in n), ""),
    }


def markdown(rows: list[dict]) -> str:
    """The validation table of docs/validation-zigzag.md: one row per golden case."""
    out = [
        "| # | test (tests/main/) | workload | runs | energy pJ: ZigZag | ours | ours/ZigZag "
        "| latency cycles: ZigZag | ours | ours/ZigZag |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(rows, 1):
        head = f"| {i} | {r['test']}{' (' + r['option'] + ')' if r['option'] else ''} | {r['workload']} "
        if not r["runs"]:
            out.append(
                head + f"| no: {r['error']} | {r['energy_pj']:.4g} | | | {r['latency_cycles']:.0f} | | |"
            )
            continue
        out.append(
            head + f"| yes | {r['energy_pj']:.4g} | {r['ours_energy_pj']:.4g} | {r['energy_ratio']:.3f} "
            f"| {r['latency_cycles']:.0f} | {r['ours_latency_cycles']:.0f} | {r['latency_ratio']:.3f} |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zigzag-root", type=Path, required=True, help="the unzipped zigzag-dse 3.9.1 wheel")
    ap.add_argument(
        "--yaml-workloads",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "src" / "carbonloop" / "interop" / "data" / "zigzag",
        help="folder with resnet18.yaml (and gemm_layer.yaml)",
    )
    ap.add_argument(
        "--budget", type=int, default=1000, help="mappings scored per searched layer (0: no limit)"
    )
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds per searched layer (0: no limit)")
    ap.add_argument("--cases", default="", help="comma-separated substrings of test file or hardware names")
    ap.add_argument("--json", type=Path, default=None, help="write the rows as JSON")
    ap.add_argument("--from-json", type=Path, nargs="*", default=None, help="print the table of saved runs")
    ap.add_argument(
        "--reuse",
        type=Path,
        nargs="*",
        default=None,
        help="saved runs (--json) whose results serve the cases on the same files (hardware, mapping, workload)",
    )
    args = ap.parse_args()
    if args.from_json:
        saved = {
            (r["test"], r["workload"]): r for path in args.from_json for r in json.loads(path.read_text())
        }
        order = {
            (c.test, c.workload): i for i, c in enumerate(CASES)
        }  # a later file's row replaces an earlier
        print(markdown(sorted(saved.values(), key=lambda r: order[(r["test"], r["workload"])])))
        return
    wanted = [w for w in args.cases.split(",") if w]
    rows = []
    scored: dict[tuple[str, str, str], dict] = {}
    for path in args.reuse or []:
        for r in json.loads(path.read_text()):
            if r["runs"] and "same_as" not in r:
                scored[(r["hardware"], r["mapping"], r["workload"])] = r
    print("| test | workload | runs | energy ours/ZigZag | latency ours/ZigZag | s |")
    print("|---|---|---|---|---|---|")
    for case in CASES:
        if wanted and not any(w in case.test or w == case.hardware for w in wanted):
            continue
        budget = Budget(args.budget or None, args.seconds or None)
        key = (case.hardware, case.mapping, case.workload)
        if key in scored and scored[key]["runs"]:  # same files (a ZigZag-only option differs): same result
            row = {**scored[key], **case.__dict__, "same_as": scored[key]["test"]}
            row["energy_ratio"] = row["ours_energy_pj"] / case.energy_pj
            row["latency_ratio"] = row["ours_latency_cycles"] / case.latency_cycles
        else:
            row = scored[key] = run_case(case, args.zigzag_root, args.yaml_workloads, budget)
        rows.append(row)
        if row["runs"]:
            print(
                f"| {case.test} | {case.workload} | yes | {row['energy_ratio']:.3f} | "
                f"{row['latency_ratio']:.3f} | {row['seconds']} |",
                flush=True,
            )
        else:
            print(f"| {case.test} | {case.workload} | no: {row['error'][:120]} | | | |", flush=True)
        if args.json is not None:
            args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
