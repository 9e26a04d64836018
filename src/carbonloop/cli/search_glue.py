"""The mapper behind ``carbonloop evaluate`` without ``--mapping``: a progress bar over layers."""

from __future__ import annotations

import dataclasses

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from carbonloop.hardware.accelerator import Accelerator
from carbonloop.mapper import Objective, search_network
from carbonloop.model.network import NetworkCost
from carbonloop.workload.network import Network


def search_network_cli(
    network: Network,
    acc: Accelerator,
    objective: str | Objective,
    label: str,
    *,
    quiet: bool = False,
    budget: int | None = None,
) -> NetworkCost:
    """Best mapping per layer for ``objective``; each layer's cost gains its ``search`` record."""
    with Progress(
        TextColumn("mapping {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task(network.name, total=len(network.layers))

        def done(i: int, n: int, name: str) -> None:
            bar.update(task, completed=i + 1, description=f"{network.name}: {name}")

        result = search_network(network, acc, objective, budget=budget, on_layer_done=done)
    costs = []
    for choice in result.layers:
        s = choice.search
        record = {"evaluated": s.evaluated, "seconds": s.seconds, "optimal": s.optimal, "gap": s.gap}
        costs.append(dataclasses.replace(choice.cost, extra={**choice.cost.extra, "search": record}))
    extra = {
        "objective": result.objective,
        "search": {"evaluated": result.evaluated, "seconds": result.seconds, "optimal": result.optimal},
    }
    return NetworkCost(label, acc, tuple(costs), extra)
