"""The accelerator YAML format (docs/hardware.md): validated once here, at the edge.

Any memory or the array may leave out energy/area and name a cost model instead (``model: sram``,
``model: dram/lpddr4``, ``model: mac``); the numbers then come from :mod:`carbonloop.costs.resolve`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator, AdderTree, ComputeArray, MemoryLevel
from carbonloop.model.conventions import get_conventions
from carbonloop.specio import (
    MAX_ABS_NUMBER,
    MAX_DIE_AREA_MM2,
    MAX_PRECISION_BITS,
    dump_yaml,
    load_yaml,
    parse_bits,
    validate,
)

# Ranges beyond which a number is absurd, not just unusual; the model's products stay finite within them.
MAX_ACTION_PJ = 1e9
"""1 mJ for one access or one MAC (a DRAM burst costs about 1e4 pJ)."""
MAX_CLOCK_NS = 1e9
"""A clock period of one second."""
MAX_AXIS_SIZE = 2**20
"""PEs along one array axis (the largest arrays have a few thousand)."""
MAX_CYCLES_PER_MAC = 2**16
"""Cycles of one (bit-serial) MAC."""
MAX_PORTS = 1024
MAX_WORD_BITS = 2**20

Energy = Annotated[float, Field(ge=0, le=MAX_ACTION_PJ)]
Area = Annotated[float, Field(ge=0, le=MAX_DIE_AREA_MM2)]


OperandRole = Literal["W", "I", "O"]
_ALL_ROLES: tuple[OperandRole, ...] = ("W", "I", "O")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class AdderTreeSpec(_Strict):
    """Adder trees summing the products along one array axis (``AdderTree``)."""

    axis: str
    operand_bits: int = Field(ge=1, le=MAX_PRECISION_BITS)
    full_adder_pj: Energy
    half_adder_pj: Energy


class ArraySpec(_Strict):
    axes: dict[str, Annotated[int, Field(le=MAX_AXIS_SIZE)]] = Field(default_factory=dict)
    mac_pj: Energy | None = None
    mac_area_mm2: Area | None = None
    extra_area_mm2: Area = 0.0
    kind: Literal["digital", "imc"] = "digital"
    cycles_per_mac: int = Field(default=1, ge=1, le=MAX_CYCLES_PER_MAC)
    precision_bits: dict[str, Annotated[int, Field(ge=1, le=MAX_PRECISION_BITS)]] = Field(
        default_factory=dict
    )
    adder_tree: AdderTreeSpec | None = None
    model: str | None = None


class MemorySpec(_Strict):
    name: str
    size_bits: int | str | None = None
    depth: int | None = Field(default=None, ge=1, le=int(MAX_ABS_NUMBER))
    width_bits: int = Field(ge=1, le=MAX_WORD_BITS)
    read_pj: Energy | None = None
    write_pj: Energy | None = None
    update_pj: Energy | None = None
    # a bandwidth may be .inf on purpose: no limit (Timeloop's default for a level without one); NaN and
    # values <= 0 are still refused (NaN > 0 is false)
    read_bw_bits: float | None = Field(default=None, gt=0, allow_inf_nan=True)
    write_bw_bits: float | None = Field(default=None, gt=0, allow_inf_nan=True)
    read_ports: int = Field(default=1, ge=1, le=MAX_PORTS)
    write_ports: int = Field(default=1, ge=1, le=MAX_PORTS)
    shared_ports: bool = False
    area_mm2: Area | None = None
    leakage_mw: float = Field(default=0.0, ge=0, le=MAX_ABS_NUMBER)
    operands: list[OperandRole] = Field(default_factory=lambda: list(_ALL_ROLES), min_length=1)
    spans: list[str] | Literal["all"] = "all"
    double_buffered: bool = False
    datawidth_bits: int | None = Field(default=None, ge=1, le=MAX_WORD_BITS)
    cluster_size: int = Field(default=1, ge=1, le=MAX_WORD_BITS)
    model: str | None = None
    banks: int = Field(default=1, ge=1, le=MAX_WORD_BITS)
    physical: str | None = Field(default=None, min_length=1)
    """The physical memory this level is a virtual (per-operand) level of; docs/model.md."""
    min_read_bits: Any = None
    """The smallest read in bits, for every operand kept or per operand (``{O: 16}``); absent: none.
    Checked by :func:`_granularity` (one message for every wrong shape)."""
    min_write_bits: Any = None
    """The smallest write (fills, updates) in bits, as ``min_read_bits``."""
    diagonal_inputs: StrictBool = False
    """An input register feeding diagonals of PEs (ZigZag's weight diagonal mapping; docs/model.md)."""
    written_by_rows: int | None = Field(default=None, ge=1, le=MAX_WORD_BITS)
    """Compute-in-memory weight cells written one macro row per cycle, this many rows (docs/imc.md)."""


class AcceleratorSpec(_Strict):
    name: str
    clock_ns: float = Field(default=1.0, gt=0, le=MAX_CLOCK_NS)
    node_nm: int = Field(default=28, ge=1, le=1000)
    array: ArraySpec
    memories: list[MemorySpec] = Field(min_length=1)
    hints: dict[str, Any] = Field(default_factory=dict)
    conventions: str = "carbonloop"
    """The modelling conventions the accelerator is evaluated under (model/conventions.py)."""


def _memory(spec: MemorySpec, i: int, axes: list[str], node_nm: int, source: str) -> MemoryLevel:
    where = f"memories[{i}]"
    if spec.size_bits is not None and spec.depth is not None:
        raise SpecError(source, where, "give size_bits or depth, not both")
    if spec.size_bits is not None:
        size: int | None = parse_bits(spec.size_bits, source, f"{where}.size_bits")
    elif spec.depth is not None:
        size = spec.depth * spec.width_bits
    else:
        size = None
    read_pj, write_pj, area, source_note = spec.read_pj, spec.write_pj, spec.area_mm2, "spec"
    leakage = spec.leakage_mw
    if spec.model is not None and (read_pj is None or write_pj is None or area is None):
        from carbonloop.costs.resolve import resolve_memory  # the cost models sit below the specs

        depth = (size // spec.width_bits) if size else 1
        try:
            cost = resolve_memory(
                spec.model,
                node_nm=node_nm,
                width_bits=spec.width_bits,
                depth=max(depth, 1),
                ports=spec.read_ports,
                banks=spec.banks,
            )
        except SpecError as err:
            raise SpecError(source, f"{where}.model", err.message) from None
        read_pj = cost.read_pj if read_pj is None else read_pj
        write_pj = cost.write_pj if write_pj is None else write_pj
        area = cost.area_mm2 if area is None else area
        leakage = leakage or cost.leakage_mw
        source_note = cost.source
    for key, value in (("read_pj", read_pj), ("write_pj", write_pj)):
        if value is None:
            raise SpecError(source, f"{where}.{key}", "missing (give a number or a cost 'model')")
    spans = axes if spec.spans == "all" else list(spec.spans)
    for s in spans:
        if s not in axes:
            raise SpecError(source, f"{where}.spans", f"unknown array axis {s!r} (axes: {axes})")
    assert read_pj is not None and write_pj is not None
    return MemoryLevel(
        name=spec.name,
        size_bits=size,
        width_bits=spec.width_bits,
        read_pj=read_pj,
        write_pj=write_pj,
        update_pj=spec.update_pj if spec.update_pj is not None else write_pj,
        read_bw_bits=spec.read_bw_bits or float(spec.width_bits),
        write_bw_bits=spec.write_bw_bits or float(spec.width_bits),
        read_ports=spec.read_ports,
        write_ports=spec.write_ports,
        shared_ports=spec.shared_ports,
        area_mm2=area or 0.0,
        operands=frozenset(spec.operands),
        spans=tuple(spans),
        double_buffered=spec.double_buffered,
        datawidth_bits=spec.datawidth_bits,
        cluster_size=spec.cluster_size,
        leakage_mw=leakage,
        source=source_note,
        physical=spec.physical,
        min_read_bits=_granularity(spec.min_read_bits, spec.operands, source, f"{where}.min_read_bits"),
        min_write_bits=_granularity(spec.min_write_bits, spec.operands, source, f"{where}.min_write_bits"),
        diagonal_inputs=spec.diagonal_inputs,
        written_by_rows=spec.written_by_rows,
    )


def _granularity_value(value: Any, source: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORD_BITS:
        raise SpecError(
            source, where, f"must be a whole number of bits from 1 to {MAX_WORD_BITS} (got {value!r})"
        )
    return value


def _granularity(
    value: Any, kept: list[OperandRole], source: str, where: str
) -> tuple[tuple[OperandRole, int], ...]:
    """``min_read_bits``/``min_write_bits`` as (operand, bits) pairs: one number applies to every operand the
    level keeps; a mapping names operands (W, I, O), each of which the level must keep."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        bits = _granularity_value(value, source, where)
        return tuple((role, bits) for role in _ALL_ROLES if role in kept)
    for role in value:
        if role not in _ALL_ROLES:
            raise SpecError(
                source, f"{where}.{role}", f"unknown operand (expected one of {list(_ALL_ROLES)})"
            )
        if role not in kept:
            raise SpecError(
                source, f"{where}.{role}", f"operand {role} is not kept by this level (operands: {kept})"
            )
    return tuple(
        (role, _granularity_value(value[role], source, f"{where}.{role}"))
        for role in _ALL_ROLES
        if role in value
    )


def _array(spec: ArraySpec, node_nm: int, source: str) -> ComputeArray:
    for a, s in spec.axes.items():
        if s < 1:
            raise SpecError(source, f"array.axes.{a}", f"size must be a positive integer (got {s})")
    mac_pj, area, note = spec.mac_pj, spec.mac_area_mm2, "spec"
    if spec.model is not None and (mac_pj is None or area is None):
        from carbonloop.costs.resolve import resolve_mac

        bits = spec.precision_bits
        try:
            cost = resolve_mac(spec.model, node_nm=node_nm, a_bits=bits.get("I", 8), b_bits=bits.get("W", 8))
        except SpecError as err:
            raise SpecError(source, "array.model", err.message) from None
        mac_pj = cost.read_pj if mac_pj is None else mac_pj
        area = cost.area_mm2 if area is None else area
        note = cost.source
    if mac_pj is None:
        raise SpecError(source, "array.mac_pj", "missing (give a number or a cost 'model')")
    return ComputeArray(
        axes=tuple(spec.axes.items()),
        mac_pj=mac_pj,
        mac_area_mm2=area or 0.0,
        extra_area_mm2=spec.extra_area_mm2,
        kind=spec.kind,
        cycles_per_mac=spec.cycles_per_mac,
        precision_bits=dict(spec.precision_bits),
        source=note,
        adder_tree=None if spec.adder_tree is None else AdderTree(**spec.adder_tree.model_dump()),
    )


def accelerator_from_dict(data: Any, source: str = "<accelerator>") -> Accelerator:
    spec = validate(AcceleratorSpec, data, source)
    array = _array(spec.array, spec.node_nm, source)
    axes = list(spec.array.axes)
    memories = tuple(_memory(m, i, axes, spec.node_nm, source) for i, m in enumerate(spec.memories))
    try:
        conventions = get_conventions(spec.conventions, source, "conventions")
        return Accelerator(
            spec.name, array, memories, spec.clock_ns, spec.node_nm, dict(spec.hints), conventions=conventions
        )
    except SpecError as err:
        raise err.located(source) from None


def load_accelerator_file(path: str | Path) -> Accelerator:
    return accelerator_from_dict(load_yaml(path), str(path))


def accelerator_to_dict(acc: Accelerator) -> dict[str, Any]:
    """Resolved numbers of every component (what ``show-accelerator`` prints), reloadable."""
    return {
        "name": acc.name,
        "clock_ns": acc.clock_ns,
        "node_nm": acc.node_nm,
        "array": {
            "axes": dict(acc.array.axes),
            "mac_pj": acc.array.mac_pj,
            "mac_area_mm2": acc.array.mac_area_mm2,
            "extra_area_mm2": acc.array.extra_area_mm2,
            "kind": acc.array.kind,
            "cycles_per_mac": acc.array.cycles_per_mac,
            "precision_bits": dict(acc.array.precision_bits),
            **(
                {"adder_tree": dataclasses.asdict(acc.array.adder_tree)}
                if acc.array.adder_tree is not None
                else {}
            ),
        },
        "memories": [
            {
                "name": m.name,
                "size_bits": m.size_bits,
                "width_bits": m.width_bits,
                "read_pj": m.read_pj,
                "write_pj": m.write_pj,
                "update_pj": m.update_pj,
                "read_bw_bits": m.read_bw_bits,
                "write_bw_bits": m.write_bw_bits,
                "read_ports": m.read_ports,
                "write_ports": m.write_ports,
                "shared_ports": m.shared_ports,
                "area_mm2": m.area_mm2,
                "leakage_mw": m.leakage_mw,
                "operands": sorted(m.operands),
                "spans": list(m.spans),
                "double_buffered": m.double_buffered,
                "datawidth_bits": m.datawidth_bits,
                "cluster_size": m.cluster_size,
                **({"physical": m.physical} if m.physical is not None else {}),
                **({"min_read_bits": dict(m.min_read_bits)} if m.min_read_bits else {}),
                **({"min_write_bits": dict(m.min_write_bits)} if m.min_write_bits else {}),
                **({"diagonal_inputs": True} if m.diagonal_inputs else {}),
                **({"written_by_rows": m.written_by_rows} if m.written_by_rows else {}),
            }
            for m in acc.memories
        ],
        "hints": dict(acc.hints),
        "conventions": acc.conventions.name,
    }


def dump_accelerator(acc: Accelerator) -> str:
    return dump_yaml(accelerator_to_dict(acc))
