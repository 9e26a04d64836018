"""CiM memory cells: the cell library (YAML) and the per-cell read and write energies.

A non-volatile cell (ReRAM, ECRAM) computes by Ohm's law: a read pulse of ``T_read`` at ``V_read`` across a
cell of conductance ``G`` draws ``E = T_read * V_read^2 * G``. The conductance a weight slice programs is
spread linearly between the off and on states *as seen through the wires* (NeuroSim's wire-aware
programming, restated in CiMLoop, Andrulis et al. ISPASS 2024; mit-emze/cimloop @ d6e1390 and
Accelergy-Project/accelergy-neurosim-plug-in @ bf874bc): ``G_min = 1/(R_off + R_wire + R_access)``,
``G_max = 1/(R_on + R_wire + R_access)``. ``R_wire`` is the row plus column wire, 0.530 ohm per F of cell
side (40 nm wide copper, rho 4.03e-8 ohm m, aspect ratio 1.9: rho/(w^2 AR) per unit length x 40 nm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from carbonloop.errors import SpecError
from carbonloop.specio import load_yaml

WIRE_WIDTH_M = 40e-9
WIRE_OHM_PER_M = 4.03e-8 / (WIRE_WIDTH_M**2 * 1.9)  # rho / (w * w*AR): a 40 nm wire of aspect ratio 1.9
WIRE_OHM_PER_F_SIDE = WIRE_OHM_PER_M * WIRE_WIDTH_M  # 0.530 ohm per F (of 40 nm) of cell side
TECHNOLOGIES = ("sram", "rram", "ecram")
_NVM = ("rram", "ecram")
_FIELDS = {
    "technology",
    "cell_area_f2",
    "bits_per_cell",
    "r_on_ohm",
    "r_off_ohm",
    "v_read_v",
    "v_set_v",
    "set_pulse_ns",
    "r_access_ohm",
    "compute_cap_ff",
    "source",
}


@dataclass(frozen=True)
class Cell:
    """One cell type's published parameters (units in the names)."""

    name: str
    technology: str
    cell_area_f2: float
    bits_per_cell: int
    source: str
    r_on_ohm: float = 0.0
    r_off_ohm: float = 0.0
    v_read_v: float = 0.0
    v_set_v: float = 0.0
    set_pulse_ns: float = 0.0
    r_access_ohm: float = 0.0
    compute_cap_ff: float = 0.0

    @property
    def is_nonvolatile(self) -> bool:
        return self.technology in _NVM

    def area_um2(self, node_nm: float) -> float:
        """Layout area of one cell: A F^2."""
        return self.cell_area_f2 * (node_nm * 1e-3) ** 2

    def wire_ohm(self, rows: int, cols: int) -> float:
        """Row plus column wire resistance seen by a cell of a rows x cols array (square cell)."""
        return (rows + cols) * WIRE_OHM_PER_F_SIDE * math.sqrt(self.cell_area_f2)

    def conductance_range_s(self, rows: int, cols: int) -> tuple[float, float]:
        """(G_min, G_max) through the wires and the access device (wire-aware programming)."""
        series = self.wire_ohm(rows, cols) + self.r_access_ohm
        return 1.0 / (self.r_off_ohm + series), 1.0 / (self.r_on_ohm + series)

    def read_energy_fj(self, rows: int, cols: int, read_pulse_ns: float, cell_value: float) -> float:
        """Energy of one read pulse of a non-volatile cell holding the average slice value ``cell_value``
        in [0, 1] (0: G_min, 1: G_max): T V^2 G, linear in G."""
        if not self.is_nonvolatile:
            raise SpecError(self.name, "technology", "read energy by Ohm's law needs a non-volatile cell")
        g_min, g_max = self.conductance_range_s(rows, cols)
        g = g_min + (g_max - g_min) * cell_value
        return read_pulse_ns * 1e-9 * self.v_read_v**2 * g * 1e15

    def write_energy_fj(self, rows: int, cols: int, cell_value: float = 0.5) -> float:
        """One programming pulse: T_set V_set^2 G (G mixed between G_min and G_max by ``cell_value``).
        An SRAM cell's write is the bitline's and is costed by the memory model, not here (0)."""
        if not self.is_nonvolatile:
            return 0.0
        g_min, g_max = self.conductance_range_s(rows, cols)
        g = g_min + (g_max - g_min) * cell_value
        return self.set_pulse_ns * 1e-9 * self.v_set_v**2 * g * 1e15


def _number(source: str, where: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(source, where, f"must be a finite number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise SpecError(source, where, f"must be {'positive' if positive else '>= 0'}, got {value!r}")
    return float(value)


def cell_from_dict(name: str, data: Any, source: str) -> Cell:
    """Validate one cell entry; every problem is a SpecError naming ``source`` and ``cells.<name>.<field>``."""
    where = f"cells.{name}"
    if not isinstance(data, dict):
        raise SpecError(source, where, "a cell is a mapping of its parameters")
    unknown = sorted(set(map(str, data)) - _FIELDS)
    if unknown:
        raise SpecError(
            source, f"{where}.{unknown[0]}", f"unknown field (known: {', '.join(sorted(_FIELDS))})"
        )
    tech = data.get("technology")
    if tech not in TECHNOLOGIES:
        raise SpecError(
            source, f"{where}.technology", f"must be one of {', '.join(TECHNOLOGIES)}, got {tech!r}"
        )
    bits = data.get("bits_per_cell", 1)
    if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 8:
        raise SpecError(source, f"{where}.bits_per_cell", f"must be an integer in [1, 8], got {bits!r}")
    if "cell_area_f2" not in data:
        raise SpecError(source, f"{where}.cell_area_f2", "missing (layout area in F^2)")
    values = {
        key: _number(source, f"{where}.{key}", data.get(key, 0.0), positive=key == "cell_area_f2")
        for key in (
            "cell_area_f2",
            "r_on_ohm",
            "r_off_ohm",
            "v_read_v",
            "v_set_v",
            "set_pulse_ns",
            "r_access_ohm",
            "compute_cap_ff",
        )
    }
    if tech in _NVM:
        for key in ("r_on_ohm", "r_off_ohm", "v_read_v"):
            if key not in data or values[key] <= 0:
                raise SpecError(source, f"{where}.{key}", f"a {tech} cell needs a positive {key}")
        if values["r_off_ohm"] <= values["r_on_ohm"]:
            raise SpecError(
                source,
                f"{where}.r_off_ohm",
                f"must exceed r_on_ohm ({values['r_off_ohm']:g} <= {values['r_on_ohm']:g})",
            )
    src = data.get("source")
    if not isinstance(src, str) or not src.strip():
        raise SpecError(source, f"{where}.source", "every cell names the source of its numbers")
    return Cell(name=name, technology=tech, bits_per_cell=bits, source=src, **values)


def cells_from_dict(data: Any, source: str) -> dict[str, Cell]:
    if not isinstance(data, dict) or not isinstance(data.get("cells"), dict):
        raise SpecError(source, "cells", "a cell library is a mapping with a 'cells' mapping")
    return {str(name): cell_from_dict(str(name), entry, source) for name, entry in data["cells"].items()}


@cache
def builtin_cells() -> dict[str, Cell]:
    """The shipped cell library (``costs/data/cim_cells.yaml``)."""
    ref = resources.files("carbonloop.costs") / "data" / "cim_cells.yaml"
    with resources.as_file(ref) as path:
        return cells_from_dict(load_yaml(path), "cim_cells.yaml")


def load_cell_library(path: str | Path | None = None) -> dict[str, Cell]:
    """The built-in cells, extended (or overridden by name) with the cells of the YAML file ``path``."""
    cells = dict(builtin_cells())
    if path is not None:
        cells.update(cells_from_dict(load_yaml(Path(path)), str(path)))
    return cells


def cell(name: str) -> Cell:
    """A built-in cell by name; an unknown name is a SpecError listing the known ones."""
    cells = builtin_cells()
    if name not in cells:
        raise SpecError("<cim>", "device", f"unknown cell {name!r} (cells: {', '.join(sorted(cells))})")
    return cells[name]
