"""CiM cell library: published parameters in, Ohm's-law read energies out (arithmetic shown)."""

from __future__ import annotations

import math

import pytest

from carbonloop.costs.cim.cells import WIRE_OHM_PER_F_SIDE, builtin_cells, cell, load_cell_library
from carbonloop.errors import SpecError


def test_wire_resistance_is_half_an_ohm_per_f_of_cell_side() -> None:
    # rho / (w^2 AR) * w = 4.03e-8 / (40e-9 * 1.9) = 0.5303 ohm per F of 40 nm
    assert pytest.approx(4.03e-8 / (40e-9 * 1.9), rel=1e-12) == WIRE_OHM_PER_F_SIDE
    assert pytest.approx(0.5303, abs=1e-4) == WIRE_OHM_PER_F_SIDE


def test_neurram_cell_read_energy_by_hand() -> None:
    # NeuRRAM 1T1R (Wan et al., Nature 2022; CiMLoop cell file): 256x256, A = 125.74 F^2, 250 kOhm / 1 MOhm,
    # 0.5 V, 10 ns. R_wire = 512 * 0.5303 * sqrt(125.74) = 3044 ohm.
    c = cell("rram_1t1r_neurram")
    r_wire = 512 * 0.530263 * math.sqrt(125.74)
    assert c.wire_ohm(256, 256) == pytest.approx(r_wire, rel=1e-4)
    assert r_wire == pytest.approx(3044, abs=1)
    # E = T V^2 G: 10e-9 * 0.25 / (1e6 + 3044) = 2.49 fJ; 10e-9 * 0.25 / (250e3 + 3044) = 9.88 fJ
    assert c.read_energy_fj(256, 256, 10.0, 0.0) == pytest.approx(2.5e-9 / (1e6 + r_wire) * 1e15, rel=1e-4)
    assert c.read_energy_fj(256, 256, 10.0, 0.0) == pytest.approx(2.49, abs=0.01)
    assert c.read_energy_fj(256, 256, 10.0, 1.0) == pytest.approx(9.88, abs=0.01)
    # linear in the average cell value: c = 0.246 -> 2.49 + (9.88 - 2.49) * 0.246 = 4.31 fJ
    assert c.read_energy_fj(256, 256, 10.0, 0.246) == pytest.approx(2.492 + (9.880 - 2.492) * 0.246, rel=1e-3)


def test_isaac_and_raella_cells_match_the_worked_cimloop_numbers() -> None:
    # ISAAC: 128x128, 16 F^2, 1333/20000 ohm, 0.2 V, 1 ns: R_wire = 256 * 0.5303 * 4 = 543 ohm;
    # E_lo = 1e-9 * 0.04 / 20543 = 1.95 fJ, E_hi = 1e-9 * 0.04 / 1876 = 21.3 fJ
    isaac = cell("rram_1t1r_isaac")
    assert isaac.read_energy_fj(128, 128, 1.0, 0.0) == pytest.approx(1.95, abs=0.01)
    assert isaac.read_energy_fj(128, 128, 1.0, 1.0) == pytest.approx(21.3, abs=0.05)
    # RAELLA: 512x1024, + 1 kOhm access, 2.5 ns: R_series = 1536*0.5303*4 + 1000 = 4258 ohm
    raella = cell("rram_2t2r_raella")
    assert raella.read_energy_fj(512, 1024, 2.5, 0.0) == pytest.approx(2.5e-9 * 0.04 / 24258 * 1e15, rel=1e-3)
    assert raella.read_energy_fj(512, 1024, 2.5, 1.0) == pytest.approx(17.9, abs=0.05)


def test_every_builtin_cell_names_its_source_and_has_a_positive_area() -> None:
    cells = builtin_cells()
    assert {"sram_6t", "sram_8t", "rram_1t1r_neurram", "rram_2t2r_raella", "ecram"} <= set(cells)
    for c in cells.values():
        assert c.source.strip()
        assert c.cell_area_f2 > 0
        if c.is_nonvolatile:
            assert c.r_off_ohm > c.r_on_ohm > 0


def test_cell_area_is_a_f_squared() -> None:
    # 125.74 F^2 at 130 nm = 125.74 * 0.13^2 = 2.125 um^2
    assert cell("rram_1t1r_neurram").area_um2(130) == pytest.approx(125.74 * 0.0169)


def test_user_yaml_extends_the_library(tmp_path) -> None:
    path = tmp_path / "my_cells.yaml"
    path.write_text(
        "cells:\n  my_pcm:\n    technology: rram\n    cell_area_f2: 20\n    bits_per_cell: 2\n"
        "    r_on_ohm: 10000\n    r_off_ohm: 100000\n    v_read_v: 0.3\n    source: my measurement\n"
    )
    cells = load_cell_library(path)
    assert "my_pcm" in cells and "sram_8t" in cells
    # 1 ns, 0.09 V^2, G_max through 2 * 2 * 0.5303 * sqrt(20) = 9.49 ohm of wire: 0.09e-9 / 10009.49
    assert cells["my_pcm"].read_energy_fj(2, 2, 1.0, 1.0) == pytest.approx(
        0.09e-9 / (10000 + 4 * 0.530263 * math.sqrt(20)) * 1e15, rel=1e-5
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("technology: flash\n    cell_area_f2: 4\n    source: x", "cells.bad.technology"),
        (
            "technology: rram\n    cell_area_f2: 4\n    r_on_ohm: 10\n    r_off_ohm: 5\n    v_read_v: 0.2\n    source: x",
            "cells.bad.r_off_ohm",
        ),
        ("technology: rram\n    cell_area_f2: 4\n    source: x", "cells.bad.r_on_ohm"),
        ("technology: sram\n    cell_area_f2: -1\n    source: x", "cells.bad.cell_area_f2"),
        ("technology: sram\n    cell_area_f2: 4", "cells.bad.source"),
        (
            "technology: sram\n    cell_area_f2: 4\n    bits_per_cell: 0\n    source: x",
            "cells.bad.bits_per_cell",
        ),
        ("technology: sram\n    cell_area_f2: 4\n    colour: red\n    source: x", "cells.bad.colour"),
    ],
)
def test_bad_cell_entries_are_one_line_errors(tmp_path, body: str, field: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"cells:\n  bad:\n    {body}\n")
    with pytest.raises(SpecError) as err:
        load_cell_library(path)
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_unknown_cell_lists_the_known_ones() -> None:
    with pytest.raises(SpecError, match="sram_8t"):
        cell("nope")
