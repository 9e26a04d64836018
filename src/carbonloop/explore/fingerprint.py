"""The model fingerprint: a hash of every file that computes a point's numbers.

A stored point is reused only when its key matches, and the key includes this fingerprint, so a change to
the model, the mapper, the component costs, the carbon tables, the hardware templates, the workload zoo,
the pipeline or the exploration's own recipe (``explore/point.py``) makes every earlier row stale: the
point is computed again instead of reusing a number the current code would not give. We hash the files
rather than keep a hand-bumped ``MODEL_VERSION`` because a forgotten bump silently reuses wrong numbers,
while a hash can only err on the safe side (a comment edit recomputes).

The hash covers source and data files (``.py``, ``.yaml``, ``.yml``, ``.csv``, ``.json``) by their path
inside the package and their bytes; it is computed once per process.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from importlib.resources.abc import Traversable

MODEL_PACKAGES = ("model", "mapper", "costs", "carbon", "hardware", "workload", "pipeline")
"""The sub-packages of ``carbonloop`` whose files decide a point's numbers."""

MODEL_FILES = ("explore/point.py",)
"""Single files outside those packages that decide a point's numbers too."""

HASHED_SUFFIXES = (".py", ".yaml", ".yml", ".csv", ".json")


def _files(node: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    """Every hashed file below ``node`` as (path inside the package, file), skipping caches."""
    out: list[tuple[str, Traversable]] = []
    if node.is_file():
        if node.name.endswith(HASHED_SUFFIXES):
            out.append((prefix, node))
        return out
    if not node.is_dir() or node.name == "__pycache__":
        return out
    for child in node.iterdir():
        out.extend(_files(child, f"{prefix}/{child.name}"))
    return out


def fingerprint_of(root: Traversable, packages: tuple[str, ...], files: tuple[str, ...]) -> str:
    """sha256 (first 16 hex digits) over the sorted (path, bytes) of the model's files under ``root``."""
    entries: list[tuple[str, Traversable]] = []
    for name in packages:
        entries.extend(_files(root / name, name))
    for rel in files:
        node = root
        for part in rel.split("/"):
            node = node / part
        entries.extend(_files(node, rel))
    digest = hashlib.sha256()
    for rel, node in sorted(entries, key=lambda e: e[0]):
        data = node.read_bytes()
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """The fingerprint of the installed ``carbonloop`` package's model files (cached per process)."""
    return fingerprint_of(resources.files("carbonloop"), MODEL_PACKAGES, MODEL_FILES)
