"""Evaluating Timeloop and ZigZag inputs: the library calls behind ``carbonloop evaluate --format ...``.

``cli/evaluate.py`` calls :func:`evaluate_timeloop` / :func:`evaluate_zigzag` for ``--format timeloop`` /
``--format zigzag``; they read the files, print every ignored field as ``warning: ...`` on stderr, score
the mapping and print the Timeloop-style report (or a plain breakdown), or JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import typer

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.interop.common import collected_warnings
from carbonloop.interop.timeloop import load_timeloop, timeloop_report
from carbonloop.interop.zigzag import ZigZagConstraints, load_zigzag
from carbonloop.model.evaluate import LayerCost, evaluate
from carbonloop.workload.layer import Layer

JsonDocument = Callable[[Layer, Accelerator, LayerCost], dict[str, Any]]


def _default_document(layer: Layer, acc: Accelerator, cost: LayerCost) -> dict[str, Any]:
    return cost.to_dict()


def print_warnings(messages: Iterable[str]) -> None:
    for m in messages:
        print(f"warning: {m}", file=sys.stderr)


def evaluate_timeloop(arch: str | Path, problem: str | Path, mapping: str | Path, ert: str | Path | None = None, *,
                      as_json: bool = False, json_document: JsonDocument | None = None) -> int:
    """Score a Timeloop (arch, problem, mapping[, ERT]) and print Timeloop's counts, or ``json_document``."""
    with collected_warnings() as notes:
        layer, acc, mapping_, names = load_timeloop(arch, problem, mapping, ert)
    print_warnings(notes)
    cost = evaluate(layer, acc, mapping_)
    if as_json:
        typer.echo(json.dumps((json_document or _default_document)(layer, acc, cost), indent=2))
    else:
        typer.echo(timeloop_report(cost, names), nl=False)
    return 0


def _plain_report(cost: LayerCost) -> str:
    lines = [f"layer {cost.layer}: {cost.macs} MACs, {cost.energy_pj:.2f} pJ, {cost.latency_cycles} cycles"]
    for level, ops in cost.accesses.items():
        for op, c in ops.items():
            lines.append(f"  {level:<12} {op:<4} reads {c['reads']:>10}  fills {c['fills']:>10}  updates {c['updates']:>10}")
    return "\n".join(lines)


def evaluate_zigzag(accelerator: str | Path, workload: str | Path, mapping: str | Path, *, as_json: bool = False,
                    json_document: JsonDocument | None = None) -> int:
    """Score every layer of a ZigZag (accelerator, workload, mapping) and print counts per level, or JSON."""
    with collected_warnings() as notes:
        net, acc, mappings = load_zigzag(accelerator=accelerator, workload=workload, mapping=mapping)
    print_warnings(notes)
    docs, texts = [], []
    for layer in net.layers:
        m = mappings[layer.name]
        if isinstance(m, ZigZagConstraints):
            raise SpecError(str(mapping), layer.name, f"{m.reason}: carbonloop evaluates complete mappings only "
                            "(give every loop in temporal_ordering)")
        cost = evaluate(layer, acc, m)
        docs.append((json_document or _default_document)(layer, acc, cost))
        texts.append(_plain_report(cost))
    if as_json:
        typer.echo(json.dumps({"network": net.name, "accelerator": acc.name, "layers": docs}, indent=2))
    else:
        typer.echo("\n".join(texts))
    return 0
