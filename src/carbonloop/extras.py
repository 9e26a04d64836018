"""Optional dependencies: import one, or fail with a one-line error that names the extra to install.

``pip install carbonloop`` stays small (issue 18: pyarrow alone is 170 MB, ONNX with protobuf 37 MB), so
Parquet files and ONNX import live in extras (``carbonloop[parquet]``, ``carbonloop[onnx]``). Code that
needs one calls :func:`require` where it needs it, never at import time.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from carbonloop.errors import SpecError

# module imported -> the extra of pyproject.toml that installs it
EXTRA_OF_MODULE = {
    "pyarrow": "parquet",
    "onnx": "onnx",
    "dask": "cluster",
    "distributed": "cluster",
    "dask_jobqueue": "cluster",
    "hwcomponents": "hwc",
    "torch": "torch",
}


def missing_extra_message(module: str) -> str:
    """What to install when ``module`` is missing: ``needs <module>: pip install 'carbonloop[<extra>]'``."""
    extra = EXTRA_OF_MODULE.get(module.split(".")[0])
    if extra is None:
        return f"needs the Python package {module!r}, which is not installed"
    return f"needs {module} (not installed): pip install 'carbonloop[{extra}]'"


def require(module: str, *, source: str, field: str) -> ModuleType:
    """``module``, imported; if it is not installed, a :class:`SpecError` naming the extra that brings it.

    ``source`` and ``field`` say what asked for it (a file and an option), as every input error does."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name is None or err.name.split(".")[0] != module.split(".")[0]:
            raise  # the module is there but something it imports is broken: not a missing extra
        raise SpecError(source, field, missing_extra_message(module)) from None
