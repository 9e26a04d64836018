"""Evaluating Timeloop and ZigZag inputs: the calls behind ``carbonloop evaluate --format timeloop|zigzag``.

``cli/evaluate.py`` calls :func:`evaluate_timeloop` / :func:`evaluate_zigzag`. They read the files, print
every ignored field as ``warning: ...`` on stderr, score the mappings and print either Timeloop's counts
(:func:`~carbonloop.interop.timeloop.timeloop_report`) / the evaluate table, or with ``as_json`` the same
document as ``carbonloop evaluate --json`` (``NetworkCost.to_dict()``), levels and operands keeping the
names of the input files. :func:`timeloop_cost` / :func:`zigzag_cost` return the values without printing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import typer

from carbonloop.errors import SpecError
from carbonloop.interop.common import collected_warnings
from carbonloop.interop.timeloop import TimeloopNames, load_timeloop, timeloop_report
from carbonloop.interop.zigzag import ZigZagConstraints, load_zigzag
from carbonloop.model.evaluate import evaluate
from carbonloop.model.network import NetworkCost


def print_warnings(messages: Iterable[str]) -> None:
    for m in messages:
        print(f"warning: {m}", file=sys.stderr)


def timeloop_cost(
    arch: str | Path, problem: str | Path, mapping: str | Path, ert: str | Path | None = None
) -> tuple[NetworkCost, TimeloopNames, list[str]]:
    """Score a Timeloop (arch, problem, mapping[, ERT]): the one-layer result, the names, the warnings."""
    with collected_warnings() as notes:
        layer, acc, mapping_, names = load_timeloop(arch, problem, mapping, ert)
    cost = evaluate(layer, acc, mapping_)
    return NetworkCost(Path(str(problem)).stem, acc, (cost,)), names, notes


def zigzag_cost(
    accelerator: str | Path, workload: str | Path, mapping: str | Path
) -> tuple[NetworkCost, list[str]]:
    """Score every layer of a ZigZag (accelerator, workload, mapping); the result and the warnings."""
    with collected_warnings() as notes:
        net, acc, mappings = load_zigzag(accelerator=accelerator, workload=workload, mapping=mapping)
    costs = []
    for layer in net.layers:
        m = mappings[layer.name]
        if isinstance(m, ZigZagConstraints):
            raise SpecError(
                str(mapping),
                layer.name,
                f"{m.reason}: carbonloop evaluates complete mappings only "
                "(give every loop in temporal_ordering)",
            )
        costs.append(evaluate(layer, acc, m))
    return NetworkCost(net.name, acc, tuple(costs)), notes


def evaluate_timeloop(
    arch: str | Path,
    problem: str | Path,
    mapping: str | Path,
    ert: str | Path | None = None,
    *,
    as_json: bool = False,
) -> int:
    """Print Timeloop's counts (scalar reads, fills, updates per level and data space), or the JSON document."""
    result, names, notes = timeloop_cost(arch, problem, mapping, ert)
    print_warnings(notes)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    else:
        typer.echo(timeloop_report(result.layers[0], names), nl=False)
    return 0


def evaluate_zigzag(
    accelerator: str | Path, workload: str | Path, mapping: str | Path, *, as_json: bool = False
) -> int:
    """Print the evaluate table of every layer, or the JSON document."""
    result, notes = zigzag_cost(accelerator, workload, mapping)
    print_warnings(notes)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    else:
        from rich.console import Console

        from carbonloop.cli.evaluate import print_table  # the lead's table, imported late (no import cycle)

        print_table(result, Console(width=160))
    return 0
