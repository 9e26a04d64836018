"""How much carbon the carbon-optimal mapping saves against the EDP-optimal one, on MLPerf-Tiny.

For each network and accelerator: search the EDP-optimal and the CA-carbon-optimal (and PA-carbon-
optimal, at the network's frame rate) mappings, and print the carbon of each under both scenarios.

    python benchmarks/carbon_mapping.py [--accelerators os_array_16x16,dimc_28nm]
"""

from __future__ import annotations

import argparse
import time

from carbonloop import evaluate
from carbonloop.carbon import load_parameters
from carbonloop.hardware import load_accelerator
from carbonloop.workload import zoo

FPS = {
    "ds_cnn": 10.0,
    "mobilenet_v1": 0.75,
    "resnet8": 25.0,
    "autoencoder": 1.0,
}  # CarbonSpot README 'Frame/Second Requirement' (@ 0839b49)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accelerators", default="os_array_16x16,dimc_28nm")
    args = ap.parse_args()
    params = load_parameters("carbonspot")
    print("| accelerator | network | mapping for | CA g | PA g | CA saved vs EDP | PA saved vs EDP | s |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for name in args.accelerators.split(","):
        acc = load_accelerator(name)
        dram_gb = acc.dram_bits / 8 / 2**30
        for net_name, fps in FPS.items():
            net = zoo.get(net_name)
            rows = {}
            for goal in ("edp", "carbon_ca", "carbon_pa"):
                t0 = time.perf_counter()
                # the pipeline: carbon_pa searched with its idle credit, carbon reported as the objective
                r = evaluate(net, acc, objective=goal, carbon=params, fps=fps, dram_gb=dram_gb)
                assert r.carbon is not None
                c = r.carbon.result
                rows[goal] = (c.ca_g, c.pa_g, time.perf_counter() - t0)
            for goal, (ca, pa, sec) in rows.items():
                ca_s = 1 - ca / rows["edp"][0]
                pa_s = 1 - pa / rows["edp"][1]
                print(
                    f"| {name} | {net_name} | {goal} | {ca:.4g} | {pa:.4g} | {ca_s:.2%} | {pa_s:.2%} | {sec:.1f} |"
                )


if __name__ == "__main__":
    main()
