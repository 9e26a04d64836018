"""Seconds the exact mapper takes per unique layer, per objective, on one preset (no peer tool needed).

Each distinct MAC layer of the network is searched once (every layer proven optimal unless a budget is
given); the table prints seconds, the optimum, its energy and latency, mappings scored and candidates
searched. ``--json FILE`` writes the same rows, so that two versions of the code can be compared on the
same machine at the same moment (run one with ``PYTHONPATH`` pointing at the other's ``src``):

    python benchmarks/mapper_objectives.py [--networks resnet8,resnet18] [--objectives energy,edp]
        [--accelerator tpu_like] [--layers NAME,...] [--json out.json]

Pin it to one core (``taskset -c 0``) for the numbers in docs/mapper.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from carbonloop.hardware.library import load_accelerator  # noqa: E402
from carbonloop.mapper import search_layer  # noqa: E402
from carbonloop.workload import zoo  # noqa: E402
from carbonloop.workload.layer import Layer  # noqa: E402


def unique_mac_layers(name: str) -> list[Layer]:
    """Each distinct MAC layer shape of a zoo network once (search_network searches a shape once too)."""
    layers: list[Layer] = []
    seen = set()
    for layer in zoo.get(name).layers:
        if layer.macs and layer.shape_key not in seen:
            seen.add(layer.shape_key)
            layers.append(layer)
    return layers


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="resnet8,resnet18")
    ap.add_argument("--objectives", default="energy,edp")
    ap.add_argument("--accelerator", default="tpu_like")
    ap.add_argument("--layers", default="", help="only these layer names (comma separated)")
    ap.add_argument("--json", default="", help="write the rows to this file")
    args = ap.parse_args(argv)
    acc = load_accelerator(args.accelerator)
    only = {s for s in args.layers.split(",") if s}
    rows = []
    for net in args.networks.split(","):
        for objective in args.objectives.split(","):
            print(f"\n### {net} on {args.accelerator}, objective {objective}\n")
            print("| layer | s | value | energy pJ | latency | scored | candidates searched | optimal |")
            print("|---|---:|---:|---:|---:|---:|---:|---|")
            total = 0.0
            for layer in unique_mac_layers(net):
                if only and layer.name not in only:
                    continue
                t0 = time.perf_counter()
                r = search_layer(layer, acc, objective)
                s = time.perf_counter() - t0
                total += s
                print(
                    f"| {layer.name} | {s:.2f} | {r.value:.6e} | {r.cost.energy_pj:.6e} | "
                    f"{r.cost.latency_cycles} | {r.evaluated} | {r.spatial_searched}/{r.spatial_candidates} | "
                    f"{r.optimal} |",
                    flush=True,
                )
                rows.append(
                    {
                        "network": net,
                        "objective": objective,
                        "layer": layer.name,
                        "seconds": s,
                        "value": r.value,
                        "energy_pj": r.cost.energy_pj,
                        "latency_cycles": r.cost.latency_cycles,
                        "evaluated": r.evaluated,
                        "optimal": r.optimal,
                        "mapping": r.mapping.to_list(),
                    }
                )
            print(f"| **total** | {total:.2f} | | | | | | |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
