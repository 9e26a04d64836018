"""Each convention switch on its own, on the course's conv1d (M=32, P=16, R=3) with hand-derived counts.

Nest (weight stationary, outermost first): MainMemory: for m in 32, for r in 3 | Buffer: for p in 16 | MAC.
MACs = 32*16*3 = 1536. The exact model's counts are in tests/interop/test_timeloop.py; here each switch is
turned off alone and the one count or energy it changes is derived by hand.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from carbonloop.errors import SpecError
from carbonloop.interop.common import InteropWarning, parse_tagged_yaml
from carbonloop.interop.timeloop import load_timeloop
from carbonloop.model.conventions import CARBONLOOP, TIMELOOP, get_conventions
from carbonloop.model.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples" / "timeloop"

ARCH = """
architecture:
  version: 0.4
  nodes:
  - !Container {{name: system, attributes: {{global_cycle_seconds: 1e-9}}}}
  - !Component
    name: MainMemory
    class: SRAM
    attributes: {{depth: 32768, width: {main_width}, datawidth: 8}}
  - !Component
    name: Buffer
    class: regfile
    attributes: {{depth: 64, width: {buf_width}, datawidth: {buf_dw}{buf_extra}}}
  - !Component {{name: MACC, class: intmac, attributes: {{datawidth: 8}}}}
"""
ERT = {
    "ERT": {
        "version": "0.4",
        "tables": [
            {
                "name": "system.MainMemory[1..1]",
                "actions": [
                    {"name": "read", "energy": 8.0},
                    {"name": "write", "energy": 6.0},
                    {"name": "update", "energy": 6.0},
                ],
            },
            {
                "name": "system.Buffer[1..1]",
                "actions": [
                    {"name": "read", "energy": 0.5},
                    {"name": "write", "energy": 0.5},
                    {"name": "update", "energy": 0.5},
                    {"name": "leak", "energy": 0.01},
                ],
            },
            {"name": "system.MACC[1..1]", "actions": [{"name": "compute", "energy": 1.0}]},
        ],
    }
}


def _load(switches: dict[str, bool], main_width=8, buf_width=8, buf_dw=8, buf_extra=""):
    arch = parse_tagged_yaml(
        ARCH.format(main_width=main_width, buf_width=buf_width, buf_dw=buf_dw, buf_extra=buf_extra)
    )
    layer, acc, mapping, _ = load_timeloop(
        arch, EX / "problem.yaml", EX / "map_weight_stationary.yaml", ERT, "carbonloop"
    )
    acc = replace(acc, conventions=replace(CARBONLOOP, name="test", **switches))
    return evaluate(layer, acc, mapping)


def _acc(cost, level, space):
    c = cost.accesses[level][space]
    return c["reads"], c["fills"], c["updates"]


def test_named_sets_and_unknown_names():
    assert get_conventions("timeloop") is TIMELOOP and get_conventions("carbonloop") is CARBONLOOP
    assert all(CARBONLOOP.describe().values())  # every switch at the exact choice, leakage in the energy
    # the timeloop set departs from the exact model in exactly Timeloop's rules (other sets' switches,
    # e.g. ZigZag's, keep the exact model's value under timeloop)
    exact, timeloop = CARBONLOOP.describe(), TIMELOOP.describe()
    assert {k for k in exact if exact[k] != timeloop[k]} == {
        "drain_reads",
        "overlap_after_reset",
        "fractional_words",
        "operand_word_bits",
        "ignore_cluster_size",
        "leak_idle_instances",
        "merge_overlapping_multicast",
        "merge_spatial_windows",
        "refill_stalls",
    }
    with pytest.raises(SpecError, match="unknown conventions 'zigzagg'"):
        get_conventions("zigzagg")


def test_without_drain_reads_the_sums_sent_up_are_not_read_at_the_child():
    exact, tl = _load({}), _load({"drain_reads": False})
    # Exact: 1536 updates; reads = 1536 - 512 first updates (no read) + 512 sent up = 1536.
    assert _acc(exact, "Buffer", "Outputs") == (1536, 0, 1536)
    # Timeloop: the 512 reads that send the finished sums up are not counted: 1024.
    assert _acc(tl, "Buffer", "Outputs") == (1024, 0, 1536)
    assert _acc(tl, "MainMemory", "Outputs") == _acc(exact, "MainMemory", "Outputs") == (0, 0, 512)


def test_without_overlap_after_reset_a_window_restarts_whole():
    exact, tl = _load({}), _load({"overlap_after_reset": False})
    # The Buffer holds inputs r .. r+15. Exact: 16 + 31 m steps * (2 new after the reset) + 32 * 2 r steps
    # of 1 new = 16 + 62 + 64 = 142. Timeloop: every m step resets r and fetches the 16 inputs whole:
    # 32 * (16 + 2 * 1) = 576.
    assert _acc(exact, "MainMemory", "Inputs")[0] == 142
    assert _acc(tl, "MainMemory", "Inputs")[0] == 576
    assert _acc(tl, "Buffer", "Inputs")[1] == 576
    assert _acc(tl, "MainMemory", "Weights") == _acc(exact, "MainMemory", "Weights")  # no window


def test_whole_blocks_round_each_action_up_per_instance():
    # MainMemory 64 bits wide with 8-bit data: a block of 8 words per access.
    exact = _load({}, main_width=64)
    blocks = _load({"fractional_words": False}, main_width=64)
    # Inputs: 142 reads. Exact: 142 * 8/64 * 8.0 pJ = 142.0; blocks: ceil(142/8) = 18 * 8.0 = 144.0.
    assert exact.energy_breakdown_pj["MainMemory"]["Inputs"] == pytest.approx(142.0)
    assert blocks.energy_breakdown_pj["MainMemory"]["Inputs"] == pytest.approx(144.0)
    # Weights: 96 reads divide evenly: 12 blocks * 8.0 = 96.0 either way.
    assert blocks.energy_breakdown_pj["MainMemory"]["Weights"] == pytest.approx(96.0)
    assert exact.energy_breakdown_pj["MainMemory"]["Weights"] == pytest.approx(96.0)


def test_per_level_word_bits_charge_every_operand_at_the_level_datawidth():
    # Buffer 16 bits wide with datawidth 16: operands are 8 bits (the outermost level's datawidth).
    exact = _load({}, buf_width=16, buf_dw=16)
    level = _load({"operand_word_bits": False}, buf_width=16, buf_dw=16)
    # Weights at the Buffer: 1536 reads + 96 fills. Exact: 8-bit words, half a 16-bit row each:
    # 1632 * 8/16 * 0.5 = 408.0. Per-level: 16-bit words, a whole row each: 1632 * 0.5 = 816.0.
    assert exact.energy_breakdown_pj["Buffer"]["Weights"] == pytest.approx(408.0)
    assert level.energy_breakdown_pj["Buffer"]["Weights"] == pytest.approx(816.0)
    assert level.word_bits["Buffer"]["Weights"] == 16 and exact.word_bits["Buffer"]["Weights"] == 8


def test_leakage_joins_the_energy_only_when_the_conventions_say():
    exact, without = _load({}), _load({"leakage_in_energy": False})
    # 1536 cycles (one MAC, no stalls: unbounded bandwidth) * 0.01 pJ per cycle * 1 instance = 15.36 pJ:
    # in the exact model's energy (and Timeloop's), left out under ZigZag's and CarbonSpot's rule.
    assert exact.leakage_pj["Buffer"] == pytest.approx(15.36) == without.leakage_pj["Buffer"]
    assert exact.energy_pj - without.energy_pj == pytest.approx(15.36)


def test_without_refill_stalls_cycles_are_the_slowest_of_compute_and_each_level():
    extra = ", write_bandwidth: 2"  # 2 words (16 bits) per cycle into the single-buffered Buffer
    exact = _load({}, buf_extra=extra)
    tl = _load({"refill_stalls": False}, buf_extra=extra)
    # Buffer fills: 96 weights + 142 inputs = 238 words = 1904 bits; refilling stalls the MAC for
    # ceil(1904 / 16) = 119 cycles. Its writes (238 fills + 1536 updates) * 8 / 16 = 887 cycles < 1536.
    assert exact.latency_cycles == 1536 + 119
    assert tl.latency_cycles == 1536


def test_cluster_size_shares_a_vector_access_among_the_instances_of_a_cluster():
    data = ROOT / "tests" / "data" / "timeloop"
    arch = parse_tagged_yaml((data / "arch_pe_array.yaml").read_text())
    regfile = arch["architecture"]["nodes"][-2]
    regfile["attributes"]["cluster_size"] = 2
    with pytest.warns(InteropWarning):  # n_banks ignored, two RegFile read variants
        layer, acc, mapping, _ = load_timeloop(
            arch, data / "problem_conv1d_8x8.yaml", data / "map_pe_array.yaml", data / "ert_pe_array.yaml"
        )
    blocks = replace(TIMELOOP, name="blocks", ignore_cluster_size=True)
    each = evaluate(layer, replace(acc, conventions=blocks), mapping)
    shared = evaluate(layer, acc, mapping)
    # RegFile weights: 192 reads (read 0.2 pJ, the largest variant) and 48 fills (write 0.2 pJ) over 8
    # PEs: 24 + 6 per PE. Every PE paying: 8 * 30 * 0.2 = 48.0; clusters of 2 paying once: 4 * 30 * 0.2 = 24.0.
    assert each.energy_breakdown_pj["RegFile"]["Weights"] == pytest.approx(48.0)
    assert shared.energy_breakdown_pj["RegFile"]["Weights"] == pytest.approx(24.0)
