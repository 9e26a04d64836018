"""The DRAM and SRAM levels shared by the IMC and CiM templates: one definition, the same levels."""

from __future__ import annotations

import pytest

from carbonloop.costs.cim.macro import CimMacroSpec
from carbonloop.costs.imc import imc_template_spec
from carbonloop.hardware.cim import cim_accelerator
from carbonloop.hardware.imc import imc_accelerator
from carbonloop.hardware.macro_memories import SramCost, dram_and_sram_levels


def test_levels_by_hand() -> None:
    sram = SramCost(read_pj=10.0, write_pj=12.0, area_mm2=0.5, leakage_mw=0.1, source="test")
    dram, shared = dram_and_sram_levels(
        axes=("D1", "D2", "M"),
        dram_bytes=1024,
        dram_width_bits=1024,
        sram_bytes=4096,
        sram_width_bits=256,
        sram=sram,
        sram_ports=(4, 2),
    )
    # CarbonSpot's 3.7 pJ/bit x 1024 b per DRAM word
    assert dram.read_pj == dram.write_pj == dram.update_pj == pytest.approx(3788.8)
    assert (dram.size_bits, dram.double_buffered, dram.spans) == (8192, True, ("D1", "D2", "M"))
    assert (shared.read_pj, shared.update_pj, shared.area_mm2) == (10.0, 12.0, 0.5)
    assert (shared.read_ports, shared.write_ports, shared.size_bits) == (4, 2, 32768)
    assert shared.operands == dram.operands == frozenset({"W", "I", "O"})


def test_both_templates_build_their_upper_levels_from_the_helper() -> None:
    # a 128 x 128 SRAM macro of 8-b weights: the DRAM word is D1 x Bw = 1024 b in both templates
    imc = imc_accelerator(imc_template_spec("dimc", 128), sram_bytes=256 * 1024)
    cim = cim_accelerator(
        CimMacroSpec(device="sram_6t", rows=128, cols=128, bits_per_cell=1, node_nm=28, adc_bits=None),
        sram_bytes=256 * 1024,
    )
    for acc in (imc, cim):
        dram, sram = acc.memories[0], acc.memories[1]
        assert (dram.name, sram.name) == ("dram", "sram")
        assert dram.width_bits == 1024 and dram.read_pj == pytest.approx(3.7 * 1024)
    assert imc.memories[0] == cim.memories[0]
