"""Carbon parameters as data: ACT's tables, the named sets ``act`` and ``carbonspot``, user YAML overrides.

A parameter set is one validated, frozen value. The tables live in ``data/*.yaml`` with their citations;
``load_parameters`` (the only function here that reads files) merges, in order: ACT's tables, the named
base set, a user file, then explicit overrides (CLI options), and checks that every value the model needs
resolves, so a bad grid name or a missing node fails at load time with a SpecError naming the field.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from carbonloop.errors import SpecError
from carbonloop.specio import MAX_ABS_NUMBER, finite_number, load_yaml, validate

NAMED_SETS = ("act", "carbonspot")
"""The parameter sets shipped in ``carbon/data`` (``load_parameters(name)``)."""

_ABATEMENTS = (95, 97, 99)

# Ranges outside which an input is absurd rather than merely unusual; each keeps every product of the
# model finite (a lifetime of 1e-300 years or a die of 1e308 mm2 gave ``Infinity``, issue #13).
MAX_GRID_G_PER_KWH = 1e4
"""Ten times a coal-only grid (ACT's coal: 820 g/kWh): no electricity is dirtier."""
LIFETIME_YEARS_RANGE = (1e-3, 100.0)
"""About nine hours to a century of use."""
FPS_RANGE = (1e-6, 1e12)
"""One inference per 11.6 days to one per picosecond."""
NODE_NM_RANGE = (1, 1000)
"""Technology nodes in nm (1 um processes to the smallest named nodes)."""

IDLE_POWER_FRACTION_DEFAULT = 1.0
"""No power gating between frames unless a set says otherwise: the upper bound, so the default never
understates PA carbon. The chip's memories hold state across frames (weights in SRAM or IMC cells,
activations kept on chip); turning them off loses it and reloading is not charged by the model, and a
state-preserving low-leakage mode keeps part of the leakage, by an amount that depends on the circuit
(Flautner et al., "Drowsy caches: simple techniques for reducing leakage power", ISCA 2002). With sleep
and drowsy modes applied under perfect knowledge of idle intervals, cache leakage falls to 0.9-3.6 % of
the unoptimized case (Meng, Sherwood and Kastner, "Exploring the limits of leakage power reduction in
caches", ACM TACO 2005): the low end a user may set ``idle_power_fraction`` to for an aggressively gated chip."""

Quantity = Annotated[float, Field(ge=0, le=MAX_ABS_NUMBER)]
"""A non-negative finite table value (the models forbid inf and nan)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class NodeData(_Frozen):
    """ACT's per-area fab footprint of one logic node (per cm2 of wafer, before yield)."""

    epa_kwh_per_cm2: Quantity
    gpa_g_per_cm2: dict[int, Quantity] = Field(min_length=1)
    mpa_g_per_cm2: Quantity
    note: str = ""

    def gpa_at(self, abatement_pct: int) -> float | None:
        """GPA at an abatement level; ACT's 97 % is the mean of its 95 % and 99 % tables."""
        if abatement_pct in self.gpa_g_per_cm2:
            return self.gpa_g_per_cm2[abatement_pct]
        if abatement_pct == 97 and 95 in self.gpa_g_per_cm2 and 99 in self.gpa_g_per_cm2:
            return (self.gpa_g_per_cm2[95] + self.gpa_g_per_cm2[99]) / 2.0
        return None


class GridTables(_Frozen):
    """Grid intensity (g CO2/kWh) by energy source and, per vintage year, by location."""

    by_source: dict[str, Annotated[float, Field(ge=0, le=MAX_GRID_G_PER_KWH)]]
    by_location: dict[int, dict[str, Annotated[float, Field(ge=0, le=MAX_GRID_G_PER_KWH)]]]


class YieldSpec(_Frozen):
    """Die yield: a fixed number (ACT, CarbonSpot) or negative binomial on die area (ECO-CHIP, 3D-Carbon)."""

    model: Literal["fixed", "negative_binomial"] = "fixed"
    value: float = Field(default=1.0, ge=1e-6, le=1)
    alpha: float = Field(default=10.0, gt=0, le=MAX_ABS_NUMBER)
    defect_density_per_cm2: dict[int, Quantity] | str = "three_d_carbon"


class DramSpec(_Frozen):
    """Off-chip DRAM footprint per GB: a part of ACT's table or a number, optionally area-scaled by node."""

    type: str | None = None
    g_per_gb: Quantity | None = None
    scale_from_nm: float | None = Field(default=None, ge=NODE_NM_RANGE[0], le=NODE_NM_RANGE[1])
    scale_to_nm: float | None = Field(default=None, ge=NODE_NM_RANGE[0], le=NODE_NM_RANGE[1])
    yield_value: float = Field(default=1.0, ge=1e-6, le=1)
    pa_g_per_gb_quirk: Quantity | None = None


class CarbonParameters(_Frozen):
    """Every constant of the carbon model, resolved from the tables; see docs/carbon.md for the sources."""

    name: str
    description: str = ""
    source: str = ""
    node_nm: int = Field(default=28, ge=NODE_NM_RANGE[0], le=NODE_NM_RANGE[1])
    nodes: dict[int, NodeData]
    abatement_pct: Literal[95, 97, 99] = 97
    fab_grid: str | Annotated[float, Field(allow_inf_nan=True)]  # numbers are range-checked by _grid
    use_grid: str | Annotated[float, Field(allow_inf_nan=True)]
    grid_vintage: int = 2022
    grids: GridTables
    lifetime_years: float = Field(ge=LIFETIME_YEARS_RANGE[0], le=LIFETIME_YEARS_RANGE[1])
    yield_spec: YieldSpec = Field(alias="yield")
    package_g_per_chip: Quantity = 150.0
    dram: DramSpec
    dram_g_per_gb: dict[str, Quantity]
    defect_density_per_cm2: dict[str, dict[int, Quantity]] = Field(default_factory=dict)
    pa_period_ns_default: float = Field(default=4.0e6, gt=0, le=MAX_ABS_NUMBER)
    idle_power_fraction: float = Field(default=IDLE_POWER_FRACTION_DEFAULT, ge=0, le=1)
    """Fraction of the chip's leakage power still drawn between frames under PA (1: no power gating,
    0: perfect gating). Default 1, see :data:`IDLE_POWER_FRACTION_DEFAULT`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    # -- resolution (pure; raise SpecError naming the field) ---------------------------------------------
    def _grid(self, field: str, value: str | float) -> float:
        if isinstance(value, int | float):
            return finite_number(value, self.name, field, low=0.0, high=MAX_GRID_G_PER_KWH)
        key = value.strip().lower()
        try:
            float(key)
        except ValueError:
            pass
        else:  # a number in g/kWh, written as text (``--grid 300``)
            return finite_number(key, self.name, field, low=0.0, high=MAX_GRID_G_PER_KWH)
        locations = self.grids.by_location.get(self.grid_vintage)
        if locations is None:
            known = ", ".join(str(v) for v in sorted(self.grids.by_location))
            raise SpecError(
                self.name, "grid_vintage", f"no location table for {self.grid_vintage} (known: {known})"
            )
        if key in locations:
            return float(locations[key])
        if key in self.grids.by_source:
            return float(self.grids.by_source[key])
        known = ", ".join(sorted(locations) + sorted(self.grids.by_source))
        raise SpecError(self.name, field, f"unknown grid {value!r} (known: {known}, or a number in g/kWh)")

    @property
    def fab_ci_g_per_kwh(self) -> float:
        """Grid intensity of the fab's electricity."""
        return self._grid("fab_grid", self.fab_grid)

    @property
    def use_ci_g_per_kwh(self) -> float:
        """Grid intensity of the electricity the chip runs on."""
        return self._grid("use_grid", self.use_grid)

    @property
    def lifetime_ns(self) -> float:
        """Lifetime in ns with 365-day years (3.1536e16 ns/year, as CarbonSpot)."""
        return self.lifetime_years * YEAR_NS

    def node(self, node_nm: int | None = None) -> NodeData:
        """The node table row of ``node_nm`` (default: the set's node)."""
        nm = self.node_nm if node_nm is None else int(node_nm)
        if nm not in self.nodes:
            known = ", ".join(str(n) for n in sorted(self.nodes))
            raise SpecError(self.name, "node_nm", f"no carbon data for {nm} nm (known: {known})")
        return self.nodes[nm]

    def die_parts_g_per_mm2(self, node_nm: int | None = None) -> tuple[float, float, float]:
        """(fab electricity, gases, materials) footprint per mm2 of wafer, before yield."""
        row = self.node(node_nm)
        gpa = row.gpa_at(self.abatement_pct)
        if gpa is None:
            nm = self.node_nm if node_nm is None else node_nm
            raise SpecError(self.name, "abatement_pct", f"no GPA at {self.abatement_pct} % for {nm} nm")
        return (
            self.fab_ci_g_per_kwh * row.epa_kwh_per_cm2 / MM2_PER_CM2,
            gpa / MM2_PER_CM2,
            row.mpa_g_per_cm2 / MM2_PER_CM2,
        )

    def defect_density(self, node_nm: int | None = None) -> float:
        """D0 per cm2 of the node for the negative-binomial yield."""
        table = self.yield_spec.defect_density_per_cm2
        if isinstance(table, str):
            if table not in self.defect_density_per_cm2:
                known = ", ".join(sorted(self.defect_density_per_cm2))
                raise SpecError(
                    self.name, "yield.defect_density_per_cm2", f"unknown table {table!r} (known: {known})"
                )
            table = self.defect_density_per_cm2[table]
        nm = self.node_nm if node_nm is None else int(node_nm)
        if nm not in table:
            known = ", ".join(str(n) for n in sorted(table))
            raise SpecError(
                self.name, "yield.defect_density_per_cm2", f"no defect density for {nm} nm (known: {known})"
            )
        return float(table[nm])

    def dram_g_per_gb_for(self, scenario: Literal["ca", "pa"] = "ca") -> float:
        """DRAM footprint per GB for a scenario (equal in both except in the ``carbonspot`` quirk)."""
        d = self.dram
        if d.g_per_gb is not None:
            base = d.g_per_gb
        elif d.type is not None:
            if d.type not in self.dram_g_per_gb:
                known = ", ".join(sorted(self.dram_g_per_gb))
                raise SpecError(self.name, "dram.type", f"unknown DRAM type {d.type!r} (known: {known})")
            base = self.dram_g_per_gb[d.type]
        else:
            raise SpecError(self.name, "dram", "give dram.type (a row of ACT's table) or dram.g_per_gb")
        if scenario == "pa" and d.pa_g_per_gb_quirk is not None:
            base = d.pa_g_per_gb_quirk
        scale = 1.0
        if (d.scale_from_nm is None) != (d.scale_to_nm is None):
            raise SpecError(
                self.name, "dram.scale_to_nm", "give both scale_from_nm and scale_to_nm, or neither"
            )
        if d.scale_from_nm is not None and d.scale_to_nm is not None:
            scale = (d.scale_to_nm / d.scale_from_nm) ** 2
        return base * scale / d.yield_value

    def at_node(self, node_nm: int) -> CarbonParameters:
        """The same set at another node (checked)."""
        out = self.model_copy(update={"node_nm": int(node_nm)})
        out.check()
        return out

    def check(self) -> None:
        """Resolve everything the model needs once, so a bad value fails here and not mid-run."""
        _ = self.fab_ci_g_per_kwh, self.use_ci_g_per_kwh
        self.die_parts_g_per_mm2()
        self.dram_g_per_gb_for("ca")
        self.dram_g_per_gb_for("pa")
        if self.yield_spec.model == "negative_binomial":
            self.defect_density()

    def summary(self) -> dict[str, Any]:
        """The resolved numbers a user wants to see beside a result."""
        epa, gpa, mpa = self.die_parts_g_per_mm2()
        return {
            "name": self.name,
            "node_nm": self.node_nm,
            "fab_ci_g_per_kwh": self.fab_ci_g_per_kwh,
            "use_ci_g_per_kwh": self.use_ci_g_per_kwh,
            "abatement_pct": self.abatement_pct,
            "die_g_per_mm2_before_yield": {"epa": epa, "gpa": gpa, "mpa": mpa},
            "yield": self.yield_spec.model_dump(),
            "lifetime_years": self.lifetime_years,
            "package_g_per_chip": self.package_g_per_chip,
            "dram_g_per_gb": {"ca": self.dram_g_per_gb_for("ca"), "pa": self.dram_g_per_gb_for("pa")},
            "idle_power_fraction": self.idle_power_fraction,
        }


YEAR_NS = 365 * 24 * 3600 * 1e9
"""One year in ns (365 days = 3.1536e16 ns, CarbonSpot's constant)."""
MM2_PER_CM2 = 100.0


# -- loading (the edge) -------------------------------------------------------------------------------------
def _read_data(name: str) -> dict[str, Any]:
    text = resources.files("carbonloop.carbon").joinpath("data", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _node_key(key: Any, source: str, where: str) -> Any:
    """``28``, ``"28"`` and ``"28nm"`` all name the 28 nm node."""
    text = str(key).strip().lower().removesuffix("nm").strip()
    try:
        return int(text)
    except ValueError:
        raise SpecError(source, where, f"node keys are integers in nm (got {key!r})") from None


def _normalize(data: dict[str, Any], source: str) -> dict[str, Any]:
    out = dict(data)
    if isinstance(out.get("nodes"), dict):
        out["nodes"] = {_node_key(k, source, f"nodes.{k}"): v for k, v in out["nodes"].items()}
    y = out.get("yield")
    if isinstance(y, dict) and isinstance(y.get("defect_density_per_cm2"), dict):
        dd = y["defect_density_per_cm2"]
        y = dict(
            y,
            defect_density_per_cm2={
                _node_key(k, source, f"yield.defect_density_per_cm2.{k}"): v for k, v in dd.items()
            },
        )
        out["yield"] = y
    return out


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _merge_user(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Merge a user's fields; naming a DRAM part (``type`` or ``g_per_gb``) replaces the base's DRAM spec
    as a whole, so a base set's scaling or quirk never silently applies to another part."""
    out = _merge(base, top)
    dram = top.get("dram")
    if isinstance(dram, dict) and ("type" in dram or "g_per_gb" in dram):
        out["dram"] = dict(dram)
    return out


def _tables() -> dict[str, Any]:
    t = _read_data("act_tables.yaml")
    return {
        "nodes": t["nodes"],
        "grids": t["grids"],
        "dram_g_per_gb": t["dram_g_per_gb"],
        "defect_density_per_cm2": t["defect_density_per_cm2"],
    }


def _named(name: str) -> dict[str, Any]:
    return _merge(_tables(), _read_data(f"{name}.yaml"))


def _user_merged(data: Any, source: str) -> dict[str, Any]:
    """A user mapping on top of its ``base`` set (default ``act``), as one unvalidated mapping."""
    if not isinstance(data, dict):
        raise SpecError(source, "<root>", "expected a mapping of parameter fields")
    data = dict(data)
    base = data.pop("base", "act")
    if base not in NAMED_SETS:
        raise SpecError(source, "base", f"unknown parameter set {base!r} (known: {', '.join(NAMED_SETS)})")
    merged = _merge_user(_named(base), _normalize(data, source))
    # A user set charges DRAM one g/GB in both scenarios unless it asks for CarbonSpot's quirk itself.
    user_dram = data.get("dram") if isinstance(data.get("dram"), dict) else {}
    if "pa_g_per_gb_quirk" not in user_dram and isinstance(merged.get("dram"), dict):
        merged["dram"] = dict(merged["dram"], pa_g_per_gb_quirk=None)
    merged["name"] = data.get("name", Path(source).stem if source.endswith((".yaml", ".yml")) else "user")
    return merged


def _build(data: dict[str, Any], source: str) -> CarbonParameters:
    params = validate(CarbonParameters, data, source)
    try:
        params.check()
    except SpecError as err:
        raise err.located(source) from None
    return params


def parameters_from_dict(data: Any, source: str = "<parameters>") -> CarbonParameters:
    """A parameter set from a mapping: ``base`` (a named set, default ``act``) plus overriding fields.

    A user set charges DRAM one g/GB in both scenarios: CarbonSpot's PA quirk is dropped unless the
    mapping sets ``dram.pa_g_per_gb_quirk`` itself.
    """
    return _build(_user_merged(data, source), source)


def load_parameters(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> CarbonParameters:
    """A named set (``act``, ``carbonspot``) or a user YAML file, with optional field overrides.

    ``overrides`` are merged last (nested mappings merge key by key), e.g.
    ``{"lifetime_years": 5, "use_grid": "europe", "node_nm": 22}``; ``None`` values are ignored.
    """
    name = str(name_or_path)
    if name in NAMED_SETS:
        data = _named(name)
    elif name.endswith((".yaml", ".yml")) or Path(name).is_file():
        data = _user_merged(load_yaml(name), name)
        _build(data, name)  # a bad file is reported before any override can mask it
    else:
        known = ", ".join(NAMED_SETS)
        raise SpecError(name, "<parameters>", f"unknown parameter set (known: {known}, or a YAML file)")
    if overrides:
        clean = {k: v for k, v in overrides.items() if v is not None}
        data = _merge_user(data, _normalize(clean, name))
    return _build(data, name)
