"""``carbonloop carbon``: the carbon of any design from its energy, latency and area.

``parameters_from_options`` is the shared way commands turn ``--parameters --lifetime-years --grid
--fab-grid --node-nm`` into a parameter set (``carbonloop evaluate --carbon`` uses it too).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from carbonloop.carbon.parameters import (
    LIFETIME_YEARS_RANGE,
    MAX_GRID_G_PER_KWH,
    NODE_NM_RANGE,
    CarbonParameters,
    load_parameters,
)
from carbonloop.carbon.scenarios import COMPONENTS
from carbonloop.carbon.section import carbon_report
from carbonloop.cli.app import app
from carbonloop.errors import SpecError
from carbonloop.specio import finite_number

ParametersOpt = Annotated[
    str, typer.Option("--parameters", help="Parameter set: carbonspot, act, or a YAML file overriding one.")
]
LifetimeOpt = Annotated[
    float | None, typer.Option("--lifetime-years", help="Chip lifetime (overrides the set).")
]
GridOpt = Annotated[
    str | None,
    typer.Option("--grid", help="Use-phase grid: world, usa, taiwan, europe, coal, ... or g/kWh."),
]
FabGridOpt = Annotated[
    str | None, typer.Option("--fab-grid", help="Fab grid (same names), overrides the set.")
]
FpsOpt = Annotated[
    float | None, typer.Option("--fps", help="Inferences per second for PA (default: set's period).")
]


def parameters_from_options(
    parameters: str = "carbonspot",
    *,
    lifetime_years: float | None = None,
    grid: str | None = None,
    fab_grid: str | None = None,
    node_nm: int | None = None,
    command: str = "command line",
) -> CarbonParameters:
    """A parameter set with the command-line overrides applied (unset options keep the set's values).

    A value out of its range is refused naming ``command`` and the option as typed.
    """
    if lifetime_years is not None:
        low, high = LIFETIME_YEARS_RANGE
        finite_number(lifetime_years, command, "--lifetime-years", low=low, high=high)
    if node_nm is not None:
        finite_number(node_nm, command, "--node-nm", low=NODE_NM_RANGE[0], high=NODE_NM_RANGE[1])
    for option, value in (("--grid", grid), ("--fab-grid", fab_grid)):
        if value is not None and _is_number(value):
            finite_number(value, command, option, low=0.0, high=MAX_GRID_G_PER_KWH)
    overrides = {"lifetime_years": lifetime_years, "use_grid": grid, "fab_grid": fab_grid, "node_nm": node_nm}
    return load_parameters(parameters, overrides)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fmt(x: float) -> str:
    return f"{x:.4g}"


@app.command("carbon")
def carbon_command(
    energy_pj: Annotated[float, typer.Option("--energy-pj", help="Energy of one inference, pJ.")],
    latency_ns: Annotated[float, typer.Option("--latency-ns", help="Latency of one inference, ns.")],
    area_mm2: Annotated[float, typer.Option("--area-mm2", help="Die area, mm2.")],
    dram_gb: Annotated[float, typer.Option("--dram-gb", help="Off-chip DRAM capacity, GB.")] = 0.0,
    fps: FpsOpt = None,
    idle_power_mw: Annotated[
        float,
        typer.Option(
            "--idle-power-mw",
            help="The chip's leakage power, mW: drawn between frames under PA, times the set's "
            "idle_power_fraction (`evaluate --carbon` takes it from the accelerator).",
        ),
    ] = 0.0,
    node_nm: Annotated[
        int | None, typer.Option("--node-nm", help="Technology node (default: the set's, 28).")
    ] = None,
    parameters: ParametersOpt = "carbonspot",
    lifetime_years: LifetimeOpt = None,
    grid: GridOpt = None,
    fab_grid: FabGridOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Carbon per inference (g CO2-eq) under CA and PA, with its breakdown."""
    # numeric options are range-checked before this runs (cli/options.py)
    params = parameters_from_options(
        parameters,
        lifetime_years=lifetime_years,
        grid=grid,
        fab_grid=fab_grid,
        node_nm=node_nm,
        command="carbon",
    )
    try:
        out = carbon_report(
            energy_pj, latency_ns, area_mm2, dram_gb, fps, params, idle_power_mw=idle_power_mw
        ).to_dict()
    except SpecError as err:  # name the option the user typed, not the function argument
        if err.source != "<input>":
            raise
        raise SpecError("carbon", "--" + err.field.replace("_", "-"), err.message) from None
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    pv = out["parameter_values"]
    table = Table(title=f"Carbon per inference (g CO2-eq), parameters '{params.name}', {pv['node_nm']} nm")
    table.add_column("component")
    table.add_column("CA", justify="right")
    table.add_column("PA", justify="right")
    for k in COMPONENTS:
        table.add_row(k, _fmt(out["breakdown"]["ca"][k]), _fmt(out["breakdown"]["pa"][k]))
    table.add_section()
    table.add_row("total", _fmt(out["ca_g"]), _fmt(out["pa_g"]))
    table.add_row("total without package", _fmt(out["ca_ex_package_g"]), _fmt(out["pa_ex_package_g"]))
    table.add_row("tCDP (g ns)", _fmt(out["metrics"]["tcdp_ca_g_ns"]), _fmt(out["metrics"]["tcdp_pa_g_ns"]))
    console = Console()
    console.print(table)
    met = (
        "met"
        if out["deadline_met"]
        else f"MISSED (PA embodied scaled by {latency_ns / out['period_ns']:.3g})"
    )
    console.print(
        f"PA period {out['period_ns']:.6g} ns: deadline {met}; grids fab {pv['fab_ci_g_per_kwh']:g} / use "
        f"{pv['use_ci_g_per_kwh']:g} g/kWh; yield {out['die_yield']:.4g}; lifetime {pv['lifetime_years']:g} years"
    )
