"""``carbonloop evaluate``: cost a workload on an accelerator, with a given mapping or the best one found."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from carbonloop import pipeline
from carbonloop.cli.app import app
from carbonloop.cli.carbon import FpsOpt, GridOpt, LifetimeOpt, ParametersOpt, parameters_from_options
from carbonloop.cli.console import table_console
from carbonloop.cli.interop_eval import evaluate_timeloop, evaluate_zigzag
from carbonloop.cli.tables import print_table, warn_unproven
from carbonloop.errors import SpecError
from carbonloop.pipeline import CARBON_OBJECTIVES
from carbonloop.specio import dump_yaml
from carbonloop.workload.load import load_workload


def print_leakage(result: pipeline.WorkloadResult, console: Console) -> None:
    """The leakage entry of the energy (total and per level) and, with carbon, PA's idle leakage."""
    if not result.accelerator.conventions.leakage_in_energy:
        console.print(f"  leakage: left out of the energy under the {result.conventions!r} conventions")
        return
    share = result.leakage_pj / result.energy_pj if result.energy_pj > 0 else 0.0
    parts = ", ".join(f"{k} {v:,.6g}" for k, v in result.leakage_breakdown_pj.items() if v)
    console.print(
        f"  leakage {result.leakage_pj:,.6g} pJ ({share:.3%} of the energy){': ' if parts else ''}{parts}"
    )
    if result.carbon is not None:
        c = result.carbon.result
        console.print(
            f"  PA idle leakage between frames: {c.idle_power_mw:.4g} mW x idle_power_fraction "
            f"{result.carbon.parameters.idle_power_fraction:g} -> {float(c.idle_energy_pj):,.6g} pJ, "
            f"{float(c.breakdown['pa']['idle_leakage']):.4g} g"
        )


@contextmanager
def layer_progress(label: str, layers: int, *, quiet: bool) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar over a workload's layers; yields the ``on_layer_done`` callback for the mapper."""
    with Progress(
        TextColumn("mapping {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=layers)

        def done(i: int, n: int, name: str) -> None:
            bar.update(task, completed=i + 1, description=f"{label}: {name}")

        yield done


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
    max_memory_mb: float | None = typer.Option(
        None,
        "--max-memory-mb",
        help="Memory ceiling of each layer's search in MB (default: a quarter of this machine's RAM).",
    ),
    interlayer: bool = typer.Option(
        True, "--interlayer/--no-interlayer", help="Keep activations that fit on chip for their consumers."
    ),
    conventions: str | None = typer.Option(
        None,
        "--conventions",
        help="Modelling conventions: carbonloop (exact) | timeloop | ... (default: the accelerator's own).",
    ),
) -> None:
    """Energy, latency, area and access counts of a workload on an accelerator."""
    fmt = resolve_format(file_format, workload, accelerator, mapping, arch, problem)
    if fmt == "timeloop":
        if not (arch and problem and mapping):
            raise SpecError("evaluate", "--format timeloop", "needs --arch, --problem and --mapping")
        raise typer.Exit(
            evaluate_timeloop(arch, problem, mapping, ert, as_json=as_json, conventions=conventions)
        )
    if workload is None or accelerator is None:
        raise SpecError(
            "evaluate", "--workload/--accelerator", "both are needed (or --format timeloop --arch --problem)"
        )
    if budget is not None and budget <= 0:
        raise SpecError("evaluate", "--budget", f"must be at least 1 mapping per layer (got {budget})")
    if fmt == "zigzag":
        if mapping is None:
            raise SpecError("evaluate", "--format zigzag", "needs --mapping (the ZigZag mapping YAML)")
        raise typer.Exit(
            evaluate_zigzag(
                accelerator, workload, mapping, as_json=as_json, conventions=conventions, budget=budget
            )
        )
    params = None
    if carbon or objective in CARBON_OBJECTIVES:
        params = parameters_from_options(parameters, lifetime_years=lifetime_years, grid=grid)
    network = load_workload(workload)
    with layer_progress(network.name, len(network.layers), quiet=as_json or mapping is not None) as done:
        result = pipeline.evaluate(
            network,
            accelerator,
            mapping=mapping,
            objective=objective,
            conventions=conventions,
            interlayer=interlayer,
            carbon=params,
            fps=fps,
            budget=budget,
            max_memory_bytes=None if max_memory_mb is None else max(int(max_memory_mb * 1e6), 1),
            on_layer_done=done,
        )
    warn_unproven(result, budget)
    if save_mapping is not None:
        doc = {"layers": {c.layer: c.mapping.to_list() for c in result.costs}}
        save_mapping.write_text(dump_yaml(doc), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    else:
        console = table_console()
        print_table(result, console)
        print_leakage(result, console)
