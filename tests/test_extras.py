"""A missing optional dependency is a one-line error naming the extra that installs it."""

from __future__ import annotations

import sys

import pytest

from carbonloop.errors import SpecError
from carbonloop.extras import EXTRA_OF_MODULE, missing_extra_message, require


def test_require_returns_an_installed_module():
    assert require("json", source="x", field="y") is sys.modules["json"]


def test_a_missing_extra_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(
        sys.modules, "pyarrow", None
    )  # None in sys.modules: import raises ModuleNotFoundError
    with pytest.raises(SpecError) as err:
        require("pyarrow", source="out.parquet", field="--parquet")
    assert (
        str(err.value)
        == "out.parquet: --parquet: needs pyarrow (not installed): pip install 'carbonloop[parquet]'"
    )


def test_every_extra_named_exists_in_pyproject():
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    assert set(EXTRA_OF_MODULE.values()) <= set(extras)
    assert "pyarrow" not in " ".join(tomllib.loads(pyproject.read_text())["project"]["dependencies"])
    assert (
        missing_extra_message("onnx.helper")
        == "needs onnx.helper (not installed): pip install 'carbonloop[onnx]'"
    )
