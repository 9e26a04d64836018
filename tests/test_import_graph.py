"""No two modules of carbonloop import each other at module level, directly or through others.

A cycle makes import order matter and hides a seam that should be one direction (issue #18 found
carbon/scenarios <-> carbon/metrics, cli/evaluate <-> cli/interop_eval, explore <-> report). Imports
inside functions and under ``TYPE_CHECKING`` are the sanctioned ways to break one, so they are not edges;
package ``__init__`` files only re-export, so they are not nodes.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / "carbonloop").rglob("*.py"):
        if path.name != "__init__.py":
            out[".".join(path.relative_to(SRC).with_suffix("").parts)] = path
    return out


def _module_level_imports(path: Path, name: str, known: dict[str, Path]) -> set[str]:
    package = name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for n in ast.walk(node) if isinstance(node, ast.If | ast.Try) else [node]:
            if isinstance(n, ast.Import):
                found.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                base = package.rsplit(".", n.level - 1)[0] if n.level > 1 else package
                target = (base + "." + n.module if n.module else base) if n.level else (n.module or "")
                found.add(target)
                found.update(f"{target}.{a.name}" for a in n.names)
    return {m for m in found if m in known and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[v] = min(low[v], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_the_cycle_finder_finds_a_three_module_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_level_import_cycles():
    known = _modules()
    graph = {name: _module_level_imports(path, name, known) for name, path in known.items()}
    assert sum(map(len, graph.values())) > 100  # the parser sees the real graph
    assert _cycles(graph) == []
