"""Accelerator specs refuse non-finite, negative and absurd numbers, naming file, field and value (#13.2).

Before the gate, ``.inf`` for ``read_pj``, ``mac_pj``, ``clock_ns`` or ``area_mm2`` loaded and gave
``"energy_pj": Infinity``; ``cycles_per_mac: 2**64`` overflowed numpy.
"""

from __future__ import annotations

import copy
import math
from importlib import resources

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from carbonloop.hardware import accelerator_from_dict
from carbonloop.hardware.yaml import MAX_ACTION_PJ, MAX_CYCLES_PER_MAC, load_accelerator_file
from carbonloop.specio import MAX_DIE_AREA_MM2


def two_level() -> dict:
    text = (resources.files("carbonloop.hardware") / "presets" / "two_level.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def set_field(data: dict, path: tuple, value: object) -> dict:
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("memories", 0, "read_pj"), "memories[0].read_pj"),
        (("array", "mac_pj"), "array.mac_pj"),
        (("clock_ns",), "clock_ns"),
        (("memories", 1, "area_mm2"), "memories[1].area_mm2"),
    ],
)
def test_inf_in_an_accelerator_file_is_refused_naming_file_and_field(tmp_path, path, field):
    f = tmp_path / "acc.yaml"
    f.write_text(yaml.safe_dump(set_field(two_level(), path, math.inf)))
    assert ".inf" in f.read_text()
    with pytest.raises(SpecError) as err:
        load_accelerator_file(f)
    assert str(err.value) == f"{f}: {field}: must be a finite number (got inf)"


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        (("memories", 0, "read_pj"), math.nan, "memories[0].read_pj: Input should be a finite number"),
        (("array", "mac_pj"), -0.5, "array.mac_pj: Input should be greater than or equal to 0 (got -0.5)"),
        (
            ("memories", 0, "write_pj"),
            2e9,
            "memories[0].write_pj: Input should be less than or equal to 1000000000",
        ),
        (("clock_ns",), 0, "clock_ns: Input should be greater than 0 (got 0)"),
        (
            ("memories", 1, "area_mm2"),
            1e308,
            "memories[1].area_mm2: Input should be less than or equal to 70686",
        ),
        (
            ("array", "cycles_per_mac"),
            2**64,
            "array.cycles_per_mac: Input should be less than or equal to 65536",
        ),
        (
            ("memories", 0, "width_bits"),
            0,
            "memories[0].width_bits: Input should be greater than or equal to 1",
        ),
        (("memories", 0, "size_bits"), "1e400 KiB", "memories[0].size_bits: absurd size"),
    ],
)
def test_bad_numbers_through_the_python_api_are_refused(path, value, needle):
    data = set_field(two_level(), path, value)
    if path[-1] == "size_bits":
        del data["memories"][0]["depth"]
    with pytest.raises(SpecError) as err:
        accelerator_from_dict(data, "acc")
    assert str(err.value).startswith(f"acc: {needle}"), str(err.value)


def test_limits_are_the_documented_ones():
    assert (MAX_ACTION_PJ, MAX_CYCLES_PER_MAC, MAX_DIE_AREA_MM2) == (1e9, 65536, 70686.0)
    # pi x 150^2 = 70,685.8 mm2: a 300 mm wafer, rounded up
    assert abs(MAX_DIE_AREA_MM2 - math.pi * 150**2) < 0.5


@settings(max_examples=60, derandomize=True, database=None)
@given(
    read_pj=st.floats(allow_nan=True, allow_infinity=True),
    area_mm2=st.floats(allow_nan=True, allow_infinity=True),
)
def test_any_float_gives_a_sane_accelerator_or_a_spec_error(read_pj, area_mm2):
    data = set_field(
        set_field(two_level(), ("memories", 0, "read_pj"), read_pj), ("memories", 0, "area_mm2"), area_mm2
    )
    try:
        acc = accelerator_from_dict(data, "acc")
    except SpecError as err:
        assert "\n" not in str(err)
        return
    assert 0 <= acc.memories[0].read_pj <= MAX_ACTION_PJ and math.isfinite(acc.area_mm2)


def test_an_unlimited_bandwidth_survives_a_round_trip_through_a_file(tmp_path):
    """``.inf`` bandwidth is "no limit" (Timeloop levels without one); the input gate lets it through."""
    from carbonloop.hardware import dump_accelerator

    data = set_field(two_level(), ("memories", 0, "read_bw_bits"), math.inf)
    acc = accelerator_from_dict(data, "acc")
    f = tmp_path / "acc.yaml"
    f.write_text(dump_accelerator(acc))
    assert "read_bw_bits: .inf" in f.read_text()
    again = load_accelerator_file(f)
    assert again.memories[0].read_bw_bits == math.inf and again == acc


def test_the_field_path_names_the_users_field_not_pydantics_union_member():
    data = set_field(two_level(), ("memories", 0, "spans"), 3)
    with pytest.raises(SpecError) as err:
        accelerator_from_dict(data, "acc")
    assert (
        str(err.value) == "acc: memories[0].spans: Input should be a valid list (got 3)"
    )  # not spans.list[str]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"clock_ns": math.nan}, "clock_ns"),
        ({"read_pj": math.inf}, "memories[0].read_pj"),
        ({"area_mm2": math.nan}, "memories[0].area_mm2"),
        ({"read_bw_bits": math.nan}, "memories[0].read_bw_bits"),
        ({"mac_pj": -1.0}, "array.mac_pj"),
    ],
)
def test_an_accelerator_built_in_python_refuses_nan_and_inf(change, field):
    """The loaders check specs; the dataclass checks what Python code builds directly (templates, IMC)."""
    import dataclasses

    acc = accelerator_from_dict(two_level(), "acc")
    key, value = next(iter(change.items()))
    with pytest.raises(SpecError) as err:
        if key == "clock_ns":
            dataclasses.replace(acc, clock_ns=value)
        elif key == "mac_pj":
            dataclasses.replace(acc, array=dataclasses.replace(acc.array, mac_pj=value))
        else:
            memories = (dataclasses.replace(acc.memories[0], **{key: value}), *acc.memories[1:])
            dataclasses.replace(acc, memories=memories)
    assert err.value.field == field


def test_unlimited_bandwidth_is_still_allowed_in_python():
    import dataclasses

    acc = accelerator_from_dict(two_level(), "acc")
    memories = (dataclasses.replace(acc.memories[0], read_bw_bits=math.inf), *acc.memories[1:])
    assert dataclasses.replace(acc, memories=memories).memories[0].read_bw_bits == math.inf
