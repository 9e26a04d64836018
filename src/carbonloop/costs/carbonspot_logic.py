"""CarbonSpot's 28 nm logic timing: the ripple-carry adder tree of a weight-stationary array's column.

Source: KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py`` (``adder_tree_delay``, ``digital_array``,
``get_imc_param_setting`` tech_param_28nm): a weight-stationary digital array sums each column's products
through a ripple-carry adder tree, and its clock is the 5 ns MAC clock plus that tree's delay. The gate
delays are CarbonSpot's 28 nm constants (NAND2 47.8 ps, XOR2 2.4 x NAND2).
"""

from __future__ import annotations

import math

from carbonloop.costs.technology import NODE_28NM
from carbonloop.errors import SpecError

FULL_ADDER_PJ = NODE_28NM.switch_energy_pj(3 * NODE_28NM.nand2_cap_ff + 2 * NODE_28NM.xor2_cap_ff)
"""A 1-bit full adder (3 NAND2 + 2 XOR2) switching: 4.2 fF x 0.81 V^2 = 3.402 fJ (``tech_param_28nm``;
zigzag-imc's ``get_1b_adder_energy``)."""
HALF_ADDER_PJ = NODE_28NM.switch_energy_pj(2 * NODE_28NM.xor2_cap_ff)
"""A full adder one of whose operands is a constant zero: only its two XOR2 switch, 1.701 fJ (zigzag-imc
``get_regular_adder_trees_energy``: no carry is generated)."""
ND2_DELAY_NS = 0.0478
XOR2_DELAY_NS = 2.4 * ND2_DELAY_NS  # 0.11472 ns
DIGITAL_CLOCK_NS = 5.0
"""The MAC's clock (200 MHz, Envision ISSCC 2017 as CarbonSpot uses it)."""
WS_TREE_OUTPUT_BITS = 16
"""The partial sums leave the WS adder tree at 16 bits (CarbonSpot's output precision)."""


def rca_adder_tree_delay_ns(inputs: int, output_bits: int = WS_TREE_OUTPUT_BITS) -> float:
    """Critical path of a ripple-carry adder tree summing ``inputs`` operands into ``output_bits``.

    Why this shape: each of the ``log2(inputs) - 1`` stages after the first adds one full adder's sum
    path (two XOR2); the first stage's full adder is one XOR2 plus two NAND2 on the carry; the final
    ripple walks the carry through ``output_bits - 2`` more bits at two NAND2 each."""
    if inputs < 2 or inputs & (inputs - 1):
        raise SpecError("<adder tree>", "inputs", f"must be a power of two >= 2 (got {inputs})")
    if output_bits < 2:
        raise SpecError("<adder tree>", "output_bits", f"must be >= 2 (got {output_bits})")
    stages = int(math.log2(inputs))
    sum_path = (stages - 1) * 2 * XOR2_DELAY_NS
    first_adder = XOR2_DELAY_NS + 2 * ND2_DELAY_NS
    carry_ripple = (output_bits - 2) * 2 * ND2_DELAY_NS
    return sum_path + first_adder + carry_ripple


def ws_clock_ns(cols: int) -> float:
    """A weight-stationary array's clock: the MAC clock plus the adder tree along its ``cols`` (D2)."""
    return DIGITAL_CLOCK_NS + rca_adder_tree_delay_ns(cols)
