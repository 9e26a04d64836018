"""An accelerator YAML names its conventions; ``--conventions`` overrides them; both round-trip."""

from __future__ import annotations

import pytest

from carbonloop import SpecError, evaluate
from carbonloop.hardware.yaml import accelerator_from_dict, accelerator_to_dict
from carbonloop.model.conventions import CARBONLOOP, TIMELOOP

SPEC = {
    "name": "tiny_tl",
    "conventions": "timeloop",
    "array": {"axes": {}, "mac_pj": 0.5},
    "memories": [
        {"name": "dram", "width_bits": 64, "read_pj": 100, "write_pj": 100},
        {
            "name": "buf",
            "size_bits": 8192,
            "width_bits": 64,
            "read_pj": 2,
            "write_pj": 2,
            "datawidth_bits": 8,
        },
    ],
}


def test_yaml_conventions_field_and_round_trip():
    acc = accelerator_from_dict(SPEC, "acc.yaml")
    assert acc.conventions == TIMELOOP and acc.memories[1].datawidth_bits == 8
    again = accelerator_from_dict(accelerator_to_dict(acc), "dumped.yaml")
    assert again == acc and again.conventions == TIMELOOP
    assert (
        accelerator_from_dict({k: v for k, v in SPEC.items() if k != "conventions"}, "x").conventions
        == CARBONLOOP
    )


def test_the_option_overrides_the_file():
    acc = accelerator_from_dict(SPEC, "acc.yaml")
    assert evaluate("conv1d:M=32,P=16,R=3", acc, objective="energy").conventions == "timeloop"
    assert evaluate(
        "conv1d:M=32,P=16,R=3", acc, objective="energy", conventions="carbonloop"
    ).conventions == ("carbonloop")


def test_unknown_conventions_in_a_file_name_the_field():
    with pytest.raises(SpecError) as err:
        accelerator_from_dict({**SPEC, "conventions": "zigzgag"}, "acc.yaml")
    assert (
        err.value.source == "acc.yaml" and err.value.field == "conventions" and "zigzgag" in err.value.message
    )
