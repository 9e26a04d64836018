"""carbonloop's mapper against ZigZag 3.9.1, side by side in one run (benchmarks/README.md).

Same layers, same hardware numbers (benchmarks/peers/tpu_like.zigzag.yaml is the tpu_like preset written
by hand in ZigZag's format), objective EDP per layer. ZigZag runs in its own venv through a subprocess,
so this process never imports it.

    python benchmarks/vs_zigzag.py [--networks resnet8,resnet18] [--peer-python /work/peer-venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import Budget, search_layer, search_network
from carbonloop.workload import zoo
from carbonloop.workload.layer import Layer

HERE = Path(__file__).parent
PEERS = HERE / "peers"


def zigzag_layer(layer: Layer) -> list[dict]:
    """One layer as a ZigZag workload YAML (a conv; an FC is a 1x1 conv on a 1x1 image)."""
    s = layer.sizes
    info = layer.info
    sy, sx = info.get("stride", [1, 1]) if isinstance(info.get("stride"), list) else (1, 1)
    if layer.kind in ("fc", "matmul"):
        sizes = {
            "B": 1,
            "K": s.get("K", 1),
            "C": s.get("C", 1),
            "OY": s.get("OY", 1),
            "OX": 1,
            "FY": 1,
            "FX": 1,
        }
    else:
        sizes = {d: s.get(d, 1) for d in ("B", "K", "C", "OY", "OX", "FY", "FX")}
    return [
        {
            "id": 0,
            "name": layer.name,
            "operator_type": "Conv",
            "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
            "dimension_relations": [f"ix={sx}*ox+1*fx", f"iy={sy}*oy+1*fy"],
            "loop_dims": list(sizes),
            "loop_sizes": list(sizes.values()),
            "operand_precision": {"W": 8, "I": 8, "O": 16, "O_final": 8},
            "operand_source": {"I": 0, "W": 0},
        }
    ]


def run_peer(layers: list[Layer], python: str, tmp: Path) -> list[dict]:
    jobs = []
    for layer in layers:
        path = tmp / f"{layer.name}.yaml"
        path.write_text(yaml.safe_dump(zigzag_layer(layer), sort_keys=False))
        jobs.append({"name": layer.name, "workload": str(path), "dump": str(tmp / f"out_{layer.name}")})
    job = {
        "accelerator": str(PEERS / "tpu_like.zigzag.yaml"),
        "mapping": str(PEERS / "tpu_like.mapping.yaml"),
        "opt": "EDP",
        "layers": jobs,
    }
    job_path = tmp / "jobs.json"
    job_path.write_text(json.dumps(job))
    proc = subprocess.run(
        [python, str(PEERS / "run_zigzag.py"), str(job_path)], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        raise RuntimeError(f"zigzag failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="resnet8,resnet18")
    ap.add_argument("--peer-python", default="/work/peer-venv/bin/python")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument(
        "--budget-seconds", type=float, default=1.0, help="also run carbonloop with this budget per layer"
    )
    args = ap.parse_args(argv)
    acc = load_accelerator("tpu_like")
    for name in args.networks.split(","):
        net = zoo.get(name)
        # unique shapes only (ZigZag and carbonloop alike would redo identical layers)
        layers: list[Layer] = []
        seen = set()
        for layer in net.layers:
            if layer.macs == 0:
                continue  # pooling and element-wise adds: not MAC layers (ZigZag models them differently)
            key = (layer.dims, tuple((o.axes, o.bits) for o in layer.operands))
            if key not in seen:
                seen.add(key)
                layers.append(layer)
        ours = [search_layer(layer, acc, "edp") for layer in layers]
        budgeted = [
            search_layer(layer, acc, "edp", budget=Budget(seconds=args.budget_seconds)) for layer in layers
        ]
        peer: list[dict] = []
        if not args.no_peer:
            with tempfile.TemporaryDirectory() as tmp:
                peer = run_peer(layers, args.peer_python, Path(tmp))
        print(f"\n## {name} on tpu_like (objective EDP per layer; {len(layers)} unique layers)\n")
        print(
            "| layer | cl s | zz s | speed-up | cl energy pJ | zz energy pJ | cl latency | zz latency | cl EDP / zz EDP |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        tot = {"cs": 0.0, "zs": 0.0, "ce": 0.0, "ze": 0.0, "cl": 0.0, "zl": 0.0}
        for i, r in enumerate(ours):
            z = peer[i] if peer else None
            tot["cs"] += r.seconds
            tot["ce"] += r.cost.energy_pj
            tot["cl"] += r.cost.latency_cycles
            if z:
                tot["zs"] += z["seconds"]
                tot["ze"] += z["energy_pj"]
                tot["zl"] += z["latency_cycles"]
                ratio = r.value / (z["energy_pj"] * z["latency_cycles"])
                print(
                    f"| {r.layer} | {r.seconds:.2f} | {z['seconds']:.2f} | {z['seconds'] / r.seconds:.0f}x | "
                    f"{r.cost.energy_pj:.4g} | {z['energy_pj']:.4g} | {r.cost.latency_cycles} | "
                    f"{z['latency_cycles']:.0f} | {ratio:.3f} |"
                )
            else:
                print(
                    f"| {r.layer} | {r.seconds:.2f} | - | - | {r.cost.energy_pj:.4g} | - | {r.cost.latency_cycles} | - | - |"
                )
        if peer:
            print(
                f"| **total** | {tot['cs']:.2f} | {tot['zs']:.2f} | {tot['zs'] / tot['cs']:.0f}x | {tot['ce']:.4g} | "
                f"{tot['ze']:.4g} | {tot['cl']:.0f} | {tot['zl']:.0f} | "
                f"{(tot['ce'] * tot['cl']) / (tot['ze'] * tot['zl']):.3f} |"
            )
        print(
            f"\ncarbonloop exhaustive: every layer optimal: {all(r.optimal for r in ours)}; "
            f"mappings scored: {sum(r.evaluated for r in ours)}"
        )
        same = sum(abs(b.value - r.value) <= 1e-9 * r.value for b, r in zip(budgeted, ours, strict=True))
        tb = sum(b.seconds for b in budgeted)
        zs = sum(z["seconds"] for z in peer) if peer else float("nan")
        print(
            f"carbonloop with Budget(seconds={args.budget_seconds:g}) per layer: {tb:.2f} s in total "
            f"({zs / tb:.0f}x faster than zigzag), same optimum as exhaustive on {same}/{len(ours)} layers, "
            f"largest reported gap {max(b.gap for b in budgeted):.3f}"
        )
    # the network-level timing the issue asks for (one core)
    for level in ("layer", "network"):
        t0 = time.perf_counter()
        res = search_network(zoo.get("resnet8"), acc, "edp", level=level)  # type: ignore[arg-type]
        dt = time.perf_counter() - t0
        print(
            f"\nsearch_network(resnet8, tpu_like, 'edp', level={level!r}): {dt:.2f} s, "
            f"EDP {res.value:.6g} pJ*cycles, optimal={res.optimal}"
            + (
                f", per-layer EDP {res.extra['per_layer_value']:.6g} (gain {100 * res.extra['network_gain']:.2f} %)"
                if level == "network"
                else ""
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
