"""The CiM macro model next to every published data point of the macros in ``data/cim_macros.yaml``.

Each point names a macro, a quantity (tops, tops_per_w, tops_per_mm2, energy_pj, adc_pj_per_conversion, or a
breakdown share), the setting
it was measured at (fields of the macro's description) and the published value; the model value comes from
:func:`carbonloop.costs.cim.macro.cim_macro_cost` of the macro's description with that setting applied.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from carbonloop.costs.cim.macro import CimMacroCost, CimMacroSpec, cim_macro_cost
from carbonloop.errors import SpecError
from carbonloop.specio import load_yaml

_DATA = "cim_macros.yaml"
METRIC_QUANTITIES = ("tops", "tops_per_w", "tops_per_mm2")
_ENERGY = "energy_pj"
# a converter's energy per conversion, where the paper publishes it (validates the ADC rule directly)
ADC_PER_CONVERSION = "adc_pj_per_conversion"
_SPEC_FIELDS = {f.name for f in dataclasses.fields(CimMacroSpec)}


@dataclass(frozen=True)
class PublishedMacro:
    name: str
    label: str
    source: str
    model: dict[str, Any]
    groups: dict[str, tuple[str, ...]]
    area_groups: dict[str, tuple[str, ...]]
    points: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ValidationPoint:
    """One published number next to the model's (``ratio`` = model / published; shares in percent)."""

    macro: str
    quantity: str
    setting: str
    published: float
    model: float
    ref: str

    @property
    def ratio(self) -> float:
        return self.model / self.published if self.published else float("nan")

    @property
    def is_share(self) -> bool:
        return "_share_pct:" in self.quantity

    @property
    def error(self) -> float:
        """Relative error for metrics; percentage-point difference / 100 for breakdown shares."""
        if self.is_share:
            return abs(self.model - self.published) / 100.0
        return abs(self.ratio - 1.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "macro": self.macro,
            "quantity": self.quantity,
            "setting": self.setting,
            "published": self.published,
            "model": self.model,
            "ratio": self.ratio,
        }


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def spec_from_model(model: dict[str, Any], source: str, where: str) -> CimMacroSpec:
    """A macro description (YAML mapping of CimMacroSpec fields) -> spec; unknown fields are SpecErrors."""
    unknown = sorted(set(model) - _SPEC_FIELDS)
    if unknown:
        raise SpecError(
            source, f"{where}.{unknown[0]}", f"unknown field (known: {', '.join(sorted(_SPEC_FIELDS))})"
        )
    try:
        return CimMacroSpec(**{k: _freeze(v) for k, v in model.items()})
    except SpecError as err:
        raise SpecError(source, f"{where}.{err.field}", err.message) from None
    except TypeError as err:
        raise SpecError(source, where, str(err)) from None


@cache
def load_published_macros() -> tuple[PublishedMacro, ...]:
    """The shipped macros and their published points."""
    ref = resources.files("carbonloop.costs") / "data" / _DATA
    with resources.as_file(ref) as path:
        data = load_yaml(path)
    out = []
    for name, entry in data["macros"].items():
        groups = {str(k): tuple(v) for k, v in (entry.get("groups") or {}).items()}
        area_groups = {str(k): tuple(v) for k, v in (entry.get("area_groups") or {}).items()} or groups
        out.append(
            PublishedMacro(
                name=name,
                label=str(entry["label"]),
                source=str(entry["source"]),
                model=dict(entry["model"]),
                groups=groups,
                area_groups=area_groups,
                points=tuple(entry["points"]),
            )
        )
    return tuple(out)


def macro_spec(macro: PublishedMacro, setting: dict[str, Any] | None = None) -> CimMacroSpec:
    model = {**macro.model, **(setting or {})}
    return spec_from_model(model, _DATA, f"macros.{macro.name}")


def _share(values: dict[str, float], groups: dict[str, tuple[str, ...]], group: str) -> float:
    totals = {g: sum(values.get(c, 0.0) for c in comps) for g, comps in groups.items()}
    whole = sum(totals.values())
    return 100.0 * totals[group] / whole if whole else 0.0


def model_value(cost: CimMacroCost, quantity: str, macro: PublishedMacro) -> float:
    if quantity in METRIC_QUANTITIES:
        return float(getattr(cost, quantity))
    if quantity == _ENERGY:
        return cost.total_energy_pj
    if quantity == ADC_PER_CONVERSION:
        if cost.spec.adc_bits is None:
            raise SpecError(_DATA, "quantity", f"{macro.name} is a digital macro: no ADC conversions")
        return cost.energy_per_pass_pj["adc"] / cost.counts["conversions"]
    kind, _, group = quantity.partition(":")
    groups = macro.area_groups if kind == "area_share_pct" else macro.groups
    if group not in groups:
        raise SpecError(_DATA, "quantity", f"unknown breakdown group {group!r}")
    if kind == "energy_share_pct":
        return _share(cost.energy_per_pass_pj, groups, group)
    if kind == "area_share_pct":
        return _share(cost.area_mm2, groups, group)
    raise SpecError(_DATA, "quantity", f"unknown quantity {quantity!r}")


def _setting_text(setting: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in setting.items()) or "nominal"


def validate_cim_macros(names: list[str] | None = None) -> list[ValidationPoint]:
    """Every published point of the selected macros (all by default) next to the model."""
    macros = load_published_macros()
    known = [m.name for m in macros]
    for n in names or []:
        if n not in known:
            raise SpecError("--macro", "macro", f"unknown macro {n!r} (macros: {', '.join(known)})")
    out = []
    for macro in macros:
        if names and macro.name not in names:
            continue
        for point in macro.points:
            setting = dict(point.get("setting") or {})
            cost = cim_macro_cost(macro_spec(macro, setting))
            out.append(
                ValidationPoint(
                    macro=macro.name,
                    quantity=str(point["quantity"]),
                    setting=_setting_text(setting),
                    published=float(point["published"]),
                    model=model_value(cost, str(point["quantity"]), macro),
                    ref=str(point.get("ref", "")),
                )
            )
    return out


def summary(points: list[ValidationPoint]) -> dict[str, dict[str, float]]:
    """Mean and worst error per quantity family (energy efficiency, throughput, density, breakdowns)."""
    families: dict[str, list[float]] = {}
    for p in points:
        family = p.quantity.partition(":")[0]
        families.setdefault(family, []).append(p.error)
    return {
        f: {"points": float(len(errs)), "mean_error": sum(errs) / len(errs), "worst_error": max(errs)}
        for f, errs in families.items()
    }
