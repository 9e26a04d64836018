"""Latency: compute cycles, bandwidth stalls per level and port, loading the first and draining the last tiles.

Every level moves its traffic concurrently with compute. A level's busy time is its read traffic over its
read bandwidth and its write traffic over its write bandwidth (the sum over one shared port when
``shared_ports``), per instance. The layer takes as long as the slowest of compute and the busiest level
(a double-buffered level overlaps refills with compute); a single-buffered level also stalls compute
while it is refilled. Before the first MAC every double-buffered on-chip level loads its first tile of
inputs and weights, and after the last MAC it drains its last output tile.

Under conventions without ``refill_stalls`` (Timeloop's) the layer takes the slowest of compute and the
busiest level only: no refill stalls, no loading or draining outside the steady state.
"""

from __future__ import annotations

import numpy as np

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.accesses import Counts


def _ceil_div(bits: np.ndarray, bw: float) -> np.ndarray:
    return np.ceil(bits / bw).astype(np.int64)


def _parent_level(acc: Accelerator, x: int) -> int:
    """The level that fills level ``x``: the nearest level above it keeping one of its operands (the level
    just above, unless operands bypass it: per-operand registers, virtual levels); when its operands have
    different parents, the one with the least read bandwidth (the slower feed sets the loading time).
    Accelerators with nested spans and no virtual levels keep the level just above (as before: the presets'
    numbers do not move with per-operand memories)."""
    if acc.spans_nested and not acc.has_virtual_levels:
        return x - 1
    parents = {
        max((y for y in range(x) if role in acc.memories[y].operands), default=x - 1)
        for role in acc.memories[x].operands
    }
    return min(parents, key=lambda y: (acc.memories[y].read_bits_per_cycle, -y))


def latency_cycles(counts: Counts, acc: Accelerator) -> dict[str, np.ndarray]:
    """Cycles [N] with the parts: ``compute``, ``stall``, ``onload``, ``offload``, ``total``."""
    compute = counts.temporal_iterations * acc.array.cycles_per_mac
    busiest = compute.copy()
    serial = np.zeros_like(compute)
    onload = np.zeros_like(compute)
    offload = np.zeros_like(compute)
    for x, mem in enumerate(acc.memories):
        inst = np.maximum(counts.instances[:, x], 1)
        read_bits = (counts.reads[:, x, :] * counts.word_bits[:, x, :]).sum(axis=1) // inst
        fill_bits = (counts.fills[:, x, :] * counts.word_bits[:, x, :]).sum(axis=1) // inst
        upd_bits = (counts.updates[:, x, :] * counts.word_bits[:, x, :]).sum(axis=1) // inst
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
            parent = acc.memories[_parent_level(acc, x)]
            onload += np.maximum(
                _ceil_div(counts.first_tile_bits[:, x], mem.write_bits_per_cycle),
                _ceil_div(counts.first_tile_bits[:, x] * inst, parent.read_bits_per_cycle * 1.0)
                // np.maximum(counts.instances[:, x - 1], 1),
            )
            offload += _ceil_div(counts.last_tile_bits[:, x], mem.read_bits_per_cycle)
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
