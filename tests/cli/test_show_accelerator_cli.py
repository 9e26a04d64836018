"""``carbonloop show-accelerator``: resolved numbers and the model that gave them."""

from __future__ import annotations

import json

import pytest

from carbonloop.cli import run
from carbonloop.costs.resolve import resolve_memory


def test_model_resolved_memory_shows_model_numbers(capsys, tmp_path):
    spec = tmp_path / "a.yaml"
    spec.write_text(
        "name: m\nnode_nm: 28\narray: {axes: {X: 4}, mac_pj: 0.2}\n"
        "memories:\n"
        "  - {name: dram, width_bits: 64, model: dram/lpddr4}\n"
        "  - {name: sram, depth: 4096, width_bits: 128, model: sram, spans: [X]}\n"
    )
    assert run(["show-accelerator", str(spec), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    sram = next(m for m in doc["memories"] if m["name"] == "sram")
    expected = resolve_memory("sram", node_nm=28, width_bits=128, depth=4096)
    assert sram["read_pj"] == pytest.approx(expected.read_pj)
    assert sram["area_mm2"] == pytest.approx(expected.area_mm2)
    assert "CACTI" in doc["sources"]["sram"]
    # LPDDR4: 8 pJ/bit (docs/costs.md DRAM table) x 64-bit words
    dram = next(m for m in doc["memories"] if m["name"] == "dram")
    assert dram["read_pj"] == pytest.approx(8 * 64)


def test_imc_preset_table_lists_macro_parts(capsys):
    assert run(["show-accelerator", "dimc_28nm"]) == 0
    out = capsys.readouterr().out
    assert "cells" in out and "adder_trees" in out and "total area" in out


def test_unknown_accelerator_is_one_line_error(capsys):
    assert run(["show-accelerator", "nope_9000"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
