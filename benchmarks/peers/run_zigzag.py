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


def level_detail(cme) -> dict:
    """Per operand, per memory level (innermost first): ZigZag's word accesses and energies in each of its
    four directions, and the element moves behind them (amount per period, precision, period count), so a
    difference from carbonloop can be found at its level (``zigzag/cost_model/cost_model.py``,
    ``calc_memory_word_access``; ``zigzag/mapping/mapping.py``, ``unit_mem_data_movement``)."""
    out = {}
    for op, accesses in cme.memory_word_access.items():
        rows = []
        for lv, acc in enumerate(accesses):
            move = cme.mapping.unit_mem_data_movement[op][lv]
            row = {
                "words": acc.__jsonrepr__(),
                "energy_pj": cme.mem_energy_breakdown_further[op][lv].__jsonrepr__(),
            }
            for attr in ("data_trans_amount_per_period", "data_precision", "data_trans_period_count"):
                row[attr] = move.get_attribute(attr).__jsonrepr__()
            row["unit_count"] = float(cme.mapping.spatial_mapping.unit_count[op][lv + 1])
            rows.append(row)
        out[str(op)] = rows
    return out


def port_detail(cme) -> list[dict]:
    """Every port's periodic transfers and its stall (+) or slack (-): where ZigZag's latency comes from
    (``CostModelEvaluation.combine_data_transfer_rate_per_physical_port``)."""
    out = []
    for lv, ports in enumerate(cme.port_activity_collect):
        for name, acts in ports.items():
            out.append(
                {
                    "memory_level": lv,
                    "port": name,
                    "stall_slack": float(cme.stall_slack_comb_collect[lv][name]),
                    "moves": [
                        [str(a.served_op_lv_dir), a.period, a.period_count, a.real_cycle, a.allowed_cycle]
                        for a in acts
                    ],
                }
            )
    return out


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
                "levels": level_detail(cme),
                "latency_parts": {
                    k: float(getattr(cme, k, 0.0))
                    for k in (
                        "ideal_temporal_cycle",
                        "stall_slack_comb",
                        "data_onloading_cycle",
                        "data_offloading_cycle",
                        "systolic_drain_cycle",
                    )
                },
                "ports": port_detail(cme),
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
