from __future__ import annotations

from pathlib import Path

import pytest

from carbonloop.errors import SpecError
from carbonloop.explore.space import load_space, space_from_dict

from .conftest import SMALL_SPACE, write_space


def test_default_space_is_carbonspots_tiny_grid_with_its_skip_rule():
    space = load_space("tiny")
    assert space.name == "tiny"
    assert [w.name for w in space.workloads] == ["ds_cnn", "mobilenet_v1", "resnet8", "autoencoder"]
    assert [w.fps for w in space.workloads] == [10, 0.75, 25, 1]
    assert space.dram_bytes == 1 << 20 and space.objective == "edp" and space.parameters == "carbonspot"
    # 4 types x 6 dims x 5 SRAM = 120 grid points; sram/(2*dim) < 32 removes 3 (8 KiB) + 1 (32 KiB) per type
    assert space.skipped == 16
    assert len(space.designs) == 104 and len(space) == 416
    kept = {(d.accel_type, d.kwargs["rows"], d.kwargs["sram_bytes"]) for d in space.designs}
    assert {t for t, _, _ in kept} == {"digital_os", "digital_ws", "aimc", "dimc"}
    assert {dim for _, dim, s in kept if s == 8192} == {32, 64, 128}
    assert {dim for _, dim, s in kept if s == 32768} == {32, 64, 128, 256, 512}
    assert all(d.kwargs["rows"] == d.kwargs["cols"] and d.kwargs["node_nm"] == 28 for d in space.designs)


def test_mobile_space_keeps_all_thirty_pairs_per_type():
    space = load_space("mobile")
    assert len(space.designs) == 120 and space.skipped == 0
    assert space.dram_bytes == 25 << 20
    assert {w.fps for w in space.workloads} == {25.0}


def test_dim_expands_to_square_array_and_designs_have_template_calls(tmp_path: Path):
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    d = space.designs[0]
    assert d.kwargs == {"dataflow": "os", "rows": 8, "cols": 8, "sram_bytes": 4096, "node_nm": 28}
    assert d.call == "digital(cols=8,dataflow=os,node_nm=28,rows=8,sram_bytes=4096)"
    assert d.label == "digital_os 8x8 4KiB"
    assert len(space) == 8


def test_point_key_depends_on_what_decides_the_result_only(tmp_path: Path):
    space = load_space(write_space(tmp_path, SMALL_SPACE))
    keys = [p.key for p in space.points()]
    assert len(set(keys)) == len(keys)
    assert keys == [p.key for p in load_space(write_space(tmp_path, SMALL_SPACE, "copy.yaml")).points()]
    other = space.with_options(objective="energy")
    assert not set(keys) & {p.key for p in other.points()}
    assert not set(keys) & {p.key for p in space.with_options(parameters="act").points()}
    assert not set(keys) & {p.key for p in space.with_options(budget=100).points()}


def test_constraints_language_rejects_code_and_accepts_arithmetic(tmp_path: Path):
    base = {
        "accelerators": {"digital": {"dataflow": "os", "dim": [8, 16, 32], "sram_bytes": "4KiB"}},
        "workloads": [{"name": "conv1d", "fps": 1}],
    }
    kept = space_from_dict({**base, "constraints": ["sram_bytes // (2 * dim) >= 128 or dim == 32"]}, "s.yaml")
    assert [d.kwargs["rows"] for d in kept.designs] == [8, 16, 32]
    kept = space_from_dict({**base, "constraints": ["log2(dim) < 4", "max(rows, cols) > 4"]}, "s.yaml")
    assert [d.kwargs["rows"] for d in kept.designs] == [8]
    with pytest.raises(SpecError) as err:
        space_from_dict({**base, "constraints": ["__import__('os').system('true')"]}, "s.yaml")
    assert err.value.field == "constraints[0]"
    with pytest.raises(SpecError, match="not an expression"):
        space_from_dict({**base, "constraints": ["dim >"]}, "s.yaml")


@pytest.mark.parametrize(
    ("patch", "field", "words"),
    [
        ({"accelerators": {"systolic": {"dim": 8}}}, "accelerators.systolic", "unknown template"),
        (
            {"accelerators": {"digital": {"dim": 8, "sram_bytes": "4 lightyears"}}},
            "accelerators.digital.sram_bytes[0]",
            "",
        ),
        ({"accelerators": {"digital": {"dim": 8, "banks": 2}}}, "accelerators.digital.banks", "no parameter"),
        ({"accelerators": {"digital": {"dim": 8, "rows": 8}}}, "accelerators.digital", "not both"),
        ({"workloads": [{"name": "nosuchnet", "fps": 1}]}, "workloads[0].name", "unknown zoo network"),
        ({"workloads": [{"name": "conv1d", "fps": 0}]}, "workloads[0].fps", "positive"),
        ({"workloads": [{"name": "missing.onnx", "fps": 1}]}, "workloads[0].name", "no such workload file"),
        ({"objective": "fastest"}, "objective", "unknown objective"),
        ({"dram_bytes": -3}, "dram_bytes", ""),
        ({"budget": 0}, "budget", "positive"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"constraints": ["dim > 4096"]}, "accelerators", "no design is left"),
        ({"constraints": ["sram_byte / (2 * dim) >= 32"]}, "constraints[0]", "unknown name 'sram_byte'"),
        ({"constraints": ["macros > 1"]}, "constraints[0]", "unknown name 'macros'"),  # an imc-only name
        ({"constraints": ["9**9**9 > 1"]}, "constraints[0]", "'9**9**9 > 1' is too large to evaluate"),
        ({"constraints": ["dim ** 5000 > 1"]}, "constraints[0]", "too large to evaluate"),
        ({"constraints": ["'a' * 10**9 == 'b'"]}, "constraints[0]", "cannot be evaluated"),
        ({"constraints": ["-" * 990 + "dim > 1"]}, "constraints[0]", "nested more than 50 deep"),
        ({"constraints": ["dim > 1 " * 200]}, "constraints[0]", "longer than 1000 characters"),
        ({"constraints": [3]}, "constraints[0]", "expression in a string"),
        (
            {"accelerators": {"digital": {"dataflow": "xs", "dim": 8, "sram_bytes": "4KiB"}}},
            "accelerators.digital.dataflow[0]",
            "unknown dataflow 'xs' (known: os, ws)",
        ),
        ({"accelerators": {"imc": {"kind": "aimcc", "dim": 32}}}, "accelerators.imc.kind[0]", "unknown kind"),
        (
            {"accelerators": {"digital": {"dataflow": "os", "dim": "big", "sram_bytes": "4KiB"}}},
            "accelerators.digital.dim[0]",
            "must be a number",
        ),
        (
            {
                "accelerators": {
                    "digital": {"dataflow": "os", "dim": list(range(1, 1001)), "cols": list(range(1, 201))}
                }
            },
            "accelerators.digital",
            "more than 100000 points",
        ),
        ({"conventions": "timeloopy"}, "conventions", "unknown conventions 'timeloopy'"),
        ({"parameters": "actt"}, "parameters", "unknown parameter set 'actt'"),
        ({"parameters": "missing.yaml"}, "parameters", "no such parameter file"),
        ({"name": ["a", "b"]}, "name", "must be a name"),
        (
            {"workloads": [{"name": "conv1d", "fps": 1, "label": {"x": 1}}]},
            "workloads[0].label",
            "must be a name",
        ),
    ],
)
def test_bad_space_files_name_file_field_and_value(tmp_path: Path, patch: dict, field: str, words: str):
    import yaml

    doc = {
        "accelerators": {"digital": {"dataflow": "os", "dim": 8, "sram_bytes": "4KiB"}},
        "workloads": [{"name": "conv1d", "fps": 1}],
    }
    doc.update(patch)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_space(path)
    assert err.value.source == str(path)
    assert err.value.field == field
    assert words in err.value.message


def test_unknown_builtin_or_missing_space_file_is_a_spec_error():
    with pytest.raises(SpecError, match="built-in spaces: tiny, mobile, quick"):
        load_space("huge")


def test_workload_files_are_resolved_next_to_the_space_file_and_hashed(tmp_path: Path):
    (tmp_path / "nets").mkdir()
    net = tmp_path / "nets" / "one.yaml"
    net.write_text(
        "name: one\nlayers:\n  - {name: l0, type: conv1d, dims: {M: 4, P: 4, R: 3}}\n", encoding="utf-8"
    )
    space = space_from_dict(
        {
            "accelerators": {"digital": {"dim": 8, "sram_bytes": "4KiB"}},
            "workloads": [{"name": "nets/one.yaml", "fps": 2}],
        },
        str(tmp_path / "s.yaml"),
        tmp_path,
    )
    w = space.workloads[0]
    assert (w.name, w.spec, w.fps) == ("one", str(net.resolve()), 2.0)
    key = next(space.points()).key
    net.write_text(net.read_text() + "# changed\n", encoding="utf-8")
    again = space_from_dict(
        {
            "accelerators": {"digital": {"dim": 8, "sram_bytes": "4KiB"}},
            "workloads": [{"name": "nets/one.yaml", "fps": 2}],
        },
        str(tmp_path / "s.yaml"),
        tmp_path,
    )
    assert next(again.points()).key != key  # a changed workload file is a new point


def test_a_constraint_on_another_templates_parameter_does_not_apply(tmp_path: Path):
    doc = {
        "accelerators": {
            "digital": {"dataflow": "os", "dim": [8, 16], "sram_bytes": "4KiB"},
            "imc": {"kind": ["aimc", "dimc"], "dim": 32, "sram_bytes": "32KiB"},
        },
        "constraints": ["kind == 'dimc'"],  # digital designs have no kind: kept; aimc removed
        "workloads": [{"name": "conv1d", "fps": 1}],
        "conventions": "timeloop",
    }
    space = space_from_dict(doc, "s.yaml")
    assert [d.accel_type for d in space.designs] == ["digital_os", "digital_os", "dimc"]
    assert space.skipped == 1 and space.conventions == "timeloop"
    assert {p.conventions for p in space.points()} == {"timeloop"}
