"""``carbonloop show-accelerator A``: every component with its resolved costs and where they came from."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from carbonloop.cli.app import app
from carbonloop.cli.console import table_console
from carbonloop.hardware import dump_accelerator, load_accelerator
from carbonloop.hardware.yaml import accelerator_to_dict


def _g(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


@app.command("show-accelerator")
def show_accelerator(
    accelerator: str = typer.Argument(..., help="Preset name, YAML file or template call."),
    as_json: bool = typer.Option(False, "--json", help="Print the resolved spec as JSON."),
    as_yaml: bool = typer.Option(False, "--yaml", help="Print the resolved spec as reloadable YAML."),
) -> None:
    """The resolved energy per action, area and source model of every memory and of the array."""
    acc = load_accelerator(accelerator)
    if as_yaml:
        typer.echo(dump_accelerator(acc), nl=False)
        return
    if as_json:
        doc = accelerator_to_dict(acc)
        doc["area_mm2"] = acc.area_mm2
        doc["instances"] = {m.name: acc.instances(i) for i, m in enumerate(acc.memories)}
        doc["sources"] = {m.name: m.source for m in acc.memories} | {"array": acc.array.source}
        typer.echo(json.dumps(doc, indent=1))
        return
    console = table_console(min_width=170)
    t = Table(title=f"{acc.name}: {acc.node_nm} nm, clock {acc.clock_ns:.4g} ns", title_justify="left")
    for col in ("component", "size bits", "width", "read pJ", "write pJ", "update pJ", "r/w bw bits",
                "instances", "area mm2 (all)", "keeps", "source"):  # fmt: skip
        t.add_column(col, justify="left" if col in ("component", "keeps", "source") else "right")
    for i, m in enumerate(acc.memories):
        n = acc.instances(i)
        t.add_row(
            m.name, _g(m.size_bits) if m.size_bits else "unbounded", str(m.width_bits), _g(m.read_pj),
            _g(m.write_pj), _g(m.update_pj),
            f"{m.read_bits_per_cycle:g}/{m.write_bits_per_cycle:g}", str(n), _g(m.area_mm2 * n),
            ",".join(sorted(m.operands)), m.source,
        )  # fmt: skip
    a = acc.array
    axes = " x ".join(f"{name}={size}" for name, size in a.axes) or "1 PE"
    t.add_row(
        f"array ({a.kind}, {axes})", "", "", _g(a.mac_pj) + " /MAC", "", "", f"{a.cycles_per_mac} cyc/MAC",
        str(a.pes), _g(a.area_mm2), "", a.source,
    )  # fmt: skip
    console.print(t)
    if a.energy_breakdown_pj_per_mac:
        parts = ", ".join(f"{k} {v * 1000:.4g}" for k, v in a.energy_breakdown_pj_per_mac.items() if v)
        console.print(f"  macro energy per MAC (fJ, peak): {parts}")
    if a.area_breakdown_mm2:
        parts = ", ".join(f"{k} {v:.4g}" for k, v in a.area_breakdown_mm2.items() if v)
        console.print(f"  macro area (mm2): {parts}")
    console.print(f"  total area {acc.area_mm2:.4g} mm2")
