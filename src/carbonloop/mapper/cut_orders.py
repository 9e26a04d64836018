"""The order of the cuts: search a memory split into per-operand virtual levels in every order.

A memory serving several operands is cut by all of them at one loop in the mapper's mapspace. ZigZag lets
each operand cut it at its own loop. That mapspace is the union, over the *ordered partitions* of the
memory's operands (blocks outermost first: ``[{O}, {I, W}]`` means O's tile is cut outside the one I and
W share), of the mapspaces of the accelerator with the memory split into one virtual level per block
(``MemoryLevel.physical``, docs/model.md "Per-operand memories"): within a variant, the loops listed at a
virtual level lie inside the tiles of the blocks above it and outside those below. The optimum over a
union of mapspaces is the least of the optima, so :func:`search_cut_orders` searches every variant with
:func:`carbonloop.mapper.search.search_layer` and keeps the best (the first in the variants' fixed order
among equal ones). Three operands give 13 ordered partitions (Fubini's number a(3), OEIS A000670); with
several memories named, the variants are their product.

It is an entry point of its own, not a :class:`~carbonloop.mapper.constraints.Constraints` field: the
optimum lives on a variant accelerator (its mapping names the virtual levels), which the caller scores
the mapping on, while every other search returns a mapping of the accelerator it was given.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.level_order import check_splittable, split_memory
from carbonloop.mapper.incumbent import REL_TOL
from carbonloop.mapper.objectives import Objective, get_objective
from carbonloop.mapper.search import Budget, SearchResult, _search_layer, search_layer
from carbonloop.workload.layer import ROLES, Layer


def ordered_partitions(items: Sequence[str]) -> Iterator[tuple[tuple[str, ...], ...]]:
    """Every ordered partition of ``items`` into non-empty blocks (blocks in order, each block's items
    in the order of ``items``), the one-block partition first, then by number of blocks."""
    items = tuple(items)
    n = len(items)
    for k in range(1, n + 1):
        # a surjection items -> blocks 0..k-1 is one ordered partition into k blocks
        for labels in itertools.product(range(k), repeat=n):
            if len(set(labels)) == k:
                yield tuple(tuple(x for x, b in zip(items, labels, strict=True) if b == j) for j in range(k))


def cut_order_variants(acc: Accelerator, memories: Sequence[str]) -> list[Accelerator]:
    """``acc`` with each memory of ``memories`` split in every ordered partition of its operands (the
    product over the memories), the unsplit accelerator first."""
    if not memories:
        raise SpecError("<mapper>", "cut_orders", "name at least one memory level")
    if len(set(memories)) != len(memories):
        raise SpecError("<mapper>", "cut_orders", f"memory levels named twice: {list(memories)}")
    options = []
    for name in memories:
        at = check_splittable(acc, name)
        ops = [r for r in ROLES if r in acc.memories[at].operands]
        options.append([(name, blocks) for blocks in ordered_partitions(ops)])
    out = []
    for combo in itertools.product(*options):
        variant = acc
        for name, blocks in combo:
            variant = split_memory(variant, name, blocks)
        out.append(variant)
    return out


@dataclass(frozen=True)
class CutOrderResult:
    """The best mapping over every order of the cuts: the variant accelerator that holds it (its
    mapping names the variant's levels: score it there), that variant's search, and how many variants
    there were and how many were searched to the end (the rest were proven no better)."""

    accelerator: Accelerator
    result: SearchResult
    variants: int
    searched: int
    evaluated: int  # mappings scored by the variants searched to the end


def search_cut_orders(
    layer: Layer,
    acc: Accelerator,
    objective: str | Objective = "edp",
    *,
    memories: Sequence[str],
    budget: Budget | int | float | None = None,
    **kwargs,
) -> CutOrderResult:
    """Best mapping of ``layer`` over the accelerators where each of ``memories`` is cut by its operands
    in every order (:func:`cut_order_variants`); the other keyword arguments are
    :func:`~carbonloop.mapper.search.search_layer`'s (objective mode only).

    Exact search (no budget): each variant after the first is searched with the best value so far as a
    ceiling; a variant none of whose mappings reaches it holds nothing better and is dropped unscored
    to the end, so the result is the least of the variants' optima. With a budget, each variant gets the
    whole budget and the result is optimal only if every variant's is."""
    if kwargs.get("mode", "objective") != "objective":
        raise SpecError(
            "<mapper>", "mode", "the cut-order search finds one objective's best (mode='objective')"
        )
    if kwargs.get("ceiling") is not None or kwargs.get("seed"):
        raise SpecError("<mapper>", "ceiling", "the cut-order search sets its own ceilings (give none)")
    obj = get_objective(objective)
    variants = cut_order_variants(acc, memories)
    exact = budget is None or (
        isinstance(budget, Budget) and budget.evaluations is None and budget.seconds is None
    )
    best: tuple[Accelerator, SearchResult] | None = None
    searched = evaluated = 0
    lower, optimal = math.inf, True
    for variant in variants:
        if not exact or best is None:
            # nothing fits the first variant: nothing fits any (a split memory holds what it held whole,
            # with every cut at its innermost virtual level), and search_layer says so in one line
            res: SearchResult | None = search_layer(layer, variant, obj, budget=budget, **kwargs)
        else:
            res = _search_layer(
                layer,
                variant,
                obj,
                constraints=kwargs.get("constraints"),
                budget=None,
                imperfect=kwargs.get("imperfect", False),
                mode="objective",
                lam_range=(0.0, math.inf),
                seed=(),
                max_memory_bytes=kwargs.get("max_memory_bytes"),
                ceiling=best[1].value,
                memo=None,
            )
        if res is None:  # nothing of this variant reaches the best so far: it holds nothing better
            continue
        searched += 1
        evaluated += res.evaluated
        lower = min(lower, res.lower_bound)
        optimal = optimal and res.optimal
        if best is None or res.value < best[1].value * (1 - REL_TOL):
            best = (variant, res)
    assert best is not None
    result = best[1]
    if not exact:
        gap = 0.0 if result.value <= 0 else max(0.0, (result.value - lower) / result.value)
        result = dataclasses.replace(result, optimal=optimal, lower_bound=min(lower, result.value), gap=gap)
    return CutOrderResult(best[0], result, len(variants), searched, evaluated)
