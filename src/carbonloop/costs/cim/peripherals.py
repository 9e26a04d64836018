"""CiM peripherals other than the ADC: logic gates at any node, wordline drivers, DACs, capacitors,
shift-and-add and accumulators.

Gate constants come from ``carbonloop.costs.technology`` (CarbonSpot's 28 nm set moved with Stillmaker &
Baas 2017 factors). Nodes outside its table (e.g. NeuRRAM's 130 nm) are moved from the nearest table node by
constant-field scaling (Dennard et al., IEEE JSSC 1974): capacitance and delay linear in the feature size,
area quadratic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from carbonloop.costs.technology import known_nodes, tech_node

# Interconnect capacitance per length: ~0.2 fF/um for minimum-pitch on-chip wires across nodes
# (N. Weste, D. Harris, CMOS VLSI Design, 4th ed., interconnect chapter).
WIRE_CAP_FF_PER_UM = 0.2
# Gate capacitance per um of transistor width: ~1 fF/um (Weste & Harris, ibid., 1-2 fF/um across nodes).
GATE_CAP_FF_PER_UM = 1.0
# Switched capacitance of a charge-redistribution DAC per bit converted: the constant k0 = 50 fF of ZigZag-IMC's
# DAC cost (KULeuven-MICAS/zigzag-imc @ df34a6f, imc_unit.py get_dac_cost; J. Sun, P. Houshmand, M. Verhelst,
# "Analog or Digital In-Memory Computing? Benchmarking through Quantitative Modeling", ICCAD 2023).
DAC_CAP_FF_PER_BIT = 50.0
# MOM capacitor density 2.3 fF/um^2 at 22 nm scaling as (22/T)^2 with the metal pitch (CiMLoop's capacitor
# model, mit-emze/cimloop @ d6e1390 workspace/models/components/accelergy_plug_ins/misc.py).
CAP_DENSITY_FF_PER_UM2_22NM = 2.3
# Random data toggles half of the bits of a digital word per operation.
DIGITAL_ACTIVITY = 0.5


@dataclass(frozen=True)
class Logic:
    """Gate constants at one node and supply (units in the names)."""

    node_nm: float
    vdd_v: float
    nand2_cap_ff: float
    xor2_cap_ff: float
    dff_cap_ff: float
    nand2_area_um2: float
    xor2_area_um2: float
    dff_area_um2: float
    sram_wl_cap_ff: float
    sram_bl_cap_ff: float
    xor2_delay_ns: float

    @property
    def fa_energy_fj(self) -> float:
        """1-bit full adder = 3 NAND2 + 2 XOR2, every node switching (CarbonSpot's adder)."""
        return (3 * self.nand2_cap_ff + 2 * self.xor2_cap_ff) * self.vdd_v**2

    @property
    def dff_energy_fj(self) -> float:
        return self.dff_cap_ff * self.vdd_v**2

    @property
    def fa_area_um2(self) -> float:
        return 3 * self.nand2_area_um2 + 2 * self.xor2_area_um2


@cache
def logic(node_nm: float, vdd_v: float) -> Logic:
    """Gate constants at ``node_nm`` operated at ``vdd_v``."""
    nodes = known_nodes()
    ref = min(nodes, key=lambda n: abs(n - node_nm))
    t = tech_node(ref)
    s = node_nm / ref
    return Logic(
        node_nm=node_nm,
        vdd_v=vdd_v,
        nand2_cap_ff=t.nand2_cap_ff * s,
        xor2_cap_ff=t.xor2_cap_ff * s,
        dff_cap_ff=t.dff_cap_ff * s,
        nand2_area_um2=t.nand2_area_um2 * s * s,
        xor2_area_um2=t.xor2_area_um2 * s * s,
        dff_area_um2=t.dff_area_um2 * s * s,
        sram_wl_cap_ff=t.sram_cell_wl_cap_ff * s,
        sram_bl_cap_ff=t.sram_cell_bl_cap_ff * s,
        xor2_delay_ns=t.xor2_delay_ns * s,
    )


def wordline_cap_per_cell_ff(cell_pitch_um: float, gate_width_um: float, gates: float) -> float:
    """Capacitance a cell adds to a line crossing it: one cell pitch of wire plus ``gates`` transistor
    gates of ``gate_width_um`` each (a 1T1R cell's area is its access transistor's, so its gate spans the
    cell side)."""
    return WIRE_CAP_FF_PER_UM * cell_pitch_um + gates * GATE_CAP_FF_PER_UM * gate_width_um


# A line driver is a tapered inverter chain of fan-out 4 (the delay-optimal stage effort, I. Sutherland,
# R. Sproull, D. Harris, Logical Effort, 1999): its stages add up to C_load / (FO - 1) of input capacitance.
DRIVER_FANOUT = 4.0


# The diffusion (parasitic) capacitance of a gate's output is about its input capacitance: gamma = 1, the
# parasitic delay of an inverter p_inv = 1 (Sutherland, Sproull, Harris, Logical Effort, 1999, ch. 1;
# Weste & Harris, CMOS VLSI Design, 4th ed., Sec. 4.3: C_diff ~ C_gate per um of width).
DRIVER_PARASITIC_RATIO = 1.0


def driver_chain_cap_ff(load_ff: float) -> float:
    """Capacitance switched *inside* the fan-out-4 chain that drives ``load_ff`` (rule 2b): its stages'
    gates sum to C_load / (FO - 1) and each stage's output adds gamma times its own input capacitance, so
    (1 + gamma) C_load / (FO - 1) = 2/3 C_load. A driven line therefore costs 5/3 of its load, not 1x:
    the chain charges its own nodes on every transition it passes to the line."""
    return (1.0 + DRIVER_PARASITIC_RATIO) * load_ff / (DRIVER_FANOUT - 1.0)


def line_driver_area_um2(g: Logic, load_ff: float) -> float:
    """Area of a driver for ``load_ff``: a fan-out-4 chain, sum of stage sizes C_load / 3 in units of a
    NAND2's input capacitance, at least one unit."""
    units = max(1.0, load_ff / ((DRIVER_FANOUT - 1.0) * g.nand2_cap_ff))
    return units * g.nand2_area_um2


def capacitor_area_um2(cap_ff: float, node_nm: float) -> float:
    """Area of a MOM capacitor: C / density, density 2.3 fF/um^2 x (22/T)^2."""
    return cap_ff / (CAP_DENSITY_FF_PER_UM2_22NM * (22.0 / node_nm) ** 2)


def voltage_dac_energy_fj(bits: int, vdd_v: float, mean_code: float) -> float:
    """A charge-redistribution DAC converting a code of mean value ``mean_code`` (in [0, 1] of full
    scale): the capacitors of the ones are charged, C = 50 fF per bit at full scale."""
    return DAC_CAP_FF_PER_BIT * bits * vdd_v**2 * mean_code


def pulse_counter_energy_fj(g: Logic, bits: int, pulse_slots: float) -> float:
    """A pulse-count (temporal) DAC is a ``bits``-wide synchronous counter clocked on every one of the
    round's ``pulse_slots`` (2^b - 1) whether or not the row's count is reached: a flip-flop's clock
    drives its internal latches on every edge, so the energy does not depend on the input value. Each
    flip-flop is charged its switched capacitance per edge (an upper bound for a flip-flop that holds)."""
    return bits * pulse_slots * g.dff_energy_fj


def add_energy_fj(g: Logic, width_bits: float) -> float:
    """A ``width_bits`` ripple add and register at random-data activity (shift-and-add, accumulate)."""
    return width_bits * (g.fa_energy_fj + g.dff_energy_fj) * DIGITAL_ACTIVITY


def add_area_um2(g: Logic, width_bits: float) -> float:
    return width_bits * (g.fa_area_um2 + g.dff_area_um2)


def accumulator_bits(input_bits: int, weight_bits: int, rows: int) -> int:
    """Full-precision MAC width: Bi + Bw + ceil(log2 rows) (no overflow of the dot product)."""
    return input_bits + weight_bits + max(0, math.ceil(math.log2(rows)))


# R-2R ladder DAC (after Wang et al., IEEE JSSC 58(4), 2023; nodal model restated in CiMLoop,
# mit-emze/cimloop @ d6e1390 workspace/models/components/accelergy_plug_ins/X2X_ladder.py).
# Resistor area per ohm of the ladder, 0.7e-14 m^2/ohm at 22 nm scaled (T/22)^2 (CiMLoop's constant; an
# 8-b 5 kOhm ladder = 280 um^2 against Wang's 291 um^2 per DAC).
LADDER_AREA_UM2_PER_OHM_22NM = 0.7e-14 * 1e12


@cache
def r2r_power_factors(bits: int) -> tuple[float, ...]:
    """P(code) x R / V^2 for every code of an ``bits``-bit R-2R ladder.

    Node i (0 = LSB) connects to its bit source through 2R, to its neighbours through R and, at the LSB, to
    ground through the 2R termination; the MSB node drives an unloaded output. In units of 1/(2R) the nodal
    equations are tridiagonal; the supply delivers V sum_i b_i (V - V_i) / (2R).
    """
    import numpy as np

    n = bits
    g = np.zeros((n, n))
    for i in range(n):
        g[i, i] = 1 + (2 if i > 0 else 0) + (2 if i < n - 1 else 0) + (1 if i == 0 else 0)
        if i > 0:
            g[i, i - 1] = -2
        if i < n - 1:
            g[i, i + 1] = -2
    inv = np.linalg.inv(g)
    out = []
    for code in range(2**n):
        b = np.array([(code >> i) & 1 for i in range(n)], dtype=float)
        v = inv @ b  # node voltages for a unit supply
        out.append(float(np.sum(b * (1.0 - v)) / 2.0))
    return tuple(out)


def r2r_power_uw(code: int, bits: int, supply_v: float, unit_ohm: float) -> float:
    """Static supply power (uW) of an R-2R ladder DAC holding ``code``."""
    return r2r_power_factors(bits)[code] * supply_v**2 / unit_ohm * 1e6


def r2r_energy_fj(
    code_pmf: tuple[float, ...], bits: int, supply_v: float, unit_ohm: float, hold_ns: float
) -> float:
    """Expected energy of one conversion held for ``hold_ns``: the static power averaged over the code pmf
    (the power is not linear in the code, so the pmf, not the mean code, is needed)."""
    factors = r2r_power_factors(bits)
    mean = sum(p * f for p, f in zip(code_pmf, factors, strict=True))
    return mean * supply_v**2 / unit_ohm * hold_ns * 1e-9 * 1e15


def r2r_area_um2(bits: int, unit_ohm: float, node_nm: float) -> float:
    return LADDER_AREA_UM2_PER_OHM_22NM * (node_nm / 22.0) ** 2 * bits * unit_ohm
