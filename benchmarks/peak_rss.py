"""Peak memory and time of mapping zoo networks on the shipped presets, each in its own process.

Each (network, preset) case runs ``search_network(network, preset, "edp")`` in a child process; the
parent reads the child's peak resident set (``ru_maxrss`` of the child's own rusage, from ``os.wait4``:
the per-child form of ``getrusage(RUSAGE_CHILDREN)``) and its wall time, and prints one table row per
case. A case past ``--timeout`` is killed and reported as such with the peak it had reached.

    python benchmarks/peak_rss.py                       # the default subset (below)
    python benchmarks/peak_rss.py --all                 # every zoo network on every preset
    python benchmarks/peak_rss.py -n resnet50 -p eyeriss_like --timeout 3600
    python benchmarks/peak_rss.py --budget 30           # at most 30 s of search per layer

The default subset takes every preset with ResNet8 (MLPerf Tiny), DS-CNN and MobileNetV1, plus the
heavy case of issue #13, ResNet-50 on ``eyeriss_like``, and a 3x3 layer on ``os_array_16x16`` with
one more memory level (``--extra-level``). ``--budget`` makes the slow presets finish in reasonable
time: the memory a search holds is greatest in its first chunks (nothing is pruned yet), so the peak
under a budget is the peak of the exhaustive search in all but the last chunks.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_NETWORKS = ("resnet8", "ds_cnn", "mobilenet_v1")
HEAVY = (("resnet50", "eyeriss_like"),)

EXTRA_LEVEL_YAML = """\
# os_array_16x16 with one more memory level: a 2 KiB local buffer between the global buffer and the
# registers (issue #13: this alone took one 3x3 layer from 142 MB to 4.35 GB)
name: os_array_16x16_extra_level
clock_ns: 5.0
node_nm: 28
array:
  axes: {X: 16, Y: 16}
  mac_pj: 0.25
  mac_area_mm2: 0.00094482
memories:
  - {name: dram, width_bits: 64, read_pj: 236.8, write_pj: 236.8, operands: [W, I, O], spans: all,
     double_buffered: true}
  - {name: global_buffer, size_bits: 128 KiB, width_bits: 128, read_pj: 20.6004, write_pj: 19.0988,
     area_mm2: 0.190037, operands: [W, I, O], spans: [X, Y], double_buffered: true}
  - {name: local_buffer, size_bits: 2 KiB, width_bits: 64, read_pj: 1.2, write_pj: 1.2, area_mm2: 0.004,
     operands: [W, I, O], spans: [], double_buffered: true}
  - {name: registers, size_bits: 64, width_bits: 8, read_ports: 3, write_ports: 3, read_pj: 0.0136,
     write_pj: 0.0136, area_mm2: 0.0002358, operands: [W, I, O], spans: [], double_buffered: true}
hints:
  dataflow: output_stationary
  spatial: {X: [K], Y: [OX, OY]}
"""


def child(
    network: str, accelerator: str, budget: float | None, max_memory: int | None, layer: int | None
) -> None:
    """Map one network (or one layer of it) and print a JSON summary on stdout."""
    from carbonloop.hardware.library import load_accelerator
    from carbonloop.mapper import Budget, search_layer, search_network
    from carbonloop.workload import zoo
    from carbonloop.workload.network import Network

    acc = load_accelerator(accelerator)
    net = zoo.get(network)
    bud = Budget(seconds=budget) if budget else None
    t0 = time.perf_counter()
    if layer is not None:
        r = search_layer(net.layers[layer], acc, "edp", budget=bud, max_memory_bytes=max_memory)
        out = {"layers": 1, "value": r.value, "optimal": r.optimal, "evaluated": r.evaluated}
    else:
        assert isinstance(net, Network)
        res = search_network(net, acc, "edp", budget=bud, max_memory_bytes=max_memory)
        out = {
            "layers": len(net.layers),
            "value": res.value,
            "optimal": res.optimal,
            "evaluated": res.evaluated,
        }
    out["seconds"] = time.perf_counter() - t0
    print(json.dumps(out))


def run_case(
    network: str,
    accelerator: str,
    timeout: float,
    budget: float | None,
    max_memory: int | None,
    layer: int | None,
) -> dict:
    cmd = [sys.executable, __file__, "--child", network, accelerator]
    if budget:
        cmd += ["--budget", str(budget)]
    if max_memory:
        cmd += ["--max-memory", str(max_memory)]
    if layer is not None:
        cmd += ["--layer", str(layer)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = t0 + timeout
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.send_signal(signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = proc.stdout.read() if proc.stdout else "", proc.stderr.read() if proc.stderr else ""
    row = {
        "network": network,
        "accelerator": accelerator,
        "peak_mb": usage.ru_maxrss / 1024,
        "seconds": seconds,
    }
    if proc.returncode == -signal.SIGKILL and seconds >= timeout:
        row["status"] = "timeout"
    elif proc.returncode != 0:
        row["status"] = f"exit {proc.returncode}: {stderr.strip().splitlines()[-1] if stderr.strip() else ''}"
    else:
        info = json.loads(stdout.strip().splitlines()[-1])
        row.update(info)
        row["status"] = "optimal" if info["optimal"] else "budget"
    return row


def _distinct_networks() -> list[str]:
    """Every zoo name, once per network (``resnet`` is ``resnet50``, ``vgg`` is ``vgg16`` ...)."""
    from carbonloop.workload import zoo

    seen: dict[str, str] = {}
    for n in zoo.names():
        seen.setdefault(zoo.get(n).name, n)
    return list(seen.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs=2, metavar=("NETWORK", "ACCELERATOR"), help=argparse.SUPPRESS)
    ap.add_argument("-n", "--network", action="append", help="zoo network (repeatable)")
    ap.add_argument("-p", "--preset", action="append", help="accelerator preset (repeatable)")
    ap.add_argument("--all", action="store_true", help="every zoo network on every preset")
    ap.add_argument("--extra-level", action="store_true", help="only the os_array_16x16 + one level case")
    ap.add_argument("--budget", type=float, default=None, help="seconds of search per layer")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per case before it is killed")
    ap.add_argument("--max-memory", type=int, default=None, help="max_memory_bytes for the search")
    ap.add_argument("--layer", type=int, default=None, help="map only this layer of each network")
    args = ap.parse_args()
    if args.child:
        child(*args.child, args.budget, args.max_memory, args.layer)
        return
    presets_dir = Path(__file__).resolve().parents[1] / "src" / "carbonloop" / "hardware" / "presets"
    presets = sorted(p.stem for p in presets_dir.glob("*.yaml"))
    cases: list[tuple[str, str, int | None]] = []
    if args.extra_level:
        tmp = Path(tempfile.mkdtemp()) / "os_array_16x16_extra_level.yaml"
        tmp.write_text(EXTRA_LEVEL_YAML)
        cases = [("resnet8", str(tmp), 1), ("resnet8", "os_array_16x16", 1)]
    elif args.network or args.preset or args.all:
        nets = args.network or (_distinct_networks() if args.all else list(DEFAULT_NETWORKS))
        for p in args.preset or presets:
            cases += [(n, p, args.layer) for n in nets]
    else:
        cases = [(n, p, args.layer) for p in presets for n in DEFAULT_NETWORKS]
        cases += [(n, p, args.layer) for n, p in HEAVY]
    print(f"{'network':<16} {'accelerator':<28} {'peak MB':>9} {'seconds':>9}  status")
    for net, acc, layer in cases:
        row = run_case(net, acc, args.timeout, args.budget, args.max_memory, layer)
        name = Path(acc).stem if acc.endswith(".yaml") else acc
        label = net if layer is None else f"{net}[{layer}]"
        print(
            f"{label:<16} {name:<28} {row['peak_mb']:>9.0f} {row['seconds']:>9.1f}  {row['status']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
