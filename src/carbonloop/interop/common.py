"""Shared pieces of the readers of other tools' files: tagged YAML, warnings about ignored fields.

Whatever a reader cannot map onto carbonloop's model is never dropped silently: a field that is known but
unsupported becomes one :class:`InteropWarning` listing what was ignored; a field that is unknown (a typo,
a newer version) or a construct the model cannot express raises a one-line :class:`SpecError`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from carbonloop.errors import SpecError, shorten
from carbonloop.specio import MAX_ABS_NUMBER, finite_number, load_yaml, parse_yaml

TAG_KEY = "!tag"
"""Key under which :class:`TaggedLoader` records the YAML tag (``!Component``...) of a mapping."""


class InteropWarning(UserWarning):
    """A field of another tool's file that carbonloop read but does not model (listed in the message)."""


WARNING_CHARS = 600
"""A warning is one readable line whatever the file holds (a field name may be megabytes long)."""


def warn(source: str, message: str) -> None:
    warnings.warn(f"{shorten(source)}: {shorten(message, WARNING_CHARS)}", InteropWarning, stacklevel=3)


def warn_ignored(source: str, items: Iterable[str], why: str = "not modelled by carbonloop") -> None:
    """One warning listing every ignored field of one file (nothing when there is none)."""
    listed = sorted(dict.fromkeys(items))
    if listed:
        warn(source, f"ignored {', '.join(listed)} ({why})")


@contextmanager
def collected_warnings() -> Iterator[list[str]]:
    """Collect the InteropWarnings raised inside the block as plain messages (the CLI prints them)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InteropWarning)
        out: list[str] = []
        try:
            yield out
        finally:
            out.extend(str(w.message) for w in caught if issubclass(w.category, InteropWarning))
    for w in caught:  # anything else goes on as it would have
        if not issubclass(w.category, InteropWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


class TaggedLoader(yaml.SafeLoader):
    """A SafeLoader that accepts any local tag (``!Component``, ``!Container``...) on any node.

    A tagged mapping loads as a dict with the tag under :data:`TAG_KEY`; tagged scalars and sequences
    load as their plain values. Nothing is ever constructed beyond plain data.
    """


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        data = loader.construct_mapping(node, deep=True)
        return {TAG_KEY: "!" + suffix, **data}
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


TaggedLoader.add_multi_constructor("!", _construct_tagged)


def load_tagged_yaml(path: str | Path) -> Any:
    """Parse a YAML file that may carry local tags; errors become one-line SpecErrors naming the file."""
    return load_yaml(path, TaggedLoader)


def parse_tagged_yaml(text: str, source: str = "<yaml>") -> Any:
    return parse_yaml(text, source, TaggedLoader)


def read_input(value: Any, what: str) -> tuple[Any, str]:
    """``value`` is a path (read it) or already-parsed data; returns (data, source name)."""
    if isinstance(value, str | Path):
        return load_tagged_yaml(value), str(value)
    return value, f"<{what}>"


MAX_INT = 10**18
"""Largest integer a reader accepts (the input gate's bound, :data:`carbonloop.specio.MAX_ABS_NUMBER`)."""


def positive_int(value: Any, source: str, field: str, *, high: int = MAX_INT) -> int:
    """A positive integer of at most ``high``: ``8``, ``8.0`` and ``"8"`` are 8; anything else a SpecError."""
    shown = shorten(repr(value), 60)
    if isinstance(value, bool):
        raise SpecError(source, field, f"expected a positive integer (got {shown})")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 30:
        value = int(value.strip())
    if not isinstance(value, int) or value < 1:
        raise SpecError(source, field, f"expected a positive integer (got {shown})")
    if value > high:
        raise SpecError(source, field, f"must be <= {high:g} (got {shown})")
    return value


def number(value: Any, source: str, field: str, *, low: float = 0.0, high: float = MAX_ABS_NUMBER) -> float:
    """A finite number in ``[low, high]`` (by default a non-negative physical quantity: an energy, an area,
    a bandwidth or a cycle time); ``inf``, ``nan`` and ``"1e400"`` are refused naming the field."""
    return finite_number(value, source, field, low=low, high=high)


def as_dict(value: Any, source: str, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError(source, field, f"expected a mapping (got {type(value).__name__})")
    return value


def as_list(value: Any, source: str, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SpecError(source, field, f"expected a list (got {type(value).__name__})")
    return value


def check_keys(data: dict[str, Any], known: Iterable[str], source: str, where: str) -> None:
    """Unknown keys (typos, newer versions) are an error naming the first one and the known ones."""
    known_set = set(known)
    for key in data:
        if key != TAG_KEY and key not in known_set:
            raise SpecError(
                source,
                f"{where}.{key}" if where else str(key),
                f"unknown field (known: {', '.join(sorted(known_set))})",
            )
