"""The input gate (carbonloop.specio, issue #13.2): each limit holds at its documented value, exactly.

Every limit is tested on both sides: the largest input it allows loads, one step more is refused with a
one-line SpecError naming the file, the place and the value.
"""

from __future__ import annotations

import math
import re
from importlib import resources

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.errors import SpecError, shorten
from carbonloop.specio import (
    MAX_ABS_NUMBER,
    MAX_EXPANDED_NODES,
    MAX_FILE_BYTES,
    MAX_NESTING_DEPTH,
    bounded_int,
    finite_number,
    load_yaml,
    parse_bits,
    parse_yaml,
)
from tests.fuzz.mutations import alias_bomb


def nested(depth: int) -> str:
    """``depth`` nested flow sequences around one scalar: ``[[1]]`` has depth 2."""
    return "[" * depth + "1" + "]" * depth


def test_nesting_up_to_the_limit_loads_and_one_more_level_is_refused():
    # The document's root sequence is level 1, so MAX_NESTING_DEPTH brackets are exactly at the limit.
    data = parse_yaml(nested(MAX_NESTING_DEPTH))
    for _ in range(MAX_NESTING_DEPTH):
        (data,) = data
    assert data == 1
    with pytest.raises(SpecError) as err:
        parse_yaml(nested(MAX_NESTING_DEPTH + 1), "deep.yaml")
    # the 65th "[" is column 65 of line 1
    assert (
        str(err.value) == f"deep.yaml: line 1, column {MAX_NESTING_DEPTH + 1}: nested deeper than 64 levels"
    )


def test_nesting_that_overflowed_the_parser_is_one_error():
    """~600 levels raised RecursionError before the gate; 20,000 are now one error line (the gate's at
    level 65, or libyaml's own at level 1000 when its scanner, reading ahead, gets there first)."""
    with pytest.raises(
        SpecError,
        match=r"^deep\.yaml: line 1, column \d+: (nested deeper than 64 levels|malformed YAML: exceeded maximum nesting depth)$",
    ):
        parse_yaml("a: " + nested(20_000), "deep.yaml")


def expanded_size(levels: int, fanout: int = 9) -> int:
    """Values of :func:`alias_bomb` once expanded: level 0 is a list of ``fanout`` scalars (1 + 9 = 10
    nodes), level i a list of ``fanout`` copies of level i-1 (1 + 9 * size(i-1)), all in one outer list."""
    sizes = [1 + fanout]
    for _ in range(levels):
        sizes.append(1 + fanout * sizes[-1])
    return 1 + sum(sizes)


def test_alias_expansion_is_counted_and_capped():
    # levels 4: 1 + (10 + 91 + 820 + 7381 + 66430) = 74,733 values, under the 200,000 cap
    assert expanded_size(4) == 74_733 < MAX_EXPANDED_NODES
    data = parse_yaml(alias_bomb(4))
    assert len(data) == 5 and len(data[4]) == 9 and data[4][0][0][0][0] == ["lol"] * 9
    # levels 5 adds a list of 1 + 9 * 66,430 = 597,871 values: refused where that list closes
    assert expanded_size(5) - expanded_size(4) == 597_871 > MAX_EXPANDED_NODES
    text = alias_bomb(5)
    with pytest.raises(SpecError) as err:
        parse_yaml(text, "bomb.yaml")
    assert "bomb.yaml: line 1, column " in str(err.value)
    assert str(err.value).endswith(
        f"more than {MAX_EXPANDED_NODES} values once aliases are expanded (an alias bomb?)"
    )
    assert len(text) < 500  # the bomb is tiny; what it expands to is not


def test_the_billion_laughs_of_issue_13_is_refused_at_once():
    with pytest.raises(SpecError, match="alias bomb"):
        parse_yaml("x: " + alias_bomb(9), "bomb.yaml")  # 9**9 = 387,420,489 leaves


def test_recursive_aliases_are_refused():
    with pytest.raises(SpecError, match=r"^r\.yaml: line 1, column 5: recursive alias \*a$"):
        parse_yaml("&a [*a]", "r.yaml")
    with pytest.raises(SpecError, match="recursive alias"):
        parse_yaml("k: &k {q: *k}", "r.yaml")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(SpecError) as err:
        load_yaml(big)
    assert str(err.value) == (
        f"{big}: <file>: file of {MAX_FILE_BYTES + 1} bytes is larger than the limit of {MAX_FILE_BYTES}"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("read_pj: .inf", "read_pj: must be a finite number (got inf)"),
        ("a: {b: [1, -.inf]}", "a.b[1]: must be a finite number (got -inf)"),
        ("clock_ns: .nan", "clock_ns: must be a finite number (got nan)"),
        ("n: 1000000000000000001", "n: absurd magnitude (got 1000000000000000001; limit 1e+18)"),
        (
            "x: -1.5e+18",
            "x: absurd magnitude (got -1.5e+18; limit 1e+18)",
        ),  # YAML 1.1 floats need the dot and the sign
        ("split: 18446744073709551616", "split: absurd magnitude (got 18446744073709551616; limit 1e+18)"),
        ("{.inf: 1}", "inf: must be a finite number (got inf)"),
    ],
)
def test_non_finite_and_absurd_numbers_are_refused_with_field_and_value(text, message):
    with pytest.raises(SpecError) as err:
        parse_yaml(text, "f.yaml")
    assert str(err.value) == f"f.yaml: {message}"


def test_numbers_at_the_limit_load():
    assert parse_yaml("a: 1000000000000000000\nb: -1.0e+18\nc: [0, 0.0, -3]") == {
        "a": 10**18,
        "b": -1e18,
        "c": [0, 0.0, -3],
    }
    assert MAX_ABS_NUMBER == 1e18


def test_every_shipped_preset_loads_as_plain_pyyaml_reads_it():
    """The gate changes nothing for valid files (callers keep working)."""
    presets = resources.files("carbonloop.hardware") / "presets"
    names = sorted(p.name for p in presets.iterdir() if p.name.endswith(".yaml"))
    assert len(names) >= 7
    for name in names:
        text = (presets / name).read_text(encoding="utf-8")
        assert parse_yaml(text, name) == yaml.safe_load(text)


def test_finite_number_ranges():
    assert finite_number("1e3", "f", "x") == 1000.0
    assert finite_number(0, "f", "x", low=0.0) == 0.0
    with pytest.raises(SpecError, match=r"^f: x: must be > 0 \(got 0\)$"):
        finite_number(0, "f", "x", low=0.0, low_open=True)
    with pytest.raises(SpecError, match=r"^f: x: must be <= 10 \(got 10.5\)$"):
        finite_number(10.5, "f", "x", high=10)
    with pytest.raises(SpecError, match=r"^f: x: must be a finite number \(got '1e400'\)$"):
        finite_number("1e400", "f", "x")  # float("1e400") is inf
    with pytest.raises(SpecError, match=r"^f: x: expected a number \(got True\)$"):
        finite_number(True, "f", "x")
    with pytest.raises(SpecError, match=r"^f: x: expected a number \(got \[1\]\)$"):
        finite_number([1], "f", "x")
    with pytest.raises(SpecError, match="expected a number"):
        finite_number(10**400, "f", "x")  # float() overflows


def test_bounded_int():
    assert bounded_int("12", "f", "n") == 12 and bounded_int(3.0, "f", "n") == 3
    for bad, message in [
        (0, "must be >= 1"),
        (2**53 + 1, "must be <= 9007199254740992"),
        (2.5, "expected an integer"),
    ]:
        with pytest.raises(SpecError, match=message):
            bounded_int(bad, "f", "n")


def test_sizes_with_units_stay_finite():
    assert parse_bits("16 KiB", "f", "size") == 16 * 1024 * 8 == 131_072
    with pytest.raises(SpecError, match="absurd size"):
        parse_bits("1e400 KiB", "f", "size")  # float overflow to inf
    with pytest.raises(SpecError, match="absurd size"):
        parse_bits(10**19, "f", "size")


@settings(max_examples=50, derandomize=True, database=None)
@given(st.text(min_size=0, max_size=3000))
def test_an_error_is_one_short_line_whatever_its_parts(text):
    err = SpecError(text, text, text)
    line = f"error: {err}"
    assert "\n" not in line and "\r" not in line
    # source and field at most 200 characters each, the message 400, and the separators
    assert len(line) <= len("error: ") + 200 + 2 + 200 + 2 + 400


def test_shorten_keeps_short_text_and_cuts_long_text():
    assert shorten("a\n  b") == "a b"
    assert shorten("x" * 500, 10) == "xxxxxxx..."


def test_inf_is_a_value_only_where_it_means_no_limit():
    """A bandwidth of .inf is "no limit" (what show-accelerator writes for a Timeloop level without one)."""
    data = parse_yaml("memories:\n- {name: a, read_bw_bits: .inf, write_bw_bits: .inf}")
    assert data["memories"][0]["read_bw_bits"] == math.inf
    for text, field in [
        ("memories: [{read_bw_bits: -.inf}]", "memories[0].read_bw_bits"),
        ("memories: [{write_bw_bits: .nan}]", "memories[0].write_bw_bits"),
        ("memories: [{read_pj: .inf}]", "memories[0].read_pj"),
    ]:
        with pytest.raises(SpecError, match=rf"^f\.yaml: {re.escape(field)}: must be a finite number"):
            parse_yaml(text, "f.yaml")


def test_the_gate_holds_without_libyaml(monkeypatch):
    """PyYAML built without libyaml: the same limits through the pure-Python parser."""
    import carbonloop.specio as specio

    monkeypatch.setattr(specio, "_CParser", None)
    monkeypatch.setattr(specio, "_GATED", {})
    assert specio.parse_yaml("a: [1, {b: 2}]") == {"a": [1, {"b": 2}]}
    with pytest.raises(SpecError, match="line 1, column 65: nested deeper than 64 levels"):
        parse_yaml(nested(MAX_NESTING_DEPTH + 1))
    with pytest.raises(SpecError, match="alias bomb"):
        parse_yaml(alias_bomb(5))
    with pytest.raises(SpecError, match="recursive alias"):
        parse_yaml("&a [*a]")
    assert "CParser" not in {c.__name__ for c in specio._gated(yaml.SafeLoader).__mro__}


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**18), 10**18)
    | st.floats(-1e18, 1e18, allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=100, derandomize=True, database=None)
@given(_VALUES)
def test_the_gate_reads_any_valid_document_as_pyyaml_does(value):
    """Property: within the limits, the gate (libyaml events, gated composer) returns what PyYAML's own
    pure-Python SafeLoader returns, for block and flow layouts."""
    for flow in (False, None):
        text = yaml.safe_dump(value, default_flow_style=flow)
        assert parse_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader
