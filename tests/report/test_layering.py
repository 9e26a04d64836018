"""The report depends on the exploration, never the reverse (DESIGN.md: ... <- explore <- report <- cli)."""

from __future__ import annotations

import ast
from pathlib import Path

import carbonloop

SRC = Path(carbonloop.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_no_exploration_module_imports_the_report():
    offenders = {
        str(p.relative_to(SRC)): sorted(m for m in _imports(p) if m.startswith("carbonloop.report"))
        for p in sorted((SRC / "explore").rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    # and the check sees real imports: the report does import the exploration
    assert "carbonloop.explore.pareto" in _imports(SRC / "report" / "prepare.py")
