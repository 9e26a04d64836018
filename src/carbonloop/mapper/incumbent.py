"""The incumbent of a search: the best point so far, or the lower convex hull of the scored points.

Everything that prunes asks it (:meth:`Incumbent.prunable`), everything scored is offered to it; a later
point replaces the best only when strictly better (relative 1e-9), which keeps searches deterministic.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from carbonloop.mapper.objectives import Objective

REL_TOL = 1e-9
CEILING_TOL = 4 * REL_TOL
"""A bound prunes against the ceiling only when above it by this much: every point the search without a
ceiling could return (within REL_TOL of the optimum) stays."""


class Incumbent:
    """The best point so far (objective mode) or the lower convex hull of scored points (hull mode)."""

    def __init__(
        self,
        obj: Objective,
        mode: Literal["objective", "hull"],
        lam_range: tuple[float, float] = (0.0, math.inf),
        ceiling: float | None = None,
        phantoms: tuple[tuple[float, float], ...] = (),
    ):
        self.obj, self.mode, self.lam_range = obj, mode, lam_range
        # objective mode: a value some mapping is known to reach (never a result). Only what is above it
        # by more than the tolerance is pruned, so whatever the search alone would keep is still scored
        self.ceiling = math.inf if ceiling is None or mode != "objective" else float(ceiling)
        # hull mode: (energy, latency) points some mappings are known to reach (never in the result);
        # their hull prunes only what lies above it by more than the tolerance at every weight of the range
        self.phantoms = _lower_hull(list(phantoms)) if mode == "hull" else []
        self.best = math.inf
        self.best_ref: tuple | None = None
        self.points: list[tuple[float, float, tuple]] = []  # (energy, latency, ref), kept non-dominated

    def prunable(self, e: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if self.mode == "objective":
            if not math.isfinite(self.best) and not math.isfinite(self.ceiling):
                return np.zeros(e.shape, dtype=bool)
            v = self.obj.lower_bound(e, lat)
            return (v >= self.best * (1 - REL_TOL)) | (v > self.ceiling * (1 + CEILING_TOL))
        real = self._prunable_hull(e, lat)
        if not self.phantoms:
            return real
        return real | _above_hull(self.phantoms, self.lam_range, e, lat)

    def phantoms_reached(self) -> bool:
        """Whether the scored points' hull reaches every phantom point within the range (else a phantom
        came from outside the mapspace, below its hull: not a valid bound)."""
        if not self.phantoms:
            return True
        if not self.points:
            return False
        pe = np.array([p[0] for p in self.phantoms])
        pl = np.array([p[1] for p in self.phantoms])
        return bool(np.all(self._prunable_hull(pe, pl)))

    def _prunable_hull(self, e: np.ndarray, lat: np.ndarray) -> np.ndarray:
        hull = self.hull()
        if not hull:
            return np.zeros(e.shape, dtype=bool)
        lo, hi = self.lam_range
        if lo == 0.0 and hi == math.inf:
            he = np.array([p[0] for p in hull])
            hl = np.array([p[1] for p in hull])
            bound = np.interp(e, he, hl, left=np.inf, right=hl[-1])
            return lat >= bound * (1 - REL_TOL) - 1e-9
        # only weights lambda in [lo, hi] matter: prune when the node's best E + lambda*L cannot beat the
        # hull's at any of them (a convex function of lambda: check the ends and the hull's breakpoints)
        lams, he, hl = _hull_weights(hull, self.lam_range)
        ok = np.ones(e.shape, dtype=bool)
        for lam in lams:
            if lam == math.inf:
                ok &= lat >= hl.min() * (1 - REL_TOL)
                continue
            h = float((he + lam * hl).min())
            ok &= (e + lam * lat) >= h * (1 - REL_TOL)
        return ok

    def reached_ceiling(self) -> bool:
        """Whether a scored point reaches the ceiling (else it was below the optimum: not a valid bound)."""
        return self.best_ref is not None and self.best <= self.ceiling * (1 + CEILING_TOL)

    def hull(self) -> list[tuple[float, float, tuple]]:
        return _lower_hull(self.points)

    def offer(self, e: np.ndarray, lat: np.ndarray, make_ref) -> None:
        """Scored points ``e``, ``lat`` (rows of one batch, in stable order); ``make_ref(j)`` names row j."""
        vals = self.obj.value(e, lat)
        i = int(np.argmin(vals))
        if vals[i] < self.best * (1 - REL_TOL) or self.best_ref is None:
            self.best, self.best_ref = float(vals[i]), make_ref(i)
        order = np.lexsort((np.arange(e.shape[0]), lat, e))
        cand = []
        best_l = math.inf
        for j in order:
            if lat[j] < best_l:
                cand.append((float(e[j]), float(lat[j]), j))
                best_l = lat[j]
        merged = sorted(
            [(p[0], p[1], 0, k, p[2]) for k, p in enumerate(self.points)]
            + [(c[0], c[1], 1, k, c[2]) for k, c in enumerate(cand)]
        )
        keep = []
        best_l = math.inf
        for pe, pl, new, _, ref in merged:
            if pl < best_l:
                keep.append((pe, pl, make_ref(ref) if new else ref))
                best_l = pl
        self.points = keep
        if self.mode == "hull":
            self.points = self.hull()


def _lower_hull(points: list) -> list:
    """The lower convex hull of (energy, latency, ...) tuples, by energy (ties: the earlier kept)."""
    pts = sorted(points, key=lambda p: (p[0], p[1]))
    hull: list = []
    for p in pts:
        if hull and p[1] >= hull[-1][1]:
            continue  # dominated (same or more latency at more energy)
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2][:2], hull[-1][:2]
            # drop the middle point when it is on or above the segment from hull[-2] to p
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) <= 0:
                hull.pop()
            else:
                break
        hull.append(p)
    return hull


def _hull_weights(hull: list, lam_range: tuple[float, float]) -> tuple[list[float], np.ndarray, np.ndarray]:
    """The weights lambda at which a comparison with the hull must hold (the range's ends and the hull's
    breakpoints inside it: E + lambda*L against the hull's minimum is convex in lambda, so these suffice),
    and the hull's energies and latencies."""
    lo, hi = lam_range
    lams = {lo, hi}
    for a, b in zip(hull, hull[1:], strict=False):
        lam = (b[0] - a[0]) / (a[1] - b[1])
        if lo < lam < hi:
            lams.add(lam)
    return sorted(lams), np.array([p[0] for p in hull]), np.array([p[1] for p in hull])


def _above_hull(hull: list, lam_range: tuple[float, float], e: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each (e, lat) bound is above the hull by more than CEILING_TOL at every weight lambda of
    the range: at the ends and the hull's breakpoints inside it (the difference is convex in lambda)."""
    lams, he, hl = _hull_weights(hull, lam_range)
    out = np.ones(e.shape, dtype=bool)
    for lam in lams:
        if lam == math.inf:
            out &= lat > hl.min() * (1 + CEILING_TOL)
            continue
        h = float((he + lam * hl).min())
        out &= (e + lam * lat) > h * (1 + CEILING_TOL)
    return out
