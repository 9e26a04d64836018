"""Carbon per inference of published IMC chips from their reported peak figures (CarbonSpot's Fig. 1).

A chip reports TOP/s/W, TOP/s and TOP/s/mm2 at its node. For a task of ``ops`` operations this gives
energy = ops / (TOP/s/W) pJ, latency = ops / (TOP/s) ps and (macro) area = (TOP/s) / (TOP/s/mm2) mm2,
which go through the same model as any design. CarbonSpot's literature study charges neither package
nor DRAM, and its PA carbon is ``k2 * period * area`` without the deadline scaling of its own ``calc_cf``;
``pa_g`` follows that published convention, ``pa_scaled_g`` applies our (and calc_cf's) scaling for chips
too slow for the period, and ``deadline_met`` says which differ.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from carbonloop.carbon.embodied import die_g
from carbonloop.carbon.parameters import CarbonParameters
from carbonloop.carbon.scenarios import carbon_per_inference
from carbonloop.errors import SpecError
from carbonloop.specio import load_yaml, validate


class Chip(BaseModel):
    """One published chip (peak, macro-level figures normalized to 8b x 8b)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    tech_nm: int = Field(gt=0)
    topsw: float = Field(gt=0)
    tops: float = Field(gt=0)
    topsmm2: float = Field(gt=0)
    imc: str = ""
    year: int | None = None
    cit_idx: int | None = None
    active: bool = True
    macro_area_mm2: float | None = None
    doi: str = ""
    normalization: str = ""

    @property
    def area_mm2(self) -> float:
        """Macro area implied by the figures (TOP/s over TOP/s/mm2), as CarbonSpot uses it."""
        return self.tops / self.topsmm2

    @property
    def label(self) -> str:
        """Figure label ``[cit] node nm`` (CarbonSpot's), or the name for user chips."""
        return (
            f"[{self.cit_idx}] {self.tech_nm}nm"
            if self.cit_idx is not None
            else f"{self.name} {self.tech_nm}nm"
        )


@dataclass(frozen=True)
class Setting:
    """A literature-study setting: the task size and the PA period of a benchmark suite."""

    suite: str
    label: str
    period_ns: float
    ops_per_inference: float


@dataclass(frozen=True)
class LiteratureRow:
    """Carbon per inference of one chip in one setting (g CO2-eq)."""

    name: str
    label: str
    tech_nm: int
    imc: str
    topsw: float
    tops: float
    topsmm2: float
    area_mm2: float
    energy_pj: float
    latency_ns: float
    operational_g: float
    embodied_ca_g: float
    embodied_pa_g: float
    ca_g: float
    pa_g: float
    pa_scaled_g: float
    deadline_met: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


# -- data at the edge ----------------------------------------------------------------------------------------
def _builtin() -> dict[str, Any]:
    text = resources.files("carbonloop.carbon").joinpath("data", "literature_chips.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def settings() -> dict[str, Setting]:
    """The MLPerf-Tiny and MLPerf-Mobile settings of CarbonSpot's study."""
    return {
        k: Setting(k, v["label"], float(v["period_ns"]), float(v["ops_per_inference"]))
        for k, v in _builtin()["settings"].items()
    }


def builtin_chips(include_inactive: bool = False) -> list[Chip]:
    """CarbonSpot's chips; the rows it commented out only on request."""
    chips = [
        validate(Chip, c, "literature_chips.yaml", f"chips[{i}]") for i, c in enumerate(_builtin()["chips"])
    ]
    return [c for c in chips if c.active or include_inactive]


def load_chips(path: str | Path) -> list[Chip]:
    """User chips from a CSV (header row with the Chip fields) or a YAML list / ``{chips: [...]}``."""
    source = str(path)
    p = Path(path)
    if p.suffix.lower() == ".csv":
        if not p.is_file():
            raise SpecError(source, "<file>", "no such file")
        try:
            with p.open(newline="", encoding="utf-8") as fh:
                rows: list[Any] = [
                    {k.strip(): v.strip() for k, v in row.items() if k is not None and v not in (None, "")}
                    for row in csv.DictReader(fh)
                ]
        except (OSError, UnicodeDecodeError, csv.Error) as err:
            raise SpecError(source, "<file>", f"cannot read CSV: {err}") from None
    else:
        data = load_yaml(path)
        listed = data.get("chips") if isinstance(data, dict) else data
        if not isinstance(listed, list):
            raise SpecError(source, "chips", "expected a list of chips (or a mapping with 'chips')")
        rows = listed
    if not rows:
        raise SpecError(source, "chips", "no chips in file")
    return [validate(Chip, row, source, f"chips[{i}]") for i, row in enumerate(rows)]


# -- the model (pure) ----------------------------------------------------------------------------------------
def chip_carbon(
    chip: Chip, setting: Setting, params: CarbonParameters, *, include_package: bool = False
) -> LiteratureRow:
    """Carbon per inference of ``chip`` running ``setting``'s task at its own node."""
    ops = setting.ops_per_inference
    energy_pj = ops / chip.topsw  # TOP/s/W = op/pJ
    latency_ns = ops / chip.tops / 1e3  # TOP/s = op/ps
    try:
        res = carbon_per_inference(
            energy_pj=energy_pj,
            latency_ns=latency_ns,
            area_mm2=chip.area_mm2,
            dram_gb=0.0,
            fps=1e9 / setting.period_ns,
            params=params,
            node_nm=chip.tech_nm,
        )
    except SpecError as err:
        raise SpecError(chip.name, "tech_nm", err.message) from None
    ca = res.breakdown["ca"]
    pa = res.breakdown["pa"]
    op = float(ca["operational"])
    die_ca = float(ca["epa"] + ca["gpa"] + ca["mpa"])
    # CarbonSpot's literature PA: the chip is charged one period whether or not it finishes within it.
    pa_share_published = setting.period_ns / params.lifetime_ns
    die_life = sum(float(v) for v in die_g(params, chip.area_mm2, chip.tech_nm).values())
    die_pa_published = die_life * pa_share_published
    die_pa_scaled = float(pa["epa"] + pa["gpa"] + pa["mpa"])
    pkg_ca = float(ca["package"]) if include_package else 0.0
    pkg_pa_scaled = float(pa["package"]) if include_package else 0.0
    pkg_pa = params.package_g_per_chip * pa_share_published if include_package else 0.0
    return LiteratureRow(
        name=chip.name,
        label=chip.label,
        tech_nm=chip.tech_nm,
        imc=chip.imc,
        topsw=chip.topsw,
        tops=chip.tops,
        topsmm2=chip.topsmm2,
        area_mm2=chip.area_mm2,
        energy_pj=energy_pj,
        latency_ns=latency_ns,
        operational_g=op,
        embodied_ca_g=die_ca + pkg_ca,
        embodied_pa_g=die_pa_published + pkg_pa,
        ca_g=op + die_ca + pkg_ca,
        pa_g=op + die_pa_published + pkg_pa,
        pa_scaled_g=op + die_pa_scaled + pkg_pa_scaled,
        deadline_met=bool(res.deadline_met),
    )


def literature_table(
    chips: list[Chip], setting: Setting, params: CarbonParameters, *, include_package: bool = False
) -> list[LiteratureRow]:
    """One row per chip, in the given order."""
    return [chip_carbon(c, setting, params, include_package=include_package) for c in chips]


def highlights(rows: list[LiteratureRow], scenario: str) -> dict[str, int]:
    """Indices of the most performant chip (highest TOP/s/W) and the most carbon-efficient one in a scenario."""
    if not rows:
        return {}
    key = "ca_g" if scenario == "ca" else "pa_g"
    return {
        "most_performant": max(range(len(rows)), key=lambda i: (rows[i].topsw, -i)),
        "most_carbon_efficient": min(range(len(rows)), key=lambda i: (getattr(rows[i], key), i)),
    }
