"""Resolution API for specs: a memory or compute array names a cost model instead of giving numbers.

The hardware YAML loader calls :func:`resolve_memory` / :func:`resolve_mac` and stores the returned
:class:`ComponentCost`. Bad model names or parameters raise ``SpecError`` naming the value; the loader
re-attributes it to its file with ``SpecError.located``.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonloop.costs import logic, memory
from carbonloop.costs.technology import known_nodes
from carbonloop.errors import SpecError

_SOURCE = "<component model>"

_MEMORY_MODELS = ("sram", "regfile", "register")
_DRAM_MODELS = tuple(["dram", *(f"dram/{k}" for k in memory.dram_types() if k != "dram")])
_MAC_MODELS = ("mac", "mac/int")


@dataclass(frozen=True)
class ComponentCost:
    """Cost of one component instance, in the units the model uses everywhere."""

    read_pj: float  # per word access (for a MAC: energy per MAC)
    write_pj: float  # per word access (for a MAC: 0, a MAC has one action)
    area_mm2: float
    access_ns: float
    leakage_mw: float
    source: str  # human-readable, e.g. "sram fit (CACTI 7 calibration), 28 nm"


def known_models() -> tuple[str, ...]:
    """Every model name :func:`resolve_memory` and :func:`resolve_mac` accept."""
    return _MEMORY_MODELS + _DRAM_MODELS + _MAC_MODELS


def _normalize(model: str) -> str:
    if not isinstance(model, str):
        raise SpecError(_SOURCE, "model", f"model must be a string, got {model!r}")
    return model.strip().lower()


def _check_node(node_nm: int) -> int:
    if isinstance(node_nm, bool) or not isinstance(node_nm, int | float) or int(node_nm) not in known_nodes():
        known = ", ".join(str(n) for n in known_nodes())
        raise SpecError(_SOURCE, "node_nm", f"unknown node {node_nm!r} (known: {known})")
    return int(node_nm)


def _from_memory(cost: memory.MemoryCost, source: str) -> ComponentCost:
    return ComponentCost(cost.read_pj, cost.write_pj, cost.area_mm2, cost.access_ns, cost.leakage_mw, source)


def resolve_memory(
    model: str, *, node_nm: int, width_bits: int, depth: int, ports: int = 1, banks: int = 1
) -> ComponentCost:
    """Cost of a ``depth`` x ``width_bits`` memory from ``model`` (see :func:`known_models`).

    DRAM ignores node, depth, ports and banks (an off-chip access costs pJ/bit x width), but they
    are still checked, so a typo in a spec is reported wherever it is.
    """
    name = _normalize(model)
    if name not in _MEMORY_MODELS and name not in _DRAM_MODELS:
        raise SpecError(
            _SOURCE,
            "model",
            f"unknown memory model {model!r} (known: {', '.join(_MEMORY_MODELS + _DRAM_MODELS)})",
        )
    node = _check_node(node_nm)
    if name == "sram":
        cost = memory.sram(width_bits, depth, node, ports=ports, banks=banks)
        return _from_memory(cost, f"sram fit (CACTI 7 calibration), {node} nm")
    if name == "regfile":
        cost = memory.regfile(width_bits, depth, node, ports=ports, banks=banks)
        return _from_memory(cost, f"register file (flip-flops + mux tree), {node} nm")
    if name == "register":
        memory.check_geometry(width_bits, depth, ports, banks)
        cost = memory.register_bank(width_bits, depth, node)
        return _from_memory(cost, f"registers (Aladdin table, scaled), {node} nm")
    memory.check_geometry(width_bits, depth, ports, banks)
    kind = "dram" if name == "dram" else name.split("/", 1)[1]
    cost = memory.dram(kind, width_bits)
    label = "CarbonSpot DRAM" if kind == "dram" else kind.upper()
    return _from_memory(cost, f"{label}, {memory.dram_pj_per_bit(kind):g} pJ/bit")


def resolve_mac(
    model: str, *, node_nm: int, a_bits: int, b_bits: int, acc_bits: int | None = None
) -> ComponentCost:
    """Cost of one integer MAC (``a_bits`` x ``b_bits`` multiplier + ``acc_bits`` adder, default a + b)."""
    name = _normalize(model)
    if name not in _MAC_MODELS:
        raise SpecError(
            _SOURCE, "model", f"unknown compute model {model!r} (known: {', '.join(_MAC_MODELS)})"
        )
    node = _check_node(node_nm)
    c = logic.mac(a_bits, b_bits, node, acc_bits)
    acc = a_bits + b_bits if acc_bits is None else acc_bits
    return ComponentCost(
        read_pj=c.energy_pj,
        write_pj=0.0,
        area_mm2=c.area_um2 * 1e-6,
        access_ns=c.delay_ns,
        leakage_mw=c.leakage_uw * 1e-3,
        source=f"int MAC {a_bits}x{b_bits}+{acc} (Aladdin table, scaled), {node} nm",
    )
