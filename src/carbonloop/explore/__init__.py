"""Design-space exploration: spaces of accelerator templates x workloads, run locally or on Dask, stored in
SQLite as points finish (resumable, keyed by space and model fingerprint, safe for concurrent runs),
stopped cleanly on Ctrl-C, analysed per workload and on the suite's geometric mean."""

from carbonloop.explore.executors import DaskExecutor, LocalExecutor, SerialExecutor, make_executor
from carbonloop.explore.fingerprint import model_fingerprint
from carbonloop.explore.interrupts import StopRequest
from carbonloop.explore.pareto import best_designs, geomean, geomean_rows, pareto_front, with_geomean
from carbonloop.explore.point import METRIC_COLUMNS, evaluate_point
from carbonloop.explore.run import RunSummary, run_space
from carbonloop.explore.space import Design, DesignSpace, Point, Workload, load_space, space_from_dict
from carbonloop.explore.store import ResultStore, export, load_results

__all__ = [
    "METRIC_COLUMNS",
    "DaskExecutor",
    "Design",
    "DesignSpace",
    "LocalExecutor",
    "Point",
    "ResultStore",
    "RunSummary",
    "SerialExecutor",
    "StopRequest",
    "Workload",
    "best_designs",
    "evaluate_point",
    "export",
    "geomean",
    "geomean_rows",
    "load_results",
    "load_space",
    "make_executor",
    "model_fingerprint",
    "pareto_front",
    "run_space",
    "space_from_dict",
    "with_geomean",
]
