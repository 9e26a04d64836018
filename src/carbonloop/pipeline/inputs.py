"""The pipeline's inputs as values: a workload, an accelerator (with its conventions) and given mappings,
from objects or from the names and files users type."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping as MappingABC
from pathlib import Path

from carbonloop.errors import SpecError
from carbonloop.hardware.accelerator import Accelerator
from carbonloop.hardware.library import load_accelerator
from carbonloop.model.conventions import CARBONLOOP, Conventions, get_conventions
from carbonloop.model.mapping import Mapping, mapping_from_data
from carbonloop.specio import load_yaml
from carbonloop.workload.layer import Layer
from carbonloop.workload.load import load_workload
from carbonloop.workload.network import Network, chain

DEFAULT_CARBON_PARAMETERS = "carbonspot"
"""The carbon parameter set used when none is named (CarbonSpot's, the study the default exploration runs)."""

DEFAULT_CONVENTIONS = CARBONLOOP.name


def as_network(workload: Network | Layer | str) -> Network:
    """A Network from a Network, one Layer, or a zoo name / workload file."""
    if isinstance(workload, Network):
        return workload
    if isinstance(workload, Layer):
        return chain(workload.name, [workload])
    if isinstance(workload, str):
        return load_workload(workload)
    raise SpecError(
        "evaluate", "workload", f"expected a Network, a Layer or a name/path (got {type(workload).__name__})"
    )


def as_accelerator(accelerator: Accelerator | str) -> Accelerator:
    """An Accelerator from an Accelerator, or a preset name / YAML file / template call."""
    if isinstance(accelerator, Accelerator):
        return accelerator
    if isinstance(accelerator, str):
        return load_accelerator(accelerator)
    raise SpecError(
        "evaluate",
        "accelerator",
        f"expected an Accelerator or a name/path (got {type(accelerator).__name__})",
    )


def with_conventions(acc: Accelerator, conventions: str | Conventions | None) -> Accelerator:
    """The accelerator evaluated under the named conventions (``None``: its own, by default the exact
    ``carbonloop`` set). Conventions travel on the accelerator, so the mapper searches under them too."""
    if conventions is None:
        return acc
    chosen = get_conventions(conventions, "evaluate", "conventions")
    return acc if chosen == acc.conventions else dataclasses.replace(acc, conventions=chosen)


def mappings_for(
    mapping: Mapping | MappingABC[str, Mapping] | str | Path, network: Network
) -> dict[str, Mapping]:
    """One Mapping per layer of ``network``, from a Mapping, a ``{layer: Mapping}`` or a mapping file."""
    if isinstance(mapping, (str, Path)):
        return mappings_from_file(str(mapping), network)
    names = [lay.name for lay in network.layers]
    if isinstance(mapping, Mapping):
        if len(names) != 1:
            raise SpecError(
                mapping.source, "<root>", f"one loop nest given but {network.name!r} has {len(names)} layers"
            )
        return {names[0]: mapping}
    unknown = [n for n in mapping if n not in names]
    if unknown:
        raise SpecError("evaluate", "mapping", f"no layer {unknown[0]!r} in workload {network.name!r}")
    missing = [n for n in names if n not in mapping]
    if missing:
        raise SpecError("evaluate", "mapping", f"no mapping for layers {missing}")
    return dict(mapping)


def mappings_from_file(path: str, network: Network) -> dict[str, Mapping]:
    """A mapping file holds one loop nest (a list of levels) or ``{layers: {name: [...]}}``."""
    data = load_yaml(path)
    names = [lay.name for lay in network.layers]
    if isinstance(data, dict) and "layers" in data:
        layers = data["layers"]
        if not isinstance(layers, dict):
            raise SpecError(path, "layers", "expected a mapping of layer name -> loop nest")
        for name in layers:
            if name not in names:
                raise SpecError(path, f"layers.{name}", f"no layer {name!r} in workload {network.name!r}")
        missing = [n for n in names if n not in layers]
        if missing:
            raise SpecError(path, "layers", f"no mapping for layers {missing}")
        return {name: mapping_from_data(nest, path) for name, nest in layers.items()}
    if len(names) != 1:
        raise SpecError(
            path,
            "<root>",
            f"one loop nest given but {network.name!r} has {len(names)} layers; use 'layers: {{name: ...}}'",
        )
    return {names[0]: mapping_from_data(data, path)}


def mapping_of_layer(path: str, layer: str) -> Mapping:
    """The loop nest of ``layer`` in a mapping file: its entry under ``layers:`` (what ``evaluate
    --save-mapping`` writes for a whole network) or the file's one nest."""
    data = load_yaml(path)
    if isinstance(data, dict) and "layers" in data:
        layers = data["layers"]
        if not isinstance(layers, dict):
            raise SpecError(path, "layers", "expected a mapping of layer name -> loop nest")
        if layer not in layers:
            raise SpecError(
                path, "layers", f"no mapping for layer {layer!r} (mapped: {', '.join(map(str, layers))})"
            )
        return mapping_from_data(layers[layer], path)
    return mapping_from_data(data, path)


SKIPPED_ON_IMC = frozenset({"add", "pool"})
"""The layer kinds ZigZag 3.9.1 does not cost on an IMC array (its ``Add`` and ``Pooling`` types)."""


def layers_costed(network: Network, acc: Accelerator) -> tuple[Network, tuple[str, ...]]:
    """The network the accelerator costs under its conventions, and the layers left out (in order).

    Only ``imc_runs_pool_and_add`` off (the ``zigzag`` set) on a compute-in-memory array leaves any out:
    its additions and poolings, with the edges that touch them (no residency is claimed through a layer
    the chip does not run). A network of nothing but such layers has no cost to report: an error."""
    if acc.conventions.imc_runs_pool_and_add or acc.array.imc is None:
        return network, ()
    kept = tuple(lay for lay in network.layers if lay.kind not in SKIPPED_ON_IMC)
    if len(kept) == len(network.layers):
        return network, ()
    if not kept:
        raise SpecError(
            network.name,
            "layers",
            f"every layer is an addition or a pooling, which the {acc.conventions.name} conventions do not "
            "cost on a compute-in-memory array (imc_runs_pool_and_add)",
        )
    names = {lay.name for lay in kept}
    edges = tuple(e for e in network.edges if e.producer in names and e.consumer in names)
    left_out = tuple(lay.name for lay in network.layers if lay.name not in names)
    return Network(network.name, kept, edges), left_out
