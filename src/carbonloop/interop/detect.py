"""Which tool a YAML file comes from, and what it describes, from its top-level shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from carbonloop.errors import SpecError
from carbonloop.interop.common import TAG_KEY, load_tagged_yaml

Tool = Literal["carbonloop", "timeloop", "zigzag"]
Kind = Literal["accelerator", "workload", "mapping", "ert"]


def detect_data(data: Any) -> tuple[Tool, Kind] | None:
    """(tool, kind) of parsed YAML, or None when the shape is not recognised."""
    if isinstance(data, dict):
        if "architecture" in data or (isinstance(data.get("nodes"), list) and "version" in data):
            return "timeloop", "accelerator"
        if "problem" in data or ("shape" in data and "instance" in data):
            return "timeloop", "workload"
        if "ERT" in data or ("tables" in data and "version" in data):
            return "timeloop", "ert"
        if isinstance(data.get("mapping"), list):
            return "timeloop", "mapping"
        if isinstance(data.get("memories"), dict) and "operational_array" in data:
            return "zigzag", "accelerator"
        if isinstance(data.get("memories"), list) and "array" in data:
            return "carbonloop", "accelerator"
        if "layers" in data or "dims" in data or "type" in data or "params" in data:
            return "carbonloop", "workload"
        if "levels" in data:
            return "carbonloop", "mapping"
        return None
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        keys = set().union(*(set(x) for x in data))
        if keys & {"equation", "loop_dims", "operator_type"}:
            return "zigzag", "workload"
        if keys & {"spatial_mapping", "temporal_ordering", "memory_operand_links", "spatial_mapping_hint"}:
            return "zigzag", "mapping"
        if "target" in keys:
            return "timeloop", "mapping"
        if "level" in keys:
            return "carbonloop", "mapping"
        if TAG_KEY in keys:
            return "timeloop", "accelerator"
    return None


def detect_file(path: str | Path) -> tuple[Tool, Kind] | None:
    """(tool, kind) of a YAML file; None for a file that is not YAML or not recognised (e.g. a preset name)."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (".yaml", ".yml"):
        return None
    return detect_data(load_tagged_yaml(p))


def detect_format(*paths: str | Path | None) -> Tool:
    """The one tool the given files come from (files not recognised are taken as carbonloop's)."""
    tools = {d[0] for p in paths if p is not None and (d := detect_file(p)) is not None}
    if len(tools) > 1:
        raise SpecError(
            ", ".join(str(p) for p in paths if p), "<files>", f"files of different tools: {sorted(tools)}"
        )
    return tools.pop() if tools else "carbonloop"
