"""``carbonloop.evaluate``: the one path from a workload and an accelerator to a :class:`WorkloadResult`.

The CLI's ``evaluate``, the Timeloop and ZigZag entry points and every exploration point call this
function, so the same inputs give the same numbers everywhere. Read top to bottom, it lists every stage.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from pathlib import Path

from carbonloop.carbon.parameters import CarbonParameters, load_parameters
from carbonloop.carbon.section import carbon_report
from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.carbonspot import hardware_for_network
from carbonloop.hardware.level_order import accelerator_for_level_order
from carbonloop.mapper.network import LayerSetup
from carbonloop.mapper.objectives import Objective, get_objective
from carbonloop.model.conventions import Conventions
from carbonloop.model.evaluate import evaluate as evaluate_mapping
from carbonloop.model.interlayer import keep_activations_on_chip
from carbonloop.model.mapping import Mapping
from carbonloop.pipeline.inputs import (
    DEFAULT_CARBON_PARAMETERS,
    as_accelerator,
    as_network,
    layers_costed,
    mappings_for,
    with_conventions,
)
from carbonloop.pipeline.leakage import chip_leakage_mw, idle_shifted
from carbonloop.pipeline.result import InterLayer, LayerResult, NetworkSearch, SearchRecord, WorkloadResult
from carbonloop.pipeline.top_memory import TopMemory, apply_top_memory, held_whole, zigzag_top_memory
from carbonloop.workload.layer import Layer
from carbonloop.workload.network import Network

CARBON_OBJECTIVES = ("carbon_ca", "carbon_pa")

LayerProgress = Callable[[int, int, str], None]
"""``on_layer_done(i, n, layer_name)``, called after each layer's search (progress bars)."""


def evaluate(
    workload: Network | Layer | str,
    accelerator: Accelerator | str,
    *,
    mapping: Mapping | MappingABC[str, Mapping] | str | Path | None = None,
    objective: str | Objective = "edp",
    conventions: str | Conventions | None = None,
    interlayer: bool = True,
    carbon: CarbonParameters | str | bool | None = None,
    fps: float | None = None,
    dram_gb: float | None = None,
    budget: int | float | None = None,
    max_memory_bytes: int | None = None,
    on_layer_done: LayerProgress | None = None,
) -> WorkloadResult:
    """Cost ``workload`` on ``accelerator``: energy, latency, area, per-layer breakdowns, carbon, metrics.

    - ``workload``: a Network, a Layer, or a zoo name / YAML / ONNX path; ``accelerator``: an Accelerator,
      or a preset name / YAML path / template call.
    - ``mapping``: one loop nest (one-layer workloads), ``{layer name: Mapping}``, or a mapping YAML path;
      ``None`` searches each layer for ``objective`` (energy, latency, edp, weighted:a=..,b=.., carbon_ca,
      carbon_pa), each layer until proven optimal or out of ``budget`` (an int: mappings scored per layer,
      a float: seconds per layer); an unproven layer's search record carries its gap to the bound.
      ``max_memory_bytes`` caps each layer's search memory (default: a quarter of this machine's RAM;
      the mapper streams its candidates in smaller chunks, with the same optimum).
    - ``conventions``: the modelling conventions, ``carbonloop`` (the exact model) or ``timeloop``
      (default: the accelerator's own; see docs/model.md for what each counts).
    - ``interlayer``: keep activations that fit on chip between layers.
    - ``carbon``: parameter set (a CarbonParameters, a set name or a YAML path; True for the default set)
      for the carbon per inference (a carbon objective adds it with the default set when none is given); ``fps`` sets the periodic (PA) frame rate and ``dram_gb`` the DRAM
      capacity charged (default: the accelerator's).
    """
    # Step 1: inputs become values (files are read here, once), and the hardware as CarbonSpot builds it
    # for this network where its hints say so (weights past an SRAM too small for them)
    network = as_network(workload)
    acc = hardware_for_network(with_conventions(as_accelerator(accelerator), conventions), network)
    # (ZigZag's rule, under its conventions: an IMC array does not cost additions and poolings)
    network, not_costed = layers_costed(network, acc)
    params = _carbon_parameters(carbon, objective)
    dram = acc.dram_bits / 8 / 2**30 if dram_gb is None else float(dram_gb)
    if budget is not None and (isinstance(budget, bool) or not budget > 0 or budget == float("inf")):
        raise SpecError("evaluate", "budget", f"must be a finite number > 0 (got {budget!r})")
    if max_memory_bytes is not None and (isinstance(max_memory_bytes, bool) or not max_memory_bytes > 0):
        raise SpecError("evaluate", "max_memory_bytes", f"must be > 0 (got {max_memory_bytes!r})")

    # Step 2: every layer's mapping, given (validated, scored) or found by the mapper; under ZigZag's
    # per-layer top memory levels (carbonspot), on each layer's own hierarchy with its residents held whole
    zigzag_top = interlayer and not acc.conventions.activations_by_live_range
    top = zigzag_top_memory(network, acc) if zigzag_top else TopMemory({}, {})
    if mapping is not None:
        given = mappings_for(mapping, network)
        # a given mapping names the accelerator's levels, in the order of its cuts (hardware/level_order.py)
        layer_accs = [
            accelerator_for_level_order(
                acc, [lm.level for lm in given[lay.name].levels], given[lay.name].source
            )
            for lay in network.layers
        ]
        layers = tuple(
            LayerResult(evaluate_mapping(lay, own, given[lay.name]))
            for lay, own in zip(network.layers, layer_accs, strict=True)
        )
        search = None
        residents = {
            lay.name: held_whole(lay, given[lay.name], top.residents.get(lay.name, frozenset()))
            for lay in network.layers
        }
    else:
        goal = _objective(objective, params, acc, fps, dram)
        layers, search = _search(network, acc, goal, budget, max_memory_bytes, on_layer_done, top.setups)
        layer_accs = [
            top.setups[lay.name].accelerator if lay.name in top.setups else acc for lay in network.layers
        ]
        residents = top.residents

    # Step 3: activations that fit stay on chip for their consumers (ZigZag's rule: what step 2 held whole
    # in the on-chip level does not cross DRAM)
    inter = None
    if zigzag_top:
        before = float(sum(r.cost.energy_pj for r in layers))
        costs = [r.cost for r in layers]
        kept, report = apply_top_memory(network, costs, layer_accs, residents, top.weights_resident)
        layers = tuple(LayerResult(c, r.search) for c, r in zip(kept, layers, strict=True))
        inter = InterLayer(report, before)
    elif interlayer and len(network.layers) > 1 and all(a is acc for a in layer_accs):
        # (a layer scored on its own order of levels keeps its activations' traffic: no savings claimed)
        before = float(sum(r.cost.energy_pj for r in layers))
        kept, report = keep_activations_on_chip(network, acc, [r.cost for r in layers])
        layers = tuple(LayerResult(c, r.search) for c, r in zip(kept, layers, strict=True))
        inter = InterLayer(report, before)

    result = WorkloadResult(
        network.name, acc, acc.conventions.name, layers, inter, search, not_costed=not_costed
    )

    # Step 4: carbon per inference under both scenarios (when asked for, or optimized), from step 3's totals;
    # under PA the chip leaks between frames too (its leakage power, when the conventions count leakage)
    if params is not None:
        block = carbon_report(
            result.energy_pj,
            result.latency_ns,
            result.area_mm2,
            dram,
            fps,
            params,
            acc.node_nm,
            idle_power_mw=chip_leakage_mw(acc),
        )
        result = WorkloadResult(
            network.name, acc, acc.conventions.name, layers, inter, search, block, not_costed=not_costed
        )
    return result


def _carbon_parameters(
    carbon: CarbonParameters | str | bool | None, objective: str | Objective
) -> CarbonParameters | None:
    """The carbon parameter set asked for; the default set when only a carbon objective needs one."""
    if isinstance(carbon, CarbonParameters):
        return carbon
    if isinstance(carbon, str):
        return load_parameters(carbon)
    wants = carbon is True or (isinstance(objective, str) and objective in CARBON_OBJECTIVES)
    return load_parameters(DEFAULT_CARBON_PARAMETERS) if wants else None


def _objective(
    objective: str | Objective,
    params: CarbonParameters | None,
    acc: Accelerator,
    fps: float | None,
    dram_gb: float,
) -> Objective:
    """The mapper objective; ``carbon_ca``/``carbon_pa`` become this chip's carbon objective."""
    if isinstance(objective, str) and objective in CARBON_OBJECTIVES:
        from carbonloop.carbon.objectives import carbon_objective

        assert params is not None  # _carbon_parameters loads a set for carbon objectives
        return carbon_objective(
            objective, params, acc, fps=fps, dram_gb=dram_gb, idle_power_mw=chip_leakage_mw(acc)
        )
    return get_objective(objective)


def _search(
    network: Network,
    acc: Accelerator,
    goal: Objective,
    budget: int | float | None,
    max_memory_bytes: int | None,
    on_layer_done: LayerProgress | None,
    setups: dict[str, LayerSetup],
) -> tuple[tuple[LayerResult, ...], NetworkSearch]:
    """The best mapping of every layer for the network-level objective, with each layer's search record.

    An objective with an idle term (``carbon_pa`` on a leaking chip) is searched in its exact monotone
    form, on the model whose energies carry the idle credit (``Objective.shifted`` on ``idle_shifted``),
    and its mappings are scored on ``acc`` again; where that model does not exist the search runs on
    ``acc`` itself and is recorded as not proven (the mapper's bounds assume a monotone objective)."""
    from carbonloop.mapper.network import search_network

    target, goal_searched, exact = acc, goal, True
    if not goal.monotone and setups:
        raise SpecError(
            "evaluate", "objective", f"{goal.name} has an idle term: not searched per layer setup"
        )
    if not goal.monotone:
        shifted = idle_shifted(acc, goal.idle_shift_pj_per_cycle)
        exact = shifted is not None
        if shifted is not None:
            target, goal_searched = shifted, goal.shifted()
    found = search_network(
        network,
        target,
        goal_searched,
        budget=budget,
        max_memory_bytes=max_memory_bytes,
        on_layer_done=on_layer_done,
        layer_setups=setups,
        level="network" if acc.conventions.network_objective else "layer",
    )
    layers = tuple(
        LayerResult(
            c.cost if target is acc else evaluate_mapping(layer, acc, c.mapping),
            SearchRecord(c.search.evaluated, c.search.seconds, c.search.optimal, c.search.gap),
        )
        for c, layer in zip(found.layers, network.layers, strict=True)
    )
    value = found.value
    if target is not acc:
        # the objective of the mappings on acc; equal to the shifted value unless the model's energy
        # carries leakage that chip_leakage_mw does not count (then the search proved nothing about it)
        value = float(
            goal.value(sum(r.cost.energy_pj for r in layers), sum(r.cost.latency_cycles for r in layers))
        )
        exact = math.isclose(value, found.value, rel_tol=1e-9, abs_tol=0.0)
    search = NetworkSearch(found.objective, found.evaluated, found.seconds, found.optimal and exact, value)
    return layers, search
