"""ZigZag's own temporal mappings of a layer, to seed carbonloop's mapper when a ZigZag file gives only a spatial
mapping.

ZigZag's LOMA (zigzag/opt/loma/engine.py, 3.9.1) splits what the spatial mapping leaves of each dimension into
prime factors, merges the smallest ones until at most ``lpf_limit`` remain (6 by default), and scores every
distinct order of them, each allocated to the memories innermost first. Scoring the same orders here, allocated
as ZigZag allocates them (:mod:`carbonloop.interop.zigzag_alloc`: each operand cuts at its own loop, so a nest
may need the levels in another order than the file's), gives the mapper an incumbent of ZigZag's quality from
the start: its search then only has to beat it, and the best of ZigZag's own nests is kept when the search,
on the file's order of levels, does not. Deeper hierarchies (ascend_like's eight levels) need this: without it a
budgeted search can stop far from ZigZag's answer.
"""

from __future__ import annotations

import itertools
import math

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.interop.zigzag import _allocate
from carbonloop.interop.zigzag_alloc import zigzag_nest
from carbonloop.model.evaluate import LayerCost, evaluate_many
from carbonloop.model.factors import prime_factors
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.workload.layer import Layer

LPF_LIMIT = 6
"""ZigZag's default ``lpf_limit`` (get_hardware_performance_zigzag, 3.9.1): at most 6! = 720 orders."""


def limited_factors(remaining: dict[str, int], limit: int = LPF_LIMIT) -> list[tuple[str, int]]:
    """Each dimension's prime factors, the two smallest of the dimension with the most merged until at most
    ``limit`` are left (LOMA's ``lpf_limit``) or every dimension is one loop."""
    per_dim = {d: prime_factors(n) for d, n in remaining.items() if n > 1}
    while sum(len(f) for f in per_dim.values()) > limit:
        d = max(per_dim, key=lambda k: (len(per_dim[k]), k))
        if len(per_dim[d]) < 2:  # one loop per dimension is the least there can be
            break
        fs = sorted(per_dim[d])
        per_dim[d] = sorted([fs[0] * fs[1], *fs[2:]])
    return [(d, f) for d, fs in per_dim.items() for f in fs]


def _loma_orders(
    layer: Layer, spatial: dict[str, list[tuple[str, int]]], limit: int
) -> tuple[list[list[Loop]], bool]:
    """LOMA's distinct orders (innermost first) of what ``spatial`` leaves, and whether it pads."""
    unrolled = dict.fromkeys(layer.sizes, 1)
    for pairs in spatial.values():
        for d, f in pairs:
            unrolled[d] *= f
    remaining = {d: math.ceil(n / unrolled[d]) for d, n in layer.sizes.items()}
    imperfect = any(n % unrolled[d] for d, n in layer.sizes.items())
    factors = limited_factors(remaining, limit)
    return [
        [Loop(d, f) for d, f in order] for order in sorted(set(itertools.permutations(factors)))
    ], imperfect


def loma_chain_mappings(
    layer: Layer,
    acc: Accelerator,
    spatial: dict[str, list[tuple[str, int]]],
    *,
    limit: int = LPF_LIMIT,
) -> list[Mapping]:
    """LOMA's orders read into ``acc``'s own chain of levels as a complete ``temporal_ordering`` is
    (:func:`carbonloop.interop.zigzag._allocate`: one cut per level, loops split to fit), one mapping of
    ``acc`` itself per order (not checked: a tile may overflow)."""
    orders, imperfect = _loma_orders(layer, spatial, limit)
    by_level: dict[int, list[tuple[str, tuple[Loop, ...]]]] = {}
    for axis, pairs in spatial.items():
        loops = tuple(Loop(d, f) for d, f in pairs if f > 1)
        if loops:
            by_level.setdefault(acc.fanout_level(axis), []).append((axis, loops))
    mappings = []
    for order in orders:
        temporal = _allocate(layer, acc, by_level, order)
        levels = tuple(
            LevelMapping(m.name, tuple(temporal[i]), tuple(by_level.get(i, ())))
            for i, m in enumerate(acc.memories)
        )
        mappings.append(Mapping(levels, imperfect, "<zigzag loma>"))
    return mappings


def loma_chain_costs(
    layer: Layer,
    acc: Accelerator,
    spatial: dict[str, list[tuple[str, int]]],
    *,
    limit: int = LPF_LIMIT,
) -> list[LayerCost]:
    """The costs of :func:`loma_chain_mappings`, near ZigZag's nests, to seed a search on ``acc``; a tile
    that overflows its memory is left out (LOMA would not allocate it either)."""
    mappings = loma_chain_mappings(layer, acc, spatial, limit=limit)
    return [c for c in evaluate_many(layer, acc, mappings) if c is not None]


def loma_costs(
    layer: Layer,
    acc: Accelerator,
    spatial: dict[str, list[tuple[str, int]]],
    *,
    limit: int = LPF_LIMIT,
) -> list[tuple[LayerCost, Accelerator]]:
    """The cost of every distinct order of the layer's limited prime factors under ``spatial`` (per array
    axis, the unrolled ``(dim, factor)`` pairs), each allocated as ZigZag allocates it
    (:func:`carbonloop.interop.zigzag_alloc.zigzag_nest`), with the accelerator it is scored on (``acc``
    with its levels in the order of the cuts). Orders ZigZag would not allocate, or whose tiles overflow a
    memory in carbonloop's model, are left out."""
    orders, imperfect = _loma_orders(layer, spatial, limit)
    # the nests grouped by the order of levels their cuts make, each order's scored in one model call, and
    # returned in the orders' order
    groups: dict[tuple[str, ...], tuple[Accelerator, list[tuple[int, Mapping]]]] = {}
    for k, order in enumerate(orders):
        nest = zigzag_nest(layer, acc, spatial, order, imperfect=imperfect)
        if nest is not None:
            groups.setdefault(nest[0].level_names, (nest[0], []))[1].append((k, nest[1]))
    scored: dict[int, tuple[LayerCost, Accelerator]] = {}
    for variant, items in groups.values():
        costs = evaluate_many(layer, variant, [m for _, m in items])
        for (k, _), cost in zip(items, costs, strict=True):
            if cost is not None:  # a tile that overflows its memory in carbonloop's sizes is left out
                scored[k] = (cost, variant)
    return [scored[k] for k in sorted(scored)]


def innermost_memories_hold(
    layer: Layer, acc: Accelerator, spatial: dict[str, list[tuple[str, int]]]
) -> bool:
    """Whether each operand's innermost memory holds the distinct elements the unrolling puts under one of
    its instances: the product of the factors, on the axes it spans, of the dims the operand does not ignore,
    times its precision (partial sums for outputs), at most its size. ZigZag's rule
    (KULeuven-MICAS/zigzag 3.9.1 ``limit_unrolling_to_mem_capacity``) counts a window's dims the same way,
    whole, without the overlap of neighbouring windows: an upper estimate that a register's true tile never
    exceeds."""
    for op in layer.operands:
        holding = [m for m in acc.memories if m.keeps(op.role)]
        size_bits = holding[-1].size_bits if holding else None
        if size_bits is None:
            continue
        used = op.dims()
        elements = math.prod(f for axis in holding[-1].spans for d, f in spatial.get(axis, ()) if d in used)
        if elements * op.psum_bits > size_bits:
            return False
    return True


def divisors(n: int) -> list[int]:
    """Every divisor of ``n`` >= 1, ascending."""
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted({*small, *(n // d for d in small)})


def fill_free_axes(
    layer: Layer,
    acc: Accelerator,
    spatial: dict[str, list[tuple[str, int]]],
    hints: dict[str, list[str]],
) -> dict[str, list[tuple[str, int]]]:
    """``spatial`` with every array axis it leaves free given the most-utilizing unrolling of its hinted
    dimensions (all of the layer's without a hint): divisors of the smaller of the axis size and what the
    other axes leave of each dimension (a padded unrolling where that does not divide the dimension, as
    ZigZag 3.9.1's generator builds it), their product at most the axis size, ties to the earlier hint,
    every operand's innermost memory able to hold the unrolled tile it serves
    (:func:`innermost_memories_hold`). ZigZag's SpatialMappingGeneratorStage keeps the candidates of highest
    utilization the same way and then limits them to those memories (``limit_unrolling_to_mem_capacity``);
    here it only makes a seed (the mapper still searches the free axes itself), and a seed whose tile
    overflows a register would seed nothing."""
    out = {a: list(pairs) for a, pairs in spatial.items()}
    left = dict(layer.sizes)
    for pairs in out.values():
        for d, f in pairs:
            left[d] = max(1, math.ceil(left[d] / f))
    for axis, size in acc.array.axes:
        if axis in out:
            continue
        dims = [d for d in hints.get(axis, list(layer.sizes)) if left.get(d, 1) > 1][:3]
        best: tuple[int, list[tuple[str, int]]] = (1, [])
        # ZigZag's generator unrolls a dim by the divisors of min(what is left of it, the axis size)
        # (``get_max_unrolling``, then ``divisors(max_factor)``): OX 4 of 7 on a 4-wide axis, padded
        for combo in itertools.product(*(divisors(min(left[d], size)) for d in dims)):
            used = math.prod(combo)
            if used <= size and used > best[0]:
                pairs = [(d, f) for d, f in zip(dims, combo, strict=True) if f > 1]
                if innermost_memories_hold(layer, acc, {**out, axis: pairs}):
                    best = (used, pairs)
        out[axis] = best[1]
        for d, f in best[1]:
            left[d] = math.ceil(left[d] / f)
    return out
