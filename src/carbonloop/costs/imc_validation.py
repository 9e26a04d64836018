"""Validation of the IMC macro model against seven published SRAM IMC chips.

The chips, their reported measurements and the per-chip modelling choices are data
(``costs/data/imc_chips.yaml``, from KULeuven-MICAS/zigzag-imc @ df34a6f, ``imc_model_validation/``); this module
turns them into specs, runs :func:`carbonloop.costs.imc.imc_macro_cost` and lays model next to report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from carbonloop.costs.imc import ImcMacroCost, ImcMacroSpec, imc_macro_cost
from carbonloop.errors import SpecError

CHIPS_RESOURCE = "imc_chips.yaml"
METRICS = ("area_mm2", "clock_ns", "energy_fj_per_mac", "tops_per_w", "tops_per_mm2")
_SPEC_FIELDS = {f.name for f in dataclasses.fields(ImcMacroSpec)}


@dataclass(frozen=True)
class ImcChip:
    """One published chip: the spec that models it and what it reports (None = not reported)."""

    label: str
    reference: str
    spec: ImcMacroSpec
    reported: dict[str, float | None]
    sparsity_published: bool
    why: str = ""


@dataclass(frozen=True)
class MetricComparison:
    """Reported value, model value and model/reported ratio (None when not reported)."""

    reported: float | None
    model: float

    @property
    def ratio(self) -> float | None:
        return None if self.reported is None else self.model / self.reported


@dataclass(frozen=True)
class ChipValidation:
    """One chip's comparison, metric by metric (keys of ``METRICS``)."""

    chip: ImcChip
    cost: ImcMacroCost
    metrics: dict[str, MetricComparison]


def chip_from_mapping(entry: Mapping[str, Any], source: str = CHIPS_RESOURCE) -> ImcChip:
    """Build an :class:`ImcChip` from one YAML entry; unknown or missing fields raise SpecError."""
    label = str(entry.get("label", "<unnamed>"))
    spec_data = dict(entry.get("spec") or {})
    unknown = sorted(set(spec_data) - _SPEC_FIELDS)
    if unknown:
        raise SpecError(source, f"chips.{label}.spec", f"unknown field(s) {', '.join(unknown)}")
    if "pipeline_after" in spec_data:
        spec_data["pipeline_after"] = tuple(spec_data["pipeline_after"] or ())
    try:
        spec = ImcMacroSpec(**spec_data)
    except SpecError as err:
        raise SpecError(source, f"chips.{label}.spec.{err.field}", err.message) from None
    except TypeError as err:
        raise SpecError(source, f"chips.{label}.spec", str(err)) from None
    raw = entry.get("reported") or {}
    bad = sorted(set(raw) - set(METRICS))
    if bad:
        raise SpecError(source, f"chips.{label}.reported", f"unknown metric(s) {', '.join(bad)}")
    reported = {m: (None if raw.get(m) is None else float(raw[m])) for m in METRICS}
    return ImcChip(
        label=label,
        reference=str(entry.get("reference", "")),
        spec=spec,
        reported=reported,
        sparsity_published=bool(entry.get("sparsity_published", False)),
        why=" ".join(str(entry.get("why", "")).split()),
    )


def load_imc_chips() -> tuple[ImcChip, ...]:
    """The seven validation chips shipped with carbonloop (costs/data/imc_chips.yaml)."""
    text = resources.files("carbonloop.costs.data").joinpath(CHIPS_RESOURCE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return tuple(chip_from_mapping(entry) for entry in data["chips"])


def validate_chip(chip: ImcChip) -> ChipValidation:
    """Model one chip and compare every metric with its report."""
    cost = imc_macro_cost(chip.spec)
    model = {
        "area_mm2": cost.total_area_mm2,
        "clock_ns": cost.clock_ns,
        "energy_fj_per_mac": cost.energy_per_mac_fj,
        "tops_per_w": cost.tops_per_w,
        "tops_per_mm2": cost.tops_per_mm2,
    }
    metrics = {m: MetricComparison(reported=chip.reported[m], model=model[m]) for m in METRICS}
    return ChipValidation(chip=chip, cost=cost, metrics=metrics)


def validate_imc_chips(chips: Sequence[ImcChip], labels: Sequence[str] | None = None) -> list[ChipValidation]:
    """Compare ``chips`` (all, or those named in ``labels``, in the given order) with the model."""
    by_label = {c.label.upper(): c for c in chips}
    if labels:
        missing = [lab for lab in labels if lab.upper() not in by_label]
        if missing:
            known = ", ".join(c.label for c in chips)
            raise SpecError("--chip", "chip", f"unknown chip {', '.join(missing)} (known: {known})")
        chosen = [by_label[lab.upper()] for lab in labels]
    else:
        chosen = list(chips)
    return [validate_chip(c) for c in chosen]


def validation_as_dict(rows: Sequence[ChipValidation]) -> dict[str, list[dict[str, Any]]]:
    """JSON-ready form: ``{"chips": [{"label": ..., metric: {"reported", "model", "ratio"}}]}``."""
    out = []
    for row in rows:
        entry: dict[str, Any] = {"label": row.chip.label}
        for m in METRICS:
            c = row.metrics[m]
            entry[m] = {"reported": c.reported, "model": c.model, "ratio": c.ratio}
        out.append(entry)
    return {"chips": out}
