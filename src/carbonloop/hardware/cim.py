"""Compute-in-memory accelerators of any cell type: DRAM -> shared SRAM -> weight cells inside CiM macros.

The same organisation as the SRAM IMC template (``carbonloop.hardware.imc``): axes ``D1`` (wordline: output
channels, inputs broadcast), ``D2`` (bitline: summed inputs C, FX, FY) and ``M`` (identical macros); weights
stay in the cells (a memory level keeping only ``W``, written one row per cycle at the cell's programming
energy: a ReRAM reload is expensive and the mapper sees it). The compute energy of a pass comes from the CiM
macro model (``carbonloop.costs.cim``), expected over the operand distributions the template names.

A layer wider than the macro runs sliced (the slicing rule: ``carbonloop.costs.cim.slicing``, rule 6 of
``costs.cim.macro``): ``layer_weight_bits`` / ``layer_input_bits`` build the accelerator for that
precision (the wordline axis D1 holds ``cols // weight_slots`` layer weights, a cell-level instance one
layer weight, a pass takes ``input_passes`` times the macro's cycles), and :func:`at_layer_precision`
re-slices a built accelerator for one layer's precision (the memories above the cells unchanged).

``cim(...)`` takes strings for every argument (a template call is text) and converts them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from carbonloop.costs.cim.cells import cell
from carbonloop.costs.cim.macro import CimMacroSpec, cim_macro_cost
from carbonloop.costs.resolve import resolve_memory
from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator, ComputeArray, MemoryLevel
from carbonloop.hardware.macro_memories import SramCost, dram_and_sram_levels

CIM_AXES = ("D1", "D2", "M")
_SOURCE = "<cim template>"


def cim_array(spec: CimMacroSpec) -> ComputeArray:
    """The compute array of ``spec.macros`` CiM macros of ``spec.rows`` x ``spec.cols`` weights."""
    cost = cim_macro_cost(spec)
    per_mac = {k: v / cost.macs_per_pass for k, v in cost.energy_per_pass_pj.items()}
    return ComputeArray(
        axes=(("D1", spec.weights_per_row), ("D2", spec.rows), ("M", spec.macros)),
        mac_pj=cost.energy_per_mac_fj / 1000.0,
        mac_area_mm2=0.0,
        extra_area_mm2=cost.total_area_mm2,
        kind="imc",
        cycles_per_mac=cost.cycles_per_pass,
        precision_bits={"W": _layer_weight_bits(spec), "I": _layer_input_bits(spec)},
        energy_breakdown_pj_per_mac=per_mac,
        area_breakdown_mm2=dict(cost.area_mm2),
        source=f"CiM macro model ({spec.device}, {spec.rows}x{spec.cols}x{spec.macros}, {spec.node_nm:g} nm"
        + (
            f"; {_layer_weight_bits(spec)}-b weights over {spec.weight_slots} slots,"
            f" {_layer_input_bits(spec)}-b inputs over {spec.input_passes} passes)"
            if (spec.weight_slots, spec.input_passes) != (1, 1)
            else ")"
        ),
        imc=spec,
    )


def _layer_weight_bits(spec: CimMacroSpec) -> int:
    return spec.layer_weight_bits or spec.weight_bits


def _layer_input_bits(spec: CimMacroSpec) -> int:
    return spec.layer_input_bits or spec.input_bits


def cells_level(spec: CimMacroSpec) -> MemoryLevel:
    """The weight cells: one instance per layer weight (its ``weight_slots`` slots), written one row of the
    macro per programming pulse at the cell model's energy."""
    cost = cim_macro_cost(spec)
    bw = _layer_weight_bits(spec)
    # a row of cells is programmed in one SET pulse (a non-volatile cell's pulse may span several cycles)
    row_write_cycles = (
        max(1, math.ceil(spec.cell.set_pulse_ns / cost.cycle_ns)) if spec.cell.is_nonvolatile else 1
    )
    return MemoryLevel(
        name="cells",
        size_bits=bw,
        width_bits=bw,
        read_pj=0.0,  # reading a weight is part of the pass energy
        write_pj=cost.weight_write_energy_pj,
        update_pj=cost.weight_write_energy_pj,
        read_bw_bits=float(bw),
        write_bw_bits=bw / spec.rows / row_write_cycles,
        operands=frozenset({"W"}),
        spans=(),
        double_buffered=False,
        source=f"CiM cells ({spec.device}; programming energy from the cell model)",
    )


def at_layer_precision(acc: Accelerator, weight_bits: int, input_bits: int) -> Accelerator:
    """``acc`` running a layer of ``weight_bits`` x ``input_bits`` on its CiM macros: sliced (the slicing
    rule) when the layer is wider than the macro, the macro itself when it is not; the array, the cell level
    and the clock follow, the memories above the cells stay as built. Any other accelerator is returned as
    is."""
    spec = acc.array.imc
    if not isinstance(spec, CimMacroSpec):
        return acc
    sliced = spec.at_precision(weight_bits, input_bits)
    if sliced == spec:
        return acc
    levels = tuple(cells_level(sliced) if m.name == "cells" else m for m in acc.memories)
    return replace(acc, array=cim_array(sliced), memories=levels, clock_ns=cim_macro_cost(sliced).cycle_ns)


def cim_accelerator(
    spec: CimMacroSpec, *, sram_bytes: int, dram_bytes: int = 1 << 20, name: str | None = None
) -> Accelerator:
    """DRAM -> SRAM (inputs, outputs, weights) -> weight cells -> ``spec``'s macros."""
    if sram_bytes < 1 or dram_bytes < 1:
        raise SpecError(_SOURCE, "sram_bytes", f"sizes must be positive (got {sram_bytes}, {dram_bytes})")
    cost = cim_macro_cost(spec)
    bi, bw = _layer_input_bits(spec), _layer_weight_bits(spec)
    d1 = spec.weights_per_row
    sram_width = max(spec.rows * bi * spec.macros, d1 * (bi + bw) * spec.macros)
    sram_depth = max(1, (sram_bytes * 8) // sram_width)
    if sram_depth < 32:
        raise SpecError(
            _SOURCE,
            "sram_bytes",
            f"{sram_bytes} B gives {sram_depth} rows of {sram_width} b; the SRAM model needs >= 32 rows",
        )
    node = int(round(spec.node_nm))
    sram = resolve_memory("sram", node_nm=node, width_bits=sram_width, depth=sram_depth)
    dram, shared = dram_and_sram_levels(
        axes=CIM_AXES,
        dram_bytes=dram_bytes,
        dram_width_bits=d1 * bw * spec.macros,
        sram_bytes=sram_bytes,
        sram_width_bits=sram_width,
        sram=SramCost(sram.read_pj, sram.write_pj, sram.area_mm2, sram.leakage_mw, sram.source),
    )
    levels = (dram, shared, cells_level(spec))
    label = name or f"cim_{spec.device}_{spec.rows}x{spec.cols}x{spec.macros}_{sram_bytes}B"
    return Accelerator(
        label,
        cim_array(spec),
        levels,
        clock_ns=cost.cycle_ns,
        node_nm=node,
        hints={"spatial": {"D1": ["K", "OX"], "D2": ["C", "FX", "FY"], "M": ["K", "OX", "OY", "G", "B"]}},
    )


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise SpecError(_SOURCE, name, f"must be an integer, got {value!r}")
    try:
        out = int(str(value))
    except ValueError:
        raise SpecError(_SOURCE, name, f"must be an integer, got {value!r}") from None
    return out


def _optional_int(name: str, value: Any) -> int | None:
    return None if value is None or str(value).lower() == "none" else _int(name, value)


def _float(name: str, value: Any) -> float:
    try:
        out = float(str(value))
    except ValueError:
        raise SpecError(_SOURCE, name, f"must be a number, got {value!r}") from None
    if not math.isfinite(out) or out <= 0:
        raise SpecError(_SOURCE, name, f"must be a positive number, got {value!r}")
    return out


def _bool(name: str, value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise SpecError(_SOURCE, name, f"must be true or false, got {value!r}")


def _distribution(name: str, value: Any) -> str | tuple[float, ...]:
    """A default's name, ``mean=<v>``, or ``<file.yaml>#<key>``: a histogram from a distributions file
    (``{distributions: {key: [bins ...]}}``), read here at the edge so the spec holds only values."""
    text = str(value)
    if "#" not in text:
        return text
    from carbonloop.costs.cim.distributions import distributions_from_dict
    from carbonloop.specio import load_yaml

    path, _, key = text.rpartition("#")
    table = distributions_from_dict(load_yaml(path), path)
    if key not in table:
        raise SpecError(path, f"distributions.{key}", f"no such distribution (known: {', '.join(table)})")
    return table[key].probs


def cim(
    device: str = "rram_1t1r_neurosim",
    rows: int | str = 128,
    cols: int | str = 128,
    macros: int | str = 1,
    input_bits: int | str = 8,
    weight_bits: int | str = 8,
    layer_input_bits: int | str | None = None,
    layer_weight_bits: int | str | None = None,
    bits_per_cell: int | str | None = None,
    dac_bits: int | str = 1,
    dac_kind: str = "pulse",
    dac_unit_ohm: float | str = 5000.0,
    adc_bits: float | str | None = 8,
    columns_per_adc: int | str = 1,
    adc_energy_pj: float | str | None = None,
    adc_area_um2: float | str | None = None,
    adc_estimate: str = "typical",
    input_encoding: str = "magnitude",
    weight_encoding: str = "offset",
    weight_combine: str = "digital",
    input_accumulation: str = "digital",
    slices_per_conversion: int | str | None = None,
    combine_scheme: str = "binary_column",
    combine_unit_cap_ff: float | str = 1.0,
    node_nm: int | str = 22,
    vdd_v: float | str | None = None,
    read_pulse_ns: float | str = 1.0,
    cycle_ns: float | str | None = None,
    zero_gating: bool | str = False,
    input_distribution: str = "post_relu",
    weight_distribution: str = "gaussian",
    sram_bytes: int | str = 256 * 1024,
    dram_bytes: int | str = 1 << 20,
) -> Accelerator:
    """The parametric CiM template: ``cim(device=rram_1t1r_neurosim, rows=128, cols=128, adc_bits=5, ...)``.

    ``device`` names a cell of the cell library; ``adc_bits=none`` makes a digital macro (adder-tree
    readout); ``adc_estimate`` picks the survey's typical converter (default) or its best-case envelope
    (``envelope``) when no measured ``adc_energy_pj`` is given; ``input_bits``/``weight_bits`` are the
    macro's own precision, ``layer_input_bits``/``layer_weight_bits`` (default: the same) the precision it
    runs, sliced over passes and weight slots when wider (``costs/cim/slicing.py``); distributions are
    default names (uniform, uniform_signed, gaussian, post_relu), a fixed pattern ``mean=<v>`` or a
    histogram in a YAML file, ``file.yaml#name``. The supply defaults to the node's nominal one
    (``carbonloop.costs.technology``; 0.9 V outside its table).
    """
    node = _int("node_nm", node_nm)
    if vdd_v is None:
        from carbonloop.costs.technology import tech_node

        try:
            vdd = tech_node(node).vdd_v
        except SpecError:
            vdd = 0.9
    else:
        vdd = _float("vdd_v", vdd_v)
    adc = None if adc_bits is None or str(adc_bits).lower() == "none" else _float("adc_bits", adc_bits)
    cell(str(device))  # an unknown device is a SpecError naming the known cells
    spec = CimMacroSpec(
        device=str(device),
        rows=_int("rows", rows),
        cols=_int("cols", cols),
        macros=_int("macros", macros),
        input_bits=_int("input_bits", input_bits),
        weight_bits=_int("weight_bits", weight_bits),
        layer_input_bits=_optional_int("layer_input_bits", layer_input_bits),
        layer_weight_bits=_optional_int("layer_weight_bits", layer_weight_bits),
        bits_per_cell=None if bits_per_cell is None else _int("bits_per_cell", bits_per_cell),
        dac_bits=_int("dac_bits", dac_bits),
        dac_kind=str(dac_kind),  # type: ignore[arg-type]
        dac_unit_ohm=_float("dac_unit_ohm", dac_unit_ohm),
        adc_bits=adc,
        columns_per_adc=_int("columns_per_adc", columns_per_adc),
        adc_energy_pj=None if adc_energy_pj is None else _float("adc_energy_pj", adc_energy_pj),
        adc_area_um2=None if adc_area_um2 is None else _float("adc_area_um2", adc_area_um2),
        adc_estimate=str(adc_estimate),  # type: ignore[arg-type]
        input_encoding=str(input_encoding),
        weight_encoding=str(weight_encoding),
        weight_combine=str(weight_combine),  # type: ignore[arg-type]
        input_accumulation=str(input_accumulation),  # type: ignore[arg-type]
        slices_per_conversion=None
        if slices_per_conversion is None or str(slices_per_conversion).lower() == "none"
        else _int("slices_per_conversion", slices_per_conversion),
        combine_scheme=str(combine_scheme),  # type: ignore[arg-type]
        combine_unit_cap_ff=_float("combine_unit_cap_ff", combine_unit_cap_ff),
        node_nm=float(node),
        vdd_v=vdd,
        read_pulse_ns=_float("read_pulse_ns", read_pulse_ns),
        cycle_ns=None if cycle_ns is None else _float("cycle_ns", cycle_ns),
        zero_gating=_bool("zero_gating", zero_gating),
        input_distribution=_distribution("input_distribution", input_distribution),
        weight_distribution=_distribution("weight_distribution", weight_distribution),
    )
    return cim_accelerator(
        spec, sram_bytes=_int("sram_bytes", sram_bytes), dram_bytes=_int("dram_bytes", dram_bytes)
    )
