"""An accelerator: a compute array under an ordered hierarchy of memory levels, and a clock.

Levels are listed outermost first (DRAM ... registers). A level is shared across some axes of the
array (``spans``): one instance serves every PE along those axes, so its instance count is the product
of the sizes of the axes it does not span. Spatial loops over an axis sit at the innermost level that
still spans it: that level fans data out to (and reduces partial sums from) the instances below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from carbonloop.errors import SpecError
from carbonloop.model.conventions import CARBONLOOP, Conventions
from carbonloop.workload.layer import ROLES, Role


@dataclass(frozen=True)
class MemoryLevel:
    """One memory level; energies are per access of one ``width_bits`` word, bandwidths per port."""

    name: str
    size_bits: int | None  # None: unbounded (off-chip DRAM)
    width_bits: int
    read_pj: float
    write_pj: float
    update_pj: float
    read_bw_bits: float
    write_bw_bits: float
    read_ports: int = 1
    write_ports: int = 1
    shared_ports: bool = False
    area_mm2: float = 0.0
    operands: frozenset[Role] = frozenset(ROLES)
    spans: tuple[str, ...] = ()
    double_buffered: bool = False
    leakage_mw: float = 0.0
    source: str = "spec"
    datawidth_bits: int | None = None
    """Bits of one element at this level whatever the operand (Timeloop's ``datawidth``); None: the
    operand's precision. Read only under conventions that charge whole blocks or per-level widths."""
    cluster_size: int = 1
    """Instances sharing one vector access (Timeloop's ``cluster_size``); read only by the conventions."""

    def keeps(self, role: str) -> bool:
        return role in self.operands

    @property
    def read_bits_per_cycle(self) -> float:
        return self.read_bw_bits * self.read_ports

    @property
    def write_bits_per_cycle(self) -> float:
        return self.write_bw_bits * self.write_ports


@dataclass(frozen=True)
class ComputeArray:
    """The PE array (digital) or macro array (IMC): named spatial axes and the cost of one MAC.

    ``cycles_per_mac`` is 1 for a digital PE and Bi/Bcycle for a bit-serial IMC macro.
    ``extra_area_mm2`` holds array-level logic (adder trees, ADCs ...), ``breakdown`` its parts.
    """

    axes: tuple[tuple[str, int], ...]
    mac_pj: float
    mac_area_mm2: float = 0.0
    extra_area_mm2: float = 0.0
    kind: str = "digital"
    cycles_per_mac: int = 1
    precision_bits: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    energy_breakdown_pj_per_mac: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    area_breakdown_mm2: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    source: str = "spec"
    imc: Any = None  # an ImcMacroSpec: compute energy per pass comes from the macro model

    @property
    def is_imc(self) -> bool:
        return self.imc is not None

    @property
    def pes(self) -> int:
        return math.prod(s for _, s in self.axes)

    @property
    def axis_names(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.axes)

    def axis_size(self, axis: str) -> int:
        for a, s in self.axes:
            if a == axis:
                return s
        raise SpecError("<accelerator>", "array.axes", f"unknown array axis {axis!r}")

    @property
    def area_mm2(self) -> float:
        return self.pes * self.mac_area_mm2 + self.extra_area_mm2


@dataclass(frozen=True)
class Accelerator:
    """Memory levels (outermost first) over a compute array, at one clock and technology node."""

    name: str
    array: ComputeArray
    memories: tuple[MemoryLevel, ...]
    clock_ns: float = 1.0
    node_nm: int = 28
    hints: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    conventions: Conventions = CARBONLOOP
    """What the model counts where tools disagree (model/conventions.py); the mapper searches under it."""

    def __post_init__(self) -> None:
        src = f"<accelerator {self.name}>"
        if not self.memories:
            raise SpecError(src, "memories", "at least one memory level is needed")
        names = [m.name for m in self.memories]
        if len(set(names)) != len(names):
            raise SpecError(src, "memories", f"duplicate level names {names}")
        if not (math.isfinite(self.clock_ns) and self.clock_ns > 0):
            raise SpecError(src, "clock_ns", f"must be a finite number > 0 (got {self.clock_ns})")
        _check_costs(self, src)
        axes = set(self.array.axis_names)
        for i, m in enumerate(self.memories):
            unknown = set(m.spans) - axes
            if unknown:
                raise SpecError(src, f"memories[{i}].spans", f"unknown array axes {sorted(unknown)}")
            if i and not set(m.spans) <= set(self.memories[i - 1].spans):
                raise SpecError(
                    src,
                    f"memories[{i}].spans",
                    f"{m.name!r} spans {list(m.spans)} but the level above spans only "
                    f"{list(self.memories[i - 1].spans)} (inner levels must span a subset)",
                )
        missing = set(ROLES) - set(self.memories[0].operands)
        if missing:
            raise SpecError(
                src,
                "memories[0].operands",
                f"the outermost level must keep every operand; misses {sorted(missing)}",
            )

    # --- structure ------------------------------------------------------------------------------
    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.memories)

    def level_index(self, name: str) -> int:
        for i, m in enumerate(self.memories):
            if m.name == name:
                return i
        raise SpecError(
            "<accelerator>", "level", f"unknown memory level {name!r} (levels: {list(self.level_names)})"
        )

    def instances(self, level: int) -> int:
        """Number of physical copies of a level: one per position along the axes it does not span."""
        spans = set(self.memories[level].spans)
        return math.prod(s for a, s in self.array.axes if a not in spans)

    def fanout_level(self, axis: str) -> int:
        """Index of the level whose spatial loops may unroll ``axis`` (innermost level spanning it)."""
        idx = [i for i, m in enumerate(self.memories) if axis in m.spans]
        if not idx:
            raise SpecError("<accelerator>", "array.axes", f"no memory level spans axis {axis!r}")
        return max(idx)

    @property
    def area_mm2(self) -> float:
        return self.array.area_mm2 + sum(m.area_mm2 * self.instances(i) for i, m in enumerate(self.memories))

    def area_breakdown_mm2(self) -> dict[str, float]:
        out = {m.name: m.area_mm2 * self.instances(i) for i, m in enumerate(self.memories)}
        out["array"] = self.array.area_mm2
        return out

    @property
    def dram_bits(self) -> int:
        """Capacity of the outermost level when it is off-chip (unbounded levels count as 0)."""
        return self.memories[0].size_bits or 0


def _check_costs(acc: Accelerator, source: str) -> None:
    """Every energy, area and leakage finite and >= 0, every bandwidth > 0 (``inf``: no limit).

    The spec loaders check these already; this catches an accelerator built in Python with a NaN or an
    infinity, which would otherwise come out as ``"energy_pj": NaN`` (issue #13).
    """
    array = acc.array
    for name, value in (
        ("mac_pj", array.mac_pj),
        ("mac_area_mm2", array.mac_area_mm2),
        ("extra_area_mm2", array.extra_area_mm2),
    ):
        if not (math.isfinite(value) and value >= 0):
            raise SpecError(source, f"array.{name}", f"must be a finite number >= 0 (got {value})")
    for i, m in enumerate(acc.memories):
        for name, value in (
            ("read_pj", m.read_pj),
            ("write_pj", m.write_pj),
            ("update_pj", m.update_pj),
            ("area_mm2", m.area_mm2),
            ("leakage_mw", m.leakage_mw),
        ):
            if not (math.isfinite(value) and value >= 0):
                raise SpecError(
                    source, f"memories[{i}].{name}", f"must be a finite number >= 0 (got {value})"
                )
        for name, value in (("read_bw_bits", m.read_bw_bits), ("write_bw_bits", m.write_bw_bits)):
            if not value > 0:  # NaN and values <= 0 fail; inf is "no limit"
                raise SpecError(source, f"memories[{i}].{name}", f"must be > 0 (got {value})")
