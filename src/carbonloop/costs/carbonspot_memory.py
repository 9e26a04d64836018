"""CarbonSpot's memory cost rules: SRAM from a 32-bit CACTI access scaled to the port width, DRAM per bit.

CarbonSpot (Sun et al., "An Analytical Model for Performance-Carbon Co-Optimization of Edge AI
Accelerators", IEEE TCAD 2025; KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py``,
``memory_hierarchy_dut_for_pdigital_os`` / ``_ws`` / ``_imc``) does not size its SRAM at the width it
reads: it runs CACTI 7 for a 32-bit-wide array of the SRAM's row count at 32 nm, then scales it to the
port width ``bw`` (energy x bw/32, area x 2 bw/32) and to 28 nm (x 0.81 = 0.9^2 on energy and area).
We use our own CACTI 7 fit (:func:`carbonloop.costs.memory.sram`) for that 32-bit point, so the rule is
CarbonSpot's and the 32-bit numbers are ours.

The row count is ``size / bw``: the published SRAM areas of the Tiny sweep (area_mem_area_mm2 minus the
registers) over this rule's ``2 bw/32 x 0.81`` scaling leave a factor of 0.92-1.21 for all 26 (SRAM, array)
pairs, and that factor follows the row count only (tests/hardware/test_carbonspot_rules.py); a run at
``size / 32`` rows would leave 1.6-2.9 varying with the width.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonloop.costs import memory
from carbonloop.errors import SpecError

CACTI_WIDTH_BITS = 32
"""CarbonSpot's CACTI runs are 32 bits wide whatever the port width."""
CACTI_NODE_NM = 32
"""CarbonSpot runs CACTI at 32 nm for its 28 nm designs."""
NODE_32_TO_28 = 0.81
"""28 nm = 32 nm x 0.81 (= 0.9^2) on energy and area (CarbonSpot, ``expr.py``)."""
AREA_WIDTH_FACTOR = 2.0
"""Area scales by 2 bw/32 from the 32-bit run (energy by bw/32): the wide port's wiring doubles it."""
DRAM_PJ_PER_BIT = 3.7
"""CarbonSpot's DRAM access energy (``expr.py``, ``memory_hierarchy_dut_*``: 3.7 pJ/bit x bandwidth)."""


@dataclass(frozen=True)
class CarbonSpotSramCost:
    """Per-access energies of one ``width_bits`` word, area and leakage of CarbonSpot's SRAM."""

    read_pj: float
    write_pj: float
    area_mm2: float
    leakage_mw: float
    rows: int


def carbonspot_sram_cost(size_bits: int, width_bits: int) -> CarbonSpotSramCost:
    """A 28 nm SRAM of ``size_bits`` read ``width_bits`` at a time, costed by CarbonSpot's rule.

    Why: CarbonSpot's CACTI runs are 32-bit wide; a 32-bit access of an array with the SRAM's
    ``size / width`` rows, times ``width/32`` (energy) or ``2 width/32`` (area), times 0.81 (32 -> 28 nm).
    Leakage (not used by CarbonSpot) scales as the area."""
    src = "<carbonspot sram>"
    if width_bits < 1 or size_bits < width_bits:
        raise SpecError(src, "width_bits", f"needs 1 <= width <= size (got {width_bits} b of {size_bits} b)")
    if size_bits % width_bits:
        raise SpecError(src, "size_bits", f"{size_bits} b is not a whole number of {width_bits}-bit rows")
    rows = size_bits // width_bits
    base = memory.sram(CACTI_WIDTH_BITS, rows, CACTI_NODE_NM)
    energy_scale = width_bits / CACTI_WIDTH_BITS * NODE_32_TO_28
    area_scale = AREA_WIDTH_FACTOR * width_bits / CACTI_WIDTH_BITS * NODE_32_TO_28
    return CarbonSpotSramCost(
        read_pj=base.read_pj * energy_scale,
        write_pj=base.write_pj * energy_scale,
        area_mm2=base.area_mm2 * area_scale,
        leakage_mw=base.leakage_mw * area_scale,
        rows=rows,
    )


def carbonspot_dram_access_pj(width_bits: int) -> float:
    """One DRAM access of ``width_bits``: 3.7 pJ per bit, the whole port width per access."""
    if width_bits < 1:
        raise SpecError("<carbonspot dram>", "width_bits", f"must be >= 1 (got {width_bits})")
    return DRAM_PJ_PER_BIT * width_bits
