"""Fuzz every loader with broken inputs (issue #13.5): a sane result or one short SpecError, nothing else.

Each test starts from valid files (the presets, the examples, package data), breaks one of them with a
mutation of ``tests/fuzz/mutations.py`` chosen by hypothesis, and loads it. The contract: the loader
returns a value whose numbers are finite and in range, or raises SpecError whose line is one short line.
Any other exception (RecursionError, OverflowError, KeyError ...) fails the test, and hypothesis shrinks
it to a small case. Runs are derandomized (the same cases on every run), 40 cases per loader unless
``CARBONLOOP_FUZZ_EXAMPLES`` asks for more (a longer local campaign).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonloop.errors import SpecError
from tests.fuzz.mutations import ONNX_KINDS, YAML_KINDS, mutate_onnx, mutate_yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MAX_LINE_CHARS = 1_000
"""An error line of more than this is not "one line of reasonable size" (SpecError keeps it near 800)."""

FUZZ = settings(
    max_examples=int(os.environ.get("CARBONLOOP_FUZZ_EXAMPLES", "40")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class DrawChooser:
    """Mutation choices drawn by hypothesis (so failures shrink)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


def preset_text(name: str) -> str:
    return (resources.files("carbonloop.hardware") / "presets" / f"{name}.yaml").read_text(encoding="utf-8")


def package_text(package: str, *parts: str) -> str:
    ref = resources.files(package)
    for part in parts:
        ref = ref / part
    return ref.read_text(encoding="utf-8")


TYPED_NETWORK = """\
name: tiny
layers:
  - name: c1
    type: conv2d
    params: {K: 8, C: 3, OY: 8, OX: 8, FY: 3, FX: 3, stride: 1, padding: 1}
  - name: fc
    type: fc
    params: {in_features: 512, out_features: 10}
    inputs: [c1]
"""

USER_PARAMETERS = """\
base: act
lifetime_years: 5
use_grid: europe
fab_grid: 450
node_nm: 22
yield: {model: negative_binomial, alpha: 10}
dram: {g_per_gb: 230, scale_from_nm: 30, scale_to_nm: 28}
package_g_per_chip: 150
"""


# --- sanity of a result: every number finite, and the physical ones >= 0 ---------------------------
def numbers(value: Any, seen: set[int] | None = None) -> Iterator[tuple[str, float]]:
    """(name, value) for every number reachable from ``value`` (dataclasses, dicts, lists, tuples)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield "", float(value)
        return
    seen.add(id(value))
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            for name, x in numbers(getattr(value, f.name), seen):
                yield f"{f.name}.{name}".rstrip("."), x
    elif isinstance(value, dict):
        for k, v in value.items():
            for name, x in numbers(v, seen):
                yield f"{k}.{name}".rstrip("."), x
    elif isinstance(value, list | tuple | frozenset | set):
        for v in value:
            yield from numbers(v, seen)


UNBOUNDED = ("read_bw_bits", "write_bw_bits")
"""Bandwidths may be infinite on purpose: a Timeloop level without a bandwidth limit."""


def assert_sane(result: Any) -> None:
    for name, x in numbers(result):
        if name.rsplit(".", 1)[-1] in UNBOUNDED and x == math.inf:
            continue
        assert math.isfinite(x), f"{name} = {x}"
        if name.endswith(("_pj", "_mm2", "_ns", "_bits", "_mw", "_g", "_years")):
            assert x >= 0, f"{name} = {x}"


def holds_contract(load: Callable[[], Any]) -> Any:
    """Run a loader: its result, or None after checking the SpecError is one short line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load()
    except SpecError as err:
        line = f"error: {err}"
        assert "\n" not in line and "\r" not in line, repr(line[:300])
        assert len(line) <= MAX_LINE_CHARS, f"{len(line)} characters: {line[:200]}..."
        return None


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- one test per loader -----------------------------------------------------------------------------
@FUZZ
@given(data=st.data(), kind=st.sampled_from(YAML_KINDS), seed=st.sampled_from(["generic", "typed"]))
def test_workload_yaml_loader_holds_the_contract(tmp_path_factory, data, kind, seed):
    from carbonloop.workload import zoo
    from carbonloop.workload.load import load_workload
    from carbonloop.workload.yaml import dump_network

    text = dump_network(zoo.get("conv1d:M=8,P=8,R=3")) if seed == "generic" else TYPED_NETWORK
    path = write(tmp_path_factory.mktemp("w") / "w.yaml", mutate_yaml(text, kind, DrawChooser(data)))
    net = holds_contract(lambda: load_workload(str(path)))
    if net is not None:
        assert_sane(net)
        assert all(size >= 1 for layer in net.layers for _, size in layer.dims)


@FUZZ
@given(
    data=st.data(),
    kind=st.sampled_from(YAML_KINDS),
    preset=st.sampled_from(["two_level", "eyeriss_like", "aimc_28nm", "os_array_16x16"]),
)
def test_accelerator_yaml_loader_holds_the_contract(tmp_path_factory, data, kind, preset):
    from carbonloop.hardware.yaml import load_accelerator_file

    path = write(
        tmp_path_factory.mktemp("a") / "a.yaml", mutate_yaml(preset_text(preset), kind, DrawChooser(data))
    )
    acc = holds_contract(lambda: load_accelerator_file(path))
    if acc is not None:
        assert_sane(acc)
        assert math.isfinite(acc.area_mm2) and acc.area_mm2 >= 0 and acc.clock_ns > 0


@FUZZ
@given(
    data=st.data(), kind=st.sampled_from(YAML_KINDS), seed=st.sampled_from(["conv1d_ws", "conv1d_tiled_os"])
)
def test_mapping_yaml_loader_holds_the_contract(tmp_path_factory, data, kind, seed):
    from carbonloop.hardware.library import load_accelerator
    from carbonloop.model.mapping import load_mapping, resolve
    from carbonloop.workload import zoo

    text = (EXAMPLES / f"{seed}.yaml").read_text(encoding="utf-8")
    path = write(tmp_path_factory.mktemp("m") / "m.yaml", mutate_yaml(text, kind, DrawChooser(data)))
    layer = zoo.get("conv1d").layers[0]
    acc = load_accelerator("two_level")
    holds_contract(lambda: resolve(load_mapping(path), layer, acc))


@FUZZ
@given(data=st.data(), kind=st.sampled_from(YAML_KINDS), seed=st.sampled_from(["quick", "tiny"]))
def test_space_yaml_loader_holds_the_contract(tmp_path_factory, data, kind, seed):
    from carbonloop.explore.space import load_space

    text = package_text("carbonloop.explore", "data", f"{seed}.yaml")
    path = write(tmp_path_factory.mktemp("s") / "s.yaml", mutate_yaml(text, kind, DrawChooser(data)))
    holds_contract(lambda: load_space(path))


@FUZZ
@given(data=st.data(), kind=st.sampled_from(YAML_KINDS), seed=st.sampled_from(["user", "carbonspot"]))
def test_carbon_parameter_loader_holds_the_contract(tmp_path_factory, data, kind, seed):
    from carbonloop.carbon.parameters import load_parameters

    text = USER_PARAMETERS if seed == "user" else package_text("carbonloop.carbon", "data", "carbonspot.yaml")
    path = write(tmp_path_factory.mktemp("p") / "p.yaml", mutate_yaml(text, kind, DrawChooser(data)))
    params = holds_contract(lambda: load_parameters(str(path)))
    if params is not None:
        assert_sane(params.summary())


TIMELOOP = {"arch": "arch.yaml", "problem": "problem.yaml", "mapping": "map_tiled.yaml", "ert": "ert.yaml"}


@FUZZ
@given(data=st.data(), kind=st.sampled_from(YAML_KINDS), target=st.sampled_from(sorted(TIMELOOP)))
def test_timeloop_reader_holds_the_contract(tmp_path_factory, data, kind, target):
    from carbonloop.interop.timeloop import load_timeloop

    folder = tmp_path_factory.mktemp("t")
    paths = {}
    for role, name in TIMELOOP.items():
        text = (EXAMPLES / "timeloop" / name).read_text(encoding="utf-8")
        raw = mutate_yaml(text, kind, DrawChooser(data)) if role == target else text.encode()
        paths[role] = write(folder / name, raw)
    result = holds_contract(
        lambda: load_timeloop(paths["arch"], paths["problem"], paths["mapping"], paths["ert"])
    )
    if result is not None:
        layer, acc, _, _ = result
        assert_sane(acc)
        assert all(size >= 1 for _, size in layer.dims)


ZIGZAG = {"accelerator": "accelerator.yaml", "workload": "workload.yaml", "mapping": "mapping.yaml"}


@FUZZ
@given(data=st.data(), kind=st.sampled_from(YAML_KINDS), target=st.sampled_from(sorted(ZIGZAG)))
def test_zigzag_reader_holds_the_contract(tmp_path_factory, data, kind, target):
    from carbonloop.interop.zigzag import load_zigzag

    folder = tmp_path_factory.mktemp("z")
    paths = {}
    for role, name in ZIGZAG.items():
        text = (EXAMPLES / "zigzag" / name).read_text(encoding="utf-8")
        raw = mutate_yaml(text, kind, DrawChooser(data)) if role == target else text.encode()
        paths[role] = write(folder / name, raw)
    result = holds_contract(lambda: load_zigzag(**paths))
    if result is not None:
        assert_sane(result)


@pytest.fixture(scope="module")
def onnx_bytes() -> bytes:
    from carbonloop.workload import zoo
    from carbonloop.workload.export_onnx import network_to_onnx

    return bytes(network_to_onnx(zoo.get("ds_cnn")).SerializeToString())


@FUZZ
@given(data=st.data(), kind=st.sampled_from(ONNX_KINDS))
def test_onnx_loader_holds_the_contract(tmp_path_factory, onnx_bytes, data, kind):
    from carbonloop.workload.onnx import load_onnx

    path = write(tmp_path_factory.mktemp("o") / "m.onnx", mutate_onnx(onnx_bytes, kind, DrawChooser(data)))
    result = holds_contract(lambda: load_onnx(path))
    if result is not None:
        net, _ = result
        assert_sane(net)
        assert all(size >= 1 for layer in net.layers for _, size in layer.dims)


def test_zigzag_operand_source_that_is_not_an_id_is_a_spec_error(tmp_path):
    """Found by this fuzzer (wrong_type): a list as the producer id was looked up in a dict (TypeError)."""
    from carbonloop.interop.zigzag import load_zigzag

    text = (EXAMPLES / "zigzag" / "workload.yaml").read_text(encoding="utf-8")
    assert "operand_source: {I: 0, W: 0}" in text
    bad = write(
        tmp_path / "w.yaml",
        text.replace("operand_source: {I: 0, W: 0}", "operand_source: {I: [1, 2], W: 0}").encode(),
    )
    with pytest.raises(SpecError) as err:
        load_zigzag(accelerator=EXAMPLES / "zigzag" / "accelerator.yaml", workload=bad)
    assert str(err.value) == f"{bad}: [0].operand_source.I: expected a layer id (got [1, 2])"
