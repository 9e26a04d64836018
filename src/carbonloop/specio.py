"""The input gate: every user file is read, parsed and checked here, and any fault is a one-line SpecError.

One loader with limits, so no file can exhaust the process (issue #13.2): a file size cap, a nesting-depth
cap (PyYAML's composer recurses once per level, and ~600 levels raise ``RecursionError``), a cap on the
size of the document with every alias expanded (a "billion laughs" file of under 1 kB expands to
gigabytes when a validator or an error message walks it), no recursive aliases, and every number finite
and of a sane magnitude. The limits are module constants so that a caller (or a test) can read them.

Events come from libyaml when PyYAML has it (a gated load is then about 4x faster than PyYAML's own
pure-Python SafeLoader); nodes are always composed by the gated composer below.
"""

from __future__ import annotations

import importlib
import math
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from carbonloop.errors import SpecError, shorten

M = TypeVar("M", bound=BaseModel)

MAX_FILE_BYTES = 4 * 1024**2
"""Largest spec file read (4 MiB), checked before reading: ResNet-50 written out as a workload YAML is
29 kB; issue #13's 27 MB file ran past 60 s."""
MAX_NESTING_DEPTH = 64
"""Deepest nesting of mappings and sequences (real specs nest fewer than 10 levels)."""
MAX_EXPANDED_NODES = 200_000
"""Most YAML values in a document, counted as they are read with every alias expanded (ResNet-50 as a
workload YAML has 4,892). A dense 4 MiB file is stopped here after about 600 kB of its text."""
MAX_ABS_NUMBER = 1e18
"""Largest magnitude of any number in a spec file: below int64's 9.2e18 so no count overflows numpy, and
far above any physical quantity in our units (1e18 pJ is 1 MJ per action; 1e18 bits is 125 PB)."""
MAX_DIE_AREA_MM2 = 70_686.0
"""A 300 mm wafer (pi x 150^2 mm2): no die or component is larger (Cerebras WSE-3, the largest die, is
46,225 mm2)."""
MAX_PRECISION_BITS = 256
"""Widest operand or partial sum in bits (accumulators of 64 bits are already generous)."""
UNLIMITED_KEYS = frozenset({"read_bw_bits", "write_bw_bits"})
"""Fields where ``.inf`` is a value, not a fault: a bandwidth of ``.inf`` means "no limit" (an accelerator
read from Timeloop without a bandwidth, written out by ``show-accelerator``). ``-.inf`` and ``.nan`` are
refused there too."""
MAX_LAYERS = 10_000
"""Most layers in one workload (the largest zoo and ONNX networks have a few hundred)."""


class _GatedComposer:
    """Mixed into a SafeLoader: counts depth and alias-expanded size while the node graph is composed.

    ``_gate_total`` counts the values of the document as if every alias were expanded, as they are
    composed (an alias adds the expanded size of its anchor), so a file is refused as soon as it passes
    :data:`MAX_EXPANDED_NODES`, however flat or however aliased.
    """

    _gate_source = "<yaml>"
    _gate_depth = 0
    _gate_total = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        loader: Any = self
        sizes: dict[int, int] = loader.__dict__.setdefault("_gate_sizes", {})
        event = loader.peek_event()
        depth = loader._gate_depth + 1
        if depth > MAX_NESTING_DEPTH and isinstance(event, yaml.CollectionStartEvent):
            raise SpecError(loader._gate_source, _at(event), f"nested deeper than {MAX_NESTING_DEPTH} levels")
        if isinstance(event, yaml.AliasEvent):
            target = loader.anchors.get(event.anchor)
            if target is not None:
                if id(target) not in sizes:
                    raise SpecError(loader._gate_source, _at(event), f"recursive alias *{event.anchor}")
                loader._count(sizes[id(target)], event)
            return super().compose_node(parent, index)  # type: ignore[misc]
        loader._count(1, event)
        loader._gate_depth = depth
        try:
            node = super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            loader._gate_depth = depth - 1
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in node.value)
        else:
            size = 1
        sizes[id(node)] = size
        return node

    def _count(self, values: int, event: yaml.Event) -> None:
        self._gate_total += values
        if self._gate_total > MAX_EXPANDED_NODES:
            raise SpecError(
                self._gate_source,
                _at(event),
                f"more than {MAX_EXPANDED_NODES} values once aliases are expanded (an alias bomb?)",
            )


def _at(event: yaml.Event) -> str:
    mark = event.start_mark
    return "<yaml>" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}"


try:  # libyaml's parser turns text into events many times faster than PyYAML's pure-Python one
    _CParser: Any = getattr(importlib.import_module("yaml.cyaml"), "CParser", None)
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None


def _init_with_libyaml(self: Any, stream: str) -> None:
    _CParser.__init__(self, stream)
    yaml.composer.Composer.__init__(self)
    yaml.constructor.SafeConstructor.__init__(self)
    yaml.resolver.Resolver.__init__(self)


_GATED: dict[type[yaml.SafeLoader], type[yaml.SafeLoader]] = {}


def _gated(loader: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """The loader class with the gate mixed in (one class per loader, made once).

    With libyaml, events come from its parser (a state machine: no recursion, whatever the depth) while
    the nodes are still composed in Python, by the gated composer, and built by ``loader``'s constructors.
    """
    if loader not in _GATED:
        if _CParser is None:
            _GATED[loader] = type(f"Gated{loader.__name__}", (_GatedComposer, loader), {})
        else:
            composer = yaml.composer.Composer
            _GATED[loader] = type(
                f"Gated{loader.__name__}",
                (_GatedComposer, _CParser, loader),
                {
                    "__init__": _init_with_libyaml,
                    "check_node": composer.check_node,
                    "get_node": composer.get_node,
                    "get_single_node": composer.get_single_node,
                },
            )
    return _GATED[loader]


def load_yaml(path: str | Path, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """Parse a YAML file through the gate; a missing, unreadable, oversized or malformed file raises
    SpecError naming it."""
    p = Path(path)
    source = str(path)
    if not p.is_file():
        raise SpecError(source, "<file>", "no such file")
    check_file_size(p, source, MAX_FILE_BYTES)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(source, "<file>", f"cannot read: {err}") from None
    return parse_yaml(text, source, loader)


def check_file_size(path: Path, source: str, limit_bytes: int) -> None:
    """Refuse a file larger than ``limit_bytes`` before reading any of it."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise SpecError(source, "<file>", f"cannot read: {err}") from None
    if size > limit_bytes:
        raise SpecError(source, "<file>", f"file of {size} bytes is larger than the limit of {limit_bytes}")


def parse_yaml(text: str, source: str = "<yaml>", loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """Parse YAML text through the gate (``loader`` may be a SafeLoader subclass that knows more tags).

    Beyond the parser's own errors, this refuses text over :data:`MAX_FILE_BYTES`, nesting deeper than
    :data:`MAX_NESTING_DEPTH`, more than :data:`MAX_EXPANDED_NODES` values with aliases expanded, recursive
    aliases, and numbers that are not finite or exceed :data:`MAX_ABS_NUMBER` in magnitude.
    """
    if len(text) > MAX_FILE_BYTES:
        raise SpecError(source, "<file>", f"text of {len(text)} characters is larger than {MAX_FILE_BYTES}")
    gated = _gated(loader)
    try:
        instance = gated(text)
        instance._gate_source = source  # type: ignore[attr-defined]
        try:
            data = instance.get_single_data()
        finally:
            instance.dispose()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "<yaml>"
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise SpecError(source, where, f"malformed YAML: {problem}") from None
    except RecursionError:  # pragma: no cover - the depth cap stops nesting long before this
        raise SpecError(source, "<yaml>", "nested too deeply") from None
    check_numbers(data, source)
    return data


def check_numbers(data: Any, source: str, prefix: str = "") -> None:
    """Every number in parsed data is finite and at most :data:`MAX_ABS_NUMBER` in magnitude.

    Shared containers (YAML aliases) are visited once, so the walk is linear in the file's size.
    """
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(data, prefix)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            if value == math.inf and where.rsplit(".", 1)[-1] in UNLIMITED_KEYS:
                continue
            _check_magnitude(value, source, where or "<root>")
        elif isinstance(value, dict | list):
            if id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, dict):
                for key, item in value.items():
                    child = f"{where}.{key}" if where else str(key)
                    if isinstance(key, int | float) and not isinstance(key, bool):
                        _check_magnitude(key, source, child)
                    stack.append((item, child))
            else:
                stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))


def _check_magnitude(value: float, source: str, field: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(source, field, f"must be a finite number (got {value!r})")
    if abs(value) > MAX_ABS_NUMBER:
        raise SpecError(
            source, field, f"absurd magnitude (got {shorten(repr(value), 40)}; limit {MAX_ABS_NUMBER:g})"
        )


def finite_number(
    value: Any,
    source: str,
    field: str,
    *,
    low: float = -MAX_ABS_NUMBER,
    high: float = MAX_ABS_NUMBER,
    low_open: bool = False,
) -> float:
    """``value`` as a float that is finite and in ``[low, high]`` (``(low, high]`` with ``low_open``).

    For readers of other tools' files and for option values: strings such as ``"1e3"`` are accepted,
    booleans, ``nan``, ``inf`` and out-of-range numbers raise SpecError naming the field and the value.
    """
    shown = shorten(repr(value), 60)
    if isinstance(value, bool):
        raise SpecError(source, field, f"expected a number (got {shown})")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise SpecError(source, field, f"expected a number (got {shown})") from None
    if not math.isfinite(number):
        raise SpecError(source, field, f"must be a finite number (got {shown})")
    if number < low or (low_open and number == low):
        raise SpecError(source, field, f"must be {'>' if low_open else '>='} {low:g} (got {shown})")
    if number > high:
        raise SpecError(source, field, f"must be <= {high:g} (got {shown})")
    return number


def bounded_int(value: Any, source: str, field: str, *, low: int = 1, high: int = 2**53) -> int:
    """``value`` as an integer in ``[low, high]``; integral floats and digit strings are accepted."""
    shown = shorten(repr(value), 60)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 30:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(source, field, f"expected an integer (got {shown})")
    if value < low:
        raise SpecError(source, field, f"must be >= {low} (got {shown})")
    if value > high:
        raise SpecError(source, field, f"must be <= {high} (got {shown})")
    return value


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


_PYDANTIC_TAG = re.compile(r"^(int|float|str|bool|none|bytes|function-.*|[a-z-]+\[.*\])$")
"""Parts pydantic adds to an error's location for the member of a union it tried (``size_bits.int``,
``spans.list[str]``): not fields of the user's file, so they are left out of the path."""


def validate(model: type[M], data: Any, source: str, prefix: str = "") -> M:
    """Validate ``data`` against a pydantic model; the first error becomes a SpecError."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = [p for p in first.get("loc", ()) if not (isinstance(p, str) and _PYDANTIC_TAG.match(p))]
        value = first.get("input")
        msg = first.get("msg", "invalid value")
        shown = "" if isinstance(value, dict | list) else f" (got {shorten(repr(value))})"
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
            scaled = float(num) * _SIZE_UNITS[unit]
        except ValueError:
            raise SpecError(source, field, f"not a size: {shorten(repr(value))}") from None
        if not math.isfinite(scaled) or scaled > MAX_ABS_NUMBER:
            raise SpecError(
                source, field, f"absurd size (got {shorten(repr(value))}; limit {MAX_ABS_NUMBER:g} bits)"
            )
        bits = int(scaled)
    if bits <= 0:
        raise SpecError(source, field, f"size must be positive (got {shorten(repr(value))})")
    if bits > MAX_ABS_NUMBER:
        raise SpecError(
            source, field, f"absurd size (got {shorten(repr(value))}; limit {MAX_ABS_NUMBER:g} bits)"
        )
    return bits
