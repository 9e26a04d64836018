"""SRAM in-memory-computing accelerators: DRAM -> shared SRAM -> weight cells inside IMC macros.

The array has three axes: ``D1`` (wordline: output channels; the inputs are broadcast along it), ``D2``
(bitline: summed inputs C, FX, FY) and ``M`` (identical macros). Weights stay in the cells, a memory level
that keeps only ``W``: writing it costs the macro's weight-write energy and one row per cycle (a full
macro reload takes ``rows`` cycles, and compute waits for it). Inputs are bit-serial: a full-precision
MAC pass takes Bi/Bcycle cycles of the macro clock, which is the accelerator clock. The energy of a pass
is the macro model's (carbonloop.costs.imc) for the rows and columns the mapping uses.

The template follows CarbonSpot's choices (KULeuven-MICAS/carbonspot @ 0839b49, expr.py memory_hierarchy_dut_*
and get_imc_param_setting): SRAM bandwidth max(D2*Bi, D1*(Bi+Bw)) bits per cycle, DRAM bandwidth
D1*Bw bits per cycle at 3.7 pJ/bit, SRAM energy and area from the CACTI-calibrated SRAM model.

``profile=carbonspot`` (:mod:`carbonloop.hardware.carbonspot`) builds it as CarbonSpot's study did: SRAM
costed by CarbonSpot's 32-bit CACTI rule with 4 read + 4 write ports, the cell array's area from the
same CACTI rule, and CarbonSpot's I and O registers under the cells (:func:`imc_registers`);
``carbonspot-<rule>`` turns single rules back. The default profile is unchanged.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from carbonloop.costs.carbonspot_memory import carbonspot_sram_cost
from carbonloop.costs.imc import ImcMacroSpec, imc_macro_cost, imc_template_spec
from carbonloop.costs.resolve import resolve_memory
from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator, ComputeArray, MemoryLevel
from carbonloop.hardware.carbonspot import (
    DFF_AREA_MM2_PER_BIT,
    DFF_PJ_PER_BIT,
    SRAM_READ_PORTS,
    SRAM_WRITE_PORTS,
    ZIGZAG_MAX_MIXED,
    CarbonSpotRules,
    carbonspot_registers,
    dram_width_bits,
    imc_sram_width_bits,
    register_area_per_instance_mm2,
    register_instances,
    rules_from_profile,
    sram_access_granularity_bits,
    sram_weights_hint,
)
from carbonloop.hardware.macro_memories import SramCost, dram_and_sram_levels

IMC_AXES = ("D1", "D2", "M")


def carbonspot_cell_write_pj(spec: ImcMacroSpec) -> float:
    """Writing one weight into the cells as CarbonSpot costs it: the write of one row of the cell array (a
    CACTI SRAM of ``rows x group_depth`` rows of ``cols x Bw`` bits, :func:`carbonspot_sram_cost`) shared by
    the row's ``cols`` weights, rounded to 3 decimals in pJ as CarbonSpot rounds it
    (KULeuven-MICAS/carbonspot's ZigZag ``get_w_cost_per_weight_from_cacti``: ``w_cost x Bw / (cols x Bw)``,
    ``round(..., 3)``)."""
    width = spec.cols * spec.weight_bits
    row_write = carbonspot_sram_cost(width * spec.rows * spec.group_depth, width).write_pj
    return round(row_write / spec.cols, 3)


def carbonspot_cell_area_mm2(spec: ImcMacroSpec) -> float:
    """The cell array of all macros as CarbonSpot costs it: a CACTI SRAM of ``rows x group_depth`` rows of
    ``cols x Bw`` bits per macro (KULeuven-MICAS/carbonspot @ 0839b49, ``get_imc_param_setting``:
    enable_cacti), by CarbonSpot's 32-bit scaling rule (:func:`carbonspot_sram_cost`)."""
    width = spec.cols * spec.weight_bits
    size = width * spec.rows * spec.group_depth
    return carbonspot_sram_cost(size, width).area_mm2 * spec.macros


def imc_registers(spec: ImcMacroSpec, once: bool, diagonal: bool = False) -> tuple[MemoryLevel, ...]:
    """CarbonSpot's I (``Bi`` b, shared along the wordline D1) and O (``Bi + Bw`` b, along the bitline D2)
    registers below the weight cells, one pair per macro (:func:`carbonspot_registers`): read for free,
    written at ``dff_cap x vdd^2`` per bit (``memory_hierarchy_dut_for_imc``, ``rf_I1`` and ``rf_O1``);
    ``diagonal``: the I register feeds diagonals (the ``weight_diagonal_mapping`` rule, docs/model.md)."""
    axes = {"D1": spec.cols, "D2": spec.rows, "M": spec.macros}
    levels = []
    for reg in carbonspot_registers("imc", spec.input_bits, spec.weight_bits, diagonal):
        write_pj = DFF_PJ_PER_BIT * reg.bits
        instances = register_instances(reg.spans, axes)
        levels.append(
            MemoryLevel(
                name=f"{reg.operand.lower()}_reg",
                size_bits=reg.bits,
                width_bits=reg.bits,
                read_pj=0.0,
                write_pj=write_pj,
                update_pj=write_pj,
                read_bw_bits=float(reg.bits),
                write_bw_bits=float(reg.bits),
                read_ports=reg.ports,
                write_ports=reg.ports,
                area_mm2=register_area_per_instance_mm2(reg.bits, DFF_AREA_MM2_PER_BIT, instances, once),
                operands=frozenset({reg.operand}),
                spans=reg.spans,
                double_buffered=False,
                diagonal_inputs=reg.diagonal_inputs,
                source=f"CarbonSpot {reg.operand} register (expr.py memory_hierarchy_dut_for_imc, 0839b49)",
            )
        )
    return tuple(levels)


def imc_array(spec: ImcMacroSpec, rules: CarbonSpotRules | None = None) -> ComputeArray:
    """The compute array of ``spec.macros`` macros of ``spec.rows`` x ``spec.cols`` weights."""
    cost = imc_macro_cost(spec)
    area = dict(cost.area_mm2)
    if rules is not None and rules.imc_cell_area:
        area["cells"] = carbonspot_cell_area_mm2(spec)
    return ComputeArray(
        axes=(("D1", spec.cols), ("D2", spec.rows), ("M", spec.macros)),
        mac_pj=cost.energy_per_mac_fj / 1000.0,
        mac_area_mm2=0.0,
        extra_area_mm2=cost.total_area_mm2 - cost.area_mm2.get("cells", 0.0) + area.get("cells", 0.0),
        kind="imc",
        cycles_per_mac=cost.cycles_per_mac_pass,
        precision_bits={"W": spec.weight_bits, "I": spec.input_bits},
        energy_breakdown_pj_per_mac={k: v / cost.macs_per_cycle for k, v in cost.energy_per_cycle_pj.items()},
        area_breakdown_mm2=area,
        source=f"IMC macro model ({spec.kind}, {spec.rows}x{spec.cols}x{spec.macros}, {spec.node_nm} nm)",
        imc=spec,
    )


def imc_accelerator(
    spec: ImcMacroSpec,
    *,
    sram_bytes: int,
    dram_bytes: int = 1 << 20,
    name: str | None = None,
    rules: CarbonSpotRules | None = None,
) -> Accelerator:
    """DRAM -> SRAM (inputs, outputs, weights) -> weight cells -> ``spec``'s macros (``rules``: CarbonSpot's
    hardware rules, None for carbonloop's own models)."""
    if sram_bytes < 1 or dram_bytes < 1:
        raise SpecError(
            "<imc template>", "sram_bytes", f"sizes must be positive (got {sram_bytes}, {dram_bytes})"
        )
    cost = imc_macro_cost(spec)
    bi, bw = spec.input_bits, spec.weight_bits
    sram_width = imc_sram_width_bits(spec.rows, spec.cols, bi, bw, spec.macros)
    sram_depth = max(1, (sram_bytes * 8) // sram_width)
    if sram_depth < 32:
        raise SpecError(
            "<imc template>",
            "sram_bytes",
            f"{sram_bytes} B gives {sram_depth} rows of {sram_width} b; the SRAM model needs >= 32 rows",
        )
    sram: Any
    if rules is not None and rules.sram_cost:
        sram = carbonspot_sram_cost(sram_depth * sram_width, sram_width)
        sram_source = "CarbonSpot SRAM rule (32-bit CACTI x bw/32, 32 -> 28 nm x 0.81)"
    else:
        sram = resolve_memory("sram", node_nm=spec.node_nm, width_bits=sram_width, depth=sram_depth)
        sram_source = sram.source
    ports = (SRAM_READ_PORTS, SRAM_WRITE_PORTS) if rules is not None and rules.imc_sram_ports else (1, 1)
    dram, shared = dram_and_sram_levels(
        axes=IMC_AXES,
        dram_bytes=dram_bytes,
        dram_width_bits=dram_width_bits(spec.cols, bw, spec.macros),
        sram_bytes=sram_bytes,
        sram_width_bits=sram_width,
        sram=SramCost(sram.read_pj, sram.write_pj, sram.area_mm2, sram.leakage_mw, sram_source),
        sram_ports=ports,
    )
    if rules is not None and rules.sram_granularity:
        g = sram_access_granularity_bits(sram_width)
        pairs = tuple((r, g) for r in ("W", "I", "O") if r in shared.operands)
        shared = dataclasses.replace(shared, min_read_bits=pairs, min_write_bits=pairs)
    cell_write_pj = (
        carbonspot_cell_write_pj(spec)
        if rules is not None and rules.imc_cell_write
        else cost.weight_write_energy_pj
    )
    levels: tuple[MemoryLevel, ...] = (
        dram,
        shared,
        MemoryLevel(
            name="cells",
            size_bits=bw * spec.group_depth,
            width_bits=bw,
            read_pj=0.0,  # reading a weight is part of the macro's MAC energy
            write_pj=cell_write_pj,
            update_pj=cell_write_pj,
            read_bw_bits=float(bw),
            write_bw_bits=bw / spec.rows,  # one row of the macro written per cycle
            written_by_rows=spec.rows,
            operands=frozenset({"W"}),
            spans=(),
            double_buffered=False,
            source="IMC macro cells (weight write energy from "
            + (
                "CarbonSpot's CACTI rule)"
                if rules is not None and rules.imc_cell_write
                else "the macro model)"
            ),
        ),
    )
    if rules is not None and rules.per_operand_registers:
        levels += imc_registers(spec, rules.register_area_once, rules.weight_diagonal_mapping)
    label = name or f"{spec.kind}_{spec.rows}x{spec.cols}x{spec.macros}_{sram_bytes}B"
    if rules is not None and name is None:
        label += f"_{rules.name}"
    return Accelerator(
        label,
        imc_array(spec, rules),
        levels,
        clock_ns=cost.clock_ns,
        node_nm=spec.node_nm,
        hints=imc_hints(rules),
    )


def imc_hints(rules: CarbonSpotRules | None) -> dict[str, Any]:
    """Spatial hints: ZigZag's IMC example (wordline D1 K, OX; bitline D2 C, FX, FY; macros M), or, under
    the ``zigzag_spatial_mapspace`` rule, CarbonSpot's ``expr.py`` hints (D1 K, OX, OY) with every hinted
    dim mixable on an axis."""
    spatial = {"D1": ["K", "OX"], "D2": ["C", "FX", "FY"], "M": ["K", "OX", "OY", "G", "B"]}
    if rules is None:
        return {"spatial": spatial}
    if not rules.zigzag_spatial_mapspace:
        return {"spatial": spatial, **sram_weights_hint(rules)}
    generator = {"spatial_generator": "zigzag"} if rules.zigzag_spatial_generator else {}
    return {
        "spatial": {**spatial, "D1": ["K", "OX", "OY"]},
        "max_mixed": ZIGZAG_MAX_MIXED,
        **generator,
        **sram_weights_hint(rules),
    }


def imc(
    kind: str = "dimc",
    rows: int = 128,
    cols: int = 128,
    macros: int = 1,
    sram_bytes: int = 256 * 1024,
    node_nm: int = 28,
    dram_bytes: int = 1 << 20,
    profile: str = "carbonloop",
) -> Accelerator:
    """The parametric IMC template with CarbonSpot's macro choices (DIMC 1 input bit per cycle, AIMC 2 bits
    per cycle and an ADC of 2 + 0.5*log2(rows) bits, 8-bit operands); ``profile``: carbonloop or
    carbonspot (:mod:`carbonloop.hardware.carbonspot`)."""
    if kind not in ("aimc", "dimc"):
        raise SpecError("<imc template>", "kind", f"must be aimc or dimc (got {kind!r})")
    rules = rules_from_profile(profile, "<imc template>")
    if rules is not None and node_nm != 28:
        raise SpecError("<imc template>", "node_nm", f"the carbonspot profile is 28 nm (got {node_nm})")
    base = imc_template_spec(kind, rows, node_nm)  # type: ignore[arg-type]
    adc = None if kind == "dimc" else base.input_bits_per_cycle + 0.5 * int(math.log2(rows))
    spec = ImcMacroSpec(
        kind=base.kind,
        rows=rows,
        cols=cols,
        input_bits=base.input_bits,
        weight_bits=base.weight_bits,
        input_bits_per_cycle=base.input_bits_per_cycle,
        macros=macros,
        adc_bits=adc,
        node_nm=node_nm,
        wordline_energy=rules is None or not rules.imc_no_wordline_energy,
    )
    return imc_accelerator(spec, sram_bytes=sram_bytes, dram_bytes=dram_bytes, name=None, rules=rules)
