"""The IMC macro model: reference cases of ZigZag-IMC, building blocks, invariants, bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonloop.costs.imc import (
    ImcMacroSpec,
    adc_area_um2,
    adder_tree_full_adders,
    imc_macro_cost,
    imc_pass_energy_pj,
    imc_template_spec,
    partial_tree_full_adders,
    pv_tree_full_adders,
)
from carbonloop.costs.technology import known_nodes, tech_node
from carbonloop.errors import SpecError

T_CIN_COUT = 2 * 0.0478  # ns, 2 NAND2 (zigzag-imc @ df34a6f imc_unit.py)
V2 = 0.81

# Reference values of KULeuven-MICAS/zigzag @ 3d12a96, ImcArray (zigzag/hardware/architecture/imc_array.py,
# imc_unit.py; inputs zigzag/inputs/hardware/{aimc,dimc}.yaml) with Bi=Bw=8, G=1, V=0.9, cells_area=0.
# Units: mm2, ns, pJ per cycle. Components named as in carbonloop ("adder_trees" = zigzag's "tree").
REFERENCE_CASES = [
    pytest.param(
        ImcMacroSpec("dimc", rows=32, cols=4, input_bits_per_cycle=1),
        {"multipliers": 6.2874e-4, "adder_trees": 5.24896e-3, "accumulators": 7.1175e-4},
        {"multipliers": 0.0478, "adder_trees": 2.17968, "accumulators": 0.87952},
        {"multipliers": 0.290304, "adder_trees": 3.728592, "accumulators": 0.428652},
        0.010299,
        7.195,
        id="dimc-4x32-bc1",
    ),
    pytest.param(
        ImcMacroSpec("dimc", rows=32, cols=4, input_bits_per_cycle=2),
        {
            "multipliers": 1.25747e-3,
            "adder_trees": 1.049793e-2,
            "pv_trees": 2.682e-4,
            "accumulators": 7.1175e-4,
        },
        {"multipliers": 0.0478, "adder_trees": 2.17968, "pv_trees": 0.30592, "accumulators": 0.68832},
        {"multipliers": 0.580608, "adder_trees": 7.457184, "pv_trees": 0.190512, "accumulators": 0.428652},
        0.019865,
        7.393,
        id="dimc-4x32-bc2",
    ),
    pytest.param(
        ImcMacroSpec("dimc", rows=128, cols=128, input_bits_per_cycle=1),
        {"multipliers": 0.08047821, "adder_trees": 0.69638799, "accumulators": 0.0249451},
        {"multipliers": 0.0478, "adder_trees": 2.82976, "accumulators": 0.87952},
        {"multipliers": 37.158912, "adder_trees": 494.678016, "accumulators": 15.023232},
        1.0902,
        7.490,
        id="dimc-128x128",
    ),
    pytest.param(
        ImcMacroSpec("aimc", rows=32, cols=4, input_bits_per_cycle=2, adc_bits=5),
        {"adc": 0.01075969, "multipliers": 6.2874e-4, "pv_trees": 1.05362e-3, "accumulators": 7.1175e-4},
        {"adc": 4.2448, "multipliers": 0.0478, "pv_trees": 1.3384, "accumulators": 0.87952},
        {
            "dac": 2.592,
            "adc": 12.986542,
            "multipliers": 0.290304,
            "bitline": 0.290304,
            "pv_trees": 0.74844,
            "accumulators": 0.428652,
        },
        0.009830,
        3.692,
        id="aimc-4x32-r5",
    ),
    pytest.param(
        ImcMacroSpec("aimc", rows=128, cols=128, input_bits_per_cycle=2, adc_bits=8),
        {"adc": 2.1347151, "multipliers": 0.08047821, "pv_trees": 0.04658934, "accumulators": 0.02602967},
        {"adc": 11.80672, "multipliers": 0.0478, "pv_trees": 1.3384, "accumulators": 0.87952},
        {
            "dac": 10.368,
            "adc": 717.91018,
            "multipliers": 37.158912,
            "bitline": 37.158912,
            "pv_trees": 33.094656,
            "accumulators": 15.676416,
        },
        0.58213,
        9.622,
        id="aimc-128x128-r8",
    ),
    pytest.param(
        ImcMacroSpec("aimc", rows=128, cols=128, macros=4, input_bits_per_cycle=1, adc_bits=5),
        {"adc": 1.37724095, "multipliers": 0.32191283, "pv_trees": 0.13486387, "accumulators": 0.09110385},
        {"adc": 7.3792, "multipliers": 0.0478, "pv_trees": 1.3384, "accumulators": 0.87952},
        {
            "dac": 0.0,
            "adc": 1662.277386,
            "multipliers": 148.635648,
            "bitline": 148.635648,
            "pv_trees": 95.80032,
            "accumulators": 54.867456,
        },
        1.6987,
        7.764,
        id="aimc-128x128x4-r5",
    ),
]


def _pv_delay_extra_ns(spec: ImcMacroSpec) -> float:
    """Deliberate difference (docs/imc.md): the pv tree's carry ripples through its P+n-bit output,
    (P + n - 2) carry steps instead of zigzag's (n - 1): (P - 1) * t_cin_cout more."""
    p = spec.adc_bits if spec.kind == "aimc" else spec.weight_bits + math.log2(spec.rows)
    return (p - 1) * T_CIN_COUT


def _wordline_pj(spec: ImcMacroSpec) -> float:
    """Deliberate addition (docs/imc.md): AIMC inputs drive the wordline of every cell, C_wl V^2 each."""
    if spec.kind != "aimc":
        return 0.0
    return spec.weight_bits * spec.cols * spec.rows * spec.macros * 0.35 * V2 / 1000


@pytest.mark.parametrize(("spec", "area", "path", "energy", "tops", "tops_per_w"), REFERENCE_CASES)
def test_reference_cases_match_facts_by_component(spec, area, path, energy, tops, tops_per_w):
    cost = imc_macro_cost(spec)
    for name, value in area.items():
        assert cost.area_mm2[name] == pytest.approx(value, rel=0.01), name
    for name, value in energy.items():
        assert cost.energy_per_cycle_pj[name] == pytest.approx(value, rel=0.01, abs=1e-9), name
    # only components zigzag's ImcArray lists are nonzero, plus the documented AIMC wordline term
    listed = set(energy) | ({"wordline"} if spec.kind == "aimc" else set())
    assert {k for k, v in cost.energy_per_cycle_pj.items() if v} <= listed
    assert cost.energy_per_cycle_pj["wordline"] == pytest.approx(_wordline_pj(spec), rel=1e-9)
    extra = _pv_delay_extra_ns(spec) if "pv_trees" in path else 0.0
    for name, value in path.items():
        expected = value + (extra if name == "pv_trees" else 0.0)
        assert cost.clock_path_ns[name] == pytest.approx(expected, rel=0.01), name
    clock_facts = sum(path.values())
    assert cost.clock_ns == pytest.approx(clock_facts + extra, rel=0.01)
    # peak rates: with zigzag's clock and energy our formulas give zigzag's TOP/s and TOP/s/W
    energy_facts = sum(energy.values())
    assert 2 * cost.macs_per_cycle / clock_facts / 1000 == pytest.approx(tops, rel=0.01)
    assert 2 * cost.macs_per_cycle / energy_facts == pytest.approx(tops_per_w, rel=0.01)
    assert cost.peak_tops == pytest.approx(2 * cost.macs_per_cycle / cost.clock_ns / 1000)
    assert cost.tops_per_w == pytest.approx(2000 / cost.energy_per_mac_fj)


def test_dimc_reference_case_without_pv_tree_reproduces_totals_exactly():
    # KULeuven-MICAS/zigzag @ 3d12a96 ImcArray reference values: DIMC 4x32 Bc=1, t_clk 3.107 ns, 4.447548 pJ
    cost = imc_macro_cost(ImcMacroSpec("dimc", rows=32, cols=4))
    assert cost.clock_ns == pytest.approx(3.107, rel=1e-3)
    assert cost.total_energy_per_cycle_pj == pytest.approx(4.447548, rel=1e-6)
    assert cost.tops_per_w == pytest.approx(7.195, rel=1e-3)


def test_adder_tree_closed_form_for_powers_of_two():
    # zigzag-imc DimcArrayUnit.py: N(B+1) - (B + log2 N + 1); N=32, B=8: 288 - 14 = 274 (a prose "281" is a slip:
    # its own reference areas give 5.24896e-3 mm2 / 4 trees / 4.789 um2 = 274 FAs); N=128: 1136
    assert adder_tree_full_adders(32, 8) == 274
    assert adder_tree_full_adders(128, 8) == 1136
    assert adder_tree_full_adders(1, 8) == 0
    # 3 operands: one 8-bit adder, then a 9-bit adder joining the passed-through operand
    assert adder_tree_full_adders(3, 8) == 17


def test_pv_tree_full_adders_follow_facts_formula():
    # zigzag-imc imc_unit.py place-value tree: P(n-1) + n(log2 n - 0.5); AIMC n=8, P=5: 35 + 20 = 55; DIMC n=2, P=13: 13 + 1 = 14
    assert pv_tree_full_adders(8, 5) == 55
    assert pv_tree_full_adders(2, 13) == 14
    assert pv_tree_full_adders(1, 13) == 0


def test_partially_used_tree_activates_half_adders_on_the_join():
    # zigzag-imc get_regular_adder_trees_energy recursion, N=32, B=8, m=16: b=16=m -> full 16-input subtree 16*9-(8+4+1)=131 FAs,
    # plus the (8+4)-bit joining adder half activated
    assert partial_tree_full_adders(32, 16, 8) == (131, 12)
    # m=1: the single input's path to the root crosses one adder per stage, each with a zero operand:
    # widths 12, 11, 10, 9 (b = 16, 8, 4, 2) and B = 8 at b = 1
    assert partial_tree_full_adders(32, 1, 8) == (0, 12 + 11 + 10 + 9 + 8)
    assert partial_tree_full_adders(32, 32, 8) == (274, 0)


def test_adc_area_examples():
    # zigzag-imc get_adc_cost: R=3: 99.6 um2, R=5: 336, R=8: 2084; R<=1 is a sense amplifier
    assert adc_area_um2(3) == pytest.approx(99.6, rel=2e-3)
    assert adc_area_um2(5) == pytest.approx(336, rel=2e-3)
    assert adc_area_um2(8) == pytest.approx(2084, rel=2e-3)
    assert adc_area_um2(1) == 0


def test_cell_area_and_write_energy_closed_forms():
    spec = ImcMacroSpec("dimc", rows=128, cols=16, group_depth=2, macros=3)
    cost = imc_macro_cost(spec)
    # 0.25 um2/bit x (16 x 8 bits) x (128 x 2 rows) x 3 macros
    assert cost.area_mm2["cells"] == pytest.approx(0.25e-6 * 16 * 8 * 256 * 3)
    # 8 bits x 7.2 x C_bl 0.35 fF x 0.81 V2 x sqrt(256 physical rows) = 261.27 fJ
    assert cost.weight_write_energy_pj == pytest.approx(8 * 7.2 * 0.35 * V2 * 16 / 1000)
    # zigzag-imc imc_unit.py precharge: (C_wl + C_bl G) V^2 Bw = (0.35 + 0.7) x 0.81 x 8 fJ
    assert cost.precharge_energy_pj == pytest.approx(1.05 * V2 * 8 / 1000)
    assert cost.energy_per_cycle_pj["cells"] == 0.0  # no precharge at peak (weights stationary)


def test_booth_halves_multipliers_and_uses_one_wider_tree_per_input_bit_pair():
    plain = imc_macro_cost(ImcMacroSpec("dimc", rows=32, cols=6, input_bits_per_cycle=2))
    booth = imc_macro_cost(ImcMacroSpec("dimc", rows=32, cols=6, input_bits_per_cycle=2, booth=True))
    assert booth.area_mm2["multipliers"] == pytest.approx(plain.area_mm2["multipliers"] / 2)
    # 6 trees of 32 x 9-bit operands: 32*10 - (9+5+1) = 305 FAs x 4.789 um2
    assert booth.area_mm2["adder_trees"] == pytest.approx(6 * 305 * 4.7892e-6, rel=1e-4)
    assert booth.area_mm2["pv_trees"] == 0.0  # one input-bit pair per cycle: nothing to shift-add
    # tree delay: 4 sums + in->cout + (9+5-2) carries
    assert booth.clock_path_ns["adder_trees"] == pytest.approx(4 * 0.22944 + 0.21032 + 12 * T_CIN_COUT)


def test_weight_bit_trees_sum_narrow_products_then_shift_add_weight_bits():
    spec = ImcMacroSpec("dimc", rows=128, cols=1, input_bits_per_cycle=2, tree_split="weight_bit")
    cost = imc_macro_cost(spec)
    # 8 trees of 128 x 2-bit operands: 8 * (128*3 - (2+7+1)) = 2992 FAs; pv: n=8, P=2+7: 9*7 + 8*2.5 = 83
    assert cost.area_mm2["adder_trees"] == pytest.approx(2992 * 4.7892e-6, rel=1e-4)
    assert cost.area_mm2["pv_trees"] == pytest.approx(83 * 4.7892e-6, rel=1e-4)


def test_pipeline_register_makes_the_clock_the_slowest_stage():
    base = ImcMacroSpec("dimc", rows=128, cols=8)
    piped = ImcMacroSpec("dimc", rows=128, cols=8, pipeline_after=("adder_trees",))
    path = imc_macro_cost(base).clock_path_ns
    assert imc_macro_cost(base).clock_ns == pytest.approx(sum(path.values()))
    assert imc_macro_cost(piped).clock_ns == pytest.approx(path["multipliers"] + path["adder_trees"])


def test_activity_scales_data_dependent_switching_only():
    peak = imc_macro_cost(ImcMacroSpec("aimc", rows=64, cols=8, input_bits_per_cycle=2, adc_bits=5))
    act = imc_macro_cost(
        ImcMacroSpec(
            "aimc",
            rows=64,
            cols=8,
            input_bits_per_cycle=2,
            adc_bits=5,
            input_toggle_rate=0.5,
            weight_sparsity=0.25,
        )
    )
    e0, e1 = peak.energy_per_cycle_pj, act.energy_per_cycle_pj
    assert e1["multipliers"] == pytest.approx(e0["multipliers"] * 0.5 * 0.75)
    assert e1["bitline"] == pytest.approx(e0["bitline"] * 0.5 * 0.75)
    assert e1["wordline"] == pytest.approx(e0["wordline"] * 0.5)
    assert e1["adc"] == pytest.approx(e0["adc"] * 0.75)
    for name in ("dac", "pv_trees", "accumulators"):
        assert e1[name] == pytest.approx(e0[name])


def test_linear_node_scaling_follows_the_22nm_rule():
    # zigzag-imc aimc_validation/22-28nm scripts: logic and ADC area x22/28, logic energy x22/28, ADC energy and delays unscaled
    kw = dict(kind="aimc", rows=64, cols=8, input_bits_per_cycle=2, adc_bits=5, vdd_v=0.9)
    c28 = imc_macro_cost(ImcMacroSpec(node_nm=28, node_scaling="linear", **kw))
    c22 = imc_macro_cost(ImcMacroSpec(node_nm=22, node_scaling="linear", **kw))
    for name in ("cells", "adc", "multipliers", "pv_trees", "accumulators"):
        assert c22.area_mm2[name] == pytest.approx(c28.area_mm2[name] * 22 / 28)
    for name in ("multipliers", "bitline", "wordline", "pv_trees", "accumulators"):
        assert c22.energy_per_cycle_pj[name] == pytest.approx(c28.energy_per_cycle_pj[name] * 22 / 28)
    assert c22.energy_per_cycle_pj["adc"] == pytest.approx(c28.energy_per_cycle_pj["adc"])
    assert c22.energy_per_cycle_pj["dac"] == pytest.approx(c28.energy_per_cycle_pj["dac"])
    assert c22.clock_ns == pytest.approx(c28.clock_ns)


def test_table_scaling_uses_the_technology_table_and_falls_back_to_linear():
    for node in known_nodes():
        tech = tech_node(node)
        cost = imc_macro_cost(ImcMacroSpec("dimc", rows=32, cols=4, node_nm=node))
        assert cost.area_mm2["multipliers"] == pytest.approx(8 * 4 * 32 * tech.nand2_area_um2 * 1e-6)
        assert cost.clock_path_ns["multipliers"] == pytest.approx(tech.nand2_delay_ns)
    unknown = next(n for n in range(29, 1000) if n not in known_nodes())
    table = imc_macro_cost(ImcMacroSpec("dimc", rows=32, cols=4, node_nm=unknown))
    linear = imc_macro_cost(ImcMacroSpec("dimc", rows=32, cols=4, node_nm=unknown, node_scaling="linear"))
    assert table.area_mm2 == linear.area_mm2
    assert table.scaling.startswith("linear")


def test_template_specs_reproduce_carbonspot_sweep_choices():
    # KULeuven-MICAS/carbonspot @ 0839b49, expr.py get_imc_param_setting (the sweep's IMC hardware parameters)
    aimc = imc_template_spec("aimc", 32)
    assert (aimc.rows, aimc.cols, aimc.input_bits_per_cycle, aimc.adc_bits) == (32, 32, 2, 4.5)
    assert imc_template_spec("aimc", 1024).adc_bits == 7.0
    dimc = imc_template_spec("dimc", 256)
    assert (dimc.rows, dimc.cols, dimc.input_bits_per_cycle, dimc.adc_bits, dimc.group_depth) == (
        256,
        256,
        1,
        None,
        1,
    )
    assert (dimc.input_bits, dimc.weight_bits, dimc.macros) == (8, 8, 1)
    with pytest.raises(SpecError):
        imc_template_spec("simd", 32)  # type: ignore[arg-type]


def test_integration_view_of_a_macro():
    cost = imc_macro_cost(ImcMacroSpec("dimc", rows=64, cols=16, macros=2, input_bits_per_cycle=2))
    assert cost.spatial_axes == {"D1": 16, "D2": 64, "macros": 2}
    assert cost.cycles_per_mac_pass == 4
    assert cost.energy_per_mac_pass_pj == pytest.approx(4 * cost.total_energy_per_cycle_pj)
    assert cost.energy_per_mac_pass_pj == pytest.approx(cost.energy_per_mac_fj * 16 * 64 * 2 / 1000)


@pytest.mark.parametrize("kind", ["aimc", "dimc"])
def test_pass_energy_of_a_full_mapping_is_the_peak_pass(kind):
    spec = imc_template_spec(kind, 64)
    full = imc_pass_energy_pj(spec, 64, 64)
    assert sum(full.values()) == pytest.approx(imc_macro_cost(spec).energy_per_mac_pass_pj)
    half = imc_pass_energy_pj(spec, 32, 64)
    assert sum(half.values()) < sum(full.values())
    with pytest.raises(SpecError):
        imc_pass_energy_pj(spec, 65, 1)


def test_partly_mapped_dimc_tree_costs_full_and_half_activated_adders():
    spec = ImcMacroSpec("dimc", rows=32, cols=4)
    e = imc_pass_energy_pj(spec, 16, 4)
    # per tree 131 full (4.2 fF) + 12 half (2.1 fF) FAs at 0.81 V2; 4 trees; 8 cycles
    assert e["adder_trees"] == pytest.approx((131 * 4.2 + 12 * 2.1) * V2 * 4 * 8 / 1000)


def test_a_mapped_row_drives_the_multiplier_of_every_column_of_its_wordline():
    # zigzag-imc @ 49b125a DimcArrayUnit.get_mults_energy: mapped rows x the whole wordline. 16 of 32 rows,
    # 1 of 4 columns: 8 weight bits x 1 input bit x 16 rows x 4 columns NOR2 gates, each half of 0.7 fF
    # switching, at 0.81 V2, 8 bit-serial cycles
    spec = ImcMacroSpec("dimc", rows=32, cols=4)
    one_column = imc_pass_energy_pj(spec, 16, 1)
    assert one_column["multipliers"] == pytest.approx(8 * 16 * 4 * 0.35 * V2 * 8 / 1000)
    assert imc_pass_energy_pj(spec, 16, 4)["multipliers"] == pytest.approx(one_column["multipliers"])
    # the columns' own paths still scale with the used columns: a quarter of the trees
    assert one_column["adder_trees"] == pytest.approx(imc_pass_energy_pj(spec, 16, 4)["adder_trees"] / 4)


def test_a_diagonal_mapping_drives_each_tree_with_the_rows_its_column_sums():
    # OX 3 on the wordline, FX 16 on the bitline: 3 + 16 - 1 = 18 input rows are driven, but each column
    # holds 16 weights; the other 2 rows multiply a stored zero and leave its tree still. The trees cost
    # what 16 driven inputs cost (131 full + 12 half FAs a tree, as above), the multipliers 18 rows.
    spec = ImcMacroSpec("dimc", rows=32, cols=4)
    diagonal = imc_pass_energy_pj(spec, 18, 4, summed_rows=16)
    assert diagonal["adder_trees"] == pytest.approx((131 * 4.2 + 12 * 2.1) * V2 * 4 * 8 / 1000)
    assert diagonal["multipliers"] == pytest.approx(8 * 18 * 4 * 0.35 * V2 * 8 / 1000)
    with pytest.raises(SpecError, match="summed_rows"):
        imc_pass_energy_pj(spec, 16, 4, summed_rows=17)


BAD_SPECS = [
    (dict(kind="dimc", rows=0, cols=4), "rows"),
    (dict(kind="dimc", rows=32, cols=-1), "cols"),
    (dict(kind="dimc", rows=32, cols=4, macros=0), "macros"),
    (dict(kind="dimc", rows=32, cols=4, input_bits=8, input_bits_per_cycle=3), "input_bits_per_cycle"),
    (dict(kind="aimc", rows=32, cols=4), "adc_bits"),
    (dict(kind="aimc", rows=32, cols=4, adc_bits=0), "adc_bits"),
    (dict(kind="dimc", rows=32, cols=4, adc_bits=4), "adc_bits"),
    (dict(kind="dimc", rows=32, cols=4, weight_sparsity=1.5), "weight_sparsity"),
    (dict(kind="dimc", rows=32, cols=4, vdd_v=0), "vdd_v"),
    (dict(kind="dimc", rows=32, cols=4, booth=True), "booth"),
    (dict(kind="dimc", rows=32, cols=4, pipeline_after=("adc",)), "pipeline_after"),
    (dict(kind="tpu", rows=32, cols=4), "kind"),
]


@pytest.mark.parametrize(("kwargs", "field"), BAD_SPECS)
def test_bad_specs_raise_spec_error_naming_the_field(kwargs, field):
    with pytest.raises(SpecError) as err:
        ImcMacroSpec(**kwargs)
    assert err.value.field == field


# --- invariants ---------------------------------------------------------------------------------------

sizes = st.sampled_from([1, 2, 3, 8, 16, 31, 64, 128, 512])
kinds = st.sampled_from(["aimc", "dimc"])
bcs = st.sampled_from([1, 2, 4, 8])


def _spec(kind: str, rows: int, cols: int, macros: int, bc: int, **kw) -> ImcMacroSpec:
    adc = {"adc_bits": 5.0} if kind == "aimc" else {}
    return ImcMacroSpec(kind, rows=rows, cols=cols, macros=macros, input_bits_per_cycle=bc, **adc, **kw)


@settings(max_examples=60, deadline=None)
@given(kind=kinds, rows=sizes, cols=sizes, macros=st.integers(1, 8), bc=bcs)
def test_energy_and_area_grow_with_every_array_size(kind, rows, cols, macros, bc):
    base = imc_macro_cost(_spec(kind, rows, cols, macros, bc))
    for bigger in (
        _spec(kind, rows + 1, cols, macros, bc),
        _spec(kind, rows, cols + 1, macros, bc),
        _spec(kind, rows, cols, macros + 1, bc),
    ):
        cost = imc_macro_cost(bigger)
        assert cost.total_energy_per_cycle_pj > base.total_energy_per_cycle_pj
        assert cost.total_area_mm2 > base.total_area_mm2
        assert cost.clock_ns >= base.clock_ns - 1e-12


@settings(max_examples=60, deadline=None)
@given(kind=kinds, rows=sizes, cols=sizes, macros=st.integers(2, 16), bc=bcs)
def test_efficiency_and_clock_do_not_depend_on_macro_count(kind, rows, cols, macros, bc):
    one = imc_macro_cost(_spec(kind, rows, cols, 1, bc))
    many = imc_macro_cost(_spec(kind, rows, cols, macros, bc))
    assert many.tops_per_w == pytest.approx(one.tops_per_w)
    assert many.tops_per_mm2 == pytest.approx(one.tops_per_mm2)
    assert many.clock_ns == pytest.approx(one.clock_ns)
    assert many.peak_tops == pytest.approx(macros * one.peak_tops)


@settings(max_examples=40, deadline=None)
@given(rows=sizes, cols=sizes, bc=bcs)
def test_dimc_energy_per_mac_does_not_depend_on_columns_but_aimc_shares_its_dacs(rows, cols, bc):
    d1 = imc_macro_cost(_spec("dimc", rows, cols, 1, bc))
    d2 = imc_macro_cost(_spec("dimc", rows, cols + 1, 1, bc))
    assert d2.energy_per_mac_fj == pytest.approx(d1.energy_per_mac_fj)
    a1 = imc_macro_cost(_spec("aimc", rows, cols, 1, bc))
    a2 = imc_macro_cost(_spec("aimc", rows, cols + 1, 1, bc))
    assert a2.energy_per_mac_fj <= a1.energy_per_mac_fj * (1 + 1e-9)


@settings(max_examples=40, deadline=None)
@given(kind=kinds, rows=sizes, cols=sizes, bc=bcs, vdd=st.floats(0.5, 1.2))
def test_energy_scales_with_vdd_squared_and_clock_does_not(kind, rows, cols, bc, vdd):
    ref = imc_macro_cost(_spec(kind, rows, cols, 1, bc, vdd_v=0.9))
    cost = imc_macro_cost(_spec(kind, rows, cols, 1, bc, vdd_v=vdd))
    assert cost.total_energy_per_cycle_pj == pytest.approx(ref.total_energy_per_cycle_pj * (vdd / 0.9) ** 2)
    assert cost.clock_ns == pytest.approx(ref.clock_ns)


@settings(max_examples=40, deadline=None)
@given(kind=kinds, rows=sizes, cols=sizes, toggle=st.floats(0, 1), sparsity=st.floats(0, 1))
def test_activity_never_raises_energy_above_peak(kind, rows, cols, toggle, sparsity):
    peak = imc_macro_cost(_spec(kind, rows, cols, 1, 2))
    act = imc_macro_cost(_spec(kind, rows, cols, 1, 2, input_toggle_rate=toggle, weight_sparsity=sparsity))
    assert act.total_energy_per_cycle_pj <= peak.total_energy_per_cycle_pj * (1 + 1e-9)
    assert act.total_area_mm2 == peak.total_area_mm2
