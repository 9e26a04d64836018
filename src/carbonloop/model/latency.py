"""Latency: compute cycles, bandwidth stalls per level and port, loading the first and draining the last tiles.

Every level moves its traffic concurrently with compute. A level's busy time is its read traffic over its
read bandwidth and its write traffic over its write bandwidth (the sum over one shared port when
``shared_ports``), per instance. The layer takes as long as the slowest of compute and the busiest level
(a double-buffered level overlaps refills with compute); a single-buffered level also stalls compute
while it is refilled. Before the first MAC every double-buffered on-chip level loads its first tile of
inputs and weights, and after the last MAC it drains its last output tile. The virtual levels of one
physical memory count as that one memory (docs/model.md, "Per-operand memories", rule 3): their transfers,
refills, loading and draining all go through its ports.

Under conventions without ``refill_stalls`` (Timeloop's) the layer takes the slowest of compute and the
busiest level only: no refill stalls, no loading or draining outside the steady state.
"""

from __future__ import annotations

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.accesses import Counts


def _ceil_div(bits: np.ndarray, bw: float) -> np.ndarray:
    return np.ceil(bits / bw).astype(np.int64)


def _parent_level(acc: Accelerator, group: tuple[int, ...]) -> int:
    """The level that fills the memory of levels ``group`` (one level, or the virtual levels of one physical
    memory): the nearest level above it keeping one of its operands (the level just above, unless operands
    bypass it: per-operand registers, virtual levels); when its operands have different parents, the one
    with the least read bandwidth (the slower feed sets the loading time). Accelerators with nested spans
    and no virtual levels keep the level just above (as before: the presets' numbers do not move with
    per-operand memories)."""
    top = group[0]
    if acc.spans_nested and not acc.has_virtual_levels:
        return top - 1
    roles = {role for x in group for role in acc.memories[x].operands}
    parents = {
        max((y for y in range(top) if role in acc.memories[y].operands), default=top - 1) for role in roles
    }
    return min(parents, key=lambda y: (acc.memories[y].read_bits_per_cycle, -y))


def _per_instance_bits(bits: np.ndarray, inst: np.ndarray) -> np.ndarray:
    """[N] bits one instance of a physical memory moves: ``bits`` [N, k] are the totals of its k levels
    (virtual levels, or the one level), ``inst`` [N, k] the instances each uses. One instance carries
    every level's share; when the levels use the same instances it is the total over them, floored once,
    exactly as for the unsplit memory."""
    if inst.shape[1] == 1:
        one: np.ndarray = bits[:, 0] // inst[:, 0]
        return one
    same = (inst == inst[:, :1]).all(axis=1)
    out: np.ndarray = np.where(same, bits.sum(axis=1) // inst[:, 0], (bits // inst).sum(axis=1))
    return out


def latency_cycles(counts: Counts, acc: Accelerator) -> dict[str, np.ndarray]:
    """Cycles [N] with the parts: ``compute``, ``stall``, ``onload``, ``offload``, ``total``.

    The unit is the physical memory: the virtual levels of one memory (``Accelerator.physical_groups``)
    move their transfers through that memory's ports together, as the operands of one level do, so
    splitting a memory never adds bandwidth. The ports are those of its first virtual level."""
    compute = counts.temporal_iterations * acc.array.cycles_per_mac
    busiest = compute.copy()
    serial = np.zeros_like(compute)
    onload = np.zeros_like(compute)
    offload = np.zeros_like(compute)
    # bits each level moves, every operand together [N, L] (integers: summed once for all levels)
    level_reads = (counts.reads * counts.word_bits).sum(axis=2)
    level_fills = (counts.fills * counts.word_bits).sum(axis=2)
    level_updates = (counts.updates * counts.word_bits).sum(axis=2)
    instances = np.maximum(counts.instances, 1)
    for group in acc.physical_groups():
        x = group[0]
        mem = acc.memories[x]
        levels = slice(x, group[-1] + 1)  # virtual levels are adjacent (Accelerator checks it)
        inst = instances[:, levels]
        read_bits = _per_instance_bits(level_reads[:, levels], inst)
        fill_bits = _per_instance_bits(level_fills[:, levels], inst)
        upd_bits = _per_instance_bits(level_updates[:, levels], inst)
        if mem.shared_ports:
            bw = mem.read_bw_bits * max(mem.read_ports, mem.write_ports)
            busy = _ceil_div(read_bits + fill_bits + upd_bits, bw)
        else:
            busy = np.maximum(
                _ceil_div(read_bits, mem.read_bits_per_cycle),
                _ceil_div(fill_bits + upd_bits, mem.write_bits_per_cycle),
            )
        busiest = np.maximum(busiest, busy)
        if x == 0 or not acc.conventions.refill_stalls:
            continue
        if mem.double_buffered:
            parent = acc.memories[_parent_level(acc, group)]
            first_bits = counts.first_tile_bits[:, levels].sum(axis=1)
            sent_bits = (counts.first_tile_bits[:, levels] * inst).sum(axis=1)
            onload += np.maximum(
                _ceil_div(first_bits, mem.write_bits_per_cycle),
                _ceil_div(sent_bits, parent.read_bits_per_cycle * 1.0)
                // np.maximum(counts.instances[:, x - 1], 1),
            )
            offload += _ceil_div(counts.last_tile_bits[:, levels].sum(axis=1), mem.read_bits_per_cycle)
        else:
            serial += _ceil_div(fill_bits, mem.write_bits_per_cycle)
    total = busiest + serial + onload + offload
    return {
        "compute": compute,
        "stall": total - compute - onload - offload,
        "onload": onload,
        "offload": offload,
        "total": total,
    }
