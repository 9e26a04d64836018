"""``carbonloop evaluate``: cost a workload on an accelerator, with a given mapping or the best one found."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from carbonloop.carbon.objectives import carbon_objective
from carbonloop.carbon.section import carbon_section
from carbonloop.cli.app import app
from carbonloop.cli.carbon import FpsOpt, GridOpt, LifetimeOpt, ParametersOpt, parameters_from_options
from carbonloop.cli.interop_eval import evaluate_timeloop, evaluate_zigzag
from carbonloop.errors import SpecError
from carbonloop.hardware import load_accelerator
from carbonloop.mapper.objectives import Objective
from carbonloop.model.evaluate import LayerCost, evaluate
from carbonloop.model.interlayer import keep_activations_on_chip
from carbonloop.model.mapping import Mapping, mapping_from_data
from carbonloop.model.network import NetworkCost
from carbonloop.specio import dump_yaml, load_yaml
from carbonloop.workload.load import load_workload
from carbonloop.workload.network import Network


def mappings_from_file(path: str, network: Network) -> dict[str, Mapping]:
    """A mapping file holds one mapping (a list of levels) or ``{layers: {name: [...]}}``."""
    data = load_yaml(path)
    if isinstance(data, dict) and "layers" in data:
        layers = data["layers"]
        if not isinstance(layers, dict):
            raise SpecError(path, "layers", "expected a mapping of layer name -> loop nest")
        out = {}
        for name, nest in layers.items():
            network.layer(name) if name in {lay.name for lay in network.layers} else None
            if name not in {lay.name for lay in network.layers}:
                raise SpecError(path, f"layers.{name}", f"no layer {name!r} in workload {network.name!r}")
            m = mapping_from_data(nest, path)
            out[name] = m
        missing = [lay.name for lay in network.layers if lay.name not in out]
        if missing:
            raise SpecError(path, "layers", f"no mapping for layers {missing}")
        return out
    if len(network.layers) != 1:
        raise SpecError(
            path,
            "<root>",
            f"one loop nest given but {network.name!r} has {len(network.layers)} layers; use 'layers: {{name: ...}}'",
        )
    return {network.layers[0].name: mapping_from_data(data, path)}


def resolve_format(
    fmt: str,
    workload: str | None,
    accelerator: str | None,
    mapping: str | None,
    arch: str | None,
    problem: str | None,
) -> str:
    """``carbonloop``, ``zigzag`` or ``timeloop``: as given, or detected from the files' content."""
    if fmt not in ("auto", "carbonloop", "zigzag", "timeloop"):
        raise SpecError("evaluate", "--format", f"unknown format {fmt!r} (carbonloop, zigzag, timeloop)")
    if fmt != "auto":
        return fmt
    if arch or problem:
        return "timeloop"
    files = [
        f
        for f in (workload, accelerator, mapping)
        if f and f.endswith((".yaml", ".yml")) and Path(f).is_file()
    ]
    if not files:
        return "carbonloop"
    from carbonloop.interop.detect import detect_format

    found = detect_format(*files)
    return found if found in ("zigzag", "timeloop") else "carbonloop"


def _fmt(x: float) -> str:
    return f"{x:,.6g}"


def print_table(result: NetworkCost, console: Console) -> None:
    acc = result.accelerator
    for cost in result.layers:
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
    console.print(
        f"[bold]{result.workload} on {acc.name}[/bold]: energy {_fmt(result.energy_pj)} pJ, "
        f"latency {result.latency_cycles:,} cycles ({_fmt(result.latency_ns)} ns at {acc.clock_ns} ns), "
        f"area {_fmt(result.area_mm2)} mm2"
    )
    extra: dict[str, Any] = result.extra
    if "interlayer" in extra:
        il = extra["interlayer"]
        console.print(
            f"  inter-layer: {len(il['resident'])} outputs stay on chip, "
            f"{il['dram_bits_saved'] / 8:,.0f} B of DRAM traffic and {_fmt(il['energy_saved_pj'])} pJ saved"
        )
    if "carbon" in extra:
        c = extra["carbon"]
        console.print(
            f"  carbon per inference: CA {_fmt(c['ca_g'])} g, PA {_fmt(c['pa_g'])} g "
            f"(deadline {'met' if c.get('deadline_met', True) else 'MISSED'})"
        )


@app.command("evaluate")
def evaluate_command(
    workload: str | None = typer.Option(
        None, "--workload", "-w", help="Zoo name (conv1d:M=32,P=16,R=3), YAML or ONNX file."
    ),
    accelerator: str | None = typer.Option(
        None, "--accelerator", "-a", help="Preset name, YAML file or template call."
    ),
    mapping: str | None = typer.Option(
        None, "--mapping", "-m", help="Mapping YAML; without it the mapper searches."
    ),
    objective: str = typer.Option(
        "edp", "--objective", help="energy | latency | edp | weighted:a=..,b=.. | carbon_ca | carbon_pa"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result document as JSON."),
    save_mapping: Path | None = typer.Option(None, "--save-mapping", help="Write the mappings used as YAML."),
    carbon: bool = typer.Option(False, "--carbon", help="Add the carbon per inference (CA and PA)."),
    parameters: ParametersOpt = "carbonspot",
    fps: FpsOpt = None,
    lifetime_years: LifetimeOpt = None,
    grid: GridOpt = None,
    file_format: str = typer.Option(
        "auto", "--format", help="carbonloop | zigzag | timeloop (auto: by content)."
    ),
    arch: str | None = typer.Option(
        None, "--arch", help="Timeloop architecture YAML (with --format timeloop)."
    ),
    problem: str | None = typer.Option(
        None, "--problem", help="Timeloop problem YAML (with --format timeloop)."
    ),
    ert: str | None = typer.Option(None, "--ert", help="Timeloop energy reference table (optional)."),
    budget: int | None = typer.Option(
        None, "--budget", help="Mappings scored per layer at most (the gap to the proven bound is reported)."
    ),
    interlayer: bool = typer.Option(
        True, "--interlayer/--no-interlayer", help="Keep activations that fit on chip for their consumers."
    ),
) -> None:
    """Energy, latency, area and access counts of a workload on an accelerator."""
    fmt = resolve_format(file_format, workload, accelerator, mapping, arch, problem)
    if fmt == "timeloop":
        if not (arch and problem and mapping):
            raise SpecError("evaluate", "--format timeloop", "needs --arch, --problem and --mapping")
        raise typer.Exit(evaluate_timeloop(arch, problem, mapping, ert, as_json=as_json))
    if workload is None or accelerator is None:
        raise SpecError(
            "evaluate", "--workload/--accelerator", "both are needed (or --format timeloop --arch --problem)"
        )
    if fmt == "zigzag":
        if mapping is None:
            raise SpecError("evaluate", "--format zigzag", "needs --mapping (the ZigZag mapping YAML)")
        raise typer.Exit(evaluate_zigzag(accelerator, workload, mapping, as_json=as_json))
    network = load_workload(workload)
    acc = load_accelerator(accelerator)
    if mapping is not None:
        chosen = mappings_from_file(mapping, network)
        costs: list[LayerCost] = [evaluate(layer, acc, chosen[layer.name]) for layer in network.layers]
        result = NetworkCost(workload, acc, tuple(costs))
    else:
        from carbonloop.cli.search_glue import search_network_cli

        goal: str | Objective = objective
        if objective in ("carbon_ca", "carbon_pa"):
            params = parameters_from_options(parameters, lifetime_years=lifetime_years, grid=grid)
            goal = carbon_objective(objective, params, acc, fps=fps)
        if budget is not None and budget < 1:
            raise SpecError("evaluate", "--budget", f"must be >= 1 (got {budget})")
        result = search_network_cli(network, acc, goal, workload, quiet=as_json, budget=budget)
    if interlayer and len(network.layers) > 1:
        costs_kept, report = keep_activations_on_chip(network, acc, result.layers)
        result = dataclasses.replace(
            result, layers=costs_kept, extra={**result.extra, "interlayer": report.to_dict()}
        )
    if carbon:
        params = parameters_from_options(parameters, lifetime_years=lifetime_years, grid=grid)
        block = carbon_section(
            result.energy_pj,
            result.latency_ns,
            result.area_mm2,
            acc.dram_bits / 8 / 2**30,
            fps,
            params,
            acc.node_nm,
        )
        result = dataclasses.replace(result, extra={**result.extra, "carbon": block})
    if save_mapping is not None:
        doc = {"layers": {c.layer: c.mapping.to_list() for c in result.layers}}
        save_mapping.write_text(dump_yaml(doc), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    else:
        print_table(result, Console())
