"""Reuse across a sweep: the best mappings of a layer shape on one design give the next design's search an
upper bound before it starts.

A design space evaluates the same layer shapes on many designs that differ in a parameter (SRAM size,
array size ...). Where two designs share their structure (the array's axes and sizes, the memory levels'
names, operands and fan-outs; capacities, energies and bandwidths may differ), a mapping of one is a
mapping of the other's mapspace. Scored on the new design by the exact model, a remembered mapping that
fits gives a value the new design's optimum cannot exceed: a *ceiling* (:func:`search_layer`'s
``ceiling``) that prunes every tiling, order group and spatial candidate whose bound is above it. In hull
mode (network EDP's second pass) the remembered front's (energy, latency) points play that part: a node
is pruned when its bound is above their hull at every weight of the range. Neither is ever returned: the search still finds, scores and returns the mapping it would have found
alone, so results do not depend on which design ran first (only the number of mappings scored does).
A remembered mapping that does not fit is skipped; one that fits but lies outside the new mapspace can
only make the ceiling too low, which the search detects (nothing it scored reaches the ceiling, or the
scored hull does not reach a phantom point) and then searches again without it.

The memory is per process (each worker of a pool or of a Dask cluster keeps its own), holds a few
mappings per (layer shape, structure) key, and is on only inside :func:`sweep_reuse` (explore turns it on
around each point), so a lone ``search_layer`` call never depends on what ran before it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper.objectives import Objective
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import Mapping
from carbonloop.workload.layer import Layer

PER_KEY = 4
"""Mappings kept per key (the latest designs' best): each costs one model call per later search."""
MAX_KEYS = 4096
"""Keys kept per process, least recently used dropped first (a few MB at most)."""

_state = {"depth": 0}
_memory: OrderedDict[tuple[object, ...], list[Mapping]] = OrderedDict()


@contextmanager
def sweep_reuse() -> Iterator[None]:
    """Searches inside remember their best mappings and start from a ceiling where the memory has one."""
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1


def active() -> bool:
    return _state["depth"] > 0


def forget() -> None:
    """Drop every remembered mapping (tests)."""
    _memory.clear()


def structure_key(layer: Layer, acc: Accelerator, extra: object) -> tuple[object, ...]:
    """What a remembered mapping needs to be a mapping of this search's mapspace: the layer's shape, the
    array's axes and kind, its spatial hints, each level's name, operands, fan-out and physical memory
    (not its capacity or costs), and the search's constraints and mode (``extra``)."""
    levels = tuple((m.name, tuple(sorted(m.operands)), tuple(m.spans), m.physical) for m in acc.memories)
    array = (acc.array.axes, acc.array.kind, acc.array.imc is not None)
    # the spatial hints (a dataflow) shape the mapspace too: an output- and a weight-stationary array of
    # one size do not share their memory
    return (layer.shape_key, array, levels, repr(acc.hints), repr(extra))


def ceiling(key: tuple[object, ...], layer: Layer, acc: Accelerator, obj: Objective) -> float | None:
    """The least objective value of the remembered mappings of ``key`` that fit ``acc`` (scored by the
    model on ``acc``), or None."""
    return min((float(obj.value(e, lat)) for e, lat in points(key, layer, acc)), default=None)


def points(key: tuple[object, ...], layer: Layer, acc: Accelerator) -> tuple[tuple[float, float], ...]:
    """(energy, latency) on ``acc`` of the remembered mappings of ``key`` that fit it (hull mode's
    phantom points)."""
    out = []
    for mapping in _memory.get(key, ()):
        try:
            cost = evaluate(layer, acc, mapping)
        except SpecError:
            continue
        out.append((float(cost.energy_pj), float(cost.latency_cycles)))
    return tuple(out)


def remember(key: tuple[object, ...], *mappings: Mapping, keep: int = PER_KEY) -> None:
    """Remember ``mappings`` (best first) for ``key``, ahead of what it held; at most ``keep``."""
    new = list(dict.fromkeys(mappings))
    kept = [m for m in _memory.pop(key, []) if m not in new]
    _memory[key] = [*new, *kept][: max(keep, len(new))]
    while len(_memory) > MAX_KEYS:
        _memory.popitem(last=False)
