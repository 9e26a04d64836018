"""ZigZag v2's per-layer top memory levels, as the mapper's per-layer setups (the ``carbonspot`` conventions).

CarbonSpot ran a ZigZag v2 (KULeuven-MICAS/carbonspot @ f514704) that decides, before mapping a network,
where each layer's operands live (``SearchUnusedMemoryStage.update_top_mem_level``, then
``RemoveUnusedMemoryStage`` takes the levels above out of that layer's hierarchy): the weights in the
SRAM when the whole network's fit (:func:`carbonloop.model.interlayer.weights_fit_on_chip`), a layer's
inputs and outputs in the SRAM when they fit it and the layer is off a branch point
(:func:`carbonloop.hardware.carbonspot.zigzag_activations_on_chip`). Such an operand's SRAM tile is its
whole tensor; the mapper gets that as ``Constraints.resident`` (no loop relevant to it above the SRAM),
and the one pass the mapping then moves between DRAM and the SRAM is not a transfer of the layer
(:func:`carbonloop.model.interlayer.drop_resident_transfers`).

ZigZag cuts the SRAM at its own loop per operand. Where some of the SRAM's operands are resident and the
others are not (inputs and outputs whole while the weights stream from DRAM), the resident ones are cut
above the others: the SRAM is split into two virtual levels, residents outermost
(:func:`carbonloop.mapper.cut_orders.split_memory`), so the weights' tile can still be a slice.

One rule of our own, where ZigZag has none: a layer whose resident tensors together do not fit the SRAM
(its test counts the activations alone, and its allocator then overfills its top level) keeps only its
weights resident, and its consumers read its output from DRAM; carbonloop never overfills a memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.carbonspot import zigzag_activations_on_chip
from carbonloop.mapper.constraints import Constraints
from carbonloop.mapper.cut_orders import split_memory
from carbonloop.mapper.network import LayerSetup
from carbonloop.model.capacity import capacity_bits
from carbonloop.model.evaluate import LayerCost
from carbonloop.model.interlayer import InterLayerReport, drop_resident_transfers, weights_fit_on_chip
from carbonloop.model.mapping import Mapping
from carbonloop.workload.layer import ROLES, Layer
from carbonloop.workload.network import Network

CHIP = 1
"""The on-chip level ZigZag's rule looks at: the one under DRAM, serving the inputs and outputs (and the
weights, unless CarbonSpot's hardware streams them past it: ``hardware_for_network``) and the whole array."""


@dataclass(frozen=True)
class TopMemory:
    """Per layer, the operands resident in the on-chip level and the setup the mapper searches it on."""

    residents: dict[str, frozenset[str]]
    setups: dict[str, LayerSetup]
    weights_resident: bool = False


def _applies(acc: Accelerator) -> bool:
    if len(acc.memories) < 2:
        return False
    m = acc.memories[CHIP]
    return m.size_bits is not None and {"I", "O"} <= set(m.operands) and acc.instances(CHIP) == 1


def _whole_bits(layer: Layer, roles: frozenset[str]) -> int:
    """The bits of the layer's tensors of ``roles``, outputs at their final precision (held whole, the
    reduction completes below the level)."""
    return sum(layer.footprint(o) * o.bits for o in layer.operands if o.role in roles)


def zigzag_top_memory(network: Network, acc: Accelerator) -> TopMemory:
    """The residents and mapper setups of every layer under ZigZag v2's rule (empty where the accelerator
    has no on-chip level serving every operand)."""
    if not _applies(acc):
        return TopMemory({}, {})
    chip = acc.memories[CHIP]
    usable_bits = float(capacity_bits(acc)[CHIP])  # half of a double-buffered level
    weights = weights_fit_on_chip(network, acc)
    acts = zigzag_activations_on_chip(network, int(chip.size_bits or 0))
    residents: dict[str, frozenset[str]] = {}
    spilled: set[str] = set()  # outputs sent to DRAM by the overflow rule: their consumers read them there
    for layer in network.layers:
        roles = {"W"} if weights and layer.weight_bits > 0 else set()
        inputs_on, outputs_on = acts.get(layer.name, (False, False))
        producers = {e.producer for e in network.producers(layer.name)}
        roles |= {"I"} if inputs_on and not producers & spilled else set()
        roles |= {"O"} if outputs_on else set()
        held = frozenset(roles)
        if _whole_bits(layer, held) > usable_bits:
            held = held & {"W"}
            spilled.add(layer.name)
        residents[layer.name] = held
    setups = {name: _setup(acc, chip.name, held) for name, held in residents.items() if held}
    return TopMemory(residents, setups, weights)


def _setup(acc: Accelerator, chip: str, held: frozenset[str]) -> LayerSetup:
    """The layer's accelerator (the SRAM split, residents above, where only some of its operands are
    resident) and the constraint that holds them whole."""
    order = tuple(r for r in ROLES if r in held)
    rest = tuple(r for r in ROLES if r in acc.memories[CHIP].operands and r not in held)
    if not rest:
        return LayerSetup(acc, Constraints(resident=((chip, order),)))
    variant = split_memory(acc, chip, [order, rest])
    return LayerSetup(variant, Constraints(resident=((variant.memories[CHIP].name, order),)))


def held_whole(layer: Layer, mapping: Mapping, roles: frozenset[str]) -> frozenset[str]:
    """Of ``roles``, those a given mapping holds whole below the outermost level (no loop of a dim their
    footprint depends on at level 0): only these are resident when the mapping is the user's."""
    outer = {lp.dim for lp in mapping.levels[0].temporal if lp.factor > 1}
    return frozenset(
        op.role
        for op in layer.operands
        if op.role in roles and all(layer.relevance(op, d) == "irrelevant" for d in outer)
    )


def apply_top_memory(
    network: Network,
    costs: Sequence[LayerCost],
    accelerators: Sequence[Accelerator],
    residents: dict[str, frozenset[str]],
    weights_resident: bool,
) -> tuple[tuple[LayerCost, ...], InterLayerReport]:
    """Each layer's cost without the DRAM pass of its resident operands (``accelerators``: the one each
    layer was costed on), and the inter-layer report: the layers whose outputs stayed on chip."""
    out, saved_bits, saved_pj = [], 0, 0.0
    for layer, cost, acc in zip(network.layers, costs, accelerators, strict=True):
        kept, b, e = drop_resident_transfers(layer, cost, acc, residents.get(layer.name, frozenset()))
        out.append(kept)
        saved_bits, saved_pj = saved_bits + b, saved_pj + e
    stayed = tuple(lay.name for lay in network.layers if "O" in residents.get(lay.name, frozenset()))
    spilled = tuple(lay.name for lay in network.layers if lay.name not in stayed)
    return tuple(out), InterLayerReport(stayed, spilled, saved_bits, saved_pj, weights_resident)
