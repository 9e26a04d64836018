"""carbonloop: performance-carbon design-space exploration of AI accelerators.

The curated API (a notebook session is in docs/api.md)::

    import carbonloop as cl
    result = cl.evaluate("resnet8", "tpu_like", objective="edp", carbon="carbonspot", fps=25)
    result.energy_pj, result.latency_ns, result.metrics.tops_per_w, result.carbon.result.ca_g
    cl.explore("tiny", "carbonloop-results/results.sqlite")
    df = cl.load_results("carbonloop-results/results.sqlite", space="tiny")

Everything else lives in the subpackages (workload, hardware, costs, model, mapper, carbon, explore, report).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbonloop.errors import SpecError
from carbonloop.hardware.library import load_accelerator
from carbonloop.pipeline import WorkloadResult, evaluate
from carbonloop.workload.load import load_workload

if TYPE_CHECKING:
    from carbonloop.explore.run import RunSummary
    from carbonloop.explore.space import DesignSpace

__version__ = "0.1.0"
__all__ = [
    "SpecError",
    "WorkloadResult",
    "__version__",
    "evaluate",
    "explore",
    "load_accelerator",
    "load_results",
    "load_workload",
]


def explore(
    space: DesignSpace | str | Path = "tiny",
    store: str | Path | None = None,
    *,
    workers: int | None = None,
    dask: str | None = None,
    limit: int | None = None,
    retry_failed: bool = False,
    progress: bool = False,
) -> RunSummary:
    """Run a design space (a built-in name such as ``tiny``/``mobile``, a space YAML, or a DesignSpace) into
    a resumable results store (default: ``carbonloop explore``'s); points already stored for the same space
    and model are skipped."""
    from carbonloop.explore.run import run_space
    from carbonloop.explore.space import DesignSpace, load_space
    from carbonloop.explore.store import DEFAULT_STORE

    spec = space if isinstance(space, DesignSpace) else load_space(space)
    return run_space(
        spec,
        DEFAULT_STORE if store is None else store,
        workers=workers,
        dask=dask,
        limit=limit,
        retry_failed=retry_failed,
        progress=progress,
    )


def load_results(store: str | Path | None = None, *, space: str | None = None) -> Any:
    """A results store (default: ``carbonloop explore``'s, or an exported CSV/Parquet file) as a pandas
    DataFrame, one row per point; ``space`` keeps one space's rows."""
    from carbonloop.explore.store import DEFAULT_STORE
    from carbonloop.explore.store import load_results as load

    return load(DEFAULT_STORE if store is None else store, space=space)
