"""ZigZag 3.9.1's golden cases run through carbonloop as a new user would (docs/validation-zigzag.md).

The cases, their expected values and the shipped inputs are in ``carbonloop.interop.zigzag_validation``
(``carbonloop validate zigzag`` runs the same); this script adds what a benchmark run needs: a JSON of the
rows, reruns merged from several JSON files (e.g. two halves run in parallel), and another copy of the inputs
(``--zigzag-root``, the unzipped wheel, to check the shipped copies against it).

    python benchmarks/vs_zigzag_golden.py [--budget 500] [--seconds 5] [--cases tpu_like] [--json out.json]
    python benchmarks/vs_zigzag_golden.py --from-json a.json b.json     # one table of saved runs
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from carbonloop.interop.zigzag_validation import GOLDEN, markdown, run_cases, select_cases, targets
from carbonloop.mapper.search import Budget


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--zigzag-root",
        type=Path,
        default=None,
        help="an unzipped zigzag-dse 3.9.1 wheel to read the inputs from (default: carbonloop's copies)",
    )
    ap.add_argument(
        "--budget", type=int, default=500, help="mappings scored per searched layer (0: no limit)"
    )
    ap.add_argument("--seconds", type=float, default=5.0, help="seconds per searched layer (0: no limit)")
    ap.add_argument("--cases", default="", help="comma-separated substrings of test file or hardware names")
    ap.add_argument("--json", type=Path, default=None, help="write the rows as JSON")
    ap.add_argument("--from-json", type=Path, nargs="*", default=None, help="print the table of saved runs")
    args = ap.parse_args()

    if args.from_json:
        saved = {
            (r["test"], r["workload"]): r for path in args.from_json for r in json.loads(path.read_text())
        }
        rows = sorted(saved.values(), key=lambda r: r["number"])  # a later file's row replaces an earlier
        print(markdown(rows))
        print()
        print(targets(rows))
        return
    inputs = GOLDEN if args.zigzag_root is None else args.zigzag_root / "zigzag" / "inputs"
    if args.zigzag_root is not None and not (inputs / "workload" / "resnet18.yaml").is_file():
        print(f"note: {inputs} has no resnet18.yaml (not in the wheel): the YAML cases will not run")
    budget = Budget(args.budget or None, args.seconds or None)
    print("| # | test | workload | runs | energy ours/ZigZag | latency ours/ZigZag | s |")
    print("|---|---|---|---|---|---|---|")
    done: list[dict] = []

    def show(row: dict) -> None:
        done.append(row)
        if row["runs"]:
            print(
                f"| {row['number']} | {row['test']} | {row['workload']} | yes | {row['energy_ratio']:.3f} | "
                f"{row['latency_ratio']:.3f} | {row['seconds']} |",
                flush=True,
            )
        else:
            print(f"| {row['number']} | {row['test']} | {row['workload']} | no: {row['error'][:120]} | | | |")
        if args.json is not None:
            args.json.write_text(json.dumps(done, indent=1, default=str))

    rows = run_cases(select_cases([w for w in args.cases.split(",") if w]), budget, inputs, on_row=show)
    print()
    print(targets(rows))


if __name__ == "__main__":
    main()
