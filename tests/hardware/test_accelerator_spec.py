"""The accelerator spec: instance counts from spans, areas, size units and validation errors."""

from __future__ import annotations

import pytest

from carbonloop.errors import SpecError
from carbonloop.hardware import accelerator_from_dict, dump_accelerator, load_preset
from carbonloop.specio import parse_bits


def test_os_array_instances_and_area():
    acc = load_preset("os_array_16x16")
    assert [acc.instances(i) for i in range(3)] == [1, 1, 256]
    assert acc.fanout_level("X") == acc.fanout_level("Y") == 1
    # ../hardware/presets/os_array_16x16.yaml: SRAM 0.190037 + 256 x (register 0.0002358 + PE 0.00094482)
    assert acc.area_mm2 == pytest.approx(0.190037 + 256 * (0.0002358 + 0.00094482))
    assert acc.memories[1].size_bits == 128 * 1024 * 8


def test_two_level_preset_matches_the_exercise():
    acc = load_preset("two_level")
    mm, buf = acc.memories
    assert (mm.size_bits, buf.size_bits) == (32768 * 8, 64 * 8)
    assert (mm.read_pj, mm.write_pj, buf.read_pj, buf.write_pj, acc.array.mac_pj) == (
        7.95,
        5.45,
        0.42,
        0.42,
        0.56,
    )
    assert mm.update_pj == mm.write_pj


def test_dump_and_reload_is_identical():
    acc = load_preset("os_array_16x16")
    import yaml

    again = accelerator_from_dict(yaml.safe_load(dump_accelerator(acc)))
    assert again == acc


@pytest.mark.parametrize(
    "text, bits", [(64, 64), ("16 KiB", 131072), ("8KB", 64000), ("2 MiB", 16777216), ("512 b", 512)]
)
def test_size_units(text, bits):
    assert parse_bits(text, "f", "size_bits") == bits


def test_inner_level_cannot_span_more_than_outer():
    with pytest.raises(SpecError, match=r"memories\[2\].spans"):
        accelerator_from_dict(
            {
                "name": "bad",
                "array": {"axes": {"X": 4}, "mac_pj": 1},
                "memories": [
                    {"name": "dram", "width_bits": 8, "read_pj": 1, "write_pj": 1},
                    {"name": "reg", "width_bits": 8, "read_pj": 1, "write_pj": 1, "spans": []},
                    {"name": "inner", "width_bits": 8, "read_pj": 1, "write_pj": 1, "spans": ["X"]},
                ],
            },
            "a.yaml",
        )


def test_outermost_level_must_keep_every_operand():
    with pytest.raises(SpecError, match="outermost level must keep every operand"):
        accelerator_from_dict(
            {"name": "b", "array": {"axes": {}, "mac_pj": 1},
             "memories": [{"name": "d", "width_bits": 8, "read_pj": 1, "write_pj": 1, "operands": ["W"]}]},
        )  # fmt: skip


def test_missing_energy_without_model_is_an_error():
    with pytest.raises(SpecError, match=r"memories\[0\].read_pj"):
        accelerator_from_dict(
            {"name": "b", "array": {"axes": {}, "mac_pj": 1}, "memories": [{"name": "d", "width_bits": 8}]}
        )
