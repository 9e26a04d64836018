"""The memory entry of a hand-built accelerator YAML (tests of per-operand and diagonal hierarchies)."""

from __future__ import annotations

from typing import Any


def memory_spec(
    name: str,
    ops: str,
    spans: list[str],
    size: int | None = None,
    *,
    read_pj: float,
    write_pj: float,
    **kw: Any,
) -> dict[str, Any]:
    """An 8-bit-word memory keeping the operands ``ops`` (e.g. ``"WIO"``), shared along ``spans``;
    ``size`` bits (unbounded when None); any other YAML key through ``kw``."""
    spec: dict[str, Any] = {
        "name": name,
        "width_bits": 8,
        "read_pj": read_pj,
        "write_pj": write_pj,
        "operands": list(ops),
        "spans": spans,
    }
    if size is not None:
        spec["size_bits"] = size
    return {**spec, **kw}
