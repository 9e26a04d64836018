"""ZigZag's counting rules on carbonloop's access counts (the ``zigzag`` and ``carbonspot`` conventions).

ZigZag does not count element moves the way carbonloop does: it counts *periodic transfers* per operand and
memory level, ``words = ceil(amount x precision / min_bw) x (min_bw / max_bw) x periods x units`` in each of
four directions (KULeuven-MICAS/zigzag 3.9.1, ``zigzag/mapping/mapping.py``,
``Mapping.calc_req_mem_bw_and_data_transfer_rate``; ``zigzag/cost_model/cost_model.py``,
``CostModelEvaluation.calc_memory_word_access`` and ``_calc_memory_access``). Restated as rules on the
exact counts, each behind its own switch of :class:`carbonloop.model.conventions.Conventions`:

- ``read_per_mac`` off: the innermost memory of an input operand is read once per run of the innermost
  temporal loops irrelevant to it (the period of its ``rd_out_to_low`` is ``mac_level_data_stationary_cycle``,
  ``zigzag/mapping/temporal_mapping.py``, ``innermost_stationary_loop_merge_down``: the word stays at the
  memory's output pins), not once per MAC.
- ``first_update_needs_no_read`` off: a level holding partial sums (ZigZag's ``psum_flag``,
  ``Mapping.get_psum_flags``) reads a sum back for every update, the first included (``rd_out_to_low``
  mirrors ``wr_in_by_low``), and a child whose parent holds partial sums receives one for every sum it sends
  up (``wr_in_by_high`` mirrors ``rd_out_to_high``). With a spatial reduction above a register this is
  ZigZag's round trip: the register is written and read back every cycle.
- ``drain_reads_at_level_bits`` off: a read that sends sums up is charged at the precision the parent
  holds (``rd_out_to_high`` takes the final precision when the parent holds no partial sums), not at the
  level's own.

(``fractional_word_totals`` off, the truncation of each direction's word total, is applied where energy is
priced: :func:`carbonloop.model.evaluate.access_energy`.)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from carbonloop.model.accesses import Counts
from carbonloop.model.conventions import Conventions
from carbonloop.model.nest import CompiledLayer, LoopArrays


def partial_levels(cl: CompiledLayer, loops: LoopArrays, keep: tuple[frozenset[str], ...]) -> np.ndarray:
    """[N, L] bool: the level holds partial sums of the outputs by ZigZag's rule (``get_psum_flags`` after
    ``innermost_stationary_loop_merge_down``). A reduction loop sinks to the level of the nearest
    output-relevant temporal loop inside it (the innermost ones to the outputs' innermost level); a level
    holds partial sums when a reduction loop ends at it or above, or a spatial reduction fans out above it.
    Levels that do not keep the outputs are False."""
    out_i = next(i for i, o in enumerate(cl.operands) if o.role == "O")
    op = cl.operands[out_i]
    L = len(keep)
    chain = [x for x in range(L) if "O" in keep[x]]
    owner = np.array([max(c for c in chain if c <= lv) for lv in range(L)])
    relevant = np.isin(loops.dim, np.array(op.relevant_dims, dtype=np.int64))
    stepping = loops.factor > 1
    N, K = loops.dim.shape
    nearest = np.full(N, chain[-1])  # owner of the nearest relevant temporal loop inside, innermost first
    lowest = np.full(N, L)  # outermost level at which a reduction ends (L: none)
    for k in range(K - 1, -1, -1):
        temporal = ~loops.spatial[:, k] & stepping[:, k]
        rel = relevant[:, k]
        red_t = temporal & ~rel
        lowest = np.where(red_t, np.minimum(lowest, nearest), lowest)
        red_s = loops.spatial[:, k] & stepping[:, k] & ~rel
        lowest = np.where(red_s, np.minimum(lowest, loops.level[:, k] + 1), lowest)
        nearest = np.where(temporal & rel, owner[loops.level[:, k]], nearest)
    flags = np.zeros((N, L), dtype=bool)
    for x in chain:
        flags[:, x] = lowest <= x
    return flags


def stationary_run(cl: CompiledLayer, loops: LoopArrays, op_index: int, bound: bool = False) -> np.ndarray:
    """[N] product of the innermost run of temporal loops irrelevant to the operand (spatial loops do not
    break it; the first relevant temporal loop does): the cycles a word read from the operand's innermost
    memory stays at its output pins (ZigZag's ``mac_level_data_stationary_cycle``). ``bound``: the product
    of every temporal loop irrelevant to it, the longest run any loop order of the same tiling can give."""
    relevant = np.isin(loops.dim, np.array(cl.operands[op_index].relevant_dims, dtype=np.int64))
    temporal = ~loops.spatial & (loops.factor > 1)
    N, K = loops.dim.shape
    run = np.ones(N, dtype=np.int64)
    alive = np.ones(N, dtype=bool)
    for k in range(K - 1, -1, -1):
        irrelevant = temporal[:, k] & ~relevant[:, k]
        run = np.where(irrelevant & (alive | bound), run * loops.factor[:, k], run)
        alive &= ~(temporal[:, k] & relevant[:, k])
    return run


def zigzag_counts(
    cl: CompiledLayer,
    loops: LoopArrays,
    keep: tuple[frozenset[str], ...],
    counts: Counts,
    conventions: Conventions,
    bound: bool = False,
) -> Counts:
    """``counts`` under the ZigZag switches that are off in ``conventions`` (module docstring); the counts
    unchanged when all are on. ``bound``: the counts are the mapper's lower bound over the loop orders of
    one tiling, so only rules that lower counts are applied, each at its order-free lowest."""
    reads = counts.reads
    fills = counts.fills
    L = len(keep)
    if not conventions.read_per_mac:
        reads = reads.copy()
        for oi, op in enumerate(cl.operands):
            chain = [x for x in range(L) if op.role in keep[x]]
            if op.role == "O" or not chain:
                continue
            last = chain[-1]
            reads[:, last, oi] //= stationary_run(cl, loops, oi, bound)
    if not conventions.first_update_needs_no_read and not bound and counts.first_outputs is not None:
        out_i = next(i for i, o in enumerate(cl.operands) if o.role == "O")
        chain = [x for x in range(L) if "O" in keep[x]]
        partial = partial_levels(cl, loops, keep)
        reads = reads.copy() if reads is counts.reads else reads
        fills = fills.copy()
        for x in chain:
            reads[:, x, out_i] += np.where(partial[:, x], counts.first_outputs[:, x], 0)
        for p, c in zip(chain, chain[1:], strict=False):
            fills[:, c, out_i] += np.where(partial[:, p], counts.first_outputs[:, c], 0)
    if reads is counts.reads and fills is counts.fills:
        return counts
    return replace(counts, reads=reads, fills=fills)


def drain_word_bits(
    cl: CompiledLayer, keep: tuple[frozenset[str], ...], counts: Counts, bound: bool = False
) -> np.ndarray:
    """[N, L, O] bits of each sum a level sends up: the precision its parent in the outputs' chain holds
    (``drain_reads_at_level_bits`` off); the level's own word bits where nothing goes up. ``bound``: never
    above the operand's smaller precision, which no loop order goes below."""
    bits = counts.word_bits.copy()
    for oi, op in enumerate(cl.operands):
        if op.role != "O":
            continue
        chain = [x for x in range(len(keep)) if "O" in keep[x]]
        for p, c in zip(chain, chain[1:], strict=False):
            bits[:, c, oi] = counts.word_bits[:, p, oi]
            if bound:
                bits[:, c, oi] = np.minimum(bits[:, c, oi], min(op.bits, op.partial_bits))
    return bits
