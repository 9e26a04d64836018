"""An independent brute force over the mapper's mapspace (docs/mapper.md), for the optimality tests.

It shares no code with carbonloop.mapper: it lists every spatial unrolling, every keep pattern, every
split of every dim over the levels and every permutation of each level's loops, builds ``Mapping``
objects, and scores them with the model (``evaluate_batch`` on the model's own ``mapping_arrays``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.evaluate import evaluate_batch
from carbonloop.model.mapping import LevelMapping, Loop, Mapping, resolve
from carbonloop.model.nest import compile_layer, mapping_arrays
from carbonloop.workload.layer import Layer


def _axis_choices(dims, sizes, n, imperfect, max_mixed=2):
    def opts(size):
        if imperfect:
            vals = {math.ceil(size / t) for t in range(1, size + 1)}
        else:
            vals = {u for u in range(1, size + 1) if size % u == 0}
        return sorted(u for u in vals if 1 < u <= n)

    out = [()]
    for r in range(1, max_mixed + 1):
        for combo in itertools.combinations(dims, r):
            for fs in itertools.product(*[opts(sizes[d]) for d in combo]):
                if math.prod(fs) <= n:
                    out.append(tuple(zip(combo, fs, strict=True)))
    return out


def _splits(total: int, slots: int, imperfect: bool):
    """Per-level factors, outermost first; imperfect: inner factors free, the outermost the ceiling."""
    if slots == 0:
        return [()]
    if not imperfect:
        if slots == 1:
            return [(total,)]
        out = []
        for u in range(1, total + 1):
            if total % u == 0:
                for rest in _splits(total // u, slots - 1, False):
                    out.append((u, *rest))
        return out

    def inner(limit, k):
        if k == 0:
            yield ()
            return
        for u in range(1, limit + 1):
            for rest in inner(limit // u, k - 1):
                yield (u, *rest)

    return [(math.ceil(total / math.prod(fs)), *fs) for fs in inner(total, slots - 1)]


def all_mappings(layer: Layer, acc: Accelerator, *, bypass=False, imperfect=False, spatial=None, hints=None):
    """Every mapping; ``spatial``: loops fixed on some axes ({axis: [(dim, factor)]}), taken as given even
    where they pad a dim; the free axes then unroll what they leave (ceil(size / fixed)), over ``hints``
    ({axis: [dims]}, default every dim)."""
    sizes = layer.sizes
    dims = [d for d, s in layer.dims if s > 1]
    names = acc.level_names
    L = len(names)
    axes = acc.array.axis_names
    spatial = spatial or {}
    hints = hints or {}
    fixed: dict[str, int] = {}
    for loops in spatial.values():
        for d, f in loops:
            fixed[d] = fixed.get(d, 1) * f
    left = {d: math.ceil(n / fixed.get(d, 1)) for d, n in sizes.items()}
    per_axis = [
        [tuple((d, f) for d, f in spatial[a] if f > 1)]
        if a in spatial
        else _axis_choices(
            [d for d in dims if d in hints.get(a, dims)], left, acc.array.axis_size(a), imperfect
        )
        for a in axes
    ]
    keeps_per_level = [[frozenset(acc.memories[0].operands)]]
    for m in acc.memories[1:]:
        ops = sorted(m.operands)
        if bypass:
            keeps_per_level.append(
                [frozenset(s) for r in range(len(ops) + 1) for s in itertools.combinations(ops, r)]
            )
        else:
            keeps_per_level.append([frozenset(ops)])
    for unroll in itertools.product(*per_axis):
        sp: dict[str, int] = {}
        free: dict[str, int] = {}
        for a, loops in zip(axes, unroll, strict=True):
            for d, f in loops:
                sp[d] = sp.get(d, 1) * f
                if a not in spatial:
                    free[d] = free.get(d, 1) * f
        if imperfect:
            if any(f > left[d] or math.ceil(left[d] / math.ceil(left[d] / f)) != f for d, f in free.items()):
                continue
        elif any(left[d] % f for d, f in free.items()):
            continue
        padded = imperfect or any(sizes[d] % f for d, f in sp.items())
        spatial_by_level: dict[int, list] = {}
        for a, loops in zip(axes, unroll, strict=True):
            if loops:
                spatial_by_level.setdefault(acc.fanout_level(a), []).append(
                    (a, tuple(Loop(d, f) for d, f in loops))
                )
        for keep in itertools.product(*keeps_per_level):
            loop_levels = [x for x in range(L) if x == 0 or keep[x]]
            per_dim = []
            for d in dims:
                rem = math.ceil(sizes[d] / sp.get(d, 1))
                per_dim.append(_splits(rem, len(loop_levels), imperfect))
            for split in itertools.product(*per_dim):
                factors = {x: {} for x in range(L)}
                for d, fs in zip(dims, split, strict=True):
                    for x, f in zip(loop_levels, fs, strict=True):
                        if f > 1:
                            factors[x][d] = f
                for orders in itertools.product(*[itertools.permutations(factors[x]) for x in range(L)]):
                    levels = []
                    for x in range(L):
                        k = None if keep[x] == frozenset(acc.memories[x].operands) else keep[x]
                        levels.append(
                            LevelMapping(
                                names[x],
                                tuple(Loop(d, factors[x][d]) for d in orders[x]),
                                tuple(spatial_by_level.get(x, ())),
                                k,
                            )
                        )
                    yield Mapping(tuple(levels), padded)


def brute_force(layer: Layer, acc: Accelerator, **kw):
    """(energy [N], latency [N], mappings) of every fitting mapping of the mapspace."""
    cl = compile_layer(layer)
    groups: dict[tuple, list] = {}
    for m in all_mappings(layer, acc, **kw):
        r = resolve(m, layer, acc)
        groups.setdefault(r.keep, []).append(r.mapping)
    es, ls, ms = [], [], []
    for keep, maps in groups.items():
        for i in range(0, len(maps), 20000):
            chunk = maps[i : i + 20000]
            res = evaluate_batch(cl, acc, mapping_arrays(chunk, layer, acc), keep)
            ok = np.flatnonzero(res.fits)
            es.append(res.energy_pj[ok])
            ls.append(res.latency_cycles[ok])
            ms.extend(chunk[j] for j in ok)
    return np.concatenate(es), np.concatenate(ls).astype(float), ms
