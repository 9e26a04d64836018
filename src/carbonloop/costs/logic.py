"""Logic component costs: integer MAC, multiplier, ripple-carry adder, register, comparator, multiplexer.

Energy, area and leakage of adders, multipliers and registers come from the Aladdin 40 nm tables
(``costs/data/logic_40nm.yaml``; adders linear in width, array multipliers linear in the number of
partial-product bits a*b) moved to other nodes with the rules of ``costs.technology``. Delays, and the
comparator and multiplexer, are built from the node's unit gates (NAND2, XOR2) so that they grow with
width the way a ripple-carry structure does. Formulas and sources: docs/costs.md, "Logic".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from carbonloop.costs.technology import area_scale, delay_scale, energy_scale, leakage_scale, tech_node
from carbonloop.errors import SpecError

_SOURCE = "<component model>"

#: Switching activity assumed for gate-built blocks (random data toggles half the nodes).
ACTIVITY = 0.5


@dataclass(frozen=True)
class LogicCost:
    """One logic block: energy per operation, area, leakage and combinational delay."""

    energy_pj: float
    area_um2: float
    leakage_uw: float
    delay_ns: float

    def __add__(self, other: LogicCost) -> LogicCost:
        """Two blocks in series: energies, areas, leakages and delays add."""
        return LogicCost(
            self.energy_pj + other.energy_pj,
            self.area_um2 + other.area_um2,
            self.leakage_uw + other.leakage_uw,
            self.delay_ns + other.delay_ns,
        )


@cache
def _table() -> dict:
    text = resources.files("carbonloop.costs.data").joinpath("logic_40nm.yaml").read_text()
    return yaml.safe_load(text)


def _positive_int(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value or value < 1:
        raise SpecError(_SOURCE, field, f"must be a positive integer, got {value!r}")
    return int(value)


def _from_40nm(energy_pj: float, area_um2: float, leak_uw: float, node_nm: int) -> tuple[float, float, float]:
    base = int(_table()["base_node_nm"])
    return (
        energy_pj * energy_scale(base, node_nm),
        area_um2 * area_scale(base, node_nm),
        leak_uw * leakage_scale(base, node_nm),
    )


def leakage_density_uw_per_um2(node_nm: int) -> float:
    """Leakage per area of standard-cell logic: the Aladdin adder's 2.4 uW / 278 um^2 at 40 nm, scaled."""
    adder = _table()["adder_32b"]
    base = int(_table()["base_node_nm"])
    return adder["leak_uw"] / adder["area_um2"] * leakage_scale(base, node_nm) / area_scale(base, node_nm)


def carry_delay_ns(node_nm: int) -> float:
    """One ripple-carry stage: carry-out = NAND(NAND(a, b), NAND(cin, a xor b)), two NAND2 delays."""
    return 2.0 * tech_node(node_nm).nand2_delay_ns


def ripple_adder_delay_ns(width_bits: int, node_nm: int) -> float:
    """Propagate XOR, (width - 1) carry stages, final sum XOR."""
    t = tech_node(node_nm)
    return 2.0 * t.xor2_delay_ns + (width_bits - 1) * carry_delay_ns(node_nm)


def adder(width_bits: int, node_nm: int) -> LogicCost:
    """Ripple-carry adder: Aladdin per-bit energy/area/leakage x width; gate-built ripple delay."""
    w = _positive_int(width_bits, "width_bits")
    row = _table()["adder_32b"]
    e, a, lk = _from_40nm(
        row["energy_pj"] / 32 * w, row["area_um2"] / 32 * w, row["leak_uw"] / 32 * w, node_nm
    )
    return LogicCost(e, a, lk, ripple_adder_delay_ns(w, node_nm))


def multiplier(a_bits: int, b_bits: int, node_nm: int) -> LogicCost:
    """Array multiplier: Aladdin 32x32 point / 1024 per partial-product bit, x a*b.

    Delay: one AND (NAND2) for the partial products, a carry ripple through (a - 1) + (b - 1) stages,
    and a final sum XOR (the critical path of a carry-save array with a ripple final adder).
    """
    a = _positive_int(a_bits, "a_bits")
    b = _positive_int(b_bits, "b_bits")
    row = _table()["multiplier_32x32"]
    scale = a * b / 1024
    e, ar, lk = _from_40nm(row["energy_pj"] * scale, row["area_um2"] * scale, row["leak_uw"] * scale, node_nm)
    t = tech_node(node_nm)
    delay = t.nand2_delay_ns + (a - 1 + b - 1) * carry_delay_ns(node_nm) + t.xor2_delay_ns
    return LogicCost(e, ar, lk, delay)


def mac(a_bits: int, b_bits: int, node_nm: int, acc_bits: int | None = None) -> LogicCost:
    """Integer MAC = multiplier(a, b) + accumulator adder of ``acc_bits`` (default a + b, the product width).

    The accumulator register is not included (cost it with :func:`register`), as in Aladdin's IntMAC.
    """
    a = _positive_int(a_bits, "a_bits")
    b = _positive_int(b_bits, "b_bits")
    acc = a + b if acc_bits is None else _positive_int(acc_bits, "acc_bits")
    return multiplier(a, b, node_nm) + adder(acc, node_nm)


def register(width_bits: int, node_nm: int) -> tuple[float, float, float, float, float]:
    """A ``width_bits`` register: (read_pj, write_pj, area_um2, leakage_uw, latency_ns).

    Energy and area are Aladdin's per-bit values x width; Aladdin lists no register leakage, so the
    standard-cell leakage density is used; latency is Aladdin's register latency scaled with delay.
    """
    w = _positive_int(width_bits, "width_bits")
    row = _table()["register_bit"]
    base = int(_table()["base_node_nm"])
    read, area, _ = _from_40nm(row["read_energy_pj"] * w, row["area_um2"] * w, 0.0, node_nm)
    write = row["write_energy_pj"] * w * energy_scale(base, node_nm)
    leak = area * leakage_density_uw_per_um2(node_nm)
    return read, write, area, leak, row["latency_ns"] * delay_scale(base, node_nm)


def comparator(width_bits: int, node_nm: int) -> LogicCost:
    """Magnitude comparator (a >= b): the borrow chain of a subtractor, costed as a ripple adder.

    An upper bound: the sum XORs of the adder are not needed, the chain and the operand inverters are.
    """
    return adder(width_bits, node_nm)


def mux2_nand2_equivalents() -> float:
    """A 2:1 multiplexer as NAND-NAND AND-OR logic: two NAND2 for the terms, one to combine them."""
    return 3.0


def mux(inputs: int, width_bits: int, node_nm: int) -> LogicCost:
    """An ``inputs``:1 multiplexer of ``width_bits``-bit words built as a tree of 2:1 muxes.

    Area: (inputs - 1) mux2 per bit. Energy per selection, with activity ``ACTIVITY``: the data path
    through ceil(log2 inputs) mux2 levels per bit plus the select lines, which drive one NAND2 input in
    each of the (inputs - 1) mux2 of every bit. Delay: two NAND2 delays per level.
    """
    n = _positive_int(inputs, "inputs")
    w = _positive_int(width_bits, "width_bits")
    if n == 1:
        return LogicCost(0.0, 0.0, 0.0, 0.0)
    t = tech_node(node_nm)
    levels = math.ceil(math.log2(n))
    k = mux2_nand2_equivalents()
    data_cap_ff = w * levels * k * t.nand2_cap_ff
    select_cap_ff = w * (n - 1) * t.nand2_cap_ff
    energy = ACTIVITY * t.switch_energy_pj(data_cap_ff + select_cap_ff)
    area = w * (n - 1) * k * t.nand2_area_um2
    return LogicCost(
        energy, area, area * leakage_density_uw_per_um2(node_nm), levels * 2.0 * t.nand2_delay_ns
    )


def decoder(outputs: int, node_nm: int) -> LogicCost:
    """A one-hot decoder to ``outputs`` lines: per line a log2(outputs)-input AND of NAND2 gates.

    Energy per decode: the deselected and the newly selected line each toggle their gate chain.
    """
    n = _positive_int(outputs, "outputs")
    if n == 1:
        return LogicCost(0.0, 0.0, 0.0, 0.0)
    t = tech_node(node_nm)
    bits = math.ceil(math.log2(n))
    gates_per_line = max(1, bits - 1)
    area = n * gates_per_line * t.nand2_area_um2
    energy = 2 * gates_per_line * t.switch_energy_pj(t.nand2_cap_ff)
    delay = math.ceil(math.log2(max(2, bits))) * t.nand2_delay_ns
    return LogicCost(energy, area, area * leakage_density_uw_per_um2(node_nm), delay)
