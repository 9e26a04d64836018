"""Network-level EDP against layer-by-layer EDP (docs/mapper.md "Network objectives"), one process.

    python benchmarks/network_edp.py [--networks resnet8,ds_cnn,mobilenet_v1] [--accelerator tpu_like]

Prints, per network, the EDP of the layer-by-layer optimum, the network optimum over the layers'
convex hulls, the gain, and both wall times.
"""

from __future__ import annotations

import argparse
import sys
import time

from carbonloop.hardware.library import load_accelerator
from carbonloop.mapper import search_network
from carbonloop.workload import zoo


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--networks", default="resnet8,ds_cnn,mobilenet_v1")
    ap.add_argument("--accelerator", default="tpu_like")
    args = ap.parse_args(argv)
    acc = load_accelerator(args.accelerator)
    print(f"\n## network EDP on {args.accelerator}\n")
    print(
        "| network | per-layer EDP (pJ x cycles) | network EDP | gain | time network | time layer-by-layer |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name in args.networks.split(","):
        net = zoo.get(name)
        t0 = time.perf_counter()
        per_layer = search_network(net, acc, "edp", level="layer")
        t_layer = time.perf_counter() - t0
        t0 = time.perf_counter()
        joint = search_network(net, acc, "edp", level="network")
        t_net = time.perf_counter() - t0
        assert per_layer.optimal and joint.optimal
        gain = 100 * (joint.network_gain or 0.0)
        print(
            f"| {name} | {per_layer.value:.6g} | {joint.value:.6g} | {gain:.2f} % | {t_net:.2f} s | {t_layer:.2f} s |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
