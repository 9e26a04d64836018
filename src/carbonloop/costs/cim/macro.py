"""A compute-in-memory macro of any cell type: spec, energy per pass by component, area and timing.

One *pass* is a full-precision matrix-vector product over the whole array: every one of the ``rows``
inputs (all its slices) meets every one of the ``cols`` weights (all its slices), in every macro. The
mapper sees the same interface as the SRAM IMC model (``carbonloop.costs.imc``): a spec with ``rows``,
``cols``, ``macros`` and :func:`cim_pass_energy_pj` for a pass that uses only part of the array.

The rules, applied to every macro (each with its reason; docs/cim.md):

1. Slicing. Inputs enter ``dac_bits`` at a time (1: bit-serial), weights occupy ``bits_per_cell`` per cell,
   so a weight spans ceil(Bw_enc / bits_per_cell) adjacent columns and a pass takes
   ceil(Bi_enc / dac_bits) input slices (twice that for two-part signed inputs: a positive and a negative
   cycle); an ADC shared by ``columns_per_adc`` columns converts them one after the other. A differential
   weight pair is converted as one current difference (``pair_readout="difference"``) or column by
   column, each device column with its own converter and one digital subtraction (``"each"``).
2. Row drivers charge the wordline (wire + access gates) once per pulse: a pulse-count DAC sends
   (2^b - 1) x slice value pulses, a voltage DAC or a 1-b driver charges it to the slice value
   (C V_dd x v V_dd); each line's driver is a fan-out-4 inverter chain (area C_load / 3 in NAND2
   units, logical effort). DACs: a pulse-count DAC is a counter clocked on each of the 2^b - 1 pulse
   slots whatever the input; a capacitive voltage DAC charges 50 fF per bit in proportion to the code;
   an R-2R ladder draws static current for the whole cycle, averaged over the code pmf (nodal solution
   of the ladder). Zero inputs cost nothing on the row side when the macro gates them (zero_gating).
2b. A driven line costs its driver too: the fan-out-4 chain whose area rule 2 counts charges its own
   gates (C_load / 3) and their diffusion (gamma = 1, Logical Effort) on every transition it passes to
   the line, 2/3 C_load at the logic supply, so a wordline switched at V_dd costs 5/3 C V_dd^2
   (``peripherals.driver_chain_cap_ff``); an input line pulsed to V_read costs C V_read^2 on the line
   plus 2/3 C V_dd^2 in its chain.
2c. Published wordline facts replace the estimates: the capacitance a cell adds to its wordline
   (``wordline_cap_per_cell_ff``: gate plus coupling), the driver's (``wordline_driver_cap_ff``) and the
   wordline's levels (``wordline_low_v`` -> ``wordline_high_v``, a level-shifted line); one switching
   draws (C_line + C_driver) (V_high - V_low) V_high from the high rail (``wordline_switch_energy_fj``).
3. Cells: a non-volatile cell draws T_read V_read^2 G per pulse (G linear in the stored slice value,
   Ohm's law; a voltage DAC scales V^2 by the mean *squared* slice value, CiMLoop's Algorithm 1); an SRAM
   charge-domain cell charges its capacitor when input bit and weight bit are both one (C V^2 a c); an
   SRAM current-domain bitline is precharged once per round and swings by the column's result (full
   swing at full scale), C_bl V^2 a c per cell and round however many pulses built it. Analog weight
   combination: binary-weighted capacitors per weight column, or a C-2C ladder in every MAC unit.
4. ADC: one conversion per converted column per input slice (once per pass when the input slices are
   integrated in the analog domain, ``input_accumulation="analog"``, or once per phase of
   ``slices_per_conversion`` slices that the neuron integrates, slice j weighted by 2^j integration
   steps, so a phase of k 1-b slices takes 2^k - 1 steps; a differential pair is one column;
   analog weight combination, binary-weighted or C-2C capacitors, converts one column per weight). Energy
   and area from the ADC survey at the per-ADC rate (1 / round time) and the macro's node — the survey's
   typical converter (``adc_typical.py``, default) or its best-case envelope (``adc.py``, ``adc_estimate``),
   scaled (V/V_nominal)^2 for a supply sweep; a measured ADC (``adc_energy_pj`` at the nominal supply,
   ``adc_area_um2``) replaces the survey when the user has one (the validation never uses it).
5. Digital side: shift-and-add of weight-slice columns (one add per extra column conversion) and an
   accumulator across input slices, at random-data activity; a digital macro (no ADC) reads each column
   through an adder tree whose nodes toggle with probability 2p(1-p) of the product bits.
6. A layer wider than the macro (``layer_weight_bits`` > ``weight_bits``, ``layer_input_bits`` >
   ``input_bits``; ``slicing.py``): its weight takes ceil(Bw_layer / Bw) weight slots of the macro's
   columns, so a row holds cols // slots layer weights, and its input ceil(Bi_layer / Bi) passes of the
   macro's input slicing; every slot's conversions are shift-added digitally and every pass accumulated.
   A layer at or below the macro's precision is the macro unchanged.

Data values enter only through expected slice values (``distributions.bit_statistics``): computed once
per spec, so mapping search costs nothing extra.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Literal

from carbonloop.costs.cim import slicing
from carbonloop.costs.cim.adc import adc_area_um2, adc_energy_pj
from carbonloop.costs.cim.adc_typical import typical_adc_area_um2, typical_adc_energy_pj
from carbonloop.costs.cim.cells import Cell, cell
from carbonloop.costs.cim.distributions import (
    BitStatistics,
    Distribution,
    bit_statistics,
    fixed_mean_statistics,
    parse_fixed_mean,
    resolve,
)
from carbonloop.costs.cim.peripherals import (
    DAC_CAP_FF_PER_BIT,
    Logic,
    accumulator_bits,
    add_area_um2,
    add_energy_fj,
    capacitor_area_um2,
    driver_chain_cap_ff,
    line_driver_area_um2,
    logic,
    pulse_counter_energy_fj,
    r2r_area_um2,
    r2r_energy_fj,
    voltage_dac_energy_fj,
    wordline_cap_per_cell_ff,
)
from carbonloop.costs.imc import adc_delay_ns, adder_tree_full_adders
from carbonloop.errors import SpecError

_SOURCE = "<cim macro>"
# Gate delay vs supply: the alpha-power law t ~ V / (V - Vt)^alpha (T. Sakurai, A. R. Newton, IEEE JSSC
# 25(2):584-594, 1990), alpha = 1.3 for velocity-saturated short-channel devices, one regular threshold
# of 0.35 V for every node (regular-Vt devices of 65-7 nm processes sit at 0.3-0.45 V).
ALPHA_POWER = 1.3
THRESHOLD_V = 0.35
DacKind = Literal["pulse", "voltage", "r2r"]
Combine = Literal["digital", "analog"]
CombineScheme = Literal["binary_column", "c2c_unit"]
Accumulate = Literal["digital", "analog"]
PairReadout = Literal["difference", "each"]
AdcEstimate = Literal["typical", "envelope"]
ENERGY_COMPONENTS = (
    "wordlines",
    "row_drivers",
    "dac",
    "cells",
    "combine_caps",
    "adc",
    "adder_trees",
    "shift_add",
    "accumulators",
)
AREA_COMPONENTS = (
    "cells",
    "row_drivers",
    "dac",
    "combine_caps",
    "adc",
    "adder_trees",
    "shift_add",
    "accumulators",
)
ROW_SIDE = ("wordlines", "row_drivers", "dac")
DistributionSpec = str | tuple[float, ...]


@dataclass(frozen=True)
class CimMacroSpec:
    """One CiM macro (times ``macros``). ``rows`` = inputs summed per output (D2), ``cols`` = weights per
    wordline (D1, output channels). Units in the names; distributions are a default's name or a histogram.
    """

    device: str
    rows: int
    cols: int
    macros: int = 1
    input_bits: int = 8
    weight_bits: int = 8
    bits_per_cell: int | None = None
    dac_bits: int = 1
    dac_kind: DacKind = "pulse"
    dac_unit_ohm: float = 5000.0
    adc_bits: float | None = 8.0
    columns_per_adc: int = 1
    adc_energy_pj: float | None = None
    adc_area_um2: float | None = None
    adc_estimate: AdcEstimate = "typical"
    input_encoding: str = "magnitude"
    weight_encoding: str = "offset"
    weight_combine: Combine = "digital"
    pair_readout: PairReadout = "difference"
    input_accumulation: Accumulate = "digital"
    slices_per_conversion: int | None = None
    combine_unit_cap_ff: float = 1.0
    combine_scheme: CombineScheme = "binary_column"
    node_nm: float = 28.0
    vdd_v: float = 0.9
    vdd_nominal_v: float | None = None
    read_pulse_ns: float = 1.0
    cycle_ns: float | None = None
    pulse_period_ns: float | None = None
    adc_step_ns: float | None = None
    round_overhead_ns: float = 0.0
    wordline_cap_per_cell_ff: float | None = None
    wordline_driver_cap_ff: float | None = None
    wordline_low_v: float = 0.0
    wordline_high_v: float | None = None
    zero_gating: bool = False
    input_distribution: DistributionSpec = "uniform"
    weight_distribution: DistributionSpec = "gaussian"
    custom_cell: Cell | None = None
    layer_weight_bits: int | None = None
    layer_input_bits: int | None = None

    def __post_init__(self) -> None:
        _validate(self)
        # a layer at or below the macro's precision is the macro itself (rule 6): one spec, one cost
        for name, own in (("layer_weight_bits", self.weight_bits), ("layer_input_bits", self.input_bits)):
            v = getattr(self, name)
            if v is not None and v <= own:
                object.__setattr__(self, name, None)

    @property
    def cell(self) -> Cell:
        return self.custom_cell if self.custom_cell is not None else cell(self.device)

    @property
    def cell_bits(self) -> int:
        return self.bits_per_cell if self.bits_per_cell is not None else self.cell.bits_per_cell

    @property
    def weight_slots(self) -> int:
        """Weight slots (a macro weight's columns) one layer weight occupies (rule 6)."""
        return slicing.slices_needed(self.layer_weight_bits or self.weight_bits, self.weight_bits)

    @property
    def input_passes(self) -> int:
        """Passes of the macro's input slicing one layer input takes (rule 6)."""
        return slicing.slices_needed(self.layer_input_bits or self.input_bits, self.input_bits)

    @property
    def weights_per_row(self) -> int:
        """Layer weights per row (the wordline axis D1 the mapper unrolls): ``cols`` slots / slots each."""
        return slicing.weights_per_row(self.cols, self.weight_slots)

    def at_precision(self, weight_bits: int, input_bits: int) -> CimMacroSpec:
        """This macro running a layer of ``weight_bits`` x ``input_bits`` (rule 6): sliced when the layer is
        wider than the macro, this very spec when it is not (a narrower operand fills one slot or pass)."""
        sliced = replace(self, layer_weight_bits=weight_bits, layer_input_bits=input_bits)
        return self if sliced == self else sliced

    def pass_energy_pj(self, mapped_rows: int, mapped_cols: int) -> dict[str, float]:
        """The model's hook (``model.evaluate``): energy by component of one pass on part of the array."""
        return cim_pass_energy_pj(self, mapped_rows, mapped_cols)


def _validate(s: CimMacroSpec) -> None:
    def bad(name: str, message: str) -> SpecError:
        return SpecError(_SOURCE, name, message)

    for name in ("rows", "cols", "macros", "input_bits", "weight_bits", "dac_bits", "columns_per_adc"):
        v = getattr(s, name)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise bad(name, f"must be a positive integer, got {v!r}")
    k = s.slices_per_conversion
    if k is not None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise bad("slices_per_conversion", f"must be a positive integer, got {k!r}")
        if s.input_accumulation != "analog":
            raise bad(
                "slices_per_conversion", "needs input_accumulation: analog (slices integrated in the neuron)"
            )
        if k * s.dac_bits > 16:
            raise bad("slices_per_conversion", f"{k} slices of {s.dac_bits} b exceed 16 integrated bits")
    for name in ("layer_weight_bits", "layer_input_bits"):
        v = getattr(s, name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 32):
            raise bad(name, f"must be an integer in [1, 32] (or none: the macro's own precision), got {v!r}")
    s.weights_per_row  # noqa: B018 - raises a SpecError when a row cannot hold one sliced weight
    if s.bits_per_cell is not None and (
        isinstance(s.bits_per_cell, bool)
        or not isinstance(s.bits_per_cell, int)
        or not 1 <= s.bits_per_cell <= 8
    ):
        raise bad("bits_per_cell", f"must be an integer in [1, 8], got {s.bits_per_cell!r}")
    for name in ("round_overhead_ns", "wordline_low_v"):
        v = getattr(s, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise bad(name, f"must be a number >= 0, got {v!r}")
    for name in ("node_nm", "vdd_v", "read_pulse_ns", "combine_unit_cap_ff", "dac_unit_ohm"):
        v = getattr(s, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise bad(name, f"must be a positive number, got {v!r}")
    for name in (
        "cycle_ns",
        "vdd_nominal_v",
        "pulse_period_ns",
        "adc_step_ns",
        "adc_energy_pj",
        "adc_area_um2",
        "wordline_cap_per_cell_ff",
        "wordline_driver_cap_ff",
        "wordline_high_v",
    ):
        v = getattr(s, name)
        if v is not None and (
            isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0
        ):
            raise bad(name, f"must be a positive number, got {v!r}")
    if s.adc_bits is not None and (not isinstance(s.adc_bits, (int, float)) or not 1 <= s.adc_bits <= 16):
        raise bad("adc_bits", f"must be in [1, 16] (or none for a digital macro), got {s.adc_bits!r}")
    if s.dac_kind not in ("pulse", "voltage", "r2r"):
        raise bad("dac_kind", f"must be 'pulse', 'voltage' or 'r2r', got {s.dac_kind!r}")
    if s.dac_kind == "r2r" and not 2 <= s.dac_bits <= 12:
        raise bad("dac_bits", f"an R-2R ladder DAC has 2-12 bits, got {s.dac_bits}")
    if s.weight_combine not in ("digital", "analog"):
        raise bad("weight_combine", f"must be 'digital' or 'analog', got {s.weight_combine!r}")
    if s.input_accumulation not in ("digital", "analog"):
        raise bad("input_accumulation", f"must be 'digital' or 'analog', got {s.input_accumulation!r}")
    if s.pair_readout not in ("difference", "each"):
        raise bad("pair_readout", f"must be 'difference' or 'each', got {s.pair_readout!r}")
    if s.adc_estimate not in ("typical", "envelope"):
        raise bad("adc_estimate", f"must be 'typical' or 'envelope', got {s.adc_estimate!r}")
    if s.combine_scheme not in ("binary_column", "c2c_unit"):
        raise bad("combine_scheme", f"must be 'binary_column' or 'c2c_unit', got {s.combine_scheme!r}")
    if "analog" in (s.weight_combine, s.input_accumulation) and s.adc_bits is None:
        raise bad("weight_combine", "analog weight combination needs an ADC")
    if s.wordline_low_v >= (s.wordline_high_v if s.wordline_high_v is not None else s.vdd_v):
        raise bad("wordline_low_v", f"{s.wordline_low_v} V must be below the wordline's high level")
    if s.dac_bits > s.input_bits:
        raise bad("dac_bits", f"{s.dac_bits} exceeds input_bits {s.input_bits}")
    if s.custom_cell is None:
        s.cell  # noqa: B018 - raises a SpecError for an unknown device
    if s.cell.technology == "sram" and s.cell_bits != 1:
        raise bad("bits_per_cell", "an SRAM cell stores 1 bit")
    # the distributions and encodings are checked by resolving them once
    _statistics(s)


@dataclass(frozen=True)
class _Stats:
    inputs: BitStatistics
    weights: BitStatistics
    input_zero: float  # P(input == 0): what zero-gating skips
    gated_inputs: BitStatistics  # statistics of the non-zero inputs


def _nonzero(d: Distribution) -> Distribution:
    probs = list(d.probs)
    probs[d.half] = 0.0
    if sum(probs) == 0:
        return d
    return Distribution(tuple(probs), f"{d.name}|nonzero")


@cache
def _statistics(s: CimMacroSpec) -> _Stats:
    """Input and weight statistics (a distribution, or a fixed-mean test pattern ``"mean=<v>"``)."""
    fixed_in = parse_fixed_mean(s.input_distribution)
    if fixed_in is not None:
        inputs = fixed_mean_statistics(fixed_in, s.input_bits, s.dac_bits)
        gated, p_zero = inputs, 0.0
    else:
        din = resolve(s.input_distribution, s.input_bits)
        inputs = bit_statistics(din, s.input_encoding, s.input_bits, s.dac_bits)
        gated = bit_statistics(_nonzero(din), s.input_encoding, s.input_bits, s.dac_bits)
        p_zero = din.zero_probability
    fixed_w = parse_fixed_mean(s.weight_distribution)
    if fixed_w is not None:
        weights = fixed_mean_statistics(fixed_w, s.weight_bits, s.cell_bits)
    else:
        dw = resolve(s.weight_distribution, s.weight_bits)
        weights = bit_statistics(dw, s.weight_encoding, s.weight_bits, s.cell_bits)
    return _Stats(inputs, weights, p_zero, gated)


@dataclass(frozen=True)
class CimMacroCost:
    """Energy of one pass by component (pJ, all macros), area by component (mm^2), timing."""

    spec: CimMacroSpec
    energy_per_pass_pj: dict[str, float]
    area_mm2: dict[str, float]
    cycle_ns: float
    cycles_per_pass: int
    macs_per_pass: int
    weight_write_energy_pj: float
    counts: dict[str, float] = field(default_factory=dict)

    @property
    def total_energy_pj(self) -> float:
        return sum(self.energy_per_pass_pj.values())

    @property
    def total_area_mm2(self) -> float:
        return sum(self.area_mm2.values())

    @property
    def pass_ns(self) -> float:
        return self.cycle_ns * self.cycles_per_pass

    @property
    def tops(self) -> float:
        return 2.0 * self.macs_per_pass / self.pass_ns / 1000.0

    @property
    def tops_per_w(self) -> float:
        return 2.0 * self.macs_per_pass / self.total_energy_pj

    @property
    def tops_per_mm2(self) -> float:
        return self.tops / self.total_area_mm2

    @property
    def energy_per_mac_fj(self) -> float:
        return self.total_energy_pj * 1000.0 / self.macs_per_pass


def supply_delay_factor(vdd_v: float, vdd_nominal_v: float) -> float:
    """Delay at ``vdd_v`` over delay at ``vdd_nominal_v`` (alpha-power law)."""
    if vdd_v <= THRESHOLD_V or vdd_nominal_v <= THRESHOLD_V:
        raise SpecError(_SOURCE, "vdd_v", f"must exceed the {THRESHOLD_V} V threshold, got {vdd_v!r}")
    return (vdd_v / vdd_nominal_v) * ((vdd_nominal_v - THRESHOLD_V) / (vdd_v - THRESHOLD_V)) ** ALPHA_POWER


def phase_slices(slices: int, per_conversion: int) -> tuple[int, ...]:
    """Input slices integrated per conversion, as even as possible: NeuRRAM's two phases of 7 bits are
    4 + 3 (ceil(n/2), floor(n/2); Wan et al., Nature 608:504-512, 2022)."""
    phases = math.ceil(slices / per_conversion)
    q, r = divmod(slices, phases)
    return (q + 1,) * r + (q,) * (phases - r)


def wordline_switch_energy_fj(s: CimMacroSpec, geometric_cap_per_cell_ff: float, cells: int) -> float:
    """One switching of one wordline (rule 2c): the line — the published capacitance per cell where the
    paper gives it, else the geometric estimate — and its driver — the published driver capacitance, else
    a fan-out-4 chain (rule 2b) — raised from ``wordline_low_v`` to ``wordline_high_v`` (V_dd unless
    published) and drawn from the high rail: (C_line + C_driver) (V_high - V_low) V_high."""
    per_cell = (
        s.wordline_cap_per_cell_ff if s.wordline_cap_per_cell_ff is not None else geometric_cap_per_cell_ff
    )
    c_line_ff = cells * per_cell
    c_drv_ff = (
        s.wordline_driver_cap_ff if s.wordline_driver_cap_ff is not None else driver_chain_cap_ff(c_line_ff)
    )
    v_high = s.wordline_high_v if s.wordline_high_v is not None else s.vdd_v
    return (c_line_ff + c_drv_ff) * (v_high - s.wordline_low_v) * v_high


def _cycle_ns(s: CimMacroSpec, slices_pulses: int) -> float:
    """Round time at ``vdd_v`` (alpha-power law from the nominal supply): the given cycle, or
    pulses x pulse period + ADC bits x ADC step + a per-round overhead. The pulse period defaults to the
    read pulse, the ADC step to the SAR step settling ``rows`` cells (the ZigZag-IMC ADC delay fit)."""
    v_nom = s.vdd_nominal_v if s.vdd_nominal_v is not None else s.vdd_v
    scale = supply_delay_factor(s.vdd_v, v_nom)
    if s.cycle_ns is not None:
        return float(s.cycle_ns) * scale
    period = s.pulse_period_ns if s.pulse_period_ns is not None else s.read_pulse_ns
    adc = 0.0
    if s.adc_bits is not None:
        step = s.adc_step_ns if s.adc_step_ns is not None else adc_delay_ns(s.adc_bits, s.rows) / s.adc_bits
        adc = step * s.adc_bits
    return (period * slices_pulses + adc + s.round_overhead_ns) * scale


@cache
def cim_macro_cost(s: CimMacroSpec) -> CimMacroCost:
    """Expected energy of one full pass, area and timing of ``s`` (module docstring, rules 1-6).

    A pass multiplies every row's layer input with every layer weight of a row: with rule 6's slicing a
    layer weight spans ``weight_slots`` slots and a layer input ``input_passes`` passes of the macro's own
    input slicing; the area is always the physical macro's (``cols`` slots)."""
    st = _statistics(s)
    c = s.cell
    g: Logic = logic(float(s.node_nm), float(s.vdd_v))
    v2 = s.vdd_v**2
    rows, m = s.rows, s.macros
    kw, ki, wpr = s.weight_slots, s.input_passes, s.weights_per_row  # rule 6
    used_slots = wpr * kw  # weight slots holding layer weights (<= cols)
    w_slices = st.weights.slices * st.weights.copies  # columns per slot (differential: x2)
    phys_cols = s.cols * w_slices  # the physical array (wordline load, area)
    used_cols = used_slots * w_slices  # columns holding layer weights
    in_rounds = st.inputs.slices * st.inputs.copies * ki  # input slices per pass
    max_pulses = 2**s.dac_bits - 1 if s.dac_kind == "pulse" else 1
    cycle = _cycle_ns(s, max_pulses)
    # a differential pair is read as one current difference (its two columns share one conversion), or,
    # with pair_readout="each", every device column has its own converter (combined after conversion)
    pair = st.weights.copies if s.pair_readout == "each" else 1
    conv_cols = pair * (used_slots if s.weight_combine == "analog" else used_slots * st.weights.slices)
    adc_cols = pair * (s.cols if s.weight_combine == "analog" else s.cols * st.weights.slices)  # physical
    conv_rounds = ki if s.input_accumulation == "analog" else in_rounds
    cycles_per_pass = in_rounds * (s.columns_per_adc if s.adc_bits is not None else 1)
    if s.slices_per_conversion is not None:
        # rule 4b: the neuron integrates a phase's slices, slice j weighted 2^(j dac_bits) by repeated
        # integration steps, and converts once per phase: a phase of k slices takes 2^(k dac_bits) - 1
        # integration steps of one pulse period, then one conversion
        phases = [
            size
            for _ in range(st.inputs.copies * ki)
            for size in phase_slices(st.inputs.slices, s.slices_per_conversion)
        ]
        conv_rounds = len(phases)
        share = s.columns_per_adc if s.adc_bits is not None else 1
        pass_ns = share * sum(_cycle_ns(s, 2 ** (k * s.dac_bits) - 1) for k in phases)
        cycles_per_pass = conv_rounds * share
        cycle = pass_ns / cycles_per_pass
    n_adc = math.ceil(adc_cols / s.columns_per_adc) if s.adc_bits is not None else 0
    c_bar = st.weights.mean_value  # mean stored slice value (zero copy of a differential pair included)

    # Row side: (1 - P0) x non-zero statistics if zero inputs are gated, else all inputs.
    row_stats, row_frac = (st.gated_inputs, 1.0 - st.input_zero) if s.zero_gating else (st.inputs, 1.0)
    slice_v = [v * row_frac for v in row_stats.slice_values]
    slice_v2 = [v * row_frac for v in row_stats.slice_squares]
    pulses = [v * max_pulses for v in slice_v]  # mean pulses (or charge fraction) per row per slice
    copies = st.inputs.copies * ki  # the macro's input slicing, once per copy and per pass (rule 6)

    pitch_um = math.sqrt(c.cell_area_f2) * s.node_nm * 1e-3
    e: dict[str, float] = dict.fromkeys(ENERGY_COMPONENTS, 0.0)  # fJ per macro until the end
    a: dict[str, float] = dict.fromkeys(AREA_COMPONENTS, 0.0)  # um2 per macro until the end
    if c.technology == "sram":
        # the wordline carries the input: charged per pulse
        c_row_ff = phys_cols * g.sram_wl_cap_ff
        # rules 2b-2c: the line and its driver, charged per pulse
        e["row_drivers"] = (
            rows * wordline_switch_energy_fj(s, g.sram_wl_cap_ff, phys_cols) * sum(pulses) * copies
        )
        a["row_drivers"] = rows * line_driver_area_um2(g, c_row_ff)
    else:
        # 1T1R: the wordline enables the access gates for the round (gate as wide as the cell side, plus
        # wire) at V_dd; the input pulses travel on a separate line (wire only) at the read voltage
        gate_per_cell_ff = wordline_cap_per_cell_ff(pitch_um, pitch_um, 1.0)
        c_gate_ff = phys_cols * gate_per_cell_ff
        rounds_on = sum(row_stats.slice_nonzero) * row_frac if s.zero_gating else float(st.inputs.slices)
        e["wordlines"] = rows * wordline_switch_energy_fj(s, gate_per_cell_ff, phys_cols) * rounds_on * copies
        c_line_ff = phys_cols * wordline_cap_per_cell_ff(pitch_um, 0.0, 1.0)
        # the line swings to V_read; its driver chain's inner nodes swing the logic supply (rule 2b)
        per_pulse_fj = c_line_ff * c.v_read_v**2 + driver_chain_cap_ff(c_line_ff) * v2
        e["row_drivers"] = rows * per_pulse_fj * sum(pulses) * copies
        a["row_drivers"] = rows * (line_driver_area_um2(g, c_gate_ff) + line_driver_area_um2(g, c_line_ff))
    if s.dac_kind == "voltage" and s.dac_bits > 1:
        e["dac"] = rows * sum(voltage_dac_energy_fj(s.dac_bits, s.vdd_v, v) for v in slice_v) * copies
        a["dac"] = rows * capacitor_area_um2(DAC_CAP_FF_PER_BIT * s.dac_bits, s.node_nm)
    elif s.dac_kind == "r2r":
        # the ladder holds its code while the (shared) ADCs convert: columns_per_adc rounds
        hold_ns = cycle * (s.columns_per_adc if s.adc_bits is not None else 1)
        hold = [
            r2r_energy_fj(pmf, s.dac_bits, s.vdd_v, s.dac_unit_ohm, hold_ns) * row_frac
            for pmf in row_stats.slice_code_pmf
        ]
        e["dac"] = rows * sum(hold) * copies
        a["dac"] = rows * r2r_area_um2(s.dac_bits, s.dac_unit_ohm, s.node_nm)
    elif s.dac_kind == "pulse" and s.dac_bits > 1:
        slots = float(max_pulses) * (row_frac if s.zero_gating else 1.0)  # gated rows stop their clock
        e["dac"] = rows * pulse_counter_energy_fj(g, s.dac_bits, slots) * len(pulses) * copies
        a["dac"] = rows * s.dac_bits * g.dff_area_um2

    cells = rows * used_cols
    if c.is_nonvolatile:
        per_pulse_fj = c.read_energy_fj(rows, phys_cols, s.read_pulse_ns, c_bar)
        activity = sum(slice_v2) if s.dac_kind in ("voltage", "r2r") else sum(pulses)
        e["cells"] = cells * per_pulse_fj * activity * copies
    else:
        if c.compute_cap_ff > 0:
            # charge domain: each cell's capacitor is charged when input bit and weight bit are one
            e["cells"] = cells * c.compute_cap_ff * v2 * sum(pulses) * c_bar * copies
        else:
            # current domain (rule 3c): the bitline is precharged once per round and its swing is the
            # column's result, full swing V_dd at full scale (the ADC's range), however many pulses
            # built it: C_bl V_dd^2 x (mean slice value x mean cell value) per column and round
            e["cells"] = cells * g.sram_bl_cap_ff * v2 * sum(slice_v) * c_bar * copies
    a["cells"] = rows * phys_cols * c.area_um2(s.node_nm)

    if s.weight_combine == "analog" and w_slices > 1 and s.combine_scheme == "c2c_unit":
        # rule 3b: a C-2C ladder in every MAC unit (n shunt caps of 2C, n series caps of C, n = weight
        # bits): the input voltage v V_dd reaches the shunt caps of the one bits, each drawing
        # 2C V_dd (v V_dd) from the supply; the series caps only redistribute that charge
        n_bits = w_slices * s.cell_bits
        per_unit_ff = 2.0 * s.combine_unit_cap_ff * n_bits * c_bar
        e["combine_caps"] = rows * used_slots * per_unit_ff * v2 * sum(slice_v) * copies
        a["combine_caps"] = (
            rows * s.cols * capacitor_area_um2(3.0 * n_bits * s.combine_unit_cap_ff, s.node_nm)
        )
    elif s.weight_combine == "analog" and w_slices > 1:
        # binary-weighted capacitors (unit C x 2^k per slice column) charge-share each weight's product
        cap_w = s.combine_unit_cap_ff * (2 ** (w_slices * s.cell_bits) - 1)
        e["combine_caps"] = used_slots * cap_w * v2 * sum(slice_v) * c_bar * copies
        a["combine_caps"] = s.cols * capacitor_area_um2(cap_w, s.node_nm)

    conversions = conv_cols * conv_rounds
    if s.adc_bits is not None:
        rate_hz = 1e9 / cycle
        v_nom = s.vdd_nominal_v if s.vdd_nominal_v is not None else s.vdd_v
        # rule 5: the survey's typical converter (adc_typical.py) or its best-case envelope (adc.py)
        survey_energy, survey_area = (
            (typical_adc_energy_pj, typical_adc_area_um2)
            if s.adc_estimate == "typical"
            else (adc_energy_pj, adc_area_um2)
        )
        survey_pj = survey_energy(s.adc_bits, rate_hz, s.node_nm)
        at_nominal_pj = s.adc_energy_pj if s.adc_energy_pj is not None else survey_pj
        e["adc"] = conversions * at_nominal_pj * (s.vdd_v / v_nom) ** 2 * 1000.0
        per_adc_um2 = (
            s.adc_area_um2 if s.adc_area_um2 is not None else survey_area(s.adc_bits, rate_hz, s.node_nm)
        )
        a["adc"] = n_adc * per_adc_um2
        out_bits = float(s.adc_bits)
    else:
        # digital readout: a 1-b-product adder tree per physical column, nodes toggling 2p(1-p)
        p = st.inputs.mean_value * c_bar
        fas = adder_tree_full_adders(rows, 1)
        e["adder_trees"] = used_cols * in_rounds * fas * g.fa_energy_fj * 2 * p * (1 - p)
        a["adder_trees"] = phys_cols * fas * g.fa_area_um2
        out_bits = 1 + math.ceil(math.log2(rows)) if rows > 1 else 1.0

    # conversions per layer weight, each a shift-and-add into the weight's result: one per slot of an
    # analog-combined macro (the slot's columns are combined in the capacitors), one per column otherwise
    analog_combine = s.weight_combine == "analog"
    # (a pair converted column by column: per_weight - 1 adds for each device, one subtraction between them)
    per_weight = kw * (1 if analog_combine else st.weights.slices)
    if per_weight * pair > 1:
        shift = s.weight_bits if analog_combine else s.cell_bits  # bits between consecutive conversions
        width = out_bits + (per_weight - 1) * shift
        extra = wpr * (per_weight * pair - 1)
        e["shift_add"] = extra * conv_rounds * add_energy_fj(g, width)
        a["shift_add"] = extra * add_area_um2(g, width)
    if conv_rounds > 1:
        layer_bi = s.layer_input_bits or s.input_bits
        layer_bw = s.layer_weight_bits or s.weight_bits
        acc = accumulator_bits(layer_bi, layer_bw, rows)
        e["accumulators"] = wpr * conv_rounds * add_energy_fj(g, acc)
        a["accumulators"] = wpr * add_area_um2(g, acc)

    write_fj = kw * w_slices * c.write_energy_fj(rows, phys_cols, c_bar) if c.is_nonvolatile else 0.0
    return CimMacroCost(
        spec=s,
        energy_per_pass_pj={k: v * m / 1000.0 for k, v in e.items()},
        area_mm2={k: v * m * 1e-6 for k, v in a.items()},
        cycle_ns=cycle,
        cycles_per_pass=cycles_per_pass,
        macs_per_pass=rows * wpr * m,
        weight_write_energy_pj=write_fj / 1000.0,
        counts={
            "input_slices": float(in_rounds),
            "weight_slots": float(kw),
            "input_passes": float(ki),
            "weights_per_row": float(wpr),
            "columns_per_weight": float(kw * w_slices),
            "physical_columns": float(phys_cols),
            "adcs": float(n_adc * m),
            "conversions": float(conversions * m),
            "mean_input_slice_value": st.inputs.mean_value,
            "mean_weight_slice_value": c_bar,
        },
    )


def cim_pass_energy_pj(spec: CimMacroSpec, mapped_rows: int, mapped_cols: int) -> dict[str, float]:
    """Energy by component of one pass of every macro when only ``mapped_rows`` inputs and ``mapped_cols``
    weight columns hold the layer: row-side parts scale with the rows, cells with rows x columns, the
    column side (ADC, adders) with the columns (unused columns are neither converted nor added)."""
    if not 1 <= mapped_rows <= spec.rows:
        raise SpecError(_SOURCE, "mapped_rows", f"must be in [1, {spec.rows}], got {mapped_rows}")
    if not 1 <= mapped_cols <= spec.weights_per_row:
        raise SpecError(_SOURCE, "mapped_cols", f"must be in [1, {spec.weights_per_row}], got {mapped_cols}")
    cost = cim_macro_cost(spec)
    r, c = mapped_rows / spec.rows, mapped_cols / spec.weights_per_row
    per_unit = {"cells", "combine_caps"} if spec.combine_scheme == "c2c_unit" else {"cells"}
    return {
        k: v * (r if k in ROW_SIDE else r * c if k in per_unit else c)
        for k, v in cost.energy_per_pass_pj.items()
    }
