"""One mapping (or N at once) -> energy, latency, utilization and their breakdowns.

Energy = sum over levels and operands of accesses, in words of the level's width, times the energy per
action (read, write for fills, update), plus MACs executed times the MAC energy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from carbonloop.costs.imc import partial_tree_full_adders, tree_depth
from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator, AdderTree
from carbonloop.model.accesses import Counts, FillCounter, count_accesses
from carbonloop.model.capacity import (
    capacity_bits,
    capacity_bits_for,
    diagonal_rows_fit,
    imc_rows_used,
    unrolling_groups,
)
from carbonloop.model.instance_costs import block_elements, leaking_instances, paying_instances
from carbonloop.model.latency import latency_cycles
from carbonloop.model.mapping import Mapping, resolve
from carbonloop.model.nest import (
    CompiledLayer,
    LoopArrays,
    compile_layer,
    mapping_arrays,
    operand_loop_arrays,
)
from carbonloop.model.zigzag_counts import drain_word_bits, partial_levels, zigzag_counts
from carbonloop.model.zigzag_latency import imc_weight_loading_latency, zigzag_latency_cycles
from carbonloop.workload.layer import Layer


@dataclass(frozen=True)
class BatchResult:
    """Scores of N mappings of one layer: arrays [N] plus the counts behind them."""

    counts: Counts
    energy_pj: np.ndarray
    compute_energy_pj: np.ndarray
    level_energy_pj: np.ndarray  # [N, L, O]
    latency: dict[str, np.ndarray]
    fits: np.ndarray  # [N] bool: every tile fits its level
    macs_executed: np.ndarray
    compute_components_pj: dict[str, np.ndarray] = field(default_factory=dict)
    leakage_pj: np.ndarray | None = None  # [N, L] leakage over the run
    kind_energy_pj: dict[str, np.ndarray] | None = None
    """[N, L, O] energy of the reads, fills and updates apart; kept only when some memory has a minimum
    access (what an access costs then depends on its kind's transfers, not only on its bits)."""

    @property
    def latency_cycles(self) -> np.ndarray:
        return self.latency["total"]


def fits_capacity(tile_bits: np.ndarray, acc: Accelerator, cap: np.ndarray | None = None) -> np.ndarray:
    """[N] bool: every level's tile fits, the virtual levels of one physical memory together (the sum of
    their tiles against the one memory's usable size). ``cap``: usable bits per level [N, L] or [L]
    (:func:`carbonloop.model.capacity.capacity_bits_for`; default: the sizes alone)."""
    if cap is None:
        cap = capacity_bits(acc)
    cap2 = np.broadcast_to(cap, (tile_bits.shape[0], cap.shape[-1])) if cap.ndim == 1 else cap
    L = tile_bits.shape[1]
    fits: np.ndarray = np.asarray((tile_bits <= cap2[:, :L]).all(axis=1))
    for group in acc.physical_groups():
        if len(group) > 1:
            fits &= tile_bits[:, list(group)].sum(axis=1) <= cap2[:, group[0]]
    return fits


@lru_cache(maxsize=4096)
def _pass_energy(spec: object, rows: int, cols: int, summed: int) -> tuple[tuple[str, float], ...]:
    own = getattr(spec, "pass_energy_pj", None)
    if own is not None:  # a CiM macro prices its own pass (carbonloop.costs.cim)
        return tuple(own(rows, cols).items())
    from carbonloop.costs.imc import imc_pass_energy_pj

    return tuple(imc_pass_energy_pj(spec, rows, cols, summed).items())  # type: ignore[arg-type]


def imc_compute_energy(
    cl: CompiledLayer, acc: Accelerator, loops: LoopArrays, temporal: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Energy of every MAC pass of the macros, by component, from the macro model [N]."""
    spec = acc.array.imc
    rows, cols, macros, summed = imc_rows_used(cl, loops, acc.conventions)
    fits = rows <= spec.rows
    rows_c = np.clip(rows, 1, spec.rows)
    summed_c = np.clip(summed, 1, rows_c)
    span = int(cols.max(initial=0)) + 1
    deep = spec.rows + 1
    key = (rows_c.astype(np.int64) * span + cols) * deep + summed_c  # one key per (rows, cols, summed)
    uniq, inverse = np.unique(key, return_inverse=True)
    triples = np.stack([uniq // deep // span, uniq // deep % span, uniq % deep])
    per_pass: dict[str, np.ndarray] = {}
    for j in range(triples.shape[1]):
        for name, pj in _pass_energy(spec, int(triples[0, j]), int(triples[1, j]), int(triples[2, j])):
            per_pass.setdefault(name, np.zeros(triples.shape[1]))[j] = pj
    scale = temporal * macros / spec.macros
    components = {name: arr[inverse.ravel()] * scale for name, arr in per_pass.items()}
    total = np.sum(list(components.values()), axis=0) if components else np.zeros(len(temporal))
    return total, components, fits


def compute_energy(
    cl: CompiledLayer, acc: Accelerator, loops: LoopArrays, temporal: np.ndarray, spatial_used: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Compute energy [N] (MACs x MAC energy; an IMC macro's pass energy from its model), its components
    and whether the unrolling fits the macro's rows. It depends only on the spatial unrolling and the
    temporal iterations, so the mapper also uses it to bound a whole spatial candidate."""
    if acc.array.is_imc:
        return imc_compute_energy(cl, acc, loops, temporal)
    macs = temporal * spatial_used * acc.array.mac_pj
    fits = np.ones(temporal.shape, dtype=bool)
    tree = acc.array.adder_tree
    if tree is None:
        return macs, {}, fits
    trees = adder_tree_energy(cl, acc, tree, loops, temporal, spatial_used)
    return macs + trees, {"macs": macs, "adder_trees": trees}, fits


def adder_tree_energy(
    cl: CompiledLayer,
    acc: Accelerator,
    tree: AdderTree,
    loops: LoopArrays,
    temporal: np.ndarray,
    spatial_used: np.ndarray,
) -> np.ndarray:
    """[N] Energy of the array's adder trees: each cycle, every tree fed by the unrolling (the PE lines of
    the other axes in use) switches the full adders of its driven inputs (those the unrolling puts on the
    tree's axis) fully and its joining adders with a zero operand half (:class:`AdderTree`)."""
    axis = acc.array.axis_names.index(tree.axis)
    size = acc.array.axis_size(tree.axis)
    used = np.clip(loops.axis_extents(axis, cl.D).prod(axis=1), 1, size)
    inputs, row = np.unique(used, return_inverse=True)  # a few distinct input counts among N rows
    per_tree = np.empty(len(inputs))
    for k, u in enumerate(inputs):
        full, half = partial_tree_full_adders(2 ** tree_depth(size), int(u), tree.operand_bits)
        per_tree[k] = full * tree.full_adder_pj + half * tree.half_adder_pj
    pj = per_tree[row.reshape(-1)]
    return temporal * (spatial_used / used) * pj


def evaluate_batch(
    cl: CompiledLayer,
    acc: Accelerator,
    loops: LoopArrays,
    keep: tuple[frozenset[str], ...],
    fill_counter: FillCounter | None = None,
) -> BatchResult:
    """Score N mappings in one numpy computation (they share the keep/bypass pattern).

    ``fill_counter`` replaces the exact fill count (the mapper passes a minimum over loop orders to get
    lower bounds from the same energy and latency code)."""
    conv = acc.conventions
    own = operand_loop_arrays(loops, acc, keep)  # empty unless spans are nested per operand only
    counts = count_accesses(
        cl, loops, keep, fill_counter, conv, own, acc.physical_groups(), acc.has_access_granularity
    )
    if not conv.operand_word_bits:
        counts = level_word_bits(counts, acc)
    bound = fill_counter is not None
    if not conv.psum_width_by_level:
        counts = merged_psum_word_bits(cl, own.get("O", loops), keep, counts, least=bound)
    counts = zigzag_counts(cl, own.get("O", loops), keep, counts, conv, bound)
    drain_bits = None if conv.drain_reads_at_level_bits else drain_word_bits(cl, keep, counts, bound)
    kind_energy = None if counts.bursts is None else granular_access_parts(counts, acc, drain_bits)
    if kind_energy is None:
        level_energy = access_energy(counts, acc, drain_bits)
    else:
        level_energy = kind_energy["reads"] + kind_energy["fills"] + kind_energy["updates"]
    macs_exec = counts.temporal_iterations * counts.spatial_used
    fits = fits_capacity(counts.tile_bits, acc, capacity_bits_for(acc, cl, loops))
    fits &= diagonal_rows_fit(acc, cl, loops)
    compute, components, rows_fit = compute_energy(
        cl, acc, loops, counts.temporal_iterations, counts.spatial_used
    )
    fits = fits & rows_fit
    if conv.level_roofline_latency or fill_counter is None:
        lat = _latency_by_unrolling(cl, acc, loops, keep, counts, own)
    else:
        # the mapper's bound over a whole tiling: ZigZag's latency is never below the ideal cycles (its
        # stall term is at least 0, loading too), and its windows depend on the loop order it leaves open
        compute_cycles = counts.temporal_iterations * acc.array.cycles_per_mac
        zero = np.zeros_like(compute_cycles)
        lat = {
            "compute": compute_cycles,
            "stall": zero,
            "onload": zero,
            "offload": zero,
            "total": compute_cycles,
        }
    leak = leakage_energy(counts, acc, lat["total"])
    energy = level_energy.sum(axis=(1, 2)) + compute
    if conv.leakage_in_energy:
        energy = energy + leak.sum(axis=1)
    return BatchResult(
        counts, energy, compute, level_energy, lat, fits, macs_exec, components, leak, kind_energy
    )


def _latency_by_unrolling(
    cl: CompiledLayer,
    acc: Accelerator,
    loops: LoopArrays,
    keep: tuple[frozenset[str], ...],
    counts: Counts,
    own: dict[str, LoopArrays],
) -> dict[str, np.ndarray]:
    """Latency [N] by the conventions' model, each row on the accelerator its spatial unrolling sees (a
    diagonal input register's ports scale with its diagonal: :func:`carbonloop.model.capacity.
    unrolling_groups`; one group, ``acc`` itself, without one)."""

    def one(a: Accelerator, c: Counts, lp: LoopArrays, o: dict[str, LoopArrays]) -> dict[str, np.ndarray]:
        if a.conventions.level_roofline_latency:
            return latency_cycles(c, a)
        if a.array.is_imc and not a.conventions.imc_stalls_from_ports:
            return imc_weight_loading_latency(cl, a, lp, c)
        return zigzag_latency_cycles(cl, a, lp, keep, c, o)

    groups = unrolling_groups(acc, cl, loops)
    if len(groups) == 1:
        return one(groups[0][0], counts, loops, own)
    out: dict[str, np.ndarray] = {}
    for a, idx in groups:
        part = one(
            a,
            take_counts(counts, idx),
            take_loops(loops, idx),
            {r: take_loops(v, idx) for r, v in own.items()},
        )
        for key, v in part.items():
            if key not in out:
                out[key] = np.zeros(loops.N, dtype=v.dtype)
            out[key][idx] = v
    return out


def take_loops(loops: LoopArrays, idx: np.ndarray) -> LoopArrays:
    """The rows ``idx`` of a batch of loop nests."""
    return LoopArrays(
        loops.dim[idx],
        loops.factor[idx],
        loops.level[idx],
        loops.spatial[idx],
        None if loops.axis is None else loops.axis[idx],
    )


def take_counts(counts: Counts, idx: np.ndarray) -> Counts:
    """The rows ``idx`` of a batch of counts (every array's first axis is the mapping)."""

    def take(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return v[idx]
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return dataclasses.replace(v, **{f.name: take(getattr(v, f.name)) for f in dataclasses.fields(v)})
        return v

    out: Counts = take(counts)
    return out


def merged_psum_word_bits(
    cl: CompiledLayer,
    loops: LoopArrays,
    keep: tuple[frozenset[str], ...],
    counts: Counts,
    least: bool = False,
) -> Counts:
    """Output words at each level as ZigZag sizes them (``psum_width_by_level`` off; ZigZag 3.9.1
    ``zigzag/mapping/temporal_mapping.py`` merge-down and ``zigzag/mapping/mapping.py`` ``get_psum_flags``).

    A reduction loop sinks to the level of the nearest output-relevant loop inside it (the innermost such
    loops to the outputs' innermost level); a level holds partial sums when a reduction loop ends at it or
    above, or a spatial reduction fans out above it, and final outputs otherwise.

    ``least`` (the mapper's bound over a tiling, whose loop order is still open): where a reduction loop
    ends depends on the order, so every output level takes the smaller of the two widths; the bound's
    tiles and energy are then never above any order's, and the exact score of each order decides."""
    out_i = next(i for i, o in enumerate(cl.operands) if o.role == "O")
    op = cl.operands[out_i]
    chain = [x for x in range(len(keep)) if "O" in keep[x]]
    partial = None if least else partial_levels(cl, loops, keep)
    bits = counts.word_bits.copy()
    tiles = counts.operand_tile_bits.copy()
    for x in chain:
        if partial is None:
            new = np.full(bits.shape[0], min(op.partial_bits, op.bits))
        else:
            new = np.where(partial[:, x], op.partial_bits, op.bits)
        old = np.maximum(bits[:, x, out_i], 1)
        tiles[:, x, out_i] = tiles[:, x, out_i] // old * new
        bits[:, x, out_i] = new
    return replace(counts, word_bits=bits, operand_tile_bits=tiles, tile_bits=tiles.sum(axis=2))


def level_word_bits(counts: Counts, acc: Accelerator) -> Counts:
    """Counts whose words are each level's ``datawidth_bits`` (for every operand it holds), as Timeloop
    sizes them; levels without a datawidth keep the operand's precision."""
    bits = counts.word_bits.copy()
    for x, m in enumerate(acc.memories):
        if m.datawidth_bits is not None:
            bits[:, x, :] = np.where(bits[:, x, :] > 0, m.datawidth_bits, 0)
    return replace(counts, word_bits=bits)


def access_energy(counts: Counts, acc: Accelerator, drain_bits: np.ndarray | None = None) -> np.ndarray:
    """Energy of the reads, fills and updates [N, L, O].

    ``fractional_words``: accesses cost their bits over the level's width; ``drain_bits`` [N, L, O] prices
    the reads that send sums up (``counts.drain_reads``) at other bits than the level's words
    (``drain_reads_at_level_bits`` off); without ``fractional_word_totals`` each direction's total of words
    is truncated to a whole number (ZigZag 3.9.1). Otherwise (Timeloop, ``src/model/buffer.cpp``): per
    instance, action and operand, ``ceil(accesses / block_size)`` vector accesses of ``block_elements``
    elements, paid by ``paying_instances`` (one per utilized cluster unless ``ignore_cluster_size``)."""
    if counts.bursts is not None:  # some memory has a minimum access
        parts = granular_access_parts(counts, acc, drain_bits)
        return parts["reads"] + parts["fills"] + parts["updates"]
    conv = acc.conventions
    width = np.array([m.width_bits for m in acc.memories], dtype=float)[None, :, None]
    e_read = np.array([m.read_pj for m in acc.memories])[None, :, None]
    e_write = np.array([m.write_pj for m in acc.memories])[None, :, None]
    e_upd = np.array([m.update_pj for m in acc.memories])[None, :, None]
    if conv.fractional_words and conv.fractional_word_totals and drain_bits is None:
        words = counts.word_bits / width
        return words * (counts.reads * e_read + counts.fills * e_write + counts.updates * e_upd)
    if conv.fractional_words:
        drain = counts.drain_reads if counts.drain_reads is not None else np.zeros_like(counts.reads)
        up_bits = counts.word_bits if drain_bits is None else drain_bits

        def words(n: np.ndarray, bits: np.ndarray) -> np.ndarray:
            return total_words(n * bits, width, conv.fractional_word_totals)

        return (
            (words(counts.reads - drain, counts.word_bits) + words(drain, up_bits)) * e_read
            + words(counts.fills, counts.word_bits) * e_write
            + words(counts.updates, counts.word_bits) * e_upd
        )
    inst = np.maximum(counts.instances, 1)[:, :, None]  # [N, L, 1] instances in use
    block = block_elements(counts, acc)

    def vectors(n: np.ndarray) -> np.ndarray:
        return np.ceil(n / inst / block)

    per_instance = (
        vectors(counts.reads) * e_read + vectors(counts.fills) * e_write + vectors(counts.updates) * e_upd
    )
    return np.where(counts.word_bits > 0, per_instance * paying_instances(counts, acc), 0.0)


def total_words(bits: np.ndarray, width_bits: np.ndarray, fractional_totals: bool) -> np.ndarray:
    """A total of ``bits`` [integer array] moved through a level ``width_bits`` wide, in words: fractional
    (``fractional_word_totals``), or truncated to a whole number as ZigZag 3.9.1 does with ``int()`` (in
    integers, so exact)."""
    if fractional_totals:
        return bits / width_bits
    return np.floor_divide(bits, width_bits.astype(np.int64))


def granularity_bits(acc: Accelerator, roles: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The smallest read and write of each level and operand in bits [1, L, O] (1: no minimum)."""
    read = [[m.read_granularity_bits(r) for r in roles] for m in acc.memories]
    write = [[m.write_granularity_bits(r) for r in roles] for m in acc.memories]
    return np.array(read, dtype=np.int64)[None], np.array(write, dtype=np.int64)[None]


def charged_bits(elements: np.ndarray, bits: np.ndarray, minimum: np.ndarray) -> np.ndarray:
    """Bits charged for one transfer of ``elements`` words of ``bits`` each through a memory whose smallest
    access is ``minimum`` bits: ``ceil(elements x bits / minimum) x minimum`` (exact integers)."""
    moved = elements * bits
    return -(-moved // minimum) * minimum


def granular_access_parts(
    counts: Counts, acc: Accelerator, drain_bits: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """:func:`access_energy` for an accelerator with minimum accesses (``min_read_bits``/``min_write_bits``),
    by kind of access (``reads``, ``fills``, ``updates``; [N, L, O] each).

    Each transfer (:class:`carbonloop.model.accesses.Bursts`: ``e`` elements of ``b`` bits) is charged
    ``ceil(e b / g) g`` bits instead of ``e b``, so ``n`` elements moved in such transfers cost
    ``n / e x ceil(e b / g) g`` bits; with ``g = 1`` this is ``n b``, today's charge. ZigZag takes the same
    ceiling per period and memory unit (``zigzag/cost_model/cost_model.py``, ``_calc_memory_access``, 3.9.1;
    KULeuven-MICAS/carbonspot @ f514704 ``calc_memory_word_access``). Under ``fractional_words`` the bits
    are charged over the level's width (and each total truncated without ``fractional_word_totals``);
    otherwise (Timeloop's whole vectors) a vector access of ``block`` elements costs at least one access,
    more only when its rounded bits exceed the width."""
    conv = acc.conventions
    b = counts.bursts
    assert b is not None
    g_read, g_write = granularity_bits(acc, b.roles)
    width_int = np.array([m.width_bits for m in acc.memories], dtype=np.int64)[None, :, None]
    width = width_int.astype(float)
    e_read = np.array([m.read_pj for m in acc.memories])[None, :, None]
    e_write = np.array([m.write_pj for m in acc.memories])[None, :, None]
    e_upd = np.array([m.update_pj for m in acc.memories])[None, :, None]
    drain = counts.drain_reads if counts.drain_reads is not None else np.zeros_like(counts.reads)
    up_bits = counts.word_bits if drain_bits is None else drain_bits
    if conv.fractional_words:

        def words(n: np.ndarray, elements: np.ndarray, bits: np.ndarray, minimum: np.ndarray) -> np.ndarray:
            per = np.maximum(elements, 1)
            charged = charged_bits(per, bits, minimum)
            if conv.fractional_word_totals:
                return n * charged.astype(float) / per / width
            return total_words(n * charged, per * width_int, fractional_totals=False)

        return {
            "reads": (
                words(counts.reads - drain, b.reads, counts.word_bits, g_read)
                + words(drain, b.drain, up_bits, g_read)
            )
            * e_read,
            "fills": words(counts.fills, b.fills, counts.word_bits, g_write) * e_write,
            "updates": words(counts.updates, b.updates, counts.word_bits, g_write) * e_upd,
        }
    inst = np.maximum(counts.instances, 1)[:, :, None]
    block = block_elements(counts, acc)

    def vectors(n: np.ndarray, minimum: np.ndarray) -> np.ndarray:
        # a vector access is charged whole: more only when its rounded bits exceed what it already pays for
        paid = np.maximum(width, block * counts.word_bits)
        wider = np.maximum(charged_bits(block, counts.word_bits, minimum) / paid, 1.0)
        return np.ceil(n / inst / block) * wider

    pay = np.where(counts.word_bits > 0, paying_instances(counts, acc), 0)
    return {
        "reads": vectors(counts.reads, g_read) * e_read * pay,
        "fills": vectors(counts.fills, g_write) * e_write * pay,
        "updates": vectors(counts.updates, g_write) * e_upd * pay,
    }


def leakage_energy(counts: Counts, acc: Accelerator, cycles: np.ndarray) -> np.ndarray:
    """Leakage of each level's ``leaking_instances`` over the layer's cycles [N, L] (pJ = mW x ns); a
    physical memory split into virtual levels leaks once, at its first level."""
    leak = np.array([m.leakage_mw * acc.clock_ns * acc.counted_once(x) for x, m in enumerate(acc.memories)])
    return cycles[:, None].astype(float) * leak[None, :] * leaking_instances(counts, acc)


@dataclass(frozen=True)
class LayerCost:
    """The cost of one layer under one mapping, with every breakdown users read."""

    layer: str
    macs: int
    energy_pj: float
    latency_cycles: int
    clock_ns: float
    utilization: float
    spatial_utilization: float
    accesses: dict[str, dict[str, dict[str, int]]]
    energy_breakdown_pj: dict[str, Any]
    latency_breakdown_cycles: dict[str, int]
    mapping: Mapping
    tile_bits: dict[str, dict[str, int]] = field(default_factory=dict)
    """Bits of each operand's tile held per instance of each level (what the inter-layer pass packs)."""
    word_bits: dict[str, dict[str, int]] = field(default_factory=dict)
    """Precision in bits of each operand's words moved at each level (partial sums may be wider)."""
    compute_breakdown_pj: dict[str, float] = field(default_factory=dict)
    """The compute energy by component (IMC macros: DAC, cells, ADC, adder tree...); empty for MACs."""
    leakage_pj: dict[str, float] = field(default_factory=dict)
    """Leakage of each level over the layer's run; part of ``energy_pj`` only under conventions with
    ``leakage_in_energy`` (Timeloop's)."""
    conventions: str = "carbonloop"
    access_energy_pj: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    """Energy of each level's and operand's reads, fills and updates apart; filled only when some memory has
    a minimum access (otherwise each kind costs its count x bits / width x energy per access)."""

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.clock_ns

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.layer,
            "macs": self.macs,
            "energy_pj": self.energy_pj,
            "latency_cycles": self.latency_cycles,
            "latency_ns": self.latency_ns,
            "utilization": self.utilization,
            "spatial_utilization": self.spatial_utilization,
            "accesses": self.accesses,
            "energy_breakdown_pj": self.energy_breakdown_pj,
            "latency_breakdown_cycles": self.latency_breakdown_cycles,
            "mapping": self.mapping.to_list(),
            "tile_bits": self.tile_bits,
            "word_bits": self.word_bits,
            **({"compute_breakdown_pj": self.compute_breakdown_pj} if self.compute_breakdown_pj else {}),
        }


def layer_cost(layer: Layer, acc: Accelerator, mapping: Mapping, res: BatchResult, row: int = 0) -> LayerCost:
    """Turn row ``row`` of a batch result into a LayerCost with named breakdowns."""
    c = res.counts
    names = [o.name for o in layer.operands]
    accesses: dict[str, dict[str, dict[str, int]]] = {}
    breakdown: dict[str, Any] = {"compute": float(res.compute_energy_pj[row])}
    for x, m in enumerate(acc.memories):
        accesses[m.name] = {}
        breakdown[m.name] = {}
        for oi, name in enumerate(names):
            r, f, u = int(c.reads[row, x, oi]), int(c.fills[row, x, oi]), int(c.updates[row, x, oi])
            if r or f or u or c.word_bits[row, x, oi]:
                accesses[m.name][name] = {"reads": r, "fills": f, "updates": u}
                breakdown[m.name][name] = float(res.level_energy_pj[row, x, oi])
    tile_bits = {
        m.name: {name: int(c.operand_tile_bits[row, x, oi]) for oi, name in enumerate(names)}
        for x, m in enumerate(acc.memories)
    }
    word_bits = {
        m.name: {
            name: int(c.word_bits[row, x, oi]) for oi, name in enumerate(names) if c.word_bits[row, x, oi]
        }
        for x, m in enumerate(acc.memories)
    }
    compute_parts = {k: float(v[row]) for k, v in res.compute_components_pj.items()}
    lat = {k: int(v[row]) for k, v in res.latency.items()}
    pes = acc.array.pes
    total = max(lat["total"], 1)
    util = layer.iterations * acc.array.cycles_per_mac / (pes * total)
    return LayerCost(
        layer=layer.name,
        macs=layer.macs,
        energy_pj=float(res.energy_pj[row]),
        latency_cycles=lat["total"],
        clock_ns=acc.clock_ns,
        utilization=float(util),
        spatial_utilization=float(c.spatial_used[row] / pes),
        accesses=accesses,
        energy_breakdown_pj=breakdown,
        latency_breakdown_cycles=lat,
        mapping=mapping,
        tile_bits=tile_bits,
        word_bits=word_bits,
        compute_breakdown_pj=compute_parts,
        leakage_pj={}
        if res.leakage_pj is None
        else {
            m.name: float(res.leakage_pj[row, x])
            for x, m in enumerate(acc.memories)
            if res.leakage_pj[row, x]
        },
        conventions=acc.conventions.name,
        access_energy_pj={}
        if res.kind_energy_pj is None
        else {
            m.name: {
                name: {k: float(v[row, x, oi]) for k, v in res.kind_energy_pj.items()}
                for oi, name in enumerate(names)
                if name in accesses[m.name]
            }
            for x, m in enumerate(acc.memories)
        },
    )


def check_fits(
    layer: Layer,
    acc: Accelerator,
    cl: CompiledLayer,
    res: BatchResult,
    keep: tuple[frozenset[str], ...],
    source: str,
    loops: LoopArrays,
) -> None:
    """Raise a SpecError naming the level, the operands, the need and the capacity of the first overflow
    (capacity for the mapping's unrolling: :func:`carbonloop.model.capacity.capacity_bits_for`)."""
    cap = capacity_bits_for(acc, cl, loops)[0]
    if not diagonal_rows_fit(acc, cl, loops)[0]:
        x = next(i for i, m in enumerate(acc.memories) if m.diagonal_inputs)
        raise SpecError(
            source,
            "spatial",
            f"the unrolling needs more distinct inputs than the {acc.instances(x)} instances of the diagonal "
            f"register {acc.memories[x].name!r} hold (one word each)",
        )
    tiles = res.counts.tile_bits[0]
    for group in acc.physical_groups():
        need = int(sum(tiles[x] for x in group))
        if len(group) > 1 and need > cap[group[0]]:
            m = acc.memories[group[0]]
            parts = " + ".join(f"{acc.memories[x].name} {int(tiles[x])}" for x in group)
            db = " (half of the memory: double-buffered)" if m.double_buffered else ""
            raise SpecError(
                source,
                f"levels[{group[0]}]",
                f"tiles of the virtual levels of {m.physical_name!r} need {parts} = {need} bits but it "
                f"holds {int(cap[group[0]])} bits{db}",
            )
    for x, m in enumerate(acc.memories):
        need = int(res.counts.tile_bits[0, x])
        if need > cap[x]:
            kept = [o.name for o in layer.operands if o.role in keep[x]]
            db = " (half of the level: double-buffered)" if m.double_buffered else ""
            raise SpecError(
                source,
                f"levels[{x}]",
                f"tile of {'+'.join(kept)} needs {need} bits but {m.name!r} holds {int(cap[x])} bits{db}",
            )


def evaluate(layer: Layer, acc: Accelerator, mapping: Mapping, *, check_capacity: bool = True) -> LayerCost:
    """Validate one mapping and score it."""
    resolved = resolve(mapping, layer, acc)
    cl = compile_layer(layer)
    loops = mapping_arrays([resolved.mapping], layer, acc)
    res = evaluate_batch(cl, acc, loops, resolved.keep)
    if check_capacity:
        check_fits(layer, acc, cl, res, resolved.keep, mapping.source, loops)
        if acc.array.is_imc:
            rows = int(imc_rows_used(cl, loops, acc.conventions)[0][0])
            if rows > acc.array.imc.rows:
                raise SpecError(
                    mapping.source,
                    "spatial",
                    f"the unrolling needs {rows} macro rows of inputs but the macro has {acc.array.imc.rows}",
                )
    return layer_cost(layer, acc, resolved.mapping, res)


def evaluate_many(layer: Layer, acc: Accelerator, mappings: list[Mapping]) -> list[LayerCost | None]:
    """Score many mappings of one layer on one accelerator in one model call per keep pattern: the cost of
    each, or None where :func:`evaluate` would refuse it (an invalid mapping, a tile that overflows, more
    macro rows than the macro has). The batch's ``fits`` is exactly those checks (capacities per level and
    per physical memory, diagonal rows, macro rows), and every row is scored alone, so each cost equals
    :func:`evaluate`'s."""
    cl = compile_layer(layer)
    out: list[LayerCost | None] = [None] * len(mappings)
    by_keep: dict[tuple[frozenset[str], ...], list[tuple[int, Mapping]]] = {}
    for i, mapping in enumerate(mappings):
        try:
            resolved = resolve(mapping, layer, acc)
        except SpecError:
            continue
        by_keep.setdefault(resolved.keep, []).append((i, resolved.mapping))
    for keep, items in by_keep.items():
        loops = mapping_arrays([m for _, m in items], layer, acc)
        res = evaluate_batch(cl, acc, loops, keep)
        for row, (i, m) in enumerate(items):
            if bool(res.fits[row]):
                out[i] = layer_cost(layer, acc, m, res, row)
    return out
