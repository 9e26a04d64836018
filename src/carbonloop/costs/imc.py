"""SRAM in-memory-computing (IMC) macro cost model: analog (AIMC) and digital (DIMC) macros.

An independent implementation of the ZigZag-IMC / CarbonSpot macro model described in
KULeuven-MICAS/zigzag-imc @ df34a6f (``imc_unit.py``, ``DimcArrayUnit.py``, ``AimcArrayUnit.py``,
``cost_model_for_sram_imc.py``; Sun, Houshmand, Verhelst, ICCAD 2023), with the improvements listed in ``docs/imc.md``.

What the mapper / model integration uses (see ``docs/imc.md``, "Integration"):

* spatial axes of one macro: wordline axis ``D1 = spec.cols`` weights of ``Bw`` bits (output channels;
  inputs are broadcast along it), bitline axis ``D2 = spec.rows`` summed inputs (reduction), and
  ``spec.macros`` identical macros (``ImcMacroCost.spatial_axes``);
* a full-precision MAC pass (every weight of every macro used once with a ``Bi``-bit input) takes
  ``ImcMacroCost.cycles_per_mac_pass = Bi / Bcycle`` clock cycles of ``clock_ns`` and costs
  ``ImcMacroCost.energy_per_mac_pass_pj``;
* a pass that uses only part of the array costs :func:`imc_pass_energy_pj` (unused rows and columns
  do not switch; a partly used adder tree is partly activated);
* writing one weight into the cells costs ``ImcMacroCost.weight_write_energy_pj``; recharging a
  cell group's local bitline (``group_depth > 1``) costs ``ImcMacroCost.precharge_energy_pj`` per
  compute entry and event;
* :func:`imc_template_spec` builds the macros of CarbonSpot's sweep.

All energies are per clock cycle at peak (every unit busy) unless the name says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from carbonloop.costs.technology import NODE_28NM, TechNode, tech_node
from carbonloop.errors import SpecError

_SOURCE = "<imc macro>"

# --- constants of the analog periphery (zigzag-imc @ df34a6f get_dac_cost, get_adc_cost; 28 nm fit) ---------
DAC_CAP_FF = 50.0  # k0: DAC switched capacitance per input bit converted
ADC_AREA_K1 = -0.0369  # area_um2 = 10**(k1*R + k2) * 2**R
ADC_AREA_K2 = 1.206
ADC_DELAY_K3_NS = 0.00653  # delay_ns = R * (k3 * rows + k4): SAR steps whose settling grows with the bitline
ADC_DELAY_K4_NS = 0.640
ADC_ENERGY_K5_FF = 100.0  # energy_fj = (k5*R + k6*4**R) * V**2
ADC_ENERGY_K6_FF = 0.001

# --- closed forms standing in for CACTI (docs/imc.md, "Cell array") ----------------------------------
# Median cell-array area per bit of the validation chips as CarbonSpot costs it (CACTI 32 nm x0.81 x2),
# the validation scripts of KULeuven-MICAS/zigzag-imc @ df34a6f (imc_model_validation/): 0.234-0.367 um2/bit.
CELL_AREA_UM2_PER_BIT_28NM = 0.25
# Write energy per bit = k * C_bl * V^2 * sqrt(physical rows): segmented bitlines; k fitted to CACTI 7
# at 28 nm, 128-bit words, 64-2048 rows (costs/data/cacti_sram_points.csv, within 15 %).
WRITE_SQRT_ROWS_K = 7.2

Kind = Literal["aimc", "dimc"]
Scaling = Literal["table", "linear"]
TreeSplit = Literal["input_bit", "weight_bit"]
WeightCombine = Literal["digital", "analog"]

AIMC_PATH = ("multipliers", "adc", "pv_trees", "accumulators")
DIMC_PATH = ("multipliers", "adder_trees", "pv_trees", "accumulators")
ENERGY_COMPONENTS = (
    "cells",
    "wordline",
    "bitline",
    "dac",
    "adc",
    "multipliers",
    "adder_trees",
    "pv_trees",
    "accumulators",
)
AREA_COMPONENTS = ("cells", "dac", "adc", "multipliers", "adder_trees", "pv_trees", "accumulators")


@dataclass(frozen=True)
class ImcMacroSpec:
    """One IMC macro (times ``macros``): sizes, precisions, node, supply and organisation choices.

    ``rows`` = D2 (inputs summed per output), ``cols`` = D1 (weights per wordline; physical columns
    cols*weight_bits), ``group_depth`` = weights stored per compute entry (physical rows rows*group_depth).
    Activity: data-dependent switching (multipliers, bitlines, adder trees) scales with
    ``input_toggle_rate * (1 - weight_sparsity)``, AIMC wordlines with the toggle rate, ADCs with
    ``1 - weight_sparsity``; the defaults (1, 0) are the peak model of the DSE.
    Organisation options (defaults = the generic macro of zigzag-imc's imc_unit.py):

    * ``node_scaling``: "table" uses ``tech_node(node_nm)``'s gates (linear rule if the node is unknown);
      "linear" scales the 28 nm gates' capacitance and area by node/28, keeps delays (zigzag-imc's 22 nm validation scripts).
    * ``booth``: DIMC radix-4 Booth: half the multipliers, one tree per input-bit pair of Bw+1-bit operands.
    * ``tree_split``: DIMC trees per input bit (Bw-bit products, facts) or per weight bit (Bcycle-bit products
      of one weight-bit column, then a place-value tree over the Bw columns).
    * ``weight_combine``: AIMC bit-columns digitised separately and shift-added ("digital", facts) or combined
      in the analog domain before one ADC per weight ("analog", e.g. ternary weights).
    * ``adc_area_bits``: ADC area costed at this resolution (hardware built for more than it converts).
    * ``accumulator_bits``: accumulator width when the chip's differs from the full-precision width.
    * ``pipeline_after``: clock-path components followed by a pipeline register (clock = slowest stage).
    """

    kind: Kind
    rows: int
    cols: int
    input_bits: int = 8
    weight_bits: int = 8
    input_bits_per_cycle: int = 1
    group_depth: int = 1
    macros: int = 1
    adc_bits: float | None = None
    dac_bits: int | None = None
    node_nm: int = 28
    vdd_v: float | None = None
    input_toggle_rate: float = 1.0
    weight_sparsity: float = 0.0
    node_scaling: Scaling = "table"
    booth: bool = False
    tree_split: TreeSplit = "input_bit"
    weight_combine: WeightCombine = "digital"
    adc_area_bits: float | None = None
    accumulator_bits: int | None = None
    pipeline_after: tuple[str, ...] = ()
    wordline_energy: bool = True
    """AIMC: a driven row's wordline charges its cells' gate capacitance, ``C_wl V^2`` per cell per input
    bit. ZigZag-IMC's AIMC model (KULeuven-MICAS/zigzag-imc ``AimcArray.get_energy_for_a_layer``) charges
    DACs, bitlines, multipliers and ADCs but no wordline (its ``wl_cap`` enters only the precharge of
    cell groups deeper than one); ``False`` follows it."""

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def cycles_per_mac_pass(self) -> int:
        """Bit-serial input: Bi / Bcycle clock cycles per full-precision MAC."""
        return self.input_bits // self.input_bits_per_cycle

    @property
    def weights(self) -> int:
        """Weights used in one compute cycle (all macros)."""
        return self.cols * self.rows * self.macros

    @property
    def cell_bits(self) -> int:
        """Stored bits (physical cells) of all macros, cell groups included."""
        return self.cols * self.weight_bits * self.rows * self.group_depth * self.macros


def _validate(spec: ImcMacroSpec) -> None:
    def bad(name: str, message: str) -> SpecError:
        return SpecError(_SOURCE, name, message)

    if spec.kind not in ("aimc", "dimc"):
        raise bad("kind", f"must be 'aimc' or 'dimc', got {spec.kind!r}")
    for name in (
        "rows",
        "cols",
        "input_bits",
        "weight_bits",
        "input_bits_per_cycle",
        "group_depth",
        "macros",
        "node_nm",
    ):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad(name, f"must be a positive integer, got {value!r}")
    if spec.input_bits % spec.input_bits_per_cycle:
        raise bad(
            "input_bits_per_cycle",
            f"{spec.input_bits_per_cycle} does not divide input_bits {spec.input_bits}",
        )
    if spec.vdd_v is not None and not spec.vdd_v > 0:
        raise bad("vdd_v", f"must be positive, got {spec.vdd_v!r}")
    if not 0.0 <= spec.input_toggle_rate <= 1.0:
        raise bad("input_toggle_rate", f"must be in [0, 1], got {spec.input_toggle_rate!r}")
    if not 0.0 <= spec.weight_sparsity <= 1.0:
        raise bad("weight_sparsity", f"must be in [0, 1], got {spec.weight_sparsity!r}")
    if spec.node_scaling not in ("table", "linear"):
        raise bad("node_scaling", f"must be 'table' or 'linear', got {spec.node_scaling!r}")
    if spec.accumulator_bits is not None and spec.accumulator_bits < 1:
        raise bad("accumulator_bits", f"must be a positive integer, got {spec.accumulator_bits!r}")
    path = AIMC_PATH if spec.kind == "aimc" else DIMC_PATH
    for name in spec.pipeline_after:
        if name not in path:
            raise bad("pipeline_after", f"{name!r} is not on the {spec.kind} clock path {path}")
    if spec.kind == "aimc":
        if spec.adc_bits is None:
            raise bad("adc_bits", "an analog macro needs its ADC resolution")
        if not spec.adc_bits > 0:
            raise bad("adc_bits", f"must be positive, got {spec.adc_bits!r}")
        if spec.adc_area_bits is not None and not spec.adc_area_bits > 0:
            raise bad("adc_area_bits", f"must be positive, got {spec.adc_area_bits!r}")
        if spec.dac_bits is not None and spec.dac_bits < 0:
            raise bad("dac_bits", f"must be >= 0, got {spec.dac_bits!r}")
        if spec.booth or spec.tree_split != "input_bit":
            raise bad("booth", "booth and tree_split are digital-macro options")
    else:
        for name in ("adc_bits", "dac_bits", "adc_area_bits"):
            if getattr(spec, name) is not None:
                raise bad(name, "a digital macro has no ADC/DAC")
        if spec.weight_combine != "digital":
            raise bad("weight_combine", "analog weight combination needs an analog macro")
        if spec.booth and spec.input_bits_per_cycle % 2:
            raise bad("booth", "radix-4 Booth needs an even input_bits_per_cycle")
        if spec.booth and spec.tree_split != "input_bit":
            raise bad("tree_split", "Booth encoding works on input-bit pairs: use tree_split='input_bit'")


# --- gate constants -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Gates:
    """Gate constants after node scaling; ``area_scale`` also scales ADC/DAC and cell area."""

    vdd_v: float
    nand2_cap_ff: float
    xor2_cap_ff: float
    dff_cap_ff: float
    wl_cap_ff: float
    bl_cap_ff: float
    nand2_area_um2: float
    xor2_area_um2: float
    dff_area_um2: float
    nand2_delay_ns: float
    xor2_delay_ns: float
    area_scale: float
    scaling: str

    @property
    def v2(self) -> float:
        return self.vdd_v**2

    # 1-bit full adder = 3 NAND2 + 2 XOR2 (zigzag-imc @ df34a6f imc_unit.py)
    @property
    def fa_energy_fj(self) -> float:
        return (3 * self.nand2_cap_ff + 2 * self.xor2_cap_ff) * self.v2

    @property
    def fa_half_energy_fj(self) -> float:
        """A full adder with one zero operand: only the two XORs switch."""
        return 2 * self.xor2_cap_ff * self.v2

    @property
    def fa_area_um2(self) -> float:
        return 3 * self.nand2_area_um2 + 2 * self.xor2_area_um2

    @property
    def t_sum_ns(self) -> float:
        return 2 * self.xor2_delay_ns

    @property
    def t_in_cout_ns(self) -> float:
        return self.xor2_delay_ns + 2 * self.nand2_delay_ns

    @property
    def t_cin_cout_ns(self) -> float:
        return 2 * self.nand2_delay_ns

    @property
    def mult_energy_fj(self) -> float:
        """One NOR2 with a static weight input: half its input capacitance switches."""
        return 0.5 * self.nand2_cap_ff * self.v2

    @property
    def dff_energy_fj(self) -> float:
        return self.dff_cap_ff * self.v2


def _gates(spec: ImcMacroSpec) -> _Gates:
    tech: TechNode | None = None
    if spec.node_scaling == "table":
        try:
            tech = tech_node(spec.node_nm)
        except SpecError:
            tech = None  # unknown node: the linear rule below
    if tech is not None:
        return _Gates(
            vdd_v=spec.vdd_v if spec.vdd_v is not None else tech.vdd_v,
            nand2_cap_ff=tech.nand2_cap_ff,
            xor2_cap_ff=tech.xor2_cap_ff,
            dff_cap_ff=tech.dff_cap_ff,
            wl_cap_ff=tech.sram_cell_wl_cap_ff,
            bl_cap_ff=tech.sram_cell_bl_cap_ff,
            nand2_area_um2=tech.nand2_area_um2,
            xor2_area_um2=tech.xor2_area_um2,
            dff_area_um2=tech.dff_area_um2,
            nand2_delay_ns=tech.nand2_delay_ns,
            xor2_delay_ns=tech.xor2_delay_ns,
            area_scale=tech.nand2_area_um2 / NODE_28NM.nand2_area_um2,
            scaling=f"table {tech.node_nm} nm",
        )
    s = spec.node_nm / NODE_28NM.node_nm
    n = NODE_28NM
    return _Gates(
        vdd_v=spec.vdd_v if spec.vdd_v is not None else n.vdd_v,
        nand2_cap_ff=n.nand2_cap_ff * s,
        xor2_cap_ff=n.xor2_cap_ff * s,
        dff_cap_ff=n.dff_cap_ff * s,
        wl_cap_ff=n.sram_cell_wl_cap_ff * s,
        bl_cap_ff=n.sram_cell_bl_cap_ff * s,
        nand2_area_um2=n.nand2_area_um2 * s,
        xor2_area_um2=n.xor2_area_um2 * s,
        dff_area_um2=n.dff_area_um2 * s,
        nand2_delay_ns=n.nand2_delay_ns,
        xor2_delay_ns=n.xor2_delay_ns,
        area_scale=s,
        scaling=f"linear {spec.node_nm}/28",
    )


# --- building blocks ----------------------------------------------------------------------------------


def adder_tree_full_adders(inputs: int, operand_bits: float) -> float:
    """1-bit full adders of a ripple-carry adder tree summing ``inputs`` operands.

    Stage i pairs the operands with (B + i - 1)-bit adders; an odd operand passes to the next stage.
    For a power of two N this is the closed form N(B+1) - (B + log2 N + 1) of zigzag-imc's DimcArrayUnit.py.
    """
    count, n, stage = 0.0, inputs, 1
    while n > 1:
        pairs = n // 2
        count += pairs * (operand_bits + stage - 1)
        n = pairs + n % 2
        stage += 1
    return count


def tree_depth(inputs: int) -> int:
    """Adder stages of a tree of ``inputs`` operands."""
    return max(0, math.ceil(math.log2(inputs))) if inputs > 1 else 0


def _rca_tree_delay_ns(g: _Gates, depth: int, out_bits: float) -> float:
    """Critical path of an RCA tree: one sum per stage, then the carry ripples through the output width."""
    if depth == 0:
        return 0.0
    return (depth - 1) * g.t_sum_ns + g.t_in_cout_ns + (out_bits - 2) * g.t_cin_cout_ns


def pv_tree_full_adders(inputs: int, operand_bits: float) -> float:
    """Full adders of a place-value (shift-and-add) tree: P(n-1) + n(log2 n - 0.5) (zigzag-imc imc_unit.py)."""
    if inputs <= 1:
        return 0.0
    return operand_bits * (inputs - 1) + inputs * (math.log2(inputs) - 0.5)


def partial_tree_full_adders(inputs: int, used: int, operand_bits: float) -> tuple[float, float]:
    """(fully, half) activated full adders of a power-of-two tree with only ``used`` inputs driven.

    Unused inputs are zero: a joining adder that sees one zero operand only switches its XORs
    (zigzag-imc get_regular_adder_trees_energy).
    """
    if used >= inputs:
        return adder_tree_full_adders(inputs, operand_bits), 0.0
    full = half = 0.0
    base, m = inputs, used
    while m > 0:
        if base == 1:
            half += operand_bits
            break
        base //= 2
        a = tree_depth(base)
        joiner = operand_bits + a
        if m > base:
            full += adder_tree_full_adders(base, operand_bits) + joiner
            m -= base
        elif m < base:
            half += joiner
        else:
            full += adder_tree_full_adders(base, operand_bits)
            half += joiner
            m = 0
    return full, half


def adc_area_um2(bits: float) -> float:
    """SAR-like ADC area: 10**(k1 R + k2) um2 per LSB level; R <= 1 is a sense amplifier (0)."""
    if bits <= 1:
        return 0.0
    return 10 ** (ADC_AREA_K1 * bits + ADC_AREA_K2) * 2**bits


def adc_energy_fj(bits: float, vdd_v: float) -> float:
    """ADC energy per conversion: (k5 R + k6 4**R) V**2 (node independent: set by noise, not lithography)."""
    return (ADC_ENERGY_K5_FF * bits + ADC_ENERGY_K6_FF * 4**bits) * vdd_v**2


def adc_delay_ns(bits: float, rows: int) -> float:
    """ADC conversion time: R steps, each settling a bitline of ``rows`` cells."""
    return bits * (ADC_DELAY_K3_NS * rows + ADC_DELAY_K4_NS)


# --- the model ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImcMacroCost:
    """Peak cost of the macros of one spec: per-cycle energy, area and clock, each by component."""

    spec: ImcMacroSpec
    energy_per_cycle_pj: dict[str, float]
    area_mm2: dict[str, float]
    clock_path_ns: dict[str, float]
    clock_ns: float
    macs_per_cycle: float
    weight_write_energy_pj: float
    precharge_energy_pj: float
    scaling: str
    unit_counts: dict[str, float] = field(default_factory=dict)

    @property
    def total_energy_per_cycle_pj(self) -> float:
        return sum(self.energy_per_cycle_pj.values())

    @property
    def total_area_mm2(self) -> float:
        return sum(self.area_mm2.values())

    @property
    def energy_per_mac_fj(self) -> float:
        return self.total_energy_per_cycle_pj * 1000.0 / self.macs_per_cycle

    @property
    def peak_tops(self) -> float:
        return 2.0 * self.macs_per_cycle / self.clock_ns / 1000.0

    @property
    def tops_per_w(self) -> float:
        return 2.0 * self.macs_per_cycle / self.total_energy_per_cycle_pj

    @property
    def tops_per_mm2(self) -> float:
        return self.peak_tops / self.total_area_mm2

    @property
    def cycles_per_mac_pass(self) -> int:
        return self.spec.cycles_per_mac_pass

    @property
    def energy_per_mac_pass_pj(self) -> float:
        """Energy of one full-precision pass: every weight of every macro times one Bi-bit input."""
        return self.total_energy_per_cycle_pj * self.cycles_per_mac_pass

    @property
    def spatial_axes(self) -> dict[str, int]:
        """Mapper view: D1 wordline (output channels), D2 bitline (reduced inputs), macro count."""
        return {"D1": self.spec.cols, "D2": self.spec.rows, "macros": self.spec.macros}


def _accumulator_bits(spec: ImcMacroSpec, tree_out_bits: float, adc_bits: float) -> float:
    if spec.accumulator_bits is not None:
        return spec.accumulator_bits
    if spec.kind == "dimc":
        return spec.input_bits + spec.weight_bits + math.log2(spec.rows)
    if spec.weight_combine == "analog":
        return spec.input_bits + adc_bits
    return spec.input_bits + adc_bits + spec.weight_bits


def imc_macro_cost(spec: ImcMacroSpec) -> ImcMacroCost:
    """Peak energy per cycle, area and clock of ``spec`` (zigzag-imc @ df34a6f imc_unit.py and the array units; deviations in docs/imc.md)."""
    g = _gates(spec)
    d1, d2, m = spec.cols, spec.rows, spec.macros
    bi, bw, bc = spec.input_bits, spec.weight_bits, spec.input_bits_per_cycle
    a_data = spec.input_toggle_rate * (1.0 - spec.weight_sparsity)
    e: dict[str, float] = dict.fromkeys(ENERGY_COMPONENTS, 0.0)  # fJ until the end
    a: dict[str, float] = dict.fromkeys(AREA_COMPONENTS, 0.0)  # um2 until the end
    t: dict[str, float] = {}
    n: dict[str, float] = {}

    a["cells"] = spec.cell_bits * CELL_AREA_UM2_PER_BIT_28NM * g.area_scale
    acc_in_bits: float
    adc_bits = float(spec.adc_bits or 0.0)
    pv_inputs, pv_operand_bits, pv_groups = 1, 0.0, d1 * m

    if spec.kind == "aimc":
        n["multipliers"] = bw * d1 * d2 * m
        dac_bits = bc if spec.dac_bits is None else spec.dac_bits
        n["dac"] = d2 * m
        e["dac"] = n["dac"] * (DAC_CAP_FF * dac_bits * g.v2 if dac_bits > 1 else 0.0)
        if spec.wordline_energy:
            e["wordline"] = n["multipliers"] * g.wl_cap_ff * g.v2 * spec.input_toggle_rate
        e["bitline"] = n["multipliers"] * g.bl_cap_ff * g.v2 * a_data
        n["adc"] = (bw if spec.weight_combine == "digital" else 1) * d1 * m
        e["adc"] = n["adc"] * adc_energy_fj(adc_bits, g.vdd_v) * (1.0 - spec.weight_sparsity)
        area_bits = spec.adc_area_bits if spec.adc_area_bits is not None else adc_bits
        a["adc"] = n["adc"] * adc_area_um2(area_bits) * g.area_scale
        t["adc"] = adc_delay_ns(adc_bits, d2)
        if spec.weight_combine == "digital" and bw > 1:
            pv_inputs, pv_operand_bits = bw, adc_bits
        acc_in_bits = adc_bits
    else:
        mults = bc * bw * d1 * d2 * m
        if spec.booth:
            n["multipliers"] = mults / 2
            trees_per_group, tree_bits = bc // 2, bw + 1
            pv_inputs = bc // 2
        elif spec.tree_split == "weight_bit":
            n["multipliers"] = mults
            trees_per_group, tree_bits = bw, bc
            pv_inputs = bw
        else:
            n["multipliers"] = mults
            trees_per_group, tree_bits = bc, bw
            pv_inputs = bc
        depth = tree_depth(d2)
        n["adder_trees"] = trees_per_group * d1 * m
        fas = adder_tree_full_adders(d2, tree_bits) * n["adder_trees"]
        e["adder_trees"] = fas * g.fa_energy_fj * a_data
        a["adder_trees"] = fas * g.fa_area_um2
        t["adder_trees"] = _rca_tree_delay_ns(g, depth, tree_bits + depth)
        pv_operand_bits = tree_bits + depth
        acc_in_bits = tree_bits + depth

    e["multipliers"] = n["multipliers"] * g.mult_energy_fj * a_data
    a["multipliers"] = n["multipliers"] * g.nand2_area_um2
    t["multipliers"] = g.nand2_delay_ns

    if pv_inputs > 1:
        n["pv_trees"] = pv_groups
        fas = pv_tree_full_adders(pv_inputs, pv_operand_bits) * pv_groups
        e["pv_trees"] = fas * g.fa_energy_fj
        a["pv_trees"] = fas * g.fa_area_um2
        pv_out = pv_operand_bits + pv_inputs
        t["pv_trees"] = _rca_tree_delay_ns(g, tree_depth(pv_inputs), pv_out)
        acc_in_bits = pv_out

    if bc < bi:
        w_acc = _accumulator_bits(spec, acc_in_bits, adc_bits)
        n["accumulators"] = d1 * m
        e["accumulators"] = n["accumulators"] * w_acc * (g.fa_energy_fj + g.dff_energy_fj)
        a["accumulators"] = n["accumulators"] * w_acc * (g.fa_area_um2 + g.dff_area_um2)
        t["accumulators"] = g.t_in_cout_ns + max(0.0, w_acc - acc_in_bits - 1) * g.t_cin_cout_ns

    path = AIMC_PATH if spec.kind == "aimc" else DIMC_PATH
    clock_path = {name: t.get(name, 0.0) for name in path}
    stage, stages = 0.0, []
    for name in path:
        stage += clock_path[name]
        if name in spec.pipeline_after:
            stages.append(stage)
            stage = 0.0
    stages.append(stage)

    rows_phys = d2 * spec.group_depth
    write_bit_fj = WRITE_SQRT_ROWS_K * g.bl_cap_ff * g.v2 * math.sqrt(rows_phys)
    return ImcMacroCost(
        spec=spec,
        energy_per_cycle_pj={k: v / 1000.0 for k, v in e.items()},
        area_mm2={k: v * 1e-6 for k, v in a.items()},
        clock_path_ns=clock_path,
        clock_ns=max(stages),
        macs_per_cycle=d1 * d2 * m / spec.cycles_per_mac_pass,
        weight_write_energy_pj=bw * write_bit_fj / 1000.0,
        precharge_energy_pj=(g.wl_cap_ff + g.bl_cap_ff * spec.group_depth) * g.v2 * bw / 1000.0
        if spec.group_depth > 1
        else 0.0,
        scaling=g.scaling,
        unit_counts=n,
    )


def imc_pass_energy_pj(
    spec: ImcMacroSpec, mapped_rows: int, mapped_cols: int, summed_rows: int | None = None
) -> dict[str, float]:
    """Energy by component of one full-precision pass (Bi/Bcycle cycles) of every macro, when only
    ``mapped_rows`` of the D2 inputs and ``mapped_cols`` of the D1 weight columns hold the layer.

    Unused rows get no DAC/wordline/multiplier energy; a row's input drives the multiplier of every column
    of its wordline, used or not (the gate's input capacitance switches with the input: zigzag-imc @ 49b125a
    ``DimcArrayUnit.get_mults_energy`` and ``AimcArrayUnit``, mapped rows x the whole wordline). Unused
    columns get no ADC/bitline/tree/accumulator energy. A DIMC adder tree with unused inputs is partly
    activated, its driven inputs being ``summed_rows`` (default ``mapped_rows``): the rows whose weights
    a column sums. A diagonal mapping (OX on the wordline, FX on the bitline) maps OX + FX - 1 input rows
    but each column holds FX weights, the other rows' products a constant zero that does not switch its
    tree (zigzag-imc ``mapped_rows_for_adder``).
    """
    if not 1 <= mapped_rows <= spec.rows:
        raise SpecError(_SOURCE, "mapped_rows", f"must be in [1, {spec.rows}], got {mapped_rows}")
    if not 1 <= mapped_cols <= spec.cols:
        raise SpecError(_SOURCE, "mapped_cols", f"must be in [1, {spec.cols}], got {mapped_cols}")
    summed = mapped_rows if summed_rows is None else summed_rows
    if not 1 <= summed <= mapped_rows:
        raise SpecError(_SOURCE, "summed_rows", f"must be in [1, {mapped_rows}], got {summed}")
    cost = imc_macro_cost(spec)
    r, c = mapped_rows / spec.rows, mapped_cols / spec.cols
    e = dict(cost.energy_per_cycle_pj)
    scale = {
        "dac": r,
        "wordline": r,
        "multipliers": r,
        "bitline": c,
        "adc": c,
        "pv_trees": c,
        "accumulators": c,
        "adder_trees": c,
        "cells": 1.0,
    }
    out = {k: v * scale[k] for k, v in e.items()}
    if spec.kind == "dimc" and summed < spec.rows and e["adder_trees"] > 0:
        g = _gates(spec)
        bits = (
            spec.weight_bits + 1
            if spec.booth
            else (spec.input_bits_per_cycle if spec.tree_split == "weight_bit" else spec.weight_bits)
        )
        size = 2 ** tree_depth(spec.rows)
        full, half = partial_tree_full_adders(size, summed, bits)
        a_data = spec.input_toggle_rate * (1.0 - spec.weight_sparsity)
        per_tree_fj = (full * g.fa_energy_fj + half * g.fa_half_energy_fj) * a_data
        out["adder_trees"] = per_tree_fj * cost.unit_counts["adder_trees"] * c / 1000.0
    return {k: v * spec.cycles_per_mac_pass for k, v in out.items()}


def imc_template_spec(kind: Kind, dim: int, node_nm: int = 28) -> ImcMacroSpec:
    """CarbonSpot's sweep macro (KULeuven-MICAS/carbonspot @ 0839b49, expr.py ``get_imc_param_setting``): D1 = D2 = ``dim``,
    8b/8b, group depth 1, one macro; DIMC 1 input bit per cycle; AIMC 2 bits per cycle and an ADC of
    Bcycle + 0.5*floor(log2 D2) bits. Peak activity (no toggle or sparsity factor), as in the DSE.
    """
    if kind not in ("aimc", "dimc"):
        raise SpecError(_SOURCE, "kind", f"must be 'aimc' or 'dimc', got {kind!r}")
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise SpecError(_SOURCE, "dim", f"must be a positive integer, got {dim!r}")
    if kind == "dimc":
        return ImcMacroSpec(
            kind="dimc",
            rows=dim,
            cols=dim,
            input_bits=8,
            weight_bits=8,
            input_bits_per_cycle=1,
            node_nm=node_nm,
        )
    bc = 2
    return ImcMacroSpec(
        kind="aimc",
        rows=dim,
        cols=dim,
        input_bits=8,
        weight_bits=8,
        input_bits_per_cycle=bc,
        adc_bits=bc + 0.5 * int(math.log2(dim)),
        node_nm=node_nm,
    )
