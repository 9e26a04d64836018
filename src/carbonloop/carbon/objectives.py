"""Carbon as a mapper objective, for a fixed design: which mapping emits the least carbon per inference.

Under continuous activity (CA) the carbon of one inference is operational (a x energy) plus the embodied
carbon amortized over the inference's run time (b x cycles): a weighted sum, exact per layer. Under
periodic activity (PA) the embodied share is fixed by the frame period unless the inference misses its
deadline: a x energy + b_pa x max(period, cycles), plus the leakage of the wait until the next frame,
a x P_leak x f x max(0, period - cycles) (``scenarios.idle_energy_pj``): a slower mapping waits less. The
coefficients come from the carbon model itself (``ca_weights``, ``pa_carbon_g``, ``idle_energy_pj``), so
they carry every choice of the parameter set and the objective is the PA carbon the pipeline reports.
"""

from __future__ import annotations

from carbonloop.carbon.operational import g_per_pj
from carbonloop.carbon.parameters import CarbonParameters
from carbonloop.carbon.scenarios import ca_weights, idle_energy_pj, pa_carbon_g, period_ns_for
from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper.objectives import Objective

# Scale so objective values are O(1..1e6) rather than 1e-12 g: ranking is unchanged.
PICOGRAM = 1e12


def carbon_objective(
    kind: str,
    params: CarbonParameters,
    acc: Accelerator,
    *,
    fps: float | None = None,
    dram_gb: float | None = None,
    idle_power_mw: float = 0.0,
) -> Objective:
    """``carbon_ca`` or ``carbon_pa`` for ``acc`` (values in picograms CO2-eq per inference).

    ``idle_power_mw``: the chip's leakage power between frames (``pipeline.leakage.chip_leakage_mw``),
    charged by ``carbon_pa`` at the parameter set's ``idle_power_fraction`` for every cycle the inference
    leaves of its period, exactly as ``carbon_per_inference`` charges it."""
    dram = acc.dram_bits / 8 / 2**30 if dram_gb is None else dram_gb
    if kind == "carbon_ca":
        a, b = ca_weights(params, acc.area_mm2, dram, acc.clock_ns, node_nm=acc.node_nm)
        return Objective("carbon_ca", "weighted", a * PICOGRAM, b * PICOGRAM)
    if kind == "carbon_pa":
        period_cycles = period_ns_for(fps, params) / acc.clock_ns
        a = g_per_pj(params)
        # b: the PA embodied carbon per cycle beyond the period (slope of pa_carbon_g in latency)
        kw = {
            "area_mm2": acc.area_mm2,
            "dram_gb": dram,
            "clock_ns": acc.clock_ns,
            "fps": fps,
            "node_nm": acc.node_nm,
        }
        lo = float(pa_carbon_g(params, energy_pj=0.0, latency_cycles=period_cycles, **kw))  # type: ignore[arg-type]
        hi = float(pa_carbon_g(params, energy_pj=0.0, latency_cycles=2 * period_cycles, **kw))  # type: ignore[arg-type]
        b = (hi - lo) / period_cycles
        # idle: the carbon of one cycle of waiting (slope of the idle leakage in the wait, one cycle long)
        idle_pj_per_cycle = float(
            idle_energy_pj(idle_power_mw, 0.0, acc.clock_ns, params.idle_power_fraction)
        )
        return Objective(
            "carbon_pa",
            "deadline",
            a * PICOGRAM,
            b * PICOGRAM,
            period_cycles,
            a * idle_pj_per_cycle * PICOGRAM,
        )
    raise SpecError("<objective>", "objective", f"unknown carbon objective {kind!r} (carbon_ca, carbon_pa)")
