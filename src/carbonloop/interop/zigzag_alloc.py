"""ZigZag's memory allocation of a loop order: where each operand cuts the nest at each of its memories.

ZigZag's LOMA (zigzag/opt/loma/memory_allocator.py, 3.9.1) takes one temporal loop order (innermost first)
and fills the memories innermost first, each memory for each operand it keeps on its own: an operand's
tile at a memory is the loops allocated to it so far, the next ``i`` unallocated ones and the spatial
unrolling below the memory (the array axes the memory is shared across). For each operand the tile
sizes that fit the memory are listed; among the combinations whose sum fits the memory jointly, the one
that leaves the fewest words to fetch from above (the loops left times the tile) is kept, the last such
in the enumeration on ties; the outermost memory takes every loop left. An output's tile counts at its
final precision once no summed-over loop is left above it, at its partial-sum precision before; a
double-buffered memory holds two tiles while loops are left above.

The result is a cut position per memory and operand. carbonloop's model holds one chain of levels, so
the nest becomes the chain with the memories sorted by their cuts (outermost first), a memory whose
operands cut at different loops split into virtual levels (:mod:`carbonloop.hardware.level_order`):
a mapping whose level order is that chain. That is the exact nest ZigZag scores, which the fixed order of
``carbonloop.interop.zigzag._allocate`` (one cut per level, shared by its operands) cannot always express:
on meta_prototype the weights' 64 KB buffer can hold more of the nest than the inputs' 32 KB sibling.
"""

from __future__ import annotations

import itertools
import math

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.level_order import accelerator_for_level_order
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.workload.layer import ROLES, Layer, Operand


def _tile_bits(
    layer: Layer,
    operand: Operand,
    loops: list[Loop],
    spatial: dict[str, dict[str, int]],
    spans: tuple[str, ...],
    left: list[Loop],
) -> int:
    """ZigZag's size of ``operand``'s tile over ``loops`` and the unrolling of the axes in ``spans``: at
    partial-sum precision while a loop summed over (temporal in ``left``, or spatial above) remains."""
    ext = dict.fromkeys(layer.dim_names, 1)
    for lp in loops:
        ext[lp.dim] *= lp.factor
    for axis, per_dim in spatial.items():
        if axis in spans:
            for d, f in per_dim.items():
                ext[d] *= f
    bits = operand.bits
    if operand.role == "O":
        summed = set(layer.reduction_dims)
        above = {lp.dim for lp in left} | {
            d for a, per_dim in spatial.items() if a not in spans for d, f in per_dim.items() if f > 1
        }
        if summed & above:
            bits = operand.psum_bits
    return layer.footprint(operand, ext) * bits


def zigzag_cuts(
    layer: Layer, acc: Accelerator, spatial: dict[str, list[tuple[str, int]]], ordering: list[Loop]
) -> list[dict[str, int]] | None:
    """Per level of ``acc`` (outermost first), per operand name it keeps, how many loops of ``ordering``
    (innermost first) lie inside that operand's tile there; None when a memory cannot hold even the tiles
    below it (ZigZag's MemoryTooSmallException: the order is not allocated)."""
    sp: dict[str, dict[str, int]] = {}
    for axis, pairs in spatial.items():
        per_dim = sp.setdefault(axis, {})
        for d, f in pairs:
            per_dim[d] = per_dim.get(d, 1) * f
    n = len(ordering)
    pos = {o.name: 0 for o in layer.operands}
    cuts: list[dict[str, int]] = [{} for _ in acc.memories]
    for x in range(len(acc.memories) - 1, -1, -1):
        mem = acc.memories[x]
        ops = [o for o in layer.operands if o.role in mem.operands]
        if not ops:
            continue
        if x == 0:  # the outermost memory keeps every loop left (ZigZag's top level)
            for o in ops:
                pos[o.name] = n
                cuts[x][o.name] = n
            continue
        capacity = mem.size_bits if mem.size_bits is not None else math.inf
        options: list[list[tuple[int, float, float]]] = []  # per operand: (i, bits, words fetched)
        for o in ops:
            start = pos[o.name]
            whole = _tile_bits(layer, o, ordering, sp, mem.spans, [])
            fits = []
            for i in range(n - start + 1):
                left = ordering[start + i :]
                bits = float(_tile_bits(layer, o, ordering[: start + i], sp, mem.spans, left))
                if mem.double_buffered and left and bits < whole:
                    bits *= 2
                if bits > capacity:
                    break
                fits.append((i, bits, math.prod(lp.factor for lp in left) * bits))
            if not fits:
                return None
            options.append(fits)
        best: tuple[int, ...] | None = None
        best_words = math.inf
        # every combination of one option per operand, the last operand fastest (ZigZag's enumeration)
        for combo in itertools.product(*(range(len(opts)) for opts in options)):
            if sum(options[k][j][1] for k, j in enumerate(combo)) > capacity:
                continue
            words = sum(options[k][j][2] for k, j in enumerate(combo))
            if words <= best_words:
                best_words, best = words, combo
        if best is None:
            return None
        for k, o in enumerate(ops):
            pos[o.name] += options[k][best[k]][0]
            cuts[x][o.name] = pos[o.name]
    return cuts


def zigzag_nest(
    layer: Layer,
    acc: Accelerator,
    spatial: dict[str, list[tuple[str, int]]],
    ordering: list[Loop],
    *,
    imperfect: bool,
    source: str = "<zigzag loma>",
) -> tuple[Accelerator, Mapping] | None:
    """ZigZag's allocation of ``ordering`` (innermost first) under ``spatial`` as a mapping, and the
    accelerator it is scored on (``acc``, or ``acc`` with its levels in the order of the cuts and the
    memories its operands cut at different loops split). None when ZigZag would not allocate the order,
    or when carbonloop cannot hold it in one chain (a memory's virtual levels would not be adjacent)."""
    if acc.has_virtual_levels:
        return None
    cuts = zigzag_cuts(layer, acc, spatial, ordering)
    if cuts is None:
        return None
    role_of = {o.name: o.role for o in layer.operands}
    entries: list[tuple[int, int, int, str]] = []  # (cut, level, block, name)
    below = 0
    for x in range(len(acc.memories) - 1, -1, -1):
        mem = acc.memories[x]
        by_cut: dict[int, list[str]] = {}
        for name, cut in cuts[x].items():
            by_cut.setdefault(cut, []).append(role_of[name])
        if not by_cut:  # a memory of operands this layer lacks sits where the chain has it
            entries.append((below, x, 0, mem.name))
            continue
        blocks = sorted(by_cut.items(), reverse=True)
        covered = {r for _, roles in blocks for r in roles}
        if len(blocks) == 1 and covered == set(mem.operands):
            entries.append((blocks[0][0], x, 0, mem.name))
        else:
            rest = [r for r in ROLES if r in mem.operands and r not in covered]  # kept but not this layer's
            for j, (cut, roles) in enumerate(blocks):
                own = [r for r in ROLES if r in roles or (j == len(blocks) - 1 and r in rest)]
                entries.append((cut, x, j, f"{mem.name}.{''.join(own)}"))
        below = max(below, max(by_cut))
    entries.sort(key=lambda e: (-e[0], e[1], e[2]))
    try:  # refused where a memory's virtual levels would not be adjacent (Accelerator's own check)
        variant = accelerator_for_level_order(acc, [e[3] for e in entries], source)
    except ValueError:
        return None
    levels = []
    for k, (cut, _, _, name) in enumerate(entries):
        inner = entries[k + 1][0] if k + 1 < len(entries) else 0
        x = variant.level_index(name)
        spatial_here = tuple(
            (axis, tuple(Loop(d, f) for d, f in pairs if f > 1))
            for axis, pairs in spatial.items()
            if variant.fanout_level(axis) == x and any(f > 1 for _, f in pairs)
        )
        temporal = tuple(lp for lp in reversed(ordering[inner:cut]) if lp.factor > 1)
        levels.append(LevelMapping(name, temporal, spatial_here))
    return variant, Mapping(tuple(levels), imperfect, source)
