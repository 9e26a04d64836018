"""The DRAM and shared-SRAM levels above an in-memory-computing array, one definition for both macro
templates (``hardware.imc`` for the SRAM IMC model, ``hardware.cim`` for the CiM model of any cell).

Both follow CarbonSpot's hierarchy (KULeuven-MICAS/carbonspot @ 0839b49, expr.py memory_hierarchy_dut_*):
a double-buffered DRAM at 3.7 pJ/bit (dram_access_energy_pJ_per_bit) and one SRAM holding inputs,
outputs and weights, both spanning every array axis; the levels below (the weight cells) differ per
template and stay there.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonloop.hardware.accelerator import MemoryLevel

DRAM_PJ_PER_BIT = 3.7


@dataclass(frozen=True)
class SramCost:
    """What the SRAM level needs of a memory model (per access of one ``width_bits`` word)."""

    read_pj: float
    write_pj: float
    area_mm2: float
    leakage_mw: float
    source: str


def dram_and_sram_levels(
    *,
    axes: tuple[str, ...],
    dram_bytes: int,
    dram_width_bits: int,
    sram_bytes: int,
    sram_width_bits: int,
    sram: SramCost,
    sram_ports: tuple[int, int] = (1, 1),
) -> tuple[MemoryLevel, MemoryLevel]:
    """DRAM (all operands, double buffered, one word of ``dram_width_bits`` per cycle) above the shared
    SRAM (all operands, ``sram_ports`` read and write ports of one ``sram_width_bits`` word each)."""
    dram_pj = DRAM_PJ_PER_BIT * dram_width_bits
    dram = MemoryLevel(
        name="dram",
        size_bits=dram_bytes * 8,
        width_bits=dram_width_bits,
        read_pj=dram_pj,
        write_pj=dram_pj,
        update_pj=dram_pj,
        read_bw_bits=float(dram_width_bits),
        write_bw_bits=float(dram_width_bits),
        operands=frozenset({"W", "I", "O"}),
        spans=axes,
        double_buffered=True,
        source=f"CarbonSpot DRAM, {DRAM_PJ_PER_BIT} pJ/bit",
    )
    shared = MemoryLevel(
        name="sram",
        size_bits=sram_bytes * 8,
        width_bits=sram_width_bits,
        read_pj=sram.read_pj,
        write_pj=sram.write_pj,
        update_pj=sram.write_pj,
        read_bw_bits=float(sram_width_bits),
        write_bw_bits=float(sram_width_bits),
        read_ports=sram_ports[0],
        write_ports=sram_ports[1],
        area_mm2=sram.area_mm2,
        operands=frozenset({"W", "I", "O"}),
        spans=axes,
        double_buffered=False,
        leakage_mw=sram.leakage_mw,
        source=sram.source,
    )
    return dram, shared
