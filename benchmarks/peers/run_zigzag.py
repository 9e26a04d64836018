"""Runs inside the peer venv (never imported by carbonloop): one ZigZag call per layer, timed.

Usage: python run_zigzag.py JOBS.json -> prints one JSON object on stdout.
JOBS.json: {"accelerator": path, "mapping": path, "opt": "EDP", "layers": [{"name": .., "workload": path}]}
"""

import contextlib
import io
import json
import logging
import sys
import time

from zigzag.api import get_hardware_performance_zigzag


def main() -> None:
    with open(sys.argv[1]) as fh:
        job = json.load(fh)
    out = []
    for item in job["layers"]:
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            energy, latency, cmes = get_hardware_performance_zigzag(
                workload=item["workload"],
                accelerator=job["accelerator"],
                mapping=job["mapping"],
                opt=job["opt"],
                dump_folder=item["dump"],
                loma_show_progress_bar=False,
            )
        seconds = time.perf_counter() - t0
        logging.getLogger().handlers.clear()
        cme = cmes[0][1][0][0]
        out.append(
            {
                "name": item["name"],
                "energy_pj": float(energy),
                "latency_cycles": float(latency),
                "seconds": seconds,
                "spatial_mapping": str(getattr(cme, "spatial_mapping", "")),
                "mac_energy_pj": float(getattr(cme, "mac_energy", 0.0)),
                # the chosen loop nest, so that carbonloop can score the very same mapping in its model
                "spatial": {
                    str(oa): [[str(d), float(f)] for d, f in unroll.items()]
                    for oa, unroll in cme.layer.spatial_mapping.items()
                },
                "temporal": {
                    str(op): [[[str(d), float(f)] for d, f in level] for level in levels]
                    for op, levels in cme.temporal_mapping.mapping_dic_origin.items()
                },
            }
        )
    print(json.dumps(out))


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)
    main()
