"""carbonloop's mapper against ZigZag 3.9.1, side by side in one run (benchmarks/README.md).

Same layers, same hardware numbers (benchmarks/peers/tpu_like.zigzag.yaml is the tpu_like preset written
by hand in ZigZag's format), objective EDP per layer. ZigZag runs in its own venv through a subprocess,
so this process never imports it.

    python benchmarks/vs_zigzag.py [--networks resnet8,resnet18] [--peer-python $PEER_VENV/bin/python]
        [--conventions zigzag]

``--conventions zigzag`` scores every layer (our search and ZigZag's own loop nest) under carbonloop's
``zigzag`` convention set (src/carbonloop/model/conventions.py), so that the last two columns compare the two
models on the same mapping under the same rules.

``--peer-json DIR`` keeps ZigZag's results (its loop nests, energies, latencies and, from
``peers/run_zigzag.py``, its word counts per operand, level and direction and its port activities) in
``DIR/<network>.<objective>.json``, read instead of rerunning ZigZag when present. ``--nests-only`` prints
only ZigZag's own nests scored in carbonloop, the table of docs/validation-zigzag.md.

carbonloop's ``tpu_like`` is given the peer file's minimum accesses (``with_peer_min_access``: each port's
``bandwidth_min`` as the operand's ``min_read_bits``/``min_write_bits``), so both tools price the same
hardware; the preset itself has none.
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


PEER_LEVELS = {
    "w_reg": "registers",
    "i_reg": "registers",
    "o_reg": "registers",
    "sram": "sram",
    "dram": "dram",
}
"""carbonloop's ``tpu_like`` level of each memory of ``peers/tpu_like.zigzag.yaml``."""
PEER_ROLES = {"I2": "W", "I1": "I", "O": "O"}


def with_peer_min_access(acc: Accelerator) -> Accelerator:
    """``acc`` with each level's smallest read and write per operand taken from the peer file's ports
    (``bandwidth_min`` of the port allocated to the operand's reads, ``tl``/``th``, and writes, ``fh``/``fl``):
    the same hardware in both tools. Only the outputs' 16 b register (``o_reg``) has a minimum above an
    operand's 8 b; ZigZag 3.9.1 charges each transfer ``ceil(bits / bandwidth_min)`` of its minimum
    (``zigzag/cost_model/cost_model.py``, ``_calc_memory_access``)."""
    peer = yaml.safe_load((PEERS / "tpu_like.zigzag.yaml").read_text())
    found: dict[str, dict[str, dict[str, int]]] = {}
    for name, mem in peer["memories"].items():
        level = found.setdefault(PEER_LEVELS[name], {"read": {}, "write": {}})
        for port in mem["ports"]:
            for alloc in port["allocation"]:
                op, direction = (x.strip() for x in alloc.split(","))
                kind = "read" if direction in ("tl", "th") else "write"
                level[kind][PEER_ROLES[op]] = int(port["bandwidth_min"])
    memories = tuple(
        dataclasses.replace(
            m,
            min_read_bits=tuple(sorted(found[m.name]["read"].items())),
            min_write_bits=tuple(sorted(found[m.name]["write"].items())),
        )
        for m in acc.memories
    )
    return dataclasses.replace(acc, memories=memories)


def split_sram(acc: Accelerator, groups: list[tuple[str, ...]]) -> Accelerator:
    """``acc`` with its ``sram`` split into virtual levels, one per group of operands (outermost first):
    the same physical memory (joint capacity, area once), each group cutting the loop nest at its own
    loop (docs/model.md, "Per-operand memories"). One group: ``acc`` unchanged."""
    if len(groups) == 1:
        return acc
    at = acc.level_index("sram")
    sram = acc.memories[at]
    virtual = tuple(
        dataclasses.replace(sram, name=f"sram.{''.join(g)}", operands=frozenset(g), physical="sram")
        for g in groups
    )
    return dataclasses.replace(acc, memories=acc.memories[:at] + virtual + acc.memories[at + 1 :])


def zigzag_mappings(peer: dict, layer: Layer, acc: Accelerator) -> tuple[Accelerator, Mapping]:
    """ZigZag's chosen loop nest as a carbonloop mapping, on ``acc`` (``tpu_like``) or on ``acc`` with its
    sram split into per-operand virtual levels.

    ZigZag lists, per operand, its memory levels innermost first (register, sram, dram), each with its
    loops innermost first; the operands share one loop list and differ only in where their levels cut
    it. A loop inside one operand's 1-element register is irrelevant to that operand (a relevant one would
    not fit), and an irrelevant loop directly above a tile keeps it stationary, so such loops sit at the
    bottom of carbonloop's sram level with the same counts. Where the operands cut sram from dram at
    different loops, the sram becomes one virtual level per cut, the operand with the most loops inside
    its sram tile outermost: the translation is exact either way.
    """
    temporal = peer["temporal"]
    nests = {op: [(d, round(f)) for level in levels for d, f in level] for op, levels in temporal.items()}
    flat = next(iter(nests.values()))
    if any(n != flat for n in nests.values()):
        raise ValueError(f"{layer.name}: ZigZag's operands disagree on the loop list")
    cut_of = {op: sum(len(lv) for lv in levels[:2]) for op, levels in temporal.items()}
    cuts = sorted(set(cut_of.values()), reverse=True)  # outermost virtual level first
    groups = [tuple(sorted(op for op, c in cut_of.items() if c == cut)) for cut in cuts]
    dims = set(layer.sizes)

    def loops(part: list[tuple[str, int]]) -> tuple[Loop, ...]:
        return tuple(Loop(d, f) for d, f in reversed(part) if f > 1 and d in dims)  # outermost first

    spatial = tuple(
        (axis, tuple(Loop(d, round(f)) for d, f in unroll if round(f) > 1 and d in dims))
        for axis, unroll in sorted(peer["spatial"].items())
    )
    spatial = tuple(a for a in spatial if a[1])
    split = split_sram(acc, groups)
    names = ["sram"] if len(groups) == 1 else [f"sram.{''.join(g)}" for g in groups]
    levels = [LevelMapping("dram", loops(flat[cuts[0] :]))]
    for j, name in enumerate(names):
        inner = cuts[j + 1] if j + 1 < len(cuts) else 0
        last = j == len(names) - 1
        levels.append(LevelMapping(name, loops(flat[inner : cuts[j]]), spatial if last else ()))
    levels.append(LevelMapping("registers"))
    # ZigZag pads a dimension its factors overshoot (fc: K=1000 as 8 x 126): padding executed and counted
    return split, Mapping(tuple(levels), imperfect=True, source=f"<zigzag {layer.name}>")


def score_in_carbonloop(peer: dict, layer: Layer, acc: Accelerator) -> tuple[LayerCost, bool]:
    """carbonloop's cost of ZigZag's mapping, and whether it needed per-operand virtual levels."""
    split, mapping = zigzag_mappings(peer, layer, acc)
    return evaluate(layer, split, mapping), split is not acc


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
    ap.add_argument(
        "--peer-json",
        help="folder of ZigZag's results, one JSON per network and objective: read when present, else "
        "written after the ZigZag run (a rerun of carbonloop's side needs no ZigZag run)",
    )
    ap.add_argument(
        "--nests-only",
        action="store_true",
        help="only score ZigZag's own loop nests in carbonloop (no carbonloop search, no timing): the table "
        "of docs/validation-zigzag.md",
    )
    args = ap.parse_args(argv)
    acc = dataclasses.replace(load_accelerator("tpu_like"), conventions=get_conventions(args.conventions))
    acc = with_peer_min_access(acc)
    for objective in args.objectives.split(","):
        obj = get_objective(objective)
        for name in args.networks.split(","):
            layers = unique_mac_layers(name)
            peer = [] if args.no_peer else peer_results(layers, args, name, objective)
            if args.nests_only:
                nest_table(name, layers, peer, acc)
                continue
            ours = [search_layer(layer, acc, objective) for layer in layers]
            report(name, objective, obj, layers, ours, peer, acc)
    if args.nests_only:
        return 0
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


def peer_results(layers: list[Layer], args: argparse.Namespace, name: str, objective: str) -> list[dict]:
    """ZigZag's result per layer: from ``--peer-json`` when recorded there, else from a ZigZag run (saved
    there when the option is given)."""
    saved = Path(args.peer_json) / f"{name}.{objective}.json" if args.peer_json else None
    if saved is not None and saved.exists():
        return list(json.loads(saved.read_text()))
    with tempfile.TemporaryDirectory() as tmp:
        peer = run_peer(layers, args.peer_python, Path(tmp), PEER_OPT[objective])
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(peer))
    return peer


def nest_table(name: str, layers: list[Layer], peer: list[dict], acc: Accelerator) -> None:
    """ZigZag's own loop nest of every layer scored in carbonloop, against ZigZag's own numbers."""
    print(f"\n## {name}: ZigZag's loop nests scored in carbonloop ({acc.conventions.name} conventions)\n")
    print(
        "| network | layer | per-operand SRAM cuts | energy ours/ZigZag | latency ours/ZigZag "
        "| latency ours | latency ZigZag |"
    )
    print("|---|---|---|---:|---:|---:|---:|")
    for layer, z in zip(layers, peer, strict=True):
        zc, per_operand = score_in_carbonloop(z, layer, acc)
        print(
            f"| {name} | {layer.name} | {'yes' if per_operand else 'no'} | {zc.energy_pj / z['energy_pj']:.4f} "
            f"| {zc.latency_cycles / z['latency_cycles']:.4f} | {zc.latency_cycles} | {z['latency_cycles']:.0f} |"
        )


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
        "| cl / zz (own models) | cl / zz mapping in cl's model | zz mapping per-operand cuts "
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
        zc, per_operand = score_in_carbonloop(z, layer, acc)
        same = r.value / float(obj.value(zc.energy_pj, zc.latency_cycles))
        worst = max(worst, same)
        same_s = f"{same:.3f}"
        e_s = f"{zc.energy_pj / z['energy_pj']:.3f}"
        l_s = f"{zc.latency_cycles / z['latency_cycles']:.3f}"
        print(
            f"| {r.layer} | {r.seconds:.2f} | {z['seconds']:.2f} | {z['seconds'] / r.seconds:.0f}x | "
            f"{r.cost.energy_pj:.4g} | {z['energy_pj']:.4g} | {r.cost.latency_cycles} | "
            f"{z['latency_cycles']:.0f} | {own:.3f} | {same_s} | {'yes' if per_operand else 'no'} | {e_s} | {l_s} |"
        )
    if peer:
        print(f"| **total** | {cs:.2f} | {zs:.2f} | {zs / cs:.0f}x | | | | | | max {worst:.3f} | | | |")
    print(
        f"\ncarbonloop: every layer optimal: {all(r.optimal for r in ours)}; "
        f"mappings scored: {sum(r.evaluated for r in ours)}; {cs:.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
