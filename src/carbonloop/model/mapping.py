"""A mapping: the loop nest of one layer over the memory levels of one accelerator.

Levels are listed outermost first. Each level holds temporal loops (outermost first), spatial loops per
array axis (the fan-out from this level to the instances below it) and the operands it keeps; the others
bypass it. The tile a level holds is everything its own loops and the loops below it touch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.specio import dump_yaml, load_yaml, validate
from carbonloop.workload.layer import Layer


@dataclass(frozen=True)
class Loop:
    dim: str
    factor: int


@dataclass(frozen=True)
class LevelMapping:
    """The loops at one memory level; ``keep`` is None for 'every operand the level may keep'."""

    level: str
    temporal: tuple[Loop, ...] = ()
    spatial: tuple[tuple[str, tuple[Loop, ...]], ...] = ()
    keep: frozenset[str] | None = None


@dataclass(frozen=True)
class Mapping:
    levels: tuple[LevelMapping, ...]
    imperfect: bool = False
    source: str = field(default="<mapping>", compare=False)

    def level(self, name: str) -> LevelMapping:
        for lm in self.levels:
            if lm.level == name:
                return lm
        return LevelMapping(name)

    def to_list(self) -> list[dict[str, Any]]:
        """The YAML form (a list of levels, outermost first)."""
        out = []
        for lm in self.levels:
            d: dict[str, Any] = {"level": lm.level, "temporal": [[lp.dim, lp.factor] for lp in lm.temporal]}
            if lm.spatial:
                d["spatial"] = {axis: [[lp.dim, lp.factor] for lp in loops] for axis, loops in lm.spatial}
            if lm.keep is not None:
                d["keep"] = sorted(lm.keep)
            out.append(d)
        return out

    def to_yaml(self) -> str:
        return dump_yaml(self.to_list())


# --- YAML ------------------------------------------------------------------------------------------
class _LevelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: str
    temporal: list[tuple[str, int]] = Field(default_factory=list)
    spatial: dict[str, list[tuple[str, int]]] = Field(default_factory=dict)
    keep: list[str] | None = None


class _MappingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    levels: list[_LevelSpec]
    imperfect: bool = False


def mapping_from_data(data: Any, source: str = "<mapping>") -> Mapping:
    """A mapping from parsed YAML: a list of levels, or ``{levels: [...], imperfect: true}``."""
    if isinstance(data, list):
        data = {"levels": data}
    spec = validate(_MappingSpec, data, source)
    levels = []
    for i, ls in enumerate(spec.levels):
        for j, (dim, f) in enumerate(ls.temporal):
            if f < 1:
                raise SpecError(
                    source, f"levels[{i}].temporal[{j}]", f"factor of {dim} must be >= 1 (got {f})"
                )
        for axis, loops in ls.spatial.items():
            for j, (dim, f) in enumerate(loops):
                if f < 1:
                    raise SpecError(
                        source, f"levels[{i}].spatial.{axis}[{j}]", f"factor of {dim} must be >= 1 (got {f})"
                    )
        levels.append(
            LevelMapping(
                ls.level,
                tuple(Loop(d, f) for d, f in ls.temporal),
                tuple((axis, tuple(Loop(d, f) for d, f in loops)) for axis, loops in ls.spatial.items()),
                None if ls.keep is None else frozenset(ls.keep),
            )
        )
    return Mapping(tuple(levels), spec.imperfect, source)


def load_mapping(path: str | Path) -> Mapping:
    return mapping_from_data(load_yaml(path), str(path))


# --- validation ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResolvedMapping:
    """A mapping checked against a layer and an accelerator: every level present, keep sets as roles."""

    mapping: Mapping
    keep: tuple[frozenset[str], ...]  # roles kept, per level (outermost first)
    padded_sizes: dict[str, int]


def resolve(mapping: Mapping, layer: Layer, acc: Accelerator) -> ResolvedMapping:
    """Check factors, axes, levels and keep sets; capacity is checked by the model (it knows tiles)."""
    src = mapping.source
    names = acc.level_names
    order = []
    for i, lm in enumerate(mapping.levels):
        if lm.level not in names:
            raise SpecError(src, f"levels[{i}].level", f"unknown level {lm.level!r} (levels: {list(names)})")
        order.append(names.index(lm.level))
    if order != sorted(order) or len(set(order)) != len(order):
        raise SpecError(src, "levels", f"levels must be listed once each, outermost first, as {list(names)}")
    by_name = {lm.level: lm for lm in mapping.levels}
    full = tuple(by_name.get(n, LevelMapping(n)) for n in names)
    dims = layer.sizes
    products = dict.fromkeys(dims, 1)
    role_of = {o.name: o.role for o in layer.operands}
    keep: list[frozenset[str]] = []
    for li, lm in enumerate(full):
        where = f"levels[{li}]"
        for j, lp in enumerate(lm.temporal):
            if lp.dim not in dims:
                raise SpecError(
                    src, f"{where}.temporal[{j}]", f"unknown dimension {lp.dim!r} (layer dims: {list(dims)})"
                )
            products[lp.dim] *= lp.factor
        for axis, loops in lm.spatial:
            if axis not in acc.array.axis_names:
                raise SpecError(
                    src,
                    f"{where}.spatial",
                    f"unknown array axis {axis!r} (axes: {list(acc.array.axis_names)})",
                )
            home = acc.fanout_level(axis)
            if home != li:
                raise SpecError(
                    src,
                    f"{where}.spatial.{axis}",
                    f"axis {axis} fans out below level {names[home]!r}, not {lm.level!r}",
                )
            used = 1
            for j, lp in enumerate(loops):
                if lp.dim not in dims:
                    raise SpecError(src, f"{where}.spatial.{axis}[{j}]", f"unknown dimension {lp.dim!r}")
                products[lp.dim] *= lp.factor
                used *= lp.factor
            if used > acc.array.axis_size(axis):
                raise SpecError(
                    src,
                    f"{where}.spatial.{axis}",
                    f"unrolls {used} but the axis has {acc.array.axis_size(axis)} PEs",
                )
        mem = acc.memories[li]
        if lm.keep is None:
            roles = frozenset(mem.operands)
        else:
            roles_list = []
            for name in sorted(lm.keep):
                role = role_of.get(name, name if name in ("W", "I", "O") else None)
                if role is None:
                    raise SpecError(
                        src, f"{where}.keep", f"unknown operand {name!r} (operands: {list(role_of)})"
                    )
                if role not in mem.operands:
                    raise SpecError(
                        src,
                        f"{where}.keep",
                        f"level {mem.name!r} cannot keep {name} (it keeps {sorted(mem.operands)})",
                    )
                roles_list.append(role)
            roles = frozenset(roles_list)
        keep.append(roles)
    if keep[0] != frozenset(("W", "I", "O")) and not {"W", "I", "O"} <= keep[0]:
        raise SpecError(src, "levels[0].keep", "the outermost level must keep every operand")
    for d, size in dims.items():
        p = products[d]
        if p == size:
            continue
        if mapping.imperfect and p > size:
            continue
        hint = " (set imperfect: true to allow padding)" if p > size else ""
        raise SpecError(src, f"loops.{d}", f"factors multiply to {p} but the layer has {d}={size}{hint}")
    return ResolvedMapping(Mapping(full, mapping.imperfect, src), tuple(keep), dict(products))


def spatial_product(mapping: Mapping) -> int:
    return math.prod(lp.factor for lm in mapping.levels for _, loops in lm.spatial for lp in loops)
