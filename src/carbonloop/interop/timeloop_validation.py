"""carbonloop next to Timeloop's own reference outputs, case by case (``carbonloop validate timeloop``).

The cases ship in ``interop/data/timeloop_exercises``: the 2020 ISPASS tutorial exercises 00-05 of
Accelergy-Project/timeloop-accelergy-exercises (commit 2d5510807128e9bd5f1cad0705cdf2ec4612fd4e, MIT
license), each with the exercise's own inputs and Timeloop's ``*.stats.txt``. Each case is read unmodified,
scored through the pipeline under the named conventions, and compared count by count with the stats:
scalar reads, fills and updates per level and data space (totals over the utilized instances), energy per
level (with leakage, as Timeloop prints it) and cycles.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from carbonloop.errors import SpecError
from carbonloop.interop.common import InteropWarning
from carbonloop.interop.timeloop import load_timeloop
from carbonloop.specio import load_yaml
from carbonloop.workload.network import chain

PRINTED_PJ = 0.005
"""Timeloop prints each energy to 0.01 pJ: a difference within half of that per printed term is rounding."""

ENERGY_TOLERANCE_PCT = 0.1
"""A level's energy counts as equal within 0.1 % (beyond the printing rounding): the issue's target."""


def shipped_cases() -> Path:
    """The folder of the shipped exercise cases."""
    return Path(str(resources.files("carbonloop.interop") / "data" / "timeloop_exercises"))


def further_cases() -> Path:
    """The folder of the further shipped cases (exercise 06, Eyeriss-like ``!Parallel`` scratchpads with two
    spatial levels; the Simba-like, Eyeriss-like and simple weight- and output-stationary example designs on
    a stride-2 conv; ``data/timeloop_more/README.md`` names each case's source): the check that the
    ``timeloop`` conventions are general, not fitted to the 12 exercises."""
    return Path(str(resources.files("carbonloop.interop") / "data" / "timeloop_more"))


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


def _field(pattern: str, text: str, source: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise SpecError(source, "<stats>", f"no {pattern!r} in Timeloop's stats")
    return found.group(1)


def parse_stats(text: str, source: str = "<stats>") -> Stats:
    """Timeloop's ``timeloop-model.stats.txt``: per level and data space the scalar counts (totals over
    the utilized instances), each level's energy with leakage, the cycles and the compute energy."""
    levels: dict[str, LevelStats] = {}
    compute_energy = 0.0
    computes = 0
    body = text.split("\nNetworks\n")[0]
    for block in re.split(r"\nLevel \d+\n-+\n", "\n" + body)[1:]:
        name = _field(r"=== (\S+) ===", block, source)
        if "Computes (total)" in block:
            computes = int(_num(_field(r"Computes \(total\)\s*: (.+)", block, source)))
            compute_energy = _num(_field(r"Energy \(total\)\s*: (.+)", block, source))
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
    cycles = int(_num(_field(r"\nCycles: (.+)", text, source)))
    return Stats(levels, cycles, computes, compute_energy)


@dataclass
class CaseResult:
    """One case under one set of conventions: counts equal, worst level energy difference, cycles."""

    case: str
    conventions: str
    counts_equal: int
    counts_total: int
    worst_energy_pct: float
    cycles: tuple[int, int]  # (ours, Timeloop's)
    notes: list[str]
    suite: str = "timeloop_exercises"  # the folder of cases it belongs to (names its block in the docs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "conventions": self.conventions,
            "counts_equal": self.counts_equal,
            "counts_total": self.counts_total,
            "worst_energy_pct": self.worst_energy_pct,
            "cycles": list(self.cycles),
            "notes": self.notes,
        }


def run_case(folder: Path, conventions: str) -> CaseResult:
    """Score one case folder (``case.yaml`` names its files) and compare it with Timeloop's stats."""
    from carbonloop.pipeline import evaluate

    case = load_yaml(folder / "case.yaml")
    files = {k: folder / v for k, v in case["files"].items()}
    ref = parse_stats(files["stats"].read_text(encoding="utf-8"), str(files["stats"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InteropWarning)
        layer, acc, mapping, _ = load_timeloop(
            files["arch"], files["problem"], files["mapping"], files["ert"], conventions
        )
    cost = evaluate(chain(folder.name, [layer]), acc, mapping={layer.name: mapping}).layers[0].cost
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
            printed = PRINTED_PJ * (len(st.counts) + 1)  # each data space's energy and the leakage
            pct = 100 * max(abs(e - st.energy_pj) - printed, 0.0) / max(st.energy_pj, 1e-12)
            worst = max(worst, pct)
            if pct > ENERGY_TOLERANCE_PCT:
                notes.append(f"{lvl} energy {e:.2f} vs {st.energy_pj:.2f} pJ")
    diff = max(abs(cost.energy_breakdown_pj["compute"] - ref.compute_energy_pj) - PRINTED_PJ, 0.0)
    worst = max(worst, 100 * diff / max(ref.compute_energy_pj, 1e-12))
    return CaseResult(
        folder.name,
        conventions,
        equal,
        total,
        worst,
        (cost.latency_cycles, ref.cycles),
        notes,
        folder.parent.name,
    )


def case_folders(base: Path) -> list[Path]:
    """The case folders under ``base`` (each has a ``case.yaml``)."""
    if not base.is_dir():
        raise SpecError(str(base), "<folder>", "no such folder of Timeloop cases")
    found = sorted(p for p in base.iterdir() if (p / "case.yaml").is_file())
    if not found:
        raise SpecError(str(base), "<folder>", "no case folders (each needs a case.yaml)")
    return found


def validate_timeloop(
    base: Path | None = None, conventions: tuple[str, ...] = ("timeloop", "carbonloop")
) -> list[CaseResult]:
    """Every case under ``base`` (default: the shipped exercises) under each of ``conventions``."""
    folders = case_folders(shipped_cases() if base is None else base)
    return [run_case(f, conv) for conv in conventions for f in folders]


def summary_lines(rows: list[CaseResult]) -> list[str]:
    """One line per conventions set: counts equal, cycles equal, the worst level energy difference."""
    out = []
    for conv in dict.fromkeys(r.conventions for r in rows):
        sel = [r for r in rows if r.conventions == conv]
        eq, tot = sum(r.counts_equal for r in sel), sum(r.counts_total for r in sel)
        cyc = sum(r.cycles[0] == r.cycles[1] for r in sel)
        worst = max(r.worst_energy_pct for r in sel)
        out.append(
            f"`{conv}`: {eq} / {tot} scalar counts equal, cycles equal in {cyc} / {len(sel)} cases, "
            f"worst level energy difference {worst:.3f} %"
        )
    return out


def markdown_table(rows: list[CaseResult]) -> str:
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


MARKERS = ("<!-- vs_timeloop:begin -->", "<!-- vs_timeloop:end -->")


def markers(suite: str) -> tuple[str, str]:
    """The markers of a suite's block: the 12 exercises keep the original ones, another folder of cases
    gets its own (``<!-- vs_timeloop:timeloop_more:begin -->``), so each set regenerates on its own."""
    if suite == "timeloop_exercises":
        return MARKERS
    return f"<!-- vs_timeloop:{suite}:begin -->", f"<!-- vs_timeloop:{suite}:end -->"


def write_markdown(rows: list[CaseResult], path: Path) -> None:
    """Put the summary and the table between the markers of ``path`` (appended when it has none)."""
    doc = path.read_text(encoding="utf-8") if path.exists() else ""
    begin, end = markers(rows[0].suite if rows else "timeloop_exercises")
    summary = "\n".join(f"- {line}" for line in summary_lines(rows))
    block = f"{begin}\n{summary}\n\n{markdown_table(rows)}\n{end}"
    if begin in doc and end in doc:
        doc = doc[: doc.index(begin)] + block + doc[doc.index(end) + len(end) :]
    else:
        doc = doc + "\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")
