"""carbonloop against Timeloop's own reference outputs, case by case, under both conventions.

The cases are the 2020 ISPASS tutorial exercises of Accelergy-Project/timeloop-accelergy-exercises
(commit 2d5510807128e9bd5f1cad0705cdf2ec4612fd4e): each case folder holds the exercise's own inputs and
Timeloop's ``*.stats.txt``. Every case is read unmodified (architecture, problem, mapping, ERT), scored
with the ``timeloop`` and the ``carbonloop`` conventions, and compared count by count with the stats:
scalar reads, fills and updates per level and data space (totals over the utilized instances), energy
per level (with leakage, as Timeloop prints it) and cycles.

    python benchmarks/vs_timeloop.py [EXERCISES_DIR] [--write docs/validation-timeloop.md]

``EXERCISES_DIR`` defaults to ``$TIMELOOP_EXERCISES``, else ``../shared/reference/timeloop_exercises``
relative to the repository.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from carbonloop.interop.common import InteropWarning
from carbonloop.interop.timeloop import load_timeloop
from carbonloop.model.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LevelStats:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # data space -> reads/fills/updates
    energy_pj: float = 0.0  # data spaces + leakage
    instances: int = 1


@dataclass
class Stats:
    levels: dict[str, LevelStats]
    cycles: int
    computes: int
    compute_energy_pj: float


def _num(text: str) -> float:
    return float(text.split()[0])


def parse_stats(text: str) -> Stats:
    """Timeloop's ``timeloop-model.stats.txt``: per level and data space the scalar counts (totals over
    the utilized instances), each level's energy with leakage, the cycles and the compute energy."""
    levels: dict[str, LevelStats] = {}
    compute_energy = 0.0
    computes = 0
    body = text.split("\nNetworks\n")[0]
    for block in re.split(r"\nLevel \d+\n-+\n", "\n" + body)[1:]:
        name = re.search(r"=== (\S+) ===", block).group(1)  # type: ignore[union-attr]
        if "Computes (total)" in block:
            computes = int(_num(re.search(r"Computes \(total\)\s*: (.+)", block).group(1)))  # type: ignore[union-attr]
            compute_energy = _num(re.search(r"Energy \(total\)\s*: (.+)", block).group(1))  # type: ignore[union-attr]
            continue
        lv = LevelStats()
        leak = re.search(r"Leakage energy \(total\)\s*: (.+)", block)
        lv.energy_pj = _num(leak.group(1)) if leak else 0.0
        stats = block.split("    STATS\n")[1]
        for ds in re.finditer(r"(?m)^    (\w+):\n((?:        .*\n?)+)", stats):
            fields = dict(re.findall(r"        ([^:]+?)\s*: (.+)", ds.group(2)))
            inst = int(_num(fields["Utilized instances (max)"]))
            lv.instances = max(lv.instances, inst)
            lv.counts[ds.group(1)] = {
                k: round(_num(fields[f"Scalar {k} (per-instance)"]) * inst)
                for k in ("reads", "fills", "updates")
            }
            lv.energy_pj += _num(fields["Energy (total)"])
        levels[name] = lv
    cycles = int(_num(re.search(r"\nCycles: (.+)", text).group(1)))  # type: ignore[union-attr]
    return Stats(levels, cycles, computes, compute_energy)


@dataclass
class Row:
    case: str
    conventions: str
    counts_equal: int
    counts_total: int
    worst_energy_pct: float
    cycles: tuple[int, int]
    notes: list[str]


def run_case(folder: Path, conventions: str) -> Row:
    case = yaml.safe_load((folder / "case.yaml").read_text())
    files = {k: folder / v for k, v in case["files"].items()}
    ref = parse_stats(files["stats"].read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        layer, acc, mapping, names = load_timeloop(
            files["arch"], files["problem"], files["mapping"], files["ert"], conventions
        )
    cost = evaluate(layer, acc, mapping, check_capacity=False)
    equal = total = 0
    notes: list[str] = []
    worst = 0.0
    for lvl, st in ref.levels.items():
        ours = cost.accesses.get(lvl, {})
        for ds, counts in st.counts.items():
            got = ours.get(ds, {"reads": 0, "fills": 0, "updates": 0})
            for k, v in counts.items():
                total += 1
                if got[k] == v:
                    equal += 1
                else:
                    notes.append(f"{lvl}.{ds}.{k}: {got[k]} vs {v}")
        e = sum(cost.energy_breakdown_pj.get(lvl, {}).values()) + cost.leakage_pj.get(lvl, 0.0)
        if st.energy_pj > 0 or e > 0:
            printed = 0.005 * (len(st.counts) + 1)  # Timeloop prints each energy to 0.01 pJ
            pct = 100 * max(abs(e - st.energy_pj) - printed, 0.0) / max(st.energy_pj, 1e-12)
            worst = max(worst, pct)
            if pct > 0.1:
                notes.append(f"{lvl} energy {e:.2f} vs {st.energy_pj:.2f} pJ")
    diff = max(abs(cost.energy_breakdown_pj["compute"] - ref.compute_energy_pj) - 0.005, 0.0)
    pct = 100 * diff / max(ref.compute_energy_pj, 1e-12)
    worst = max(worst, pct)
    return Row(folder.name, conventions, equal, total, worst, (cost.latency_cycles, ref.cycles), notes)


def table(rows: list[Row]) -> str:
    out = [
        "| case | conventions | scalar counts equal | worst level energy difference | cycles (ours / Timeloop) | "
        "what differs |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        notes = "; ".join(r.notes) if r.notes else "-"
        out.append(
            f"| {r.case} | {r.conventions} | {r.counts_equal} / {r.counts_total} | {r.worst_energy_pct:.3f} % | "
            f"{r.cycles[0]} / {r.cycles[1]} | {notes} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get(
        "TIMELOOP_EXERCISES", str(ROOT.parent / "shared" / "reference" / "timeloop_exercises")
    )
    ap.add_argument("exercises", nargs="?", default=default)
    ap.add_argument("--write", help="write the tables into this Markdown file (between the markers)")
    args = ap.parse_args(argv)
    base = Path(args.exercises)
    cases = sorted(p for p in base.iterdir() if (p / "case.yaml").is_file())
    if not cases:
        print(f"error: {base}: no case folders (case.yaml)", file=sys.stderr)
        return 2
    rows = [run_case(c, conv) for conv in ("timeloop", "carbonloop") for c in cases]
    text = table(rows)
    print(text)
    for conv in ("timeloop", "carbonloop"):
        sel = [r for r in rows if r.conventions == conv]
        eq, tot = sum(r.counts_equal for r in sel), sum(r.counts_total for r in sel)
        cyc = sum(r.cycles[0] == r.cycles[1] for r in sel)
        worst = max(r.worst_energy_pct for r in sel)
        print(
            f"{conv}: {eq}/{tot} scalar counts equal, cycles equal in {cyc}/{len(sel)} cases, "
            f"worst level energy difference {worst:.3f} %"
        )
    if args.write:
        path = Path(args.write)
        doc = path.read_text() if path.exists() else ""
        begin, end = "<!-- vs_timeloop:begin -->", "<!-- vs_timeloop:end -->"
        summary = "\n".join(
            f"- `{conv}`: {sum(r.counts_equal for r in rows if r.conventions == conv)} / "
            f"{sum(r.counts_total for r in rows if r.conventions == conv)} scalar counts equal, cycles equal in "
            f"{sum(r.cycles[0] == r.cycles[1] for r in rows if r.conventions == conv)} / {len(cases)} cases, worst "
            f"level energy difference {max(r.worst_energy_pct for r in rows if r.conventions == conv):.3f} %"
            for conv in ("timeloop", "carbonloop")
        )
        block = f"{begin}\n{summary}\n\n{text}\n{end}"
        if begin in doc and end in doc:
            doc = doc[: doc.index(begin)] + block + doc[doc.index(end) + len(end) :]
        else:
            doc = doc + "\n" + block + "\n"
        path.write_text(doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
