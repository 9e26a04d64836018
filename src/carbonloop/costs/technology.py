"""Technology nodes: supply voltage and unit-gate capacitance, area and delay per node, and scaling rules.

The 28 nm row is CarbonSpot's gate set (KULeuven-MICAS/carbonspot @ 0839b49, expr.py ``get_imc_param_setting``). Every
other node is derived from it with three documented rules (docs/costs.md, "Technology"):

- energy per switching event scales with Stillmaker & Baas (2017) energy polynomials at a reference
  0.8 V (low-power flavour at 45 nm and below); leakage power follows the same factor;
- area scales with Stillmaker & Baas (2017) Table 4 area factors;
- delay scales linearly with the feature size (constant-field scaling, Dennard et al., IEEE JSSC 1974).

Nodes missing from the paper (40, 28, 22 nm) are interpolated linearly in node. The scaling data are in
``costs/data/technology_scaling.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import yaml

from carbonloop.errors import SpecError


@dataclass(frozen=True)
class TechNode:
    """Unit-gate constants of one technology node (units in the names)."""

    node_nm: int
    vdd_v: float
    nand2_cap_ff: float
    xor2_cap_ff: float
    dff_cap_ff: float
    nand2_area_um2: float
    xor2_area_um2: float
    dff_area_um2: float
    nand2_delay_ns: float
    xor2_delay_ns: float
    sram_cell_wl_cap_ff: float
    sram_cell_bl_cap_ff: float

    def switch_energy_pj(self, cap_ff: float) -> float:
        """Energy of one full charge-discharge of ``cap_ff`` at this node's supply (C V^2, fF V^2 = fJ)."""
        return cap_ff * self.vdd_v**2 * 1e-3


# CarbonSpot tech_28nm (pF -> fF x1000, mm2 -> um2 x1e6).
NODE_28NM = TechNode(
    node_nm=28,
    vdd_v=0.9,
    nand2_cap_ff=0.7,
    xor2_cap_ff=1.05,
    dff_cap_ff=2.1,
    nand2_area_um2=0.614,
    xor2_area_um2=1.4736,
    dff_area_um2=3.684,
    nand2_delay_ns=0.0478,
    xor2_delay_ns=0.11472,
    sram_cell_wl_cap_ff=0.35,
    sram_cell_bl_cap_ff=0.35,
)

#: Nodes in the table (nm); 28 nm is the base row.
TABLE_NODES_NM: tuple[int, ...] = (65, 45, 40, 32, 28, 22, 16, 14, 7)


@cache
def _scaling_data() -> dict:
    text = resources.files("carbonloop.costs.data").joinpath("technology_scaling.yaml").read_text()
    return yaml.safe_load(text)


def _interp_in_node(table: dict[int, float], node_nm: float) -> float:
    """Linear interpolation in node between the two nearest table nodes (the table spans 7..65 nm)."""
    nodes = sorted(table)
    if node_nm in table:
        return table[int(node_nm)]
    lo = max(n for n in nodes if n < node_nm)
    hi = min(n for n in nodes if n > node_nm)
    t = (node_nm - lo) / (hi - lo)
    return table[lo] + t * (table[hi] - table[lo])


def _check_node(node_nm: int, field: str = "node_nm") -> int:
    if isinstance(node_nm, bool) or int(node_nm) != node_nm or int(node_nm) not in TABLE_NODES_NM:
        known = ", ".join(str(n) for n in sorted(TABLE_NODES_NM))
        raise SpecError("<technology>", field, f"unknown node {node_nm} (known: {known})")
    return int(node_nm)


@cache
def area_factor(node_nm: int) -> float:
    """Area of a design at ``node_nm`` relative to the same design at 65 nm (Stillmaker & Baas Table 4)."""
    node = _check_node(node_nm)
    return _interp_in_node(
        {int(k): float(v) for k, v in _scaling_data()["area_factor_vs_65nm"].items()}, node
    )


@cache
def energy_factor(node_nm: int) -> float:
    """Energy per operation at ``node_nm`` in the paper's arbitrary units, at the 0.8 V reference supply."""
    node = _check_node(node_nm)
    data = _scaling_data()
    vdd = float(data["energy_reference_vdd_v"])
    at_vdd = {int(k): a * vdd**2 + b * vdd + c for k, (a, b, c) in data["energy_poly"].items()}
    return _interp_in_node(at_vdd, node)


def area_scale(from_nm: int, to_nm: int) -> float:
    """Multiply an area at ``from_nm`` by this to get it at ``to_nm``."""
    return area_factor(to_nm) / area_factor(from_nm)


def energy_scale(from_nm: int, to_nm: int) -> float:
    """Multiply a dynamic energy at ``from_nm`` by this to get it at ``to_nm``."""
    return energy_factor(to_nm) / energy_factor(from_nm)


def leakage_scale(from_nm: int, to_nm: int) -> float:
    """Leakage power follows the energy factor (no better published per-node rule at iso-voltage)."""
    return energy_scale(from_nm, to_nm)


def delay_scale(from_nm: int, to_nm: int) -> float:
    """Gate delay is proportional to feature size (constant-field scaling, Dennard et al. 1974)."""
    return _check_node(to_nm) / _check_node(from_nm)


def _derive(node_nm: int) -> TechNode:
    """The 28 nm gate set moved to ``node_nm``: areas and delays scaled, capacitances back-derived.

    The capacitance is chosen so that C * Vdd(node)^2 follows the energy rule; this keeps every
    C V^2 energy built on these constants consistent with the scaled energies of the other models.
    """
    if node_nm == NODE_28NM.node_nm:
        return NODE_28NM
    vdd = float(_scaling_data()["nominal_vdd_v"][node_nm])
    cap = energy_scale(28, node_nm) * (NODE_28NM.vdd_v / vdd) ** 2
    area = area_scale(28, node_nm)
    delay = delay_scale(28, node_nm)
    base = NODE_28NM
    return replace(
        base,
        node_nm=node_nm,
        vdd_v=vdd,
        nand2_cap_ff=base.nand2_cap_ff * cap,
        xor2_cap_ff=base.xor2_cap_ff * cap,
        dff_cap_ff=base.dff_cap_ff * cap,
        nand2_area_um2=base.nand2_area_um2 * area,
        xor2_area_um2=base.xor2_area_um2 * area,
        dff_area_um2=base.dff_area_um2 * area,
        nand2_delay_ns=base.nand2_delay_ns * delay,
        xor2_delay_ns=base.xor2_delay_ns * delay,
        sram_cell_wl_cap_ff=base.sram_cell_wl_cap_ff * cap,
        sram_cell_bl_cap_ff=base.sram_cell_bl_cap_ff * cap,
    )


@cache
def _nodes() -> dict[int, TechNode]:
    return {n: _derive(n) for n in TABLE_NODES_NM}


def tech_node(node_nm: int) -> TechNode:
    """The constants of ``node_nm``; unknown nodes raise a SpecError naming the value."""
    try:
        return _nodes()[int(node_nm)]
    except (KeyError, TypeError, ValueError):
        known = ", ".join(str(n) for n in sorted(TABLE_NODES_NM))
        raise SpecError("<technology>", "node_nm", f"unknown node {node_nm} (known: {known})") from None


def known_nodes() -> tuple[int, ...]:
    """Nodes in the table, smallest first."""
    return tuple(sorted(TABLE_NODES_NM))


def node_table_markdown() -> str:
    """The node table as Markdown (docs/costs.md): supply, NAND2/XOR2/DFF constants and the scale factors."""
    head = (
        "| node (nm) | Vdd (V) | NAND2 C (fF) | XOR2 C (fF) | DFF C (fF) | NAND2 A (um^2) | XOR2 A (um^2) "
        "| DFF A (um^2) | NAND2 t (ns) | XOR2 t (ns) | energy vs 28 nm | area vs 28 nm |"
    )
    lines = [head, "|" + "---|" * 12]
    for n in sorted(TABLE_NODES_NM, reverse=True):
        t = tech_node(n)
        cells = [
            str(n), f"{t.vdd_v:.2f}", f"{t.nand2_cap_ff:.3f}", f"{t.xor2_cap_ff:.3f}", f"{t.dff_cap_ff:.3f}",
            f"{t.nand2_area_um2:.3f}", f"{t.xor2_area_um2:.3f}", f"{t.dff_area_um2:.3f}",
            f"{t.nand2_delay_ns:.4f}", f"{t.xor2_delay_ns:.4f}", f"{energy_scale(28, n):.3f}",
            f"{area_scale(28, n):.3f}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
