"""Mutations of valid inputs into broken ones, shared by the fuzz tests and ``benchmarks/fuzz_cli.py``.

Every choice goes through a :class:`Chooser`, so the same mutations run under hypothesis (which then
shrinks a failing case to a small one) and under a seeded ``random.Random`` (the CLI campaign). Text
mutations work on the YAML text, not on parsed data, so local tags (Timeloop's ``!Component``) and the
layout survive and only the mutated spot is broken.

The kinds follow issue #13's campaign: deep nesting, alias bombs, huge numbers, NaN/inf, negative values,
wrong types, truncation, random bytes, unknown keys and oversized files.
"""

from __future__ import annotations

import random
import re
from typing import Protocol

YAML_KINDS = (
    "deep_nesting",
    "alias_bomb",
    "huge_number",
    "non_finite",
    "negative",
    "wrong_type",
    "truncation",
    "random_bytes",
    "unknown_key",
    "oversized",
)
"""Every mutation kind of a YAML file."""

OPTION_KINDS = ("huge_number", "non_finite", "negative", "wrong_type", "random_bytes")
"""Mutation kinds of one command-line option value."""

ONNX_KINDS = ("truncation", "random_bytes", "bit_flip", "huge_number", "negative", "unknown_key")
"""Mutation kinds of an ONNX file (nesting and aliases do not exist in protobuf)."""

HUGE = (
    "1e308",
    "1e400",
    "18446744073709551616",
    "99999999999999999999999999",
    "2e18",
    "1e19",
    "1.0e-300",  # tiny: a divisor (fps, lifetime) this small overflows what it divides
    "5e-324",
)
NON_FINITE = (".inf", "-.inf", ".nan", ".NaN", ".Inf")
NEGATIVE = ("-1", "-1e9", "-0.5", "0", "-18446744073709551616")
WRONG_TYPES = (
    "[1, 2]",
    "{a: 1}",
    "null",
    "true",
    "'text'",
    "[]",
    "{}",
    "''",
    "!!binary aGVsbG8=",
    "2024-01-01",
)
HUGE_INTS = ("1099511627776", "1000000000000", "4611686018427387904")
NEGATIVE_INTS = ("-1", "-7", "0")
NESTING_DEPTHS = (70, 200, 600, 2_000, 20_000)
OVERSIZED_BYTES = (4 * 1024**2 + 1, 27_000_000)
"""Just over the input gate's 4 MiB, and the 27 MB file that ran past 60 s in issue #13's campaign."""
BOMB_LEVELS = (2, 4, 6, 9)

_NUMBER = re.compile(r"(?<![\w.\-])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_SCALAR_VALUE = re.compile(r"(?m)(?<=: )[^\s\[\]{}#&*!|>'\"][^\n#]*?(?=\s*(?:#.*)?$)")
_KEY_LINE = re.compile(r"(?m)^( *)(- )?([A-Za-z_][\w.-]*):")


class Chooser(Protocol):
    """Where a mutation gets its choices (hypothesis draws or a seeded RNG)."""

    def integer(self, low: int, high: int) -> int: ...


class RandomChooser:
    """Choices from a seeded ``random.Random`` (the CLI campaign)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)


def pick(choose: Chooser, options: tuple[str, ...] | list[str]) -> str:
    return options[choose.integer(0, len(options) - 1)]


def random_bytes(choose: Chooser, max_len: int = 120) -> bytes:
    return bytes(choose.integer(0, 255) for _ in range(choose.integer(0, max_len)))


def alias_bomb(levels: int, fanout: int = 9) -> str:
    """A flow-style "billion laughs": ``levels`` anchors, each a list of ``fanout`` aliases of the last
    (``fanout ** levels`` values once expanded, from a text of a few hundred bytes)."""
    parts = ["&l0 [" + ", ".join(["lol"] * fanout) + "]"]
    for i in range(1, levels + 1):
        parts.append(f"&l{i} [" + ", ".join([f"*l{i - 1}"] * fanout) + "]")
    return "[" + ", ".join(parts) + "]"


def _replace_span(text: str, span: tuple[int, int], new: str) -> str:
    return text[: span[0]] + new + text[span[1] :]


def _replace_match(text: str, pattern: re.Pattern[str], choose: Chooser, new: str) -> str:
    matches = list(pattern.finditer(text))
    if not matches:
        return text + f"\nzz_mutated: {new}\n"
    m = matches[choose.integer(0, len(matches) - 1)]
    return _replace_span(text, m.span(), new)


def mutate_yaml(text: str, kind: str, choose: Chooser) -> bytes:
    """``text`` (a valid YAML file) broken by one mutation of ``kind``; bytes, since some are not UTF-8."""
    if kind == "deep_nesting":
        depth = NESTING_DEPTHS[choose.integer(0, len(NESTING_DEPTHS) - 1)]
        return _replace_match(text, _SCALAR_VALUE, choose, "[" * depth + "1" + "]" * depth).encode()
    if kind == "alias_bomb":
        levels = BOMB_LEVELS[choose.integer(0, len(BOMB_LEVELS) - 1)]
        return _replace_match(text, _SCALAR_VALUE, choose, alias_bomb(levels)).encode()
    if kind == "huge_number":
        return _replace_match(text, _NUMBER, choose, pick(choose, HUGE)).encode()
    if kind == "non_finite":
        return _replace_match(text, _NUMBER, choose, pick(choose, NON_FINITE)).encode()
    if kind == "negative":
        return _replace_match(text, _NUMBER, choose, pick(choose, NEGATIVE)).encode()
    if kind == "wrong_type":
        pattern = _SCALAR_VALUE if choose.integer(0, 1) else _NUMBER
        return _replace_match(text, pattern, choose, pick(choose, WRONG_TYPES)).encode()
    if kind == "truncation":
        data = text.encode()
        return data[: choose.integer(0, max(len(data) - 1, 0))]
    if kind == "random_bytes":
        data = text.encode()
        if choose.integer(0, 3) == 0:
            return random_bytes(choose)
        start = choose.integer(0, len(data))
        noise = random_bytes(choose, 24)
        return data[:start] + noise + data[start + len(noise) :]
    if kind == "unknown_key":
        lines = list(_KEY_LINE.finditer(text))
        if not lines:
            return (text + "\nzz_unknown_key: 1\n").encode()
        m = lines[choose.integer(0, len(lines) - 1)]
        indent, dash = m.group(1), m.group(2) or ""
        inserted = f"{indent}{dash}zz_unknown_key: 1\n{indent}{' ' * len(dash)}"
        return _replace_span(text, (m.start(), m.start(3)), inserted).encode()
    if kind == "oversized":  # the valid text, then repeated copies of a comment line up to the size
        size = OVERSIZED_BYTES[choose.integer(0, len(OVERSIZED_BYTES) - 1)]
        data = text.encode() + b"\n"
        line = b"# padding " + b"x" * 69 + b"\n"
        return data + line * ((size - len(data)) // len(line) + 1)
    raise ValueError(f"unknown mutation kind {kind!r}")


def option_value(kind: str, choose: Chooser) -> str:
    """A broken value for a command-line option (argv cannot hold NUL bytes, so neither does this)."""
    if kind == "huge_number":
        return pick(choose, HUGE)
    if kind == "non_finite":
        return pick(choose, ("nan", "inf", "-inf", "NaN", "Infinity", "+inf"))
    if kind == "negative":
        return pick(choose, NEGATIVE)
    if kind == "wrong_type":
        return pick(choose, ("abc", "", "1,2", "0x10", "[1]", "1e", "--", "1 2", "true", "é"))
    if kind == "random_bytes":
        raw = random_bytes(choose, 40).replace(b"\x00", b"")
        return raw.decode("latin-1")
    raise ValueError(f"unknown mutation kind {kind!r}")


def mutate_onnx(data: bytes, kind: str, choose: Chooser) -> bytes:
    """A valid ONNX model (serialized) broken by one mutation of ``kind``."""
    if kind == "truncation":
        return data[: choose.integer(0, max(len(data) - 1, 0))]
    if kind == "random_bytes":
        if choose.integer(0, 3) == 0:
            return random_bytes(choose)
        start = choose.integer(0, len(data))
        noise = random_bytes(choose, 24)
        return data[:start] + noise + data[start + len(noise) :]
    if kind == "bit_flip":
        out = bytearray(data)
        for _ in range(choose.integer(1, 8)):
            i = choose.integer(0, len(out) - 1)
            out[i] ^= 1 << choose.integer(0, 7)
        return bytes(out)
    import onnx  # only the semantic mutations need the library

    model = onnx.load_from_string(data)
    if kind in ("huge_number", "negative"):
        value = int(pick(choose, HUGE_INTS if kind == "huge_number" else NEGATIVE_INTS))
        dims = [d for vi in model.graph.input for d in vi.type.tensor_type.shape.dim]
        ints = [a for n in model.graph.node for a in n.attribute if a.ints]
        if ints and (not dims or choose.integer(0, 1)):
            attr = ints[choose.integer(0, len(ints) - 1)]
            attr.ints[choose.integer(0, len(attr.ints) - 1)] = value
        elif dims:
            dims[choose.integer(0, len(dims) - 1)].dim_value = value
    elif kind == "unknown_key":
        node = model.graph.node[choose.integer(0, len(model.graph.node) - 1)]
        if choose.integer(0, 1):
            node.attribute.append(onnx.helper.make_attribute("zz_unknown", 1))
        else:
            node.op_type = "ZzUnknownOp"
    else:
        raise ValueError(f"unknown mutation kind {kind!r}")
    return bytes(model.SerializeToString())
