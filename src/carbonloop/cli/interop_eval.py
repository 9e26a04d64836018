"""Evaluating Timeloop and ZigZag inputs: the calls behind ``carbonloop evaluate --format timeloop|zigzag``.

``cli/evaluate.py`` calls :func:`evaluate_timeloop` / :func:`evaluate_zigzag`. They read the files, print
every ignored field as ``warning: ...`` on stderr, score the mappings and print either Timeloop's counts
(:func:`~carbonloop.interop.timeloop.timeloop_report`) / the evaluate table, or with ``as_json`` the same
document as ``carbonloop evaluate --json`` (``WorkloadResult.to_dict()``), levels and operands keeping the
names of the input files. :func:`timeloop_cost` / :func:`zigzag_cost` return the values without printing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import typer

from carbonloop import pipeline
from carbonloop.cli.console import table_console
from carbonloop.errors import SpecError
from carbonloop.interop.common import collected_warnings
from carbonloop.interop.timeloop import TimeloopNames, load_timeloop, timeloop_report
from carbonloop.interop.zigzag import ZigZagConstraints, load_zigzag
from carbonloop.pipeline import WorkloadResult
from carbonloop.workload.network import chain


def print_warnings(messages: Iterable[str]) -> None:
    for m in messages:
        print(f"warning: {m}", file=sys.stderr)


def timeloop_cost(
    arch: str | Path,
    problem: str | Path,
    mapping: str | Path,
    ert: str | Path | None = None,
    *,
    conventions: str | None = None,
) -> tuple[WorkloadResult, TimeloopNames, list[str]]:
    """Score a Timeloop (arch, problem, mapping[, ERT]): the one-layer result, the names, the warnings.

    Timeloop's files are read under Timeloop's own conventions unless ``conventions`` names others."""
    with collected_warnings() as notes:
        layer, acc, mapping_, names = load_timeloop(arch, problem, mapping, ert, conventions or "timeloop")
    network = chain(Path(str(problem)).stem, [layer])
    result = pipeline.evaluate(network, acc, mapping={layer.name: mapping_})
    return result, names, notes


def zigzag_cost(
    accelerator: str | Path, workload: str | Path, mapping: str | Path, *, conventions: str | None = None
) -> tuple[WorkloadResult, list[str]]:
    """Score every layer of a ZigZag (accelerator, workload, mapping); the result and the warnings.

    ZigZag costs each layer alone, with every activation in DRAM: no inter-layer residency here."""
    with collected_warnings() as notes:
        net, acc, mappings = load_zigzag(accelerator=accelerator, workload=workload, mapping=mapping)
    complete = {}
    for layer in net.layers:
        m = mappings[layer.name]
        if isinstance(m, ZigZagConstraints):
            raise SpecError(
                str(mapping),
                layer.name,
                f"{m.reason}: carbonloop evaluates complete mappings only "
                "(give every loop in temporal_ordering)",
            )
        complete[layer.name] = m
    result = pipeline.evaluate(net, acc, mapping=complete, conventions=conventions, interlayer=False)
    return result, notes


def evaluate_timeloop(
    arch: str | Path,
    problem: str | Path,
    mapping: str | Path,
    ert: str | Path | None = None,
    *,
    as_json: bool = False,
    conventions: str | None = None,
) -> int:
    """Print Timeloop's counts (scalar reads, fills, updates per level and data space), or the JSON document."""
    result, names, notes = timeloop_cost(arch, problem, mapping, ert, conventions=conventions)
    print_warnings(notes)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    else:
        typer.echo(timeloop_report(result.layers[0].cost, names), nl=False)
    return 0


def evaluate_zigzag(
    accelerator: str | Path,
    workload: str | Path,
    mapping: str | Path,
    *,
    as_json: bool = False,
    conventions: str | None = None,
) -> int:
    """Print the evaluate table of every layer, or the JSON document."""
    result, notes = zigzag_cost(accelerator, workload, mapping, conventions=conventions)
    print_warnings(notes)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    else:
        from carbonloop.cli.tables import print_table

        print_table(result, table_console(min_width=160))
    return 0
