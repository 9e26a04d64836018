"""Random mappings of a layer: the batches of the throughput benchmark and of the model's property tests.

Each prime factor of each dim goes to a random level, or (with probability 0.4) to an array axis where it
still fits; a level's factors of one dim merge into one loop, as the mapper writes them, and each level's
loops come in a random order. Capacity is not checked: the model scores overflowing mappings too (its
``fits`` says which), so every row of a batch costs the same work.
"""

from __future__ import annotations

import random

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.model.nest import prime_factors
from carbonloop.workload.layer import Layer


def random_mapping(layer: Layer, acc: Accelerator, rng: random.Random) -> Mapping:
    """One random mapping of ``layer`` on ``acc`` (module docstring); deterministic for a seeded ``rng``."""
    L = len(acc.memories)
    temporal: list[dict[str, int]] = [{} for _ in range(L)]
    spatial: dict[str, list[Loop]] = {a: [] for a in acc.array.axis_names}
    used = dict.fromkeys(acc.array.axis_names, 1)
    for d, size in layer.dims:
        for p in prime_factors(size):
            axes = [a for a in acc.array.axis_names if used[a] * p <= acc.array.axis_size(a)]
            if axes and rng.random() < 0.4:
                a = rng.choice(axes)
                spatial[a].append(Loop(d, p))
                used[a] *= p
            else:
                level = temporal[rng.randrange(L)]
                level[d] = level.get(d, 1) * p
    levels = []
    for x, m in enumerate(acc.memories):
        loops = [Loop(d, f) for d, f in temporal[x].items()]
        rng.shuffle(loops)
        sp = tuple((a, tuple(v)) for a, v in spatial.items() if v and acc.fanout_level(a) == x)
        levels.append(LevelMapping(m.name, tuple(loops), sp))
    return Mapping(tuple(levels))
