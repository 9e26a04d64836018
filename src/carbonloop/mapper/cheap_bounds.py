"""Cheap bounds of spatial candidates, with their costly part computed only where a search needs it.

A space's cheap bound (:func:`carbonloop.mapper.search._cheap_bound`) is a *base* energy (compute energy
plus every operand moved once at the outermost level; a few numpy calls) plus an *extra* energy
(:func:`carbonloop.mapper.energy_bounds.candidate_extra_energy`: milliseconds per candidate, and a
512x512 array has hundreds of candidates per layer shape) and a latency. The extra is ``>= 0`` (a sum of
counts times per-access energies, each ``>= 0`` when no memory energy is negative), so the base energy is
itself a lower bound of the full one, and so is any value computed from it by a function non-decreasing in
energy. That is all the lazy readers below use:

- :class:`LazyOrder`: the spaces in the order ``sorted(..., key=lower_bound(full))`` gives (ties by
  index), from a heap keyed by the base's bound whose top is refined (its extra computed, re-keyed) until
  a refined entry is on top: no unrefined entry can then come before it.
- :meth:`CheapBounds.min_energy`: the least full energy of a set, refining in order of base energy only
  while a base is below the least found.
- :meth:`CheapBounds.least_unpruned_bound`: the least ``lower_bound(full)`` over the members the
  incumbent cannot prune, refining in order of the base's bound only while it is below the least found.

Every value these return is the one the eager computation gives, bit for bit: the full energy is always
``base + extra`` in the same float arithmetic, and ``min`` does not depend on the order it visits.

Measured on MobileNet-v1 on ``digital(512, 512, 32768, "ws")`` (network EDP, carbonspot carbon): 8 992
extras computed before, 5 224 lazily (most of the rest are the floors' minimum over skipped candidates,
whose base energies lie below the searched spaces' floors).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from typing import overload

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper.energy_bounds import candidate_extra_energy
from carbonloop.mapper.objectives import Objective
from carbonloop.mapper.temporal import Space, operand_classes
from carbonloop.model.evaluate import compute_energy
from carbonloop.workload.layer import Layer


def base_bound(space: Space, layer: Layer) -> tuple[float, float]:
    """Energy and latency no mapping of a spatial candidate can beat, without the candidate's extra
    energy: its compute energy and temporal iterations (both fixed by the unrolling; on an IMC macro the
    pass energy of the rows and columns it uses) plus every operand moved once at the outermost level."""
    acc = space.acc
    T = np.array([int(np.prod(space.temporal_sizes))])
    used = np.array([math.prod(f for _, f, _ in space.spatial_loops)])
    e = float(compute_energy(space.cl, acc, space.spatial_rows(), T, used)[0][0])
    m0 = acc.memories[0]
    for op in layer.operands:
        fp = layer.footprint(op)
        bits = op.bits if op.role != "O" else min(op.bits, op.psum_bits)
        words = fp * bits / m0.width_bits
        if not acc.conventions.fractional_word_totals:  # ZigZag truncates a total: int(T) >= floor(words)
            words = math.floor(words)
        e += words * (m0.read_pj if op.role != "O" else m0.update_pj)
    return e, float(T[0] * acc.array.cycles_per_mac)


def extras_are_nonnegative(acc: Accelerator) -> bool:
    """Whether every candidate's extra energy is ``>= 0`` (it sums counts times memory access energies):
    what makes the base a lower bound of the full energy, and the lazy readers exact."""
    return all(min(m.read_pj, m.write_pj, m.update_pj) >= 0 for m in acc.memories)


def energy_monotone(obj: Objective) -> bool:
    """Whether ``obj.lower_bound`` is non-decreasing in energy (at a fixed latency ``>= 0``), also in
    float arithmetic (rounding is monotone): ``E*L``, or an energy weight ``a >= 0``."""
    return obj.kind == "edp" or obj.a >= 0


class CheapBounds(Sequence[tuple[float, float]]):
    """Per space, its cheap bound ``(base energy + extra energy, latency)``; ``self[i]`` computes the
    extra of space ``i`` on first use. ``lazy``: whether the base may stand in for the full energy where
    only a lower bound is needed (else the readers refine everything they touch, as an eager list)."""

    def __init__(self, spaces: Sequence[Space], layer: Layer, acc: Accelerator) -> None:
        self._spaces = spaces
        self._classes = operand_classes(spaces[0].cl) if spaces else ()
        base = [base_bound(space, layer) for space in spaces]
        self.base_energy = [e for e, _ in base]
        self.latency = [lat for _, lat in base]
        self._extra: list[float | None] = [None] * len(spaces)
        self.lazy = extras_are_nonnegative(acc) and all(not math.isnan(e) for e in self.base_energy)

    def __len__(self) -> int:
        return len(self._spaces)

    @overload
    def __getitem__(self, i: int) -> tuple[float, float]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[float, float]]: ...
    def __getitem__(self, i: int | slice) -> tuple[float, float] | list[tuple[float, float]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.energy(i), self.latency[i]

    def refined(self, i: int) -> bool:
        return self._extra[i] is not None

    def energy(self, i: int) -> float:
        """The full cheap energy of space ``i`` (its extra computed once)."""
        extra = self._extra[i]
        if extra is None:
            extra = candidate_extra_energy(self._spaces[i], self._classes)
            self._extra[i] = extra
        return self.base_energy[i] + extra

    def known_energy(self, i: int) -> float:
        """The full energy where computed, else the base (a lower bound of it when ``lazy``)."""
        extra = self._extra[i]
        return self.base_energy[i] if extra is None else self.base_energy[i] + extra

    def refined_count(self) -> int:
        return sum(x is not None for x in self._extra)

    def order(self, indices: Sequence[int], obj: Objective) -> LazyOrder:
        """``indices`` (ascending) in the order of ``sorted(indices, key=lower_bound(self[i]))``, computed
        only as far as it is taken (:class:`LazyOrder`)."""
        return LazyOrder(self, indices, obj)

    def min_energy(self, indices: Sequence[int], below: float = math.inf) -> float:
        """``min(below, *(self[i][0] for i in indices))``, refining only the spaces whose base energy is
        below the least found so far (visited in order of their known energy)."""
        if not self.lazy:
            return min([below, *(self.energy(i) for i in indices)])
        best = below
        for i in sorted(indices, key=self.known_energy):
            if self.known_energy(i) >= best:
                break  # every later one's full energy is at least its known energy >= best
            best = min(best, self.energy(i))
        return best

    def least_unpruned_bound(
        self,
        indices: Sequence[int],
        obj: Objective,
        prunable: Callable[[float, float], bool],
        prune_by_base: bool,
    ) -> float | None:
        """``min(lower_bound(self[i]) for i in indices if not prunable(*self[i]))``, None when every one is
        prunable. Visited in order of the base's bound; the search stops at a base bound at least the
        least found (every later value is at least its base bound). ``prune_by_base``: a space prunable at
        its base is prunable at its full energy (``prunable`` non-decreasing in energy), so it is passed
        without its extra."""
        if not (self.lazy and energy_monotone(obj)):
            vals = [float(obj.lower_bound(*self[i])) for i in indices if not prunable(*self[i])]
            return min(vals) if vals else None
        best: float | None = None
        keyed = sorted((float(obj.lower_bound(self.known_energy(i), self.latency[i])), i) for i in indices)
        for key, i in keyed:
            if best is not None and key >= best:
                break
            if prune_by_base and prunable(self.known_energy(i), self.latency[i]):
                continue
            e, lat = self[i]
            if not prunable(e, lat):
                v = float(obj.lower_bound(e, lat))
                best = v if best is None else min(best, v)
        return best


class LazyOrder:
    """Spaces in the order of their full cheap bound, ``lower_bound(self[i])``, ties by index (what a
    stable sort of ascending indices gives), produced one at a time. Entries keyed by their base's bound
    wait in a heap, and the top is refined (re-keyed by its full bound) until the top is refined: an
    unrefined entry's full key is at least its base key, so a refined top precedes every entry left.
    Without ``lazy`` (or with an objective not monotone in energy) every entry is refined first."""

    def __init__(self, cheap: CheapBounds, indices: Sequence[int], obj: Objective) -> None:
        self._cheap, self._obj = cheap, obj
        eager = not (cheap.lazy and energy_monotone(obj))
        self._heap = [
            (float(obj.lower_bound(*cheap[i])) if eager else self._base_key(i), i, eager or cheap.refined(i))
            for i in indices
        ]
        heapq.heapify(self._heap)

    def _base_key(self, i: int) -> float:
        c = self._cheap
        return float(self._obj.lower_bound(c.known_energy(i), c.latency[i]))

    def next(self) -> int | None:
        """The next space in order, None when none is left."""
        heap = self._heap
        while heap:
            _, i, done = heap[0]
            if done:
                heapq.heappop(heap)
                return i
            heapq.heapreplace(heap, (float(self._obj.lower_bound(*self._cheap[i])), i, True))
        return None

    def take(self, n: int) -> list[int]:
        """The next ``n`` spaces in order (fewer at the end)."""
        out: list[int] = []
        while len(out) < n:
            i = self.next()
            if i is None:
                break
            out.append(i)
        return out

    def remaining(self) -> list[int]:
        """The spaces not taken yet, in no particular order."""
        return [i for _, i, _ in self._heap]


class CheapView(Sequence[tuple[float, float]]):
    """The cheap bounds of some spaces (``members``) of a :class:`CheapBounds`, by position: what a
    :class:`carbonloop.mapper.pool.Pool` reads (only when a budget stops it), computed on access."""

    def __init__(self, cheap: CheapBounds, members: Sequence[int]) -> None:
        self._cheap, self._members = cheap, list(members)

    def __len__(self) -> int:
        return len(self._members)

    @overload
    def __getitem__(self, k: int) -> tuple[float, float]: ...
    @overload
    def __getitem__(self, k: slice) -> list[tuple[float, float]]: ...
    def __getitem__(self, k: int | slice) -> tuple[float, float] | list[tuple[float, float]]:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        return self._cheap[self._members[k]]
