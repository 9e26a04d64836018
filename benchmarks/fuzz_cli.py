"""The fuzz campaign of issue #13 through the real CLI: broken inputs of every kind, one subprocess each.

Every case takes a valid input (a preset, an example, package data, an ONNX export of a zoo network, or a
command line), breaks it with one mutation of ``tests/fuzz/mutations.py`` (deep nesting, alias bombs,
huge numbers, NaN/inf, negative values, wrong types, truncation, random bytes, unknown keys) and runs
``python -m carbonloop ...`` on it with a time limit (default 60 s) and an address-space limit
(``RLIMIT_AS``, default 6 GiB). Each outcome is classified:

- ``clean error``: exit 2 and exactly one ``error:`` line on stderr (warnings aside), at most 1000 chars;
- ``ok``: exit 0 and every number printed finite (and energies, areas, times and carbon non-negative);
- ``traceback``, ``timeout``, ``OOM`` (MemoryError or killed at the limit), ``NaN/neg output``,
  ``bad error`` (exit 2 but not one short error line) and ``other exit``.

It prints a table of outcomes per input kind, the peak RSS (the child's ``VmHWM``, sampled every
20 ms, so Linux only), and the first cases of every bad outcome
with their command, so a failure can be rerun by hand. The results-store corruption cases of the
original campaign belong to ``explore``'s store tests and are not repeated here.

    python benchmarks/fuzz_cli.py --cases 300            # a moderate run
    python benchmarks/fuzz_cli.py --cases 2400 --jobs 2  # the full campaign of issue #13
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the mutations live with the fuzz tests

from tests.fuzz.mutations import (  # noqa: E402
    ONNX_KINDS,
    OPTION_KINDS,
    YAML_KINDS,
    RandomChooser,
    mutate_onnx,
    mutate_yaml,
    option_value,
)

EXAMPLES = REPO / "examples"
TINY = "conv1d:M=4,P=4,R=3"
OUTCOMES = ("clean error", "ok", "traceback", "timeout", "OOM", "NaN/neg output", "bad error", "other exit")
MAX_LINE_CHARS = 1000
_NOT_FINITE = re.compile(r"(?i)(?<![\w-])-?(nan|inf|infinity)(?![\w-])")


@dataclass
class Case:
    """One broken input: the files to write (name -> bytes) and the command line (``{dir}`` = its folder)."""

    kind: str  # input kind: workload, accelerator, ..., options
    mutation: str
    files: dict[str, bytes]
    argv: list[str]


@dataclass
class Outcome:
    case: Case
    outcome: str
    seconds: float
    peak_rss_mb: float
    detail: str


# --- the valid inputs ----------------------------------------------------------------------------------
def _text(package: str, *parts: str) -> str:
    ref = resources.files(package)
    for part in parts:
        ref = ref / part
    return ref.read_text(encoding="utf-8")


def _seeds() -> dict[str, Any]:
    from carbonloop.workload import zoo
    from carbonloop.workload.export_onnx import network_to_onnx
    from carbonloop.workload.yaml import dump_network

    return {
        "workload": [dump_network(zoo.get("conv1d:M=8,P=8,R=3")), dump_network(zoo.get("autoencoder"))],
        "accelerator": [
            _text("carbonloop.hardware", "presets", f"{p}.yaml")
            for p in ("two_level", "eyeriss_like", "os_array_16x16", "aimc_28nm")
        ],
        "mapping": [(EXAMPLES / f"{m}.yaml").read_text() for m in ("conv1d_ws", "conv1d_tiled_os")],
        "space": [_text("carbonloop.explore", "data", "quick.yaml")],
        "parameters": [
            _text("carbonloop.carbon", "data", "carbonspot.yaml"),
            "base: act\nlifetime_years: 5\n",
        ],
        "timeloop": {
            n: (EXAMPLES / "timeloop" / n).read_text()
            for n in ("arch.yaml", "problem.yaml", "map_tiled.yaml", "ert.yaml")
        },
        "zigzag": {
            n: (EXAMPLES / "zigzag" / n).read_text()
            for n in ("accelerator.yaml", "workload.yaml", "mapping.yaml")
        },
        "onnx": bytes(network_to_onnx(zoo.get("ds_cnn")).SerializeToString()),
    }


# --- the cases -------------------------------------------------------------------------------------------
def _file_case(kind: str, mutation: str, seeds: dict[str, Any], seed: int) -> Case:
    choose = RandomChooser(seed)
    d = "{dir}"
    if kind in ("timeloop", "zigzag"):
        texts: dict[str, str] = seeds[kind]
        names = sorted(texts)
        target = names[choose.integer(0, len(names) - 1)]
        files = {n: mutate_yaml(t, mutation, choose) if n == target else t.encode() for n, t in texts.items()}
        if kind == "timeloop":
            argv = [
                "evaluate",
                "--format",
                "timeloop",
                "--arch",
                f"{d}/arch.yaml",
                "--problem",
                f"{d}/problem.yaml",
                "-m",
                f"{d}/map_tiled.yaml",
                "--ert",
                f"{d}/ert.yaml",
                "--json",
            ]
        else:
            argv = [
                "evaluate",
                "--format",
                "zigzag",
                "-a",
                f"{d}/accelerator.yaml",
                "-w",
                f"{d}/workload.yaml",
                "-m",
                f"{d}/mapping.yaml",
                "--json",
            ]
        return Case(kind, f"{mutation} ({target})", files, argv)
    if kind == "onnx":
        files = {"m.onnx": mutate_onnx(seeds["onnx"], mutation, choose)}
        return Case(
            kind,
            mutation,
            files,
            ["evaluate", "-w", f"{d}/m.onnx", "-a", "two_level", "--budget", "20", "--json"],
        )
    options = seeds[kind]
    raw = mutate_yaml(options[choose.integer(0, len(options) - 1)], mutation, choose)
    commands: dict[str, tuple[str, list[str]]] = {
        "workload": (
            "w.yaml",
            ["evaluate", "-w", f"{d}/w.yaml", "-a", "two_level", "--budget", "20", "--json"],
        ),
        "accelerator": ("a.yaml", ["evaluate", "-w", TINY, "-a", f"{d}/a.yaml", "--budget", "20", "--json"]),
        "mapping": ("m.yaml", ["evaluate", "-w", "conv1d", "-a", "two_level", "-m", f"{d}/m.yaml", "--json"]),
        "space": (
            "s.yaml",
            [
                "explore",
                "--space",
                f"{d}/s.yaml",
                "--limit",
                "2",
                "--out",
                f"{d}/out",
                "--no-report",
                "--no-progress",
                "--workers",
                "1",
            ],
        ),
        "parameters": (
            "p.yaml",
            [
                "carbon",
                "--energy-pj",
                "1e6",
                "--latency-ns",
                "1e4",
                "--area-mm2",
                "2",
                "--parameters",
                f"{d}/p.yaml",
                "--json",
            ],
        ),
    }
    name, argv = commands[kind]
    return Case(kind, mutation, {name: raw}, argv)


CARBON = ["carbon", "--energy-pj", "1e6", "--latency-ns", "1e4", "--area-mm2", "2", "--json"]
EVALUATE = ["evaluate", "-w", TINY, "-a", "two_level", "--budget", "20", "--carbon", "--json"]
EXPLORE = [
    "explore",
    "--space",
    "quick",
    "--limit",
    "1",
    "--out",
    "{dir}/out",
    "--no-report",
    "--no-progress",
]
OPTION_TARGETS: list[tuple[list[str], str]] = [
    *(
        (CARBON, o)
        for o in (
            "--energy-pj",
            "--latency-ns",
            "--area-mm2",
            "--dram-gb",
            "--fps",
            "--node-nm",
            "--lifetime-years",
            "--grid",
            "--fab-grid",
            "--parameters",
        )
    ),
    *(
        (EVALUATE, o)
        for o in (
            "--budget",
            "--fps",
            "--lifetime-years",
            "--grid",
            "--objective",
            "--conventions",
            "--parameters",
        )
    ),
    *((EXPLORE, o) for o in ("--budget", "--workers", "--limit", "--dask", "--objective", "--formats")),
    (["workload", "show"], "conv1d:M={}"),
    (["show-accelerator"], "digital(rows={},cols=8,sram_bytes=4096)"),
    (["evaluate", "-a", "two_level", "--budget", "20", "--json", "-w"], "conv1d:M=4,P=4,R={}"),
]


def _option_case(mutation: str, seed: int) -> Case:
    choose = RandomChooser(seed)
    argv, option = OPTION_TARGETS[choose.integer(0, len(OPTION_TARGETS) - 1)]
    value = option_value(mutation, choose)
    full = [*argv, option.replace("{}", value)] if "{}" in option else [*argv, option, value]
    return Case("options", f"{mutation} {option.split('=')[0]}", {}, full)


def make_cases(count: int, seed: int) -> list[Case]:
    """``count`` cases, round-robin over (input kind, mutation kind), each with its own seed."""
    seeds = _seeds()
    plan: list[tuple[str, str]] = []
    for kind in ("workload", "accelerator", "mapping", "space", "parameters", "timeloop", "zigzag"):
        plan += [(kind, m) for m in YAML_KINDS]
    plan += [("onnx", m) for m in ONNX_KINDS]
    plan += [("options", m) for m in OPTION_KINDS] * 3  # options weigh as much as two file kinds
    cases = []
    for i in range(count):
        kind, mutation = plan[i % len(plan)]
        case_seed = seed * 1_000_003 + i
        cases.append(
            _option_case(mutation, case_seed)
            if kind == "options"
            else _file_case(kind, mutation, seeds, case_seed)
        )
    return cases


# --- running one case -------------------------------------------------------------------------------------
def _limits(memory_bytes: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return apply


def run_case(case: Case, work: Path, index: int, timeout_s: float, memory_bytes: int) -> Outcome:
    folder = work / f"case{index:05d}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    argv = [a.replace("{dir}", str(folder)) for a in case.argv]
    out_path, err_path = folder / "stdout", folder / "stderr"
    start = time.perf_counter()
    timed_out = False
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "carbonloop", *argv],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=folder,
            preexec_fn=_limits(memory_bytes),
            start_new_session=True,
            env={**os.environ, "PYTHONHASHSEED": "0", "COLUMNS": "120"},
        )
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _high_water_kb(proc.pid))
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout_s:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, _ = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    peak_mb = peak_kb / 1024
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    outcome, detail = classify(proc.returncode, stdout, stderr, timed_out)
    shutil.rmtree(folder, ignore_errors=True)
    return Outcome(case, outcome, seconds, peak_mb, detail)


def _high_water_kb(pid: int) -> int:
    """The process's peak RSS so far (``VmHWM``), read every 20 ms while it runs.

    Not ``wait4``'s ``ru_maxrss``: after fork and exec it keeps the high-water mark of the forking parent
    (this script, some hundred MB), which would hide the child's own peak under the parent's.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def classify(rc: int, stdout: str, stderr: str, timed_out: bool) -> tuple[str, str]:
    """The outcome of one run and a one-line detail (the error line or the last line of a traceback)."""
    lines = stderr.splitlines()
    last = lines[-1][:200] if lines else ""
    if timed_out:
        return "timeout", last
    if "MemoryError" in stderr or "Unable to allocate" in stderr or rc == -signal.SIGKILL:
        return "OOM", last
    if "Traceback (most recent call last)" in stderr:
        return "traceback", last
    if rc == 2:
        errors = [line for line in lines if line.startswith("error: ")]
        others = [line for line in lines if not line.startswith(("error: ", "warning: ")) and line.strip()]
        if len(errors) == 1 and not others and len(errors[0]) <= MAX_LINE_CHARS:
            return "clean error", errors[0][:200]
        return (
            "bad error",
            f"{len(errors)} error lines and {len(others)} other lines (longest {max(map(len, lines), default=0)} "
            f"chars); first other: {others[0][:70] if others else ''!r}; last: {last[:100]}",
        )
    if rc != 0:
        return "other exit", f"exit {rc}: {last}"
    if _NOT_FINITE.search(stdout):
        return "NaN/neg output", "NaN or Infinity in the output"
    if stdout.lstrip().startswith("{"):
        try:
            data = json.loads(stdout)
        except json.JSONDecodeError:
            return "NaN/neg output", "stdout is not valid JSON"
        for name, x in _numbers(data):
            if not math.isfinite(x) or (x < 0 and name.endswith(("_pj", "_g", "_mm2", "_ns", "_cycles"))):
                return "NaN/neg output", f"{name} = {x}"
    return "ok", ""


def _numbers(value: Any, path: str = "") -> list[tuple[str, float]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [(path, float(value))]
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _numbers(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in _numbers(v, f"{path}[{i}]")]
    return []


# --- the report -------------------------------------------------------------------------------------------
def report(results: list[Outcome], show: int) -> None:
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        by_kind[r.case.kind][r.outcome] += 1
    total = Counter(r.outcome for r in results)
    width = max(len(k) for k in [*by_kind, "input kind"]) + 2
    header = "input kind".ljust(width) + "".join(f"{o:>15}" for o in OUTCOMES) + f"{'cases':>8}"
    print(header)
    print("-" * len(header))
    for kind, counts in sorted(by_kind.items()):
        print(
            kind.ljust(width) + "".join(f"{counts[o]:>15}" for o in OUTCOMES) + f"{sum(counts.values()):>8}"
        )
    print("-" * len(header))
    print("total".ljust(width) + "".join(f"{total[o]:>15}" for o in OUTCOMES) + f"{len(results):>8}")
    n = len(results)
    print(
        f"\nas promised (clean error or ok): {total['clean error'] + total['ok']} of {n} "
        f"({100 * (total['clean error'] + total['ok']) / max(n, 1):.1f} %)"
    )
    peak = max(results, key=lambda r: r.peak_rss_mb)
    slow = max(results, key=lambda r: r.seconds)
    over_2gb = sum(r.peak_rss_mb > 2048 for r in results)
    print(
        f"peak RSS {peak.peak_rss_mb:.0f} MB ({peak.case.kind}, {peak.case.mutation}); {over_2gb} runs over 2 GB"
    )
    print(
        f"slowest {slow.seconds:.1f} s ({slow.case.kind}, {slow.case.mutation}); "
        f"median {sorted(r.seconds for r in results)[n // 2]:.2f} s"
    )
    bad = [r for r in results if r.outcome not in ("clean error", "ok")]
    if bad and show:
        print("\nfirst bad cases:")
        for outcome in OUTCOMES[2:]:
            for r in [r for r in bad if r.outcome == outcome][:show]:
                print(
                    f"  [{outcome}] {r.case.kind}/{r.case.mutation}: carbonloop {' '.join(r.case.argv)[:160]}"
                )
                print(f"      {r.detail}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=2400, help="number of cases (default 2400, the issue's)")
    ap.add_argument("--seed", type=int, default=0, help="campaign seed (the same seed gives the same cases)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per case (default 60)")
    ap.add_argument("--memory-gib", type=float, default=6.0, help="RLIMIT_AS per case in GiB (default 6)")
    ap.add_argument("--jobs", type=int, default=1, help="cases run at once (default 1)")
    ap.add_argument("--show", type=int, default=3, help="bad cases listed per outcome (default 3)")
    ap.add_argument("--log", type=Path, help="write one JSON line per case here")
    args = ap.parse_args()

    cases = make_cases(args.cases, args.seed)
    memory = int(args.memory_gib * 1024**3)
    work = Path(tempfile.mkdtemp(prefix="carbonloop-fuzz-"))
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            results = list(
                pool.map(lambda ic: run_case(ic[1], work, ic[0], args.timeout, memory), enumerate(cases))
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{len(cases)} cases (seed {args.seed}), {args.timeout:g} s and {args.memory_gib:g} GiB each, "
        f"{args.jobs} at a time: {time.perf_counter() - started:.0f} s\n"
    )
    report(results, args.show)
    if args.log:
        with args.log.open("w", encoding="utf-8") as fh:
            for r in results:
                fh.write(
                    json.dumps(
                        {
                            "kind": r.case.kind,
                            "mutation": r.case.mutation,
                            "argv": r.case.argv,
                            "outcome": r.outcome,
                            "seconds": round(r.seconds, 3),
                            "peak_rss_mb": round(r.peak_rss_mb, 1),
                            "detail": r.detail,
                        }
                    )
                    + "\n"
                )


if __name__ == "__main__":
    main()
