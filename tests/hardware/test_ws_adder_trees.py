"""A weight-stationary array's column adder trees: their energy by hand, in the YAML, and against the array
energy CarbonSpot published for its weight-stationary designs.

Gates: CarbonSpot's 28 nm constants (KULeuven-MICAS/carbonspot @ 0839b49, ``expr.py`` tech_param_28nm:
NAND2 0.7 fF, XOR2 1.5 x NAND2, V_DD 0.9 V); a full adder is 3 NAND2 + 2 XOR2, 4.2 fF x 0.81 V^2 =
3.402 fJ, and one with a zero operand switches only its XORs, 2.1 fF x 0.81 = 1.701 fJ (zigzag-imc
``get_regular_adder_trees_energy``).
"""

from __future__ import annotations

import dataclasses

import pytest

import carbonloop
from carbonloop.errors import SpecError
from carbonloop.explore.validate import load_reference
from carbonloop.hardware.templates import digital
from carbonloop.hardware.yaml import accelerator_from_dict, accelerator_to_dict
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import LevelMapping, Loop, Mapping
from carbonloop.workload.builders import matmul

FA_PJ = 0.003402
HALF_PJ = 0.001701


def _nest(c_spatial: int) -> Mapping:
    """32 outputs (K) on D1, ``c_spatial`` of the 32 reduction inputs on D2, the rest of C and the 4 rows
    in time at the SRAM (the default template's fan-out level)."""
    temporal = (Loop("OY", 4),) + ((Loop("C", 32 // c_spatial),) if c_spatial < 32 else ())
    return Mapping(
        (
            LevelMapping("dram"),
            LevelMapping("sram", temporal, (("D1", (Loop("K", 32),)), ("D2", (Loop("C", c_spatial),)))),
            LevelMapping("registers"),
        )
    )


def test_a_full_tree_switches_every_adder_once_per_cycle():
    # a 32-input tree of 16-bit products: 32 x 17 - (16 + 5 + 1) = 522 full adders, 1.775844 pJ
    # 4 cycles x 32 trees x 1.775844 = 227.308 pJ; the MACs 4 x 32 x 32 x 0.25 = 1024 pJ
    layer = matmul("fc", M=4, N=32, K=32)
    cost = evaluate(layer, digital(32, 32, 8192, "ws"), _nest(32))
    assert cost.compute_breakdown_pj["adder_trees"] == pytest.approx(4 * 32 * 522 * FA_PJ)
    assert cost.compute_breakdown_pj["macs"] == pytest.approx(1024.0)


def test_a_tree_with_idle_inputs_half_switches_its_joining_adders():
    # 8 of 32 inputs driven: the driven 8-input subtree, 8 x 17 - (16 + 3 + 1) = 116 full adders, and
    # the joining adders that see a zero, 16 + 3 = 19 and 16 + 4 = 20 bits: 39 half adders
    # per tree 116 x 3.402 + 39 x 1.701 = 460.971 fJ; 16 cycles (OY 4 x C 4) x 32 trees
    layer = matmul("fc", M=4, N=32, K=32)
    cost = evaluate(layer, digital(32, 32, 8192, "ws"), _nest(8))
    per_tree = 116 * FA_PJ + 39 * HALF_PJ
    assert cost.compute_breakdown_pj["adder_trees"] == pytest.approx(16 * 32 * per_tree)
    assert per_tree * 4 > 522 * FA_PJ  # idle inputs cost: above a quarter of the full tree per cycle


def test_output_stationary_has_no_trees_and_the_yaml_keeps_them():
    layer = matmul("fc", M=4, N=32, K=32)
    os_nest = Mapping(
        (
            LevelMapping("dram"),
            LevelMapping("sram", (Loop("C", 32),), (("D1", (Loop("K", 32),)), ("D2", (Loop("OY", 4),)))),
            LevelMapping("registers"),
        )
    )
    assert "adder_trees" not in evaluate(layer, digital(32, 32, 8192, "os"), os_nest).compute_breakdown_pj
    ws = digital(32, 32, 8192, "ws")
    again = accelerator_from_dict(accelerator_to_dict(ws))
    assert again.array.adder_tree == ws.array.adder_tree
    assert again.array.adder_tree.full_adder_pj == pytest.approx(FA_PJ)


def test_a_tree_on_an_unknown_axis_is_a_one_line_error():
    data = accelerator_to_dict(digital(32, 32, 8192, "ws"))
    data["array"]["adder_tree"]["axis"] = "D7"
    with pytest.raises(SpecError) as err:
        accelerator_from_dict(data, "ws.yaml")
    assert err.value.field == "array.adder_tree.axis" and "'D7'" in err.value.message


@pytest.mark.parametrize("workload,name", [("autoencoder", "ae"), ("ds_cnn", "ds_cnn")])
@pytest.mark.parametrize("dim", [32, 64])
def test_carbonspot_published_weight_stationary_array_energy(workload: str, name: str, dim: int):
    """CarbonSpot's array energy (its Tiny sweep, 512 KiB) is the MACs at 0.25 pJ plus these trees on
    the unrollings its ZigZag chose (which the profile reproduces): equal to its 6 printed digits."""
    ref = load_reference()
    row = ref[
        (ref.suite == "tiny")
        & (ref.workload == name)
        & (ref.acc_type == "pdigital_ws")
        & (ref.dim == dim)
        & (ref.sram_size_B == 524288)
    ].iloc[0]
    acc = digital(dim, dim, 524288, "ws", profile="carbonspot")
    result = carbonloop.evaluate(workload, acc, objective="edp", conventions="carbonspot", budget=300)
    array_pj = sum(sum(lr.cost.compute_breakdown_pj.values()) for lr in result.layers)
    assert array_pj == pytest.approx(float(row.energy_array_pJ), rel=1e-5)
    without = sum(lr.cost.compute_breakdown_pj["macs"] for lr in result.layers)
    assert without < 0.85 * float(row.energy_array_pJ)  # the trees are 18-19 % of it


def test_removing_the_trees_changes_only_the_compute_energy():
    layer = matmul("fc", M=4, N=32, K=32)
    ws = digital(32, 32, 8192, "ws")
    bare = dataclasses.replace(ws, array=dataclasses.replace(ws.array, adder_tree=None))
    a, b = evaluate(layer, ws, _nest(32)), evaluate(layer, bare, _nest(32))
    assert a.energy_pj - b.energy_pj == pytest.approx(4 * 32 * 522 * FA_PJ)
    assert a.latency_cycles == b.latency_cycles
