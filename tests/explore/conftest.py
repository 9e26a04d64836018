"""Small design spaces that the mapper solves in well under a second per point."""

from __future__ import annotations

from pathlib import Path

import pytest

SMALL_SPACE = """
name: small
dram_bytes: 1MiB
objective: edp
parameters: carbonspot
accelerators:
  digital:
    dataflow: [os, ws]
    dim: [8, 16]
    sram_bytes: [4KiB]
workloads:
  - {name: "conv1d:M=8,P=8,R=3", fps: 1000}
  - {name: "conv1d:M=16,P=8,R=3", fps: 100}
"""

# The second grid's design cannot be built: 1000 B is not a whole number of 256-bit SRAM words.
FAILING_SPACE = """
name: failing
accelerators:
  digital:
    - {dataflow: os, dim: 8, sram_bytes: 4KiB}
    - {dataflow: os, dim: 8, sram_bytes: 1000B}
workloads:
  - {name: "conv1d:M=8,P=8,R=3", fps: 1000}
"""

# Fields that legitimately differ between two runs of the same point (wall-clock times).
TIMING_FIELDS = {"seconds", "search_seconds", "slowest_layer", "slowest_layer_seconds", "traceback"}


def write_space(folder: Path, text: str, name: str = "space.yaml") -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in TIMING_FIELDS}


@pytest.fixture
def small_space_file(tmp_path: Path) -> Path:
    return write_space(tmp_path, SMALL_SPACE)


@pytest.fixture
def failing_space_file(tmp_path: Path) -> Path:
    return write_space(tmp_path, FAILING_SPACE)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """The small space run once, serially: (store path, records in store order)."""
    from carbonloop.explore import ResultStore, load_space, run_space

    folder = tmp_path_factory.mktemp("small_run")
    space = load_space(write_space(folder, SMALL_SPACE))
    store = folder / "results.sqlite"
    summary = run_space(space, store, workers=1, progress=False)
    assert (summary.ran, summary.failed) == (8, 0)
    with ResultStore(store) as st:
        return store, list(st.records())
