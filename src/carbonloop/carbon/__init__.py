"""Carbon: embodied (ACT's EPA/GPA/MPA over yield, DRAM, package) + operational; CA and PA scenarios.

What the mapper and the exploration call:
``carbon_per_inference`` (vectorized over energy/latency/area arrays), ``ca_weights`` (the linear CA
objective ``a*energy_pj + b*latency_cycles`` of a fixed chip), ``pa_carbon_g`` (PA objective over many
mappings), ``carbon_report`` (the ``carbon`` block of ``evaluate --carbon``, ``.to_dict()`` for JSON) and ``load_parameters``.
"""

from carbonloop.carbon.embodied import die_g, die_yield, dram_g, g_per_cm2_good_die, negative_binomial_yield
from carbonloop.carbon.literature import Chip, LiteratureRow, builtin_chips, literature_table, load_chips
from carbonloop.carbon.metrics import cdp_g_ns, cep_g_pj, design_metrics, per_task_g, tcdp_g_ns
from carbonloop.carbon.operational import PJ_PER_KWH, g_per_pj, operational_g
from carbonloop.carbon.parameters import (
    NAMED_SETS,
    YEAR_NS,
    CarbonParameters,
    load_parameters,
    parameters_from_dict,
)
from carbonloop.carbon.scenarios import (
    COMPONENTS,
    CarbonResult,
    ca_weights,
    carbon_per_inference,
    embodied_lifetime_g,
    pa_carbon_g,
)
from carbonloop.carbon.section import CarbonReport, carbon_report

__all__ = [
    "COMPONENTS",
    "NAMED_SETS",
    "PJ_PER_KWH",
    "YEAR_NS",
    "CarbonParameters",
    "CarbonReport",
    "CarbonResult",
    "Chip",
    "LiteratureRow",
    "builtin_chips",
    "ca_weights",
    "carbon_per_inference",
    "carbon_report",
    "cdp_g_ns",
    "cep_g_pj",
    "design_metrics",
    "die_g",
    "die_yield",
    "dram_g",
    "embodied_lifetime_g",
    "g_per_cm2_good_die",
    "g_per_pj",
    "literature_table",
    "load_chips",
    "load_parameters",
    "negative_binomial_yield",
    "operational_g",
    "pa_carbon_g",
    "parameters_from_dict",
    "per_task_g",
    "tcdp_g_ns",
]
