"""Parametric accelerator builders for sweeps: ``digital(rows=32, cols=32, sram_bytes=65536, dataflow=os)``.

:func:`from_call` parses a template call (what ``load_accelerator`` passes on); each template returns an
:class:`Accelerator` built through the same YAML validation as presets.

``digital`` follows CarbonSpot's digital template (KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py``:
``digital_array``, ``memory_hierarchy_dut_*``, ``get_imc_param_setting``, ``__main__`` design space):

- array ``rows x cols`` (axes ``D1`` = rows, ``D2`` = cols); MAC 0.25 pJ and PE area 0.00094482 mm2
  (Envision, ISSCC 2017, 28 nm, as CarbonSpot uses); clock 5 ns (200 MHz), same source;
- dataflow ``os``: K on rows, OX/OY on columns; ``ws``: K/OX/OY on rows, C/FX/FY on columns, plus
  CarbonSpot's ripple-carry adder tree per row of PEs: (3 nd2 + 2 xor2 area) x [cols*(16+1) -
  (16 + log2(cols) + 1)] each (the tree's added clock delay is not modelled);
- per-PE registers: W 8 b, I 8 b, O 16 b = 32 b, read and write dff_cap x vdd^2 = 2.1 fF x 0.81 V^2 =
  0.0017 pJ/bit (0.0136 pJ per 8 b word), area 3.684 um2/bit (tech_28nm dff constants); not double
  buffered (32 b hold exactly one W, one I and one 16 b partial sum); 4 read + 4 write 8 b ports, so
  flip-flops never starve the MAC (W + I + a 16 b partial sum per cycle);
- one shared SRAM of ``sram_bytes``, word = bandwidth = max(cols*8, rows*16) bits, 4 read + 4 write
  ports (memory_template), energy/area from :func:`carbonloop.costs.resolve.resolve_memory` ("sram",
  the CACTI 7 fit) at ``node_nm``;
- DRAM 3.7 pJ/bit (design_space.dram_access_energy_pJ_per_bit) on a rows*8-bit shared read/write port
  (memory_template dram_bw_bits), off chip (area 0).

Energies other than the SRAM are CarbonSpot's 28 nm numbers whatever ``node_nm`` is (the node changes
the SRAM cost only); say so in a sweep's report.

``profile=carbonspot`` (:mod:`carbonloop.hardware.carbonspot`) builds the array as CarbonSpot's study did:
SRAM costed by CarbonSpot's 32-bit CACTI rule, the WS clock with its adder tree's delay, the registers'
area counted once, and the 32-bit register above replaced by CarbonSpot's per-operand registers
(:func:`register_memories`: W, I, O each its own level with its own sharing and ports);
``carbonspot-<rule>`` turns single rules back. The default profile is unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.carbonspot import (
    DFF_AREA_MM2_PER_BIT,
    DFF_PJ_PER_BIT,
    PUBLISHED_WS_TREE_INPUT_BITS,
    ZIGZAG_MAX_MIXED,
    carbonspot_registers,
    digital_sram_width_bits,
    dram_width_bits,
    register_area_per_instance_mm2,
    register_instances,
    rules_from_profile,
    sram_access_granularity_bits,
    sram_weights_hint,
)
from carbonloop.hardware.cim import cim
from carbonloop.hardware.yaml import accelerator_from_dict

ND2_AREA_MM2 = 0.000000614
XOR2_AREA_MM2 = 0.0000014736
MAC_PJ = 0.25  # Envision via CarbonSpot digital_pe_template
PE_AREA_MM2 = 0.00094482
CLOCK_NS = 5.0
DRAM_PJ_PER_BIT = 3.7

DIGITAL_HINTS = {
    "os": ("output_stationary", {"D1": ["K"], "D2": ["OX", "OY"]}),
    "ws": ("weight_stationary", {"D1": ["K", "OX", "OY"], "D2": ["C", "FX", "FY"]}),
}


def ws_adder_tree_area_mm2(rows: int, cols: int, input_bits: int = 16) -> float:
    """CarbonSpot's WS adder trees: one per row of PEs, each summing ``cols`` ``input_bits``-bit partial
    products (16 b by CarbonSpot's stated precision; its published areas imply 64 b, see
    :data:`carbonloop.hardware.carbonspot.PUBLISHED_WS_TREE_INPUT_BITS`)."""
    b = input_bits
    per_tree = (3 * ND2_AREA_MM2 + 2 * XOR2_AREA_MM2) * (cols * (b + 1) - (b + math.log2(cols) + 1))
    return rows * max(per_tree, 0.0)


def ws_adder_trees() -> dict[str, Any]:
    """The weight-stationary array's column trees: the D2 PEs' 16-bit products summed by ripple-carry
    adders of CarbonSpot's 28 nm gates (``FULL_ADDER_PJ``, ``HALF_ADDER_PJ``). Both profiles charge them,
    as both charge their area (:func:`ws_adder_tree_area_mm2`): the products must be added, and the PE's
    0.25 pJ MAC is an output-stationary PE's, which accumulates in place. CarbonSpot's published array
    energy of every Tiny weight-stationary point is the MACs plus exactly these trees, half-driven where
    the unrolling leaves inputs idle (``tests/hardware/test_ws_adder_trees.py``)."""
    from carbonloop.costs.carbonspot_logic import FULL_ADDER_PJ, HALF_ADDER_PJ

    return {
        "axis": "D2",
        "operand_bits": 16,  # the products of 8-bit weights and inputs
        "full_adder_pj": FULL_ADDER_PJ,
        "half_adder_pj": HALF_ADDER_PJ,
    }


def register_memories(
    family: str,
    axes: dict[str, int],
    once: bool,
    input_bits: int = 8,
    weight_bits: int = 8,
    diagonal: bool = False,
) -> list[dict[str, Any]]:
    """CarbonSpot's per-operand registers of ``family`` (os, ws, imc) as memory entries, outermost first
    (:func:`carbonloop.hardware.carbonspot.carbonspot_registers` gives each one's bits, sharing, ports and
    why the order): read for free, written at ``dff_cap x vdd^2`` per bit (CarbonSpot's ``r_cost=0``,
    ``w_cost = dff_cap * vdd**2 * bits``), ``bits`` of flip-flops each (``once``: counted once per level).
    ``diagonal``: the ``weight_diagonal_mapping`` rule (the WS input register feeds diagonals of PEs)."""
    out = []
    for reg in carbonspot_registers(family, input_bits, weight_bits, diagonal):
        instances = register_instances(reg.spans, axes)
        write_pj = DFF_PJ_PER_BIT * reg.bits
        out.append(
            {
                "name": f"{reg.operand.lower()}_reg",
                "size_bits": reg.bits,
                "width_bits": reg.bits,
                "read_pj": 0.0,
                "write_pj": write_pj,
                "update_pj": write_pj,
                "area_mm2": register_area_per_instance_mm2(reg.bits, DFF_AREA_MM2_PER_BIT, instances, once),
                "read_ports": reg.ports,
                "write_ports": reg.ports,
                "operands": [reg.operand],
                "spans": list(reg.spans),
                **({"diagonal_inputs": True} if reg.diagonal_inputs else {}),
            }
        )
    return out


def digital_spec(
    rows: int,
    cols: int,
    sram_bytes: int,
    dataflow: str = "os",
    node_nm: int = 28,
    name: str | None = None,
    profile: str = "carbonloop",
) -> dict[str, Any]:
    """The YAML-form dict of the digital template (what :func:`digital` validates and builds)."""
    from carbonloop.costs.carbonspot_logic import ws_clock_ns
    from carbonloop.costs.carbonspot_memory import carbonspot_sram_cost
    from carbonloop.costs.resolve import resolve_memory  # costs sit below hardware specs

    src = "<template digital>"
    rules = rules_from_profile(profile, src)
    for key, v in (("rows", rows), ("cols", cols), ("sram_bytes", sram_bytes), ("node_nm", node_nm)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise SpecError(src, key, f"must be a positive integer (got {v!r})")
    if dataflow not in DIGITAL_HINTS:
        raise SpecError(src, "dataflow", f"must be os or ws (got {dataflow!r})")
    if rules is not None and node_nm != 28:
        raise SpecError(src, "node_nm", f"the carbonspot profile is CarbonSpot's 28 nm (got {node_nm})")
    sram_width = digital_sram_width_bits(rows, cols)
    if (sram_bytes * 8) % sram_width:
        raise SpecError(src, "sram_bytes", f"{sram_bytes} B is not a whole number of {sram_width}-bit words")
    depth = sram_bytes * 8 // sram_width
    try:
        if rules is not None and rules.sram_cost:
            sram: Any = carbonspot_sram_cost(sram_bytes * 8, sram_width)
        else:
            sram = resolve_memory("sram", node_nm=node_nm, width_bits=sram_width, depth=depth)
    except SpecError as err:
        raise SpecError(src, "node_nm" if "node" in err.field else "sram_bytes", err.message) from None
    dram_width = dram_width_bits(rows)
    reg_word_pj = DFF_PJ_PER_BIT * 8
    flow, hints = DIGITAL_HINTS[dataflow]
    tree_bits = PUBLISHED_WS_TREE_INPUT_BITS if rules is not None and rules.ws_tree_area else 16
    extra = ws_adder_tree_area_mm2(rows, cols, tree_bits) if dataflow == "ws" else 0.0
    clock_ns = CLOCK_NS
    if rules is not None and rules.ws_clock and dataflow == "ws":
        clock_ns = ws_clock_ns(cols)
    once = rules is not None and rules.register_area_once
    reg_area = register_area_per_instance_mm2(32, DFF_AREA_MM2_PER_BIT, rows * cols, once)
    registers: list[dict[str, Any]] = [
        {
            "name": "registers",
            "size_bits": 32,
            "width_bits": 8,
            "read_pj": reg_word_pj,
            "write_pj": reg_word_pj,
            "area_mm2": reg_area,
            "read_ports": 4,
            "write_ports": 4,
            "operands": ["W", "I", "O"],
            "spans": [],
        }
    ]
    if rules is not None and rules.per_operand_registers:
        diagonal = rules.weight_diagonal_mapping
        registers = register_memories(dataflow, {"D1": rows, "D2": cols}, once, diagonal=diagonal)
    suffix = "" if rules is None else f"_{rules.name}"
    return {
        "name": name or f"digital_{dataflow}_{rows}x{cols}_{sram_bytes}B_{node_nm}nm{suffix}",
        "clock_ns": clock_ns,
        "node_nm": node_nm,
        "array": {
            "axes": {"D1": rows, "D2": cols},
            "mac_pj": MAC_PJ,
            "mac_area_mm2": PE_AREA_MM2,
            "extra_area_mm2": extra,
            "precision_bits": {"W": 8, "I": 8, "O": 16},
            **({"adder_tree": ws_adder_trees()} if dataflow == "ws" else {}),
        },
        "memories": [
            {
                "name": "dram",
                "width_bits": dram_width,
                "read_pj": DRAM_PJ_PER_BIT * dram_width,
                "write_pj": DRAM_PJ_PER_BIT * dram_width,
                "area_mm2": 0.0,
                "shared_ports": True,
                "operands": ["W", "I", "O"],
                "spans": "all",
            },
            {
                "name": "sram",
                "size_bits": sram_bytes * 8,
                "width_bits": sram_width,
                "read_pj": sram.read_pj,
                "write_pj": sram.write_pj,
                "area_mm2": sram.area_mm2,
                "leakage_mw": sram.leakage_mw,
                "read_ports": 4,
                "write_ports": 4,
                "operands": ["W", "I", "O"],
                "spans": ["D1", "D2"],
                **(
                    {
                        "min_read_bits": sram_access_granularity_bits(sram_width),
                        "min_write_bits": sram_access_granularity_bits(sram_width),
                    }
                    if rules is not None and rules.sram_granularity
                    else {}
                ),
            },
            *registers,
        ],
        "hints": {
            "dataflow": flow,
            "spatial": hints,
            "template": "digital",
            **(
                {"max_mixed": ZIGZAG_MAX_MIXED} if rules is not None and rules.zigzag_spatial_mapspace else {}
            ),
            **(
                {"spatial_generator": "zigzag"}
                if rules is not None and rules.zigzag_spatial_mapspace and rules.zigzag_spatial_generator
                else {}
            ),
            **(sram_weights_hint(rules) if dataflow == "ws" else {}),
        },
    }


def digital(
    rows: int,
    cols: int,
    sram_bytes: int,
    dataflow: str = "os",
    node_nm: int = 28,
    name: str | None = None,
    profile: str = "carbonloop",
) -> Accelerator:
    """A ``rows x cols`` digital PE array (see the module docstring for every number and its source)."""
    spec = digital_spec(rows, cols, sram_bytes, dataflow, node_nm, name, profile)
    return accelerator_from_dict(
        spec, f"digital(rows={rows},cols={cols},sram_bytes={sram_bytes},dataflow={dataflow})"
    )


TEMPLATES: dict[str, Callable[..., Accelerator]] = {"digital": digital, "cim": cim}
_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$")


def _value(text: str) -> int | str:
    t = text.strip().strip("'\"")
    try:
        return int(t)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d+)\s*(KiB|MiB|KB|MB|k|K)", t)
    if m:
        scale = {"KiB": 1024, "KB": 1024, "k": 1024, "K": 1024, "MiB": 1024**2, "MB": 1024**2}[m.group(2)]
        return int(m.group(1)) * scale
    return t


def from_call(spec: str) -> Accelerator:
    """``"digital(rows=32,cols=32,sram_bytes=65536,dataflow=os)"`` -> Accelerator (sizes may say 64KiB)."""
    m = _CALL.match(spec)
    if not m:
        raise SpecError(spec, "accelerator", "a template call looks like name(key=value,...)")
    name, args = m.group(1), m.group(2)
    if name not in TEMPLATES:
        raise SpecError(spec, "accelerator", f"unknown template {name!r} (templates: {', '.join(TEMPLATES)})")
    kwargs: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in args.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise SpecError(spec, "accelerator", f"argument {item!r} must be key=value")
        kwargs[key.strip()] = _value(value)
    try:
        return TEMPLATES[name](**kwargs)
    except TypeError as err:
        raise SpecError(spec, "accelerator", f"bad arguments for {name}: {err}") from None
    except SpecError as err:
        raise err.located(spec) from None
