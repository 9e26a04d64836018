"""Write a carbonloop mapping in another tool's mapping format, to confirm a result in the tool you trust."""

from __future__ import annotations

from typing import Literal

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.interop.timeloop import mapping_to_timeloop
from carbonloop.interop.zigzag import mapping_to_zigzag
from carbonloop.model.mapping import Mapping
from carbonloop.workload.layer import Layer

FORMATS = ("timeloop", "zigzag")


def export_mapping(
    mapping: Mapping, layer: Layer, acc: Accelerator, fmt: Literal["timeloop", "zigzag"] | str
) -> str:
    """The mapping file text: Timeloop (targets with factors, permutations innermost first, bypass) or ZigZag
    (spatial_mapping + temporal_ordering innermost first). The mapping is validated against layer and acc."""
    if fmt == "timeloop":
        return mapping_to_timeloop(mapping, layer, acc)
    if fmt == "zigzag":
        return mapping_to_zigzag(mapping, layer, acc)
    raise SpecError("--format", "format", f"unknown mapping format {fmt!r} (known: {', '.join(FORMATS)})")
