"""The spatial unrollings ZigZag v2's generator gives a layer, as CarbonSpot's study ran it.

CarbonSpot's ZigZag (KULeuven-MICAS/carbonspot @ f514704, ``zigzag/classes/opt/spatial/generator.py``,
``UserSpatialMappingGenerator``, run by ``SpatialMappingGeneratorStage`` with
``enable_mix_spatial_mapping_generation``, ``maximize_hardware_utilization`` and
``enable_weight_diagonal_mapping`` all on: ``zigzag/api.py``) does not search the spatial mapspace: it
builds one or two unrollings per layer and searches only their loop orders. The rules, restated in our
terms (the ``zigzag_spatial_generator`` rule of :class:`carbonloop.hardware.carbonspot.CarbonSpotRules`):

1. **Per axis, one dim at a time.** Every hinted dim unrolls ``min(size, axis size)`` on an axis. On an
   axis that the innermost memory of an operand serves (its ``spans``), a dim the operand depends on is
   capped at that memory's bandwidth over the operand's precision (write bandwidth for outputs, at the
   partial-sum precision; read bandwidth for inputs): a one-word register broadcast along an axis cannot
   feed different data along it. Unrollings of 1 are dropped.
2. **Mixes.** Each single unrolling is split into prime factors; for every subset of two or more hinted
   dims, every combination of two or more of their factors (not all of one dim) whose product fits the
   axis is a mix, repeated dims merged into one loop. A merged mix removes the first mix of the same
   length already listed when its sizes are no smaller on the dims they share (ZigZag removes it even when
   the dims differ: the list is built as ZigZag builds it, in the same order).
3. **The top utilizations.** Each axis's list is sorted by unrolled size, largest first (ties keep their
   order); the axes are combined in order (the first axis outermost), and ZigZag stops at the third
   event, an event being a change of the combined size or a yielded unrolling: one or two unrollings,
   the first legal one and the next if it has the same size. Illegal: a dim unrolled past its size over
   the axes together.
4. **The diagonal.** Where the input's innermost memory is a diagonal register serving one axis and the
   output's serves one axis (WS and IMC under the ``weight_diagonal_mapping`` rule; not OS, whose outputs
   stay private), OX and OY (the dims the weights ignore, if hinted on the
   input's axis) are added on the input's axis beside what is there, as a combination of their prime
   factors, largest product first, when that axis has room (what is there at most half of it) and the
   output's axis holds the diagonal: its other loops times the window's input rows (``FX + OX - 1``,
   times ``FY + OY - 1`` or, when only one dim is added, the other window's loops) at most its size.
   The rows are counted as the conventions count a macro's rows (``Conventions.strided_diagonal_rows``):
   ZigZag's ``FX + OX - 1`` whatever the stride under the ``zigzag`` and ``carbonspot`` sets, else the
   rows a strided window reads (``2 (OX - 1) + FX`` at stride 2), which the macro must hold.

Dims are visited in ZigZag's order for an ONNX conv (B, K, G, OX, OY, C, FX, FY, then the layer's
others), which decides ties. Where ZigZag's own code would read a junk pairing for a dim the weights ignore
that has no window partner (B), ours takes the dims' true window partners: CarbonSpot's published DS-CNN
cycles (OX 5 on the wordline beside FY 3 x FX 3, not OY 25) are reproduced by the true pairing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.factors import prime_factors
from carbonloop.workload.layer import Layer

Loops = tuple[tuple[str, int], ...]
Unrolling = dict[str, Loops]

ZIGZAG_DIM_ORDER = ("B", "K", "G", "OX", "OY", "C", "FX", "FY")
"""The order ZigZag v2's ONNX parser lists a conv's dims (``loop_dim_size``): ties among equal unrollings
are broken in it."""

MAX_EVENTS = 3
"""ZigZag stops combining the axes at the third change of combined size or yield (``yield_count_limit = 2``
plus one, ``maximize_hardware_utilization``): "only check the spatial mappings associated with the top 2
hardware utilization"."""


def _products(loops: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Per dim, the product of its factors among ``loops`` (repeated dims merged, first-seen order)."""
    out: dict[str, int] = {}
    for d, f in loops:
        out[d] = out.get(d, 1) * f
    return out


def _dim_order(layer: Layer) -> list[str]:
    known = [d for d in ZIGZAG_DIM_ORDER if d in layer.sizes]
    return known + [d for d in layer.dim_names if d not in known]


def _innermost(acc: Accelerator, role: str):
    """The deepest memory level holding ``role`` (None if none does)."""
    levels = [m for m in acc.memories if role in m.operands]
    return levels[-1] if levels else None


def _single_unrollings(layer: Layer, acc: Accelerator, hints: dict[str, list[str]]) -> dict[str, list[Loops]]:
    """Rule 1: per axis, the hinted dims' single unrollings (``((dim, size),)``), in ZigZag's dim order."""
    sizes = layer.sizes
    axes = acc.array.axis_names
    caps = {a: {d: min(sizes[d], acc.array.axis_size(a)) for d in sizes} for a in axes}
    for op in layer.operands:
        level = _innermost(acc, op.role)
        if level is None:
            continue
        bandwidth = level.write_bw_bits if op.role == "O" else level.read_bw_bits
        precision = op.psum_bits if op.role == "O" else op.bits
        words = int(bandwidth // precision) if precision else None
        for axis in level.spans:
            if axis not in caps or words is None:
                continue
            for d in sizes:
                if d in op.dims():  # relevant or a window dim of the operand
                    caps[axis][d] = min(caps[axis][d], words)
    out: dict[str, list[Loops]] = {}
    for axis in axes:
        hinted = hints.get(axis, [])
        out[axis] = [((d, caps[axis][d]),) for d in _dim_order(layer) if d in hinted and caps[axis][d] != 1]
    return out


def _with_mixes(singles: list[Loops], hinted: list[str], axis_size: int) -> list[Loops]:
    """Rule 2: the single unrollings of one axis followed by its mixes, in ZigZag's order."""
    listed = list(singles)
    if len(singles) < 2 or len(hinted) < 2:
        return listed
    elements = [(d, p) for ((d, size),) in singles for p in prime_factors(size)]
    for n_dims in range(2, len(hinted) + 1):
        for dims in itertools.combinations(hinted, n_dims):
            pool = [e for e in elements if e[0] in dims]
            for n in range(2, len(pool) + 1):
                for combo in itertools.combinations(pool, n):
                    if len({d for d, _ in combo}) == 1 or math.prod(f for _, f in combo) > axis_size:
                        continue
                    merged = _products(combo)
                    mix = tuple(merged.items())
                    if len(merged) < len(combo):
                        _drop_first_smaller_mix(listed, mix)
                    if mix not in listed:
                        listed.append(mix)
    return listed


def _drop_first_smaller_mix(listed: list[Loops], mix: Loops) -> None:
    """Rule 2's removal: the first listed mix of ``mix``'s length that ``mix`` is not smaller than on a dim
    (a mix of other dims counts as not smaller: ZigZag compares sizes only when the dims match)."""
    for i, other in enumerate(listed):
        if len(other) < 2 or len(other) != len(mix):
            continue
        theirs = dict(other)
        if all(d in theirs for d, _ in mix) and any(f < theirs[d] for d, f in mix):
            continue
        del listed[i]
        return


def _legal(layer: Layer, unrolling: Unrolling) -> bool:
    """No dim unrolled past its size over the axes together."""
    return not _over_unrolled(layer, [lp for loops in unrolling.values() for lp in loops])


def _over_unrolled(layer: Layer, loops: Iterable[tuple[str, int]]) -> list[str]:
    """The dims ``loops`` unroll past their size, all axes together."""
    return [d for d, f in _products(loops).items() if f > layer.sizes.get(d, f)]


def _window_partners(layer: Layer) -> dict[str, tuple[str, int, int]]:
    """Each window dim's partner on the input and the two coefficients (OX -> (FX, stride, dilation)),
    from the input's axes."""
    inputs = next(o for o in layer.operands if o.role == "I")
    out: dict[str, tuple[str, int, int]] = {}
    for axis in inputs.axes:
        terms = [(d, abs(c)) for d, c in axis if c != 0]
        if len(terms) == 2:
            (a, ca), (b, cb) = terms
            out[a], out[b] = (b, ca, cb), (a, cb, ca)
    return out


def _window_rows(outputs: int, kernel: int, output_step: int, kernel_step: int) -> int:
    """Distinct input rows a window of ``outputs`` positions and ``kernel`` taps reads (``i*a + j*b``)."""
    g = math.gcd(output_step, kernel_step)
    a, b = output_step // g, kernel_step // g
    return outputs * kernel - max(0, outputs - b) * max(0, kernel - a)


def _with_diagonal(
    layer: Layer, acc: Accelerator, hints: dict[str, list[str]], unrolling: Unrolling
) -> Unrolling:
    """Rule 4: OX/OY added on the input register's axis (ZigZag's ``add_input_pr_spatial_loop_if_enabled``)."""
    weights = [o for o in layer.operands if o.role == "W"]
    if len(weights) != 1 or not weights[0].constant:
        return unrolling
    act, out = _innermost(acc, "I"), _innermost(acc, "O")
    if act is None or out is None or not act.diagonal_inputs or len(act.spans) != 1 or len(out.spans) != 1:
        return unrolling  # no diagonal register (the ``weight_diagonal_mapping`` rule off), or OS
    act_axis, out_axis = act.spans[0], out.spans[0]
    act_size, out_size = acc.array.axis_size(act_axis), acc.array.axis_size(out_axis)
    sizes = layer.sizes
    partner = _window_partners(layer)
    inputs = next(o for o in layer.operands if o.role == "I")
    # the dims the weights ignore and the input reads (OX, OY; B): a dim without a window partner (OX of a
    # 1x1 conv, where ZigZag keeps FX = 1) is a window of one tap
    w_ir = [d for d in _dim_order(layer) if d in inputs.dims() and d not in weights[0].dims()]
    for d in w_ir:
        if d not in partner:
            step = next((abs(c) for axis in inputs.axes for x, c in axis if x == d and c != 0), 1)
            partner[d] = ("", step, 1)
    targets = [d for d in w_ir if d in hints.get(act_axis, [])]
    if not targets:
        return unrolling
    existing = math.prod(f for _, f in unrolling.get(act_axis, ()))
    if existing * 2 > act_size:
        return unrolling
    kernel = {d: 1 for d in w_ir}  # per window dim, its partner's loops on the output's axis
    others = 1  # the output axis's other loops
    for d, f in unrolling.get(out_axis, ()):
        owner = next((t for t in w_ir if partner[t][0] == d), None)
        if owner is None:
            others *= f
        else:
            kernel[owner] *= f
    placed = {d: 1 for d in sizes}
    for loops in unrolling.values():
        for d, f in loops:
            placed[d] *= f
    left = {d: sizes[d] / placed[d] for d in sizes}

    def steps(t: str) -> tuple[int, int]:
        """The window's two coefficients (unit steps where the conventions count rows as ZigZag does)."""
        return (partner[t][1], partner[t][2]) if acc.conventions.strided_diagonal_rows else (1, 1)

    def other(t: str) -> int:
        rest = [kernel[x] for x in w_ir if x != t]
        return rest[-1] if rest else 1

    pools: dict[str, list[int]] = {}
    for t in targets:
        room = min(act_size // existing, math.floor(out_size / others / other(t) - (kernel[t] - 1)))
        fs = [p for p in prime_factors(sizes[t]) if p <= room and p <= left[t]]
        if fs:
            pools[t] = fs
    best: list[tuple[str, int]] = []
    best_size = 0
    dims = [t for t in targets if t in pools]
    for n_dims in range(1, len(dims) + 1):
        for subset in itertools.combinations(dims, n_dims):
            pool = [(t, f) for t in subset for f in pools[t]]
            for n in range(1, len(pool) + 1):
                for combo in itertools.combinations(pool, n):
                    add = {t: 1 for t in subset}
                    for t, f in combo:
                        add[t] *= f
                    if any(f == 1 for f in add.values()) or any(f > left[t] for t, f in add.items()):
                        continue
                    size = math.prod(add.values())
                    if existing * size > act_size:
                        continue
                    need = others * math.prod(_window_rows(f, kernel[t], *steps(t)) for t, f in add.items())
                    if len(add) == 1:
                        need *= other(subset[0])
                    if need > out_size or size <= best_size:
                        continue
                    best, best_size = list(add.items()), size
    if not best:
        return unrolling
    return {**unrolling, act_axis: tuple(unrolling.get(act_axis, ())) + tuple(best)}


def zigzag_spatial_unrollings(layer: Layer, acc: Accelerator) -> list[Unrolling]:
    """The one or two unrollings ZigZag v2's generator gives ``layer`` on ``acc`` (module docstring), each
    a dict axis -> loops (axes without loops left out). Hints: ``acc.hints["spatial"]`` (every dim on an
    axis without one)."""
    raw = acc.hints.get("spatial") if isinstance(acc.hints, dict) else None
    hints = {a: list(v) for a, v in raw.items()} if isinstance(raw, dict) else {}
    axes = acc.array.axis_names
    hints = {a: hints.get(a, list(layer.dim_names)) for a in axes}
    singles = _single_unrollings(layer, acc, hints)
    per_axis: list[list[Loops | None]] = []
    for a in axes:
        options = _with_mixes(singles[a], hints[a], acc.array.axis_size(a))
        ranked = sorted(options, key=lambda loops: -math.prod(f for _, f in loops))
        per_axis.append(list(ranked) or [None])
    found: list[Unrolling] = []
    events, last_size = 0, 0
    for combo in itertools.product(*per_axis):
        size = math.prod(f for loops in combo if loops for _, f in loops)
        if size != last_size:
            events += 1
        last_size = size
        if events >= MAX_EVENTS:
            break
        unrolling = {a: loops for a, loops in zip(axes, combo, strict=True) if loops}
        if not _legal(layer, unrolling):
            continue
        found.append(_with_diagonal(layer, acc, hints, unrolling))
        events += 1
    if not found:  # every top combination over-unrolls a dim: shrink the single-dim ones until legal
        found = [_with_diagonal(layer, acc, hints, u) for u in _shrunk(layer, axes, per_axis)]
    return found


def _shrunk(layer: Layer, axes: tuple[str, ...], per_axis: list[list[Loops | None]]) -> list[Unrolling]:
    """ZigZag's fallback when no top combination is legal (a dim over-unrolled across axes): the first
    two combinations of single-dim unrollings, each shrunk one step at a time on its last axes until the
    over-unrolled dims fit (``shrink_combination_when_a_layer_dim_is_mapped_on_multiple_oa_dims``; the
    combination kept covers the dim, padding it)."""
    out: list[Unrolling] = []
    for combo in itertools.product(*per_axis):
        if any(loops is not None and len(loops) > 1 for loops in combo):
            continue
        if len(out) >= MAX_EVENTS - 1:
            break
        current = [loops[0] if loops else None for loops in combo]
        while over := _over_unrolled(layer, [item for item in current if item]):
            shrunk = list(current)
            for i in range(len(shrunk) - 1, -1, -1):
                item = shrunk[i]
                if item and item[0] in over and item[1] > 1:
                    shrunk[i] = (item[0], item[1] - 1)
                    break
            else:
                break
            if not _over_unrolled(layer, [item for item in shrunk if item]):
                totals = _products(item for item in shrunk if item)
                covered = all(totals[d] == layer.sizes[d] for d in over)
                current = shrunk if covered else current
                break
            current = shrunk
        out.append(
            {a: ((item[0], item[1]),) for a, item in zip(axes, current, strict=True) if item and item[1] > 1}
        )
    return out
