"""A slow, literal loop-nest walker: the independent oracle for the closed-form counts.

It enumerates every iteration, builds each tile as a Python set of tensor coordinates and counts the
elements new since the previous tile, per memory instance. Only for tiny layers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.mapping import Mapping, resolve
from carbonloop.model.nest import nest_rows
from carbonloop.workload.layer import Layer

Loop = tuple[int, int, int, bool, int]  # dim index, factor, level, spatial, array axis


def _strides(rows: list[Loop]) -> list[int]:
    out = []
    for k, (d, *_) in enumerate(rows):
        out.append(math.prod(f for (d2, f, *_) in rows[k + 1 :] if d2 == d))
    return out


def _combos(idx: list[int], rows: list[Loop]) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(rows[k][1]) for k in idx))


def _coords(layer: Layer, op_name: str, dimval: list[int]) -> tuple[int, ...]:
    op = layer.operand(op_name)
    names = layer.dim_names
    return tuple(sum(c * dimval[names.index(d)] for d, c in axis) for axis in layer.effective_axes(op))


def _dimval(fixed: dict[int, int], rows: list[Loop], strides: list[int], D: int) -> list[int]:
    val = [0] * D
    for k, i in fixed.items():
        val[rows[k][0]] += i * strides[k]
    return val


def _tile(layer, op, rows, strides, fixed, inner) -> frozenset[tuple[int, ...]]:
    D = len(layer.dims)
    out = set()
    for combo in _combos(inner, rows):
        f = dict(fixed)
        f.update(zip(inner, combo, strict=True))
        out.add(_coords(layer, op, _dimval(f, rows, strides, D)))
    return frozenset(out)


def _walk(layer, op, rows, strides, outer_sp, trans, inner) -> tuple[int, int]:
    """Sum over instances of (new elements over the transitions, distinct elements seen)."""
    total, seen_total = 0, 0
    for inst in _combos(outer_sp, rows):
        prev: frozenset = frozenset()
        seen: set = set()
        for it in _combos(trans, rows):
            fixed = dict(zip(outer_sp, inst, strict=True))
            fixed.update(zip(trans, it, strict=True))
            tile = _tile(layer, op, rows, strides, fixed, inner)
            total += len(tile - prev)
            seen |= tile
            prev = tile
        seen_total += len(seen)
    return total, seen_total


def simulate(layer: Layer, acc: Accelerator, mapping: Mapping) -> dict[str, dict[str, dict[str, int]]]:
    """Counts per level and operand, from the loop nest as the mapping lists it (its strides).

    Which spatial loops an operand's level instance sits below comes from the spans, literally: a level
    has one instance per position along the array axes it does not span, and its tile takes in the
    spatial loops over the axes it does span. The one ordering rule of per-operand memories (docs/model.md)
    is restated here: for an operand whose chain has a level between its own fan-out level of an axis and
    the level the mapping lists the axis at, the axis's spatial loops deal out its indices from just
    below the temporal loops of its own fan-out level (that sets their strides)."""
    res = resolve(mapping, layer, acc)
    listed = nest_rows(res.mapping, layer, acc)
    L = len(acc.memories)
    K = range(len(listed))
    axes = acc.array.axis_names
    out = {m.name: {} for m in acc.memories}
    rows = listed

    def operand_order(chain: list[int]) -> list[Loop]:
        moved: dict[int, int] = {}  # row -> its operand's fan-out level
        for k, (_, _, lv, sp, ax) in enumerate(listed):
            if not sp:
                continue
            home = max(x for x in chain if axes[ax] in acc.memories[x].spans)
            if any(home < x <= lv for x in chain):
                moved[k] = home
        order = [k for k in K if k not in moved]
        for k in sorted(moved):
            at = next((i for i, j in enumerate(order) if listed[j][2] > moved[k]), len(order))
            order.insert(at, k)
        return [listed[k] for k in order]

    def spans(x: int, k: int) -> bool:  # level x spans the array axis of spatial loop k
        return axes[rows[k][4]] in acc.memories[x].spans

    def inside(x: int) -> list[int]:  # the loops of one instance's tile at level x
        return [k for k in K if (not rows[k][3] and rows[k][2] >= x) or (rows[k][3] and spans(x, k))]

    def instances(x: int) -> list[int]:  # the spatial loops telling level x's instances apart
        return [k for k in K if rows[k][3] and not spans(x, k)]

    for o in layer.operands:
        chain = [x for x in range(L) if o.role in res.keep[x]]
        rows = operand_order(chain)
        strides = _strides(rows)
        cnt = {x: {"reads": 0, "fills": 0, "updates": 0} for x in chain}
        for p, c in zip(chain, chain[1:], strict=False):
            trans = [k for k in K if not rows[k][3] and rows[k][2] < c]
            inner_c = inside(c)
            sp_above_c = instances(c)
            sp_above_p = instances(p)
            union = [k for k in K if k in inner_c or (rows[k][3] and spans(p, k))]
            f_child, seen_c = _walk(layer, o.name, rows, strides, sp_above_c, trans, inner_c)
            f_union, seen_p = _walk(layer, o.name, rows, strides, sp_above_p, trans, union)
            if o.role == "O":
                cnt[c]["fills"] += f_child - seen_c
                cnt[c]["reads"] += f_child
                cnt[p]["updates"] += f_union
                cnt[p]["reads"] += f_union - seen_p
            else:
                cnt[c]["fills"] += f_child
                cnt[p]["reads"] += f_union
        last = chain[-1]
        sp_above = instances(last)
        sp_below = [k for k in K if rows[k][3] and spans(last, k)]
        temporal = [k for k in K if not rows[k][3]]
        # the compute "tile" is one point per PE: every temporal step delivers the union over PEs
        n, seen = 0, 0
        for inst in _combos(sp_above, rows):
            s: set = set()
            for it in _combos(temporal, rows):
                fixed = dict(zip(sp_above, inst, strict=True))
                fixed.update(zip(temporal, it, strict=True))
                t = _tile(layer, o.name, rows, strides, fixed, sp_below)
                n += len(t)
                s |= t
            seen += len(s)
        if o.role == "O":
            cnt[last]["updates"] += n
            cnt[last]["reads"] += n - seen
        else:
            cnt[last]["reads"] += n
        for x in chain:
            out[acc.memories[x].name][o.name] = cnt[x]
    return out
