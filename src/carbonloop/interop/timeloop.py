"""Timeloop v0.4 inputs: architecture, problem, mapping and energy reference table (docs/interop.md).

- **Architecture** (``architecture: {version: 0.4, nodes: [...]}``): ``!Container`` and ``!Component``
  nodes listed outermost first. A storage component (DRAM, SRAM, regfile, smartbuffer...) becomes a memory
  level named as in the file; the compute component (intmac...) becomes the array. ``spatial: {meshX,
  meshY}`` on a node fans out everything from that node on: the fan-out below storage level ``L`` becomes
  the array axes ``L_X`` and ``L_Y``, spanned by ``L`` and every level above it.
- **Problem**: dimensions, data spaces whose projections become affine axes (``[[P], [R]]`` -> ``P + R``,
  ``[R, Wdilation]`` -> ``Wdilation*R``), the read-write data space is the output; instance sizes.
- **Mapping**: per target a temporal, spatial (``split``: the first ``split`` dimensions of the
  permutation on X, the others on Y) or bypass (``datatype``) directive; permutations are innermost first.
- **ERT**: per component the energy of ``read``, ``write``, ``update`` and of the compute action. Without
  an ERT the energies come from carbonloop's cost models (a warning says so).

Names are kept: levels and operands carry the names of the Timeloop files (``MainMemory``, ``Weights``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.yaml import accelerator_from_dict
from carbonloop.interop.common import (
    TAG_KEY,
    as_dict,
    as_list,
    check_keys,
    number,
    positive_int,
    read_input,
    warn,
    warn_ignored,
)
from carbonloop.model.conventions import TIMELOOP, Conventions, get_conventions
from carbonloop.model.mapping import LevelMapping, Loop, Mapping, resolve
from carbonloop.specio import dump_yaml
from carbonloop.workload.layer import Axis, Layer, Operand, parse_axis

_STORAGE_CLASSES = ("dram", "sram", "regfile", "smartbuffer", "storage", "buffet", "reg", "memory", "cache")
_COMPUTE_CLASSES = ("intmac", "fpmac", "mac", "compute", "lmac", "multiplier")
_COMPUTE_ACTIONS = ("compute", "mac_random", "multiply_accumulate", "mac", "mac_reused")
_NODE_KEYS = (
    "name",
    "class",
    "subclass",
    "attributes",
    "spatial",
    "constraints",
    "required_actions",
    "enabled",
    "area_share",
    "energy_scale",
    "power_gated_at",
    "nodes",
    "description",
)
_NODE_IGNORED = (
    "subclass",
    "constraints",
    "required_actions",
    "area_share",
    "energy_scale",
    "power_gated_at",
)
_STORAGE_ATTRS = (
    "depth",
    "width",
    "datawidth",
    "block_size",
    "read_bandwidth",
    "write_bandwidth",
    "n_rd_ports",
    "n_wr_ports",
    "n_rdwr_ports",
    "multiple_buffering",
    "technology",
    "global_cycle_seconds",
    "type",
    "meshX",
    "meshY",
    "entries",
    "word-bits",
    "block-size",
)
_COMPUTE_ATTRS = (
    "datawidth",
    "multiplier_width",
    "adder_width",
    "technology",
    "global_cycle_seconds",
    "meshX",
    "meshY",
    "word-bits",
)
_CONTAINER_ATTRS = ("technology", "global_cycle_seconds", "meshX", "meshY")


@dataclass(frozen=True)
class TimeloopNames:
    """What a Timeloop report needs besides the counts: the names and shapes of the Timeloop files."""

    levels: tuple[str, ...]  # storage levels, outermost first (as in the architecture file)
    compute: str  # the compute component
    dataspaces: tuple[tuple[str, str], ...]  # (data space name, carbonloop role) in problem order
    datawidth: tuple[int, ...]  # bits per element, per level
    fanouts: tuple[tuple[str, tuple[str, ...]], ...]  # level -> its array axes (X first, then Y)
    spatial_targets: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    """(mapping target, storage level, array axes): a container, its ``inter_<name>_spatial`` level (the
    names Timeloop's mapper writes) or a component with its own ``spatial``, and the fan-out it names."""


# --- architecture ------------------------------------------------------------------------------------
@dataclass
class _Storage:
    name: str
    cls: str
    attrs: dict[str, Any]
    where: str
    axes: list[tuple[str, int]]  # fan-out below this level
    keep: tuple[str, ...] | None = None  # data spaces an architecture constraint keeps (!Parallel)
    fanout_names: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # container -> its axes


_INDEX = re.compile(r"\[\s*(\d+)\s*\.\.\s*(\d+)\s*\]")


def _bare(name: str) -> tuple[str, int]:
    """``PE[0..15]`` -> ('PE', 16); a name without a range -> (name, 1)."""
    m = _INDEX.search(name)
    count = int(m.group(2)) - int(m.group(1)) + 1 if m else 1
    return _INDEX.sub("", name).strip(), max(count, 1)


def _flatten(nodes: list[Any], source: str, where: str) -> list[tuple[dict[str, Any], str]]:
    """v0.4 nodes in order; the components of a ``!Parallel`` node become consecutive levels (as
    Timeloop flattens them: listed order, outermost first), each keeping its own data spaces."""
    out: list[tuple[dict[str, Any], str]] = []
    for i, node in enumerate(nodes):
        w = f"{where}[{i}]"
        if not isinstance(node, dict):
            raise SpecError(source, w, f"expected a node (got {node!r})")
        tag = node.get(TAG_KEY)
        if tag in ("!Hierarchical", "!Parallel"):
            inner = _flatten(as_list(node.get("nodes"), source, f"{w}.nodes"), source, f"{w}.nodes")
            if tag == "!Parallel":
                for child, cw in inner:
                    if child.get(TAG_KEY) == "!Container":
                        raise SpecError(source, cw, "a !Container inside a !Parallel node is not supported")
                inner = [({**child, "_parallel": True}, cw) for child, cw in inner]
            out.extend(inner)
        elif tag == "!Nothing":
            continue
        elif tag in ("!Container", "!Component", None):
            out.append((node, w))
        else:
            raise SpecError(
                source, w, f"unknown node tag {tag} (known: !Container, !Component, !Hierarchical, !Parallel)"
            )
    return out


def _from_v03(arch: dict[str, Any], source: str, prefix: str) -> list[tuple[dict[str, Any], str]]:
    """Timeloop v0.3 ``subtree``/``local`` trees as the v0.4 node list the reader walks.

    A name's ``[a..b]`` range is its number of instances (multiplied through the subtrees); where the
    instance count or ``meshX`` grows from one component to the next, a container with that fan-out is
    inserted, named after Timeloop's ``inter_*_spatial`` dummy level when there is one."""
    comps: list[tuple[dict[str, Any], str, int, int, str]] = []  # node, where, meshX, meshY, group

    def walk(node: dict[str, Any], w: str, mult: int, inherited: dict[str, Any], group: str = "") -> None:
        check_keys(node, ("name", "attributes", "local", "subtree", "description"), source, w)
        name, count = _bare(str(node.get("name", "")))
        attrs = {**inherited, **as_dict(node.get("attributes"), source, f"{w}.attributes")}
        attrs.pop("meshX", None)
        attrs.pop("meshY", None)
        total = mult * count
        group = name if count > 1 else group
        for j, comp in enumerate(as_list(node.get("local"), source, f"{w}.local")):
            cw = f"{w}.local[{j}]"
            comp = as_dict(comp, source, cw)
            cname, ccount = _bare(str(comp.get("name", "")))
            cattrs = {
                **{k: v for k, v in attrs.items() if k in ("technology", "global_cycle_seconds")},
                **as_dict(comp.get("attributes"), source, f"{cw}.attributes"),
            }
            n = total * ccount
            mx = positive_int(cattrs.pop("meshX", n), source, f"{cw}.attributes.meshX")
            cattrs.pop("meshY", None)
            if n % mx:
                raise SpecError(source, f"{cw}.attributes.meshX", f"{mx} does not divide the {n} instances")
            plain = {k: v for k, v in comp.items() if k not in ("attributes",)}
            comps.append(
                (
                    {**plain, "name": cname, "attributes": cattrs, TAG_KEY: "!Component"},
                    cw,
                    mx,
                    n // mx,
                    group,
                )
            )
        for j, sub in enumerate(as_list(node.get("subtree"), source, f"{w}.subtree")):
            walk(as_dict(sub, source, f"{w}.subtree[{j}]"), f"{w}.subtree[{j}]", total, attrs, group)

    for i, top in enumerate(as_list(arch.get("subtree"), source, f"{prefix}.subtree")):
        walk(as_dict(top, source, f"{prefix}.subtree[{i}]"), f"{prefix}.subtree[{i}]", 1, {})
    out: list[tuple[dict[str, Any], str]] = []
    prev = (1, 1)
    fanout_name = ""
    for node, w, mx, my, group in comps:
        # a growth in instances from one component to the next is the fan-out of the one above: named after
        # the dummy level above it (Timeloop's flattened Eyeriss-like input: inter_PE_column_spatial[1..1],
        # inter_PE_spatial[1..14], ifmap_spad[1..168] is a 14-way PE_column fan-out, then a 12-way PE one)
        dummy = str(node.get("class", "")).lower() == "dummy_storage"
        if (mx, my) != prev:
            if mx % prev[0] or my % prev[1]:
                raise SpecError(
                    source, w, f"mesh {mx}x{my} is not a multiple of the level above ({prev[0]}x{prev[1]})"
                )
            spatial = {"meshX": mx // prev[0], "meshY": my // prev[1]}
            out.append(
                (
                    {
                        TAG_KEY: "!Container",
                        "name": fanout_name or group or node["name"],
                        "spatial": spatial,
                        "_v03": True,
                    },
                    w,
                )
            )
            prev = (mx, my)
            fanout_name = ""
        if dummy:
            fanout_name = str(node["name"]).removeprefix("inter_").removesuffix("_spatial")
        else:
            out.append((node, w))
            fanout_name = ""
    return out


_NODE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(nm)?\s*")


def _node_nm(value: Any, source: str, field: str) -> int:
    m = _NODE.fullmatch(str(value))
    if not m:
        raise SpecError(source, field, f"cannot read a technology node from {value!r} (e.g. '45nm')")
    return round(float(m.group(1)))


def _is_storage(cls: str, attrs: dict[str, Any]) -> bool | None:
    low = cls.lower()
    if low in _COMPUTE_CLASSES or low.startswith(("intmac", "fpmac", "mac_", "compute")):
        return False
    if any(k in low for k in _STORAGE_CLASSES) or "depth" in attrs or "width" in attrs:
        return True
    return None


def _component_name(full: str) -> str:
    """``System_top_level.GlobalBuffer[1..16]`` -> ``GlobalBuffer`` (the range dropped before the path
    is split, so a range such as ``[1..1]`` never splits the name)."""
    return _INDEX.sub("", re.sub(r"\[[^\]]*\]", "", full)).split(".")[-1].strip()


def _ert_tables(data: Any, source: str) -> dict[str, dict[str, float]]:
    """Component (last name segment, indices dropped) -> action -> energy pJ (largest argument variant)."""
    data = as_dict(data, source, "<root>")
    ert = as_dict(data.get("ERT", data), source, "ERT")
    out: dict[str, dict[str, float]] = {}
    several: list[str] = []
    for i, table in enumerate(as_list(ert.get("tables"), source, "ERT.tables")):
        table = as_dict(table, source, f"ERT.tables[{i}]")
        short = _component_name(str(table.get("name", "")))
        actions: dict[str, float] = {}
        for j, act in enumerate(as_list(table.get("actions"), source, f"ERT.tables[{i}].actions")):
            act = as_dict(act, source, f"ERT.tables[{i}].actions[{j}]")
            name = str(act.get("name", act.get("action_name", "")))
            energy = number(act.get("energy"), source, f"ERT.tables[{i}].actions[{j}].energy")
            if name in actions:
                several.append(f"{short}.{name}")
            actions[name] = max(actions.get(name, energy), energy)
        out[short] = actions
    if several:
        warn(
            source,
            f"actions with several argument variants use the largest energy: {', '.join(sorted(set(several)))}",
        )
    return out


def _keep_constraint(node: dict[str, Any], source: str, w: str) -> tuple[str, ...] | None:
    """The data spaces a ``constraints: {dataspace: {keep: [...]}}`` keeps, or ``!`` + each bypassed one
    for a ``bypass`` list (None: not constrained)."""
    cons = as_dict(node.get("constraints"), source, f"{w}.constraints")
    ds = as_dict(cons.get("dataspace"), source, f"{w}.constraints.dataspace")
    for key in ("keep_only", "keep"):
        if key in ds:
            return tuple(str(x) for x in as_list(ds[key], source, f"{w}.constraints.dataspace.{key}"))
    for key in ("bypass", "bypass_only"):
        if key in ds:
            return tuple("!" + str(x) for x in as_list(ds[key], source, f"{w}.constraints.dataspace.{key}"))
    return None


def _arch(data: Any, source: str) -> tuple[list[_Storage], dict[str, Any], dict[str, Any]]:
    """Storage levels (outermost first, with their fan-outs), the compute node and system attributes.

    Fan-out placement follows Timeloop's front end: a container's ``spatial`` fan-out becomes a dummy
    ``inter_<container>_spatial`` level placed right after the first storage level of the enclosing
    container (Timeloop's ``parsed-processed-input.yaml`` of the 2020 ISPASS exercise 04 puts the PE
    fan-out above the global buffer for this reason). When this differs from the container's position
    a warning says where the fan-out went."""
    data = as_dict(data, source, "<root>")
    if "architecture" in data:
        outside = [k for k in data if k not in ("architecture", "problem", "mapping", "ERT")]
        warn_ignored(source, outside, "top-level keys outside 'architecture'")
        arch = as_dict(data["architecture"], source, "architecture")
        prefix = "architecture"
    else:
        arch, prefix = data, ""
    version = str(arch.get("version", "0.4"))
    if "subtree" in arch or "local" in arch:
        check_keys(arch, ("version", "subtree", "local"), source, prefix)
        if "local" in arch:
            raise SpecError(
                source, f"{prefix}.local", "a v0.3 architecture lists its components in subtree[].local"
            )
        nodes = _from_v03(arch, source, prefix)
    else:
        check_keys(arch, ("version", "nodes"), source, prefix)
        if not version.startswith("0.4"):
            raise SpecError(
                source,
                f"{prefix}.version",
                f"only Timeloop architecture versions 0.3 and 0.4 are read (got {version})",
            )
        nodes = _flatten(as_list(arch.get("nodes"), source, f"{prefix}.nodes"), source, f"{prefix}.nodes")
    levels: list[_Storage] = []
    compute: dict[str, Any] | None = None
    system: dict[str, Any] = {}
    ignored: list[str] = []
    scope_first: int | None = None  # index of the first storage level inside the current container
    moved: list[str] = []
    unread_tech: list[tuple[Any, str]] = []  # technology values that name no node (a template's "SET ME")

    def add_fanout(at: int, name: str, counts: dict[str, int]) -> None:
        lv = levels[at]
        taken = {a for other in levels for a, _ in other.axes}
        added: list[str] = []
        for side in ("X", "Y"):
            if counts[side] > 1:
                axis = f"{lv.name}_{side}"
                axis = axis if axis not in taken else f"{name}_{side}"
                if axis in taken:
                    raise SpecError(source, name, f"two fan-outs named {axis!r}")
                lv.axes.append((axis, counts[side]))
                taken.add(axis)
                added.append(axis)
        lv.fanout_names.append((name, tuple(added)))

    for node, w in nodes:
        check_keys(node, (*_NODE_KEYS, "_parallel", "_v03"), source, w)
        name = str(node.get("name", ""))
        if not name:
            raise SpecError(source, f"{w}.name", "every node needs a name")
        attrs = as_dict(node.get("attributes"), source, f"{w}.attributes")
        spatial = dict(as_dict(node.get("spatial"), source, f"{w}.spatial"))
        for key in ("meshX", "meshY"):
            if key in attrs:
                spatial.setdefault(key, attrs[key])
        check_keys(spatial, ("meshX", "meshY"), source, f"{w}.spatial")
        ignored += [f"{name}.{k}" for k in _NODE_IGNORED if k in node and k != "constraints"]
        if node.get("enabled") is False:
            raise SpecError(source, f"{w}.enabled", "disabled nodes are not supported: remove the node")
        counts = {
            a: positive_int(spatial.get(f"mesh{a}", 1), source, f"{w}.spatial.mesh{a}") for a in ("X", "Y")
        }
        fans = counts["X"] > 1 or counts["Y"] > 1
        if fans and not levels:
            raise SpecError(
                source, f"{w}.spatial", "a fan-out above the outermost storage level is not supported"
            )
        for key in ("technology", "global_cycle_seconds"):
            if key in attrs:
                if key == "technology" and _NODE.fullmatch(str(attrs[key])) is None:
                    unread_tech.append((attrs[key], f"{w}.attributes.{key}"))
                    continue
                system.setdefault(key, (attrs[key], f"{w}.attributes.{key}"))
        tag = node.get(TAG_KEY)
        if tag == "!Container" or (tag is None and "class" not in node):
            ignored += [f"{name}.attributes.{k}" for k in attrs if k not in _CONTAINER_ATTRS]
            if fans:
                at = len(levels) - 1
                if not node.get("_v03") and scope_first is not None and scope_first < at:
                    at = scope_first
                    moved.append(f"{name} below {levels[at].name!r} (above {levels[at + 1].name!r})")
                add_fanout(at, name, counts)
            scope_first = None
            continue
        cls = str(node.get("class", ""))
        if compute is not None:
            raise SpecError(
                source,
                w,
                f"{name!r} comes after the compute component {compute['name']!r}; the "
                "compute component must be the innermost node",
            )
        storage = _is_storage(cls, attrs)
        if storage is None:
            raise SpecError(
                source,
                f"{w}.class",
                f"cannot tell whether {name!r} (class {cls!r}) is storage or "
                "compute: give a storage 'depth'/'width' or a compute class such as intmac",
            )
        if fans:  # a component's own spatial: that many copies of it and of everything below
            add_fanout(len(levels) - 1, name, counts)
        if storage:
            ignored += [f"{name}.attributes.{k}" for k in attrs if k not in _STORAGE_ATTRS]
            keep = _keep_constraint(node, source, w)
            levels.append(_Storage(name, cls, attrs, w, [], keep))
            if scope_first is None:
                scope_first = len(levels) - 1
        else:
            ignored += [f"{name}.attributes.{k}" for k in attrs if k not in _COMPUTE_ATTRS]
            compute = {"name": name, "class": cls, "attrs": attrs, "where": w}
    if not levels:
        raise SpecError(source, f"{prefix}.nodes", "no storage component (DRAM, SRAM, regfile...)")
    if compute is None:
        raise SpecError(
            source, f"{prefix}.nodes", "no compute component (e.g. class: intmac) at the innermost position"
        )
    if unread_tech:
        if "technology" not in system:
            value, where = unread_tech[0]
            raise SpecError(source, where, f"cannot read a technology node from {value!r} (e.g. '45nm')")
        skipped = ", ".join(f"{v!r} ({where})" for v, where in unread_tech)
        warn(
            source,
            f"technology values that name no node are skipped: {skipped}; the node is {system['technology'][0]}",
        )
    if moved:
        warn(source, f"fan-out placed as Timeloop's front end places it: {'; '.join(moved)}")
    warn_ignored(source, ignored, "Timeloop fields carbonloop does not model")
    return levels, compute, system


def _accelerator(
    levels: list[_Storage],
    compute: dict[str, Any],
    system: dict[str, Any],
    source: str,
    ert: dict[str, dict[str, float]] | None,
    ert_source: str,
    roles: dict[str, str] | None = None,
    conventions: Conventions = TIMELOOP,
) -> tuple[Accelerator, list[int]]:
    node_nm = (
        _node_nm(system["technology"][0], source, system["technology"][1]) if "technology" in system else 28
    )
    clock_ns = 1.0
    if "global_cycle_seconds" in system:
        clock_ns = number(system["global_cycle_seconds"][0], source, system["global_cycle_seconds"][1]) * 1e9
        if clock_ns <= 0:
            raise SpecError(source, system["global_cycle_seconds"][1], "must be > 0")
    axes = [a for lv in levels for a in lv.axes]
    memories: list[dict[str, Any]] = []
    widths: list[int] = []
    extra: list[tuple[int, int]] = []  # (datawidth, cluster_size) per level
    modelled: list[str] = []
    for i, lv in enumerate(levels):
        a, w = lv.attrs, f"{lv.where}.attributes"
        dw_raw = a.get("datawidth", a.get("word-bits", a.get("word_bits")))
        if dw_raw is None:
            raise SpecError(source, f"{w}.datawidth", f"{lv.name!r} needs a datawidth (bits per element)")
        dw = positive_int(dw_raw, source, f"{w}.datawidth")
        block = positive_int(a.get("block_size", a.get("block-size", 1)), source, f"{w}.block_size")
        width_raw = a.get("width", a.get("memory_width"))
        width = positive_int(width_raw, source, f"{w}.width") if width_raw is not None else dw * block
        depth_raw = a.get("depth", a.get("entries", a.get("memory_depth")))
        size = positive_int(depth_raw, source, f"{w}.depth") * width if depth_raw is not None else None
        rd = (
            positive_int(a.get("n_rd_ports", 0) or 0, source, f"{w}.n_rd_ports") if a.get("n_rd_ports") else 0
        )
        wr = positive_int(a.get("n_wr_ports", 0), source, f"{w}.n_wr_ports") if a.get("n_wr_ports") else 0
        rw = (
            positive_int(a.get("n_rdwr_ports", 0), source, f"{w}.n_rdwr_ports")
            if a.get("n_rdwr_ports")
            else 0
        )
        shared = rw > 0 and rd == 0 and wr == 0
        mb = positive_int(a.get("multiple_buffering", 1), source, f"{w}.multiple_buffering")
        spec: dict[str, Any] = {
            "name": lv.name,
            "size_bits": size,
            "width_bits": width,
            "read_bw_bits": number(a["read_bandwidth"], source, f"{w}.read_bandwidth") * dw
            if "read_bandwidth" in a
            else float("inf"),
            "write_bw_bits": number(a["write_bandwidth"], source, f"{w}.write_bandwidth") * dw
            if "write_bandwidth" in a
            else float("inf"),
            "read_ports": max(rd + rw, 1),
            "write_ports": max(wr + rw, 1),
            "shared_ports": shared,
            "operands": ["W", "I", "O"],
            "spans": [ax for lv2 in levels[i:] for ax, _ in lv2.axes],
            "double_buffered": mb >= 2,
        }
        if ert is not None:
            table = ert.get(lv.name)
            if table is None or "read" not in table:
                raise SpecError(
                    ert_source, "ERT.tables", f"no table with a 'read' action for component {lv.name!r}"
                )
            spec["read_pj"] = table["read"]
            spec["write_pj"] = table.get("write", table["read"])
            spec["update_pj"] = table.get("update", spec["write_pj"])
            spec["area_mm2"] = 0.0
        else:
            low = lv.cls.lower()
            if "dram" in low:
                kind = str(a.get("type", "")).lower()
                spec["model"] = (
                    f"dram/{kind}"
                    if kind in ("lpddr4", "lpddr", "lpddr3", "ddr3", "ddr4", "hbm2", "hbm3")
                    else "dram"
                )
            else:
                spec["model"] = "regfile" if ("rf" in low or "reg" in low) else "sram"
            modelled.append(f"{lv.name} ({spec['model']})")
        if roles is not None and lv.keep is not None:
            kept = _constraint_roles(lv.keep, roles, source, f"{lv.where}.constraints.dataspace")
            if i > 0:
                spec["operands"] = kept
        leak_pj = ert.get(lv.name, {}).get("leak", 0.0) if ert is not None else 0.0
        spec["leakage_mw"] = leak_pj / clock_ns  # pJ per cycle / ns per cycle = mW
        extra.append((dw, positive_int(a.get("cluster_size", 1), source, f"{w}.cluster_size")))
        memories.append(spec)
        widths.append(dw)
    carray: dict[str, Any] = {"axes": dict(axes)}
    if ert is not None:
        table = ert.get(compute["name"])
        action = next((x for x in _COMPUTE_ACTIONS if table and x in table), None)
        if table is None or action is None:
            raise SpecError(
                ert_source,
                "ERT.tables",
                f"no compute action ({', '.join(_COMPUTE_ACTIONS)}) for component {compute['name']!r}",
            )
        carray["mac_pj"] = table[action]
        carray["mac_area_mm2"] = 0.0
    else:
        carray["model"] = "mac"
        modelled.append(f"{compute['name']} (mac)")
    if ert is not None:
        used = {"read", "write", "update", "leak", "idle", *_COMPUTE_ACTIONS}
        unused = [f"{c}.{a}" for c, t in ert.items() for a, e in t.items() if a not in used and e != 0]
        warn_ignored(ert_source, unused, "ERT actions carbonloop does not model")
    if modelled:
        warn(
            source,
            f"no ERT given: energies from carbonloop's cost models at {node_nm} nm for {', '.join(modelled)}",
        )
    name = Path(source).stem if not source.startswith("<") else "timeloop"
    spec_all = {"name": name, "clock_ns": clock_ns, "node_nm": node_nm, "array": carray, "memories": memories}
    acc = accelerator_from_dict(spec_all, source)
    mems = tuple(
        replace(m, datawidth_bits=dw, cluster_size=cs)
        for m, (dw, cs) in zip(acc.memories, extra, strict=True)
    )
    return replace(acc, memories=mems, conventions=conventions), widths


def _constraint_roles(keep: tuple[str, ...], roles: dict[str, str], source: str, where: str) -> list[str]:
    """Roles an architecture constraint lets a level keep (``!name``: bypassed)."""
    for x in keep:
        if x.lstrip("!") not in roles:
            raise SpecError(
                source, where, f"unknown data space {x.lstrip('!')!r} (data spaces: {list(roles)})"
            )
    if keep and all(x.startswith("!") for x in keep):
        out = [r for n, r in roles.items() if "!" + n not in keep]
    else:
        out = [roles[x] for x in keep]
    if not out:
        raise SpecError(source, where, "keeps no data space: remove the level or keep at least one")
    return sorted(set(out), key="WIO".index)


# --- problem -----------------------------------------------------------------------------------------
def _projection(
    proj: Any, coefs: dict[str, int], dims: list[str], source: str, where: str
) -> tuple[Axis, ...]:
    if isinstance(proj, str):  # "[ C, Wstride*P + Wdilation*R ]"
        text = proj.strip().removeprefix("[").removesuffix("]")
        axes = []
        for j, part in enumerate(p for p in text.split(",") if p.strip()):
            for c, v in coefs.items():
                part = re.sub(rf"\b{re.escape(c)}\b", str(v), part)
            axes.append(parse_axis(part, source=source, where=f"{where}[{j}]"))
        return tuple(axes)
    out: list[Axis] = []
    for j, axis in enumerate(as_list(proj, source, where)):
        terms: dict[str, int] = {}
        for k, term in enumerate(as_list(axis, source, f"{where}[{j}]")):
            w = f"{where}[{j}][{k}]"
            term = term if isinstance(term, list) else [term]
            names = [t for t in term if isinstance(t, str) and t in dims]
            if len(names) != 1 or len(term) > 2:
                raise SpecError(
                    source, w, f"a projection term is [dimension] or [dimension, coefficient] (got {term!r})"
                )
            coef = 1
            for t in term:
                if t == names[0]:
                    continue
                if isinstance(t, int) and not isinstance(t, bool):
                    coef = t
                elif isinstance(t, str) and t in coefs:
                    coef = coefs[t]
                else:
                    raise SpecError(source, w, f"unknown coefficient {t!r} (coefficients: {sorted(coefs)})")
            terms[names[0]] = terms.get(names[0], 0) + coef
        axis_terms = tuple((d, c) for d, c in terms.items() if c != 0)
        if axis_terms:
            out.append(axis_terms)
    return tuple(out)


def _role_of(name: str) -> str | None:
    low = name.lower()
    if any(k in low for k in ("weight", "filter", "kernel")):
        return "W"
    if any(k in low for k in ("input", "ifmap", "activation")):
        return "I"
    return None


def _problem(
    data: Any, source: str, bits: int, partial_bits: int
) -> tuple[Layer, tuple[tuple[str, str], ...]]:
    data = as_dict(data, source, "<root>")
    prob = as_dict(data.get("problem", data), source, "problem")
    prefix = "problem" if "problem" in data else ""
    if "problem" in data:
        warn_ignored(
            source,
            [k for k in data if k not in ("problem", "architecture", "mapping")],
            "top-level keys outside 'problem'",
        )
    check_keys(prob, ("version", "shape", "instance"), source, prefix)
    shape = as_dict(prob.get("shape"), source, f"{prefix}.shape")
    inst = as_dict(prob.get("instance"), source, f"{prefix}.instance")
    check_keys(
        shape, ("name", "dimensions", "data_spaces", "data-spaces", "coefficients"), source, f"{prefix}.shape"
    )
    dims = [str(d) for d in as_list(shape.get("dimensions"), source, f"{prefix}.shape.dimensions")]
    if not dims:
        raise SpecError(source, f"{prefix}.shape.dimensions", "no dimensions")
    coefs: dict[str, int] = {}
    for i, c in enumerate(as_list(shape.get("coefficients"), source, f"{prefix}.shape.coefficients")):
        c = as_dict(c, source, f"{prefix}.shape.coefficients[{i}]")
        cname = str(c.get("name"))
        coefs[cname] = int(inst.get(cname, c.get("default", 1)))
    ignored = []
    sizes = {}
    for d in dims:
        if d not in inst:
            raise SpecError(source, f"{prefix}.instance.{d}", "missing size of the dimension")
        sizes[d] = positive_int(inst[d], source, f"{prefix}.instance.{d}")
    unused = [k for k in inst if k not in sizes and k not in coefs]
    if unused:  # Timeloop reads only the dimensions and coefficients of the shape (H, W, Hpad... are ignored)
        warn(
            source,
            f"{prefix}.instance: ignored {', '.join(map(str, unused))} (not a dimension or coefficient of the "
            f"shape; Timeloop ignores them too)",
        )
    spaces = as_list(
        shape.get("data_spaces", shape.get("data-spaces")), source, f"{prefix}.shape.data_spaces"
    )
    parsed = []
    for i, ds in enumerate(spaces):
        w = f"{prefix}.shape.data_spaces[{i}]"
        ds = as_dict(ds, source, w)
        check_keys(ds, ("name", "projection", "read_write", "read-write", "datawidth"), source, w)
        if "datawidth" in ds:
            ignored.append(f"data_spaces[{i}].datawidth")
        rw = ds.get("read_write", ds.get("read-write", False))
        rw = rw if isinstance(rw, bool) else str(rw).lower() in ("true", "1", "yes")
        parsed.append(
            (
                str(ds.get("name")),
                _projection(ds.get("projection"), coefs, dims, source, f"{w}.projection"),
                rw,
            )
        )
    outs = [p for p in parsed if p[2]]
    if len(outs) != 1:
        raise SpecError(
            source,
            f"{prefix}.shape.data_spaces",
            f"exactly one read_write data space (the output) is needed, got {[p[0] for p in outs]}",
        )
    ins = [p for p in parsed if not p[2]]
    if len(ins) > 2:
        raise SpecError(
            source,
            f"{prefix}.shape.data_spaces",
            f"at most two input data spaces are supported (got {[p[0] for p in ins]})",
        )
    roles: dict[str, str] = {}
    guessed = {p[0]: _role_of(p[0]) for p in ins}
    if len(ins) == 2 and len({guessed[p[0]] for p in ins} - {None}) < 2:
        known = [r for r in guessed.values() if r]
        if known:  # one named, the other takes the remaining role
            for p in ins:
                guessed[p[0]] = known[0] if guessed[p[0]] else ("I" if known[0] == "W" else "W")
        else:
            guessed = {ins[0][0]: "W", ins[1][0]: "I"}
            warn(source, f"data spaces {ins[0][0]!r} and {ins[1][0]!r}: weights-like role given to the first")
    elif len(ins) == 1:
        guessed = {ins[0][0]: "I"}
    roles = {p[0]: guessed[p[0]] or "I" for p in ins}
    roles[outs[0][0]] = "O"
    operands = tuple(
        Operand(n, roles[n], axes, bits, partial_bits if roles[n] == "O" else None, roles[n] == "W")  # type: ignore[arg-type]
        for n, axes, _ in parsed
    )
    warn_ignored(source, ignored, "sparse and per-data-space precision are not modelled")
    layer = Layer(str(shape.get("name") or "problem"), tuple((d, sizes[d]) for d in dims), operands)
    return layer, tuple((n, roles[n]) for n, _, _ in parsed)


# --- mapping -----------------------------------------------------------------------------------------
def _factors(value: Any, layer: Layer, source: str, where: str) -> dict[str, int]:
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    else:
        text = " ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
        items = []
        by_len = sorted(layer.dim_names, key=len, reverse=True)
        for token in re.sub(r"\s*=\s*", "=", text).replace(",", " ").split():
            m = re.fullmatch(r"([A-Za-z_]\w*)=(-?\d+)", token)
            if m is None:  # Timeloop's mapper writes "C4 M2 R1": the dimension name glued to its factor
                d = next((d for d in by_len if token.startswith(d) and token[len(d) :].isdigit()), None)
                if d is None:
                    raise SpecError(
                        source,
                        where,
                        f"cannot read factor {token!r} in {value!r} (write e.g. 'M=16 P=1' or 'M16 P1')",
                    )
                items.append((d, token[len(d) :]))
            else:
                items.append((m.group(1), m.group(2)))
    sizes = layer.sizes
    out: dict[str, int] = {}
    for d, f in items:
        if d not in sizes:
            raise SpecError(source, where, f"unknown dimension {d!r} (dimensions: {list(sizes)})")
        if d in out:
            raise SpecError(source, where, f"dimension {d} appears twice in {value!r}")
        f = positive_int(int(f), source, f"{where}.{d}")
        if f > sizes[d]:
            warn(
                source,
                f"{where}: {d}={f} exceeds the problem's {d}={sizes[d]}; using {sizes[d]} (as Timeloop does)",
            )
            f = sizes[d]
        out[d] = f
    return out


def _permutation(value: Any, layer: Layer, source: str, where: str) -> list[str]:
    dims = layer.dim_names
    if value is None:
        return []
    if isinstance(value, list):
        perm = [str(v) for v in value]
    else:
        text = str(value).strip()
        if re.search(r"[\s,]", text):
            perm = [t for t in re.split(r"[\s,]+", text) if t]
        else:  # "RPM": dimension names glued together, longest match first
            perm, i = [], 0
            by_len = sorted(dims, key=len, reverse=True)
            while i < len(text):
                d = next((d for d in by_len if text.startswith(d, i)), None)
                if d is None:
                    raise SpecError(
                        source, where, f"cannot read permutation {value!r} (dimensions: {list(dims)})"
                    )
                perm.append(d)
                i += len(d)
    for d in perm:
        if d not in dims:
            raise SpecError(
                source, where, f"unknown dimension {d!r} in permutation (dimensions: {list(dims)})"
            )
    if len(set(perm)) != len(perm):
        raise SpecError(source, where, f"a dimension appears twice in permutation {value!r}")
    return perm


def _ordered(factors: dict[str, int], perm: list[str], source: str, where: str) -> list[str]:
    """Dimensions innermost first: the permutation, then any factor-1 dimension it leaves out."""
    missing = [d for d, f in factors.items() if f > 1 and d not in perm]
    if missing and (perm or len([f for f in factors.values() if f > 1]) > 1):
        raise SpecError(
            source,
            f"{where}.permutation",
            f"dimensions {missing} have factors > 1 but no place in the permutation",
        )
    return perm + [d for d in factors if d not in perm]


def _mapping(data: Any, source: str, layer: Layer, acc: Accelerator, names: TimeloopNames) -> Mapping:
    if isinstance(data, dict):
        if "mapping" not in data:
            raise SpecError(source, "<root>", "expected a 'mapping' list of directives")
        warn_ignored(
            source,
            [k for k in data if k not in ("mapping", "architecture", "problem")],
            "top-level keys outside 'mapping'",
        )
        data = data["mapping"]
    directives = as_list(data, source, "mapping")
    levels = list(names.levels)
    fanout = dict(names.fanouts)
    temporal: dict[str, list[Loop]] = {}
    spatial: dict[str, list[tuple[str, tuple[Loop, ...]]]] = {}
    keep: dict[str, frozenset[str]] = {}
    space_names = [n for n, _ in names.dataspaces]
    containers = {t: (lvl, axes) for t, lvl, axes in names.spatial_targets}
    seen: set[tuple[str, str]] = set()
    for i, d in enumerate(directives):
        w = f"mapping[{i}]"
        d = as_dict(d, source, w)
        check_keys(d, ("target", "type", "factors", "permutation", "split", "keep", "bypass"), source, w)
        target = d.get("target")
        if isinstance(target, int) and not isinstance(target, bool):  # storage id, 0 = innermost
            if not 0 <= target < len(levels):
                raise SpecError(source, f"{w}.target", f"no storage level {target} (0..{len(levels) - 1})")
            target = levels[len(levels) - 1 - target]
        target = str(target)
        kind = str(d.get("type", ""))
        kind = "bypass" if kind in ("datatype", "dataspace") else kind
        via: tuple[str, ...] | None = None  # the axes of a container's fan-out
        if target not in levels:
            if target not in containers:
                raise SpecError(
                    source,
                    f"{w}.target",
                    f"unknown storage level {target!r} (levels: {levels}; "
                    f"fan-out containers: {sorted(containers)})",
                )
            level_of, via = containers[target]
            if kind != "spatial":  # a fan-out level holds no data and no temporal loop
                fs = _factors(d.get("factors"), layer, source, f"{w}.factors") if kind == "temporal" else {}
                big = {k: v for k, v in fs.items() if v > 1}
                if big or (kind == "bypass" and as_list(d.get("keep"), source, f"{w}.keep")):
                    raise SpecError(
                        source,
                        w,
                        f"{target!r} is a fan-out (no storage): it holds no temporal loop {big} or data",
                    )
                continue
            target = level_of
        if kind not in ("temporal", "spatial", "bypass"):
            raise SpecError(
                source, f"{w}.type", f"unknown directive type {kind!r} (temporal, spatial, bypass)"
            )
        seen_key = (str(d.get("target")) if via is not None else target, kind)
        if seen_key in seen:
            raise SpecError(source, w, f"a second {kind} directive for {seen_key[0]!r}")
        seen.add(seen_key)
        if kind == "bypass":
            for key in ("factors", "permutation", "split"):
                if key in d:
                    raise SpecError(source, f"{w}.{key}", "not allowed in a bypass directive")
            kept = [str(x) for x in as_list(d.get("keep"), source, f"{w}.keep")]
            bypassed = [str(x) for x in as_list(d.get("bypass"), source, f"{w}.bypass")]
            for x in kept + bypassed:
                if x not in space_names:
                    raise SpecError(source, w, f"unknown data space {x!r} (data spaces: {space_names})")
            both = set(kept) & set(bypassed)
            if both:
                raise SpecError(source, w, f"{sorted(both)} both kept and bypassed")
            keep[target] = frozenset(n for n in space_names if n not in bypassed)
            continue
        for key in ("keep", "bypass"):
            if key in d:
                raise SpecError(source, f"{w}.{key}", f"not allowed in a {kind} directive")
        factors = _factors(d.get("factors"), layer, source, f"{w}.factors")
        perm = _permutation(d.get("permutation"), layer, source, f"{w}.permutation")
        order = _ordered(factors, perm, source, w)  # innermost first
        if kind == "temporal":
            if "split" in d:
                raise SpecError(source, f"{w}.split", "only spatial directives have a split")
            temporal[target] = [Loop(x, factors[x]) for x in reversed(order) if factors.get(x, 1) > 1]
            continue
        axes = via if via is not None else fanout.get(target, ())
        if not axes:
            raise SpecError(source, f"{w}.target", f"{target!r} has no spatial fan-out below it")
        has_x = any(a.endswith("_X") for a in axes)
        has_y = any(a.endswith("_Y") for a in axes)
        if "split" in d:
            split = int(d["split"])
        elif has_x and has_y:
            raise SpecError(
                source,
                f"{w}.split",
                f"{target!r} fans out on meshX and meshY: give split (the number "
                "of permutation dimensions mapped to X)",
            )
        else:
            split = len(order) if has_x else 0
        loops: dict[str, list[Loop]] = {"X": [], "Y": []}
        for k, x in enumerate(order):
            if factors.get(x, 1) > 1:
                loops["X" if k < split else "Y"].append(Loop(x, factors[x]))
        sp: list[tuple[str, tuple[Loop, ...]]] = []
        for side in ("X", "Y"):
            if loops[side]:
                on_side = [a for a in axes if a.endswith(f"_{side}")]
                if len(on_side) != 1:
                    raise SpecError(
                        source,
                        w,
                        f"{[lp.dim for lp in loops[side]]} mapped on {side} but {d.get('target')!r} "
                        f"fans out on {list(axes)} (name the container whose fan-out it is)",
                    )
                sp.append((on_side[0], tuple(loops[side])))
        spatial.setdefault(target, []).extend(sp)
    out = []
    for name in levels:
        out.append(
            LevelMapping(name, tuple(temporal.get(name, ())), tuple(spatial.get(name, ())), keep.get(name))
        )
    return Mapping(tuple(out), False, source)


def _read(value: Any, what: str) -> tuple[Any, str]:
    """A Timeloop file (path) or parsed YAML; a Jinja-templated file is refused with a one-line error."""
    if isinstance(value, str | Path) and Path(value).is_file():
        for n, line in enumerate(Path(value).read_text(errors="replace").splitlines(), 1):
            if re.search(r"\{\{.*\}\}|\{%.*%\}", line):
                raise SpecError(
                    str(value),
                    f"line {n}",
                    f"a Jinja template ({line.strip()[:40]!r}): render it first (e.g. with timeloopfe), "
                    "then read the rendered file",
                )
    return read_input(value, what)


# --- public API --------------------------------------------------------------------------------------
def load_timeloop(
    arch: Any, problem: Any, mapping: Any = None, ert: Any = None, conventions: str | Conventions = "timeloop"
) -> tuple[Layer, Accelerator, Mapping, TimeloopNames]:
    """Read Timeloop v0.4 architecture, problem and mapping (paths or parsed YAML), and optionally an ERT.

    Returns the layer, the accelerator and the mapping in carbonloop's model, keeping every name of the
    Timeloop files, and the :class:`TimeloopNames` :func:`timeloop_report` prints with (without a mapping
    file, the mapping returned is empty: one level entry per storage level, no loops). Fields carbonloop
    does not model are listed in an :class:`~carbonloop.interop.common.InteropWarning`; unknown fields
    and constructs the model cannot express raise a SpecError. The accelerator carries ``conventions``
    (Timeloop's by default, so counts and energies read as Timeloop's; ``carbonloop`` for the exact model).
    """
    arch_data, arch_src = _read(arch, "architecture")
    prob_data, prob_src = _read(problem, "problem")
    ert_table, ert_src = None, "<ERT>"
    if ert is not None:
        ert_data, ert_src = _read(ert, "ERT")
        ert_table = _ert_tables(ert_data, ert_src)
    levels, compute, system = _arch(arch_data, arch_src)
    widths = [
        positive_int(
            lv.attrs.get("datawidth", lv.attrs.get("word-bits", lv.attrs.get("word_bits", 8))),
            arch_src,
            f"{lv.where}.attributes.datawidth",
        )
        for lv in levels
    ]
    layer, spaces = _problem(prob_data, prob_src, widths[0], max(widths))
    conv = get_conventions(conventions, "load_timeloop", "conventions")
    acc, widths = _accelerator(levels, compute, system, arch_src, ert_table, ert_src, dict(spaces), conv)
    if len(set(widths)) > 1:
        warn(
            arch_src,
            f"datawidth differs across levels ({sorted(set(widths))}): operands are {widths[0]} bits "
            f"(the outermost level's), partial sums {max(widths)} bits",
        )
    names = TimeloopNames(
        levels=tuple(lv.name for lv in levels),
        compute=str(compute["name"]),
        dataspaces=spaces,
        datawidth=tuple(widths),
        fanouts=tuple((lv.name, tuple(a for a, _ in lv.axes)) for lv in levels if lv.axes),
        spatial_targets=tuple(
            (t, lv.name, axes)
            for lv in levels
            for name, axes in lv.fanout_names
            for t in (name, f"inter_{name}_spatial")
        ),
    )
    if mapping is None:
        return layer, acc, Mapping(tuple(LevelMapping(n) for n in names.levels)), names
    map_data, map_src = _read(mapping, "mapping")
    return layer, acc, _mapping(map_data, map_src, layer, acc, names), names


def _per_instance(total: int, instances: int) -> str:
    return str(total // instances) if total % instances == 0 else f"{total / instances:.2f}"


def timeloop_report(cost: Any, names: TimeloopNames) -> str:
    """The counts of a LayerCost in Timeloop's terms: per storage level (innermost first, as Timeloop prints)
    and data space, scalar reads, fills and updates per utilized instance and in total, and their energy."""
    mapping: Mapping = cost.mapping
    level_names = [lm.level for lm in mapping.levels]
    used = [1] * len(level_names)
    for x in range(len(level_names)):
        used[x] = math.prod(lp.factor for lm in mapping.levels[:x] for _, loops in lm.spatial for lp in loops)
    compute_used = math.prod(lp.factor for lm in mapping.levels for _, loops in lm.spatial for lp in loops)
    bd = cost.energy_breakdown_pj

    def row(indent: int, label: str, value: object) -> str:
        return f"{' ' * indent}{label:<{46 - indent}}: {value}"

    lines = [
        f"carbonloop model of a Timeloop specification: {cost.layer} (counts follow Timeloop's conventions)",
        "",
    ]
    lines += [
        f"=== {names.compute} ===",
        "",
        row(4, "Computes (total)", cost.macs),
        row(4, "Utilized instances", compute_used),
        row(4, "Energy (total)", f"{bd.get('compute', 0.0):.2f} pJ"),
        "",
    ]
    for x in reversed(range(len(level_names))):
        lvl = level_names[x]
        lines += [
            f"=== {lvl} ===",
            "",
            row(4, "Word bits", names.datawidth[x]),
            row(4, "Utilized instances", used[x]),
        ]
        for ds, _role in names.dataspaces:
            acc = cost.accesses.get(lvl, {}).get(ds)
            if acc is None:
                continue
            lines.append(f"    {ds}:")
            for key in ("reads", "fills", "updates"):
                lines.append(row(8, f"Scalar {key} (per-instance)", _per_instance(acc[key], used[x])))
            for key in ("reads", "fills", "updates"):
                lines.append(row(8, f"Scalar {key} (total)", acc[key]))
            lines.append(row(8, "Energy (total)", f"{bd.get(lvl, {}).get(ds, 0.0):.2f} pJ"))
        lines.append("")
    macs = max(cost.macs, 1)
    lines += [
        "Summary Stats",
        "-------------",
        f"Utilization: {100 * cost.utilization:.2f}%",
        f"Cycles: {cost.latency_cycles}",
        f"Energy: {cost.energy_pj:.2f} pJ",
        f"Computes = {cost.macs}",
        "pJ/Compute",
    ]
    width = max(len(n) for n in [names.compute, *level_names, "Total"])
    lines.append(f"    {names.compute:<{width}} = {bd.get('compute', 0.0) / macs:.3f}")
    for x in reversed(range(len(level_names))):
        e = sum(bd.get(level_names[x], {}).values())
        lines.append(f"    {level_names[x]:<{width}} = {e / macs:.3f}")
    lines.append(f"    {'Total':<{width}} = {cost.energy_pj / macs:.3f}")
    return "\n".join(lines) + "\n"


def _side(axis: str, position: int) -> str:
    upper = axis.upper()
    if upper == "Y" or upper.endswith(("_Y", ".Y")):
        return "Y"
    if upper == "X" or upper.endswith(("_X", ".X")):
        return "X"
    return "X" if position == 0 else "Y"


def mapping_to_timeloop(mapping: Mapping, layer: Layer, acc: Accelerator) -> str:
    """A Timeloop mapping file for ``mapping``: per level a temporal directive (factors of every dimension,
    permutation innermost first), a spatial directive where the level fans out (X loops before the split),
    and a bypass directive naming the data spaces kept and bypassed."""
    res = resolve(mapping, layer, acc)
    src = mapping.source
    sizes = layer.sizes
    for d, p in res.padded_sizes.items():
        if p != sizes[d]:
            raise SpecError(
                src,
                f"loops.{d}",
                f"factors multiply to {p} but {d}={sizes[d]}: Timeloop needs perfect factors",
            )
    single = all(len(d) == 1 for d in layer.dim_names)
    joiner = "" if single else " "

    def perm_text(dims: list[str]) -> str:
        return joiner.join(dims)

    def factors_text(f: dict[str, int]) -> str:
        return " ".join(f"{d}={f.get(d, 1)}" for d in layer.dim_names)

    out: list[dict[str, Any]] = []
    for li, lm in enumerate(res.mapping.levels):
        dims = [lp.dim for lp in lm.temporal]
        dup = sorted({d for d in dims if dims.count(d) > 1})
        if dup:
            raise SpecError(
                src,
                f"levels[{li}].temporal",
                f"{lm.level!r} has several loops over {dup}; Timeloop "
                "allows one loop per dimension and level",
            )
        f = {lp.dim: lp.factor for lp in lm.temporal}
        inner_first = [lp.dim for lp in reversed(lm.temporal)]
        order = inner_first + [d for d in layer.dim_names if d not in inner_first]
        out.append(
            {
                "target": lm.level,
                "type": "temporal",
                "factors": factors_text(f),
                "permutation": perm_text(order),
            }
        )
        if lm.spatial:
            sides: dict[str, list[Loop]] = {"X": [], "Y": []}
            for k, (axis, loops) in enumerate(lm.spatial):
                sides[_side(axis, k)].extend(loops)
            xs, ys = [lp.dim for lp in sides["X"]], [lp.dim for lp in sides["Y"]]
            all_dims = xs + ys
            if len(set(all_dims)) != len(all_dims):
                raise SpecError(
                    src,
                    f"levels[{li}].spatial",
                    f"{lm.level!r} unrolls a dimension twice ({all_dims}); "
                    "Timeloop allows one spatial loop per dimension and level",
                )
            sf = {lp.dim: lp.factor for lp in sides["X"] + sides["Y"]}
            rest = [d for d in layer.dim_names if d not in sf]
            out.append(
                {
                    "target": lm.level,
                    "type": "spatial",
                    "factors": factors_text(sf),
                    "permutation": perm_text(xs + ys + rest),
                    "split": len(xs),
                }
            )
        roles = res.keep[li]
        kept = [o.name for o in layer.operands if o.role in roles]
        bypassed = [o.name for o in layer.operands if o.role not in roles]
        out.append({"target": lm.level, "type": "bypass", "keep": kept, "bypass": bypassed})
    head = (
        f"# Timeloop mapping written by carbonloop export-mapping: layer {layer.name}, accelerator {acc.name}.\n"
        "# Permutations are innermost first; spatial: the first `split` dimensions go to meshX.\n"
    )
    return head + dump_yaml({"mapping": out})
