"""carbonloop's mapper against ZigZag 3.9.1, side by side in one run (benchmarks/README.md).

Same layers, same hardware numbers (benchmarks/peers/tpu_like.zigzag.yaml is the tpu_like preset written
by hand in ZigZag's format), objective EDP per layer. ZigZag runs in its own venv through a subprocess,
so this process never imports it.

    python benchmarks/vs_zigzag.py [--networks resnet8,resnet18] [--peer-python $PEER_VENV/bin/python]
        [--conventions zigzag]

``--conventions zigzag`` scores every layer (our search and ZigZag's own loop nest) under carbonloop's
``zigzag`` convention set (src/carbonloop/model/conventions.py), so that the last two columns compare the two
models on the same mapping under the same rules.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import get_objective, search_layer, search_network
from carbonloop.model.conventions import get_conventions
from carbonloop.model.evaluate import LayerCost, evaluate
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
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


def run_peer(layers: list[Layer], python: str, tmp: Path, opt: str = "EDP") -> list[dict]:
    jobs = []
    for layer in layers:
        path = tmp / f"{layer.name}.yaml"
        path.write_text(yaml.safe_dump(zigzag_layer(layer), sort_keys=False))
        jobs.append({"name": layer.name, "workload": str(path), "dump": str(tmp / f"out_{layer.name}")})
    job = {
        "accelerator": str(PEERS / "tpu_like.zigzag.yaml"),
        "mapping": str(PEERS / "tpu_like.mapping.yaml"),
        "opt": opt,
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


def zigzag_mappings(peer: dict, layer: Layer) -> tuple[list[Mapping], bool]:
    """ZigZag's chosen loop nest as carbonloop mappings of ``tpu_like``, and whether they are exact.

    ZigZag lists, per operand, its memory levels innermost first (register, sram, dram), each with its
    loops innermost first; the operands share one loop list and differ only in where their levels cut
    it. A loop inside one operand's 1-element register is irrelevant to that operand (a relevant one would
    not fit), and an irrelevant loop directly above a tile keeps it stationary, so such loops sit at the
    bottom of carbonloop's sram level with the same counts. Where every operand cuts sram from dram at
    the same loop the translation is exact (one mapping); where they differ, carbonloop (one cut per
    level, as Timeloop) cannot hold it, and each operand's cut is offered in turn (``exact`` False).
    """
    temporal = peer["temporal"]
    nests = {op: [(d, round(f)) for level in levels for d, f in level] for op, levels in temporal.items()}
    flat = next(iter(nests.values()))
    if any(n != flat for n in nests.values()):
        raise ValueError(f"{layer.name}: ZigZag's operands disagree on the loop list")
    cuts = sorted({sum(len(lv) for lv in levels[:2]) for levels in temporal.values()})
    dims = set(layer.sizes)

    def loops(part: list[tuple[str, int]]) -> tuple[Loop, ...]:
        return tuple(Loop(d, f) for d, f in reversed(part) if f > 1 and d in dims)  # outermost first

    spatial = tuple(
        (axis, tuple(Loop(d, round(f)) for d, f in unroll if round(f) > 1 and d in dims))
        for axis, unroll in sorted(peer["spatial"].items())
    )
    spatial = tuple(a for a in spatial if a[1])
    out = [
        Mapping(
            (
                LevelMapping("dram", loops(flat[cut:])),
                LevelMapping("sram", loops(flat[:cut]), spatial),
                LevelMapping("registers"),
            ),
            source=f"<zigzag {layer.name}>",
        )
        for cut in cuts
    ]
    return out, len(cuts) == 1


def score_in_carbonloop(peer: dict, layer: Layer, acc: Accelerator, obj) -> tuple[LayerCost | None, bool]:
    """carbonloop's cost of ZigZag's mapping (the best fitting translation when it is not exact)."""
    maps, exact = zigzag_mappings(peer, layer)
    costs = []
    for m in maps:
        try:
            costs.append(evaluate(layer, acc, m))
        except SpecError:
            continue  # this operand's cut overflows carbonloop's shared sram
    if not costs:
        return None, exact
    return min(costs, key=lambda c: float(obj.value(c.energy_pj, c.latency_cycles))), exact


def unique_mac_layers(name: str) -> list[Layer]:
    """Each distinct MAC layer shape of a zoo network once (both tools would redo identical layers)."""
    layers: list[Layer] = []
    seen = set()
    for layer in zoo.get(name).layers:
        if layer.macs == 0:
            continue  # pooling and element-wise adds: not MAC layers (ZigZag models them differently)
        if layer.shape_key not in seen:
            seen.add(layer.shape_key)
            layers.append(layer)
    return layers


PEER_OPT = {"edp": "EDP", "energy": "energy", "latency": "latency"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="resnet8,resnet18")
    ap.add_argument("--objectives", default="edp,energy")
    default_peer = os.path.join(os.environ.get("PEER_VENV", "peer-venv"), "bin", "python")
    ap.add_argument("--peer-python", default=default_peer)
    ap.add_argument("--conventions", default="carbonloop", help="carbonloop | zigzag | timeloop")
    ap.add_argument("--no-timing", action="store_true", help="skip the CLI timing and network searches")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--cli-runs", type=int, default=3)
    args = ap.parse_args(argv)
    acc = dataclasses.replace(load_accelerator("tpu_like"), conventions=get_conventions(args.conventions))
    for objective in args.objectives.split(","):
        obj = get_objective(objective)
        for name in args.networks.split(","):
            layers = unique_mac_layers(name)
            ours = [search_layer(layer, acc, objective) for layer in layers]
            peer: list[dict] = []
            if not args.no_peer:
                with tempfile.TemporaryDirectory() as tmp:
                    peer = run_peer(layers, args.peer_python, Path(tmp), PEER_OPT[objective])
            report(name, objective, obj, layers, ours, peer, acc)
    if args.no_timing:
        return 0
    cli_timing(args.cli_runs)
    # network-level EDP against layer-by-layer EDP (one core)
    for level in ("layer", "network"):
        t0 = time.perf_counter()
        res = search_network(zoo.get("resnet8"), acc, "edp", level=level)  # type: ignore[arg-type]
        dt = time.perf_counter() - t0
        print(
            f"\nsearch_network(resnet8, tpu_like, 'edp', level={level!r}): {dt:.2f} s, "
            f"EDP {res.value:.6g} pJ*cycles, optimal={res.optimal}"
            + (
                f", per-layer EDP {res.per_layer_value:.6g} (gain {100 * (res.network_gain or 0.0):.2f} %)"
                if level == "network"
                else ""
            )
        )
    return 0


def cli_timing(runs: int) -> None:
    """Wall time of the whole command a user types, pinned to one core (taskset) when available."""
    cmd = [
        "carbonloop",
        "evaluate",
        "--workload",
        "resnet8",
        "--accelerator",
        "tpu_like",
        "--objective",
        "edp",
    ]
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(pin + cmd + ["--json"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    times.sort()
    print(
        f"\n`{' '.join(pin + cmd)}`: {times[len(times) // 2]:.2f} s median, {times[0]:.2f} s best "
        f"of {runs} runs (process start, imports, search of every layer, network EDP, inter-layer pass)"
    )


def report(name, objective, obj, layers, ours, peer, acc) -> None:
    """One markdown table: time, each tool's own numbers, and ZigZag's mapping scored by carbonloop."""
    print(f"\n## {name} on tpu_like, objective {objective} per layer ({len(layers)} unique layers)\n")
    print(
        "| layer | cl s | zz s | speed-up | cl energy pJ | zz energy pJ | cl latency | zz latency "
        "| cl / zz (own models) | cl / zz mapping in cl's model | zz mapping exact "
        "| zz mapping: energy cl/zz model | latency cl/zz model |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    cs = zs = 0.0
    worst = 0.0
    for i, (layer, r) in enumerate(zip(layers, ours, strict=True)):
        cs += r.seconds
        if not peer:
            print(
                f"| {r.layer} | {r.seconds:.2f} | - | - | {r.cost.energy_pj:.4g} | - | {r.cost.latency_cycles} "
                "| - | - | - | - | - | - |"
            )
            continue
        z = peer[i]
        zs += z["seconds"]
        own = r.value / float(obj.value(z["energy_pj"], z["latency_cycles"]))
        zc, exact = score_in_carbonloop(z, layer, acc, obj)
        if zc is None:
            same_s = e_s = l_s = "does not fit"
        else:
            same = r.value / float(obj.value(zc.energy_pj, zc.latency_cycles))
            if exact:
                worst = max(worst, same)
            same_s = f"{same:.3f}"
            e_s = f"{zc.energy_pj / z['energy_pj']:.3f}"
            l_s = f"{zc.latency_cycles / z['latency_cycles']:.3f}"
        print(
            f"| {r.layer} | {r.seconds:.2f} | {z['seconds']:.2f} | {z['seconds'] / r.seconds:.0f}x | "
            f"{r.cost.energy_pj:.4g} | {z['energy_pj']:.4g} | {r.cost.latency_cycles} | "
            f"{z['latency_cycles']:.0f} | {own:.3f} | {same_s} | {'yes' if exact else 'no'} | {e_s} | {l_s} |"
        )
    if peer:
        print(
            f"| **total** | {cs:.2f} | {zs:.2f} | {zs / cs:.0f}x | | | | | | max {worst:.3f} (exact) | | | |"
        )
    print(
        f"\ncarbonloop: every layer optimal: {all(r.optimal for r in ours)}; "
        f"mappings scored: {sum(r.evaluated for r in ours)}; {cs:.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
