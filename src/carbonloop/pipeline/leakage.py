"""Leakage as users read it: what each layer's energy counts, per level, and the chip's idle leakage power.

The model charges each level's leakage over the layer's cycles (``carbonloop.model.evaluate``,
``leakage_energy``: leakage_mw x clock_ns x cycles x instances, pJ = mW x ns) and adds it to the energy
when the conventions say so (``leakage_in_energy``: on by default and under Timeloop's rules, off under
ZigZag's and CarbonSpot's, which leave leakage out as those tools do). This module reports exactly that
part, so a breakdown's entries always add up to the energy, and gives the PA scenario the power the chip
keeps drawing between frames.
"""

from __future__ import annotations

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
