"""An accelerator: a compute array under an ordered hierarchy of memory levels, and a clock.

Levels are listed outermost first (DRAM ... registers). A level is shared across some axes of the
array (``spans``): one instance serves every PE along those axes, so its instance count is the product
of the sizes of the axes it does not span. Spatial loops over an axis are listed at the innermost level
that still spans it: that level fans data out to (and reduces partial sums from) the instances below.

Per-operand memories (docs/model.md, "Per-operand memories"): spans need only be nested along each
operand's chain of levels, so one operand's register may be shared along D1 and another's along D2. For
each operand a spatial loop over an axis belongs to the innermost level of that operand's chain spanning
the axis (:meth:`Accelerator.operand_fanout_level`). Several levels may be virtual levels of one physical
memory (``physical``): each keeps its own operands (each operand cuts the loop nest at its own position
in that memory), and they share the capacity, area and leakage of the one memory.
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
    physical: str | None = None
    """Name of the physical memory this level is a virtual level of (None: a memory of its own). Virtual
    levels of one memory share its capacity (the sum of their tiles must fit), area and leakage (counted
    once); each keeps its own operands; they share the memory's ports."""
    min_read_bits: tuple[tuple[Role, int], ...] = ()
    """The smallest read the memory can do, per operand (a sub-bank, a port's minimum bandwidth): a
    transfer of b bits is charged as ``ceil(b / min) x min`` bits. Empty: any number of bits (the bits
    moved are charged). CarbonSpot's SRAM has ``width / 16`` (16 sub-banks); ZigZag's ports
    ``bandwidth_min`` (docs/model.md, "Minimum access granularity")."""
    min_write_bits: tuple[tuple[Role, int], ...] = ()
    """The smallest write (fills and updates), per operand, as :attr:`min_read_bits`."""
    diagonal_inputs: bool = False
    """An input (``I``) register shared along its ``spans`` that feeds diagonals of PEs (ZigZag's weight
    diagonal mapping): output ``ox`` reads input ``ox + fx``, so the register of one row serves a
    diagonal and the spans may unroll dims the input depends on and the weight ignores (OX, OY). For the
    fit only, each instance holds one word per position of that unrolling (capacity x its product), and
    the register array as a whole holds every distinct input of the array's unrolling once; energy,
    area and leakage are the register's own (:mod:`carbonloop.model.capacity`; docs/model.md)."""
    written_by_rows: int | None = None
    """A compute-in-memory macro's weight cells, written one macro row per cycle (this many rows): the
    level's ``write_bw_bits`` is the rate when every row is rewritten, and a refill that rewrites only the
    rows the spatial unrolling uses takes that many row cycles, not all of them (its write bandwidth for
    the latency scales by rows / rows used: :func:`carbonloop.model.capacity.unrolled_accelerator`).
    None: an ordinary memory."""

    @property
    def has_access_granularity(self) -> bool:
        """Some operand has a minimum read or write (even of 1 bit: the model then takes its granular path,
        which gives today's charge for 1 bit; without any, the model's path is unchanged)."""
        return bool(self.min_read_bits or self.min_write_bits)

    def read_granularity_bits(self, role: str) -> int:
        """The smallest read of ``role`` in bits (1: no minimum)."""
        return next((b for r, b in self.min_read_bits if r == role), 1)

    def write_granularity_bits(self, role: str) -> int:
        """The smallest write (fill or update) of ``role`` in bits (1: no minimum)."""
        return next((b for r, b in self.min_write_bits if r == role), 1)

    @property
    def physical_name(self) -> str:
        """The physical memory this level belongs to (its own name when it is not virtual)."""
        return self.physical if self.physical is not None else self.name

    def keeps(self, role: str) -> bool:
        return role in self.operands

    @property
    def read_bits_per_cycle(self) -> float:
        return self.read_bw_bits * self.read_ports

    @property
    def write_bits_per_cycle(self) -> float:
        return self.write_bw_bits * self.write_ports


@dataclass(frozen=True)
class AdderTree:
    """Adder trees that sum the products of the PEs along ``axis`` (a weight-stationary array's columns:
    one tree per PE line of the other axes), ripple-carry adders of ``operand_bits``-bit products.

    Each cycle every tree that receives products switches its full adders once: a tree with ``u`` of its
    inputs driven switches the adders of the driven subtrees fully and the joining adders that see a
    constant zero half (:func:`carbonloop.costs.imc.partial_tree_full_adders`). Why it is charged: the
    products must be summed, and that summation is not in the MAC energy of a PE whose neighbour adds."""

    axis: str
    operand_bits: int
    full_adder_pj: float
    half_adder_pj: float


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
    adder_tree: AdderTree | None = None

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
    _physical_groups: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False, hash=False)

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
        _check_granularity(self, src)
        axes = set(self.array.axis_names)
        tree = self.array.adder_tree
        if tree is not None and tree.axis not in axes:
            raise SpecError(
                src, "array.adder_tree.axis", f"unknown array axis {tree.axis!r} (axes: {sorted(axes)})"
            )
        if tree is not None and self.array.is_imc:
            raise SpecError(src, "array.adder_tree", "an IMC macro's trees are in its own model (imc)")
        for i, m in enumerate(self.memories):
            unknown = set(m.spans) - axes
            if unknown:
                raise SpecError(src, f"memories[{i}].spans", f"unknown array axes {sorted(unknown)}")
        _check_operand_spans(self, src)
        _check_diagonal_inputs(self, src)
        # computed once: the latency models ask for it per level and mapping (frozen, so no later change)
        object.__setattr__(self, "_physical_groups", _group_by_physical_memory(self.memories))
        _check_physical_groups(self, src)
        missing = set(ROLES) - set(self.memories[0].operands)
        if missing:
            raise SpecError(
                src,
                "memories[0].operands",
                f"the outermost level must keep every operand; misses {sorted(missing)}",
            )

    # --- structure ------------------------------------------------------------------------------
    @property
    def has_access_granularity(self) -> bool:
        """Some level has a minimum access (the model then rounds each transfer up to it)."""
        return any(m.has_access_granularity for m in self.memories)

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

    def operand_fanout_level(self, axis: str, chain: tuple[int, ...] | list[int]) -> int:
        """The level of an operand's ``chain`` (level indices) that fans ``axis`` out for that operand: the
        innermost one spanning it. The outermost level is in every chain and spans every axis that any
        level spans (nesting along the chain), so there always is one once :meth:`fanout_level` exists."""
        spanning = [x for x in chain if axis in self.memories[x].spans]
        if not spanning:
            raise SpecError("<accelerator>", "array.axes", f"no level of the chain spans axis {axis!r}")
        return max(spanning)

    @property
    def spans_nested(self) -> bool:
        """Every level spans a subset of the level above's axes: one spatial placement serves every
        operand (the mapper's assumption; per-operand placement is needed otherwise)."""
        return all(set(m.spans) <= set(self.memories[i - 1].spans) for i, m in enumerate(self.memories) if i)

    @property
    def has_virtual_levels(self) -> bool:
        """Some physical memory is split into per-operand virtual levels."""
        return any(len(g) > 1 for g in self.physical_groups())

    def counted_once(self, level: int) -> bool:
        """The level pays its physical memory's area and leakage: the first (outermost) virtual level of a
        physical memory, or any level that is a memory of its own."""
        name = self.memories[level].physical_name
        return all(m.physical_name != name for m in self.memories[:level])

    def physical_groups(self) -> tuple[tuple[int, ...], ...]:
        """Level indices grouped by physical memory, outermost first (singletons for ordinary levels);
        built once in ``__post_init__``."""
        return self._physical_groups

    @property
    def area_mm2(self) -> float:
        return self.array.area_mm2 + sum(
            m.area_mm2 * self.instances(i) for i, m in enumerate(self.memories) if self.counted_once(i)
        )

    def area_breakdown_mm2(self) -> dict[str, float]:
        """Area per physical memory (virtual levels appear once, under their physical name) and the array."""
        out = {
            m.physical_name: m.area_mm2 * self.instances(i)
            for i, m in enumerate(self.memories)
            if self.counted_once(i)
        }
        out["array"] = self.array.area_mm2
        return out

    @property
    def dram_bits(self) -> int:
        """Capacity of the outermost level when it is off-chip (unbounded levels count as 0)."""
        return self.memories[0].size_bits or 0


def _group_by_physical_memory(memories: tuple[MemoryLevel, ...]) -> tuple[tuple[int, ...], ...]:
    """Level indices grouped by physical memory, outermost first."""
    groups: dict[str, list[int]] = {}
    for i, m in enumerate(memories):
        groups.setdefault(m.physical_name, []).append(i)
    return tuple(tuple(g) for g in groups.values())


def _check_operand_spans(acc: Accelerator, source: str) -> None:
    """Along each operand's chain of levels, every level spans a subset of the axes of the operand's
    level above: an operand's copy at a level is then fed by exactly one copy of its parent."""
    for role in ROLES:
        above: int | None = None
        for i, m in enumerate(acc.memories):
            if role not in m.operands:
                continue
            if above is not None and not set(m.spans) <= set(acc.memories[above].spans):
                parent = acc.memories[above]
                raise SpecError(
                    source,
                    f"memories[{i}].spans",
                    f"{m.name!r} spans {list(m.spans)} but {parent.name!r}, the level above it for "
                    f"operand {role}, spans only {list(parent.spans)} (along each operand's chain inner "
                    "levels must span a subset)",
                )
            above = i


_SAME_IN_A_PHYSICAL_MEMORY = (
    "size_bits",
    "width_bits",
    "read_pj",
    "write_pj",
    "update_pj",
    "area_mm2",
    "leakage_mw",
    "spans",
    "read_bw_bits",
    "write_bw_bits",
    "read_ports",
    "write_ports",
    "shared_ports",
    "double_buffered",
)
"""What the virtual levels of one physical memory must agree on (they are one memory)."""


def _check_physical_groups(acc: Accelerator, source: str) -> None:
    """Virtual levels of one physical memory: adjacent in the chain, disjoint operands, one memory."""
    for group in acc.physical_groups():
        if len(group) == 1:
            continue
        first = acc.memories[group[0]]
        name = first.physical_name
        if list(group) != list(range(group[0], group[-1] + 1)):
            raise SpecError(
                source,
                f"memories[{group[-1]}].physical",
                f"the virtual levels of {name!r} must be adjacent (levels {list(group)})",
            )
        if name in {m.name for m in acc.memories} - {acc.memories[i].name for i in group}:
            raise SpecError(
                source,
                f"memories[{group[0]}].physical",
                f"{name!r} is also the name of another level",
            )
        seen: set[str] = set()
        for i in group:
            m = acc.memories[i]
            both = seen & set(m.operands)
            if both:
                raise SpecError(
                    source,
                    f"memories[{i}].operands",
                    f"operands {sorted(both)} are kept by two virtual levels of {name!r} "
                    "(each operand cuts a physical memory once)",
                )
            seen |= set(m.operands)
            for key in _SAME_IN_A_PHYSICAL_MEMORY:
                if getattr(m, key) != getattr(first, key):
                    raise SpecError(
                        source,
                        f"memories[{i}].{key}",
                        f"{getattr(m, key)!r} differs from {getattr(first, key)!r} of "
                        f"{first.name!r}: the virtual levels of {name!r} are one memory",
                    )


def _check_diagonal_inputs(acc: Accelerator, source: str) -> None:
    """A diagonal input register keeps the inputs (``I``) and is shared along some axis (the diagonal runs
    along it); it is a memory of its own (the rule scales one register's capacity, not a shared one's)."""
    for i, m in enumerate(acc.memories):
        if not isinstance(m.diagonal_inputs, bool):
            raise SpecError(
                source, f"memories[{i}].diagonal_inputs", f"must be true or false (got {m.diagonal_inputs!r})"
            )
        if not m.diagonal_inputs:
            continue
        why = ""
        if "I" not in m.operands:
            why = f"the level does not keep the inputs I (keeps {sorted(m.operands)})"
        elif not m.spans:
            why = "the level spans no array axis (a diagonal runs along an axis it is shared along)"
        elif i == 0:
            why = "the outermost level holds whole tensors; only an inner register can feed diagonals"
        elif m.physical is not None:
            why = "a virtual level of a physical memory cannot feed diagonals (give it a memory of its own)"
        if why:
            raise SpecError(source, f"memories[{i}].diagonal_inputs", why)


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


def _check_granularity(acc: Accelerator, source: str) -> None:
    """A minimum access is a whole number of bits >= 1 for an operand role, named once. An operand the level
    does not keep may be named (a virtual level split from a physical memory inherits its sub-banks); it is
    never read. The YAML loader refuses one in a file, where it is a mistake."""
    for i, m in enumerate(acc.memories):
        for key, pairs in (("min_read_bits", m.min_read_bits), ("min_write_bits", m.min_write_bits)):
            seen: set[str] = set()
            for role, bits in pairs:
                where = f"memories[{i}].{key}.{role}"
                if role not in ROLES or role in seen:
                    why = "named twice" if role in seen else "not an operand role (W, I, O)"
                    raise SpecError(source, where, f"operand {role!r} is {why}")
                if isinstance(bits, bool) or not isinstance(bits, int) or bits < 1:
                    raise SpecError(source, where, f"must be a whole number of bits >= 1 (got {bits!r})")
                seen.add(role)
