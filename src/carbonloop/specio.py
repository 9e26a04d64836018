"""Reading user files at the edge: YAML parsing and pydantic validation turned into one-line SpecErrors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from carbonloop.errors import SpecError

M = TypeVar("M", bound=BaseModel)


def load_yaml(path: str | Path, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """Parse a YAML file; a missing, unreadable or malformed file raises SpecError naming it."""
    p = Path(path)
    source = str(path)
    if not p.is_file():
        raise SpecError(source, "<file>", "no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(source, "<file>", f"cannot read: {err}") from None
    return parse_yaml(text, source, loader)


def parse_yaml(text: str, source: str = "<yaml>", loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """Parse YAML text (``loader`` may be a SafeLoader subclass that knows more tags)."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - always a SafeLoader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "<yaml>"
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise SpecError(source, where, f"malformed YAML: {problem}") from None


def dump_yaml(data: Any) -> str:
    """YAML text with keys in insertion order and flow style for short lists."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=110)


def field_path(loc: tuple[Any, ...] | list[Any], prefix: str = "") -> str:
    """``('memories', 2, 'size_bits')`` -> ``memories[2].size_bits``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<root>"


def validate(model: type[M], data: Any, source: str, prefix: str = "") -> M:
    """Validate ``data`` against a pydantic model; the first error becomes a SpecError."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = [p for p in first.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-"))]
        value = first.get("input")
        msg = first.get("msg", "invalid value")
        shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
        raise SpecError(source, field_path(loc, prefix), f"{msg}{shown}") from None


_SIZE_UNITS = {
    "b": 1,
    "bit": 1,
    "bits": 1,
    "B": 8,
    "byte": 8,
    "bytes": 8,
    "KiB": 8 * 1024,
    "MiB": 8 * 1024**2,
    "GiB": 8 * 1024**3,
    "KB": 8 * 1000,
    "kB": 8 * 1000,
    "MB": 8 * 1000**2,
    "GB": 8 * 1000**3,
    "Kib": 1024,
    "Mib": 1024**2,
}


def parse_bits(value: int | str, source: str, field: str) -> int:
    """``131072`` (bits) or ``"16 KiB"`` / ``"8KB"`` -> bits; anything else raises SpecError."""
    if isinstance(value, bool):
        raise SpecError(source, field, f"not a size: {value!r}")
    if isinstance(value, int):
        bits = value
    else:
        text = str(value).strip()
        num = text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ")
        unit = text[len(num) :].strip() or "bits"
        if unit not in _SIZE_UNITS:
            raise SpecError(source, field, f"unknown size unit {unit!r} in {value!r}")
        try:
            bits = int(float(num) * _SIZE_UNITS[unit])
        except ValueError:
            raise SpecError(source, field, f"not a size: {value!r}") from None
    if bits <= 0:
        raise SpecError(source, field, f"size must be positive (got {value!r})")
    return bits
