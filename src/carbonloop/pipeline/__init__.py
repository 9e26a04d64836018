"""The one evaluation path: ``evaluate(workload, accelerator, ...) -> WorkloadResult``."""

from carbonloop.pipeline.evaluate import CARBON_OBJECTIVES, evaluate
from carbonloop.pipeline.inputs import DEFAULT_CARBON_PARAMETERS, DEFAULT_CONVENTIONS, mappings_from_file
from carbonloop.pipeline.result import (
    InterLayer,
    LayerResult,
    Metrics,
    NetworkSearch,
    SearchRecord,
    WorkloadResult,
)

__all__ = [
    "CARBON_OBJECTIVES",
    "DEFAULT_CARBON_PARAMETERS",
    "DEFAULT_CONVENTIONS",
    "InterLayer",
    "LayerResult",
    "Metrics",
    "NetworkSearch",
    "SearchRecord",
    "WorkloadResult",
    "evaluate",
    "mappings_from_file",
]
