"""A point's key covers everything that decides its numbers, so the store never reuses a result across
spaces, conventions, budgets, carbon parameters or model versions; the model fingerprint follows the files
that compute results and nothing else."""

from __future__ import annotations

import dataclasses
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.explore.fingerprint import fingerprint_of, model_fingerprint
from carbonloop.explore.space import Point, load_space

from .conftest import SMALL_SPACE, write_space


def _point(tmp_path: Path) -> Point:
    return next(load_space(write_space(tmp_path, SMALL_SPACE)).points())


def test_key_changes_with_space_conventions_budget_parameters_and_fingerprint(tmp_path: Path):
    p = _point(tmp_path)
    assert p.model_fingerprint == model_fingerprint() and len(p.model_fingerprint) == 16
    assert p.conventions == "carbonloop"
    variants = {
        "space": dataclasses.replace(p, space="other"),
        "conventions": dataclasses.replace(p, conventions="timeloop"),
        "budget": dataclasses.replace(p, budget=100),
        "budget seconds": dataclasses.replace(p, budget=2.5),
        "parameters": dataclasses.replace(p, parameters="act"),
        "fingerprint": dataclasses.replace(p, model_fingerprint="0" * 16),
        "objective": dataclasses.replace(p, objective="energy"),
        "dram": dataclasses.replace(p, dram_bytes=2 << 20),
    }
    keys = {name: q.key for name, q in variants.items()}
    assert p.key not in keys.values() and len(set(keys.values())) == len(keys)
    assert dataclasses.replace(p, suite_size=99).key == p.key  # the suite size does not change a number


def test_the_same_space_under_another_name_is_a_new_set_of_points(tmp_path: Path):
    one = load_space(write_space(tmp_path, SMALL_SPACE))
    two = load_space(write_space(tmp_path, SMALL_SPACE.replace("name: small", "name: small2"), "b.yaml"))
    assert not {p.key for p in one.points()} & {p.key for p in two.points()}
    conv = one.with_options(conventions="timeloop")
    assert not {p.key for p in one.points()} & {p.key for p in conv.points()}


@settings(max_examples=60, deadline=None)
@given(
    a=st.tuples(
        st.sampled_from(["s1", "s2"]),
        st.sampled_from(["carbonloop", "timeloop"]),
        st.sampled_from([None, 10, 2.5]),
        st.sampled_from(["f1", "f2"]),
    ),
    b=st.tuples(
        st.sampled_from(["s1", "s2"]),
        st.sampled_from(["carbonloop", "timeloop"]),
        st.sampled_from([None, 10, 2.5]),
        st.sampled_from(["f1", "f2"]),
    ),
)
def test_keys_are_equal_exactly_when_the_deciding_fields_are(a: tuple, b: tuple):
    base = _BASE

    def make(t: tuple) -> Point:
        return dataclasses.replace(base, space=t[0], conventions=t[1], budget=t[2], model_fingerprint=t[3])

    assert (make(a).key == make(b).key) == (a == b)


_BASE = next(load_space("quick").points(fingerprint="f0"))  # a built-in space: no file needed at import


def _tree(root: Path, files: dict[str, str]) -> Traversable:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return cast(Traversable, root)


def test_fingerprint_follows_model_files_only(tmp_path: Path):
    files = {
        "model/a.py": "x = 1\n",
        "model/data/t.yaml": "k: 1\n",
        "mapper/b.py": "y = 2\n",
        "explore/point.py": "z = 3\n",
        "report/r.py": "not a model file\n",
    }
    root = _tree(tmp_path / "pkg", files)

    def fp() -> str:
        return fingerprint_of(root, ("model", "mapper"), ("explore/point.py",))

    first = fp()
    (tmp_path / "pkg/report/r.py").write_text("changed\n")  # outside the model
    (tmp_path / "pkg/model/__pycache__").mkdir()
    (tmp_path / "pkg/model/__pycache__/a.cpython.pyc").write_bytes(b"\0")
    (tmp_path / "pkg/model/notes.txt").write_text("not hashed\n")
    assert fp() == first
    for rel in ("model/a.py", "model/data/t.yaml", "mapper/b.py", "explore/point.py"):
        before = (tmp_path / "pkg" / rel).read_text()
        (tmp_path / "pkg" / rel).write_text(before + "# edit\n")
        assert fp() != first, rel
        (tmp_path / "pkg" / rel).write_text(before)
        assert fp() == first
    (tmp_path / "pkg/model/a.py").rename(tmp_path / "pkg/model/c.py")  # same bytes, another file
    assert fp() != first
