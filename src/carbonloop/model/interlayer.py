"""Inter-layer data: a layer's output that fits on chip stays there for its consumers.

Layers are costed one at a time as if every activation came from and went back to the outermost level
(DRAM). Here, walking the network in order, an output stays resident in the on-chip level below DRAM when,
at every layer of its live range (from its producer to its last consumer, so a ResNet shortcut lives
across the whole block), every resident activation plus that layer's own on-chip tiles fit the level.
A resident output saves its producer's DRAM output traffic and its consumers' DRAM input reads (and the
on-chip fills they caused); an output that does not fit is written to DRAM and read back, as costed.
Latency is left as costed (conservative: less DRAM traffic can only shorten it).

Under conventions without ``weights_from_dram`` (CarbonSpot's rule, KULeuven-MICAS/carbonspot @ 0839b49,
``expr.py``: the weight-stationary and IMC memory hierarchies drop DRAM from the weights' levels when the
SRAM is larger than the network's weights; the output-stationary one never does, but the ZigZag v2 it ran
drops DRAM for OS weights too when all weights plus one non-branch layer's I/O fit, SearchUnusedMemoryStage),
when the on-chip level holds every weight of the network, no layer reads its weights from DRAM (nor writes
them into the on-chip level): they are resident before the first inference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.carbonspot import sram_holds_network_weights, zigzag_sram_keeps_weights
from carbonloop.model.evaluate import LayerCost
from carbonloop.workload.layer import Layer
from carbonloop.workload.network import Network


@dataclass(frozen=True)
class InterLayerReport:
    resident: tuple[str, ...]  # layers whose output stayed on chip
    spilled: tuple[str, ...]  # layers whose output went to DRAM
    dram_bits_saved: int
    energy_saved_pj: float
    weights_resident: bool = False  # every layer's weights stayed on chip (CarbonSpot's weight rule)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _onchip_level(acc: Accelerator) -> int | None:
    if len(acc.memories) < 2:
        return None
    m = acc.memories[1]
    if m.size_bits is None or not {"I", "O"} <= m.operands or acc.instances(1) != 1:
        return None
    return 1


def _drop(
    cost: LayerCost,
    level: str,
    op: str,
    kinds: tuple[str, ...],
    acc: Accelerator,
    x: int,
    at_most: float | None = None,
) -> tuple[LayerCost, int, float]:
    """Remove some access kinds of one operand at one level: the counts, their energy and bits.
    ``at_most``: remove at most this many accesses of each kind (their share of its energy), not all."""
    counts: dict[str, Any] = dict(cost.accesses[level].get(op, {}))  # word totals may be fractional
    if not counts:
        return cost, 0, 0.0
    share = {k: 1.0 if at_most is None or counts[k] <= at_most else at_most / counts[k] for k in kinds}
    mem = acc.memories[x]
    per_kind = {"reads": mem.read_pj, "fills": mem.write_pj, "updates": mem.update_pj}
    bits = cost.word_bits[level][op]  # an operand with accesses at a level has a word width there
    priced = cost.access_energy_pj.get(level, {}).get(op)  # a memory with a minimum access: as charged
    if priced is not None:
        energy = sum(priced[k] * share[k] for k in kinds)
    else:
        energy = sum(counts[k] * share[k] * bits / mem.width_bits * per_kind[k] for k in kinds)
    moved_bits = round(sum(counts[k] * share[k] * bits for k in kinds))  # a report's whole bits
    for k in kinds:
        counts[k] = counts[k] - counts[k] * share[k] if share[k] < 1.0 else 0
    accesses = {lv: dict(ops) for lv, ops in cost.accesses.items()}
    accesses[level][op] = counts
    breakdown = {k: (dict(v) if isinstance(v, dict) else v) for k, v in cost.energy_breakdown_pj.items()}
    breakdown[level][op] = max(0.0, breakdown[level].get(op, 0.0) - energy)
    priced_after = {lv: dict(ops) for lv, ops in cost.access_energy_pj.items()}
    if priced is not None:
        priced_after[level][op] = {k: (e * (1.0 - share[k]) if k in kinds else e) for k, e in priced.items()}
    new = dataclasses.replace(
        cost,
        accesses=accesses,
        energy_breakdown_pj=breakdown,
        energy_pj=cost.energy_pj - energy,
        access_energy_pj=priced_after,
    )
    return new, moved_bits, energy


def keep_activations_on_chip(
    network: Network, acc: Accelerator, costs: Sequence[LayerCost]
) -> tuple[tuple[LayerCost, ...], InterLayerReport]:
    """Apply on-chip residency of activations to per-layer costs (in network order)."""
    x = _onchip_level(acc)
    layers = network.layers
    costs, w_bits, w_pj = weights_resident(network, acc, costs)
    resident_w = weights_fit_on_chip(network, acc)
    if x is None or len(layers) < 2:
        return tuple(costs), InterLayerReport((), tuple(lay.name for lay in layers), w_bits, w_pj, resident_w)
    capacity = acc.memories[x].size_bits or 0
    top, chip = acc.memories[0].name, acc.memories[x].name
    index = {lay.name: i for i, lay in enumerate(layers)}
    out_bits = {lay.name: lay.footprint(lay.output) * lay.output.bits for lay in layers}
    own = []
    for lay, c in zip(layers, costs, strict=True):
        tiles = c.tile_bits.get(chip, {})
        own.append(sum(v for op, v in tiles.items() if lay.operand(op).role == "W"))
    load = [float(own[i]) for i in range(len(layers))]
    resident: list[str] = []
    for i, lay in enumerate(layers):
        consumers = network.consumers(lay.name)
        if not consumers:
            continue
        last = max(index[e.consumer] for e in consumers)
        span = range(i, last + 1)
        if all(load[j] + out_bits[lay.name] <= capacity for j in span):
            for j in span:
                load[j] += out_bits[lay.name]
            resident.append(lay.name)
    new_costs = list(costs)
    saved_bits, saved_pj = 0, 0.0
    for name in resident:
        i = index[name]
        out_op = layers[i].output.name
        new_costs[i], b, e = _drop(new_costs[i], top, out_op, ("reads", "updates"), acc, 0)
        saved_bits, saved_pj = saved_bits + b, saved_pj + e
        for edge in network.consumers(name):
            j = index[edge.consumer]
            op = layers[j].operand(edge.operand).name
            new_costs[j], b, e = _drop(new_costs[j], top, op, ("reads",), acc, 0)
            saved_bits, saved_pj = saved_bits + b, saved_pj + e
            new_costs[j], _, e = _drop(new_costs[j], chip, op, ("fills",), acc, x)
            saved_pj += e
    spilled = tuple(lay.name for lay in layers if lay.name not in resident)
    return tuple(new_costs), InterLayerReport(
        tuple(resident), spilled, saved_bits + w_bits, saved_pj + w_pj, resident_w
    )


def weights_fit_on_chip(network: Network, acc: Accelerator) -> bool:
    """CarbonSpot's test: the SRAM below DRAM is larger than all the network's weights (its WS and IMC
    templates); on output-stationary hardware, whose template keeps DRAM serving weights, ZigZag v2's
    SearchUnusedMemoryStage still drops it when all weights plus one non-branch layer's I/O fit
    (:func:`carbonloop.hardware.carbonspot.zigzag_sram_keeps_weights`)."""
    if acc.conventions.weights_from_dram:
        return False
    if len(acc.memories) < 2 or "W" not in acc.memories[1].operands or acc.instances(1) != 1:
        return False
    size = acc.memories[1].size_bits
    if size is None:
        return False
    if acc.hints.get("dataflow") == "output_stationary":
        return zigzag_sram_keeps_weights(network, size)
    return sram_holds_network_weights(network, size)


def weights_resident(
    network: Network, acc: Accelerator, costs: Sequence[LayerCost]
) -> tuple[list[LayerCost], int, float]:
    """Remove every layer's DRAM weight reads and the on-chip weight fills they cause when the weights are
    resident (:func:`weights_fit_on_chip`); the DRAM bits and energy saved."""
    out = list(costs)
    if not weights_fit_on_chip(network, acc):
        return out, 0, 0.0
    top, chip = acc.memories[0].name, acc.memories[1].name
    saved_bits, saved_pj = 0, 0.0
    for i, lay in enumerate(network.layers):
        for w in (o for o in lay.operands if o.role == "W"):
            if w.name not in out[i].accesses.get(top, {}):
                continue
            out[i], b, e = _drop(out[i], top, w.name, ("reads",), acc, 0)
            saved_bits, saved_pj = saved_bits + b, saved_pj + e
            if w.name in out[i].accesses.get(chip, {}):
                out[i], _, e = _drop(out[i], chip, w.name, ("fills",), acc, 1)
                saved_pj += e
    return out, saved_bits, saved_pj


def drop_resident_transfers(
    layer: Layer, cost: LayerCost, acc: Accelerator, roles: frozenset[str]
) -> tuple[LayerCost, int, float]:
    """Remove from a layer's cost the one pass its mapping moves across the on-chip level's upper boundary
    for the operands ``roles`` that live in that level over the whole layer (loaded before it, kept
    after it: ZigZag's per-layer top memory level, :mod:`carbonloop.pipeline.top_memory`). Their tile
    there is the whole tensor (the mapper held them whole), so that pass is all their traffic with DRAM:
    the DRAM reads of weights and inputs and the fills they cause below; the outputs' DRAM updates and
    reads, and the on-chip reads that sent those outputs up (as many as DRAM received). Returns the new
    cost, the DRAM bits and the energy removed."""
    top = acc.memories[0].name
    saved_bits, saved_pj = 0, 0.0
    for op in layer.operands:
        if op.role not in roles or op.name not in cost.accesses.get(top, {}):
            continue
        x = next(i for i in range(1, len(acc.memories)) if op.role in acc.memories[i].operands)
        chip = acc.memories[x].name
        if op.role == "O":
            sent = float(cost.accesses[top][op.name].get("updates", 0))
            cost, b, e = _drop(cost, top, op.name, ("reads", "updates"), acc, 0)
            cost, _, e_chip = _drop(cost, chip, op.name, ("reads",), acc, x, at_most=sent)
        else:
            cost, b, e = _drop(cost, top, op.name, ("reads",), acc, 0)
            cost, _, e_chip = _drop(cost, chip, op.name, ("fills",), acc, x)
        saved_bits, saved_pj = saved_bits + b, saved_pj + e + e_chip
    return cost, saved_bits, saved_pj
