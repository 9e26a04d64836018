"""Per-layer latency of one CarbonSpot study point: where our cycles go, next to CarbonSpot's published total.

CarbonSpot publishes one total per (workload, accelerator type, SRAM, array size) with its split into MAC
computation and memory stalling (``explore/data/carbonspot_dse_results.csv``, columns
``lat_mac_computation_cycles`` and ``lat_mem_stalling_cycles``), no per-layer numbers. This script searches
the point under the ``carbonspot`` conventions and prints, per layer, the spatial unrolling chosen, the
compute and stall cycles, and the port that sets the stall (level, operand, directions), so that a gap in
the total can be traced to the layers and the port that carry it.

    python benchmarks/carbonspot_layers.py --acc digital_ws --dim 32 --sram 8192 --workload resnet8
    python benchmarks/carbonspot_layers.py --acc dimc --dim 64 --sram 8192 --workload ds_cnn

``--what-if`` re-runs the point with CarbonSpot's hardware description where ours differs (issue #15, the
per-layer diagnosis; each one is an experiment here, not the model's behaviour):

- ``hints``: the IMC spatial hints of CarbonSpot's ``expr.py`` (KULeuven-MICAS/carbonspot, commit 7e7ce8b,
  ``zigzag_similation_and_result_storage``): D1 ``K, OX, OY`` for WS, AIMC and DIMC alike (the IMC
  template keeps ZigZag's IMC example's ``K, OX``).
- ``dram-ports``: the DRAM of ``expr.py`` (``dram_3r_3w``): 3 read and 3 write ports of ``D1 x 8`` bits
  (the template's DRAM is one shared port).
- ``mix3``: up to three dims mixed on one array axis, as ZigZag's ``generate_mapping_single_oa_dim_mixed``
  combines every hinted dim of an axis (``combination_len`` up to ``len(unrolling_hints)``); carbonloop's
  mapper mixes at most ``Constraints.max_mixed`` = 2 (ResNet8's ``conv0`` on WS: D2 ``C3 x FX3 x FY3``).
  This one patches the mapper's default constraints in this process only.
- ``o-ports``: ``expr.py``'s port allocation of the output register ``rf_O1`` and the SRAM (``port_alloc``:
  O's ``fh``/``tl`` on one port pair, its ``fl``/``th`` on another): the output's two write directions (from
  the array, and partial sums back from the SRAM) on separate ports. carbonloop's latency model gives each
  operand one read and one write port (``model/zigzag_latency.py``, ``_ports``), so both directions share
  one. This one patches the model's port choice in this process only.

The search is the study's: mapper budget 300 per layer, objective EDP (CarbonSpot's ``opt="EDP"``); run it
niced on a shared machine, it takes one to a few minutes per point.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import pandas as pd

import carbonloop.mapper.search as mapper_search
import carbonloop.mapper.spatial as mapper_spatial
import carbonloop.model.zigzag_latency as zl
from carbonloop import evaluate
from carbonloop.explore.validate import ACC_TYPES, WORKLOADS
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.imc import imc
from carbonloop.hardware.templates import digital
from carbonloop.mapper.constraints import Constraints
from carbonloop.model.evaluate import evaluate as evaluate_mapping
from carbonloop.pipeline.inputs import as_network, with_conventions

WHAT_IFS = ("hints", "dram-ports", "mix3", "o-ports")


def build(acc_type: str, dim: int, sram_bytes: int) -> Accelerator:
    """The study's accelerator of one point, under the ``carbonspot`` conventions."""
    if acc_type.startswith("digital_"):
        acc = digital(dim, dim, sram_bytes, acc_type.split("_")[1], profile="carbonspot")
    else:
        acc = imc(acc_type, dim, dim, 1, sram_bytes, profile="carbonspot")
    return with_conventions(acc, "carbonspot")


def with_carbonspot_hints(acc: Accelerator) -> Accelerator:
    """D1 takes K, OX and OY, as ``expr.py`` gives every array but OS."""
    spatial = dict(acc.hints["spatial"])
    spatial["D1"] = ["K", "OX", "OY"]
    return dataclasses.replace(acc, hints={**acc.hints, "spatial": spatial})


def with_carbonspot_dram_ports(acc: Accelerator) -> Accelerator:
    """The DRAM level with 3 read and 3 write ports of its width (``expr.py``'s ``dram_3r_3w``)."""
    mems = list(acc.memories)
    x = next(i for i, m in enumerate(mems) if m.name == "dram")
    mems[x] = dataclasses.replace(mems[x], shared_ports=False, read_ports=3, write_ports=3)
    return dataclasses.replace(acc, memories=tuple(mems))


def _output_second_port(
    acc: Accelerator, cl: Any, x: int, reads: bool
) -> dict[tuple[int, str], tuple[str, float]] | None:
    """(operand, side) -> (port, bandwidth) with O's second direction on its own port, as ``expr.py``
    allocates them: the first port of each operand in order, then O's second; a level with too few ports
    puts O's first direction on I's port (``expr.py``'s DRAM). None: the model's own choice stands."""
    mem = acc.memories[x]
    if mem.shared_ports:
        return None
    _, roles = zl._physical(acc, x)
    per_port = mem.read_bw_bits if reads else mem.write_bw_bits
    n_ports = mem.read_ports if reads else mem.write_ports
    kept = [i for i, o in enumerate(cl.operands) if o.role in roles]
    outs = [i for i in kept if cl.operands[i].role == "O"]
    if not outs:
        return None
    firsts = kept if len(kept) + 1 <= n_ports else [i for i in kept if i not in outs]
    port = {(i, "first"): j for j, i in enumerate(firsts)}
    if len(firsts) < len(kept):
        inputs = [i for i in kept if cl.operands[i].role == "I"]
        if not inputs:
            return None
        port[(outs[0], "first")] = port[(inputs[0], "first")]
    port[(outs[0], "second")] = len(firsts)
    if len(firsts) + 1 > n_ports:
        return None
    tag = "r" if reads else "w"
    return {key: (f"{tag}{j}", per_port) for key, j in port.items()}


def _side(cl: Any, op: int, direction: str) -> str:
    second = cl.operands[op].role == "O" and direction in (zl.RD_HIGH, zl.WR_LOW)
    return "second" if second else "first"


def install_output_ports() -> None:
    """Patch the latency model's port choice (this process only) to ``expr.py``'s output allocation."""
    model_bw, model_key = zl._port_bw, zl._port_key

    def port_bw(acc: Accelerator, cl: Any, x: int, op: int, direction: str) -> float:
        alloc = _output_second_port(acc, cl, x, direction in zl.READS)
        if alloc is None:
            return model_bw(acc, cl, x, op, direction)
        return alloc[(op, _side(cl, op, direction))][1]

    def port_key(acc: Accelerator, cl: Any, mv: zl.Move) -> tuple[int, str]:
        alloc = _output_second_port(acc, cl, mv.level, mv.direction in zl.READS)
        if alloc is None:
            return model_key(acc, cl, mv)
        return (zl._physical(acc, mv.level)[0], alloc[(mv.operand, _side(cl, mv.operand, mv.direction))][0])

    zl._port_bw = port_bw
    zl._port_key = port_key


def install_three_dim_mixes() -> None:
    """Patch the mapper's default constraints (this process only) to mix up to three dims on an axis."""
    for module in (mapper_search, mapper_spatial):
        module.Constraints = functools.partial(Constraints, max_mixed=3)


def worst_port(layer: Any, acc: Accelerator, mapping: Any) -> str:
    """The port with the largest stall for one mapping: ``level:operand directions (stall)``; ``split SRAM``
    where the layer was mapped on its own accelerator whose SRAM is split per operand (the top-memory rule,
    ``carbonloop.pipeline.top_memory``), which this view of the network's accelerator cannot replay."""
    names = {m.name for m in acc.memories}
    if any(lm.level not in names for lm in mapping.levels):
        return "split SRAM"
    traces: list[list[Any]] = []
    model_row = zl._row_latency

    def traced(*args: Any, **kwargs: Any) -> dict[str, int]:
        trace: list[Any] = []
        kwargs["trace"] = trace
        out = model_row(*args, **kwargs)
        traces.append(trace)
        return out

    zl._row_latency = traced
    try:
        evaluate_mapping(layer, acc, mapping)
    finally:
        zl._row_latency = model_row
    ports = [item for trace in traces for item in trace]
    if not ports:
        return "-"
    _, stall, moves = max(ports, key=lambda item: item[1])
    if stall <= 0:
        return "-"
    ops = [o.name for o in layer.operands]
    level = acc.memories[moves[0].level].name
    dirs = " ".join(f"{ops[m.operand]}.{m.direction}" for m in moves)
    return f"{level} {dirs} ({stall})"


def unrolling(mapping: Any) -> str:
    parts = []
    for lm in mapping.levels:
        for axis, loops in lm.spatial:
            if loops:
                parts.append(f"{axis}:" + "x".join(f"{lp.dim}{lp.factor}" for lp in loops))
    return " ".join(parts) or "none"


def reference_row(acc_type: str, dim: int, sram_bytes: int, workload: str) -> pd.Series | None:
    path = files("carbonloop.explore.data").joinpath("carbonspot_dse_results.csv")
    with path.open() as fh:
        ref = pd.read_csv(fh)
    pick = ref[
        (ref.acc_type == ACC_TYPES.get(acc_type))
        & (ref.dim == dim)
        & (ref.sram_size_B == sram_bytes)
        & (ref.workload == WORKLOADS.get(workload, workload))
    ]
    return None if pick.empty else pick.iloc[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--acc", choices=sorted(ACC_TYPES), default="digital_ws")
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--sram", type=int, default=8192, help="SRAM bytes")
    ap.add_argument("--workload", default="resnet8")
    ap.add_argument("--objective", default="edp")
    ap.add_argument("--budget", type=int, default=300)
    ap.add_argument("--what-if", default="", help=f"comma list of {', '.join(WHAT_IFS)}")
    args = ap.parse_args()
    what_ifs = [w for w in args.what_if.split(",") if w]
    for w in what_ifs:
        if w not in WHAT_IFS:
            ap.error(f"--what-if: unknown {w!r} (known: {', '.join(WHAT_IFS)})")

    acc = build(args.acc, args.dim, args.sram)
    steps: dict[str, Callable[[Accelerator], Accelerator]] = {
        "hints": with_carbonspot_hints,
        "dram-ports": with_carbonspot_dram_ports,
    }
    for w in what_ifs:
        if w in steps:
            acc = steps[w](acc)
    if "o-ports" in what_ifs:
        install_output_ports()
    if "mix3" in what_ifs:
        install_three_dim_mixes()

    result = evaluate(
        args.workload, acc, objective=args.objective, conventions="carbonspot", budget=args.budget
    )
    layers = {layer.name: layer for layer in as_network(args.workload).layers}
    print(
        f"{acc.name}  {args.workload}  objective {args.objective}  budget {args.budget}  "
        f"what-if: {', '.join(what_ifs) or 'none'}"
    )
    print(f"{'layer':<14} {'MACs':>9} {'unrolling':<34} {'compute':>8} {'stall':>7} {'total':>7}  worst port")
    totals = {"compute": 0, "stall": 0, "total": 0}
    energy_pj = 0.0
    parts: dict[str, float] = {}  # energy by component: the compute array and each memory per operand
    for lr in result.layers:
        cost = lr.cost
        b = cost.latency_breakdown_cycles
        for key in totals:
            totals[key] += int(b[key])
        energy_pj += cost.energy_pj
        for name, value in cost.energy_breakdown_pj.items():
            for key, pj in value.items() if isinstance(value, dict) else [("", value)]:
                part = f"{name} {key}".strip()
                parts[part] = parts.get(part, 0.0) + float(pj)
        port = worst_port(layers[cost.layer], result.accelerator, cost.mapping)
        print(
            f"{cost.layer:<14} {cost.macs:>9} {unrolling(cost.mapping):<34} {b['compute']:>8} "
            f"{b['stall']:>7} {b['total']:>7}  {port}"
        )
    print(f"{'total':<14} {'':>9} {'':<34} {totals['compute']:>8} {totals['stall']:>7} {totals['total']:>7}")
    print(f"energy {energy_pj:.4g} pJ, clock {acc.clock_ns:.5g} ns")
    print("energy by component (pJ): " + ", ".join(f"{k} {v:.4g}" for k, v in parts.items() if v))
    ref = reference_row(args.acc, args.dim, args.sram, args.workload)
    if ref is None:
        print("no CarbonSpot row for this point")
        return
    ref_total = float(ref.latency_cycles)
    print(
        f"CarbonSpot: compute {ref.lat_mac_computation_cycles:.0f}, stall {ref.lat_mem_stalling_cycles:.0f}, "
        f"total {ref_total:.0f} cycles, clock {ref.tclk_ns:.5g} ns, energy {ref.energy_pJ:.4g} pJ"
    )
    ours_ns = totals["total"] * acc.clock_ns
    ratio = ours_ns / (ref_total * float(ref.tclk_ns)) if ref_total else math.nan
    memories_pj = energy_pj - parts.get("compute", 0.0)
    print(
        f"CarbonSpot energy: array {ref.energy_array_pJ:.4g} pJ (ours, compute: {parts.get('compute', 0.0):.4g}), "
        f"memories {ref.energy_mem_pJ:.4g} pJ (ours: {memories_pj:.4g})"
    )
    print(
        f"ours / CarbonSpot: compute {totals['compute'] / ref.lat_mac_computation_cycles:.3f}, "
        f"latency (ns) {ratio:.3f}, energy {energy_pj / ref.energy_pJ:.3f}"
    )


if __name__ == "__main__":
    main()
