"""A mapping's level order is the order of its cuts: the accelerator a mapping is scored on when it lists
the levels in another order than the accelerator, or names per-operand virtual levels (``SRAM.IO``).

In carbonloop's model a level's tile is every loop at or below it in one chain of levels. ZigZag (and any
hierarchy with a memory per operand) lets each operand cut the loop nest at its own memories: the weights'
buffer may hold more loops than the inputs' sibling buffer, or fewer. Every such nest is one chain, its
memories sorted by where they cut, outermost first. So two levels that share no operand (siblings) may
be listed in either order, as long as every operand meets its own levels in the accelerator's order; and
a memory whose operands cut at different loops is split into one virtual level per cut (docs/model.md,
"Per-operand memories", rule 3: joint capacity, its ports, area once). Neither changes the hardware: the
same memories keep the same operands, each operand's chain is unchanged, and so is each level's
instance count (its spans). What changes is only which loops each tile contains.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import cast

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.workload.layer import ROLES, Role


def virtual_name_parts(name: str, names: Sequence[str] | set[str]) -> tuple[str, str] | None:
    """``(memory, roles)`` when ``name`` is ``<memory>.<roles>`` (as :func:`split_memory` names a virtual
    level) for a memory of ``names`` and operand roles; None otherwise."""
    memory, dot, roles = name.rpartition(".")
    if dot and memory in names and roles and all(r in ROLES for r in roles):
        return memory, roles
    return None


def physical_level(level: str, names: Sequence[str]) -> str:
    """The memory of ``names`` that ``level`` is, or is a virtual level of; ``level`` itself when it is
    neither (a caller's own name)."""
    if level in names:
        return level
    parts = virtual_name_parts(level, names)
    return parts[0] if parts is not None else level


def split_memory(acc: Accelerator, memory: str, blocks: Sequence[Sequence[str]]) -> Accelerator:
    """``acc`` with level ``memory`` split into one virtual level per block of operands, outermost first
    (named ``<memory>.<roles>``, ``physical: <memory>``; every other attribute the memory's own).
    One block: ``acc`` itself."""
    at = check_splittable(acc, memory)
    mem = acc.memories[at]
    if len(blocks) == 1:
        if set(blocks[0]) != set(mem.operands):
            raise SpecError("<mapper>", "cut_orders", f"the blocks {list(blocks)} do not cover {memory!r}")
        return acc
    parts = tuple(
        dataclasses.replace(
            mem, name=f"{memory}.{''.join(b)}", operands=frozenset(cast(Sequence[Role], b)), physical=memory
        )
        for b in blocks
    )
    order = " > ".join("".join(b) for b in blocks)
    return dataclasses.replace(
        acc,
        name=f"{acc.name} [{memory}: {order}]",
        memories=acc.memories[:at] + parts + acc.memories[at + 1 :],
    )


def check_splittable(acc: Accelerator, memory: str) -> int:
    """The index of ``memory``, a level that can be split (not the outermost, not already virtual)."""
    names = acc.level_names
    if memory not in names:
        raise SpecError("<mapper>", "cut_orders", f"unknown memory level {memory!r} (levels: {list(names)})")
    at = names.index(memory)
    mem = acc.memories[at]
    if at == 0:
        raise SpecError(
            "<mapper>", "cut_orders", f"{memory!r} is the outermost level: it keeps whole tensors"
        )
    if mem.physical is not None:
        raise SpecError(
            "<mapper>", "cut_orders", f"{memory!r} is already a virtual level of {mem.physical!r}"
        )
    return at


def _is_subsequence(names: Sequence[str], of: Sequence[str]) -> bool:
    it = iter(of)
    return all(n in it for n in names)


def _virtual_blocks(acc: Accelerator, names: Sequence[str], source: str) -> dict[str, list[str]]:
    """Per memory of ``acc``, the operand blocks of the virtual levels ``names`` gives it (in order)."""
    known = set(acc.level_names)
    blocks: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        if name in known:
            continue
        split = virtual_name_parts(name, known)
        if split is None:
            raise SpecError(
                source, f"levels[{i}].level", f"unknown level {name!r} (levels: {list(acc.level_names)})"
            )
        memory, roles = split
        if memory in names:
            raise SpecError(source, f"levels[{i}].level", f"{memory!r} is listed whole and split ({name!r})")
        blocks.setdefault(memory, []).append(roles)
    for memory, parts in blocks.items():
        kept = acc.memories[acc.level_index(memory)].operands
        listed = "".join(parts)
        if sorted(listed) != sorted(kept):
            raise SpecError(
                source,
                "levels",
                f"the virtual levels of {memory!r} keep {sorted(listed)}; each of its operands "
                f"{sorted(kept)} must be kept by exactly one",
            )
    return blocks


def accelerator_for_level_order(acc: Accelerator, names: Sequence[str], source: str) -> Accelerator:
    """The accelerator whose chain is ``names`` (a mapping's levels, outermost first): ``acc`` itself when
    ``names`` follows its order; else ``acc`` with the memories named ``<memory>.<roles>`` split into
    virtual levels and every level in the order of ``names``, which must then list every level once and
    keep each operand's levels in ``acc``'s order (a one-line error names the pair that breaks it)."""
    if _is_subsequence(names, acc.level_names):
        return acc
    variant = acc
    for memory, parts in _virtual_blocks(acc, names, source).items():
        variant = split_memory(variant, memory, [tuple(p) for p in parts])
    if list(names) == list(variant.level_names):
        return variant
    if sorted(names) != sorted(variant.level_names):
        raise SpecError(
            source,
            "levels",
            f"to order the levels otherwise, list each once (got {list(names)}, levels "
            f"{list(variant.level_names)})",
        )
    for role in ROLES:
        own = [n for n in variant.level_names if role in variant.memories[variant.level_index(n)].operands]
        listed = [n for n in names if n in own]
        if listed != own:
            a, b = next((x, y) for x, y in zip(own, listed, strict=True) if x != y)
            raise SpecError(
                source,
                "levels",
                f"{b!r} is listed above {a!r}, but both keep operand {role} and {a!r} is its level above "
                f"(siblings may swap, an operand's own levels may not)",
            )
    memories = tuple(variant.memories[variant.level_index(n)] for n in names)
    return dataclasses.replace(variant, name=f"{acc.name} [levels: {' > '.join(names)}]", memories=memories)
