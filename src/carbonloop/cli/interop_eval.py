"""Evaluating Timeloop and ZigZag inputs: the calls behind ``carbonloop evaluate --format timeloop|zigzag``.

``cli/evaluate.py`` calls :func:`evaluate_timeloop` / :func:`evaluate_zigzag`. They read the files, print
every ignored field as ``warning: ...`` on stderr, score the mappings and print either Timeloop's counts
(:func:`~carbonloop.interop.timeloop.timeloop_report`) / the evaluate table, or with ``as_json`` the same
document as ``carbonloop evaluate --json`` (``WorkloadResult.to_dict()``), levels and operands keeping the
names of the input files. :func:`timeloop_cost` / :func:`zigzag_cost` return the values without printing.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import typer

from carbonloop import pipeline
from carbonloop.cli.console import table_console
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.interop.common import collected_warnings
from carbonloop.interop.timeloop import TimeloopNames, load_timeloop, timeloop_report
from carbonloop.interop.zigzag import ZigZagConstraints, load_zigzag
from carbonloop.interop.zigzag_loma import fill_free_axes, loma_chain_costs, loma_costs
from carbonloop.mapper.constraints import Constraints
from carbonloop.mapper.objectives import get_objective
from carbonloop.mapper.search import Budget, FrontPoint, SearchResult, search_layer
from carbonloop.model.evaluate import LayerCost
from carbonloop.model.mapping import Mapping
from carbonloop.pipeline import WorkloadResult
from carbonloop.pipeline.inputs import layers_costed, with_conventions
from carbonloop.workload.network import Network, chain


def print_warnings(messages: Iterable[str]) -> None:
    for m in messages:
        print(f"warning: {m}", file=sys.stderr)


def timeloop_cost(
    arch: str | Path,
    problem: str | Path,
    mapping: str | Path,
    ert: str | Path | None = None,
    *,
    conventions: str | None = None,
) -> tuple[WorkloadResult, TimeloopNames, list[str]]:
    """Score a Timeloop (arch, problem, mapping[, ERT]): the one-layer result, the names, the warnings.

    Timeloop's files are read under Timeloop's own conventions unless ``conventions`` names others."""
    with collected_warnings() as notes:
        layer, acc, mapping_, names = load_timeloop(arch, problem, mapping, ert, conventions or "timeloop")
    network = chain(Path(str(problem)).stem, [layer])
    result = pipeline.evaluate(network, acc, mapping={layer.name: mapping_})
    return result, names, notes


ZIGZAG_OBJECTIVE = "weighted:a=1e-12,b=1"
"""What ZigZag's API minimizes by default (``opt="latency"``, zigzag/api.py 3.9.1): the latency, ties broken by
the energy (MinimalLatencyStage); an energy weight of 1e-12 per pJ stays below one cycle up to 1e12 pJ."""


def complete_zigzag_mappings(
    net: Network,
    acc: Accelerator,
    mappings: dict[str, Mapping | ZigZagConstraints],
    *,
    objective: str = ZIGZAG_OBJECTIVE,
    budget: Budget | int | float | None = None,
    on_layer_done: Callable[[int, int, str], None] | None = None,
) -> tuple[dict[str, Mapping], dict[str, SearchResult]]:
    """A complete mapping per layer: the given ones, and for each :class:`ZigZagConstraints` the mapper's best
    under its spatial part (axes it names stay fixed, ``spatial_mapping_hint`` limits the others), as ZigZag
    searches its temporal mapping (LOMA) under the given spatial mapping. Layers of the same shape and
    constraints are searched once. A partial ``temporal_ordering`` does not constrain the search. ZigZag's
    own orders (:mod:`carbonloop.interop.zigzag_loma`) seed the search, on the given spatial part with any
    free axis filled by its most-utilizing hinted unrolling. Temporal
    factors are divisors (LOMA's prime factors), imperfect only where a spatial factor leaves a remainder."""
    out: dict[str, Mapping] = {}
    searched: dict[str, SearchResult] = {}
    done: dict[tuple[object, ...], SearchResult] = {}
    for i, layer in enumerate(net.layers):
        m = mappings[layer.name]
        if isinstance(m, ZigZagConstraints):
            dims = set(layer.dim_names)
            spatial = {axis: [(lp.dim, lp.factor) for lp in loops] for axis, loops in m.spatial}
            hints = {
                axis: [d for d in names if d in dims]
                for axis, names in m.hints.items()
                if axis not in spatial
            }
            key = (
                layer.shape_key,
                tuple(sorted((a, tuple(v)) for a, v in spatial.items())),
                tuple(sorted((a, tuple(v)) for a, v in hints.items())),
            )
            if key not in done:
                filled = fill_free_axes(layer, acc, spatial, hints)
                nests = loma_costs(layer, acc, filled)
                # ZigZag's orders read into the file's chain of levels, and its own nests that follow that
                # chain, seed the search; a nest that needs the levels in another order
                # (hardware/level_order.py) is kept instead if it is better
                seed = tuple(
                    FrontPoint(c.energy_pj, c.latency_cycles, c.mapping)
                    for c in [*loma_chain_costs(layer, acc, filled), *(c for c, own in nests if own is acc)]
                )
                result = search_layer(
                    layer,
                    acc,
                    objective,
                    constraints=Constraints(spatial=spatial, hints=hints or None),
                    budget=budget,
                    seed=seed,
                    imperfect=_fixed_spatial_pads(layer.sizes, spatial),
                )
                done[key] = _with_better_nest(result, nests, objective)
            searched[layer.name] = done[key]
            out[layer.name] = done[key].mapping
        else:
            out[layer.name] = m
        if on_layer_done is not None:
            on_layer_done(i, len(net.layers), layer.name)
    return out, searched


def _with_better_nest(
    result: SearchResult, nests: list[tuple[LayerCost, Accelerator]], objective: str
) -> SearchResult:
    """``result``, or the best of ZigZag's own nests (scored each on its own order of levels) where it is
    better for ``objective``: the search covers the file's order of levels only. A nest kept so is not
    proven optimal (other orders were not searched)."""
    goal = get_objective(objective)
    scored = [(float(goal.value(c.energy_pj, c.latency_cycles)), c) for c, _ in nests]
    value, cost = min(scored, key=lambda vc: vc[0], default=(float("inf"), None))
    if cost is None or value >= result.value:
        return result
    lower = min(result.lower_bound, value)  # the search's bound holds for the file's order only
    return dataclasses.replace(
        result,
        mapping=cost.mapping,
        cost=cost,
        value=value,
        optimal=False,
        lower_bound=lower,
        gap=(value - lower) / value if value > 0 else 0.0,
    )


def zigzag_cost(
    accelerator: str | Path,
    workload: str | Path,
    mapping: str | Path,
    *,
    conventions: str | None = None,
    budget: Budget | int | float | None = None,
) -> tuple[WorkloadResult, list[str]]:
    """Score every layer of a ZigZag (accelerator, workload, mapping); the result and the warnings.

    Layers whose mapping entry has no complete ``temporal_ordering`` are searched first (for ZigZag's
    default objective, latency then energy) under the entry's spatial part. ZigZag costs each layer alone,
    with every activation in DRAM: no inter-layer residency here."""
    with collected_warnings() as notes:
        net, acc, mappings = load_zigzag(accelerator=accelerator, workload=workload, mapping=mapping)
    acc = with_conventions(acc, conventions)
    costed, _ = layers_costed(net, acc)  # the pipeline leaves the same layers out and reports them
    complete, searched = complete_zigzag_mappings(costed, acc, mappings, budget=budget)
    unproven = [name for name, r in searched.items() if not r.optimal]
    if unproven:
        notes.append(
            f"{mapping}: the search stopped at its budget before proving {len(unproven)} layers optimal "
            f"({', '.join(unproven[:3])}{' ...' if len(unproven) > 3 else ''})"
        )
    result = pipeline.evaluate(net, acc, mapping=complete, interlayer=False)
    return result, notes


def evaluate_timeloop(
    arch: str | Path,
    problem: str | Path,
    mapping: str | Path,
    ert: str | Path | None = None,
    *,
    as_json: bool = False,
    conventions: str | None = None,
) -> int:
    """Print Timeloop's counts (scalar reads, fills, updates per level and data space), or the JSON document."""
    result, names, notes = timeloop_cost(arch, problem, mapping, ert, conventions=conventions)
    print_warnings(notes)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    else:
        typer.echo(timeloop_report(result.layers[0].cost, names), nl=False)
    return 0


def evaluate_zigzag(
    accelerator: str | Path,
    workload: str | Path,
    mapping: str | Path,
    *,
    as_json: bool = False,
    conventions: str | None = None,
    budget: Budget | int | float | None = None,
) -> int:
    """Print the evaluate table of every layer, or the JSON document (``budget``: per searched layer)."""
    result, notes = zigzag_cost(accelerator, workload, mapping, conventions=conventions, budget=budget)
    print_warnings(notes)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    else:
        from carbonloop.cli.tables import print_table

        print_table(result, table_console(min_width=160))
    return 0


def _fixed_spatial_pads(sizes: dict[str, int], spatial: dict[str, list[tuple[str, int]]]) -> bool:
    """Whether the fixed spatial loops pad some dimension: their product per dimension (over every axis)
    does not divide its size. Each factor dividing the size alone is not enough (OX 2 on two axes over
    OX = 14 unrolls 4, which does not divide 14)."""
    unrolled: dict[str, int] = {}
    for pairs in spatial.values():
        for dim, factor in pairs:
            unrolled[dim] = unrolled.get(dim, 1) * factor
    return any(sizes[dim] % f for dim, f in unrolled.items())
