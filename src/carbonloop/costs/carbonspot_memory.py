"""CarbonSpot's memory cost rules: SRAM from a 32-bit CACTI access scaled to the port width, DRAM per bit.

CarbonSpot (Sun et al., "An Analytical Model for Performance-Carbon Co-Optimization of Edge AI
Accelerators", IEEE TCAD 2025; KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py``,
``memory_hierarchy_dut_for_pdigital_os`` / ``_ws`` / ``_imc``) does not size its SRAM at the width it
reads: its ZigZag's CACTI wrapper (``get_cacti_cost``) runs CACTI 7 for a 32-bit-wide array of the SRAM's
row count (``size / bw``) at 32 nm, then scales it to the port width ``bw`` (energy x bw/32, area x 2 bw/32)
and to 28 nm (x 0.81 = 0.9^2 on energy and area).

The 32-bit point is CACTI 7's own output, run with that wrapper's configuration, for every power-of-two
row count from 32 to 2^24 (``data/cacti_carbonspot_32bit.csv``, its header names the source and the
settings; ``benchmarks/cacti_carbonspot_table.py`` regenerates it). It reproduces CarbonSpot's published
SRAM area of all 26 Tiny (SRAM, array) pairs (tests/hardware/test_carbonspot_rules.py); our smooth CACTI
fit left 0.83-1.09, as CACTI's organisation steps with the row count. Between the table's rows the point
is interpolated log-log; outside them it is our fit (:func:`carbonloop.costs.memory.sram`). Leakage, which
CarbonSpot does not count, is our fit's, scaled as the area.
"""

from __future__ import annotations

import bisect
import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

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
    fit = memory.sram(CACTI_WIDTH_BITS, rows, CACTI_NODE_NM)
    read_pj, write_pj, area_mm2 = cacti_32bit_point(rows) or (fit.read_pj, fit.write_pj, fit.area_mm2)
    energy_scale = width_bits / CACTI_WIDTH_BITS * NODE_32_TO_28
    area_scale = AREA_WIDTH_FACTOR * width_bits / CACTI_WIDTH_BITS * NODE_32_TO_28
    return CarbonSpotSramCost(
        read_pj=read_pj * energy_scale,
        write_pj=write_pj * energy_scale,
        area_mm2=area_mm2 * area_scale,
        leakage_mw=fit.leakage_mw * area_scale,
        rows=rows,
    )


@lru_cache(maxsize=1)
def _cacti_table() -> tuple[tuple[int, ...], tuple[tuple[float, float, float], ...]]:
    """(rows, (read pJ, write pJ, area mm2)) of the shipped CACTI runs, by row count."""
    text = files("carbonloop.costs.data").joinpath("cacti_carbonspot_32bit.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    records = sorted(csv.DictReader(lines), key=lambda r: int(r["rows"]))
    rows = tuple(int(r["rows"]) for r in records)
    values = tuple((float(r["read_pj"]), float(r["write_pj"]), float(r["area_mm2"])) for r in records)
    return rows, values


def cacti_32bit_point(rows: int) -> tuple[float, float, float] | None:
    """CACTI 7's 32-bit access at 32 nm of an array of ``rows`` words, as CarbonSpot runs it: (read pJ,
    write pJ, area mm2), log-log between the table's row counts; None outside them."""
    table, values = _cacti_table()
    if not table[0] <= rows <= table[-1]:
        return None
    i = bisect.bisect_left(table, rows)
    if table[i] == rows:
        return values[i]
    lo, hi = i - 1, i
    t = (math.log(rows) - math.log(table[lo])) / (math.log(table[hi]) - math.log(table[lo]))
    read_pj, write_pj, area_mm2 = (
        math.exp(math.log(x) + t * (math.log(y) - math.log(x)))
        for x, y in zip(values[lo], values[hi], strict=True)
    )
    return read_pj, write_pj, area_mm2


def carbonspot_dram_access_pj(width_bits: int) -> float:
    """One DRAM access of ``width_bits``: 3.7 pJ per bit, the whole port width per access."""
    if width_bits < 1:
        raise SpecError("<carbonspot dram>", "width_bits", f"must be >= 1 (got {width_bits})")
    return DRAM_PJ_PER_BIT * width_bits
