"""The 1-D conv o[m,p] += i[p+r] * f[m,r] (M=32, P=16, R=3) on `two_level`: five classic dataflows.

Every count is derived by hand below from the conventions in docs/model.md. Shared facts:
- MACs = 32*16*3 = 1536; |W| = 32*3 = 96, |I| = 16+3-1 = 18, |O| = 32*16 = 512.
- The MAC reads W and I from the buffer once per MAC: buffer reads W = I = 1536.
- Outputs: the MAC updates the buffer 1536 times; the first update of each of the 512 outputs needs no
  read, and none of these nests evicts an output before it is complete, so each output goes up once:
  buffer O reads = (1536 - 512) + 512 = 1536, buffer O fills = 0, main memory O updates = 512, reads 0.
- Energy (all words 8 b, so one word per element): 7.95*(main-memory W+I reads) + 5.45*512 (O updates)
  + 0.42*(buffer W+I fills) + 0.42*(3*1536 reads) + 0.42*1536 (O updates) + 0.56*1536 (MACs)
  = 8.37*(W+I traffic) + 2790.4 + 2580.48 + 860.16 = 8.37*(W+I traffic) + 6231.04 pJ.
"""

from __future__ import annotations

import pytest

from carbonloop.hardware import load_preset
from carbonloop.model.evaluate import evaluate
from carbonloop.model.mapping import mapping_from_data
from carbonloop.workload import conv1d

LAYER = conv1d("conv1d", M=32, P=16, R=3)
ACC = load_preset("two_level")


def run(mm: list[list[object]], buf: list[list[object]]):
    m = mapping_from_data([{"level": "main_memory", "temporal": mm}, {"level": "buffer", "temporal": buf}])
    return evaluate(LAYER, ACC, m)


def check(cost, w_traffic: int, i_traffic: int) -> None:
    a = cost.accesses
    assert cost.macs == 1536
    assert a["main_memory"]["W"] == {"reads": w_traffic, "fills": 0, "updates": 0}
    assert a["main_memory"]["I"] == {"reads": i_traffic, "fills": 0, "updates": 0}
    assert a["main_memory"]["O"] == {"reads": 0, "fills": 0, "updates": 512}
    assert a["buffer"]["W"] == {"reads": 1536, "fills": w_traffic, "updates": 0}
    assert a["buffer"]["I"] == {"reads": 1536, "fills": i_traffic, "updates": 0}
    assert a["buffer"]["O"] == {"reads": 1536, "fills": 0, "updates": 1536}
    assert cost.energy_pj == pytest.approx(8.37 * (w_traffic + i_traffic) + 6231.04, rel=1e-12)


def test_weight_stationary_fetches_each_weight_once_and_slides_inputs():
    # main memory: M(32) R(3); buffer: P(16). Buffer tile: one weight, 16 inputs, 16 outputs.
    # W: every R or M step brings a new weight: 1 + 32*2 + 31 = 96.
    # I: first tile 16; an R step slides the window by 1 (15 shared, 1 new): 32*2*1 = 64; an M step
    #    resets r from 2 to 0 (window moves by -2, 14 shared, 2 new): 31*2 = 62. Total 16+64+62 = 142.
    cost = run([["M", 32], ["R", 3]], [["P", 16]])
    check(cost, 96, 142)
    assert cost.energy_pj == pytest.approx(8223.10)


def test_output_stationary_m_outer_refetches_the_input_row_per_m():
    # main memory: M(32) P(16); buffer: R(3). Tile: 3 weights, 3 inputs, 1 output.
    # W: P steps keep the weights (P is irrelevant to W): 3 + 31*3 = 96.
    # I: each P step slides by 1 (1 new), each M step jumps back 15 (3 new): 3 + 32*15 + 31*3 = 576.
    cost = run([["M", 32], ["P", 16]], [["R", 3]])
    check(cost, 96, 576)
    assert cost.energy_pj == pytest.approx(11855.68)


def test_output_stationary_p_outer_refetches_weights_per_p():
    # main memory: P(16) M(32); buffer: R(3).
    # W: every M step brings 3 new weights: 3 + 16*31*3 + 15*3 = 1536 (all weights, once per p).
    # I: M steps keep the inputs; each P step slides by 1: 3 + 15*1 = 18 (each input once).
    cost = run([["P", 16], ["M", 32]], [["R", 3]])
    check(cost, 1536, 18)
    assert cost.energy_pj == pytest.approx(8.37 * 1554 + 6231.04)


def test_tiled_output_stationary_m_split_halves_input_traffic():
    # main memory: M1(16) P(16); buffer: M2(2) R(3). Tile: 6 weights, 3 inputs, 2 outputs.
    # W: 6 + 15*6 = 96.  I: 3 + 16*15*1 + 15*3 = 288 (= 16 sweeps of the 18 inputs).
    cost = run([["M", 16], ["P", 16]], [["M", 2], ["R", 3]])
    check(cost, 96, 288)
    assert cost.energy_pj == pytest.approx(9445.12)


def test_tiled_output_stationary_p_split_keeps_inputs_and_refetches_weights():
    # main memory: P1(4) M(32); buffer: P2(4) R(3). Tile: 3 weights, 4+3-1 = 6 inputs, 4 outputs.
    # W: each M step brings 3 new weights: 3 + 4*31*3 + 3*3 = 384 (all weights once per P1).
    # I: M steps keep the window; each P1 step moves it by 4 (2 shared, 4 new): 6 + 3*4 = 18.
    cost = run([["P", 4], ["M", 32]], [["P", 4], ["R", 3]])
    check(cost, 384, 18)
    assert cost.energy_pj == pytest.approx(8.37 * 402 + 6231.04)


def test_weight_stationary_latency_is_compute_plus_unbuffered_refills():
    # Buffer reads 3*1536 words over 3 ports of 8 b: 1536 cycles = the 1536 MACs; buffer writes
    # (238 fills + 1536 updates) over 2 ports: 887; main memory reads 238, writes 512.
    # The busiest is compute (1536); the buffer is single-buffered, so its 238 fills (2 per cycle)
    # stall compute for ceil(238/2) = 119 cycles: 1655.
    cost = run([["M", 32], ["R", 3]], [["P", 16]])
    assert cost.latency_breakdown_cycles["compute"] == 1536
    assert cost.latency_cycles == 1655
    assert cost.utilization == pytest.approx(1536 / 1655)
