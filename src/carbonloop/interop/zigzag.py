"""ZigZag 3.x inputs: accelerator, workload and mapping YAML (docs/interop.md).

- **Accelerator**: memories (listed innermost first in ZigZag; carbonloop lists levels outermost first)
  with size, r/w cost per port word (the widest port's ``bandwidth_max`` is the word), area, ports and
  ``served_dimensions`` (= carbonloop's ``spans``); the operational array's dimensions, sizes, unit energy
  and area. IMC fields set the array kind, precisions and bit-serial cycles; ZigZag's IMC macro cost model
  is not reproduced (a warning says what was ignored).
- **Workload**: ``equation`` (``O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]``), ``dimension_relations``
  (``ix=2*ox+1*fx``) -> affine axes; ``loop_dims``/``loop_sizes``; ``operand_precision`` (``O`` = partial
  sums, ``O_final``); ``operand_source`` -> network edges (a layer pointing to itself holds constant weights).
- **Mapping**: the entry named as the layer, else as its operator type, else ``default``;
  ``spatial_mapping`` -> spatial loops; a complete ``temporal_ordering`` (innermost first) -> temporal loops,
  allocated to the memory levels by filling the innermost levels first as far as their capacity allows
  (carbonloop's reading of ZigZag's allocation: compare with ``export-mapping``). An incomplete ordering or
  a missing one leaves the search to the mapper: the layer gets :class:`ZigZagConstraints` instead.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbonloop.costs.imc import ImcMacroSpec, imc_macro_cost
from carbonloop.errors import SpecError
from carbonloop.extras import require
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.imc import imc_array
from carbonloop.hardware.yaml import accelerator_from_dict
from carbonloop.interop.common import (
    as_dict,
    as_list,
    check_keys,
    number,
    positive_int,
    read_input,
    warn,
    warn_ignored,
)
from carbonloop.model.mapping import LevelMapping, Loop, Mapping, resolve
from carbonloop.specio import MAX_LAYERS, MAX_PRECISION_BITS, bounded_int, dump_yaml
from carbonloop.workload.layer import Axis, Layer, Operand, parse_axis
from carbonloop.workload.network import Edge, Network

DEFAULT_LINKS = {"O": "O", "W": "I2", "I": "I1"}
_MEM_KEYS = (
    "size",
    "r_cost",
    "w_cost",
    "area",
    "latency",
    "mem_type",
    "auto_cost_extraction",
    "operands",
    "ports",
    "served_dimensions",
    "force_double_buffering",
    "min_r_granularity",
    "min_w_granularity",
)
_ARRAY_KEYS = (
    "dimensions",
    "sizes",
    "systolic_dimensions",
    "unit_energy",
    "unit_area",
    "is_imc",
    "imc_type",
    "input_precision",
    "bit_serial_precision",
    "adc_resolution",
)
_LAYER_KEYS = (
    "id",
    "name",
    "operator_type",
    "equation",
    "dimension_relations",
    "loop_dims",
    "loop_sizes",
    "operand_precision",
    "operand_source",
    "pr_loop_dims",
    "pr_loop_sizes",
    "padding",
)
_MAP_KEYS = ("name", "spatial_mapping", "spatial_mapping_hint", "temporal_ordering", "memory_operand_links")
_KINDS = {
    "conv": "conv",
    "conv_downsample": "conv",
    "gemm": "matmul",
    "add": "add",
    "max": "max",
    "pooling": "pool",
    "pool": "pool",
    "maxpool": "pool",
    "averagepool": "pool",
    "globalaveragepool": "pool",
}


@dataclass(frozen=True)
class ZigZagConstraints:
    """A mapping entry that leaves part of the mapping to a search (no complete temporal ordering)."""

    layer: str
    spatial: tuple[tuple[str, tuple[Loop, ...]], ...]
    temporal_ordering: tuple[tuple[str, int | None], ...]  # innermost first; None = "*"
    hints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reason: str = ""


# --- accelerator -------------------------------------------------------------------------------------
def _ports(ports: list[Any], mem_ops: list[str], source: str, where: str) -> tuple[dict[str, Any], list[str]]:
    """Widths, bandwidths and port counts of one memory, and each operand's smallest read and write: the
    ``bandwidth_min`` of the port allocated to its reads (``tl``, ``th``) or writes (``fh``, ``fl``), the
    larger where two ports carry one direction. ZigZag 3.9.1 charges every transfer
    ``ceil(bits / bandwidth_min)`` minimum accesses (``zigzag/cost_model/cost_model.py``,
    ``_calc_memory_access``), so a port with ``bandwidth_min == bandwidth_max`` moves whole words."""
    min_bits: dict[str, dict[str, int]] = {"min_read_bits": {}, "min_write_bits": {}}
    reads: list[int] = []
    writes: list[int] = []
    rw: list[int] = []
    notes: list[str] = []
    for j, p in enumerate(ports):
        w = f"{where}.ports[{j}]"
        p = as_dict(p, source, w)
        check_keys(p, ("name", "type", "bandwidth_min", "bandwidth_max", "allocation"), source, w)
        kind = str(p.get("type", ""))
        if kind not in ("read", "write", "read_write"):
            raise SpecError(source, f"{w}.type", f"expected read, write or read_write (got {kind!r})")
        bmax = positive_int(p.get("bandwidth_max"), source, f"{w}.bandwidth_max")
        bmin = positive_int(p.get("bandwidth_min", bmax), source, f"{w}.bandwidth_min")
        if bmin > bmax:
            raise SpecError(source, f"{w}.bandwidth_min", f"{bmin} exceeds bandwidth_max {bmax}")
        for k, alloc in enumerate(as_list(p.get("allocation"), source, f"{w}.allocation")):
            m = re.fullmatch(r"\s*(I1|I2|O)\s*,\s*(fh|tl|fl|th)\s*", str(alloc))
            if not m:
                raise SpecError(
                    source, f"{w}.allocation[{k}]", f"expected '<I1|I2|O>, <fh|tl|fl|th>' (got {alloc!r})"
                )
            if m.group(1) not in mem_ops:
                raise SpecError(
                    source, f"{w}.allocation[{k}]", f"operand {m.group(1)} is not served by this memory"
                )
            if (kind == "read" and m.group(2) in ("fh", "fl")) or (
                kind == "write" and m.group(2) in ("tl", "th")
            ):
                raise SpecError(source, f"{w}.allocation[{k}]", f"a {kind} port cannot carry {m.group(2)}")
            key = "min_read_bits" if m.group(2) in ("tl", "th") else "min_write_bits"
            min_bits[key][m.group(1)] = max(min_bits[key].get(m.group(1), 1), bmin)
        {"read": reads, "write": writes, "read_write": rw}[kind].append(bmax)
    if not ports:
        raise SpecError(source, f"{where}.ports", "a memory needs at least one port")
    if len(ports) > 1:
        notes.append(f"{where}.ports[].allocation")
    readers, writers = reads + rw, writes + rw
    if not readers or not writers:
        raise SpecError(source, f"{where}.ports", "a memory needs a port that reads and one that writes")
    return {
        "width_bits": max(readers + writers),
        "read_bw_bits": float(max(readers)),
        "write_bw_bits": float(max(writers)),
        "read_ports": len(readers),
        "write_ports": len(writers),
        "shared_ports": bool(rw) and not reads and not writes,
        **min_bits,
    }, notes


def _order(mems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outermost first, keeping each operand's chain in ZigZag's order and widest-shared levels first."""
    listed = list(reversed(mems))  # ZigZag lists innermost first
    placed: list[dict[str, Any]] = []
    remaining = listed[:]
    while remaining:
        ready = []
        for m in remaining:
            ahead = [
                o
                for o in remaining
                if o is not m
                and listed.index(o) < listed.index(m)
                and set(o["operands"]) & set(m["operands"])
            ]
            if not ahead:
                ready.append(m)
        best = max(ready, key=lambda m: (len(m["spans"]), -listed.index(m)))
        placed.append(best)
        remaining.remove(best)
    return placed


def _accelerator(data: Any, source: str, links: dict[str, str]) -> Accelerator:
    """The accelerator of a ZigZag file, per-operand sharing read as it is (each operand's chain nested);
    a file whose memory spans dimensions its operand's memory above does not is read as the smallest
    common hierarchy, with a warning."""
    data = as_dict(data, source, "<root>")
    check_keys(data, ("name", "memories", "operational_array", "dataflows"), source, "")
    ignored: list[str] = []
    if data.get("dataflows"):
        ignored.append("dataflows")
    role_of = {mem: role for role, mem in links.items()}
    arr = as_dict(data.get("operational_array"), source, "operational_array")
    check_keys(arr, _ARRAY_KEYS, source, "operational_array")
    dims = [str(d) for d in as_list(arr.get("dimensions"), source, "operational_array.dimensions")]
    sizes = as_list(arr.get("sizes"), source, "operational_array.sizes")
    if len(dims) != len(sizes):
        raise SpecError(source, "operational_array.sizes", f"{len(sizes)} sizes for {len(dims)} dimensions")
    for d in dims:
        if not re.fullmatch(r"D\d", d):
            raise SpecError(
                source, "operational_array.dimensions", f"dimension names are D1, D2... (got {d!r})"
            )
    axes = {
        d: positive_int(s, source, f"operational_array.sizes[{i}]")
        for i, (d, s) in enumerate(zip(dims, sizes, strict=True))
    }
    if arr.get("systolic_dimensions"):
        ignored.append("operational_array.systolic_dimensions")
    array: dict[str, Any] = {"axes": axes}
    imc_spec = None
    if arr.get("is_imc"):
        imc_spec = _imc_spec(arr, axes, data, source)
        ignored += [f"operational_array.{k}" for k in ("unit_energy", "unit_area") if k in arr]
        if len(axes) == 2:  # the macro count: carbonloop's IMC array has a third axis (ZigZag's D3...)
            axes[_MACRO_AXIS] = 1
        array["mac_pj"] = 0.0  # replaced by the macro model below
    elif "unit_energy" not in arr:
        raise SpecError(source, "operational_array.unit_energy", "missing (pJ per MAC)")
    else:
        array["mac_pj"] = number(arr["unit_energy"], source, "operational_array.unit_energy")
        array["mac_area_mm2"] = number(arr.get("unit_area", 0.0), source, "operational_array.unit_area")
    mems_in = as_dict(data.get("memories"), source, "memories")
    if not mems_in:
        raise SpecError(source, "memories", "no memories")
    mems: list[dict[str, Any]] = []
    modelled = []
    for name, m in mems_in.items():
        w = f"memories.{name}"
        m = as_dict(m, source, w)
        check_keys(m, _MEM_KEYS, source, w)
        ops = [str(o) for o in as_list(m.get("operands"), source, f"{w}.operands")]
        if not ops:
            raise SpecError(source, f"{w}.operands", "a memory serves at least one operand")
        for o in ops:
            if o not in role_of:
                raise SpecError(
                    source,
                    f"{w}.operands",
                    f"memory operand {o!r} has no layer operand in memory_operand_links {links}",
                )
        ports, notes = _ports(as_list(m.get("ports"), source, f"{w}.ports"), ops, source, w)
        ignored += notes
        spans = [str(d) for d in as_list(m.get("served_dimensions"), source, f"{w}.served_dimensions")]
        for d in spans:
            if d not in axes:
                raise SpecError(
                    source, f"{w}.served_dimensions", f"{d!r} is not an operational-array dimension {dims}"
                )
        if "latency" in m and bounded_int(m["latency"], source, f"{w}.latency", low=0, high=10**6) != 1:
            ignored.append(f"{w}.latency")
        for key, out in (("min_r_granularity", "min_read_bits"), ("min_w_granularity", "min_write_bits")):
            # ZigZag 3.x before the ports' bandwidth_min (KULeuven-MICAS/zigzag @ 404fe49,
            # zigzag/hardware/architecture/MemoryInstance.py: r_bw_min = min_r_granularity, else r_bw): the
            # memory's smallest access for every operand; the coarser of it and a port's bandwidth_min holds
            if key in m:
                bits = positive_int(m[key], source, f"{w}.{key}")
                ports[out] = {o: max(ports[out].get(o, 1), bits) for o in ops}
        for key in ("min_read_bits", "min_write_bits"):  # ZigZag's memory operands -> carbonloop's roles
            ports[key] = {role_of[o]: bits for o, bits in ports[key].items() if bits > 1}
        spec: dict[str, Any] = {
            "name": str(name),
            "size_bits": positive_int(m.get("size"), source, f"{w}.size"),
            **ports,
            "operands": [role_of[o] for o in ops],
            "spans": spans,
            "double_buffered": bool(m.get("force_double_buffering", False)),
        }
        if m.get("auto_cost_extraction"):
            kind = str(m.get("mem_type", "sram")).lower()
            spec["model"] = (
                "dram" if "dram" in kind else ("regfile" if kind in ("rf", "regfile", "register") else "sram")
            )
            modelled.append(f"{name} ({spec['model']})")
            for key, out in (("r_cost", "read_pj"), ("w_cost", "write_pj"), ("area", "area_mm2")):
                if key in m:
                    spec[out] = number(m[key], source, f"{w}.{key}")
        else:
            for key in ("r_cost", "w_cost", "area"):
                if key not in m:
                    raise SpecError(source, f"{w}.{key}", "missing (or set auto_cost_extraction: true)")
            spec["read_pj"] = number(m["r_cost"], source, f"{w}.r_cost")
            spec["write_pj"] = spec["update_pj"] = number(m["w_cost"], source, f"{w}.w_cost")
            spec["area_mm2"] = number(m["area"], source, f"{w}.area")
        mems.append(spec)
    if modelled:
        warn(
            source,
            f"auto_cost_extraction: costs from carbonloop's models (not CACTI) for {', '.join(modelled)}",
        )
    warn_ignored(
        source,
        ignored,
        "not modelled by carbonloop; ports are shared by all operands, words are bandwidth_max wide",
    )
    ordered = _order(mems)
    exact = nested_per_operand(ordered)
    narrowed = widen_outermost(ordered, list(axes)) if exact else common_hierarchy_spans(ordered, list(axes))
    if narrowed and exact:
        warn(source, "the outermost memory is taken as shared across the whole array: " + "; ".join(narrowed))
    elif narrowed:
        warn(
            source,
            "per-operand memory hierarchy approximated by the smallest common hierarchy (a memory spans "
            "dimensions its operand's memory above does not): " + "; ".join(narrowed),
        )
    acc = accelerator_from_dict(
        {"name": str(data.get("name", "zigzag")), "array": array, "memories": ordered}, source
    )
    if imc_spec is None:
        return acc
    macro = imc_array(imc_spec)
    return dataclasses.replace(
        acc,
        array=dataclasses.replace(macro, axes=tuple(sorted(axes.items()))),
        clock_ns=imc_macro_cost(imc_spec).clock_ns,
    )


_MACRO_AXIS = "D3"
"""The macro-count axis added (size 1) to a two-dimensional ZigZag IMC array."""


def _imc_spec(arr: dict[str, Any], axes: dict[str, int], data: dict[str, Any], source: str) -> ImcMacroSpec:
    """ZigZag's IMC operational array as carbonloop's macro model (costs/imc.py) sees it.

    ZigZag (zigzag/hardware/architecture/imc_unit.py, 3.9.1) takes the first array dimension (sorted) as the
    wordline (output channels: our ``cols``), the second as the bitline (summed inputs: ``rows``) and the
    product of the others as the macro count; weights per cell group = ``cells.size`` / weight bits; its
    technology is 28 nm. Energy per pass, area and clock then come from carbonloop's macro model, which follows
    the same zigzag-imc formulas (docs/validation-zigzag.md compares the clocks and areas)."""
    where = "operational_array"
    prec = as_list(arr.get("input_precision"), source, f"{where}.input_precision")
    if len(prec) != 2:
        raise SpecError(source, f"{where}.input_precision", "expected [activation bits, weight bits]")
    a_bits = positive_int(prec[0], source, f"{where}.input_precision[0]", high=MAX_PRECISION_BITS)
    w_bits = positive_int(prec[1], source, f"{where}.input_precision[1]", high=MAX_PRECISION_BITS)
    serial = positive_int(
        arr.get("bit_serial_precision", a_bits), source, f"{where}.bit_serial_precision", high=a_bits
    )
    kind = str(arr.get("imc_type", "")).lower()
    if kind not in ("analog", "digital"):
        raise SpecError(source, f"{where}.imc_type", f"expected analog or digital (got {kind!r})")
    adc = None
    if kind == "analog":
        adc = positive_int(arr.get("adc_resolution"), source, f"{where}.adc_resolution", high=32)
    names = sorted(axes)
    if len(names) not in (2, 3):
        raise SpecError(
            source,
            f"{where}.dimensions",
            f"carbonloop's IMC array has a wordline, a bitline and a macro dimension (got {len(names)})",
        )
    mems = as_dict(data.get("memories"), source, "memories")
    cells = as_dict(mems.get("cells"), source, "memories.cells")
    cell_bits = positive_int(cells.get("size"), source, "memories.cells.size")
    if cell_bits % w_bits:
        raise SpecError(
            source, "memories.cells.size", f"{cell_bits} is not a multiple of the weight bits {w_bits}"
        )
    return ImcMacroSpec(
        kind="aimc" if kind == "analog" else "dimc",
        rows=axes[names[1]],
        cols=axes[names[0]],
        input_bits=a_bits,
        weight_bits=w_bits,
        input_bits_per_cycle=serial,
        group_depth=cell_bits // w_bits,
        macros=axes[names[2]] if len(names) == 3 else 1,
        adc_bits=adc,
        node_nm=28,
    )


def nested_per_operand(ordered: list[dict[str, Any]]) -> bool:
    """Whether, along each operand's chain (outermost first), every memory spans a subset of the
    dimensions of the operand's memory above it (the outermost excepted: it is widened to the whole array):
    carbonloop then reads the per-operand hierarchy as it is (docs/model.md, "Per-operand memories")."""
    for role in ("W", "I", "O"):
        chain = [m for m in ordered[1:] if role in m["operands"]]
        for outer, inner in zip(chain, chain[1:], strict=False):
            if not set(inner["spans"]) <= set(outer["spans"]):
                return False
    return True


def widen_outermost(ordered: list[dict[str, Any]], every_axis: list[str]) -> list[str]:
    """One outermost memory serves the whole array (ascend_like's DRAM spans D1, D2 of D1-D3): its spans
    become ``every_axis``. Returns the note, as :func:`common_hierarchy_spans` does."""
    top = ordered[0]
    if set(top["spans"]) == set(every_axis):
        return []
    note = f"{top['name']} (outermost) {list(top['spans'])} -> {list(every_axis)}"
    top["spans"] = list(every_axis)
    return [note]


def common_hierarchy_spans(ordered: list[dict[str, Any]], every_axis: list[str]) -> list[str]:
    """Narrow each level's ``spans`` (outermost first) to what the levels above it share too.

    ZigZag gives each operand its own chain, so a register of one operand may be shared across D3 while the
    level above it in carbonloop's single chain (another operand's) is shared across D2 only. The smallest
    common hierarchy keeps, for every level, the dimensions shared by it and by every level above it: a
    narrowed level gets one private copy per position along the dimensions it loses, each filled by a
    multicast read of its parent (the parent's reads are unchanged; the level's own fills and area grow).
    The outermost level is taken as one instance shared across ``every_axis``.
    Returns one note per narrowed level, ``"name [D3, D4] -> []"``; ``ordered`` is changed in place."""
    notes: list[str] = []
    top = ordered[0]
    if set(top["spans"]) != set(every_axis):  # one DRAM serves the whole array (ascend_like's spans D1, D2)
        notes.append(f"{top['name']} (outermost) {list(top['spans'])} -> {list(every_axis)}")
        top["spans"] = list(every_axis)
    allowed: set[str] | None = None
    for spec in ordered:
        spans = [d for d in spec["spans"] if allowed is None or d in allowed]
        if spans != list(spec["spans"]):
            notes.append(f"{spec['name']} {list(spec['spans'])} -> {spans}")
        spec["spans"] = spans
        allowed = set(spans)
    return notes


# --- workload ----------------------------------------------------------------------------------------
_TENSOR = re.compile(r"([A-Za-z_]\w*)((?:\[[^\]]*\])+)")


def _layer(spec: dict[str, Any], source: str, where: str, by_id: dict[int, str]) -> tuple[Layer, list[Edge]]:
    check_keys(spec, _LAYER_KEYS, source, where)
    lid = spec.get("id")
    if not isinstance(lid, int) or isinstance(lid, bool):
        raise SpecError(source, f"{where}.id", f"expected an integer id (got {lid!r})")
    name = str(spec.get("name") or f"layer{lid}")
    dims = [str(d) for d in as_list(spec.get("loop_dims"), source, f"{where}.loop_dims")]
    sizes = as_list(spec.get("loop_sizes"), source, f"{where}.loop_sizes")
    if len(dims) != len(sizes) or not dims:
        raise SpecError(source, f"{where}.loop_sizes", f"{len(sizes)} sizes for loop_dims {dims}")
    dim_sizes = {
        d: positive_int(s, source, f"{where}.loop_sizes[{i}]")
        for i, (d, s) in enumerate(zip(dims, sizes, strict=True))
    }
    upper = {d.upper(): d for d in dims}
    relations: dict[str, Axis] = {}
    for i, rel in enumerate(as_list(spec.get("dimension_relations"), source, f"{where}.dimension_relations")):
        lhs, eq, rhs = str(rel).partition("=")
        if not eq:
            raise SpecError(
                source, f"{where}.dimension_relations[{i}]", f"expected 'ix=2*ox+1*fx' (got {rel!r})"
            )
        text = re.sub(r"[A-Za-z_]\w*", lambda m: upper.get(m.group(0).upper(), m.group(0)), rhs)
        axis = parse_axis(text, source=source, where=f"{where}.dimension_relations[{i}]")
        for d, _ in axis:
            if d not in dim_sizes:
                raise SpecError(
                    source, f"{where}.dimension_relations[{i}]", f"{d!r} is not a loop dimension {dims}"
                )
        relations[lhs.strip().upper()] = axis
    eq_text = str(spec.get("equation", "")).replace(" ", "")
    lhs, sep, rhs = eq_text.partition("=")
    lhs = lhs.rstrip("+")
    tensors = [(m.group(1), m.group(2)) for m in _TENSOR.finditer(lhs)] + [
        (m.group(1), m.group(2)) for m in _TENSOR.finditer(rhs)
    ]
    if not sep or not tensors or tensors[0][0] != "O":
        raise SpecError(source, f"{where}.equation", f"expected e.g. O[k][c]+=W[k][c]*I[c] (got {eq_text!r})")
    prec = as_dict(spec.get("operand_precision"), source, f"{where}.operand_precision")
    check_keys(prec, ("W", "I", "O", "O_final"), source, f"{where}.operand_precision")
    src = as_dict(spec.get("operand_source"), source, f"{where}.operand_source")
    check_keys(src, ("W", "I"), source, f"{where}.operand_source")
    ops: list[Operand] = []
    edges: list[Edge] = []
    notes: list[str] = []
    for tname, idx in tensors:
        if tname not in ("O", "W", "I"):
            raise SpecError(source, f"{where}.equation", f"operands are O, W and I (got {tname!r})")
        if any(o.name == tname for o in ops):
            raise SpecError(source, f"{where}.equation", f"operand {tname} appears twice")
        axes: list[tuple[tuple[str, int], ...]] = []
        for index in re.findall(r"\[([^\]]*)\]", idx):
            key = index.strip().upper()
            if not key:
                continue
            if key in upper:
                axes.append(((upper[key], 1),))
            elif key in relations:
                axes.append(relations[key])
            else:
                raise SpecError(
                    source,
                    f"{where}.equation",
                    f"index {index!r} is neither a loop dimension nor defined by dimension_relations",
                )
        if tname not in prec:
            raise SpecError(source, f"{where}.operand_precision.{tname}", "missing")
        bits = bounded_int(
            prec[tname], source, f"{where}.operand_precision.{tname}", low=0, high=MAX_PRECISION_BITS
        )
        if tname == "W" and bits == 0:  # pooling: no weights
            notes.append(f"{where}.operand_precision.W (0 bits: no weight operand)")
            continue
        bits = positive_int(bits, source, f"{where}.operand_precision.{tname}")
        constant = False
        if tname in ("W", "I"):
            producer = src.get(tname, lid)
            if not isinstance(producer, int) or isinstance(producer, bool):
                raise SpecError(
                    source, f"{where}.operand_source.{tname}", f"expected a layer id (got {producer!r})"
                )
            if producer == lid:
                constant = tname == "W"
            elif producer in by_id:
                edges.append(Edge(by_id[producer], name, tname))
            else:
                raise SpecError(
                    source, f"{where}.operand_source.{tname}", f"no earlier layer with id {producer!r}"
                )
        if tname == "O":
            final = positive_int(prec.get("O_final", bits), source, f"{where}.operand_precision.O_final")
            ops.append(Operand("O", "O", tuple(axes), final, bits, False))
        else:
            ops.append(Operand(tname, tname, tuple(axes), bits, None, constant))  # type: ignore[arg-type]
    notes += [f"{where}.{k}" for k in ("padding", "pr_loop_dims", "pr_loop_sizes") if k in spec]
    warn_ignored(source, notes, "padding and partially-relevant sizes do not change carbonloop's counts")
    kind = _KINDS.get(str(spec.get("operator_type", "")).lower(), "custom")
    order = {"O": 0, "W": 1, "I": 2}
    ops.sort(key=lambda o: order[o.name])
    try:
        layer = Layer(
            name,
            tuple(dim_sizes.items()),
            tuple(ops),
            kind,
            {"zigzag_id": lid, "operator_type": spec.get("operator_type")},
        )
    except SpecError as err:
        raise SpecError(source, where, err.message) from None
    return layer, edges


def _network(data: Any, source: str) -> Network:
    layers_in = as_list(data, source, "<root>")
    if not layers_in:
        raise SpecError(source, "<root>", "expected a list of layers")
    if len(layers_in) > MAX_LAYERS:
        raise SpecError(source, "<root>", f"{len(layers_in)} layers: more than the limit of {MAX_LAYERS}")
    by_id: dict[int, str] = {}
    layers, edges = [], []
    for i, spec in enumerate(layers_in):
        layer, e = _layer(as_dict(spec, source, f"[{i}]"), source, f"[{i}]", by_id)
        by_id[int(layer.info["zigzag_id"])] = layer.name  # type: ignore[call-overload]
        layers.append(layer)
        edges += e
    name = source.rsplit("/", 1)[-1].rsplit(".", 1)[0] if not source.startswith("<") else "zigzag"
    try:
        return Network(name, tuple(layers), tuple(edges))
    except SpecError as err:
        raise err.located(source) from None


_ONNX_OPERATOR_TYPES = {"conv": "Conv", "fc": "Gemm", "matmul": "MatMul"}
"""carbonloop's layer kinds that ZigZag's ONNX parser (zigzag/parser/onnx, 3.9.1) turns into layers, with the
operator type a mapping entry is matched against; every other node is a DummyNode there, not costed."""


def is_onnx_file(value: Any) -> bool:
    """Whether ``value`` names an ONNX file: by extension, else by content (a protobuf, not UTF-8 text)."""
    if not isinstance(value, str | Path):
        return False
    path = Path(value)
    if path.suffix.lower() == ".onnx":
        return True
    if path.suffix.lower() in (".yaml", ".yml") or not path.is_file():
        return False
    with path.open("rb") as f:
        head = f.read(4096)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\x00" in head


def onnx_network(path: str | Path) -> Network:
    """An ONNX workload read as ZigZag reads it: carbonloop's ONNX reader, keeping the Conv, Gemm and MatMul
    layers (ZigZag's parser makes every other node a DummyNode, not costed; a warning lists them), each
    tagged with ZigZag's operator type for the mapping lookup. Precision: 8-bit weights and activations and
    16-bit partial sums, ZigZag's ONNX default (float tensors are 8-bit in carbonloop's reader too)."""
    source = str(path)
    require("onnx", source=source, field="workload")
    from carbonloop.workload.onnx import load_onnx

    network, _summary = load_onnx(path)
    kept = [
        dataclasses.replace(layer, info={**layer.info, "operator_type": _ONNX_OPERATOR_TYPES[layer.kind]})
        for layer in network.layers
        if layer.kind in _ONNX_OPERATOR_TYPES
    ]
    dropped = Counter(layer.kind for layer in network.layers if layer.kind not in _ONNX_OPERATOR_TYPES)
    if not kept:
        raise SpecError(source, "graph.node", "no Conv, Gemm or MatMul node: ZigZag costs nothing else")
    if dropped:
        listed = ", ".join(f"{n} {kind}" for kind, n in sorted(dropped.items()))
        warn(source, f"not costed, as ZigZag's ONNX parser makes them DummyNodes: {listed} layers")
    names = {layer.name for layer in kept}
    edges = tuple(e for e in network.edges if e.producer in names and e.consumer in names)
    return Network(network.name, tuple(kept), edges)


# --- mapping -----------------------------------------------------------------------------------------
def _entries(data: Any, source: str) -> dict[str, tuple[dict[str, Any], str]]:
    out = {}
    for i, e in enumerate(as_list(data, source, "<root>")):
        w = f"[{i}]"
        e = as_dict(e, source, w)
        check_keys(e, _MAP_KEYS, source, w)
        if "name" not in e:
            raise SpecError(
                source, f"{w}.name", "every mapping entry needs a name (layer name, operator type or default)"
            )
        out[str(e["name"])] = (e, w)
    return out


def _links(entries: dict[str, tuple[dict[str, Any], str]], source: str) -> dict[str, str]:
    found = None
    for e, w in entries.values():
        links = {
            str(k): str(v)
            for k, v in as_dict(e.get("memory_operand_links"), source, f"{w}.memory_operand_links").items()
        }
        links = links or dict(DEFAULT_LINKS)
        for k, v in links.items():
            if k not in ("O", "W", "I") or v not in ("O", "I1", "I2"):
                raise SpecError(
                    source,
                    f"{w}.memory_operand_links",
                    f"expected links such as {DEFAULT_LINKS} (got {k}: {v})",
                )
        if found is not None and links != found:
            raise SpecError(
                source,
                f"{w}.memory_operand_links",
                f"{links} differs from {found}: one accelerator "
                "serves every layer, so carbonloop needs the same links in every entry",
            )
        found = links
    return found or dict(DEFAULT_LINKS)


def _fits(
    layer: Layer, acc: Accelerator, x: int, t_ext: dict[str, int], sp_ext: dict[str, dict[str, int]]
) -> bool:
    """Whether every level at or above ``x`` still holds its tile with ``t_ext``: the temporal loops at
    levels >= it and the spatial loops over the array axes it spans (``sp_ext``: per axis, per dim)."""
    for j in range(x, -1, -1):
        m = acc.memories[j]
        if m.size_bits is None:
            continue
        ext = {d: t_ext[d] * math.prod(sp_ext[a][d] for a in m.spans if a in sp_ext) for d in t_ext}
        need = sum(layer.footprint(o, ext) * o.psum_bits for o in layer.operands if o.role in m.operands)
        if need > m.size_bits / (2 if m.double_buffered else 1):
            return False
    return True


def _allocate(
    layer: Layer,
    acc: Accelerator,
    spatial: dict[int, list[tuple[str, tuple[Loop, ...]]]],
    ordering: list[Loop],
) -> list[list[Loop]]:
    """Temporal loops per level (outermost first within a level) from an innermost-first ordering: each loop
    goes to the innermost level whose tile (and the tiles above it) still fit, split by its largest fitting
    divisor when the whole loop does not fit."""
    L = len(acc.memories)
    per_level: list[list[Loop]] = [[] for _ in range(L)]
    sp_ext: dict[str, dict[str, int]] = {}
    for lst in spatial.values():
        for axis, loops in lst:
            for lp in loops:
                per_dim = sp_ext.setdefault(axis, dict.fromkeys(layer.dim_names, 1))
                per_dim[lp.dim] *= lp.factor
    ext = dict.fromkeys(layer.dim_names, 1)
    x = L - 1
    for loop in ordering:
        f = loop.factor
        while f > 1:
            if x == 0 or _fits(layer, acc, x, {**ext, loop.dim: ext[loop.dim] * f}, sp_ext):
                per_level[x].append(Loop(loop.dim, f))
                ext[loop.dim] *= f
                break
            part = max(
                (
                    d
                    for d in range(2, f)
                    if f % d == 0 and _fits(layer, acc, x, {**ext, loop.dim: ext[loop.dim] * d}, sp_ext)
                ),
                default=1,
            )
            if part > 1:
                per_level[x].append(Loop(loop.dim, part))
                ext[loop.dim] *= part
                f //= part
            x -= 1
    return [list(reversed(loops)) for loops in per_level]


def _layer_mapping(
    layer: Layer, acc: Accelerator, entry: dict[str, Any], source: str, where: str
) -> Mapping | ZigZagConstraints:
    sizes = layer.sizes
    axes = dict(acc.array.axes)
    spatial_by_axis: list[tuple[str, tuple[Loop, ...]]] = []
    unrolled = dict.fromkeys(sizes, 1)
    for axis, items in as_dict(entry.get("spatial_mapping"), source, f"{where}.spatial_mapping").items():
        w = f"{where}.spatial_mapping.{axis}"
        if axis not in axes:
            raise SpecError(source, w, f"unknown operational-array dimension (dimensions: {list(axes)})")
        loops = []
        for k, item in enumerate(as_list(items, source, w)):
            if not isinstance(item, str):
                raise SpecError(
                    source,
                    f"{w}[{k}]",
                    f'write the unrolling as a string such as "K, 16" (got {item!r}; '
                    "ZigZag rejects a YAML list here)",
                )
            m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*,\s*(\d+)\s*", item)
            if not m:
                raise SpecError(source, f"{w}[{k}]", f'expected "DIM, factor" (got {item!r})')
            d, f = m.group(1), int(m.group(2))
            if f < 1:
                raise SpecError(source, f"{w}[{k}]", f"the factor must be at least 1 (got {item!r})")
            if d not in sizes:
                if f > 1:  # ZigZag drops it too (SpatialMapping.check_and_reduce), with a warning
                    warn(source, f"{w}[{k}]: {d} is not a dimension of {layer.name} {list(sizes)}; dropped")
                continue  # "C, 1" on a pooling layer: a no-op
            limit = min(sizes[d], axes[axis]) if len(items) == 1 else sizes[d]
            if f > limit:
                warn(
                    source,
                    f"{w}[{k}]: {d}, {f} exceeds the layer or the array; clipped to {limit} (as ZigZag does)",
                )
                f = limit
            if f > 1:
                loops.append(Loop(d, f))
                unrolled[d] *= f
        if math.prod(lp.factor for lp in loops) > axes[axis]:
            raise SpecError(source, w, f"unrolls {math.prod(lp.factor for lp in loops)} on {axes[axis]} PEs")
        spatial_by_axis.append((axis, tuple(loops)))  # an axis named but left empty stays unused
    hints = {
        str(a): tuple(str(d) for d in as_list(v, source, f"{where}.spatial_mapping_hint.{a}"))
        for a, v in as_dict(
            entry.get("spatial_mapping_hint"), source, f"{where}.spatial_mapping_hint"
        ).items()
    }
    remaining = {d: math.ceil(sizes[d] / unrolled[d]) for d in sizes}
    ordering: list[Loop] = []
    raw: list[tuple[str, int | None]] = []
    imperfect = any(sizes[d] % unrolled[d] for d in sizes)
    for k, item in enumerate(as_list(entry.get("temporal_ordering"), source, f"{where}.temporal_ordering")):
        w = f"{where}.temporal_ordering[{k}]"
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise SpecError(source, w, f"expected [DIM, size or '*'] (got {item!r})")
        d, f = str(item[0]), item[1]
        if d not in sizes:  # ZigZag drops it (TemporalOrdering.remove_invalid_layer_dims), with a warning
            warn(source, f"{w}: {d} is not a dimension of {layer.name} {list(sizes)}; dropped")
            continue
        f = remaining[d] if f == "*" else positive_int(f, source, w)
        if f > remaining[d]:
            warn(
                source,
                f"{w}: {d}, {f} exceeds what is left of {d} ({remaining[d]}); clipped (as ZigZag does)",
            )
            f = remaining[d]
        raw.append((d, None if item[1] == "*" else f))
        if remaining[d] % f:
            imperfect = True
        remaining[d] = math.ceil(remaining[d] / f)
        if f > 1:
            ordering.append(Loop(d, f))
    spatial_t = tuple(spatial_by_axis)
    left = {d: r for d, r in remaining.items() if r > 1}
    if left:
        reason = "no temporal_ordering" if not raw else f"temporal_ordering leaves {left} to the search"
        return ZigZagConstraints(layer.name, spatial_t, tuple(raw), hints, reason)
    unused_hints = [a for a in hints if a not in dict(spatial_by_axis)]
    if unused_hints:
        warn(
            source,
            f"{where}.spatial_mapping_hint: a complete temporal_ordering fixes the mapping; array dimensions "
            f"{unused_hints} stay unused (give them in spatial_mapping)",
        )
    by_level: dict[int, list[tuple[str, tuple[Loop, ...]]]] = {}
    for axis, axis_loops in spatial_by_axis:
        if axis_loops:
            by_level.setdefault(acc.fanout_level(axis), []).append((axis, axis_loops))
    temporal = _allocate(layer, acc, by_level, ordering)
    levels = tuple(
        LevelMapping(m.name, tuple(temporal[i]), tuple(by_level.get(i, ())))
        for i, m in enumerate(acc.memories)
    )
    return Mapping(levels, imperfect, source)


# --- public API --------------------------------------------------------------------------------------
def load_zigzag(
    *, accelerator: Any, workload: Any, mapping: Any = None
) -> tuple[Network, Accelerator, dict[str, Mapping | ZigZagConstraints]]:
    """Read ZigZag 3.x accelerator, workload and (optionally) mapping YAML (paths or parsed data).

    Returns the network, the accelerator and per layer a :class:`Mapping` (complete temporal ordering) or
    the :class:`ZigZagConstraints` a search would start from. Ignored fields are listed in an
    InteropWarning; unknown fields and unsupported constructs raise a SpecError.
    """
    entries: dict[str, tuple[dict[str, Any], str]] = {}
    map_src = "<mapping>"
    if mapping is not None:
        map_data, map_src = read_input(mapping, "mapping")
        entries = _entries(map_data, map_src)
    acc_data, acc_src = read_input(accelerator, "accelerator")
    links = _links(entries, map_src)
    if is_onnx_file(workload):
        net = onnx_network(workload)
    else:
        wl_data, wl_src = read_input(workload, "workload")
        net = _network(wl_data, wl_src)
    # Read as it is, per-operand sharing included: the mapper searches per-operand hierarchies exactly
    # (docs/mapper.md, "Per-operand memories"), so a layer left to it needs no approximation either.
    acc = _accelerator(acc_data, acc_src, links)
    if mapping is None:  # the mapper searches every layer
        return net, acc, {}
    return net, acc, _layer_mappings(net, acc, entries, map_src)


def _layer_mappings(
    net: Network, acc: Accelerator, entries: dict[str, tuple[dict[str, Any], str]], map_src: str
) -> dict[str, Mapping | ZigZagConstraints]:
    """Each layer's entry: the one named as the layer, else as its operator type, else ``default``."""
    out: dict[str, Mapping | ZigZagConstraints] = {}
    for layer in net.layers:
        key = next(
            (k for k in (layer.name, str(layer.info.get("operator_type")), "default") if k in entries), None
        )
        if key is None:
            raise SpecError(
                map_src,
                "<root>",
                f"no entry for layer {layer.name!r} (name it, its operator type, or add a 'default' entry)",
            )
        entry, where = entries[key]
        out[layer.name] = _layer_mapping(layer, acc, entry, map_src, where)
    return out


def mapping_to_zigzag(mapping: Mapping, layer: Layer, acc: Accelerator) -> str:
    """A ZigZag mapping entry for ``mapping``: spatial_mapping per D-dimension and the temporal_ordering
    innermost first (ZigZag allocates it to its memories itself)."""
    res = resolve(mapping, layer, acc)
    axis_names = list(acc.array.axis_names)
    rename = {a: a if re.fullmatch(r"D\d", a) else f"D{i + 1}" for i, a in enumerate(axis_names)}
    if len(set(rename.values())) != len(rename) or len(axis_names) > 4:
        raise SpecError(mapping.source, "spatial", f"cannot name array axes {axis_names} as ZigZag's D1..D4")
    spatial: dict[str, list[str]] = {}
    for lm in res.mapping.levels:
        for axis, loops in lm.spatial:
            spatial.setdefault(rename[axis], []).extend(f"{lp.dim}, {lp.factor}" for lp in loops)
    ordering = [[lp.dim, lp.factor] for lm in reversed(res.mapping.levels) for lp in reversed(lm.temporal)]
    roles = {o.role for o in layer.operands}
    links = {k: v for k, v in DEFAULT_LINKS.items() if k in roles}
    entry: dict[str, Any] = {"name": layer.name}
    if spatial:
        entry["spatial_mapping"] = spatial
    entry["temporal_ordering"] = ordering
    entry["memory_operand_links"] = links
    default = copy.deepcopy({**entry, "name": "default"})
    renamed = [f"{a} -> {b}" for a, b in rename.items() if a != b]
    head = (
        f"# ZigZag mapping written by carbonloop export-mapping: layer {layer.name}, accelerator {acc.name}.\n"
        "# temporal_ordering is innermost first; ZigZag allocates the loops to its memories itself.\n"
        + (f"# array axes renamed: {', '.join(renamed)}\n" if renamed else "")
    )
    return head + dump_yaml([entry, default])
