"""The text tables of a :class:`~carbonloop.pipeline.WorkloadResult` (``evaluate`` and its interop paths)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from carbonloop.pipeline import WorkloadResult


def _fmt(x: float) -> str:
    return f"{x:,.6g}"


def print_table(result: WorkloadResult, console: Console) -> None:
    """Per layer: accesses and energy by level and operand, latency parts; then the workload's totals."""
    acc = result.accelerator
    for r in result.layers:
        cost = r.cost
        t = Table(title=f"{cost.layer}: {cost.macs:,} MACs on {acc.name}", title_justify="left")
        for col in ("level", "operand", "reads", "fills", "updates", "energy pJ"):
            t.add_column(col, justify="right" if col not in ("level", "operand") else "left")
        for level, ops in cost.accesses.items():
            for op, c in ops.items():
                e = cost.energy_breakdown_pj[level].get(op, 0.0)
                t.add_row(level, op, f"{c['reads']:,}", f"{c['fills']:,}", f"{c['updates']:,}", _fmt(e))
        t.add_row("compute", "MAC", "", "", "", _fmt(cost.energy_breakdown_pj["compute"]))
        console.print(t)
        lat = cost.latency_breakdown_cycles
        console.print(
            f"  energy {_fmt(cost.energy_pj)} pJ, latency {lat['total']:,} cycles "
            f"(compute {lat['compute']:,}, stalls {lat['stall']:,}, load {lat['onload']:,}, drain {lat['offload']:,}), "
            f"utilization {cost.utilization:.1%}"
        )
    m = result.metrics
    console.print(
        f"[bold]{result.workload} on {acc.name}[/bold]: energy {_fmt(result.energy_pj)} pJ, "
        f"latency {result.latency_cycles:,} cycles ({_fmt(result.latency_ns)} ns at {acc.clock_ns} ns), "
        f"area {_fmt(result.area_mm2)} mm2, utilization {m.utilization or 0:.1%}"
    )
    if result.not_costed:
        console.print(
            f"  not costed under the {result.conventions} conventions (additions and poolings on an IMC "
            f"array, as ZigZag 3.9.1): {', '.join(result.not_costed)}"
        )
    if result.interlayer is not None:
        il = result.interlayer.report
        console.print(
            f"  inter-layer: {len(il.resident)} outputs stay on chip, "
            f"{il.dram_bits_saved / 8:,.0f} B of DRAM traffic and {_fmt(il.energy_saved_pj)} pJ saved"
        )
    if result.carbon is not None:
        carbon = result.carbon.result
        console.print(
            f"  carbon per inference: CA {_fmt(float(carbon.ca_g))} g, PA {_fmt(float(carbon.pa_g))} g "
            f"(deadline {'met' if bool(carbon.deadline_met) else 'MISSED'})"
        )


def warn_unproven(result: WorkloadResult, budget: int | None) -> None:
    """Say on stderr which layers' mappings are not proven optimal, and how far from the bound they may be."""
    for name, search in result.unproven():
        why = f" (budget {budget} mappings)" if budget is not None else ""
        print(
            f"warning: layer {name}: mapping not proven optimal, up to {search.gap:.1%} above the best "
            f"possible{why}",
            file=sys.stderr,
        )
