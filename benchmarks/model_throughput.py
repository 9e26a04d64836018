"""Mappings scored per second on one core: one at a time (evaluate) and vectorized (evaluate_batch).

Layer: a 3x3 conv (K=64, C=64, OY=OX=16) on the `os_array_16x16` preset. Random valid mappings: each
prime factor of each dim goes to a random level (or to a spatial axis where it fits); the factors of a
dim at one level merge into one loop, as the mapper writes them; random loop order.

    python benchmarks/model_throughput.py [--n 20000] [--repeat 5] [--accelerator os_array_16x16]
        [--conventions carbonloop]

The vectorized rate is the best of ``--repeat`` calls on the same batch (the machine is shared: the best
call is the one least disturbed), in wall time and in this process's CPU time (what other processes on
the same core take is not counted); pin it to one core (``taskset -c 0``). To compare two versions of the
code at the same moment, run it once more with ``PYTHONPATH`` pointing at the other version's ``src``.
``--accelerator`` (a preset or a YAML file) and ``--conventions`` score the same kind of batch elsewhere
(the ``zigzag`` and ``carbonspot`` conventions take a per-row latency model: use a smaller ``--n``).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from carbonloop.hardware.library import load_accelerator  # noqa: E402
from carbonloop.model.conventions import get_conventions  # noqa: E402
from carbonloop.model.evaluate import evaluate, evaluate_batch  # noqa: E402
from carbonloop.model.mapping import resolve  # noqa: E402
from carbonloop.model.nest import compile_layer, mapping_arrays  # noqa: E402
from carbonloop.model.sampling import random_mapping  # noqa: E402
from carbonloop.workload import conv2d  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5, help="vectorized calls; the best one is reported")
    ap.add_argument("--accelerator", default="os_array_16x16", help="a preset name or a YAML file")
    ap.add_argument(
        "--conventions",
        default="",
        help="carbonloop, timeloop, zigzag, carbonspot (default: the accelerator's)",
    )
    args = ap.parse_args()
    layer = conv2d("conv3x3", K=64, C=64, OY=16, OX=16, FY=3, FX=3)
    acc = load_accelerator(args.accelerator)
    if args.conventions:
        acc = dataclasses.replace(acc, conventions=get_conventions(args.conventions, "--conventions"))
    rng = random.Random(0)
    mappings = [resolve(random_mapping(layer, acc, rng), layer, acc).mapping for _ in range(args.n)]
    keep = resolve(mappings[0], layer, acc).keep

    n_one = min(2000, args.n)
    t0 = time.perf_counter()
    for m in mappings[:n_one]:
        evaluate(layer, acc, m, check_capacity=False)
    one = n_one / (time.perf_counter() - t0)

    cl = compile_layer(layer)
    loops = mapping_arrays(mappings, layer, acc)  # encoding is the mapper's job; timed apart
    best, best_cpu = float("inf"), float("inf")
    for _ in range(max(1, args.repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        res = evaluate_batch(cl, acc, loops, keep)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    vec = args.n / best
    assert res.energy_pj.shape == (args.n,)

    print("| path | mappings | mappings/s (one core) |")
    print("|---|---:|---:|")
    print(f"| one at a time (evaluate) | {n_one} | {one:,.0f} |")
    print(f"| vectorized (evaluate_batch), best of {args.repeat} | {args.n} | {vec:,.0f} |")
    print(f"| vectorized, per CPU second of this process | {args.n} | {args.n / best_cpu:,.0f} |")
    print(
        f"ratio vectorized / one-at-a-time: {vec / one:.0f}x; target >= 300,000 mappings/s vectorized (issue 16)"
    )


if __name__ == "__main__":
    main()
