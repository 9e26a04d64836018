"""Technology nodes: supply voltage and unit-gate capacitance, area and delay per node.

The 28 nm row is CarbonSpot's gate set (../shared/reference/carbonspot_setup.yaml, ``tech_28nm``).
Other nodes are derived from it by the scaling rules documented in ``docs/costs.md``.
(Placeholder table: extended with every node and its scaling rule by the component-cost work.)
"""

from __future__ import annotations

from dataclasses import dataclass

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

_NODES: dict[int, TechNode] = {28: NODE_28NM}


def tech_node(node_nm: int) -> TechNode:
    """The constants of ``node_nm``; unknown nodes raise a SpecError naming the value."""
    try:
        return _NODES[int(node_nm)]
    except KeyError:
        known = ", ".join(str(n) for n in sorted(_NODES))
        raise SpecError("<technology>", "node_nm", f"unknown node {node_nm} (known: {known})") from None


def known_nodes() -> tuple[int, ...]:
    """Nodes in the table, smallest first."""
    return tuple(sorted(_NODES))
