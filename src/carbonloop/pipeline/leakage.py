"""Leakage as users read it: what each layer's energy counts, per level, and the chip's idle leakage power.

The model charges each level's leakage over the layer's cycles (``carbonloop.model.evaluate``,
``leakage_energy``: leakage_mw x clock_ns x cycles x instances, pJ = mW x ns) and adds it to the energy
when the conventions say so (``leakage_in_energy``: on by default and under Timeloop's rules, off under
ZigZag's and CarbonSpot's, which leave leakage out as those tools do). This module reports exactly that
part, so a breakdown's entries always add up to the energy, gives the PA scenario the power the chip
keeps drawing between frames, and builds the model in which the ``carbon_pa`` objective's idle credit
becomes an ordinary energy (``idle_shifted``).
"""

from __future__ import annotations

import dataclasses

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.model.evaluate import LayerCost


def counted_leakage_pj(cost: LayerCost, acc: Accelerator) -> dict[str, float]:
    """Leakage of each level that is part of ``cost.energy_pj`` (empty when the conventions leave it out)."""
    if not acc.conventions.leakage_in_energy:
        return {}
    return {level: float(pj) for level, pj in cost.leakage_pj.items()}


def chip_leakage_mw(acc: Accelerator) -> float:
    """Static power of the whole chip (mW): every physical instance of every on-chip memory, each physical
    memory once (virtual per-operand levels share their memory's leakage, as they share its area).

    0 under conventions that leave leakage out. The compute array carries no leakage model (its
    ``ComputeArray`` has no leakage field), so only the memories leak, as in the layer energy."""
    if not acc.conventions.leakage_in_energy:
        return 0.0
    return float(
        sum(m.leakage_mw * acc.instances(i) for i, m in enumerate(acc.memories) if acc.counted_once(i))
    )


def idle_shifted(acc: Accelerator, shift_pj_per_cycle: float) -> Accelerator | None:
    """``acc`` with every memory's leakage lowered in one proportion, so that every mapping's energy is its
    energy on ``acc`` less ``shift_pj_per_cycle`` x its cycles, and nothing else changes (latency, area,
    fits); None where no such model exists.

    Why: the PA objective's idle credit makes it non-monotone in latency; over these shifted energies it
    is an ordinary deadline (``Objective.shifted``), which the mapper searches with its own bounds and
    proofs. It exists when every physical instance's leakage is part of the energy (``leakage_in_energy``
    and ``leak_idle_instances``): then each mapping leaks exactly ``chip_leakage_mw x clock_ns`` pJ per
    cycle, and scaling every memory's ``leakage_mw`` by ``1 - shift / (chip_leakage_mw x clock_ns)`` takes
    the shift off. Under Timeloop's rule (only used instances leak) a mapping's leakage rate depends on
    the mapping, and a shift larger than the leakage rate would need negative leakage: None."""
    if shift_pj_per_cycle == 0:
        return acc
    conv = acc.conventions
    rate_pj_per_cycle = chip_leakage_mw(acc) * acc.clock_ns
    if not (conv.leakage_in_energy and conv.leak_idle_instances) or rate_pj_per_cycle <= 0:
        return None
    keep = 1.0 - shift_pj_per_cycle / rate_pj_per_cycle
    if keep < -1e-12:
        return None
    keep = max(keep, 0.0)
    memories = tuple(dataclasses.replace(m, leakage_mw=m.leakage_mw * keep) for m in acc.memories)
    return dataclasses.replace(acc, memories=memories)
